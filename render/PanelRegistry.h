#pragma once
// The panels, in one table: the main window builds its docks from it, `render --panels` accepts its ids
// and the record dialog offers them. A new panel is its class plus one entry here.
#include <QString>
#include <QStringList>
#include <Qt>

#include <vector>

class QWidget;

namespace attnsphere::render {

class PlotPanel;

struct PanelInfo {
    QString id;     // `render --panels` name; also the dock's object name in saved window layouts
    QString title;  // dock title, record dialog label
    Qt::DockWidgetArea area;
    bool needsObservables;  // frames must carry energies, entropies, shadows
    bool needsAttention;    // frames must carry attention matrices
    PlotPanel* (*make)(QWidget* parent);
};

// In display order.
const std::vector<PanelInfo>& panelRegistry();
QStringList panelIds();
// nullptr for an unknown id.
const PanelInfo* findPanel(const QString& id);

}  // namespace attnsphere::render
