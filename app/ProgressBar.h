#pragma once
// The progress bar of the long commands (run, render) on stderr: "label [#####.....] 42%  detail  ETA 3s",
// redrawn at most ten times a second; drawn only on a terminal and unless the command was asked to be quiet.
#include <chrono>
#include <optional>
#include <string>

namespace attnsphere::app {

class ProgressBar {
public:
    ProgressBar(std::string label, bool quiet);
    // `fraction` done in [0, 1]; `detail` follows the percentage. `force` draws even within 100 ms.
    // `etaSeconds` replaces the estimate from the fraction (negative: unknown yet), for work partly done
    // before this run (a resumed sweep).
    void update(double fraction, const std::string& detail, bool force = false,
                std::optional<double> etaSeconds = std::nullopt);
    // Ends the bar's line (if one was drawn).
    void finish();
    // Seconds since construction.
    double seconds() const;

private:
    std::string m_label;
    bool m_enabled;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_start, m_last{};
};

}  // namespace attnsphere::app
