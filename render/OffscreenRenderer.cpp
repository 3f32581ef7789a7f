#include "render/OffscreenRenderer.h"

#include "render/DisplayStyle.h"

#include <vtkNew.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>

#include <X11/Xlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace attnsphere::render {

bool displayAvailable() {
    const char* env = std::getenv("DISPLAY");
    if (!env || !*env) return false;
    std::string display(env);
    // Local displays (":N", ":N.S", "unix:N") must answer on their socket; VTK aborts the process when
    // it cannot connect, so this is checked first. Remote displays are taken on trust.
    if (display.rfind("unix:", 0) == 0) display = display.substr(4);
    if (display.empty() || display[0] != ':') return true;
    const std::string number =
        display.substr(1, display.find('.') == std::string::npos ? std::string::npos : display.find('.') - 1);
    const std::string path = "/tmp/.X11-unix/X" + number;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    return ok;
}

namespace {

// VTK aborts the whole process when its own XOpenDisplay fails, and a busy Xvfb refuses a connection now
// and then (seen once in ~300 short renders in a row). So the connection is opened here, retried for a
// while, handed to VTK, and a display that stays unreachable is a RenderError instead of an abort.
Display* openDisplay() {
    // A connection the server drops later must end in Xlib's "fatal IO error" message and exit, not in a
    // silent death by SIGPIPE (the video encoder's pipe wants the same).
    std::signal(SIGPIPE, SIG_IGN);
    constexpr int kAttempts = 40;
    constexpr auto kPause = std::chrono::milliseconds(50);
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        if (Display* display = XOpenDisplay(nullptr)) return display;
        std::this_thread::sleep_for(kPause);
    }
    const char* name = std::getenv("DISPLAY");
    throw RenderError(std::string("cannot connect to the X display ") + (name ? name : "(DISPLAY unset)") +
                      " (tried for 2 s): offscreen rendering needs one (run under xvfb-run)");
}

struct CloseDisplay {
    void operator()(Display* display) const { XCloseDisplay(display); }
};

}  // namespace

struct OffscreenRenderer::Impl {
    // Ours (VTK leaves a connection it did not open to its owner); declared first, so closed last.
    std::unique_ptr<Display, CloseDisplay> display;
    vtkNew<vtkRenderWindow> window;
    vtkNew<vtkRenderer> renderer;
    vtkNew<vtkUnsignedCharArray> pixels;
    std::unique_ptr<SceneRenderer> scene;
    QImage image;
    int width = 0, height = 0;
    bool transparent = false;
};

OffscreenRenderer::OffscreenRenderer(int width, int height) : m_impl(std::make_unique<Impl>()) {
    if (!displayAvailable())
        throw RenderError("no X display: offscreen rendering needs one (set DISPLAY, or run under xvfb-run)");
    Impl& d = *m_impl;
    d.display.reset(openDisplay());
    d.window->SetDisplayId(d.display.get());
    d.window->SetOffScreenRendering(1);
    d.window->SetAlphaBitPlanes(1);
    d.window->SetMultiSamples(0);
    d.window->AddRenderer(d.renderer);
    d.scene = std::make_unique<SceneRenderer>(d.renderer);
    setSize(width, height);
}

OffscreenRenderer::~OffscreenRenderer() {
    // The scene removes its props from the renderer: destroy it while the renderer is alive.
    m_impl->scene.reset();
    m_impl->window->Finalize();
}

void OffscreenRenderer::setSize(int width, int height) {
    m_impl->width = std::clamp(width, 1, kMaxWidth);
    m_impl->height = std::clamp(height, 1, kMaxHeight);
    m_impl->window->SetSize(m_impl->width, m_impl->height);
}

QSize OffscreenRenderer::size() const {
    return {m_impl->width, m_impl->height};
}

SceneRenderer& OffscreenRenderer::scene() {
    return *m_impl->scene;
}

void OffscreenRenderer::setStyle(const SceneStyle& style) {
    Impl& d = *m_impl;
    d.scene->setStyle(style);
    d.transparent = style.transparentBackground;
    if (d.transparent) {
        // A black, fully transparent clear colour makes the blended result premultiplied RGBA.
        d.renderer->SetBackground(0, 0, 0);
        d.renderer->SetBackgroundAlpha(0);
    } else {
        const QColor background =
            style.background.value_or(themeColours(displayStyle().theme).viewBackground);
        d.renderer->SetBackground(background.redF(), background.greenF(), background.blueF());
        d.renderer->SetBackgroundAlpha(1);
    }
}

QImage OffscreenRenderer::render(const core::Frame& frame) {
    m_impl->scene->showFrame(frame);
    return renderCurrent();
}

QImage OffscreenRenderer::renderCurrent() {
    Impl& d = *m_impl;
    d.window->Render();
    const int w = d.width, h = d.height;
    d.window->GetRGBACharPixelData(0, 0, w - 1, h - 1, /*front=*/0, d.pixels);
    if (d.pixels->GetNumberOfValues() != vtkIdType(w) * h * 4)
        throw RenderError("reading the rendered image back failed (size " + std::to_string(w) + "x" +
                          std::to_string(h) + ")");
    const QImage::Format format =
        d.transparent ? QImage::Format_RGBA8888_Premultiplied : QImage::Format_RGBA8888;
    // One buffer reused frame after frame (bits() copies only while a caller still holds the last image):
    // fresh multi-megabyte allocations cost page faults and zeroing every frame.
    if (d.image.size() != QSize(w, h) || d.image.format() != format) d.image = QImage(w, h, format);
    QImage& image = d.image;
    image.bits();
    const unsigned char* src = d.pixels->GetPointer(0);
    // OpenGL rows run bottom-up; QImage rows top-down.
    for (int y = 0; y < h; ++y)
        std::memcpy(image.scanLine(h - 1 - y), src + std::size_t(y) * w * 4, std::size_t(w) * 4);
    if (!d.transparent) {
        // Translucent props leave alpha below 1 even over an opaque background.
        for (int y = 0; y < h; ++y) {
            uchar* row = image.scanLine(y);
            for (int x = 0; x < w; ++x) row[4 * x + 3] = 255;
        }
    }
    return image;
}

}  // namespace attnsphere::render
