#include "render/TheoryCurves.h"

#include <qcustomplot.h>

#include <QHelpEvent>
#include <QToolTip>

#include <cmath>
#include <limits>

namespace attnsphere::render {

namespace {
constexpr const char* kFormula = "theoryFormula";

// Shows the formula of the graph under the cursor; other tooltips pass through.
class FormulaToolTips : public QObject {
public:
    using QObject::QObject;
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() != QEvent::ToolTip) return false;
        auto* plot = qobject_cast<QCustomPlot*>(watched);
        if (!plot) return false;
        const QPoint pos = static_cast<QHelpEvent*>(event)->pos();
        QCPGraph* nearest = nullptr;
        double best = 8;  // pixels
        for (int k = 0; k < plot->graphCount(); ++k) {
            QCPGraph* g = plot->graph(k);
            if (!g->visible() || !g->property(kFormula).isValid()) continue;
            const double distance = g->selectTest(pos, false);
            if (distance >= 0 && distance < best) {
                best = distance;
                nearest = g;
            }
        }
        if (!nearest) return false;
        QToolTip::showText(static_cast<QHelpEvent*>(event)->globalPos(),
                           nearest->name() + QStringLiteral("\n") + nearest->property(kFormula).toString(),
                           plot);
        return true;
    }
};
}  // namespace

QPen theoryPen(const QColor& colour) {
    QPen pen(colour.lighter(135), 1);
    pen.setStyle(Qt::DashLine);
    return pen;
}

QCPItemText* makeRegimeLabel(QCustomPlot* plot) {
    auto* label = new QCPItemText(plot);
    // Bottom right: where clustering curves (rising) and entropy curves (near log n) leave room, so the
    // note covers as little of the data as it can; no frame, so it reads as a note, not a curve's box.
    label->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    label->setTextAlignment(Qt::AlignRight);
    label->position->setType(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(0.99, 0.97);
    const QColor amber(240, 170, 90);
    label->setColor(amber);
    label->setPen(Qt::NoPen);
    label->setBrush(QColor(24, 27, 34, 200));
    label->setPadding(QMargins(4, 2, 4, 2));
    QFont small = label->font();
    small.setPointSizeF(8.5);
    label->setFont(small);
    label->setVisible(false);
    return label;
}

void updateRegimeLabel(QCPItemText* label, const core::TheoryOverlay* overlay) {
    const std::string summary = overlay ? overlay->summary() : std::string();
    label->setVisible(!summary.empty());
    // Two lines (what, then why), so that the reason fits a narrow dock.
    if (!summary.empty())
        label->setText(QObject::tr("theory: %1")
                           .arg(QString::fromStdString(summary).replace(QStringLiteral(" \u2014 "),
                                                                        QStringLiteral(" \u2014\n"))));
}

void setFormula(QCPGraph* graph, const QString& formula) {
    graph->setProperty(kFormula, formula);
}

QString formulaOf(const QCPGraph* graph) {
    return graph->property(kFormula).toString();
}

void installFormulaToolTips(QCustomPlot* plot) {
    plot->installEventFilter(new FormulaToolTips(plot));
}

double orGap(const std::optional<double>& value) {
    return value ? *value : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace attnsphere::render
