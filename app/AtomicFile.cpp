#include "app/AtomicFile.h"

#include <QBuffer>
#include <QImageWriter>
#include <QSaveFile>

#include <cerrno>
#include <cstring>

namespace attnsphere::app {

namespace {
[[noreturn]] void fail(const QString& path, const QString& reason) {
    throw FileWriteError(QStringLiteral("cannot write %1: %2").arg(path, reason).toStdString());
}
}  // namespace

void writeFile(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) fail(path, file.errorString());
    errno = 0;
    const qint64 written = file.write(bytes);
    // Qt reports a short write (disk full, size limit) as a short count with no error, and would then
    // commit the truncated file: check the count, and take the reason from errno.
    if (written != bytes.size()) {
        const int error = errno;
        file.cancelWriting();
        fail(path, error != 0 ? QString::fromLocal8Bit(std::strerror(error))
                              : QStringLiteral("only %1 of %2 bytes written").arg(written).arg(bytes.size()));
    }
    if (!file.commit()) fail(path, file.errorString());
}

void writePng(const QImage& image, const QString& path) {
    if (image.isNull()) fail(path, QStringLiteral("the image is empty"));
    // Encode in memory first: a PNG encoder writing to a failing device only knows "Unknown error".
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "png");
    if (!writer.write(image)) fail(path, writer.errorString());
    writeFile(path, bytes);
}

}  // namespace attnsphere::app
