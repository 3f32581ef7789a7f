#include "app/Options.h"

#include "core/Comparison.h"
#include "core/Errors.h"

#include <QThread>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <system_error>

namespace attnsphere::app {

namespace {

[[noreturn]] void invalid(std::string_view option, const std::string& message) {
    throw core::ValidationError(std::string(option), message);
}

std::string joined(const std::vector<std::string>& names, std::string_view separator) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : std::string(separator)) + n;
    return out;
}

// from_chars, unlike strtod, ignores the C locale (Qt sets it from the environment) and leading blanks.
template <typename T>
bool parseWhole(std::string_view text, T& value) {
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
        if (!text.empty() && text.front() == '-') return false;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

Range rangeOf(const OptionSpec& spec) {
    if (!spec.range) throw std::logic_error(spec.name + ": no static range; pass one");
    return *spec.range;
}

std::vector<std::string> parseNames(const OptionSpec& spec, std::string_view text) {
    if (text == "none" || text.empty()) return {};
    if (text == "all") return spec.names;
    std::vector<std::string> out;
    for (const auto& item : splitList(spec.name, text)) {
        if (std::find(spec.names.begin(), spec.names.end(), item) == spec.names.end())
            invalid(spec.name,
                    "must be a list of " + joined(spec.names, ", ") + " (or all, none), got '" + item + "'");
        if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    }
    // In the table's order, whatever the order given.
    std::vector<std::string> ordered;
    for (const auto& n : spec.names)
        if (std::find(out.begin(), out.end(), n) != out.end()) ordered.push_back(n);
    return ordered;
}

Size parseSize(const OptionSpec& spec, std::string_view text) {
    const auto x = text.find('x');
    long long w = 0, h = 0;
    if (x == std::string_view::npos || !parseWhole(text.substr(0, x), w) ||
        !parseWhole(text.substr(x + 1), h))
        invalid(spec.name, "must be WxH (e.g. 1280x720), got '" + std::string(text) + "'");
    const Range width = spec.range.value_or(Range{1, 1e9}), height = spec.heightRange.value_or(width);
    if (!width.contains(static_cast<double>(w)) || !height.contains(static_cast<double>(h)))
        invalid(spec.name, "width must be in " + width.text() + " and height in " + height.text() + ", got " +
                               std::string(text));
    return {static_cast<int>(w), static_cast<int>(h)};
}

// Checks a given value against its kind and static range (the accessors parse it again when asked).
void check(const OptionSpec& spec, const std::string& text) {
    switch (spec.kind) {
        case OptionKind::Flag:
        case OptionKind::Text:
            return;
        case OptionKind::Integer:
            if (spec.range) parseInteger(spec.name, text, *spec.range);
            return;
        case OptionKind::Number:
            if (spec.range) parseNumber(spec.name, text, *spec.range);
            return;
        case OptionKind::Choice:
            if (std::find(spec.names.begin(), spec.names.end(), text) == spec.names.end())
                invalid(spec.name, "must be one of " + joined(spec.names, ", ") + ", got '" + text + "'");
            return;
        case OptionKind::NameList:
            parseNames(spec, text);
            return;
        case OptionKind::NumberList:
            for (const auto& item : splitList(spec.name, text))
                if (spec.range) parseNumber(spec.name, item, *spec.range);
            return;
        case OptionKind::IntegerList:
            for (const auto& item : splitList(spec.name, text))
                if (spec.range) parseInteger(spec.name, item, *spec.range);
            return;
        case OptionKind::PairList:
            for (const auto& item : splitList(spec.name, text)) {
                const auto colon = item.find(':');
                parseNumber(spec.name, item.substr(0, colon), rangeOf(spec));
                if (colon != std::string::npos) parseNumber(spec.name, item.substr(colon + 1), rangeOf(spec));
            }
            return;
        case OptionKind::Size:
            parseSize(spec, text);
            return;
    }
}

// What --help says about the allowed values and the default, after the help line.
std::string details(const OptionSpec& o) {
    std::string out;
    const std::string v = o.valueName.empty() ? "value" : o.valueName;
    switch (o.kind) {
        case OptionKind::Integer:
        case OptionKind::Number:
            if (!o.rangeNote.empty())
                out += ", " + v + " in " + o.rangeNote;
            else if (o.range)
                out += ", " + v + " in " + o.range->text();
            break;
        case OptionKind::NumberList:
        case OptionKind::IntegerList:
        case OptionKind::PairList:
            if (!o.rangeNote.empty())
                out += ", each in " + o.rangeNote;
            else if (o.range)
                out += ", each in " + o.range->text();
            break;
        case OptionKind::Choice:
            out += ": " + joined(o.names, ", ");
            break;
        case OptionKind::NameList:
            out += ": " + joined(o.names, ",") + ", all or none";
            break;
        case OptionKind::Size:
            if (o.range)
                out += ", W in " + o.range->text() + ", H in " + o.heightRange.value_or(*o.range).text();
            break;
        case OptionKind::Flag:
        case OptionKind::Text:
            break;
    }
    if (!o.defaultNote.empty())
        out += " (default: " + o.defaultNote + ")";
    else if (!o.defaultValue.empty())
        out += " (default " + o.defaultValue + ")";
    return out;
}

// Breaks `text` into lines of at most `width` characters at spaces.
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t start = 0;
    while (start < text.size()) {
        auto space = text.find(' ', start);
        if (space == std::string::npos) space = text.size();
        const std::string word = text.substr(start, space - start);
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            lines.push_back(line);
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
        start = space + 1;
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
}

}  // namespace

int runReportingErrors(const std::string& command, const std::function<int()>& body, bool quietUsage) {
    try {
        return body();
    } catch (const core::ValidationError& e) {
        if (!quietUsage) std::fprintf(stderr, "attnsphere %s: %s\n", command.c_str(), e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attnsphere %s: error: %s\n", command.c_str(), e.what());
        return kExitFailure;
    }
}

std::string exitCodesHelp(std::string_view onSignal) {
    std::string out;
    for (const auto& line : wrap(
             "Exit codes: 0 success, 1 runtime failure (e.g. a numerical overflow: the message names the "
             "quantity), 2 invalid input (the message names the option or the scenario field and its allowed "
             "range, or the line and column of a malformed file), 128 + signal when stopped by a signal: 130 "
             "SIGINT (Ctrl-C), 143 SIGTERM, 129 SIGHUP (" +
                 std::string(onSignal) + ").",
             104))
        out += line + "\n";
    return out;
}

std::string aboutOption(std::string_view option, const std::string& message) {
    const std::string prefix = std::string(option) + ":";
    return message.starts_with(prefix) ? message : prefix + " " + message;
}

std::string formatNumber(double v) {
    char buf[40];
    if (std::floor(v) == v && std::abs(v) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

std::string Range::text() const {
    return std::string(loOpen ? "(" : "[") + formatNumber(lo) + ", " + formatNumber(hi) +
           (hiOpen ? ")" : "]");
}

double parseNumber(std::string_view option, std::string_view text, const Range& range) {
    double v = 0;
    if (!parseWhole(text, v) || !std::isfinite(v))
        invalid(option, "must be a number in " + range.text() + ", got '" + std::string(text) + "'");
    if (!range.contains(v)) invalid(option, "must be in " + range.text() + ", got " + std::string(text));
    return v;
}

long long parseInteger(std::string_view option, std::string_view text, const Range& range) {
    long long v = 0;
    const std::string allowed = range.text();
    if (!parseWhole(text, v))
        invalid(option, "must be an integer in " + allowed + ", got '" + std::string(text) + "'");
    if (!range.contains(static_cast<double>(v)))
        invalid(option, "must be an integer in " + allowed + ", got " + std::string(text));
    return v;
}

std::vector<std::string> splitList(std::string_view option, std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        out.emplace_back(
            text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    for (const auto& item : out)
        if (item.empty()) invalid(option, "empty item in list '" + std::string(text) + "'");
    return out;
}

OptionSpec OptionSpec::in(const Range& r) const {
    OptionSpec o = *this;
    o.range = r;
    return o;
}
OptionSpec OptionSpec::heightsIn(const Range& r) const {
    OptionSpec o = *this;
    o.heightRange = r;
    return o;
}
OptionSpec OptionSpec::rangeText(std::string note) const {
    OptionSpec o = *this;
    o.rangeNote = std::move(note);
    return o;
}
OptionSpec OptionSpec::oneOf(std::vector<std::string> allowed) const {
    OptionSpec o = *this;
    o.names = std::move(allowed);
    return o;
}
OptionSpec OptionSpec::byDefault(std::string value) const {
    OptionSpec o = *this;
    o.defaultValue = std::move(value);
    return o;
}
OptionSpec OptionSpec::defaultText(std::string note) const {
    OptionSpec o = *this;
    o.defaultNote = std::move(note);
    return o;
}
OptionSpec OptionSpec::helpText(std::string line) const {
    OptionSpec o = *this;
    o.help = std::move(line);
    return o;
}
OptionSpec OptionSpec::hide() const {
    OptionSpec o = *this;
    o.hidden = true;
    return o;
}

int liveSimulationThreads() {
    return std::max(1, QThread::idealThreadCount() - 1);
}

OptionSpec threadsOption() {
    return OptionSpec("--threads", "N", OptionKind::Integer, "worker threads for the dynamics")
        .in({1, 256})
        .defaultText("all cores");
}

OptionSpec quietOption() {
    return {"--quiet", "", OptionKind::Flag,
            "no progress bar and no summary (the bar is only drawn on a terminal)"};
}

OptionSpec compareOption() {
    std::string recipes;
    for (const core::ComparisonRecipe& r : core::comparisonRecipes())
        recipes += (recipes.empty() ? "" : ", ") + std::string(r.id);
    return {"--compare", "FILE", OptionKind::Text,
            "two to four runs from the same start, side by side: a comparison file (doc/COMPARISONS.md), or "
            "RECIPE:SCENARIO, a recipe (" +
                recipes + ") applied to a preset or scenario file"};
}

const OptionSpec* CommandSpec::find(std::string_view option) const {
    for (const auto& o : options)
        if (o.name == option) return &o;
    return nullptr;
}

std::string optionsHelp(const std::vector<OptionSpec>& options, int indent) {
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    constexpr std::size_t kColumn = 28, kWidth = 104;
    std::string out;
    for (const auto& o : options) {
        if (o.hidden) continue;
        std::string left = pad + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
        left += left.size() + 1 < kColumn + static_cast<std::size_t>(indent)
                    ? std::string(kColumn + static_cast<std::size_t>(indent) - left.size(), ' ')
                    : "  ";
        const std::size_t column = left.size();
        const auto lines = wrap(o.help + details(o), kWidth - column);
        for (std::size_t i = 0; i < lines.size(); ++i)
            out += (i == 0 ? left : std::string(column, ' ')) + lines[i] + "\n";
    }
    return out;
}

std::string helpText(const CommandSpec& command) {
    std::string out;
    for (std::size_t i = 0; i < command.usage.size(); ++i)
        out += std::string(i == 0 ? "Usage: " : "       ") + "attnsphere " + command.usage[i] + "\n";
    if (!command.description.empty()) out += "\n" + command.description;
    if (!command.options.empty()) out += "\nOptions:\n" + optionsHelp(command.options);
    if (!command.footer.empty()) out += "\n" + command.footer;
    return out;
}

ParsedOptions::ParsedOptions(const CommandSpec& command, const std::vector<std::string>& args)
    : m_command(command) {
    const std::string who = command.name.empty() ? "attnsphere" : command.name;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") {
            m_help = true;
            continue;
        }
        if (arg.rfind("--", 0) != 0 || arg == "--") {
            m_positional.push_back(arg);
            continue;
        }
        std::string name = arg, value;
        bool inlineValue = false;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            inlineValue = true;
        }
        const OptionSpec* spec = command.find(name);
        if (!spec) {
            std::string known;
            for (const auto& o : command.options)
                if (!o.hidden) known += " " + o.name;
            throw core::ValidationError(
                "", "unknown option '" + name + "' for '" + who + "' (options:" + known + ")");
        }
        if (has(name)) invalid(name, "given twice");
        if (spec->kind == OptionKind::Flag) {
            if (inlineValue) invalid(name, "takes no value");
        } else if (!inlineValue) {
            if (i + 1 >= args.size()) invalid(name, "missing value");
            value = args[++i];
        }
        check(*spec, value);
        m_values.emplace_back(name, value);
    }
}

bool ParsedOptions::has(std::string_view option) const {
    return std::any_of(m_values.begin(), m_values.end(), [&](const auto& v) { return v.first == option; });
}

const OptionSpec& ParsedOptions::spec(std::string_view option, OptionKind kind) const {
    const OptionSpec* s = m_command.find(option);
    if (!s || s->kind != kind)
        throw std::logic_error("option " + std::string(option) + " asked as another kind");
    return *s;
}

std::string ParsedOptions::raw(const OptionSpec& spec) const {
    for (const auto& [name, value] : m_values)
        if (name == spec.name) return value;
    return spec.defaultValue;
}

std::string ParsedOptions::text(std::string_view option) const {
    return raw(spec(option, OptionKind::Text));
}

long long ParsedOptions::integer(std::string_view option) const {
    const OptionSpec& s = spec(option, OptionKind::Integer);
    return parseInteger(s.name, raw(s), rangeOf(s));
}

double ParsedOptions::number(std::string_view option) const {
    const OptionSpec& s = spec(option, OptionKind::Number);
    return parseNumber(s.name, raw(s), rangeOf(s));
}

double ParsedOptions::number(std::string_view option, const Range& range) const {
    const OptionSpec& s = spec(option, OptionKind::Number);
    return parseNumber(s.name, raw(s), range);
}

std::string ParsedOptions::choice(std::string_view option) const {
    return raw(spec(option, OptionKind::Choice));
}

std::vector<std::string> ParsedOptions::names(std::string_view option) const {
    const OptionSpec& s = spec(option, OptionKind::NameList);
    return parseNames(s, raw(s));
}

std::vector<double> ParsedOptions::numbers(std::string_view option) const {
    return numbers(option, rangeOf(spec(option, OptionKind::NumberList)));
}

std::vector<double> ParsedOptions::numbers(std::string_view option, const Range& range) const {
    const OptionSpec& s = spec(option, OptionKind::NumberList);
    std::vector<double> out;
    for (const auto& item : splitList(s.name, raw(s))) out.push_back(parseNumber(s.name, item, range));
    return out;
}

std::vector<long long> ParsedOptions::integers(std::string_view option) const {
    const OptionSpec& s = spec(option, OptionKind::IntegerList);
    std::vector<long long> out;
    for (const auto& item : splitList(s.name, raw(s))) out.push_back(parseInteger(s.name, item, rangeOf(s)));
    return out;
}

std::vector<std::pair<double, double>> ParsedOptions::pairs(std::string_view option) const {
    const OptionSpec& s = spec(option, OptionKind::PairList);
    std::vector<std::pair<double, double>> out;
    for (const auto& item : splitList(s.name, raw(s))) {
        const auto colon = item.find(':');
        const double a = parseNumber(s.name, item.substr(0, colon), rangeOf(s));
        const double b =
            colon == std::string::npos ? a : parseNumber(s.name, item.substr(colon + 1), rangeOf(s));
        out.emplace_back(a, b);
    }
    return out;
}

Size ParsedOptions::size(std::string_view option) const {
    const OptionSpec& s = spec(option, OptionKind::Size);
    return parseSize(s, raw(s));
}

}  // namespace attnsphere::app
