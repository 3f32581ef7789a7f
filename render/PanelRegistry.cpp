#include "render/PanelRegistry.h"

#include "render/AttentionHeatmapPanel.h"
#include "render/ClusteringPanel.h"
#include "render/EnergyPanel.h"
#include "render/EntropyPanel.h"
#include "render/RadialShadowPanel.h"
#include "render/RadiusPanel.h"
#include "render/SpectrumPanel.h"

namespace attnsphere::render {

namespace {
template <class Panel>
PlotPanel* make(QWidget* parent) {
    return new Panel(parent);
}
}  // namespace

const std::vector<PanelInfo>& panelRegistry() {
    static const std::vector<PanelInfo> panels{
        {QStringLiteral("energy"), QStringLiteral("Energy"), Qt::RightDockWidgetArea, true, false,
         &make<EnergyPanel>},
        {QStringLiteral("entropy"), QStringLiteral("Attention entropy"), Qt::RightDockWidgetArea, true, false,
         &make<EntropyPanel>},
        {QStringLiteral("clustering"), QStringLiteral("Clustering"), Qt::RightDockWidgetArea, true, false,
         &make<ClusteringPanel>},
        {QStringLiteral("shadows"), QStringLiteral("Radial shadows"), Qt::BottomDockWidgetArea, true, false,
         &make<RadialShadowPanel>},
        {QStringLiteral("heatmap"), QStringLiteral("Attention heatmaps"), Qt::BottomDockWidgetArea, true,
         true, &make<AttentionHeatmapPanel>},
        {QStringLiteral("radius"), QStringLiteral("Radius"), Qt::RightDockWidgetArea, false, false,
         &make<RadiusPanel>},
        {QStringLiteral("spectrum"), QStringLiteral("QK spectrum"), Qt::BottomDockWidgetArea, false, false,
         &make<SpectrumPanel>},
    };
    return panels;
}

QStringList panelIds() {
    QStringList ids;
    for (const PanelInfo& p : panelRegistry()) ids << p.id;
    return ids;
}

const PanelInfo* findPanel(const QString& id) {
    for (const PanelInfo& p : panelRegistry())
        if (p.id == id) return &p;
    return nullptr;
}

}  // namespace attnsphere::render
