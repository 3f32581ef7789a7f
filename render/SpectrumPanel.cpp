#include "render/SpectrumPanel.h"

#include "render/SceneRenderer.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>

namespace attnsphere::render {

SpectrumPanel::SpectrumPanel(QWidget* parent) : PlotPanel(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    m_plot = makePlot(this, QStringLiteral("eigenvalue λ of (M_h + M_hᵀ)/2"), QString());
    layout->addWidget(m_plot);
    setToolTip(
        tr("QK spectrum per head: the eigenvalues λ_k of the symmetric part (M_h + M_hᵀ)/2 of the score\n"
           "matrix (dots), their mean μ_h = tr(M_h)/d (cross) and variance σ_h² = tr(M_s²)/d − μ_h².\n"
           "A small variance with a non-zero mean keeps attention localised; a large variance makes it\n"
           "near one-hot, a zero mean near uniform (Bao, Hataya, Karakida 2024; doc/MODEL.md §1, §5).\n"
           "Updated when the heads are edited."));
    m_plot->setToolTip(toolTip());
    m_plot->yAxis->setRangeReversed(true);  // head 1 on top
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    m_note = new QCPItemText(m_plot);
    m_note->setPositionAlignment(Qt::AlignCenter);
    m_note->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_note->position->setCoords(0.5, 0.5);
    m_note->setColor(QColor(240, 170, 90));
    m_note->setVisible(false);
}

QString SpectrumPanel::rowLabel(int h) const {
    if (!m_spectra || h < 0 || h >= static_cast<int>(m_spectra->heads.size())) return QString();
    const core::HeadSpectrum& s = m_spectra->heads[static_cast<std::size_t>(h)];
    return tr("head %1\nμ = %2\nσ² = %3").arg(h + 1).arg(s.mean, 0, 'g', 4).arg(s.variance, 0, 'g', 4);
}

void SpectrumPanel::take(const std::shared_ptr<const core::ModelSpectra>& spectra) {
    if (!spectra || spectra == m_spectra) return;
    m_spectra = spectra;
    m_changed = true;
    m_dirty = true;
}

void SpectrumPanel::addFrame(const core::Frame& frame) {
    m_lastT = frame.t;
    m_lastN = frame.n;
    m_lastH = frame.H;
    take(frame.spectra);
}

void SpectrumPanel::showFrame(const core::Frame& frame) {
    take(frame.spectra);
    refresh();
}

void SpectrumPanel::refresh() {
    if (!m_dirty) return;
    m_dirty = false;
    if (m_changed && m_spectra) {
        m_changed = false;
        clearOwnPlottables(m_plot);
        m_strips.clear();
        m_means.clear();
        const int H = static_cast<int>(m_spectra->heads.size());
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        double lo = 0, hi = 0;
        bool first = true;
        for (int h = 0; h < H; ++h) {
            const core::HeadSpectrum& s = m_spectra->heads[static_cast<std::size_t>(h)];
            auto* strip = m_plot->addGraph();
            strip->setLineStyle(QCPGraph::lsNone);
            strip->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, headColour(h), 5));
            setBasePen(strip, plotPen(headColour(h)));
            QVector<double> x(static_cast<qsizetype>(s.eigenvalues.size())),
                y(static_cast<qsizetype>(s.eigenvalues.size()), h);
            for (Eigen::Index k = 0; k < s.eigenvalues.size(); ++k) x[k] = s.eigenvalues[k];
            strip->setData(x, y, true);
            strip->setName(tr("head %1 eigenvalues").arg(h + 1));
            m_strips.push_back(strip);
            auto* mean = m_plot->addGraph();
            mean->setLineStyle(QCPGraph::lsNone);
            mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, QColor(235, 235, 235), 14));
            setBasePen(mean, plotPen(QColor(235, 235, 235)));
            mean->setData(QVector<double>{s.mean}, QVector<double>{static_cast<double>(h)}, true);
            mean->setName(tr("head %1 mean").arg(h + 1));
            m_means.push_back(mean);
            ticker->addTick(h, rowLabel(h));
            const double a = s.eigenvalues.size() ? s.eigenvalues.minCoeff() : s.mean;
            const double b = s.eigenvalues.size() ? s.eigenvalues.maxCoeff() : s.mean;
            lo = first ? a : std::min(lo, a);
            hi = first ? b : std::max(hi, b);
            first = false;
        }
        m_plot->yAxis->setTicker(ticker);
        m_plot->yAxis->setRange(-0.6, std::max(0, H - 1) + 0.6);
        const double pad = std::max(0.05 * (hi - lo), 0.1);
        m_plot->xAxis->setRange(std::min(lo, 0.0) - pad, std::max(hi, 0.0) + pad);
        m_note->setText(tr("d · H = %1 · %2 > %3: eigenvalues not computed;\nmean and variance are exact")
                            .arg(m_spectra->d)
                            .arg(H)
                            .arg(core::kSpectrumEigenBudget));
        m_note->setVisible(m_spectra->eigenvaluesSkipped);
    }
    queueReplot(m_plot);
}

}  // namespace attnsphere::render
