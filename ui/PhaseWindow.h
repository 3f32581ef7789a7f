#pragma once
// The phase-diagram window (Sweep menu): a sweep result opened from its folder, or a small sweep of the
// live run's scenario computed in the background (progress, Cancel), drawn by render::PhasePlot with the
// theory curve; "you are here" follows the main window's run (its beta and t), and a click on a cell
// opens that grid point with the chosen start as the main window's run (Sweep::scenarioAt: the exact
// start the sweep used). Errors show in a banner, never a modal dialog. GUI thread.
#include "core/Frame.h"
#include "core/Sweep.h"

#include <QMainWindow>

#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QMenu;
class QThread;

namespace attnsphere::render {
class PhasePlot;
}  // namespace attnsphere::render

namespace attnsphere::ui {

class MainWindow;

// The small sweep of the live run's scenario that "Run small sweep…" offers: beta evenly from `betaFrom`
// to `betaTo` in `count` values, `starts` random starts, `checkpoints` checkpoints evenly over [0, tEnd].
struct SmallSweepSettings {
    double betaFrom = 0.5, betaTo = 6;
    int count = 12;
    int starts = 8;
    double tEnd = 15;
    int checkpoints = 31;
};
core::Sweep makeSmallSweep(const core::Scenario& base, const SmallSweepSettings& settings);

class PhaseWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit PhaseWindow(MainWindow& main);
    ~PhaseWindow() override;

    render::PhasePlot* plot() const { return m_plot; }
    // Reads DIR (sweep.npy + metadata.json) and shows it; false, with the reason in the banner, when it
    // cannot.
    bool openResult(const QString& dir);
    void showSweep(const core::Sweep& sweep, const core::SweepResult& result);
    // The banner's text (empty when hidden).
    QString message() const;

    // The start a click opens (0 … starts − 1).
    void setStart(int start);
    int start() const;
    // Loads the grid point with the chosen start into the main window.
    void openPoint(long long point);

    // Computes `sweep` on a background thread (nothing written); the plot shows it when complete.
    // False when a sweep is already running.
    bool startSweep(const core::Sweep& sweep);
    bool sweepRunning() const { return m_job != nullptr; }
    void cancelSweep();
    QProgressBar* progressBar() const { return m_progress; }

    // "You are here" from a frame of the main window's run.
    void takeFrame(const core::Frame& frame);
    // The toolbar's actions: a folder dialog, the small sweep's dialog.
    void chooseResult();
    void runSmallSweep();

signals:
    // A background sweep ended: complete, cancelled (false) or failed (false, reason in the banner).
    void sweepFinished(bool complete);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    struct Job;
    void showMessage(const QString& text);
    void rebuildSelectors();
    void drainJob();
    void finishJob();

    MainWindow& m_main;
    render::PhasePlot* m_plot;
    QLabel* m_banner;
    QComboBox* m_column;
    QSpinBox* m_start;
    QWidget* m_sliceBar;
    std::vector<QComboBox*> m_sliceBoxes;
    QProgressBar* m_progress;
    QPushButton* m_cancel;
    std::shared_ptr<Job> m_job;
    QThread* m_thread = nullptr;
    std::shared_ptr<const core::Frame> m_lastFrame;
};

// The main window's Sweep menu: Phase diagram… and Open sweep result… (one PhaseWindow per main window).
QMenu* makeSweepMenu(MainWindow& window);
// The main window's phase-diagram window, made on first use.
PhaseWindow* phaseWindow(MainWindow& window);

}  // namespace attnsphere::ui
