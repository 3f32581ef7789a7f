#pragma once
// Writing a whole text file (sessions, comparisons) so that a failure leaves no half-written file behind:
// written to a temporary name beside it, then renamed. Errors carry the system's reason ("No space left
// on device"). No Qt: core writes its own files (app/AtomicFile.h is the Qt-side sibling for images).
#include <optional>
#include <string>

namespace attnsphere::core {

// Throws std::runtime_error "cannot write PATH: reason" (the temporary file removed).
void writeTextFile(const std::string& path, const std::string& text);
// The whole file, byte for byte; nothing when it cannot be opened (callers name the file in their message).
std::optional<std::string> readTextFile(const std::string& path);

}  // namespace attnsphere::core
