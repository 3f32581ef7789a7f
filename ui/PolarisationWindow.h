#pragma once
// The value-softmax model's window (Presets → Polarisation, `attnsphere --polarisation FILE|PRESET`):
// the gradient flow of a polarisation file run live, every map of the file side by side from the same
// start (render::PolarisationPlots), with play/pause, reset, speed, and File → Open and Export data (the
// frames so far, the files `run` writes). The system is small, so it steps on the GUI thread between
// repaints, within a time budget per tick. GUI thread.
#include "core/Polarisation.h"

#include <QMainWindow>

#include <memory>

class QAction;
class QMenu;
class QComboBox;
class QLabel;
class QTimer;

namespace attnsphere::render {
class PolarisationPlots;
}  // namespace attnsphere::render

namespace attnsphere::ui {

class PolarisationWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit PolarisationWindow(const core::PolarisationSpec& spec, QWidget* parent = nullptr);
    ~PolarisationWindow() override;

    // Starts `spec` from t = 0 (paused or playing as before).
    void open(const core::PolarisationSpec& spec);
    void setPlaying(bool playing);
    bool playing() const;
    void reset();
    // Advances by `steps` integrator steps at most (fewer at t_end), publishing frames as `run` does.
    void advance(long long steps);
    // Steps per second of simulated play (the speed box).
    void setStepsPerSecond(int steps);
    int stepsPerSecond() const { return m_stepsPerSecond; }
    // Writes the frames so far as `run` would (series.csv, weights.npy, column_norms.npy, metadata.json).
    void exportTo(const QString& dir);

    const core::PolarisationSpec& spec() const { return m_spec; }
    const core::PolarRun& run() const { return *m_run; }
    const core::PolarRecord& record() const { return m_record; }
    render::PolarisationPlots* plots() const { return m_plots; }
    QString statusText() const;
    // The window drawn as shown (for --screenshot).
    QImage grabWindow();

private:
    void tick();
    // Up to `steps` steps; `budgeted`: stop early after kTickBudgetMs of computing (a tick of play).
    void step(long long steps, bool budgeted);
    void publish();
    void updateStatus();
    void chooseFile();
    void chooseExport();
    core::PolarisationSpec m_spec;
    std::unique_ptr<core::PolarRun> m_run;
    core::PolarRecord m_record;
    render::PolarisationPlots* m_plots = nullptr;
    QTimer* m_timer = nullptr;
    QAction* m_playAction = nullptr;
    QComboBox* m_speed = nullptr;
    QLabel* m_status = nullptr;
    int m_stepsPerSecond = 400;
    double m_stepCredit = 0;
};

// The polarisation window of `owner` (one per owner, created on first use) playing `spec`, raised.
PolarisationWindow* showPolarisation(QWidget& owner, const core::PolarisationSpec& spec);
// The Presets menu's section of polarisation presets (with their citations in the tooltips): each opens
// in the polarisation window of `owner`.
void addPolarisationPresets(QMenu* presets, QWidget& owner);

}  // namespace attnsphere::ui
