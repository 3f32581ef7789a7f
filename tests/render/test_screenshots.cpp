// The GUI's screenshot mode under Xvfb: default scenario, d = 2 and d = 16. Robust checks,
// no pixel baselines: the PNG is not blank, the sphere (or circle) is in the view region, the selected
// token is highlighted where the GUI says it drew it, a projection is labelled. The GUI writes the view
// rectangle and the selected token's pixel into the PNG's text chunks.
#include <QDir>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

namespace {

struct Shot {
    QImage image;
    QRect view;
    QPointF selected{-1, -1};
    int selectedIndex = -1;
};

Shot runScreenshot(const QString& scenario, const QString& out, int select) {
    QProcess gui;
    gui.setProcessChannelMode(QProcess::ForwardedChannels);
    gui.start(QStringLiteral(ATTNSPHERE_EXE),
              {QStringLiteral("--scenario"), scenario, QStringLiteral("--screenshot"), out,
               QStringLiteral("--after"), QStringLiteral("3"), QStringLiteral("--select"),
               QString::number(select)});
    Shot s;
    if (!gui.waitForFinished(120000) || gui.exitStatus() != QProcess::NormalExit || gui.exitCode() != 0)
        return s;
    s.image = QImage(out);
    const QStringList v = s.image.text(QStringLiteral("attnsphere.view")).split(QLatin1Char(' '));
    if (v.size() == 4) s.view = QRect(v[0].toInt(), v[1].toInt(), v[2].toInt(), v[3].toInt());
    const QStringList sel = s.image.text(QStringLiteral("attnsphere.selected")).split(QLatin1Char(' '));
    if (sel.size() == 3) {
        s.selectedIndex = sel[0].toInt();
        s.selected = QPointF(sel[1].toDouble(), sel[2].toDouble());
    }
    return s;
}

double luma(QRgb c) {
    return 0.299 * qRed(c) + 0.587 * qGreen(c) + 0.114 * qBlue(c);
}

double lumaStdDev(const QImage& img) {
    double sum = 0, sq = 0;
    int n = 0;
    for (int y = 0; y < img.height(); y += 3)
        for (int x = 0; x < img.width(); x += 3) {
            const double l = luma(img.pixel(x, y));
            sum += l;
            sq += l * l;
            ++n;
        }
    const double mean = sum / n;
    return std::sqrt(std::max(0.0, sq / n - mean * mean));
}

double meanDifference(const QImage& img, const QRect& region, QRgb reference) {
    double sum = 0;
    int n = 0;
    for (int y = region.top(); y <= region.bottom(); y += 2)
        for (int x = region.left(); x <= region.right(); x += 2) {
            const QRgb c = img.pixel(x, y);
            sum += std::abs(qRed(c) - qRed(reference)) + std::abs(qGreen(c) - qGreen(reference)) +
                   std::abs(qBlue(c) - qBlue(reference));
            ++n;
        }
    return sum / std::max(1, n);
}

int nearWhite(const QImage& img, QPoint c, int radius) {
    int n = 0;
    for (int y = c.y() - radius; y <= c.y() + radius; ++y)
        for (int x = c.x() - radius; x <= c.x() + radius; ++x)
            if (img.rect().contains(x, y)) {
                const QRgb p = img.pixel(x, y);
                if (qRed(p) > 225 && qGreen(p) > 225 && qBlue(p) > 225) ++n;
            }
    return n;
}

void checkCommon(const Shot& s) {
    QVERIFY2(!s.image.isNull(), "screenshot missing or GUI failed");
    QVERIFY(s.image.width() >= 1200 && s.image.height() >= 700);
    QVERIFY2(lumaStdDev(s.image) > 10, "image is blank");
    QVERIFY(s.view.width() > 300 && s.view.height() > 200);
    QVERIFY(s.image.rect().contains(s.view));
}

void checkSelection(const Shot& s, int expected) {
    QCOMPARE(s.selectedIndex, expected);
    QVERIFY(s.view.contains(s.selected.toPoint()));
    // The highlight is a white ring around the token (world radius 0.075: about 17 pixels here).
    const int at = nearWhite(s.image, s.selected.toPoint(), 24);
    // The same box in the view's top-left corner (background) for contrast.
    const int elsewhere = nearWhite(s.image, s.view.topLeft() + QPoint(30, 30), 24);
    QVERIFY2(at >= 15 && elsewhere < 5,
             qPrintable(QStringLiteral("white at selection %1, elsewhere %2").arg(at).arg(elsewhere)));
}

// Sphere: the centre of the view is tinted by the shell, the corners are background.
void checkSphere(const Shot& s) {
    const QRgb corner = s.image.pixel(s.view.left() + 5, s.view.bottom() - 5);
    const QPoint c = s.view.center();
    const int side = std::min(s.view.width(), s.view.height()) / 5;
    const double centre =
        meanDifference(s.image, QRect(c.x() - side / 2, c.y() - side / 2, side, side), corner);
    const double edge =
        meanDifference(s.image, QRect(s.view.left() + 2, s.view.bottom() - side, side, side - 2), corner);
    QVERIFY2(centre > edge + 12, qPrintable(QStringLiteral("centre %1, corner %2").arg(centre).arg(edge)));
}

}  // namespace

class TestScreenshots : public QObject {
    Q_OBJECT
private slots:
    void defaultScenario() {
        QTemporaryDir dir;
        const Shot s =
            runScreenshot(QStringLiteral("default"), dir.filePath(QStringLiteral("default.png")), 7);
        checkCommon(s);
        checkSphere(s);
        checkSelection(s, 7);
        QVERIFY(s.image.text(QStringLiteral("attnsphere.projection")).isEmpty());
    }

    void circleForTwoDimensions() {
        QTemporaryDir dir;
        const Shot s =
            runScreenshot(QStringLiteral("circle-metastability"), dir.filePath(QStringLiteral("d2.png")), 2);
        checkCommon(s);
        checkSelection(s, 2);
        // The circle: in a band of rows through the centre, bright pixels near both sides, a dark middle.
        const QRgb bg = s.image.pixel(s.view.left() + 5, s.view.bottom() - 5);
        int left = 0, right = 0, middle = 0;
        for (int y = s.view.center().y() - 4; y <= s.view.center().y() + 4; ++y)
            for (int x = s.view.left(); x <= s.view.right(); ++x) {
                if (luma(s.image.pixel(x, y)) < luma(bg) + 60) continue;
                const double u = double(x - s.view.left()) / s.view.width();
                (u < 0.4 ? left : u > 0.6 ? right : middle)++;
            }
        QVERIFY2(left > 0 && right > 0 && middle == 0,
                 qPrintable(QStringLiteral("left %1 right %2 middle %3").arg(left).arg(right).arg(middle)));
    }

    void projectionForSixteenDimensions() {
        QTemporaryDir dir;
        const QString scenario = dir.filePath(QStringLiteral("d16.json"));
        QFile f(scenario);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            R"({"format": "attnsphere-scenario", "version": 1, "name": "d16", "n": 150, "d": 16, "beta": 1,
                    "kernel": "softmax", "integrator": {"method": "rk4", "dt": 0.05}, "seed": 2,
                    "heads": {"kind": "symmetric", "count": 2, "value": "M"}, "init": {"kind": "uniform"}})");
        f.close();
        const Shot s = runScreenshot(scenario, dir.filePath(QStringLiteral("d16.png")), 11);
        checkCommon(s);
        checkSphere(s);
        checkSelection(s, 11);
        QVERIFY(s.image.text(QStringLiteral("attnsphere.projection")).contains(QStringLiteral("R^16")));
    }

    void badOptionsExitWithTwo() {
        QProcess gui;
        gui.start(QStringLiteral(ATTNSPHERE_EXE), {QStringLiteral("--screenshot"), QStringLiteral("x.png"),
                                                   QStringLiteral("--after"), QStringLiteral("-4")});
        QVERIFY(gui.waitForFinished(60000));
        QCOMPARE(gui.exitCode(), 2);
        QVERIFY(gui.readAllStandardError().contains("--after"));
        gui.start(QStringLiteral(ATTNSPHERE_EXE),
                  {QStringLiteral("--scenario"), QStringLiteral("no-such-preset"),
                   QStringLiteral("--screenshot"), QStringLiteral("x.png")});
        QVERIFY(gui.waitForFinished(60000));
        QCOMPARE(gui.exitCode(), 2);
        QVERIFY(gui.readAllStandardError().contains("--scenario"));
    }
};

QTEST_GUILESS_MAIN(TestScreenshots)
#include "test_screenshots.moc"
