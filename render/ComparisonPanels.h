#pragma once
// A panel of a comparison: the shown panel takes the first run's frames as its own curves, and every
// other run feeds a hidden panel of the same class whose curves the shown one draws as an overlay in the
// run's line style; every run is named in the legend. The comparison window's docks and
// `render --compare` both use it. GUI thread (or the only thread) only.
#include "core/Frame.h"

#include <QtCore/qnamespace.h>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace attnsphere::render {

class PlotPanel;
struct PanelInfo;

class ComparisonPanels {
public:
    // `shown` stays owned by its caller; the hidden panels are made from `info`.
    ComparisonPanels(PlotPanel* shown, const PanelInfo& info, const QStringList& runNames);
    ~ComparisonPanels();
    ComparisonPanels(const ComparisonPanels&) = delete;
    ComparisonPanels& operator=(const ComparisonPanels&) = delete;

    // One frame per run, in run order (same simulated time).
    void addFrames(const std::vector<const core::Frame*>& frames);
    // Copies the other runs' curves into the shown panel's overlays (call before it refreshes or draws).
    void sync();
    PlotPanel* shown() const { return m_shown; }
    PlotPanel* hidden(int run) const { return m_hidden[static_cast<std::size_t>(run - 1)].get(); }

    // Run k's line style (solid, dashed, dotted, dash-dotted) and its name for labels.
    static Qt::PenStyle runStyle(int k);
    static QString runStyleName(int k);
    static constexpr int kOverlayAlpha = 210;

private:
    PlotPanel* m_shown;
    std::vector<std::unique_ptr<PlotPanel>> m_hidden;  // runs 1..N-1
    std::vector<int> m_overlays;                       // their overlay ids in m_shown
};

}  // namespace attnsphere::render
