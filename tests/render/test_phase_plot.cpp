// The phase diagram: the colour map's cells hold the result's values (even, log and uneven grids, slices
// of a two-axis sweep), the theory curve is core's T(beta) and absent where the theory does not apply,
// the marker, clicks on cells, and the figures written whole or not at all.
#include "core/Sweep.h"
#include "render/PhasePlot.h"
#include "render/Theme.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace attnsphere;

namespace {

core::Sweep makeSweep(std::vector<double> betas, std::vector<double> checkpoints) {
    core::Sweep s;
    // The paper's model: n = 32 on S^7, one softmax head with Q^T K = V = I.
    s.base = core::Sweep::load("phase-diagram-rigollet").base;
    core::SweepAxis beta;
    beta.field = "beta";
    for (double b : betas) beta.values.emplace_back(b);
    s.axes = {beta};
    s.checkpoints = std::move(checkpoints);
    s.starts = 4;
    s.statistics = {core::SweepStatistic::ClusteredFraction, core::SweepStatistic::ClusterCount};
    return s;
}

// A hand-made result: every value distinct, fractions in [0, 1].
core::SweepResult makeResult(const core::Sweep& s) {
    core::SweepResult r;
    r.columns = {"clustered_fraction", "cluster_count_median"};
    r.shape = s.shape();
    const int checkpoints = static_cast<int>(s.checkpoints.size());
    r.shape.push_back(checkpoints);
    r.shape.push_back(2);
    const long long points = s.pointCount();
    for (long long p = 0; p < points; ++p)
        for (int c = 0; c < checkpoints; ++c) {
            r.values.push_back((static_cast<double>(p) * checkpoints + c + 0.5) / (points * checkpoints));
            r.values.push_back(static_cast<double>(p + 2 * c + 1));
        }
    return r;
}

std::vector<double> evenTimes(int count, double step) {
    std::vector<double> t;
    for (int k = 0; k < count; ++k) t.push_back(k * step);
    return t;
}

}  // namespace

class TestPhasePlot : public QObject {
    Q_OBJECT
private slots:
    void cellsHoldTheResultsValues() {
        const core::Sweep s = makeSweep({0.5, 1, 1.5, 2}, evenTimes(5, 2));
        const core::SweepResult r = makeResult(s);
        render::PhasePlot plot;
        plot.setSweep(s, r);
        QCOMPARE(plot.column(), 0);
        QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLinear);
        QCOMPARE(plot.plot()->yAxis->label(), QStringLiteral("β"));
        QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("t"));
        QCOMPARE(plot.colourScale()->axis()->label(), QStringLiteral("clustered fraction"));
        QCOMPARE(plot.colourScale()->dataRange(), QCPRange(0, 1));
        QCPColorMapData* data = plot.colourMap()->data();
        QCOMPARE(data->keySize(), 5);
        QCOMPARE(data->valueSize(), 4);
        for (int col = 0; col < 2; ++col) {
            plot.setColumn(col);
            for (int j = 0; j < 4; ++j)
                for (int i = 0; i < 5; ++i) QCOMPARE(data->cell(i, j), r.at(j, i, col));
        }
        QCOMPARE(plot.colourScale()->axis()->label(), QStringLiteral("cluster count median"));
        // A count's colours span its values.
        QCOMPARE(plot.colourScale()->dataRange(), QCPRange(1, 4 + 2 * 4));
        // The cells sit on their values: centre of cell (i, j) at (t_i, beta_j).
        double key = 0, value = 0;
        data->cellToCoord(3, 2, &key, &value);
        QCOMPARE(key, 6.0);
        QCOMPARE(value, 1.5);
    }

    void logSpacedAxisGetsALogAxis() {
        // As a from/to/count log axis expands: not every value is round.
        const core::Sweep s = makeSweep({0.1, 1, 9.9999999999999982, 100}, evenTimes(3, 1));
        render::PhasePlot plot;
        plot.setSweep(s, makeResult(s));
        QVERIFY(plot.logY());
        QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
        QCOMPARE(plot.colourMap()->data()->valueSize(), 4);
        QCOMPARE(plot.colourMap()->data()->cell(1, 2), plot.result().at(2, 1, 0));
        // Labelled at the axis's values, rounded for reading.
        const auto ticker = plot.plot()->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
        QVERIFY(ticker);
        QCOMPARE(ticker->ticks().values(), (QList<QString>{"0.1", "1", "10", "100"}));
    }

    void unevenGridIsResampledToNearestValues() {
        const core::Sweep s = makeSweep({2, 1, 3}, {0, 1, 3, 10});  // beta unsorted, t uneven
        const core::SweepResult r = makeResult(s);
        render::PhasePlot plot;
        plot.setSweep(s, r);
        QCPColorMapData* data = plot.colourMap()->data();
        QCOMPARE(data->valueSize(), 3);
        QVERIFY(data->keySize() > 4);
        // Row 0 is the lowest beta (point 1), the last column shows t = 10, the first t = 0.
        QCOMPARE(data->cell(0, 0), r.at(1, 0, 0));
        QCOMPARE(data->cell(data->keySize() - 1, 0), r.at(1, 3, 0));
        QCOMPARE(data->cell(0, 2), r.at(2, 0, 0));
        // Every cell holds the value of the checkpoint nearest its centre.
        for (int i = 0; i < data->keySize(); ++i) {
            double t = 0, beta = 0;
            data->cellToCoord(i, 1, &t, &beta);
            int nearest = 0;
            for (int c = 1; c < 4; ++c)
                if (std::abs(s.checkpoints[c] - t) < std::abs(s.checkpoints[nearest] - t)) nearest = c;
            QCOMPARE(data->cell(i, 1), r.at(0, nearest, 0));
        }
    }

    void theoryCurveIsCoresClusteringTime() {
        std::vector<double> betas;
        for (int k = 0; k < 18; ++k) betas.push_back(0.5 + 0.5 * k);
        const core::Sweep s = makeSweep(betas, evenTimes(31, 1));
        render::PhasePlot plot;
        plot.setSweep(s, makeResult(s));
        QCPGraph* theory = plot.theoryCurve();
        // The model of the slice shown (one axis: the base with the first beta).
        core::Sweep slice = s;
        slice.base = s.scenarioAt(0);
        QCOMPARE(theory->keyAxis(), plot.plot()->yAxis);  // beta upwards, T across
        int shown = 0;
        for (auto it = theory->data()->constBegin(); it != theory->data()->constEnd(); ++it) {
            const std::optional<double> T = core::theoryClusteringTime(slice, it->key);
            if (std::isnan(it->value)) {
                QVERIFY(!T || *T < 0 || *T > 30);
                continue;
            }
            QVERIFY(T.has_value());
            QCOMPARE(it->value, *T);
            QVERIFY(it->value >= 0 && it->value <= 30);
            ++shown;
        }
        QVERIFY(shown > 10);
        QVERIFY(theory->data()->at(0)->key >= 0.5 && theory->data()->at(theory->dataCount() - 1)->key <= 9);
        QVERIFY(plot.plot()->legend->hasItemWithPlottable(theory));
        QCOMPARE(plot.plot()->legend->itemWithPlottable(theory)->plottable()->name(),
                 QStringLiteral("theory"));
    }

    void noTheoryCurveForRelu() {
        core::Sweep s = makeSweep({0.5, 1, 2}, evenTimes(31, 1));
        s.base.kernel = core::KernelKind::Relu;
        QVERIFY(!core::theoryClusteringTime(s, 1.0));
        render::PhasePlot plot;
        plot.setSweep(s, makeResult(s));
        QCOMPARE(plot.theoryCurve()->dataCount(), 0);
        QVERIFY(!plot.plot()->legend->hasItemWithPlottable(plot.theoryCurve()));
    }

    void twoAxesShowASlice() {
        core::Sweep s = makeSweep({1, 2, 3}, evenTimes(4, 1));
        core::SweepAxis n;
        n.field = "n";
        n.values = {8, 16};
        s.axes.push_back(n);
        const core::SweepResult r = makeResult(s);
        render::PhasePlot plot;
        plot.setSweep(s, r);
        QCOMPARE(plot.yAxisIndex(), 0);
        QCOMPARE(plot.sliceNote(), QStringLiteral("n = 8"));
        plot.setSlice({0, 1});
        QCOMPARE(plot.sliceNote(), QStringLiteral("n = 16"));
        for (int j = 0; j < 3; ++j) {
            QCOMPARE(plot.pointAtRow(j), static_cast<long long>(2 * j + 1));
            for (int i = 0; i < 4; ++i) QCOMPARE(plot.colourMap()->data()->cell(i, j), r.at(2 * j + 1, i, 0));
        }
    }

    void youAreHereMarker() {
        const core::Sweep s = makeSweep({0.5, 1, 1.5, 2}, evenTimes(5, 2));
        render::PhasePlot plot;
        plot.setSweep(s, makeResult(s));
        QVERIFY(!plot.plot()->legend->hasItemWithPlottable(plot.hereGraph()));
        plot.setHere(QPointF(3.5, 1.25));
        QCOMPARE(plot.hereGraph()->dataCount(), 1);
        QCOMPARE(plot.hereGraph()->data()->at(0)->key, 3.5);
        QCOMPARE(plot.hereGraph()->data()->at(0)->value, 1.25);
        QVERIFY(plot.plot()->legend->hasItemWithPlottable(plot.hereGraph()));
        plot.setHere(std::nullopt);
        QCOMPARE(plot.hereGraph()->dataCount(), 0);
    }

    void clickOnACellNamesItsPointAndCheckpoint() {
        const core::Sweep s = makeSweep({0.5, 1, 1.5, 2}, evenTimes(5, 2));
        render::PhasePlot plot;
        plot.setSweep(s, makeResult(s));
        plot.resize(800, 500);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        plot.plot()->replot();
        QSignalSpy clicked(&plot, &render::PhasePlot::cellClicked);
        const QPoint at(qRound(plot.plot()->xAxis->coordToPixel(4.3)),
                        qRound(plot.plot()->yAxis->coordToPixel(1.6)));
        QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, at);
        QCOMPARE(clicked.count(), 1);
        QCOMPARE(clicked[0][0].toLongLong(), 2LL);  // beta 1.5
        QCOMPARE(clicked[0][1].toInt(), 2);         // t = 4
        // Outside the axis rect: nothing.
        QVERIFY(!plot.cellAt(QPoint(1, 1)));
    }

    void figuresAreWrittenWholeOrNotAtAll() {
        std::vector<double> betas;
        for (int k = 0; k < 10; ++k) betas.push_back(0.5 + k);
        const core::Sweep s = makeSweep(betas, evenTimes(16, 2));
        const core::SweepResult r = makeResult(s);
        QTemporaryDir dir;
        render::writePhaseFigures(dir.path().toStdString(), s, r);
        const QImage png(QDir(dir.path()).filePath("phase.png"));
        QCOMPARE(png.size(), QSize(1600, 1000));
        QFile pdf(QDir(dir.path()).filePath("phase.pdf"));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 2);
        // A folder that cannot be written: an error naming the file, no file left.
        const QString missing = QDir(dir.path()).filePath("missing/deeper");
        try {
            render::writePhaseFigures(missing.toStdString(), s, r);
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).contains("phase."), e.what());
        }
        QVERIFY(!QFile::exists(QDir(missing).filePath("phase.png")));
        QVERIFY(!QFile::exists(QDir(missing).filePath("phase.pdf")));
        // A regular file where the folder should be: the same.
        const QString file = QDir(dir.path()).filePath("phase.png");
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, render::writePhaseFigures(file.toStdString(), s, r));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 2);
    }

    // An entropy sweep: coloured on [0, log n], and entropy.png draws entropy against the plotted axis at the
    // first and last checkpoints with log n marked.
    void entropyIsDrawnAgainstTheAxisWithLogN() {
        core::Sweep s = core::Sweep::load("spectrum-localisation");
        s.checkpoints = evenTimes(3, 0.1);
        core::SweepResult r;
        r.columns = {"entropy"};
        r.shape = s.shape();
        r.shape.push_back(3);
        r.shape.push_back(1);
        const long long points = s.pointCount();
        for (long long p = 0; p < points; ++p)
            for (int c = 0; c < 3; ++c) r.values.push_back(3.0 - 0.1 * static_cast<double>(p) + 0.01 * c);
        const double logN = std::log(32.0);
        render::PhasePlot plot;
        plot.setSweep(s, r);
        QCOMPARE(plot.colourScale()->dataRange(), QCPRange(0, logN));
        QVERIFY(plot.colourScale()->axis()->label().contains(QStringLiteral("log n")));
        QVERIFY(plot.logY());
        render::EntropyProfile profile(s, r);
        QCOMPARE(profile.logN(), logN);
        QCOMPARE(profile.plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
        QCOMPARE(profile.curve(0)->dataCount(), static_cast<int>(points));
        for (int p = 0; p < static_cast<int>(points); ++p) {
            QCOMPARE(profile.curve(0)->dataMainKey(p),
                     s.axes[0].values[static_cast<std::size_t>(p)].get<double>());
            QCOMPARE(profile.curve(0)->dataMainValue(p), r.at(p, 0, 0));
            QCOMPARE(profile.curve(1)->dataMainValue(p), r.at(p, 2, 0));
        }
        QTemporaryDir dir;
        render::writePhaseFigures(dir.path().toStdString(), s, r);
        const QImage png(QDir(dir.path()).filePath("entropy.png"));
        QCOMPARE(png.size(), QSize(1600, 1000));
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    render::applyTheme(app);
    TestPhasePlot test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_phase_plot.moc"
