// The QK spectrum (core/Spectrum.h): the spectrum of a head, the constructor M = Q diag(lambda) Q^T, the
// spectra a simulation's frames carry, and this model's analogue of attention localisation by a
// concentrated spectrum (doc/MODEL.md §5), measured with the shipped preset and sweep.
#include "core/Errors.h"
#include "core/RunExport.h"
#include "core/Scenario.h"
#include "core/Simulation.h"
#include "core/Spectrum.h"
#include "core/Sweep.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include <cmath>

using namespace attnsphere::core;

namespace {
Scenario spectrumScenario(int d, int H, double mean, double variance, std::uint64_t seed = 7) {
    Scenario s;
    s.n = 8;
    s.d = d;
    s.seed = seed;
    s.heads.kind = HeadsKind::Spectrum;
    s.heads.count = H;
    s.heads.spectrumMean = mean;
    s.heads.spectrumVariance = variance;
    return s;
}

// Mean attention entropy at t = 0 over `starts` seeds of the sweep's base with this mean and variance.
double entropyAtStart(const Scenario& base, double mean, double variance, int starts) {
    double sum = 0;
    for (int k = 0; k < starts; ++k) {
        Scenario s = base;
        s.seed = 1000 + static_cast<std::uint64_t>(k);
        s.heads.spectrumMean = mean;
        s.heads.spectrumVariance = variance;
        Simulation sim(s);
        FrameOptions options;
        options.attention = false;
        sum += sim.makeFrame(options).entropyMean;
    }
    return sum / starts;
}
}  // namespace

class TestSpectrum : public QObject {
    Q_OBJECT
private slots:
    void spectrumOfAKnownMatrix() {
        Matrix M = Matrix::Zero(3, 3);
        M.diagonal() << 3, 1, 2;
        M(0, 1) = 4;  // the antisymmetric part does not enter the spectrum of (M + M^T)/2
        M(1, 0) = -4;
        const HeadSpectrum s = headSpectrum(M);
        QVERIFY((s.eigenvalues - Eigen::Vector3d(1, 2, 3)).norm() < 1e-12);
        QVERIFY(std::abs(s.mean - 2.0) < 1e-12);
        QVERIFY(std::abs(s.variance - 2.0 / 3.0) < 1e-12);
        const HeadSpectrum scalar = headSpectrum(2.5 * Matrix::Identity(5, 5), false);
        QCOMPARE(scalar.eigenvalues.size(), Eigen::Index(0));
        QCOMPARE(scalar.mean, 2.5);
        QCOMPARE(scalar.variance, 0.0);  // scalar heads: sigma^2 = 0
    }

    void constructorHasTheExactMeanAndVariance() {
        const double mean = 0.7, variance = 2.3;
        const Model model = spectrumScenario(12, 3, mean, variance).buildModel();
        for (int h = 0; h < 3; ++h) {
            const Head& head = model.heads[static_cast<std::size_t>(h)];
            QVERIFY(head.M == head.M.transpose());  // exactly symmetric
            QVERIFY(head.V == head.M);              // the value rule of the scenario: V = M
            const HeadSpectrum s = headSpectrum(head.M);
            QVERIFY2(std::abs(s.mean - mean) < 1e-10, qPrintable(QString::number(s.mean, 'g', 17)));
            QVERIFY2(std::abs(s.variance - variance) < 1e-10,
                     qPrintable(QString::number(s.variance, 'g', 17)));
            // The same numbers from the eigenvalues themselves.
            const Vector& l = s.eigenvalues;
            QVERIFY(std::abs(l.mean() - mean) < 1e-10);
            QVERIFY(std::abs((l.array() - l.mean()).square().mean() - variance) < 1e-10);
            for (int g = 0; g < h; ++g)
                QVERIFY((head.M - model.heads[static_cast<std::size_t>(g)].M).norm() > 1e-3);  // per head
        }
        // Deterministic in the seed, different for another seed.
        const Model again = spectrumScenario(12, 3, mean, variance).buildModel();
        const Model other = spectrumScenario(12, 3, mean, variance, 8).buildModel();
        for (std::size_t h = 0; h < 3; ++h) {
            QVERIFY(again.heads[h].M == model.heads[h].M);
            QVERIFY((other.heads[h].M - model.heads[h].M).norm() > 1e-3);
        }
        // Variance 0: M = mean I (up to rounding of the rotation).
        const Model flat = spectrumScenario(6, 1, -1.5, 0).buildModel();
        QVERIFY((flat.heads[0].M + 1.5 * Matrix::Identity(6, 6)).norm() < 1e-12);
    }

    void largeModelsSkipTheEigenSolve() {
        Model model;
        const int d = kSpectrumEigenBudget / 2 + 1;  // two heads: d * H just above the budget
        model.heads.resize(2);
        for (auto& h : model.heads) h.M = h.V = 3.0 * Matrix::Identity(d, d);
        const auto spectra = modelSpectra(model);
        QVERIFY(spectra->eigenvaluesSkipped);
        QCOMPARE(spectra->d, d);
        QCOMPARE(spectra->heads.size(), std::size_t(2));
        QCOMPARE(spectra->heads[1].eigenvalues.size(), Eigen::Index(0));
        QCOMPARE(spectra->heads[1].mean, 3.0);  // mean and variance come from traces anyway
        model.heads.resize(1);
        model.heads[0].M = model.heads[0].V = Matrix::Identity(8, 8);
        QVERIFY(!modelSpectra(model)->eigenvaluesSkipped);
        QCOMPARE(modelSpectra(model)->heads[0].eigenvalues.size(), Eigen::Index(8));
    }

    void framesShareTheSpectraUntilTheScoresChange() {
        Simulation sim(spectrumScenario(6, 2, 1.0, 0.5));
        const Frame a = sim.makeFrame();
        sim.step();
        const Frame b = sim.makeFrame();
        QVERIFY(a.spectra && a.spectra == b.spectra);  // computed once per model, not per frame
        QCOMPARE(a.spectra->heads.size(), std::size_t(2));
        QVERIFY(std::abs(a.spectra->heads[1].variance - 0.5) < 1e-10);
        Model m = sim.model();
        m.beta = 2;  // not a change of the score matrices
        sim.setModel(m);
        QVERIFY(sim.makeFrame().spectra == a.spectra);
        m.heads[1].M = 4.0 * Matrix::Identity(6, 6);
        sim.setModel(m);
        const Frame c = sim.makeFrame();
        QVERIFY(c.spectra != a.spectra);
        QCOMPARE(c.spectra->heads[1].mean, 4.0);
        QCOMPARE(c.spectra->heads[1].variance, 0.0);
        QVERIFY(std::abs(c.spectra->heads[0].mean - 1.0) < 1e-10);
    }

    void exportWritesTheSpectrumOfTheLastModel() {
        QTemporaryDir tmp;
        Simulation sim(spectrumScenario(5, 2, -0.3, 0.8));
        {
            RunExport out(tmp.path().toStdString(), sim.scenario());
            out.addFrame(sim.makeFrame());
            Model m = sim.model();
            m.heads[0].M = 2.0 * Matrix::Identity(5, 5);
            sim.setModel(m);
            out.addFrame(sim.makeFrame());
            out.commit();
        }
        std::ifstream in((tmp.path() + "/metadata.json").toStdString());
        const nlohmann::json j = nlohmann::json::parse(in);
        const nlohmann::json& qk = j.at("qk_spectrum");
        QCOMPARE(qk.size(), std::size_t(2));
        QCOMPARE(qk[0]["mean"].get<double>(), 2.0);
        QCOMPARE(qk[0]["eigenvalues"].size(), std::size_t(5));
        QVERIFY(std::abs(qk[1]["variance"].get<double>() - 0.8) < 1e-10);
        const HeadSpectrum h1 = headSpectrum(sim.model().heads[1].M);
        QCOMPARE(qk[1]["eigenvalues"][4].get<double>(), h1.eigenvalues[4]);
        // Without a simulation's spectra the key is there, null (one schema).
        QVERIFY(RunExport::metadata(sim.scenario(), {}, 1, 8, 5, 2).at("qk_spectrum").is_null());
    }

    // This model's analogue of localisation by a concentrated QK spectrum, at t = 0 for the sweep's base
    // (n = 32 on S^63, beta = 8): thresholds are fractions of log n, the entropy of uniform attention.
    void localisationRegimes() {
        const Sweep sweep = Sweep::load("spectrum-localisation");
        const Scenario& base = sweep.base;
        const double logN = std::log(static_cast<double>(base.n));
        const double mean = base.heads.spectrumMean;
        QVERIFY(mean > 0);
        constexpr int starts = 6;
        const double concentrated = entropyAtStart(base, mean, 0.1, starts);
        const double spread = entropyAtStart(base, mean, 10, starts);
        const double wide = entropyAtStart(base, mean, Limits::spectrumVarianceMax, starts);
        const double zeroMean = entropyAtStart(base, 0.0, 0.1, starts);
        const QString numbers = QStringLiteral("log n %1; S(0.1) %2, S(10) %3, S(100) %4, S(mean 0) %5")
                                    .arg(logN)
                                    .arg(concentrated)
                                    .arg(spread)
                                    .arg(wide)
                                    .arg(zeroMean);
        // Small variance: localised, well below log n and well above 0.
        QVERIFY2(concentrated > 0.4 * logN && concentrated < 0.75 * logN, qPrintable(numbers));
        // Larger variance: towards one-hot, monotonically.
        QVERIFY2(spread < concentrated && wide < spread, qPrintable(numbers));
        QVERIFY2(wide < 0.15 * logN, qPrintable(numbers));
        // Zero mean: uniform attention.
        QVERIFY2(zeroMean > 0.98 * logN, qPrintable(numbers));

        // The preset shows the localised regime (two heads of the same spectrum law).
        Simulation preset(Scenario::load("qk-spectrum-localisation"));
        QVERIFY(preset.scenario().heads.kind == HeadsKind::Spectrum);
        const double s = preset.makeFrame().entropyMean;
        QVERIFY2(s > 0.4 * logN && s < 0.75 * logN, qPrintable(QString::number(s)));
    }

    void sweepPresetValidatesAndATinyVersionRuns() {
        const Sweep sweep = Sweep::load("spectrum-localisation");
        QCOMPARE(sweep.axes.size(), std::size_t(1));
        QCOMPARE(sweep.axes[0].field, std::string("heads.spectrum_variance"));
        QCOMPARE(sweep.axes[0].spec.value("spacing", ""), std::string("log"));
        QCOMPARE(sweep.checkpoints.front(), 0.0);
        QCOMPARE(sweep.statistics, std::vector<SweepStatistic>{SweepStatistic::Entropy});
        QVERIFY(!sweep.citation.empty());
        // Two variances, two starts, two checkpoints.
        nlohmann::json j = sweep.toJson();
        j["axes"][0] = {{"field", "heads.spectrum_variance"}, {"values", {0.01, 100}}};
        j["starts"] = 2;
        j["starts_per_shard"] = 2;
        j["checkpoints"] = {0, 0.01};
        const Sweep tiny = Sweep::fromJson(j);
        std::vector<ShardResult> shards;
        for (long long k = 0; k < tiny.shardCount(); ++k) shards.push_back(computeShard(tiny, k));
        const SweepResult r = aggregate(tiny, shards);
        QCOMPARE(r.columns, std::vector<std::string>{"entropy"});
        const double logN = std::log(static_cast<double>(tiny.base.n));
        const double small = r.at(0, 0, 0), large = r.at(1, 0, 0);
        QVERIFY2(small > large && small < logN && large > 0,
                 qPrintable(QStringLiteral("%1 %2").arg(small).arg(large)));
    }
};

QTEST_APPLESS_MAIN(TestSpectrum)
#include "test_spectrum.moc"
