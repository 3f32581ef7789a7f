#pragma once
// A full disk, for tests: while a FullDisk lives, this process may write files of at most `bytes` bytes
// (RLIMIT_FSIZE), so writes fail with EFBIG ("File too large") exactly where a full device would fail
// with ENOSPC, without root or a special mount. SIGXFSZ is ignored meanwhile (a failed write, not a
// killed process); both are restored on destruction.
#include <sys/resource.h>

#include <csignal>

namespace attnsphere::testing {

class FullDisk {
public:
    explicit FullDisk(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &m_previous);
        m_previousHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = m_previous;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FullDisk() {
        setrlimit(RLIMIT_FSIZE, &m_previous);
        std::signal(SIGXFSZ, m_previousHandler);
    }
    FullDisk(const FullDisk&) = delete;
    FullDisk& operator=(const FullDisk&) = delete;

private:
    rlimit m_previous{};
    void (*m_previousHandler)(int) = SIG_DFL;
};

}  // namespace attnsphere::testing
