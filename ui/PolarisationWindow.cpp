#include "ui/PolarisationWindow.h"

#include "render/DisplayStyle.h"
#include "render/PolarisationPlots.h"

#include <qcustomplot.h>

#include <QAction>
#include <QComboBox>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>

#include <cmath>

namespace attnsphere::ui {

namespace {

// Repaints per second while playing; the steps of a tick are bounded by kTickBudgetMs of computing.
constexpr int kTicksPerSecond = 30;
constexpr int kTickBudgetMs = 20;
// The speed box: integrator steps per second of play.
constexpr int kSpeeds[] = {25, 100, 400, 1600, 6400, 25600};

}  // namespace

PolarisationWindow::PolarisationWindow(const core::PolarisationSpec& spec, QWidget* parent)
    : QMainWindow(parent, Qt::Window), m_spec(spec) {
    setObjectName(QStringLiteral("polarisationWindow"));
    setAttribute(Qt::WA_DeleteOnClose, false);
    m_plots = new render::PolarisationPlots(spec, this);
    setCentralWidget(m_plots);

    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open polarisation file…"), this, &PolarisationWindow::chooseFile)
        ->setToolTip(tr("Open a polarisation file (doc/POLARISATION.md)."));
    file->addAction(tr("&Export data…"), this, &PolarisationWindow::chooseExport)
        ->setToolTip(tr("Write the frames so far as `attnsphere run` does: series.csv, weights.npy, "
                        "column_norms.npy, metadata.json."));
    file->addSeparator();
    file->addAction(tr("&Close"), QKeySequence::Close, this, &QWidget::close);

    auto* view = menuBar()->addMenu(tr("&View"));
    QAction* presentation = view->addAction(tr("&Presentation mode"));
    presentation->setCheckable(true);
    presentation->setChecked(render::displayStyle().presentation());
    presentation->setToolTip(tr("Large fonts and lines for a projector (shared with the main window)."));
    connect(presentation, &QAction::toggled, this, [this](bool on) {
        render::DisplayStyle style = render::displayStyle();
        style.scale = on ? render::kPresentationScale : 1.0;
        render::setDisplayStyle(style);
        m_plots->refresh();
    });

    auto* bar = addToolBar(tr("Run"));
    bar->setObjectName(QStringLiteral("polarisationToolBar"));
    m_playAction = bar->addAction(tr("Play"), this, [this] { setPlaying(!playing()); });
    m_playAction->setShortcut(QKeySequence(Qt::Key_Space));
    m_playAction->setToolTip(tr("Play or pause the gradient flow (Space)."));
    bar->addAction(tr("Reset"), this, &PolarisationWindow::reset)
        ->setToolTip(tr("Back to t = 0, the same start."));
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Speed "), bar));
    m_speed = new QComboBox(bar);
    for (int s : kSpeeds) m_speed->addItem(tr("%1 steps/s").arg(s), s);
    m_speed->setCurrentIndex(2);
    m_speed->setToolTip(tr("Integrator steps per second of play."));
    connect(m_speed, &QComboBox::currentIndexChanged, this,
            [this](int i) { m_stepsPerSecond = m_speed->itemData(i).toInt(); });
    bar->addWidget(m_speed);
    m_status = new QLabel(this);
    statusBar()->addWidget(m_status, 1);

    m_timer = new QTimer(this);
    m_timer->setInterval(1000 / kTicksPerSecond);
    connect(m_timer, &QTimer::timeout, this, &PolarisationWindow::tick);
    resize(1400, 860);
    open(spec);
}

PolarisationWindow::~PolarisationWindow() = default;

void PolarisationWindow::open(const core::PolarisationSpec& spec) {
    m_spec = spec;
    m_run = std::make_unique<core::PolarRun>(m_spec);
    m_record = {};
    m_record.framesPerMap.resize(m_spec.maps.size());
    m_stepCredit = 0;
    m_plots->reset(m_spec);
    setWindowTitle(
        tr("Polarisation — %1").arg(QString::fromStdString(m_spec.name.empty() ? "file" : m_spec.name)));
    publish();
    m_plots->refresh();
    updateStatus();
}

void PolarisationWindow::reset() {
    open(m_spec);
}

void PolarisationWindow::setPlaying(bool on) {
    if (on && m_run->done()) reset();
    if (on)
        m_timer->start();
    else
        m_timer->stop();
    m_playAction->setText(on ? tr("Pause") : tr("Play"));
    updateStatus();
}

bool PolarisationWindow::playing() const {
    return m_timer->isActive();
}

void PolarisationWindow::setStepsPerSecond(int steps) {
    m_stepsPerSecond = std::max(1, steps);
}

void PolarisationWindow::publish() {
    const auto frames = m_run->frames();
    for (std::size_t m = 0; m < frames.size(); ++m) m_record.framesPerMap[m].push_back(frames[m]);
    m_plots->addFrames(frames);
}

void PolarisationWindow::advance(long long steps) {
    step(steps, false);
}

void PolarisationWindow::step(long long steps, bool budgeted) {
    QElapsedTimer clock;
    clock.start();
    try {
        for (long long k = 0; k < steps && !m_run->done(); ++k) {
            m_run->step();
            if (m_run->publishes()) publish();
            if (budgeted && (k & 63) == 63 && clock.elapsed() > kTickBudgetMs) break;
        }
    } catch (const core::NumericalError& e) {
        setPlaying(false);
        QMessageBox::warning(this, tr("Polarisation"), QString::fromStdString(e.what()));
    }
    m_plots->refresh();
    updateStatus();
}

void PolarisationWindow::tick() {
    m_stepCredit += static_cast<double>(m_stepsPerSecond) / kTicksPerSecond;
    const auto steps = static_cast<long long>(std::floor(m_stepCredit));
    m_stepCredit -= static_cast<double>(steps);
    step(steps, true);
    if (m_run->done()) setPlaying(false);
}

QString PolarisationWindow::statusText() const {
    QString text = tr("t = %1 / %2   step %3   n = %4   %5 loss")
                       .arg(m_run->time(), 0, 'f', 2)
                       .arg(m_spec.tEnd)
                       .arg(m_run->stepCount())
                       .arg(m_spec.n)
                       .arg(QString::fromUtf8(core::nameOf(m_spec.loss).data()));
    const auto frames = m_run->frames();
    for (std::size_t m = 0; m < frames.size(); ++m)
        text += tr("   %1: entropy %2")
                    .arg(QString::fromUtf8(core::nameOf(m_spec.maps[m]).data()))
                    .arg(frames[m].entropy, 0, 'f', 3);
    if (m_run->done()) text += tr("   (t_end reached)");
    return text;
}

void PolarisationWindow::updateStatus() {
    m_status->setText(statusText());
}

void PolarisationWindow::chooseFile() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open polarisation file"), QString(),
                                                      tr("Polarisation files (*.json)"));
    if (file.isEmpty()) return;
    try {
        open(core::PolarisationSpec::load(file.toStdString()));
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Open polarisation file"), QString::fromStdString(e.what()));
    }
}

void PolarisationWindow::exportTo(const QString& dir) {
    core::RunInfo info;
    info.writer = "gui";
    for (const QString& a : QCoreApplication::arguments()) info.commandLine.push_back(a.toStdString());
    info.note = "the frames up to t = " + std::to_string(m_run->time()) + " of the window's run";
    core::writePolarisationExport(dir.toStdString(), m_spec, m_record, info);
}

void PolarisationWindow::chooseExport() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export data to directory"));
    if (dir.isEmpty()) return;
    try {
        exportTo(dir);
        statusBar()->showMessage(
            tr("Exported %1 frames to %2").arg(m_record.framesPerMap.front().size()).arg(dir), 5000);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Export data"), QString::fromStdString(e.what()));
    }
}

QImage PolarisationWindow::grabWindow() {
    m_plots->refresh();
    for (QCustomPlot* p : m_plots->plots()) p->replot(QCustomPlot::rpImmediateRefresh);
    return grab().toImage();
}

PolarisationWindow* showPolarisation(QWidget& owner, const core::PolarisationSpec& spec) {
    auto* w = owner.findChild<PolarisationWindow*>(QString(), Qt::FindDirectChildrenOnly);
    if (w)
        w->open(spec);
    else
        w = new PolarisationWindow(spec, &owner);
    w->setPlaying(true);
    w->show();
    w->raise();
    w->activateWindow();
    return w;
}

void addPolarisationPresets(QMenu* presets, QWidget& owner) {
    presets->addSection(PolarisationWindow::tr("Polarisation"));
    for (const auto& info : core::polarisationPresetList()) {
        const QString name = QString::fromStdString(info.name);
        const QString tip = QString::fromStdString(info.description) + QStringLiteral("\n") +
                            PolarisationWindow::tr("Source: %1").arg(QString::fromStdString(info.citation));
        QAction* a = presets->addAction(name + QStringLiteral("…"), &owner, [&owner, name] {
            try {
                showPolarisation(owner, core::PolarisationSpec::load(name.toStdString()));
            } catch (const std::exception& e) {
                QMessageBox::warning(&owner, PolarisationWindow::tr("Preset failed"),
                                     QString::fromStdString(e.what()));
            }
        });
        a->setToolTip(tip);
        a->setStatusTip(tip);
    }
}

}  // namespace attnsphere::ui
