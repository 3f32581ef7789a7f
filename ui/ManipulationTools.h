#pragma once
// Direct manipulation in the main window: the Manipulate toolbar and menu (tools Rotate / Drag token /
// Add token, Perturb with its angle, Remove token, co-moving frame, pause while dragging) wired between the
// SphereView and the SimulationController. Every change reaches the worker as a command and is logged in
// the session as a positions event (doc/SESSIONS.md). GUI thread only.
#include <QObject>

#include <cstdint>

class QAction;
class QDoubleSpinBox;
class QMainWindow;
class QMenu;
class QToolBar;

namespace attnsphere::app {
class SimulationController;
}

namespace attnsphere::ui {

class SphereView;

class ManipulationTools : public QObject {
    Q_OBJECT
public:
    // Adds the toolbar to `window`, a Manipulate menu to its menu bar, and the co-moving switch to
    // `viewMenu`.
    ManipulationTools(QMainWindow* window, SphereView* view, app::SimulationController* controller,
                      QMenu* viewMenu);

    QToolBar* toolBar() const { return m_bar; }
    QAction* rotateAction() const { return m_rotate; }
    QAction* dragAction() const { return m_drag; }
    QAction* addAction() const { return m_add; }
    QAction* perturbAction() const { return m_perturb; }
    QAction* removeAction() const { return m_remove; }
    QAction* coMovingAction() const { return m_coMoving; }
    QAction* pauseWhileDraggingAction() const { return m_pauseWhileDragging; }
    QDoubleSpinBox* angleBox() const { return m_angle; }
    // The seed of the next kick: the scenario's seed mixed with the number of kicks so far, so a session
    // started the same way kicks the same way.
    std::uint64_t nextSeed() const;

signals:
    void message(const QString& text, int timeoutMs);

private:
    void perturb();
    void removeSelected();
    void dragStarted();
    void dragFinished();

    QMainWindow* m_window;
    SphereView* m_view;
    app::SimulationController* m_controller;
    QToolBar* m_bar;
    QAction *m_rotate, *m_drag, *m_add, *m_perturb, *m_remove, *m_coMoving, *m_pauseWhileDragging;
    QDoubleSpinBox* m_angle;
    std::uint64_t m_kicks = 0;
    bool m_resumeAfterDrag = false;
};

}  // namespace attnsphere::ui
