#include "app/History.h"

#include <cstdio>

namespace attnsphere::app {

std::string HistoryThinning::text() const {
    if (stride <= 1) return {};
    const char* suffix = stride == 2 ? "nd" : stride == 3 ? "rd" : "th";
    char out[120];
    std::snprintf(out, sizeof out, "every %d%s frame kept (history full since t = %.4g)", stride, suffix,
                  since);
    return out;
}

History::History(std::size_t budgetBytes) : m_budget(budgetBytes) {}

core::Frame History::slim(const core::Frame& frame) {
    core::Frame f = frame;
    for (auto& h : f.heads) {
        h.entropy.resize(0);
        h.radial.resize(0);
        h.tangential.resize(0);
        h.attention.resize(0, 0);
        h.signedAttention.resize(0, 0);
    }
    f.clusterLabels.clear();
    f.clusterLabels.shrink_to_fit();
    return f;
}

std::size_t History::entryBytes(const core::Frame& f) {
    std::size_t bytes = sizeof(HistoryEntry) + sizeof(core::Frame) + f.scenarioName.capacity() +
                        static_cast<std::size_t>(f.positions.size() + f.radii.size()) * sizeof(double);
    bytes += f.heads.size() * sizeof(core::HeadObservables);
    for (const auto& h : f.heads)
        bytes += static_cast<std::size_t>(h.entropy.size() + h.radial.size() + h.tangential.size()) *
                     sizeof(double) +
                 static_cast<std::size_t>(h.attention.size() + h.signedAttention.size()) * sizeof(float);
    return bytes + (f.clusterLabels.size() + f.displayClusterLabels.size()) * sizeof(int);
}

void History::append(HistoryEntry entry) {
    std::lock_guard lock(m_mutex);
    entry.run = m_run;
    const core::Frame& f = *entry.frame;
    if (!m_entries.empty() && m_entries.back().frame->step == f.step && m_entries.back().frame->t == f.t) {
        m_bytes -= entryBytes(*m_entries.back().frame);
        m_bytes += entryBytes(f);
        entry.index = m_entries.back().index;
        m_entries.back() = std::move(entry);
        ++m_revision;
        thinIfOverBudget();
        return;
    }
    if (entry.index % m_thinning.stride != 0) return;
    m_bytes += entryBytes(f);
    m_entries.push_back(std::move(entry));
    ++m_revision;
    thinIfOverBudget();
}

void History::thinIfOverBudget() {
    while (m_bytes > m_budget && m_entries.size() > 2) {
        if (m_thinning.stride == 1) m_thinning.since = m_entries.back().frame->t;
        m_thinning.stride *= 2;
        std::vector<HistoryEntry> kept;
        kept.reserve(m_entries.size() / 2 + 1);
        m_bytes = 0;
        for (auto& e : m_entries)
            if (e.index % m_thinning.stride == 0) {
                m_bytes += entryBytes(*e.frame);
                kept.push_back(std::move(e));
            }
        m_entries.swap(kept);
        ++m_revision;
    }
}

void History::clear() {
    std::lock_guard lock(m_mutex);
    m_entries.clear();
    m_bytes = 0;
    m_thinning = {};
    ++m_revision;
    ++m_run;
}

void History::truncateAfter(std::int64_t index) {
    std::lock_guard lock(m_mutex);
    while (!m_entries.empty() && m_entries.back().index > index) {
        m_bytes -= entryBytes(*m_entries.back().frame);
        m_entries.pop_back();
    }
    ++m_revision;
}

void History::setBudget(std::size_t bytes) {
    std::lock_guard lock(m_mutex);
    m_budget = bytes;
    thinIfOverBudget();
}

std::vector<HistoryEntry> History::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_entries;
}

std::size_t History::size() const {
    std::lock_guard lock(m_mutex);
    return m_entries.size();
}

std::size_t History::bytes() const {
    std::lock_guard lock(m_mutex);
    return m_bytes;
}

std::size_t History::budget() const {
    std::lock_guard lock(m_mutex);
    return m_budget;
}

std::uint64_t History::run() const {
    std::lock_guard lock(m_mutex);
    return m_run;
}

HistoryThinning History::thinning() const {
    std::lock_guard lock(m_mutex);
    return m_thinning;
}

std::uint64_t History::revision() const {
    std::lock_guard lock(m_mutex);
    return m_revision;
}

OptionSpec historyBudgetOption() {
    return OptionSpec(
               "--history-mb", "MB", OptionKind::Integer,
               "memory for the timeline's history of frames (older frames are thinned evenly when full)")
        .in({History::kMinBudgetMb, History::kMaxBudgetMb})
        .byDefault(std::to_string(History::kDefaultBudgetMb));
}

}  // namespace attnsphere::app
