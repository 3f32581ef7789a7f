#pragma once
// QK spectrum panel: per head, the eigenvalues of the symmetric part of M_h as a strip (one row per head,
// head colours), their mean marked, and the mean and variance printed beside the row (doc/MODEL.md §1).
// It draws the spectra the frames carry (computed by core once per model change), so an edit of the heads
// shows with the next frame. GUI thread.
#include "render/PlotPanel.h"

#include <memory>
#include <vector>

namespace attnsphere::render {

class SpectrumPanel : public PlotPanel {
    Q_OBJECT
public:
    explicit SpectrumPanel(QWidget* parent = nullptr);
    void addFrame(const core::Frame& frame) override;
    void refresh() override;
    void showFrame(const core::Frame& frame) override;

    QCustomPlot* plot() const { return m_plot; }
    // The spectra drawn (null before a frame that carries them).
    const core::ModelSpectra* spectra() const { return m_spectra.get(); }
    // The strip of head h: x = eigenvalue, y = h.
    QCPGraph* strip(int h) const { return m_strips.at(static_cast<std::size_t>(h)); }
    // The label of head h's row: "head h", mean and variance.
    QString rowLabel(int h) const;
    // Shown when the model is too large for the eigen-solve (core::kSpectrumEigenBudget).
    QCPItemText* note() const { return m_note; }

private:
    void take(const std::shared_ptr<const core::ModelSpectra>& spectra);

    QCustomPlot* m_plot;
    std::shared_ptr<const core::ModelSpectra> m_spectra;
    std::vector<QCPGraph*> m_strips, m_means;
    QCPItemText* m_note = nullptr;
    bool m_changed = false;
};

}  // namespace attnsphere::render
