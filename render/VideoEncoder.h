#pragma once
// Turns a sequence of equally sized RGBA images into a video file (doc/ARCHITECTURE.md, Platform facts): raw
// frames are piped into the `ffmpeg` command-line tool (.mp4 H.264 yuv420p, .webm VP9 with optional alpha,
// .gif with a generated palette), or written as a PNG sequence into a directory. Output goes to a temporary
// name next to the target and is renamed into place only by finish(), so a failed or cancelled encode never
// leaves a file under the final name. Owned and used by one thread; ffmpeg runs as a child process in
// its own process group (a terminal Ctrl-C reaches only us, and we decide how to finish).
#include <QImage>
#include <QString>

#include <stdexcept>
#include <string>

namespace attnsphere::render {

enum class VideoFormat { Mp4, WebM, Gif, PngSequence };

struct VideoSettings {
    QString path;  // output file (.mp4, .webm, .gif) or directory (PNG sequence)
    int width = 1280;
    int height = 720;
    double fps = 30;
    bool transparent = false;  // keep the alpha channel (WebM and PNG sequence only)
    int crf = -1;              // constant rate factor; -1 = format default (mp4 20, webm 31)
};

// ffmpeg is missing, died, or the output could not be written. what() is meant for the user.
class VideoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class VideoEncoder {
public:
    static constexpr int kMaxWidth = 3840;
    static constexpr int kMaxHeight = 2160;

    VideoEncoder() = default;
    ~VideoEncoder();  // cancels an unfinished encode
    VideoEncoder(const VideoEncoder&) = delete;
    VideoEncoder& operator=(const VideoEncoder&) = delete;

    // The format a path asks for: a directory (existing, or a path ending in '/' or without extension)
    // is a PNG sequence. Throws core::ValidationError ("--out: ...") for an unknown extension.
    static VideoFormat formatForPath(const QString& path);
    static QString formatName(VideoFormat format);
    // Range checks (size, fps, crf, alpha support, even sizes for yuv420p); throws core::ValidationError
    // naming the option (--size, --fps, --crf, --transparent, --out) and the allowed range.
    static void validate(const VideoSettings& settings);
    // Absolute path of the ffmpeg executable on PATH, or empty.
    static QString findFfmpeg();

    // Validates, checks ffmpeg and the target directory, starts the encoder. Throws ValidationError or
    // VideoError.
    void open(const VideoSettings& settings);
    // Appends one frame; it is converted to RGBA and must have exactly the configured size.
    // Throws VideoError when ffmpeg has gone away or the disk refuses the data.
    void addFrame(const QImage& frame);
    // Closes the stream, waits for ffmpeg, renames the temporary into place. A stream with zero frames
    // is an error (nothing is written). Throws VideoError; the temporary is removed on failure.
    void finish();
    // Stops ffmpeg and removes the temporary output. Safe to call at any time.
    void cancel();

    bool isOpen() const { return m_open; }
    int frameCount() const { return m_frames; }
    VideoFormat format() const { return m_format; }
    const VideoSettings& settings() const { return m_settings; }
    QString temporaryPath() const { return m_tempPath; }

private:
    void startFfmpeg(const QString& ffmpeg);
    QString ffmpegDiagnostics() const;  // the tail of ffmpeg's stderr
    void killFfmpeg();
    void removeTemporary();

    VideoSettings m_settings;
    VideoFormat m_format = VideoFormat::Mp4;
    QString m_finalPath, m_tempPath, m_stderrPath;
    bool m_open = false;
    int m_frames = 0;
    int m_pipe = -1;  // write end of ffmpeg's stdin
    long m_pid = -1;  // ffmpeg's process id
};

}  // namespace attnsphere::render
