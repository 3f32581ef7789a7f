#include "app/ProgressBar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace attnsphere::app {

ProgressBar::ProgressBar(std::string label, bool quiet)
    : m_label(std::move(label)),
      m_enabled(!quiet && isatty(STDERR_FILENO) == 1),
      m_start(std::chrono::steady_clock::now()) {}

void ProgressBar::update(double fraction, const std::string& detail, bool force,
                         std::optional<double> etaSeconds) {
    if (!m_enabled) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && fraction < 1 && now - m_last < std::chrono::milliseconds(100)) return;
    m_last = now;
    fraction = std::clamp(fraction, 0.0, 1.0);
    const int width = 30, filled = static_cast<int>(fraction * width);
    const double elapsed = seconds();
    const bool done = fraction >= 1;
    const double eta = etaSeconds ? *etaSeconds : fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
    char time[32];
    if (!done && eta < 0)
        std::snprintf(time, sizeof time, "ETA ?");
    else
        std::snprintf(time, sizeof time, "%s %.0fs", done ? "in" : "ETA", done ? elapsed : eta);
    std::fprintf(stderr, "\r%s%s[%s%s] %3d%%  %s  %s ", m_label.c_str(), m_label.empty() ? "" : " ",
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                 static_cast<int>(fraction * 100), detail.c_str(), time);
    std::fflush(stderr);
    m_drawn = true;
}

void ProgressBar::finish() {
    if (m_drawn) std::fputc('\n', stderr);
    m_drawn = false;
}

double ProgressBar::seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
}

}  // namespace attnsphere::app
