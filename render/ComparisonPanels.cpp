#include "render/ComparisonPanels.h"

#include "render/PanelRegistry.h"
#include "render/PlotPanel.h"

#include <array>

namespace attnsphere::render {

ComparisonPanels::ComparisonPanels(PlotPanel* shown, const PanelInfo& info, const QStringList& runNames)
    : m_shown(shown) {
    // The first run's curves are the panel's own; a key without data names it with its solid line.
    if (!runNames.isEmpty()) m_shown->addOverlay(runNames.front(), runStyle(0), 255);
    for (int k = 1; k < runNames.size(); ++k) {
        m_hidden.emplace_back(info.make(nullptr));
        m_overlays.push_back(m_shown->addOverlay(runNames[k], runStyle(k), kOverlayAlpha));
    }
}

ComparisonPanels::~ComparisonPanels() = default;

namespace {
struct RunStyle {
    Qt::PenStyle pen;
    const char* name;
};
constexpr std::array<RunStyle, 4> kRunStyles{{{Qt::SolidLine, "solid"},
                                              {Qt::DashLine, "dashed"},
                                              {Qt::DotLine, "dotted"},
                                              {Qt::DashDotLine, "dash-dot"}}};
}  // namespace

Qt::PenStyle ComparisonPanels::runStyle(int k) {
    return kRunStyles[static_cast<std::size_t>(k) % kRunStyles.size()].pen;
}

QString ComparisonPanels::runStyleName(int k) {
    return QString::fromLatin1(kRunStyles[static_cast<std::size_t>(k) % kRunStyles.size()].name);
}

void ComparisonPanels::addFrames(const std::vector<const core::Frame*>& frames) {
    if (!frames.empty() && frames.front()) m_shown->addFrame(*frames.front());
    for (std::size_t k = 1; k < frames.size() && k - 1 < m_hidden.size(); ++k)
        if (frames[k]) m_hidden[k - 1]->addFrame(*frames[k]);
}

void ComparisonPanels::sync() {
    for (std::size_t k = 0; k < m_hidden.size(); ++k) {
        m_hidden[k]->refresh();
        m_shown->setOverlayData(m_overlays[k], *m_hidden[k]);
    }
}

}  // namespace attnsphere::render
