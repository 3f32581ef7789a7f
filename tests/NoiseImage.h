#pragma once
// Test helper: an image that no codec can shrink (full-disk tests need files far larger than the limit).
#include <QImage>

namespace attnsphere::testing {

// Incompressible content, so an image file of it is far larger than a small FullDisk limit.
inline QImage incompressibleImage(int w, int h) {
    QImage img(w, h, QImage::Format_RGBA8888);
    quint32 state = 12345;
    for (int y = 0; y < h; ++y) {
        uchar* row = img.scanLine(y);
        for (int x = 0; x < 4 * w; ++x) {
            state = state * 1664525u + 1013904223u;
            row[x] = static_cast<uchar>(state >> 24);
        }
    }
    return img;
}

}  // namespace attnsphere::testing
