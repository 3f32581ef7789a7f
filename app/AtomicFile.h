#pragma once
// Writes whole files through QSaveFile: a file appears under its name only when complete (an earlier
// file of that name stays intact on failure), and a failure says why in the system's words ("No space
// left on device"), never Qt's "Unknown error".
#include <QByteArray>
#include <QImage>
#include <QString>

#include <stdexcept>

namespace attnsphere::app {

class FileWriteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Both throw FileWriteError naming the path and the reason.
void writeFile(const QString& path, const QByteArray& bytes);
void writePng(const QImage& image, const QString& path);

}  // namespace attnsphere::app
