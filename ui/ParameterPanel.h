#pragma once
// The controls dock: every scenario parameter editable while the simulation runs, plus speed and
// display options. Edits are validated in place (spin-box ranges, then Scenario::validate with the
// field and allowed range shown) before they are sent. GUI thread.
#include "core/Scenario.h"
#include "render/SceneRenderer.h"

#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace attnsphere::ui {

class ParameterPanel : public QWidget {
    Q_OBJECT
public:
    explicit ParameterPanel(QWidget* parent = nullptr);
    // Shows a scenario (e.g. confirmed by the worker) without emitting edited().
    void setScenario(const core::Scenario& scenario);
    // Shows and emits a playback speed (a loaded scenario's own); unchecks "as fast as possible".
    void setSpeed(double simulatedPerSecond);
    // Drops what is being typed: every field shows the value that runs (or is about to be sent) again.
    void revertEditing();
    const core::Scenario& scenario() const { return m_scenario; }
    void setStyle(const render::SceneStyle& style);
    void showError(const QString& message);  // empty clears
    QString errorText() const;
    // Sets the QK spectrum of `heads` (indices) to eigenvalues of this mean and variance, as "Set
    // spectrum…" does: every head switches to the spectrum kind, some to explicit matrices. Emits edited().
    void applySpectrum(const std::vector<int>& heads, double mean, double variance);

signals:
    void edited(const attnsphere::core::Scenario& scenario);
    void speedChanged(double simulatedPerSecond);  // <= 0: as fast as possible
    void styleChanged(const attnsphere::render::SceneStyle& style);
    // An edit was refused (the reason, as shown in the panel): for a message where the user looks.
    void refused(const QString& message);

protected:
    // A wheel over an unfocused spin box or combo box scrolls the panel instead of changing the value.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // Applies one user edit to the pending scenario: only the field the user changed is sent. A refused
    // edit says why at once and the field returns to its previous value.
    void edit(const std::function<void(core::Scenario&)>& change);
    void showScenario(const core::Scenario& s);  // widgets <- s, without emitting
    void updateEnabled();
    void refuse(const QString& message);  // shows and emits refused()
    void guardWheel(QWidget* w);
    void rebuildHeadTable();
    // The pending scenario's model, or nothing (the error shown) when it cannot be built.
    std::optional<core::Model> pendingModel();
    void editMatrix(int head);
    void setSpectrum();
    // Sends a scenario with the model's score matrices as explicit ones (V keeps its rule).
    void applyExplicit(const core::Model& model);
    void apply(const core::Scenario& s);  // validated, shown and sent at once
    void emitStyle();

    core::Scenario m_scenario;
    core::Scenario m_pending;
    bool m_loading = false;
    QTimer m_debounce;

    QSpinBox *m_n, *m_d, *m_H, *m_clusters, *m_trail, *m_sinkhorn;
    QLineEdit* m_seed;  // seeds span 0 … 2^64 − 1, beyond a QSpinBox's int
    QDoubleSpinBox *m_beta, *m_dt, *m_eps, *m_rho, *m_speed, *m_pointSize, *m_positionalBias, *m_temperature,
        *m_specMean, *m_specVariance;
    QPushButton* m_setSpectrum;
    QComboBox *m_kernel, *m_mask, *m_geometry, *m_normalisation, *m_integrator, *m_heads, *m_value, *m_init,
        *m_colour;
    QCheckBox *m_fastest, *m_shell, *m_grid;
    QTableWidget* m_headTable;
    QLabel* m_error;
    render::SceneStyle m_style;
};

}  // namespace attnsphere::ui
