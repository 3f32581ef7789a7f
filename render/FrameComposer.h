#pragma once
// Lays out one video frame: the rendered 3D view, optional panels beside it (energy, entropy, radial
// shadows, attention heatmap; slide-ready) and burned-in overlays (t, beta, n, d, H, kernel, title)
// sized relative to the frame height. Draws with QPainter from a bounded history of frames, with the
// per-head colours of ui::headColour. Needs a QGuiApplication (fonts); one thread.
#include "core/Frame.h"

#include <QImage>
#include <QRect>
#include <QSize>
#include <QString>
#include <QStringList>

#include <vector>

class QPainter;

namespace attnsphere::render {

struct CompositionOptions {
    QSize size{1280, 720};
    QStringList panels;    // subset of panelNames(), in display order
    QStringList overlays;  // subset of overlayNames()
    QString title;
    bool transparent = false;  // panels get a translucent backdrop instead of an opaque one
};

// What the overlays print; taken from the simulation at the frame's time.
struct OverlayValues {
    double t = 0;
    double beta = 1;
    int n = 0, d = 0, H = 0;
    QString kernel;
};

class FrameComposer {
public:
    explicit FrameComposer(CompositionOptions options);

    static QStringList panelNames();    // energy, entropy, shadows, heatmap
    static QStringList overlayNames();  // t, beta, n, d, H, kernel, title
    // Splits "a,b" and checks each name; throws core::ValidationError naming `option` and the allowed names.
    static QStringList parseList(const QString& text, const QStringList& allowed, const char* option);

    // Where the 3D view goes (the whole frame without panels).
    QRect viewRect() const { return m_view; }
    bool needsObservables() const { return !m_options.panels.isEmpty(); }

    // Records the frame's observables for the panel curves (bounded, decimated history).
    void addHistory(const core::Frame& frame);
    // The final frame: view image (viewRect().size()) placed, panels drawn, overlays burned in.
    QImage compose(const QImage& view, const core::Frame& frame, const OverlayValues& values) const;

    struct Sample {
        double t = 0;
        double energyTotal = 0;
        std::vector<double> energy, entropyMean, radialMean;
    };

private:
    void drawPanel(QPainter& p, const QRect& r, const QString& name, const core::Frame& frame) const;
    void drawHeatmap(QPainter& p, const QRect& r, const core::Frame& frame) const;
    void drawOverlays(QPainter& p, const OverlayValues& v) const;

    CompositionOptions m_options;
    QRect m_view;
    std::vector<QRect> m_panelRects;
    std::vector<Sample> m_history;
    mutable QImage m_buffer;  // the composed frame, reused
    int m_stride = 1;         // keep every m_stride-th frame once the history is full
    long m_seen = 0;
};

}  // namespace attnsphere::render
