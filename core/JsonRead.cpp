// The JSON reading helpers of core/JsonRead.h, shared by scenario and session files.
#include "core/JsonRead.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace attnsphere::core::jsonread {

std::string messageOf(const ValidationError& e) {
    // what() is "path: message" (ValidationError's constructor), or the message alone without a path.
    return std::string(e.what()).substr(e.path().empty() ? 0 : e.path().size() + 2);
}

ValidationError under(const std::string& prefix, const ValidationError& e, const std::string& separator) {
    return ValidationError(e.path().empty() ? prefix : prefix + separator + e.path(), messageOf(e));
}

// Shortest decimal form that reads back to the same double (for messages).
std::string fmt(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[40];
    if (std::floor(v) == v && std::abs(v) < 1e15) {  // integers without exponent: 1000000, not 1e+06
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    for (int precision = 6; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

// A short description of a value for messages. Containers are summarised, never dumped: a value can be
// arbitrarily large or (when built in code) deeply nested.
std::string describe(const json& v) {
    constexpr std::size_t kMax = 60;
    if (v.is_array()) return "an array of " + std::to_string(v.size()) + (v.size() == 1 ? " item" : " items");
    if (v.is_object())
        return "an object with " + std::to_string(v.size()) + (v.size() == 1 ? " key" : " keys");
    std::string text;
    if (v.is_string()) {
        const auto& str = v.get_ref<const std::string&>();
        text = json(str.size() > kMax ? str.substr(0, kMax) : str)
                   .dump(-1, ' ', false, json::error_handler_t::replace);
        if (str.size() > kMax) text.insert(text.size() - 1, "...");
    } else {
        text = v.dump();
    }
    return text;
}

std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}
std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

void requireObject(const json& v, const std::string& path, const std::vector<std::string>& allowed) {
    if (!v.is_object()) throw ValidationError(path, "must be a JSON object, got " + describe(v));
    for (const auto& item : v.items()) {
        if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            // A key that is not a plain name ("", "heads ", control characters) is quoted in the
            // message and the path stops at its object.
            const std::string& key = item.key();
            const bool plain =
                !key.empty() && key.size() <= 60 && std::all_of(key.begin(), key.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                });
            if (!plain)
                throw ValidationError(
                    path, "unknown key " + describe(json(key)) + " (allowed " +
                              (path.empty() ? std::string("at the top level") : "in " + path) + ": " + list +
                              ")");
            throw ValidationError(child(path, key),
                                  "unknown key (allowed " +
                                      (path.empty() ? std::string("at the top level") : "in " + path) + ": " +
                                      list + ")");
        }
    }
}

double number(const json& v, const std::string& path) {
    if (!v.is_number()) throw ValidationError(path, "must be a number, got " + describe(v));
    const double x = v.get<double>();
    if (!std::isfinite(x)) throw ValidationError(path, "must be a finite number, got " + fmt(x));
    return x;
}

long long integer(const json& v, const std::string& path) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<long long>::max()))
            throw ValidationError(path, "integer too large, got " + describe(v));
        return static_cast<long long>(u);
    }
    if (v.is_number_integer()) return v.get<long long>();
    if (v.is_number_float()) {
        const double x = v.get<double>();
        // Integral doubles below 2^53 are exact; larger ones may have lost digits in the file.
        if (std::isfinite(x) && std::floor(x) == x && std::abs(x) < 9e15) return static_cast<long long>(x);
    }
    throw ValidationError(path, "must be an integer, got " + describe(v));
}

void checkIntRange(long long v, const std::string& path, long long lo, long long hi) {
    if (v < lo || v > hi)
        throw ValidationError(path, "must be an integer in [" + std::to_string(lo) + ", " +
                                        std::to_string(hi) + "], got " + std::to_string(v));
}

int smallInteger(const json& v, const std::string& path, long long lo, long long hi) {
    const long long x = integer(v, path);
    checkIntRange(x, path, lo, hi);
    return static_cast<int>(x);
}

std::string string(const json& v, const std::string& path) {
    if (!v.is_string()) throw ValidationError(path, "must be a string, got " + describe(v));
    return v.get<std::string>();
}

std::vector<double> numberList(const json& v, const std::string& path) {
    if (!v.is_array()) throw ValidationError(path, "must be an array of numbers, got " + describe(v));
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(number(v[i], index(path, i)));
    return out;
}

// A JSON array of rows -> matrix (rows × cols as written). All rows must have the same length.
Matrix rowsToMatrix(const json& v, const std::string& path) {
    if (!v.is_array() || v.empty())
        throw ValidationError(path,
                              "must be a non-empty array of rows (arrays of numbers), got " + describe(v));
    std::size_t cols = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_array())
            throw ValidationError(index(path, i), "must be an array of numbers, got " + describe(v[i]));
        if (i == 0) cols = v[i].size();
        if (v[i].size() != cols || cols == 0)
            throw ValidationError(index(path, i), "must have the same non-zero length as " + index(path, 0) +
                                                      " (" + std::to_string(cols) + "), got " +
                                                      std::to_string(v[i].size()) + " numbers");
    }
    Matrix m(static_cast<Eigen::Index>(v.size()), static_cast<Eigen::Index>(cols));
    for (std::size_t i = 0; i < v.size(); ++i)
        for (std::size_t j = 0; j < cols; ++j)
            m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
                number(v[i][j], index(index(path, i), j));
    return m;
}

json matrixToRows(const Matrix& m) {
    json rows = json::array();
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        json row = json::array();
        for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
        rows.push_back(row);
    }
    return rows;
}

std::string interval(double lo, double hi, bool loOpen, bool hiOpen) {
    return std::string(loOpen ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + (hiOpen ? ")" : "]");
}

const json& require(const json& v, const std::string& key, const std::string& path) {
    if (!v.contains(key)) throw ValidationError(child(path, key), "is required");
    return v.at(key);
}

void checkRange(double v, const std::string& path, double lo, double hi, bool loOpen, bool hiOpen) {
    const bool ok = (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    if (!ok)
        throw ValidationError(path, "must be in " + interval(lo, hi, loOpen, hiOpen) + ", got " + fmt(v));
}

void checkFormat(const json& v, const std::string& name, int version, bool required) {
    if (required || v.contains("format")) {
        const json& format = require(v, "format", "");
        if (string(format, "format") != name)
            throw ValidationError("format", "must be \"" + name + "\", got " + describe(format));
    }
    if (required || v.contains("version")) {
        const long long written = integer(require(v, "version", ""), "version");
        if (written != version)
            throw ValidationError("version", "must be " + std::to_string(version) +
                                                 " (the only version this program reads), got " +
                                                 std::to_string(written));
    }
}

}  // namespace attnsphere::core::jsonread
