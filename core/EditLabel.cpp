#include "core/EditLabel.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string_view>

namespace attnsphere::core {
namespace {

using nlohmann::json;

// Symbols the papers use for a key, where they are shorter than its name.
std::string keyLabel(const std::string& path) {
    if (path == "beta") return "β";
    if (path == "heads.alpha") return "α";
    if (path == "heads.beta") return "β_h";
    if (path == "init.rho") return "ρ";
    if (path == "temperature") return "τ";
    return path;
}

std::string valueText(const json& v) {
    if (v.is_null()) return "–";
    if (v.is_number()) {
        char text[32];
        std::snprintf(text, sizeof text, "%.4g", v.get<double>());
        return text;
    }
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "on" : "off";
    return "";
}

void diff(const json& a, const json& b, const std::string& prefix, std::string& out) {
    static constexpr std::string_view kNotDynamics[] = {"format",      "version",  "name",
                                                        "description", "citation", "t_end"};
    json keys = json::object();
    for (const json* side : {&a, &b})
        if (side->is_object())
            for (auto it = side->begin(); it != side->end(); ++it) keys[it.key()] = true;
    for (auto it = keys.begin(); it != keys.end(); ++it) {
        const std::string& key = it.key();
        bool skip = false;
        for (std::string_view k : kNotDynamics) skip = skip || (prefix.empty() && key == k);
        if (skip) continue;
        const json va = a.is_object() && a.contains(key) ? a[key] : json();
        const json vb = b.is_object() && b.contains(key) ? b[key] : json();
        if (va == vb) continue;
        const std::string path = prefix.empty() ? key : prefix + "." + key;
        if (va.is_object() && vb.is_object()) {
            diff(va, vb, path, out);
            continue;
        }
        if (!out.empty()) out += ", ";
        const std::string from = valueText(va), to = valueText(vb);
        out += keyLabel(path) + " " + (from.empty() || to.empty() ? "edited" : from + " → " + to);
    }
}

}  // namespace

std::string describeEdit(const Scenario& before, const Scenario& after) {
    std::string out;
    diff(before.toJson(), after.toJson(), "", out);
    return out;
}

}  // namespace attnsphere::core
