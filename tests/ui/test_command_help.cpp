// Every command's --help lists every option of its table (main window, run, render, sweep, sweeps, each
// theory topic, and the overview), and the main window and `render` reject the same bad picture options with
// the same message: both read them from one table.
#include "app/CommandLine.h"
#include "render/RenderCommand.h"
#include "render/RenderOptions.h"
#include "render/SweepCommand.h"
#include "ui/GuiMain.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere;

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

Run run(const QStringList& args) {
    QProcess p;
    p.start(ATTNSPHERE_EXE, args);
    p.waitForFinished(120000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

// Every listed option of `table` appears in `help` with its value name.
void listsEveryOption(const app::CommandSpec& table, const QString& help) {
    for (const auto& o : table.options) {
        const QString shown = QString::fromStdString(o.name + (o.valueName.empty() ? "" : " " + o.valueName));
        QVERIFY2(help.contains(shown) != o.hidden,
                 qPrintable(QString::fromStdString(table.name) + ": " + shown));
    }
}

// The message after "attnsphere: " or "attnsphere render: ".
QString message(const Run& r) {
    const int colon = r.err.indexOf(": ");
    return r.err.mid(colon + 2).trimmed();
}

}  // namespace

class TestCommandHelp : public QObject {
    Q_OBJECT

private slots:
    void everyCommandListsItsTable() {
        const Run overview = run({"--help"});
        QCOMPARE(overview.code, 0);
        listsEveryOption(ui::guiCommandSpec(), overview.out);
        listsEveryOption(app::runCommandSpec(), overview.out);
        for (const auto* topic : app::theoryCommandSpecs()) listsEveryOption(*topic, overview.out);
        for (const auto& o : render::renderCommandSpec().options)
            QVERIFY2(overview.out.contains(QString::fromStdString(o.name)), o.name.c_str());

        const Run runHelp = run({"run", "--help"});
        QCOMPARE(runHelp.code, 0);
        QVERIFY(runHelp.out.startsWith("Usage: attnsphere run SCENARIO|PRESET --out DIR"));
        listsEveryOption(app::runCommandSpec(), runHelp.out);
        QVERIFY(runHelp.out.contains("Exit codes"));

        const Run renderHelp = run({"render", "--help"});
        QCOMPARE(renderHelp.code, 0);
        listsEveryOption(render::renderCommandSpec(), renderHelp.out);
        QVERIFY(renderHelp.out.contains("Exit codes"));

        for (const auto* topic : app::theoryCommandSpecs()) {
            const QStringList words = QString::fromStdString(topic->name).split(' ');
            const Run r = run(words + QStringList{"--help"});
            QCOMPARE(r.code, 0);
            listsEveryOption(*topic, r.out);
        }
        const Run theory = run({"theory", "--help"});
        QCOMPARE(theory.code, 0);
        for (const auto* topic : app::theoryCommandSpecs()) listsEveryOption(*topic, theory.out);

        for (const auto* table : {&render::sweepCommandSpec(), &render::sweepsCommandSpec()}) {
            listsEveryOption(*table, overview.out);
            const Run r = run({QString::fromStdString(table->name), "--help"});
            QCOMPARE(r.code, 0);
            QVERIFY(r.out.startsWith(QString::fromStdString("Usage: attnsphere " + table->name)));
            listsEveryOption(*table, r.out);
        }

        // The main window's own --help (after Qt has started).
        const Run gui = run({"--scenario", "default", "--help"});
        QCOMPARE(gui.code, 0);
        listsEveryOption(ui::guiCommandSpec(), gui.out);
    }

    void guiAndRenderRejectTheSameValues_data() {
        QTest::addColumn<QStringList>("option");
        QTest::addColumn<QString>("expected");
        QTest::newRow("trail high") << QStringList{"--trail", "501"}
                                    << "--trail: must be an integer in [0, 500], got 501";
        QTest::newRow("trail negative")
            << QStringList{"--trail", "-1"} << "--trail: must be an integer in [0, 500], got -1";
        QTest::newRow("trail text") << QStringList{"--trail", "long"}
                                    << "--trail: must be an integer in [0, 500], got 'long'";
        QTest::newRow("colour radial")
            << QStringList{"--colour", "radial"}
            << "--colour: must be one of index, cluster, head, entropy, shadow, radius, got "
               "'radial'";
        QTest::newRow("colour empty")
            << QStringList{"--colour="}
            << "--colour: must be one of index, cluster, head, entropy, shadow, radius, got ''";
    }
    void guiAndRenderRejectTheSameValues() {
        QFETCH(QStringList, option);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const Run gui = run(option);
        const Run renderRun = run(QStringList{"render", "default", "--out", dir.filePath("v.mp4")} + option);
        QCOMPARE(gui.code, 2);
        QCOMPARE(renderRun.code, 2);
        QCOMPARE(message(gui), expected);
        QCOMPARE(message(renderRun), expected);
        QVERIFY(gui.out.isEmpty() && renderRun.out.isEmpty());
    }

    // The colour names are one table: each parses back to its mode, and the GUI combo lists them all.
    void colourNamesRoundTrip() {
        for (const auto& m : render::colourModes()) {
            QCOMPARE(render::colourModeFromString(m.name), std::optional<render::ColourMode>(m.mode));
            QCOMPARE(render::toString(m.mode), m.name);
        }
        QVERIFY(!render::colourModeFromString("radial"));
    }
};

QTEST_GUILESS_MAIN(TestCommandHelp)
#include "test_command_help.moc"
