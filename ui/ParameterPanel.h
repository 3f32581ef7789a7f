#pragma once
// The controls dock: every scenario parameter editable while the simulation runs, plus speed and
// display options. Edits are validated in place (spin-box ranges, then Scenario::validate with the
// field and allowed range shown) before they are sent. GUI thread.
#include "core/Scenario.h"
#include "ui/SceneRenderer.h"

#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class QTableWidget;

namespace attnsphere::ui {

class ParameterPanel : public QWidget {
    Q_OBJECT
public:
    explicit ParameterPanel(QWidget* parent = nullptr);
    // Shows a scenario (e.g. confirmed by the worker) without emitting edited().
    void setScenario(const core::Scenario& scenario);
    const core::Scenario& scenario() const { return m_scenario; }
    void setStyle(const SceneStyle& style);
    void showError(const QString& message);  // empty clears

signals:
    void edited(const attnsphere::core::Scenario& scenario);
    void speedChanged(double simulatedPerSecond);  // <= 0: as fast as possible
    void styleChanged(const attnsphere::ui::SceneStyle& style);

private:
    void collect();  // widgets -> m_pending, validate, schedule emission
    void rebuildHeadTable();
    void editMatrix(int head);
    void emitStyle();

    core::Scenario m_scenario;
    core::Scenario m_pending;
    bool m_loading = false;
    QTimer m_debounce;

    QSpinBox *m_n, *m_d, *m_H, *m_seed, *m_clusters, *m_trail;
    QDoubleSpinBox *m_beta, *m_dt, *m_eps, *m_rho, *m_speed, *m_pointSize;
    QComboBox *m_kernel, *m_geometry, *m_integrator, *m_heads, *m_value, *m_init, *m_colour;
    QCheckBox *m_fastest, *m_shell, *m_grid;
    QTableWidget* m_headTable;
    QLabel* m_error;
    SceneStyle m_style;
};

}  // namespace attnsphere::ui
