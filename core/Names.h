#pragma once
// Names of enum values in files, on the command line and in menus. Each enum has one table (a
// specialisation of nameTable next to the enum); names, parsing and printing all read it.
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace attnsphere::core {

template <class E>
using NameEntry = std::pair<E, std::string_view>;

// Every value of E once, in the order menus and messages list them.
template <class E>
std::span<const NameEntry<E>> nameTable();

template <class E>
std::string_view nameOf(E value) {
    for (const auto& [e, name] : nameTable<E>())
        if (e == value) return name;
    return "unknown";
}

template <class E>
std::optional<E> valueOf(std::string_view name) {
    for (const auto& [e, n] : nameTable<E>())
        if (n == name) return e;
    return std::nullopt;
}

template <class E>
std::vector<std::string_view> namesOf() {
    std::vector<std::string_view> out;
    for (const auto& entry : nameTable<E>()) out.push_back(entry.second);
    return out;
}

}  // namespace attnsphere::core
