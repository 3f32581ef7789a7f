#pragma once
// The nice value of this process's thread named `name` (/proc/self/task/*/comm), and of the main thread:
// for the tests that the workers run behind the display (app/WorkerThread.h).
#include <QDir>
#include <QFile>
#include <QString>
#include <QStringList>

#include <optional>

namespace attnsphere::testing {

// Field 19 of /proc/.../stat, after the parenthesised command name (which may hold spaces).
inline std::optional<int> niceFromStat(const QString& statPath) {
    QFile f(statPath);
    if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
    const QString stat = QString::fromLatin1(f.readAll());
    const QStringList fields = stat.mid(stat.lastIndexOf(QLatin1Char(')')) + 2).split(QLatin1Char(' '));
    if (fields.size() < 17) return std::nullopt;
    bool ok = false;
    const int nice = fields[16].toInt(&ok);  // field 19 of the whole line: 17th after the name
    return ok ? std::optional<int>(nice) : std::nullopt;
}

inline std::optional<int> niceOfThread(const QString& name) {
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString& tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        if (!comm.open(QIODevice::ReadOnly)) continue;
        if (QString::fromLatin1(comm.readAll()).trimmed() == name)
            return niceFromStat(tasks.filePath(tid + QStringLiteral("/stat")));
    }
    return std::nullopt;
}

inline std::optional<int> niceOfMainThread() {
    return niceFromStat(QStringLiteral("/proc/self/stat"));
}

}  // namespace attnsphere::testing
