#include "ui/ManipulationTools.h"

#include "app/SimulationController.h"
#include "ui/SphereView.h"

#include <QAction>
#include <QActionGroup>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QToolBar>

#include <numbers>
#include <utility>
#include <vector>

namespace attnsphere::ui {

ManipulationTools::ManipulationTools(QMainWindow* window, SphereView* view,
                                     app::SimulationController* controller, QMenu* viewMenu)
    : QObject(window), m_window(window), m_view(view), m_controller(controller) {
    m_bar = window->addToolBar(tr("Manipulate"));
    m_bar->setObjectName(QStringLiteral("manipulateToolbar"));
    // Before the last menu (Help), where menu bars keep it.
    const QList<QAction*> menus = window->menuBar()->actions();
    QMenu* menu = new QMenu(tr("&Manipulate"), window->menuBar());
    window->menuBar()->insertMenu(menus.isEmpty() ? nullptr : menus.last(), menu);

    auto* tools = new QActionGroup(this);
    auto tool = [&](const QString& text, const QString& tip, SphereView::Tool t) {
        QAction* a = tools->addAction(text);
        a->setCheckable(true);
        a->setToolTip(tip);
        a->setStatusTip(tip);
        connect(a, &QAction::toggled, this, [this, t](bool on) {
            if (on) m_view->setTool(t);
        });
        return a;
    };
    m_rotate =
        tool(tr("Rotate"), tr("Left drag rotates the camera (Ctrl+drag on a token still moves the token)"),
             SphereView::Tool::Rotate);
    m_drag = tool(tr("Drag token"),
                  tr("Left drag on a token moves it on the sphere, following the mouse (drag elsewhere "
                     "rotates; for d > 3 the shown coordinates move and the others are kept)"),
                  SphereView::Tool::DragToken);
    m_add = tool(tr("Add token"), tr("Click on the sphere to add a token there (n grows by one)"),
                 SphereView::Tool::AddToken);
    m_rotate->setChecked(true);

    m_angle = new QDoubleSpinBox(m_bar);
    m_angle->setObjectName(QStringLiteral("perturbAngle"));
    m_angle->setRange(0.001, std::numbers::pi);
    m_angle->setDecimals(3);
    m_angle->setSingleStep(0.05);
    m_angle->setValue(0.2);
    m_angle->setSuffix(tr(" rad"));
    m_angle->setToolTip(
        tr("Size of a kick: each kicked token moves by exactly this angle along a great circle"));
    m_perturb = new QAction(tr("Perturb"), this);
    m_perturb->setToolTip(
        tr("Kick the selected token (all tokens when none is selected) by the angle beside, "
           "in a random direction (seeded; the session stores the result)"));
    connect(m_perturb, &QAction::triggered, this, &ManipulationTools::perturb);
    m_remove = new QAction(tr("Remove token"), this);
    m_remove->setToolTip(tr("Remove the selected token (n shrinks by one)"));
    connect(m_remove, &QAction::triggered, this, &ManipulationTools::removeSelected);
    m_coMoving = new QAction(tr("Co-moving frame"), this);
    m_coMoving->setCheckable(true);
    m_coMoving->setToolTip(
        tr("Rotate the view with the tokens' mean direction (the smallest rotation taking "
           "it back to where it was when switched on), so a drifting cluster holds still"));
    connect(m_coMoving, &QAction::toggled, m_view, &SphereView::setCoMoving);
    m_pauseWhileDragging = new QAction(tr("Pause while dragging"), this);
    m_pauseWhileDragging->setCheckable(true);
    m_pauseWhileDragging->setToolTip(
        tr("Checked: a running simulation waits while a token is dragged and resumes on release; unchecked: "
           "it keeps running"));

    for (QAction* a : tools->actions()) {
        m_bar->addAction(a);
        menu->addAction(a);
    }
    m_bar->addSeparator();
    menu->addSeparator();
    m_bar->addWidget(m_angle);
    for (QAction* a : {m_perturb, m_remove}) {
        m_bar->addAction(a);
        menu->addAction(a);
    }
    m_bar->addSeparator();
    menu->addSeparator();
    for (QAction* a : {m_coMoving, m_pauseWhileDragging}) {
        m_bar->addAction(a);
        menu->addAction(a);
    }
    if (viewMenu) viewMenu->addAction(m_coMoving);

    connect(m_view, &SphereView::tokenDragStarted, this, &ManipulationTools::dragStarted);
    connect(m_view, &SphereView::tokenDragged, m_controller, &app::SimulationController::moveToken);
    connect(m_view, &SphereView::tokenDragFinished, this, &ManipulationTools::dragFinished);
    connect(m_view, &SphereView::addTokenRequested, m_controller, &app::SimulationController::addToken);
}

std::uint64_t ManipulationTools::nextSeed() const {
    // splitmix64's increment: consecutive kicks get well-separated seeds.
    return m_controller->scenario().seed ^ ((m_kicks + 1) * 0x9E3779B97F4A7C15ull);
}

void ManipulationTools::perturb() {
    const int selected = m_view->selectedToken();
    std::vector<int> indices;
    if (selected >= 0) indices.push_back(selected);
    m_controller->perturb(nextSeed(), m_angle->value(), indices);
    ++m_kicks;
    emit message(selected >= 0 ? tr("Kicked token %1 by %2 rad").arg(selected).arg(m_angle->value())
                               : tr("Kicked every token by %1 rad").arg(m_angle->value()),
                 5000);
}

void ManipulationTools::removeSelected() {
    const int selected = m_view->selectedToken();
    if (selected < 0) {
        emit message(tr("Select a token first (click it)"), 5000);
        return;
    }
    m_controller->removeToken(selected);
    m_view->setSelectedToken(-1);
    emit message(tr("Removed token %1").arg(selected), 5000);
}

void ManipulationTools::dragStarted() {
    m_resumeAfterDrag = m_pauseWhileDragging->isChecked() && m_controller->isRunning();
    if (m_resumeAfterDrag) m_controller->pause();
}

void ManipulationTools::dragFinished() {
    if (std::exchange(m_resumeAfterDrag, false)) m_controller->play();
}

}  // namespace attnsphere::ui
