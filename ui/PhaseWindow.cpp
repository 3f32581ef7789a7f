#include "ui/PhaseWindow.h"

#include "app/SimulationController.h"
#include "app/SweepRunner.h"
#include "render/PhasePlot.h"
#include "ui/MainWindow.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>

namespace attnsphere::ui {

namespace {

// The value of a dotted field ("heads.scale") in a scenario's JSON; nothing when absent or not a number.
std::optional<double> numericField(const nlohmann::json& scenario, const std::string& field) {
    const nlohmann::json* at = &scenario;
    std::size_t begin = 0;
    while (begin <= field.size()) {
        const std::size_t end = std::min(field.find('.', begin), field.size());
        const std::string key = field.substr(begin, end - begin);
        if (!at->is_object() || !at->contains(key)) return std::nullopt;
        at = &(*at)[key];
        begin = end + 1;
    }
    return at->is_number() ? std::optional<double>(at->get<double>()) : std::nullopt;
}

}  // namespace

core::Sweep makeSmallSweep(const core::Scenario& base, const SmallSweepSettings& settings) {
    core::Scenario scenario = base;
    scenario.tEnd = settings.tEnd;
    nlohmann::json axis = {{"field", "beta"}};
    if (settings.count > 1) {
        axis["from"] = settings.betaFrom;
        axis["to"] = settings.betaTo;
        axis["count"] = settings.count;
        axis["spacing"] = "linear";
    } else {
        axis["values"] = nlohmann::json::array({settings.betaFrom});
    }
    nlohmann::json times = nlohmann::json::array();
    for (int k = 0; k < settings.checkpoints; ++k)
        times.push_back(settings.checkpoints == 1 ? settings.tEnd
                                                  : settings.tEnd * k / (settings.checkpoints - 1));
    // Through the sweep file's parser: the same validation and canonical form as a file.
    return core::Sweep::fromJson(
        {{"format", "attnsphere-sweep"},
         {"version", 1},
         {"name", "small-sweep"},
         {"description", "beta sweep of the live run's scenario (" + base.name + ")"},
         {"base", scenario.toJson()},
         {"axes", nlohmann::json::array({axis})},
         {"starts", settings.starts},
         {"seed", base.seed},
         {"checkpoints", times},
         // Small shards: the progress bar moves and a cancel loses little.
         {"starts_per_shard", 2}});
}

// A background sweep: the thread writes under the mutex; queued calls to the window carry no data.
struct PhaseWindow::Job {
    core::Sweep sweep;
    std::atomic<bool> abort{false};
    std::mutex mutex;
    app::SweepProgress progress;
    bool complete = false;
    core::SweepResult result;
    std::string error;
};

PhaseWindow::PhaseWindow(MainWindow& main) : QMainWindow(&main, Qt::Window), m_main(main) {
    setObjectName(QStringLiteral("phaseWindow"));
    setWindowTitle(tr("Phase diagram — attnsphere"));
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    m_banner = new QLabel(central);
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #5a3a1a; color: #fff; padding: 4px; }"));
    m_banner->hide();
    layout->addWidget(m_banner);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("statistic"), central));
    m_column = new QComboBox(central);
    controls->addWidget(m_column);
    m_sliceBar = new QWidget(central);
    auto* sliceLayout = new QHBoxLayout(m_sliceBar);
    sliceLayout->setContentsMargins(0, 0, 0, 0);
    controls->addWidget(m_sliceBar);
    controls->addWidget(new QLabel(tr("click opens start"), central));
    m_start = new QSpinBox(central);
    m_start->setToolTip(tr("The random start (seed) of the clicked grid point that opens as the live run."));
    m_start->setRange(0, 0);
    controls->addWidget(m_start);
    controls->addStretch();
    m_progress = new QProgressBar(central);
    m_progress->setFormat(tr("%p% of the shards"));
    m_progress->hide();
    controls->addWidget(m_progress);
    m_cancel = new QPushButton(tr("Cancel"), central);
    m_cancel->hide();
    controls->addWidget(m_cancel);
    layout->addLayout(controls);

    m_plot = new render::PhasePlot(central);
    layout->addWidget(m_plot, 1);
    setCentralWidget(central);

    auto* bar = addToolBar(tr("Sweep"));
    bar->setObjectName(QStringLiteral("phaseToolBar"));
    bar->addAction(tr("Open sweep result…"), this, &PhaseWindow::chooseResult);
    bar->addAction(tr("Run small sweep…"), this, &PhaseWindow::runSmallSweep);

    connect(m_column, &QComboBox::currentIndexChanged, this, [this](int k) {
        if (k >= 0) m_plot->setColumn(k);
    });
    connect(m_cancel, &QPushButton::clicked, this, &PhaseWindow::cancelSweep);
    connect(m_plot, &render::PhasePlot::cellClicked, this,
            [this](long long point, int) { openPoint(point); });
    connect(main.controller(), &app::SimulationController::frameAvailable, this,
            [this](const std::shared_ptr<const core::Frame>& frame) {
                if (!frame) return;
                m_lastFrame = frame;
                takeFrame(*frame);
            });
    resize(1000, 700);
}

PhaseWindow::~PhaseWindow() {
    if (m_job) {
        m_job->abort = true;
        m_thread->wait();
        delete m_thread;
    }
}

void PhaseWindow::closeEvent(QCloseEvent* event) {
    cancelSweep();
    QMainWindow::closeEvent(event);
}

QString PhaseWindow::message() const {
    return m_banner->isHidden() ? QString() : m_banner->text();
}

void PhaseWindow::showMessage(const QString& text) {
    m_banner->setText(text);
    m_banner->setVisible(!text.isEmpty());
}

bool PhaseWindow::openResult(const QString& dir) {
    try {
        const core::SweepOutputs outputs = core::readSweepOutputs(dir.toStdString());
        showSweep(outputs.sweep, outputs.result);
        setWindowTitle(tr("Phase diagram — %1").arg(dir));
        return true;
    } catch (const std::exception& e) {
        showMessage(tr("Cannot open the sweep result %1: %2").arg(dir, QString::fromStdString(e.what())));
        return false;
    }
}

void PhaseWindow::showSweep(const core::Sweep& sweep, const core::SweepResult& result) {
    showMessage({});
    m_plot->setSweep(sweep, result);
    rebuildSelectors();
    if (m_lastFrame) takeFrame(*m_lastFrame);
}

void PhaseWindow::rebuildSelectors() {
    const core::Sweep& sweep = m_plot->sweep();
    {
        const QSignalBlocker block(m_column);
        m_column->clear();
        for (const std::string& c : m_plot->result().columns)
            m_column->addItem(QString::fromStdString(c).replace(QLatin1Char('_'), QLatin1Char(' ')));
        m_column->setCurrentIndex(m_plot->column());
    }
    m_start->setRange(0, std::max(0, sweep.starts - 1));
    for (QComboBox* box : m_sliceBoxes) box->deleteLater();
    m_sliceBoxes.clear();
    qDeleteAll(m_sliceBar->findChildren<QLabel*>(Qt::FindDirectChildrenOnly));
    for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
        if (static_cast<int>(a) == m_plot->yAxisIndex()) continue;
        m_sliceBar->layout()->addWidget(new QLabel(QString::fromStdString(sweep.axes[a].field), m_sliceBar));
        auto* box = new QComboBox(m_sliceBar);
        for (std::size_t k = 0; k < sweep.axes[a].values.size(); ++k)
            box->addItem(render::PhasePlot::valueLabel(sweep.axes[a], k));
        connect(box, &QComboBox::currentIndexChanged, this, [this, a](int k) {
            std::vector<int> slice = m_plot->slice();
            slice[a] = k;
            m_plot->setSlice(slice);
            if (m_lastFrame) takeFrame(*m_lastFrame);
        });
        m_sliceBar->layout()->addWidget(box);
        m_sliceBoxes.push_back(box);
    }
}

void PhaseWindow::setStart(int start) {
    m_start->setValue(start);
}

int PhaseWindow::start() const {
    return m_start->value();
}

void PhaseWindow::openPoint(long long point) {
    if (!m_plot->hasSweep()) return;
    const core::Sweep& sweep = m_plot->sweep();
    try {
        const core::Scenario s = sweep.scenarioAt(point, start());
        QStringList values;
        const std::vector<int> indices = sweep.pointIndices(point);
        for (std::size_t a = 0; a < sweep.axes.size(); ++a)
            values << QStringLiteral("%1 = %2").arg(
                QString::fromStdString(sweep.axes[a].field),
                render::PhasePlot::valueLabel(sweep.axes[a], static_cast<std::size_t>(indices[a])));
        m_main.loadScenario(s, tr("%1: %2, start %3")
                                   .arg(QString::fromStdString(sweep.name), values.join(QStringLiteral(", ")))
                                   .arg(start()));
        m_main.raise();
    } catch (const std::exception& e) {
        showMessage(tr("Cannot open that point: %1").arg(QString::fromStdString(e.what())));
    }
}

void PhaseWindow::takeFrame(const core::Frame& frame) {
    if (!m_plot->hasSweep() || m_plot->yAxisIndex() < 0) return;
    const core::SweepAxis& axis = m_plot->sweep().axes[static_cast<std::size_t>(m_plot->yAxisIndex())];
    std::optional<double> y;
    if (axis.field == "beta")
        y = frame.beta;
    else if (!axis.categorical())
        y = numericField(m_main.controller()->scenario().toJson(), axis.field);
    m_plot->setHere(y ? std::optional<QPointF>(QPointF(frame.t, *y)) : std::nullopt);
}

void PhaseWindow::chooseResult() {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Open sweep result (sweep.npy, metadata.json)"));
    if (!dir.isEmpty()) openResult(dir);
}

void PhaseWindow::runSmallSweep() {
    if (sweepRunning()) {
        showMessage(tr("A sweep is running: cancel it first."));
        return;
    }
    const core::Scenario base = m_main.controller()->scenario();
    SmallSweepSettings defaults;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Run small sweep"));
    auto* form = new QFormLayout(&dialog);
    form->addRow(new QLabel(tr("The live run's scenario (%1, n = %2, d = %3) over β, computed here in the "
                               "background.")
                                .arg(QString::fromStdString(base.name))
                                .arg(base.n)
                                .arg(base.d),
                            &dialog));
    auto spin = [&dialog](double lo, double hi, double value, int decimals) {
        auto* box = new QDoubleSpinBox(&dialog);
        box->setDecimals(decimals);
        box->setRange(lo, hi);
        box->setValue(value);
        return box;
    };
    auto count = [&dialog](int lo, int hi, int value) {
        auto* box = new QSpinBox(&dialog);
        box->setRange(lo, hi);
        box->setValue(value);
        return box;
    };
    QDoubleSpinBox* from = spin(0.001, 1000, defaults.betaFrom, 3);
    QDoubleSpinBox* to = spin(0.001, 1000, defaults.betaTo, 3);
    QSpinBox* values = count(1, 200, defaults.count);
    QSpinBox* starts = count(1, 1024, defaults.starts);
    QDoubleSpinBox* tEnd = spin(0.1, 1000, defaults.tEnd, 2);
    QSpinBox* checkpoints = count(2, 1000, defaults.checkpoints);
    form->addRow(tr("β from"), from);
    form->addRow(tr("β to"), to);
    form->addRow(tr("β values"), values);
    form->addRow(tr("random starts"), starts);
    form->addRow(tr("t up to"), tEnd);
    form->addRow(tr("checkpoints"), checkpoints);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted) return;
    const SmallSweepSettings settings{from->value(),   to->value(),   values->value(),
                                      starts->value(), tEnd->value(), checkpoints->value()};
    try {
        startSweep(makeSmallSweep(base, settings));
    } catch (const std::exception& e) {
        showMessage(tr("Cannot run that sweep: %1").arg(QString::fromStdString(e.what())));
    }
}

bool PhaseWindow::startSweep(const core::Sweep& sweep) {
    if (m_job) return false;
    auto job = std::make_shared<Job>();
    job->sweep = sweep;
    m_job = job;
    showMessage({});
    m_progress->setRange(0, static_cast<int>(std::min<long long>(sweep.shardCount(), 1 << 30)));
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();
    // One core stays with the GUI and the live run.
    const int threads = std::max(1, QThread::idealThreadCount() - 1);
    m_thread = QThread::create([this, job, threads] {
        app::SweepRunOptions options;
        options.threads = threads;
        options.abort = &job->abort;
        options.progress = [this, job](const app::SweepProgress& p) {
            {
                const std::lock_guard lock(job->mutex);
                job->progress = p;
            }
            QMetaObject::invokeMethod(this, &PhaseWindow::drainJob, Qt::QueuedConnection);
        };
        try {
            app::SweepRunReport report = app::runSweep(job->sweep, options);
            const std::lock_guard lock(job->mutex);
            job->complete = report.complete;
            job->result = std::move(report.result);
        } catch (const std::exception& e) {
            const std::lock_guard lock(job->mutex);
            job->error = e.what();
        }
    });
    connect(m_thread, &QThread::finished, this, &PhaseWindow::finishJob);
    m_thread->start(QThread::LowPriority);
    return true;
}

void PhaseWindow::drainJob() {
    if (!m_job) return;
    const std::lock_guard lock(m_job->mutex);
    m_progress->setValue(static_cast<int>(std::min<long long>(m_job->progress.shardsDone, 1 << 30)));
}

void PhaseWindow::cancelSweep() {
    if (m_job) m_job->abort = true;
}

void PhaseWindow::finishJob() {
    if (!m_job) return;
    m_thread->wait();
    m_thread->deleteLater();
    m_thread = nullptr;
    const std::shared_ptr<Job> job = std::exchange(m_job, nullptr);
    m_progress->hide();
    m_cancel->hide();
    bool complete;
    std::string error;
    {
        const std::lock_guard lock(job->mutex);
        complete = job->complete;
        error = job->error;
    }
    if (complete) {
        showSweep(job->sweep, job->result);
        setWindowTitle(tr("Phase diagram — %1").arg(QString::fromStdString(job->sweep.name)));
    } else if (!error.empty()) {
        showMessage(tr("The sweep failed: %1").arg(QString::fromStdString(error)));
    } else {
        showMessage(tr("Sweep cancelled."));
    }
    emit sweepFinished(complete);
}

PhaseWindow* phaseWindow(MainWindow& window) {
    if (auto* w = window.findChild<PhaseWindow*>(QString(), Qt::FindDirectChildrenOnly)) return w;
    return new PhaseWindow(window);
}

QMenu* makeSweepMenu(MainWindow& window) {
    auto* menu = new QMenu(MainWindow::tr("S&weep"), &window);
    auto show = [&window] {
        PhaseWindow* w = phaseWindow(window);
        w->show();
        w->raise();
        w->activateWindow();
        return w;
    };
    menu->addAction(MainWindow::tr("Phase diagram…"), &window, [show] { show(); });
    menu->addAction(MainWindow::tr("Open sweep result…"), &window, [show] {
        PhaseWindow* w = show();
        QTimer::singleShot(0, w, [w] { w->chooseResult(); });
    });
    menu->addAction(MainWindow::tr("Run small sweep…"), &window, [show] {
        PhaseWindow* w = show();
        QTimer::singleShot(0, w, [w] { w->runSmallSweep(); });
    });
    return menu;
}

}  // namespace attnsphere::ui
