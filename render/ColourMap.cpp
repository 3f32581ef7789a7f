#include "render/ColourMap.h"

#include <qcustomplot.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace attnsphere::render {
namespace {

QColor lerpStops(const QRgb* stops, int count, double t) {
    t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
    const double x = t * (count - 1);
    const int k = std::min(static_cast<int>(x), count - 2);
    const double f = x - k;
    const QColor a(stops[k]), b(stops[k + 1]);
    return QColor::fromRgbF(static_cast<float>(a.redF() + f * (b.redF() - a.redF())),
                            static_cast<float>(a.greenF() + f * (b.greenF() - a.greenF())),
                            static_cast<float>(a.blueF() + f * (b.blueF() - a.blueF())));
}

}  // namespace

QColor viridis(double t) {
    static constexpr std::array<QRgb, 9> kStops{0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c,
                                                0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};
    return lerpStops(kStops.data(), static_cast<int>(kStops.size()), t);
}

QColor diverging(double t) {
    static constexpr std::array<QRgb, 7> kStops{0x2166ac, 0x67a9cf, 0xb4cde0, 0xe0e0e0,
                                                0xfdb863, 0xe08214, 0xb35806};
    return lerpStops(kStops.data(), static_cast<int>(kStops.size()), 0.5 * (t + 1.0));
}

QColor categoricalColour(int k) {
    static constexpr std::array<QRgb, 8> kOkabeIto{0xE69F00, 0x56B4E9, 0x009E73, 0xD55E00,
                                                   0xCC79A7, 0xF0E442, 0x0072B2, 0xBBBBBB};
    const int n = static_cast<int>(kOkabeIto.size());
    const int m = ((k % n) + n) % n;
    QColor c(kOkabeIto[static_cast<std::size_t>(m)]);
    // Beyond eight categories, later cycles are lighter so that they stay distinguishable.
    const int cycle = (k >= 0 ? k : -k) / n;
    return cycle == 0 ? c : c.lighter(100 + 25 * std::min(cycle, 3));
}

QColor indexColour(int i, int n) {
    const double t = n > 1 ? static_cast<double>(i) / (n - 1) : 0.0;
    return QColor::fromHsvF(static_cast<float>(0.83 * t), 0.62f, 1.0f);
}

QCPColorGradient colourGradient(QColor (*map)(double), double lo, double hi) {
    QCPColorGradient gradient;
    gradient.clearColorStops();
    for (int k = 0; k <= 8; ++k) gradient.setColorStopAt(k / 8.0, map(lo + (hi - lo) * k / 8.0));
    gradient.setLevelCount(256);
    return gradient;
}

}  // namespace attnsphere::render
