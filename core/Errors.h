#pragma once
#include <stdexcept>
#include <string>

namespace attnsphere::core {

// Invalid user input (scenario field, CLI value). `path` is a JSON path such as "heads.scale[1]";
// what() reads "<path>: <message>" so a user sees the field and the allowed range.
class ValidationError : public std::runtime_error {
public:
    ValidationError(std::string path, const std::string& message)
        : std::runtime_error(path.empty() ? message : path + ": " + message), m_path(std::move(path)) {}
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

// The dynamics left the representable range (e.g. unnormalised exp overflow) or produced NaN.
class NumericalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A long computation was stopped through its abort flag.
class Aborted : public std::runtime_error {
public:
    Aborted() : std::runtime_error("aborted") {}
};

}  // namespace attnsphere::core
