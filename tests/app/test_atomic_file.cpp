// writeFile/writePng: complete files only, and a failure names the system's reason (a full disk used to be
// reported as "Unknown error"). FullDisk (a file-size limit) stands in for a full device.
#include "FullDisk.h"
#include "NoiseImage.h"
#include "app/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using attnsphere::app::FileWriteError;
using attnsphere::app::writePng;

namespace {}  // namespace

class TestAtomicFile : public QObject {
    Q_OBJECT
private slots:
    void writesAReadablePng() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.png"));
        const QImage image = attnsphere::testing::incompressibleImage(64, 32);
        writePng(image, path);
        QImage back(path);
        QCOMPARE(back.size(), image.size());
        QCOMPARE(back.convertToFormat(QImage::Format_RGBA8888), image);
    }

    void fullDiskSaysWhyAndLeavesNothing() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("big.png"));
        QString message;
        {
            const attnsphere::testing::FullDisk full(4096);
            try {
                writePng(attnsphere::testing::incompressibleImage(512, 512), path);
            } catch (const FileWriteError& e) {
                message = QString::fromUtf8(e.what());
            }
        }
        QVERIFY2(!message.isEmpty(), "writing past the size limit must fail");
        QVERIFY2(message.contains(path), qPrintable(message));
        QVERIFY2(message.contains(QString::fromUtf8(std::strerror(EFBIG))), qPrintable(message));
        QVERIFY2(!message.contains(QStringLiteral("Unknown error")), qPrintable(message));
        QVERIFY(!QFile::exists(path));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
    }

    void fullDiskKeepsTheEarlierFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("scenario.json"));
        attnsphere::app::writeFile(path, QByteArray("{\"n\": 8}\n"));
        bool failed = false;
        {
            const attnsphere::testing::FullDisk full(4096);
            try {
                attnsphere::app::writeFile(path, QByteArray(100000, 'x'));
            } catch (const FileWriteError& e) {
                failed = QString::fromUtf8(e.what()).contains(QString::fromUtf8(std::strerror(EFBIG)));
            }
        }
        QVERIFY(failed);
        QFile back(path);
        QVERIFY(back.open(QIODevice::ReadOnly));
        QCOMPARE(back.readAll(), QByteArray("{\"n\": 8}\n"));
    }
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "test_atomic_file.moc"
