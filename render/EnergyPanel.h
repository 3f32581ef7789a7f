#pragma once
// Energy panel: E_total = sum_h alpha_h E_h and every E_h against t, and the exact rates dE/dt.
// Marks the frames where E_total decreased (allowed for multi-head softmax, doc/MODEL.md §3). GUI thread.
#include "render/PlotPanel.h"

#include <vector>

class QCPGraph;

namespace attnsphere::render {

class EnergyPanel : public PlotPanel {
    Q_OBJECT
public:
    explicit EnergyPanel(QWidget* parent = nullptr);
    void addFrame(const core::Frame& frame) override;
    void refresh() override;
    std::vector<QCustomPlot*> timePlots() const override { return {m_energy, m_rate}; }

    QCustomPlot* energyPlot() const { return m_energy; }
    QCustomPlot* ratePlot() const { return m_rate; }
    int decreaseMarkerCount() const { return m_decreases.size(); }
    // The "beyond 1e300 — not plotted" notes of the energy and rate plots (for tests).
    QCPItemText* energyNotPlottedLabel() const { return m_energyBeyond; }
    QCPItemText* rateNotPlottedLabel() const { return m_rateBeyond; }

private:
    void rebuild(int H);
    bool eventFilter(QObject* watched, QEvent* event) override;

    QCustomPlot* m_energy;
    QCustomPlot* m_rate;
    SeriesBuffer m_total, m_totalRate, m_decreases{2000};
    std::vector<SeriesBuffer> m_heads, m_headRates;
    std::vector<QCPGraph*> m_headGraphs, m_headRateGraphs;
    QCPGraph* m_totalGraph = nullptr;
    QCPGraph* m_totalRateGraph = nullptr;
    QCPGraph* m_decreaseGraph = nullptr;
    QCPItemText* m_energyBeyond;
    QCPItemText* m_rateBeyond;
    bool m_energyBeyondSeen = false, m_rateBeyondSeen = false;
    double m_previousTotal = 0;
    bool m_havePrevious = false;
};

}  // namespace attnsphere::render
