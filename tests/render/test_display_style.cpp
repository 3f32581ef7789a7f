// The presentation display: at presentation scale every panel's text is at least 24 px tall and every
// curve at least 3 px wide (the GUI at 1920x1080 draws panels at scale 1); back to normal restores the
// normal look exactly; the light theme gives light backgrounds and dark text; head colours are the
// Okabe–Ito colour-blind-safe table, pairwise distinct and contrasting on both themes.
#include "core/Simulation.h"
#include "render/ColourMap.h"
#include "render/DisplayStyle.h"
#include "render/FrameComposer.h"
#include "render/PanelRegistry.h"
#include "render/PlotPanel.h"
#include "render/SceneRenderer.h"
#include "render/Theme.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QFontInfo>
#include <QtTest>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

using namespace attnsphere;

namespace {

// Every panel of the registry fed a few frames of a multi-head preset (so every curve has data).
std::vector<std::unique_ptr<render::PlotPanel>> fedPanels() {
    core::Simulation sim(core::Scenario::load("orthogonal-heads-shadows"));
    std::vector<core::Frame> frames;
    for (double t = 0; t <= 0.3; t += 0.1) {
        sim.stepUntil(t);
        frames.push_back(sim.makeFrame());
    }
    std::vector<std::unique_ptr<render::PlotPanel>> panels;
    for (const render::PanelInfo& info : render::panelRegistry()) {
        panels.emplace_back(info.make(nullptr));
        panels.back()->resize(700, 900);
        for (const core::Frame& f : frames) panels.back()->addFrame(f);
        panels.back()->setTimeCursor(0.1);
        panels.back()->addEditMarker(0.2, QStringLiteral("β 1 → 2"));
        panels.back()->refresh();
    }
    return panels;
}

// CIE L*a*b* of an sRGB colour (D65): colours far apart here look different.
std::array<double, 3> lab(const QColor& c) {
    auto linear = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    const double r = linear(c.redF()), g = linear(c.greenF()), b = linear(c.blueF());
    const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
                 y = 0.2126 * r + 0.7152 * g + 0.0722 * b,
                 z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    auto f = [](double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116; };
    return {116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))};
}

double deltaE(const QColor& a, const QColor& b) {
    const auto p = lab(a), q = lab(b);
    return std::hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

int pixels(const QFont& font) {
    return QFontInfo(font).pixelSize();
}

// The smallest text (pixels) and the thinnest visible pen (width) in `plot`, as drawn at scale 1.
struct Smallest {
    int text = 1 << 20;
    double pen = 1e9;
    QString what;
};

void measure(QCustomPlot* plot, Smallest& s, const QString& panel) {
    auto text = [&](const QFont& f, const QString& what) {
        if (pixels(f) < s.text) {
            s.text = pixels(f);
            s.what = panel + ": " + what;
        }
    };
    for (QCPAxis* axis : plot->findChildren<QCPAxis*>()) {
        if (!axis->visible()) continue;
        if (axis->tickLabels()) text(axis->tickLabelFont(), QStringLiteral("tick labels"));
        if (!axis->label().isEmpty()) text(axis->labelFont(), QStringLiteral("axis label ") + axis->label());
    }
    if (plot->legend->visible() && plot->legend->itemCount() > 0) {
        for (int k = 0; k < plot->legend->itemCount(); ++k)
            if (QCPAbstractLegendItem* item = plot->legend->item(k))
                text(item->font(), QStringLiteral("legend item"));
    }
    for (int k = 0; k < plot->itemCount(); ++k)
        if (auto* t = qobject_cast<QCPItemText*>(plot->item(k)))
            text(t->font(), QStringLiteral("text item ") + t->text());
    for (int k = 0; k < plot->plottableCount(); ++k) {
        QCPAbstractPlottable* p = plot->plottable(k);
        if (p->pen().style() == Qt::NoPen || qobject_cast<QCPColorMap*>(p)) continue;
        s.pen = std::min(s.pen, std::max(1.0, p->pen().widthF()));
    }
}

// The extents of an axis's tick labels along the axis, as drawn: text height on a vertical axis, width on a
// horizontal one, centred on the tick's pixel.
std::vector<std::pair<double, double>> tickLabelSpans(const QCPAxis* axis) {
    const QFontMetrics metrics(axis->tickLabelFont());
    std::vector<std::pair<double, double>> spans;
    const QVector<double> ticks = axis->tickVector();
    const QVector<QString> labels = axis->tickVectorLabels();
    for (qsizetype i = 0; i < ticks.size() && i < labels.size(); ++i) {
        if (!axis->range().contains(ticks[i])) continue;
        const double at = axis->coordToPixel(ticks[i]);
        const double half =
            (axis->orientation() == Qt::Vertical ? metrics.height() : metrics.horizontalAdvance(labels[i])) /
            2.0;
        spans.emplace_back(at - half, at + half);
    }
    std::sort(spans.begin(), spans.end());
    return spans;
}

// The legend entries of every plot (a wrapped legend's grid has empty cells: item(k) is null there).
std::vector<QStringList> legendEntries(const std::vector<std::unique_ptr<render::PlotPanel>>& panels) {
    std::vector<QStringList> entries;
    for (const auto& panel : panels)
        for (QCustomPlot* plot : panel->findChildren<QCustomPlot*>()) {
            QStringList names;
            for (int k = 0; k < plot->legend->itemCount(); ++k)
                if (auto* item = qobject_cast<QCPPlottableLegendItem*>(plot->legend->item(k)))
                    names << item->plottable()->name();
            entries.push_back(names);
        }
    return entries;
}

Smallest smallestIn(const std::vector<std::unique_ptr<render::PlotPanel>>& panels) {
    Smallest s;
    for (const auto& panel : panels) {
        panel->applyDisplayStyle();
        for (QCustomPlot* plot : panel->findChildren<QCustomPlot*>())
            measure(plot, s, QString::fromUtf8(panel->metaObject()->className()));
    }
    return s;
}

}  // namespace

class TestDisplayStyle : public QObject {
    Q_OBJECT
private slots:
    void cleanup() { render::setDisplayStyle({}); }

    void presentationTextAndLinesAreLargeAndNormalIsRestored() {
        auto panels = fedPanels();
        const Smallest normal = smallestIn(panels);
        QVERIFY(normal.text < 24);  // the normal display is not large: the check below means something
        render::setDisplayStyle({core::LectureTheme::Dark, render::kPresentationScale});
        const Smallest large = smallestIn(panels);
        QVERIFY2(large.text >= 24, qPrintable(QStringLiteral("%1 px: %2").arg(large.text).arg(large.what)));
        QVERIFY2(large.pen >= 3, qPrintable(QString::number(large.pen)));
        // Elements added while presenting are styled when the panel next draws.
        panels.front()->addEditMarker(0.25, QStringLiteral("later"));
        panels.front()->renderImage(QSize(700, 900), 1.0);
        QVERIFY(smallestIn(panels).text >= 24);
        render::setDisplayStyle({});
        const Smallest back = smallestIn(panels);
        QCOMPARE(back.text, normal.text);
        QCOMPARE(back.pen, normal.pen);
    }

    void presentationPanelsAreLegibleInAVideoCell_data() {
        QTest::addColumn<int>("count");
        QTest::newRow("two panels in a column") << 2;
        QTest::newRow("every panel in a grid") << static_cast<int>(render::panelRegistry().size());
    }

    // Every panel in a 1080-line video's cell at presentation scale: its text is at least 24 px in the
    // frame, each plot shown has an axis rect at least 120 px tall, no two tick labels of an axis overlap,
    // a legend takes at most a third of the plot's height; back in the normal display every plot and
    // legend entry returns.
    void presentationPanelsAreLegibleInAVideoCell() {
        QFETCH(int, count);
        auto panels = fedPanels();
        for (const auto& panel : panels) panel->renderImage(QSize(700, 900), 1.0);
        const std::vector<QStringList> normalLegends = legendEntries(panels);
        render::setDisplayStyle({core::LectureTheme::Dark, render::kPresentationScale});
        render::CompositionOptions options;
        options.size = QSize(1920, 1080);
        for (int k = 0; k < count; ++k)
            options.panels << render::panelRegistry()[static_cast<std::size_t>(k)].id;
        const render::FrameComposer composer(options);
        const QSize cell = composer.panelRect(count - 1).size();
        int hidden = 0;
        for (const auto& panel : panels) {
            const QString name = QString::fromUtf8(panel->metaObject()->className());
            panel->renderImage(cell, composer.panelScale());
            int shown = 0;
            for (QCustomPlot* plot : panel->findChildren<QCustomPlot*>()) {
                if (plot->isHidden()) {
                    ++hidden;
                    continue;
                }
                ++shown;
                const QRect rect = plot->axisRect()->rect();
                QVERIFY2(rect.height() >= 120, qPrintable(QStringLiteral("%1 %2: axis rect %3 px")
                                                              .arg(name, plot->yAxis->label())
                                                              .arg(rect.height())));
                for (QCPAxis* axis : plot->axisRect()->axes()) {
                    if (!axis->visible() || !axis->tickLabels()) continue;
                    const auto spans = tickLabelSpans(axis);
                    for (std::size_t i = 1; i < spans.size(); ++i)
                        QVERIFY2(spans[i].first >= spans[i - 1].second,
                                 qPrintable(
                                     QStringLiteral("%1 %2: tick labels overlap").arg(name, axis->label())));
                }
                QCPLegend* legend = plot->legend;
                if (!legend->visible() || legend->itemCount() == 0) continue;
                if (legend->layout() == plot->plotLayout())
                    QVERIFY2(legend->outerRect().height() <= plot->height() / 3,
                             qPrintable(QStringLiteral("%1: legend %2 of %3 px")
                                            .arg(name)
                                            .arg(legend->outerRect().height())
                                            .arg(plot->height())));
                else
                    QVERIFY2(legend->outerRect().intersected(rect).height() * legend->outerRect().width() <=
                                 rect.height() * rect.width() / 3,
                             qPrintable(name + QStringLiteral(": legend over the plot")));
            }
            QVERIFY2(shown >= 1, qPrintable(name));
        }
        const Smallest text = smallestIn(panels);
        QVERIFY2(text.text * composer.panelScale() >= 24, qPrintable(text.what));
        render::setDisplayStyle({});
        for (const auto& panel : panels) {
            panel->renderImage(QSize(700, 900), 1.0);
            for (QCustomPlot* plot : panel->findChildren<QCustomPlot*>()) QVERIFY(!plot->isHidden());
        }
        QCOMPARE(legendEntries(panels), normalLegends);
        QVERIFY(hidden > 0);  // the cell is too small for every plot: the check above means something
    }

    void lightThemeIsLightWithDarkText() {
        auto panels = fedPanels();
        render::setDisplayStyle({core::LectureTheme::Light, 1});
        for (const auto& panel : panels) {
            panel->applyDisplayStyle();
            for (QCustomPlot* plot : panel->findChildren<QCustomPlot*>()) {
                const QColor bg = plot->axisRect()->backgroundBrush().color();
                QVERIFY(bg.lightness() > 230);
                const QColor text = plot->xAxis->tickLabelColor();
                QVERIFY(text.lightness() < 60);
                QVERIFY(render::contrastRatio(text, bg) >= 7);
                if (plot->legend->itemCount() > 0) QVERIFY(plot->legend->textColor().lightness() < 60);
                // No curve disappears into the background.
                for (int k = 0; k < plot->plottableCount(); ++k) {
                    QCPAbstractPlottable* p = plot->plottable(k);
                    if (p->pen().style() == Qt::NoPen || p->pen().color().alpha() < 255 ||
                        qobject_cast<QCPColorMap*>(p))
                        continue;
                    QVERIFY2(render::contrastRatio(p->pen().color(), bg) >= render::kMinContrast - 1e-9,
                             qPrintable(p->name() + ' ' + p->pen().color().name()));
                }
            }
            // The drawn image: a light background around the plots.
            const QImage image = panel->renderImage(QSize(400, 500), 1.0);
            QVERIFY(QColor(image.pixel(image.width() - 2, image.height() - 2)).lightness() > 200);
        }
        render::setDisplayStyle({});
        for (const auto& panel : panels) {
            panel->applyDisplayStyle();
            for (QCustomPlot* plot : panel->findChildren<QCustomPlot*>())
                QVERIFY(plot->axisRect()->backgroundBrush().color().lightness() < 40);
        }
    }

    void headColoursAreColourBlindSafeAndDistinct() {
        // Okabe & Ito (2008), "Color Universal Design", without black.
        const QList<QRgb> okabeIto{0xE69F00, 0x56B4E9, 0x009E73, 0xD55E00,
                                   0xCC79A7, 0xF0E442, 0x0072B2, 0xBBBBBB};
        for (int h = 0; h < okabeIto.size(); ++h)
            QCOMPARE(render::headColour(h).rgb() & 0xFFFFFF, okabeIto[h]);
        for (const core::LectureTheme theme : {core::LectureTheme::Dark, core::LectureTheme::Light}) {
            const QColor bg = render::themeColours(theme).panelBackground;
            std::vector<QColor> shown;
            for (int h = 0; h < okabeIto.size(); ++h)
                shown.push_back(render::themed(render::headColour(h), theme));
            for (std::size_t a = 0; a < shown.size(); ++a) {
                QVERIFY2(render::contrastRatio(shown[a], bg) >= render::kMinContrast,
                         qPrintable(QStringLiteral("head %1 on theme %2").arg(a).arg(int(theme))));
                for (std::size_t b = a + 1; b < shown.size(); ++b) {
                    // Delta E above 15: clearly different colours (a just-noticeable difference is about 2).
                    QVERIFY2(deltaE(shown[a], shown[b]) > 15,
                             qPrintable(QStringLiteral("heads %1 and %2").arg(a).arg(b)));
                }
            }
        }
    }

    void themedKeepsDarkAndInvertsGreysForLight() {
        const QColor white(250, 250, 250), box(24, 27, 34, 230);
        QCOMPARE(render::themed(white, core::LectureTheme::Dark), white);
        QVERIFY(render::themed(white, core::LectureTheme::Light).lightness() < 10);
        const QColor lightBox = render::themed(box, core::LectureTheme::Light);
        QVERIFY(lightBox.lightness() > 220);
        QCOMPARE(lightBox.alpha(), 230);
    }

    void videoFramesFollowTheTheme() {
        core::Simulation sim(core::Scenario::load("default"));
        const core::Frame frame = sim.makeFrame();
        QImage view(QSize(100, 100), QImage::Format_RGBA8888);
        view.fill(Qt::transparent);
        for (const core::LectureTheme theme : {core::LectureTheme::Dark, core::LectureTheme::Light}) {
            render::setDisplayStyle({theme, render::kPresentationScale});
            render::CompositionOptions options;
            options.size = QSize(1920, 1080);
            options.panels = {QStringLiteral("energy")};
            render::FrameComposer composer(options);
            composer.addFrame(frame);
            const QImage out = composer.compose(view.scaled(composer.viewRect().size()), frame);
            const QColor corner = out.pixelColor(composer.viewRect().width() + 2, 1079);
            QCOMPARE(corner, render::themeColours(theme).videoBackground);
        }
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    render::applyTheme(app);
    TestDisplayStyle test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_display_style.moc"
