// MainWindow's presentation display: View → Presentation mode and View → Theme (render/DisplayStyle.h).
#include "render/DisplayStyle.h"
#include "render/PlotPanel.h"
#include "render/Theme.h"
#include "ui/MainWindow.h"
#include "ui/ParameterPanel.h"
#include "ui/SphereView.h"
#include "ui/TimelineWidget.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QDockWidget>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>

namespace attnsphere::ui {

namespace {

constexpr int kPresentationPanelsMax = 2;

QString qString(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

// The GUI's normal font size (render/Theme.cpp) that the status bar and timeline scale from.
double normalPoints() {
    return QApplication::font().pointSizeF();
}

}  // namespace

void MainWindow::buildDisplayMenu() {
    m_viewMenu->addSeparator();
    m_presentationAction = m_viewMenu->addAction(tr("&Presentation mode"));
    m_presentationAction->setCheckable(true);
    m_presentationAction->setShortcuts({QKeySequence(Qt::Key_F5), QKeySequence(tr("Ctrl+Shift+P"))});
    m_presentationAction->setToolTip(
        tr("Large text and thick lines for a projector; the parameter dock and toolbar hidden (F5)."));
    connect(m_presentationAction, &QAction::toggled, this, &MainWindow::setPresentationMode);

    QMenu* themes = m_viewMenu->addMenu(tr("&Theme"));
    auto* group = new QActionGroup(themes);
    for (const auto& [theme, name] : core::nameTable<core::LectureTheme>()) {
        QString label = qString(name);
        label[0] = label[0].toUpper();
        QAction* a = themes->addAction(label);
        a->setCheckable(true);
        a->setChecked(theme == render::displayStyle().theme);
        a->setToolTip(theme == core::LectureTheme::Light
                          ? tr("High-contrast light theme: black on white, for projectors.")
                          : tr("Dark theme."));
        group->addAction(a);
        // Remembered when chosen here (not when a lecture or the command line sets it).
        connect(a, &QAction::triggered, this, [this, t = theme] {
            setTheme(t);
            if (m_options.restoreLayout) QSettings().setValue(kThemeSetting, qString(core::nameOf(t)));
        });
        m_themeActions.push_back(a);
    }
    if (m_options.restoreLayout) {
        const std::string saved = QSettings().value(kThemeSetting).toString().toStdString();
        if (const auto theme = core::valueOf<core::LectureTheme>(saved)) setTheme(*theme);
    }
}

bool MainWindow::presentationMode() const {
    return render::displayStyle().presentation();
}

core::LectureTheme MainWindow::theme() const {
    return render::displayStyle().theme;
}

void MainWindow::setPresentationMode(bool on) {
    if (on != m_presentationAction->isChecked()) {
        m_presentationAction->setChecked(on);  // toggled() comes back here
        return;
    }
    if (on == presentationMode()) return;
    render::DisplayStyle style = render::displayStyle();
    style.scale = on ? render::kPresentationScale : 1.0;
    // The view dominant, at most two panels large in a column beside it (a lecture step or the View menu
    // shows others). The surplus docks go before the fonts grow: with every dock still shown, their
    // enlarged minimum sizes pushed the window past the screen (2049 px wide at 1920).
    QList<QDockWidget*> shown;
    if (on) {
        m_normalLayout = saveState();
        for (QToolBar* bar : findChildren<QToolBar*>()) bar->hide();
        for (QDockWidget* dock : m_docks) {
            if (dock->objectName() == QLatin1String("parameters") || !dock->isVisible() ||
                shown.size() >= kPresentationPanelsMax)
                dock->hide();
            else
                shown.push_back(dock);
        }
    }
    const QSize before = size();
    render::setDisplayStyle(style);
    applyDisplayStyle();
    if (on) {
        for (QDockWidget* dock : shown) {
            dock->setFloating(false);
            addDockWidget(Qt::RightDockWidgetArea, dock, Qt::Vertical);
        }
        if (!isFullScreen() && !isMaximized()) resize(before);
        if (!shown.isEmpty()) {
            resizeDocks({shown.front()}, {width() * 2 / 5}, Qt::Horizontal);
            resizeDocks(shown, QList<int>(shown.size(), height()), Qt::Vertical);
        }
    } else if (!m_normalLayout.isEmpty()) {
        restoreState(m_normalLayout);
    }
}

void MainWindow::setTheme(core::LectureTheme theme) {
    for (std::size_t k = 0; k < m_themeActions.size(); ++k)
        m_themeActions[k]->setChecked(core::nameTable<core::LectureTheme>()[k].first == theme);
    if (theme == this->theme()) return;
    render::DisplayStyle style = render::displayStyle();
    style.theme = theme;
    render::setDisplayStyle(style);
    applyDisplayStyle();
}

void MainWindow::applyDisplayStyle() {
    const render::DisplayStyle& style = render::displayStyle();
    render::applyTheme(*qApp);
    for (render::PlotPanel* p : m_panels) p->applyDisplayStyle();
    m_view->setStyle(m_view->style());                    // background, shell, token size of the style
    m_parameters->setScenario(m_controller->scenario());  // head names in the theme's colours
    // A style sheet, not setFont: under the application's style sheet fonts set on a parent do not reach
    // its children.
    const QString sheet =
        style.presentation()
            ? QStringLiteral("QWidget { font-size: %1pt; }").arg(style.fontPoints(normalPoints()))
            : QString();
    statusBar()->setStyleSheet(sheet);
    // The menus too (their popups are the menu bar's children, so the sheet reaches them), so that the
    // lecturer's occasional menu is legible on the projector as well.
    menuBar()->setStyleSheet(sheet);
    // The audience needs t, n, d, H and the kernel; the rates and the step health are the operator's
    // (at presentation size they ran into each other).
    for (QLabel* l : {m_healthLabel, m_stepLabel, m_rateLabel, m_fpsLabel})
        l->setVisible(!style.presentation());
    m_timeline->setStyleSheet(sheet);
    refreshPanels();
}

}  // namespace attnsphere::ui
