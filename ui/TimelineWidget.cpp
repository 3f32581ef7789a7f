#include "ui/TimelineWidget.h"

#include "app/Pacer.h"
#include "app/SimulationController.h"
#include "core/EditLabel.h"
#include "render/PlotPanel.h"
#include "ui/SphereView.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>

#include <algorithm>

namespace attnsphere::ui {
namespace {

// How often the timeline looks for new kept frames (a snapshot copies the entries' pointers).
constexpr int kPollMs = 200;
// Faded curves: the abandoned branch after a fork, the ghost of the curves before an edit.
constexpr int kBranchAlpha = 80, kGhostAlpha = 90;

}  // namespace

TimelineWidget::TimelineWidget(app::SimulationController* controller, SphereView* view,
                               std::vector<render::PlotPanel*> panels, QWidget* parent)
    : QWidget(parent),
      m_controller(controller),
      m_view(view),
      m_panels(std::move(panels)),
      m_scenario(controller->scenario()) {
    setObjectName(QStringLiteral("timeline"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 2, 6, 2);
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("timeline.slider"));
    // Keys reach the slider through the window's actions (Left/Right/Home/End), not its own focus.
    m_slider->setFocusPolicy(Qt::NoFocus);
    m_slider->setToolTip(
        tr("The run's history: drag to look at an earlier moment (the run pauses). Left/Right step, Home/End "
           "jump. Play, an edit or \"Fork from here\" then runs on from that moment."));
    m_timeLabel = new QLabel(this);
    m_timeLabel->setObjectName(QStringLiteral("timeline.time"));
    m_timeLabel->setMinimumWidth(220);
    m_thinLabel = new QLabel(this);
    m_thinLabel->setObjectName(QStringLiteral("timeline.thinning"));
    m_thinLabel->setStyleSheet(QStringLiteral("color: #f0a030"));
    m_forkButton = new QPushButton(tr("Fork from here"), this);
    m_forkButton->setObjectName(QStringLiteral("timeline.fork"));
    m_forkButton->setToolTip(
        tr("Run on from the moment shown; the abandoned future stays as a faded branch in the time plots."));
    m_clearButton = new QPushButton(tr("Clear branches"), this);
    m_clearButton->setObjectName(QStringLiteral("timeline.clear"));
    m_clearButton->setToolTip(tr("Remove the faded abandoned branches from the time plots."));
    for (QPushButton* b : {m_forkButton, m_clearButton}) b->setFocusPolicy(Qt::NoFocus);
    layout->addWidget(m_slider, 1);
    layout->addWidget(m_timeLabel);
    layout->addWidget(m_thinLabel);
    layout->addWidget(m_forkButton);
    layout->addWidget(m_clearButton);

    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        if (!m_updating) scrubTo(v);
    });
    connect(m_forkButton, &QPushButton::clicked, this, [this] { forkIfScrubbed(); });
    connect(m_clearButton, &QPushButton::clicked, this, &TimelineWidget::clearBranches);
    auto add = [this](const QString& text, const QKeySequence& key, const QString& tip, auto slot) {
        auto* a = new QAction(text, this);
        if (!key.isEmpty()) a->setShortcut(key);
        a->setToolTip(tip);
        connect(a, &QAction::triggered, this, slot);
        m_actions.push_back(a);
    };
    add(tr("Step back in history"), QKeySequence(Qt::Key_Left), tr("The previous kept frame (Left)."),
        [this] { scrubTo(position() - 1); });
    add(tr("Step forward in history"), QKeySequence(Qt::Key_Right), tr("The next kept frame (Right)."),
        [this] { scrubTo(position() + 1); });
    add(tr("Start of history"), QKeySequence(Qt::Key_Home), tr("The first kept frame (Home)."),
        [this] { scrubTo(0); });
    add(tr("End of history"), QKeySequence(Qt::Key_End), tr("The newest frame (End)."), [this] { goLive(); });
    add(tr("Fork from here"), {}, m_forkButton->toolTip(), [this] { forkIfScrubbed(); });
    add(tr("Clear branches"), {}, m_clearButton->toolTip(), [this] { clearBranches(); });

    connect(controller, &app::SimulationController::historyFrame, this,
            [this](std::shared_ptr<const core::Frame> frame) {
                if (!m_scrubbing) return;
                m_detail = std::move(frame);
                m_detailPacer->request();
            });
    m_detailPacer = new app::Pacer(
        kDetailHz, [this] { showDetail(); }, this);
    connect(controller, &app::SimulationController::scenarioChanged, this,
            &TimelineWidget::onScenarioChanged);
    // A refused fork (the run was reset meanwhile) sends no scenario: the next change is an edit again.
    connect(controller, &app::SimulationController::editRejected, this, [this] {
        m_forkPending = false;
        m_forkT.reset();
    });
    connect(&m_poll, &QTimer::timeout, this, &TimelineWidget::syncHistory);
    m_poll.start(kPollMs);
    updateLabels();
}

bool TimelineWidget::isScrubbed() const {
    return m_scrubbing;
}

int TimelineWidget::position() const {
    return m_slider->value();
}

void TimelineWidget::showDetail() {
    std::shared_ptr<const core::Frame> frame = std::move(m_detail);
    m_detail.reset();
    if (!frame || !m_scrubbing) return;
    m_view->showFrame(frame);
    for (render::PlotPanel* p : m_panels) p->showFrame(*frame);
}

void TimelineWidget::syncHistory() {
    const auto& history = m_controller->history();
    const std::uint64_t revision = history->revision();
    if (revision == m_revision) return;
    m_revision = revision;
    const std::int64_t shownIndex =
        m_scrubbing && position() < static_cast<int>(m_entries.size()) ? m_entries[position()].index : -1;
    m_entries = history->snapshot();
    m_thinning = history->thinning();
    int at = static_cast<int>(m_entries.size()) - 1;
    if (shownIndex >= 0) {
        // Scrubbed: the same kept frame stays shown, wherever thinning moved it (or its nearest earlier).
        const auto it =
            std::upper_bound(m_entries.begin(), m_entries.end(), shownIndex,
                             [](std::int64_t i, const app::HistoryEntry& e) { return i < e.index; });
        at = std::max(0, static_cast<int>(it - m_entries.begin()) - 1);
    }
    m_updating = true;
    m_slider->setRange(0, std::max(0, static_cast<int>(m_entries.size()) - 1));
    m_slider->setValue(std::max(at, 0));
    m_updating = false;
    updateLabels();
}

void TimelineWidget::scrubTo(int index) {
    syncHistory();
    if (m_entries.empty()) return;
    index = std::clamp(index, 0, static_cast<int>(m_entries.size()) - 1);
    m_updating = true;
    m_slider->setValue(index);
    m_updating = false;
    if (index == static_cast<int>(m_entries.size()) - 1) {
        if (m_scrubbing) leaveScrub();
        return;
    }
    if (!m_scrubbing) {
        m_scrubbing = true;
        if (m_controller->isRunning()) m_controller->pause();
    }
    showEntry(index);
    if (const auto& s = m_entries[static_cast<std::size_t>(index)].scenario) emit scenarioShown(*s);
}

void TimelineWidget::showEntry(int index) {
    const app::HistoryEntry& e = m_entries[static_cast<std::size_t>(index)];
    m_view->resetTrails();  // a trail would join the moments scrubbed over
    m_view->showFrame(e.frame);
    for (render::PlotPanel* p : m_panels) p->setTimeCursor(e.frame->t);
    m_controller->showHistoryFrame(e);
    updateLabels();
}

void TimelineWidget::leaveScrub() {
    m_scrubbing = false;
    for (render::PlotPanel* p : m_panels) p->setTimeCursor(std::nullopt);
    if (auto latest = m_controller->latestFrame()) {
        m_view->resetTrails();
        m_view->showFrame(latest);
        for (render::PlotPanel* p : m_panels) p->showFrame(*latest);
    }
    emit scenarioShown(m_controller->scenario());
    updateLabels();
}

bool TimelineWidget::forkIfScrubbed() {
    if (!m_scrubbing || m_entries.empty()) return false;
    const int index = position();
    const app::HistoryEntry entry = m_entries[static_cast<std::size_t>(index)];
    const double t = entry.frame->t;
    std::vector<int> ids;
    for (render::PlotPanel* p : m_panels) {
        ids.push_back(p->keepAsOverlay(tr("abandoned branch"), Qt::SolidLine, kBranchAlpha));
        p->setTimeCursor(std::nullopt);
    }
    m_branches.push_back(std::move(ids));
    m_forkPending = true;
    m_controller->forkFrom(entry);
    // The panels show the kept branch up to the fork (the first frame goes back in time: they reset).
    m_entries.resize(static_cast<std::size_t>(index) + 1);
    for (render::PlotPanel* p : m_panels) {
        for (const app::HistoryEntry& e : m_entries) p->addFrame(*e.frame);
        p->refresh();
    }
    std::erase_if(m_markers, [t](const Marker& m) { return m.t > t; });
    redrawMarkers();
    m_lastT = t;
    m_forkT = t;
    m_scrubbing = false;
    m_revision = ~std::uint64_t(0);
    emit message(tr("Forked from t = %1 (step %2): the abandoned future stays faded until Clear branches.")
                     .arg(t, 0, 'g', 4)
                     .arg(entry.frame->step),
                 8000);
    if (entry.scenario) emit scenarioShown(*entry.scenario);
    updateLabels();
    return true;
}

void TimelineWidget::clearBranches() {
    for (const auto& ids : m_branches)
        for (std::size_t k = 0; k < ids.size() && k < m_panels.size(); ++k)
            m_panels[k]->removeOverlay(ids[k]);
    m_branches.clear();
    updateLabels();
}

void TimelineWidget::onScenarioChanged(const core::Scenario& s) {
    const core::Scenario previous = std::exchange(m_scenario, s);
    if (m_forkPending) {
        m_forkPending = false;
        return;
    }
    if (s.name != previous.name) {
        // Another scenario: its plots start afresh.
        m_markers.clear();
        redrawMarkers();
        clearBranches();
        for (std::size_t k = 0; k < m_ghost.size(); ++k) m_panels[k]->removeOverlay(m_ghost[k]);
        m_ghost.clear();
        return;
    }
    const std::string label = core::describeEdit(previous, s);
    if (label.empty()) return;
    m_pendingMarker = QString::fromStdString(label);
    if (!m_keepGhost) return;
    for (std::size_t k = 0; k < m_ghost.size(); ++k) m_panels[k]->removeOverlay(m_ghost[k]);
    m_ghost.clear();
    for (render::PlotPanel* p : m_panels)
        m_ghost.push_back(p->keepAsOverlay(tr("before %1").arg(*m_pendingMarker), Qt::DashLine, kGhostAlpha));
}

void TimelineWidget::onLiveFrame(const core::Frame& frame) {
    // The fork's first frame goes back in time without being a reset (a late live frame may precede it).
    const bool forkFrame = m_forkT && frame.t == *m_forkT;
    if (forkFrame) m_forkT.reset();
    if (m_lastT >= 0 && frame.t < m_lastT && !forkFrame) {
        // A reset or a loop: the run starts again and its edits so far no longer apply.
        m_markers.clear();
        redrawMarkers();
    }
    if (frame.n != m_lastN || frame.H != m_lastH) {
        if (m_lastN >= 0) clearBranches();
        m_lastN = frame.n;
        m_lastH = frame.H;
    }
    m_lastT = frame.t;
    if (m_pendingMarker) {
        m_markers.push_back({frame.t, *m_pendingMarker});
        for (render::PlotPanel* p : m_panels) p->addEditMarker(frame.t, *m_pendingMarker);
        m_pendingMarker.reset();
    }
}

void TimelineWidget::redrawMarkers() {
    for (render::PlotPanel* p : m_panels) {
        p->clearEditMarkers();
        for (const Marker& m : m_markers) p->addEditMarker(m.t, m.label);
    }
}

void TimelineWidget::updateLabels() {
    const QString thin = QString::fromStdString(m_thinning.text());
    m_thinLabel->setText(thin);
    m_thinLabel->setVisible(!thin.isEmpty());
    m_forkButton->setEnabled(m_scrubbing);
    m_clearButton->setEnabled(!m_branches.empty());
    if (m_entries.empty()) {
        m_timeLabel->setText(tr("no history yet"));
        return;
    }
    const core::Frame& f = *m_entries[static_cast<std::size_t>(std::max(0, position()))].frame;
    if (m_scrubbing) {
        m_timeLabel->setText(tr("t = %1 (step %2) of %3 — Play or an edit forks from here")
                                 .arg(f.t, 0, 'f', 3)
                                 .arg(f.step)
                                 .arg(m_entries.back().frame->t, 0, 'f', 3));
        m_timeLabel->setStyleSheet(QStringLiteral("color: #f0a030; font-weight: bold"));
    } else {
        m_timeLabel->setText(tr("live, %1 frames kept").arg(m_entries.size()));
        m_timeLabel->setStyleSheet(QString());
    }
}

}  // namespace attnsphere::ui
