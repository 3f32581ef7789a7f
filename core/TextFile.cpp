#include "core/TextFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace attnsphere::core {

std::optional<std::string> readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeTextFile(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".partial-" + std::to_string(::getpid());
    // stdio rather than a stream: the system's reason (e.g. "No space left on device") reaches the user.
    std::FILE* out = std::fopen(tmp.c_str(), "wb");
    bool ok = out && std::fwrite(text.data(), 1, text.size(), out) == text.size() && std::fflush(out) == 0;
    int error = errno;
    if (out && std::fclose(out) != 0 && ok) {
        ok = false;
        error = errno;
    }
    if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) {
        ok = false;
        error = errno;
    }
    if (!ok) {
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(error));
    }
}

}  // namespace attnsphere::core
