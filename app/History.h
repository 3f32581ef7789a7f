#pragma once
// The run's history: the frames the worker published, kept for the timeline (scrub, fork) and for
// File → Export data, within a memory budget. The worker appends; the GUI thread takes snapshots
// (shared pointers to immutable frames), so both sides may use it at once (one mutex).
// To fit many frames, a kept frame holds positions (exact doubles), the scalar observables of the time
// plots and series.csv, and the display cluster labels; per-token vectors and attention are dropped
// (a scrubbed frame's full observables are recomputed). When the budget fills, the kept frames are
// thinned evenly: one published frame in `stride` (a power of 2, doubled on each thinning) is kept, over
// the whole run and from then on, so the history always spans the run; thinning() says so, for the
// timeline to show: nothing is dropped silently.
#include "app/Options.h"
#include "core/Frame.h"
#include "core/Scenario.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace attnsphere::app {

struct HistoryEntry {
    std::shared_ptr<const core::Frame> frame;  // slim (see above)
    // What a fork restores beside the positions: the integrator's step sizes (Dormand–Prince adapts
    // them) and how many session events had been logged when the frame was published (the model, dt
    // and integrator in effect follow from the log). `scenario` is what the editor showed then.
    double dt = 0, stepDt = 0;
    std::size_t logEvents = 0;
    std::shared_ptr<const core::Scenario> scenario;
    std::int64_t index = 0;  // publication number within the run (thinning keeps multiples of the stride)
    std::uint64_t run = 0;   // which run (clear() starts a new one): a fork never crosses a reset
};

// Thinning so far: one published frame in `stride` is kept (1: every frame); the budget first filled at
// time `since`.
struct HistoryThinning {
    int stride = 1;
    double since = 0;
    std::string text() const;  // "every 4th frame kept (history full since t = 12.3)", empty for stride 1
};

class History {
public:
    static constexpr int kDefaultBudgetMb = 512;
    static constexpr int kMinBudgetMb = 1, kMaxBudgetMb = 65536;
    explicit History(std::size_t budgetBytes = std::size_t(kDefaultBudgetMb) << 20);

    // The frame as the history keeps it.
    static core::Frame slim(const core::Frame& frame);
    static std::size_t entryBytes(const core::Frame& slimFrame);

    // Worker side. A frame at the same step and time as the last one (an edit between steps) replaces it.
    void append(HistoryEntry entry);
    void clear();
    // A fork: the entries published after `index` are dropped (the abandoned branch).
    void truncateAfter(std::int64_t index);
    void setBudget(std::size_t bytes);  // thins at once when the kept frames exceed it

    // Either side.
    std::vector<HistoryEntry> snapshot() const;
    std::size_t size() const;
    std::size_t bytes() const;
    std::size_t budget() const;
    HistoryThinning thinning() const;
    // Changes whenever the kept frames change: the GUI takes a new snapshot only then.
    std::uint64_t revision() const;
    // The current run's number (entries appended now get it).
    std::uint64_t run() const;

private:
    void thinIfOverBudget();  // under the lock

    mutable std::mutex m_mutex;
    std::vector<HistoryEntry> m_entries;
    std::size_t m_bytes = 0, m_budget;
    HistoryThinning m_thinning;
    std::uint64_t m_revision = 0;
    std::uint64_t m_run = 0;
};

// --history-mb MB: the GUI's history budget (the GUI's option table and its settings use this range).
OptionSpec historyBudgetOption();

}  // namespace attnsphere::app
