// The options layer: ranges with open and closed ends, numbers that are not numbers (NaN, 1e400, "",
// words), lists, choices, sizes, unknown and repeated options, defaults, and the generated help text.
#include "app/CommandLine.h"
#include "app/Options.h"
#include "core/Errors.h"

#include <QtTest>

#include <string>
#include <vector>

using namespace attnsphere;
using app::OptionKind;
using app::OptionSpec;
using app::Range;

namespace {

const app::CommandSpec& table() {
    static const app::CommandSpec command{
        "demo",
        {"demo [options]"},
        "A command for the tests.\n",
        {OptionSpec("--open", "X", OptionKind::Number, "open ends").in({0, 1, true, true}),
         OptionSpec("--closed", "X", OptionKind::Number, "closed ends").in({0, 1}).byDefault("0.5"),
         OptionSpec("--count", "N", OptionKind::Integer, "an integer").in({1, 10}).byDefault("3"),
         OptionSpec("--flag", "", OptionKind::Flag, "a flag"),
         OptionSpec("--name", "TEXT", OptionKind::Text, "free text"),
         OptionSpec("--mode", "MODE", OptionKind::Choice, "a choice").oneOf({"a", "b"}).byDefault("a"),
         OptionSpec("--parts", "LIST", OptionKind::NameList, "a subset").oneOf({"x", "y", "z"}),
         OptionSpec("--values", "LIST", OptionKind::NumberList, "numbers")
             .in({0, 10, true, false})
             .byDefault("1,2"),
         OptionSpec("--ns", "LIST", OptionKind::IntegerList, "integers").in({2, 100}).byDefault("2"),
         OptionSpec("--pairs", "LIST", OptionKind::PairList, "pairs").in({0, 100}).byDefault("1:1"),
         OptionSpec("--size", "WxH", OptionKind::Size, "a size")
             .in({16, 3840})
             .heightsIn({16, 2160})
             .byDefault("1280x720"),
         OptionSpec("--secret", "N", OptionKind::Integer, "hidden").in({0, 1}).hide()},
        "Exit codes: none.\n"};
    return command;
}

// The message of the ValidationError that parsing `args` throws ("" if none).
QString error(const std::vector<std::string>& args) {
    try {
        app::ParsedOptions p(table(), args);
    } catch (const core::ValidationError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace

class TestOptions : public QObject {
    Q_OBJECT

private slots:
    void rangeEnds() {
        QVERIFY(!Range(0, 1, true, true).contains(0));
        QVERIFY(!Range(0, 1, true, true).contains(1));
        QVERIFY(Range(0, 1, true, true).contains(0.5));
        QVERIFY(Range(0, 1).contains(0) && Range(0, 1).contains(1));
        QCOMPARE(QString::fromStdString(Range(0, 1000, true, false).text()), QString("(0, 1000]"));
        QCOMPARE(QString::fromStdString(Range(-0.25, 1, false, true).text()), QString("[-0.25, 1)"));
        QCOMPARE(error({"--open", "0"}), QString("--open: must be in (0, 1), got 0"));
        QCOMPARE(error({"--open", "1"}), QString("--open: must be in (0, 1), got 1"));
        QCOMPARE(error({"--open", "0.999"}), QString());
        QCOMPARE(error({"--closed", "0"}), QString());
        QCOMPARE(error({"--closed", "1"}), QString());
        QCOMPARE(error({"--closed", "1.0000001"}), QString("--closed: must be in [0, 1], got 1.0000001"));
        QCOMPARE(error({"--count", "11"}), QString("--count: must be an integer in [1, 10], got 11"));
        QCOMPARE(error({"--count", "10"}), QString());
    }

    void notNumbers_data() {
        QTest::addColumn<QString>("text");
        for (const char* bad : {"nan", "NaN", "inf", "-inf", "1e400", "-1e400", "", "abc", "0.5x", " 0.5",
                                "0,5", "0x1", "--0.5", "+-0.5"})
            QTest::newRow(bad) << QString(bad);
    }
    void notNumbers() {
        QFETCH(QString, text);
        const std::string t = text.toStdString();
        QCOMPARE(error({"--closed", t}), "--closed: must be a number in [0, 1], got '" + text + "'");
        QCOMPARE(error({"--count=" + t}), "--count: must be an integer in [1, 10], got '" + text + "'");
    }

    void numbersIgnoreTheLocale() {
        // Qt sets the C locale from the environment; a decimal comma locale must not change parsing.
        QCOMPARE(app::parseNumber("--x", "0.25", Range(0, 1)), 0.25);
        QCOMPARE(app::parseNumber("--x", "+0.25", Range(0, 1)), 0.25);
        QCOMPARE(app::parseNumber("--x", "2.5e-1", Range(0, 1)), 0.25);
        QCOMPARE(app::parseInteger("--n", "7", Range(1, 10)), 7LL);
        QCOMPARE(error({"--count", "1.0"}), QString("--count: must be an integer in [1, 10], got '1.0'"));
        QCOMPARE(error({"--count", "99999999999999999999"}),
                 QString("--count: must be an integer in [1, 10], got '99999999999999999999'"));
    }

    void listsAndChoices() {
        const app::ParsedOptions p(table(), {"--values", "0.5,10", "--ns=3,100", "--pairs", "1:2,3",
                                             "--parts", "z,x,z", "--mode", "b"});
        QCOMPARE(p.numbers("--values"), (std::vector<double>{0.5, 10}));
        QCOMPARE(p.integers("--ns"), (std::vector<long long>{3, 100}));
        QCOMPARE(p.pairs("--pairs"), (std::vector<std::pair<double, double>>{{1, 2}, {3, 3}}));
        QCOMPARE(p.names("--parts"), (std::vector<std::string>{"x", "z"}));  // table order, once each
        QCOMPARE(p.choice("--mode"), std::string("b"));
        QCOMPARE(app::ParsedOptions(table(), {"--parts", "all"}).names("--parts"),
                 (std::vector<std::string>{"x", "y", "z"}));
        QVERIFY(app::ParsedOptions(table(), {"--parts", "none"}).names("--parts").empty());
        QVERIFY(app::ParsedOptions(table(), {}).names("--parts").empty());
        QCOMPARE(error({"--values", "1,,2"}), QString("--values: empty item in list '1,,2'"));
        QCOMPARE(error({"--values", "1,"}), QString("--values: empty item in list '1,'"));
        QCOMPARE(error({"--values", "1,0"}), QString("--values: must be in (0, 10], got 0"));
        QCOMPARE(error({"--ns", "2,1"}), QString("--ns: must be an integer in [2, 100], got 1"));
        QCOMPARE(error({"--pairs", "1:x"}), QString("--pairs: must be a number in [0, 100], got 'x'"));
        QCOMPARE(error({"--pairs", "1:200"}), QString("--pairs: must be in [0, 100], got 200"));
        QCOMPARE(error({"--parts", "x,w"}),
                 QString("--parts: must be a list of x, y, z (or all, none), got 'w'"));
        QCOMPARE(error({"--mode", "c"}), QString("--mode: must be one of a, b, got 'c'"));
        QCOMPARE(error({"--mode", ""}), QString("--mode: must be one of a, b, got ''"));
    }

    // A loader's message about an option's value names the option once.
    void aboutOptionNamesItOnce() {
        QCOMPARE(app::aboutOption("--compare", "'x' is neither a file"),
                 std::string("--compare: 'x' is neither a file"));
        QCOMPARE(app::aboutOption("--compare", "--compare: 'x' is neither a file"),
                 std::string("--compare: 'x' is neither a file"));
        QCOMPARE(app::aboutOption("--lecture", "--lectures: other"),
                 std::string("--lecture: --lectures: other"));
    }

    void sizes() {
        const app::Size s = app::ParsedOptions(table(), {"--size", "640x480"}).size("--size");
        QCOMPARE(s.width, 640);
        QCOMPARE(s.height, 480);
        QCOMPARE(app::ParsedOptions(table(), {}).size("--size").width, 1280);
        QCOMPARE(error({"--size", "big"}), QString("--size: must be WxH (e.g. 1280x720), got 'big'"));
        QCOMPARE(error({"--size", "640x"}), QString("--size: must be WxH (e.g. 1280x720), got '640x'"));
        QCOMPARE(error({"--size", "5000x100"}),
                 QString("--size: width must be in [16, 3840] and height in [16, 2160], got 5000x100"));
        QCOMPARE(error({"--size", "3840x2161"}),
                 QString("--size: width must be in [16, 3840] and height in [16, 2160], got 3840x2161"));
    }

    void commandLineShape() {
        QCOMPARE(error({"--fast"}),
                 QString("unknown option '--fast' for 'demo' (options: --open --closed --count "
                         "--flag --name --mode --parts --values --ns --pairs --size)"));
        QCOMPARE(error({"--count", "2", "--count=3"}), QString("--count: given twice"));
        QCOMPARE(error({"--flag=yes"}), QString("--flag: takes no value"));
        QCOMPARE(error({"--count"}), QString("--count: missing value"));
        const app::ParsedOptions p(table(), {"one", "--flag", "--name", "-x", "two", "--", "--help"});
        QVERIFY(p.has("--flag") && !p.has("--count"));
        QCOMPARE(p.text("--name"), std::string("-x"));  // a value may start with a dash
        QCOMPARE(p.positional(), (std::vector<std::string>{"one", "two", "--"}));
        QVERIFY(p.helpRequested());
        // Defaults when absent; a hidden option is accepted.
        QCOMPARE(p.number("--closed"), 0.5);
        QCOMPARE(p.integer("--count"), 3LL);
        QCOMPARE(p.choice("--mode"), std::string("a"));
        QCOMPARE(app::ParsedOptions(table(), {"--secret", "1"}).integer("--secret"), 1LL);
        // A range known only after parsing (e.g. rho1 > rho0).
        const app::ParsedOptions q(table(), {"--closed", "0.25"});
        QCOMPARE(q.number("--closed", Range(0, 0.5)), 0.25);
        QVERIFY_THROWS_EXCEPTION(core::ValidationError, q.number("--closed", Range(0.25, 0.5, true, false)));
    }

    void helpIsGeneratedFromTheTable() {
        const QString help = QString::fromStdString(app::helpText(table()));
        QVERIFY2(
            help.startsWith("Usage: attnsphere demo [options]\n\nA command for the tests.\n\nOptions:\n"),
            qPrintable(help));
        for (const auto& o : table().options)
            QCOMPARE(help.contains(QString::fromStdString(o.name + " ")), !o.hidden);
        for (const char* needle : {"--open X", "X in (0, 1)", "(default 0.5)", "N in [1, 10]", "--mode MODE",
                                   "a choice: a, b", "x,y,z, all or none", "each in (0, 10]",
                                   "W in [16, 3840], H in [16, 2160]", "Exit codes: none."})
            QVERIFY2(help.contains(needle), needle);
        for (const QString& line : help.split('\n')) QVERIFY2(line.size() <= 104, qPrintable(line));
    }

    // Every table the command line has: run and each theory topic list all their options in --help.
    void commandTablesAreConsistent() {
        std::vector<const app::CommandSpec*> tables = app::theoryCommandSpecs();
        tables.push_back(&app::runCommandSpec());
        for (const app::CommandSpec* t : tables) {
            const QString help = QString::fromStdString(app::helpText(*t));
            for (const auto& o : t->options) {
                QVERIFY2(help.contains(QString::fromStdString(o.name)), (t->name + " " + o.name).c_str());
            }
            // A default must itself be a valid value.
            for (const auto& o : t->options) {
                if (o.defaultValue.empty()) continue;
                try {
                    app::ParsedOptions(*t, {o.name, o.defaultValue});
                } catch (const core::ValidationError& e) {
                    QFAIL((t->name + ": default of " + o.name + ": " + e.what()).c_str());
                }
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestOptions)
#include "test_options.moc"
