#pragma once
// The command-line options of every command (GUI, run, theory, render), declared as tables: one parser
// turns arguments into typed values and reports a bad one as core::ValidationError naming the option
// and its allowed range or names; each command's --help is generated from its table.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnsphere::app {

// Exit codes of every command. A command stopped by a signal exits 128 + the signal (130 SIGINT,
// 143 SIGTERM, 129 SIGHUP), as a shell reports it.
constexpr int kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitSignalBase = 128;
// The exit-code paragraph of --help; `onSignal` says what an interrupted command leaves behind.
std::string exitCodesHelp(std::string_view onSignal);
// Runs a command's body and turns what it throws into the exit codes above: core::ValidationError is
// printed as "attnsphere COMMAND: message" (exit 2), any other std::exception as "attnsphere COMMAND:
// error: message" (exit 1). `quietUsage` leaves bad input unprinted (MPI ranks other than 0: every rank
// parses the same arguments and rank 0 reports them).
int runReportingErrors(const std::string& command, const std::function<int()>& body, bool quietUsage = false);

// `message` about the value of `option`, prefixed with the option's name unless it already starts with it
// (a loader may name the option itself): "--compare: 'x' is neither ...", never "--compare: --compare: ...".
std::string aboutOption(std::string_view option, const std::string& message);

// A number as the messages and tables print it: integers without a fraction, others with 10 digits.
std::string formatNumber(double v);

// An interval of allowed values; each end open or closed.
struct Range {
    double lo = 0, hi = 0;
    bool loOpen = false, hiOpen = false;
    constexpr Range() = default;
    constexpr Range(double lo_, double hi_, bool loOpen_ = false, bool hiOpen_ = false)
        : lo(lo_), hi(hi_), loOpen(loOpen_), hiOpen(hiOpen_) {}
    bool contains(double v) const { return (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi); }
    std::string text() const;  // "(0, 1000]"
};

enum class OptionKind {
    Flag,         // no value
    Integer,      // within `range`
    Number,       // finite, within `range`
    Text,         // any text
    Choice,       // one of `names`
    NameList,     // comma-separated subset of `names`, or "all" / "none"
    NumberList,   // comma-separated numbers, each within `range`
    IntegerList,  // comma-separated integers, each within `range`
    PairList,     // comma-separated A:B pairs (A alone means B = A), each number within `range`
    Size,         // WxH; width within `range`, height within `heightRange`
};

// One option: built as OptionSpec(name, value name, kind, help) and refined with the setters, e.g.
// OptionSpec("--trail", "N", OptionKind::Integer, "trail length").in({0, 500}).byDefault("30").
struct OptionSpec {
    std::string name;       // "--trail"
    std::string valueName;  // "N" (empty for a flag)
    OptionKind kind = OptionKind::Flag;
    std::string help;                  // one line: what it is, without range or default
    std::optional<Range> range;        // none: checked by the command (a range depending on other values)
    std::optional<Range> heightRange;  // Size only
    std::string rangeNote;             // the range in words when it depends on other values
    std::vector<std::string> names;    // Choice, NameList
    std::string defaultValue;          // used when the option is absent (empty: no value)
    std::string defaultNote;           // the default in words when it is not a fixed value
    bool hidden = false;               // accepted but not listed by --help

    OptionSpec(std::string name_, std::string valueName_, OptionKind kind_, std::string help_)
        : name(std::move(name_)), valueName(std::move(valueName_)), kind(kind_), help(std::move(help_)) {}
    OptionSpec in(const Range& r) const;
    OptionSpec heightsIn(const Range& r) const;
    OptionSpec rangeText(std::string note) const;
    OptionSpec oneOf(std::vector<std::string> allowed) const;
    OptionSpec byDefault(std::string value) const;
    OptionSpec defaultText(std::string note) const;
    OptionSpec helpText(std::string line) const;
    OptionSpec hide() const;
};

// One command's table and the text around it in --help.
struct CommandSpec {
    std::string name;                // "run", "theory rates"; "" for the main window
    std::vector<std::string> usage;  // usage lines without "attnsphere "
    std::string description;         // paragraphs shown between usage and options
    std::vector<OptionSpec> options;
    std::string footer;  // shown after the options (e.g. exit codes)
    const OptionSpec* find(std::string_view option) const;
};

// The generated --help: usage, description, an "Options:" list, footer.
std::string helpText(const CommandSpec& command);
// The options list alone, each line indented by `indent` spaces.
std::string optionsHelp(const std::vector<OptionSpec>& options, int indent = 2);

struct Size {
    int width = 0, height = 0;
};

// Arguments parsed against a table: "--name VALUE" and "--name=VALUE" for valued options; every given
// value is checked against its kind and static range while parsing. Arguments not starting with "--"
// are positional. Throws core::ValidationError ("<option>: ..." or, for the command as a whole,
// "unknown option ..."), meant for "attnsphere <command>: <message>" with exit code 2.
class ParsedOptions {
public:
    ParsedOptions(const CommandSpec& command, const std::vector<std::string>& args);

    bool helpRequested() const { return m_help; }
    const std::vector<std::string>& positional() const { return m_positional; }
    // Given on the command line (defaults do not count).
    bool has(std::string_view option) const;

    // Typed values: the given one, else the table's default. Asking for an option without either, or of
    // another kind, is a programming error (std::logic_error).
    std::string text(std::string_view option) const;
    long long integer(std::string_view option) const;
    double number(std::string_view option) const;
    double number(std::string_view option, const Range& range) const;  // range known only now
    std::string choice(std::string_view option) const;
    std::vector<std::string> names(std::string_view option) const;
    std::vector<double> numbers(std::string_view option) const;
    std::vector<double> numbers(std::string_view option, const Range& range) const;
    std::vector<long long> integers(std::string_view option) const;
    std::vector<std::pair<double, double>> pairs(std::string_view option) const;
    Size size(std::string_view option) const;

private:
    const OptionSpec& spec(std::string_view option, OptionKind kind) const;
    std::string raw(const OptionSpec& spec) const;

    const CommandSpec& m_command;
    std::vector<std::pair<std::string, std::string>> m_values;  // option -> text as given
    std::vector<std::string> m_positional;
    bool m_help = false;
};

// The options shared by the long commands (run, render), defined once.
OptionSpec threadsOption();  // --threads N: worker threads for the dynamics, default all cores
// Worker threads of a simulation shown live (main window, comparison window): all cores but one, which is
// left to the GUI thread and the software rasteriser (measured on 2 cores: two simulation threads halve the
// view's frame rate; a two-run comparison at n = 1000 drew 9 instead of 22 fps).
int liveSimulationThreads();
OptionSpec quietOption();  // --quiet: no progress bar and no summary
// --compare FILE (or RECIPE:SCENARIO): a comparison (the GUI's window, `render`'s side-by-side video).
OptionSpec compareOption();

// The parsing rules themselves, for values that do not come from a command line (and for tests).
double parseNumber(std::string_view option, std::string_view text, const Range& range);
long long parseInteger(std::string_view option, std::string_view text, const Range& range);
std::vector<std::string> splitList(std::string_view option, std::string_view text);

}  // namespace attnsphere::app
