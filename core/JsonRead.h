#pragma once
// Reading scenario and session files: typed access to JSON values with range checks. Every failure is a
// ValidationError "path.to.field: must be ..., got ..." naming the allowed values or range, so the two
// file formats report errors alike.
#include "core/Errors.h"
#include "core/Model.h"
#include "core/Names.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace attnsphere::core::jsonread {

using nlohmann::json;

std::string fmt(double v);            // shortest decimal form that reads back to the same double
std::string describe(const json& v);  // a short description of a value (containers summarised)
std::string child(const std::string& path, const std::string& key);  // "path.key" ("key" at the top)
std::string index(const std::string& path, std::size_t i);           // "path[i]"
std::string interval(double lo, double hi, bool loOpen, bool hiOpen);
// e's message without its path.
std::string messageOf(const ValidationError& e);
// e moved under `prefix`: its path becomes prefix + separator + e's path (prefix alone when e has none),
// its message kept. A file's errors: under(file, e) reads "FILE: steps[1].pause_at: ...".
ValidationError under(const std::string& prefix, const ValidationError& e,
                      const std::string& separator = ": ");

// v must be an object whose keys are all in `allowed` (an unknown key is named with the allowed list).
void requireObject(const json& v, const std::string& path, const std::vector<std::string>& allowed);
// A file format's `format` and `version` keys: `format` must be `name` and `version` the one this program
// reads. With `required` false both may be absent (scenario files).
void checkFormat(const json& v, const std::string& name, int version, bool required);
// The value of a key that must be present in the object v (at `path`).
const json& require(const json& v, const std::string& key, const std::string& path);

double number(const json& v, const std::string& path);  // finite
long long integer(const json& v, const std::string& path);
void checkIntRange(long long v, const std::string& path, long long lo, long long hi);
// Integers stored in an int: the range is checked on the value as written, so that nothing wraps or is
// clamped before the message names it.
int smallInteger(const json& v, const std::string& path, long long lo, long long hi);
std::string string(const json& v, const std::string& path);
std::vector<double> numberList(const json& v, const std::string& path);
void checkRange(double v, const std::string& path, double lo, double hi, bool loOpen = false,
                bool hiOpen = false);

// A JSON array of rows -> matrix (rows × cols as written). All rows must have the same length.
Matrix rowsToMatrix(const json& v, const std::string& path);
json matrixToRows(const Matrix& m);

// "\"a\", \"b\", \"c\"": the names of E's values for messages.
template <class E>
std::string choices() {
    std::string out;
    for (const auto& entry : nameTable<E>())
        out += (out.empty() ? "\"" : ", \"") + std::string(entry.second) + "\"";
    return out;
}

template <class E>
E enumValue(const json& v, const std::string& path) {
    const std::string s = string(v, path);
    if (const auto e = valueOf<E>(s)) return *e;
    throw ValidationError(path, "must be one of " + choices<E>() + ", got \"" + s + "\"");
}

}  // namespace attnsphere::core::jsonread
