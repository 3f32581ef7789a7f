#include "render/VideoEncoder.h"

#include "app/AtomicFile.h"

#include "core/Errors.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageWriter>
#include <QStandardPaths>

#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace attnsphere::render {

namespace {

[[noreturn]] void invalid(const char* option, const QString& message) {
    throw core::ValidationError(option, message.toStdString());
}

QString formatFrameName(int index) {
    return QStringLiteral("frame_%1.png").arg(index, 5, 10, QLatin1Char('0'));
}

// A target directory may only be replaced when it holds nothing but an earlier PNG sequence.
bool holdsOnlyFrames(const QString& dir) {
    const QStringList entries = QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
    for (const QString& e : entries)
        if (!(e.startsWith(QLatin1String("frame_")) && e.endsWith(QLatin1String(".png")))) return false;
    return true;
}

QString uniqueSuffix() {
    return QStringLiteral(".partial-%1").arg(::getpid());
}

}  // namespace

VideoEncoder::~VideoEncoder() {
    if (m_open) cancel();
}

VideoFormat VideoEncoder::formatForPath(const QString& path) {
    if (path.isEmpty()) invalid("--out", QStringLiteral("an output path is required"));
    const QFileInfo info(path);
    if (path.endsWith(QLatin1Char('/')) || info.isDir()) return VideoFormat::PngSequence;
    const QString suffix = info.suffix().toLower();
    if (suffix.isEmpty()) return VideoFormat::PngSequence;
    if (suffix == QLatin1String("mp4")) return VideoFormat::Mp4;
    if (suffix == QLatin1String("webm")) return VideoFormat::WebM;
    if (suffix == QLatin1String("gif")) return VideoFormat::Gif;
    invalid("--out", QStringLiteral("unknown extension '.%1'; allowed: .mp4, .webm, .gif, or a directory "
                                    "(PNG sequence)")
                         .arg(suffix));
}

QString VideoEncoder::formatName(VideoFormat format) {
    switch (format) {
        case VideoFormat::Mp4:
            return QStringLiteral("MP4 (H.264)");
        case VideoFormat::WebM:
            return QStringLiteral("WebM (VP9)");
        case VideoFormat::Gif:
            return QStringLiteral("GIF");
        case VideoFormat::PngSequence:
            return QStringLiteral("PNG sequence");
    }
    return {};
}

void VideoEncoder::validate(const VideoSettings& s) {
    const VideoFormat format = formatForPath(s.path);
    if (s.width < 16 || s.width > kMaxWidth || s.height < 16 || s.height > kMaxHeight)
        invalid("--size",
                QStringLiteral("%1x%2 is out of range; width must be in [16, %3] and height in [16, %4]")
                    .arg(s.width)
                    .arg(s.height)
                    .arg(kMaxWidth)
                    .arg(kMaxHeight));
    if (format == VideoFormat::Mp4 && (s.width % 2 != 0 || s.height % 2 != 0))
        invalid(
            "--size",
            QStringLiteral("%1x%2: H.264 yuv420p needs an even width and height").arg(s.width).arg(s.height));
    if (!(s.fps > 0 && s.fps <= 240))
        invalid("--fps", QStringLiteral("%1 is out of range (0, 240]").arg(s.fps));
    if (s.transparent && (format == VideoFormat::Mp4 || format == VideoFormat::Gif))
        invalid("--transparent",
                QStringLiteral("%1 cannot carry an alpha channel; formats that can: a PNG sequence "
                               "(give a directory as --out) or .webm (VP9 with alpha)")
                    .arg(formatName(format)));
    if (s.crf != -1) {
        if (format == VideoFormat::Mp4 && (s.crf < 0 || s.crf > 51))
            invalid("--crf", QStringLiteral("%1 is out of range [0, 51] for H.264").arg(s.crf));
        if (format == VideoFormat::WebM && (s.crf < 0 || s.crf > 63))
            invalid("--crf", QStringLiteral("%1 is out of range [0, 63] for VP9").arg(s.crf));
        if (format == VideoFormat::Gif || format == VideoFormat::PngSequence)
            invalid("--crf",
                    QStringLiteral("applies to .mp4 and .webm only, not to %1").arg(formatName(format)));
    }
}

QString VideoEncoder::findFfmpeg() {
    return QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
}

void VideoEncoder::open(const VideoSettings& settings) {
    if (m_open) throw VideoError("the encoder is already open");
    validate(settings);
    m_settings = settings;
    m_format = formatForPath(settings.path);
    m_frames = 0;

    QString target = settings.path;
    while (target.size() > 1 && target.endsWith(QLatin1Char('/'))) target.chop(1);
    const QFileInfo info(target);
    m_finalPath = info.absoluteFilePath();
    const QString dir = info.absolutePath();
    const QFileInfo dirInfo(dir);
    if (!dirInfo.isDir()) invalid("--out", QStringLiteral("the directory %1 does not exist").arg(dir));
    if (!dirInfo.isWritable())
        throw VideoError(QStringLiteral("cannot write to %1 (permission denied)").arg(dir).toStdString());

    if (m_format == VideoFormat::PngSequence) {
        if (info.exists() && !info.isDir())
            invalid("--out", QStringLiteral("%1 exists and is not a directory").arg(m_finalPath));
        if (info.isDir() && !holdsOnlyFrames(m_finalPath))
            invalid("--out", QStringLiteral("the directory %1 is not empty (only an earlier PNG sequence, "
                                            "frame_*.png, may be replaced)")
                                 .arg(m_finalPath));
        m_tempPath = dir + QLatin1String("/.") + info.fileName() + uniqueSuffix();
        QDir(m_tempPath).removeRecursively();
        if (!QDir().mkpath(m_tempPath))
            throw VideoError(QStringLiteral("cannot create the directory %1").arg(m_tempPath).toStdString());
        m_open = true;
        return;
    }

    const QString ffmpeg = findFfmpeg();
    if (ffmpeg.isEmpty())
        throw VideoError(
            "ffmpeg was not found on PATH; it is needed for .mp4, .webm and .gif output. Install the package "
            "`ffmpeg` (Debian/Ubuntu: sudo apt install ffmpeg), or give a directory as --out for a PNG "
            "sequence");
    m_tempPath = dir + QLatin1String("/.") + info.completeBaseName() + uniqueSuffix() + QLatin1Char('.') +
                 info.suffix();
    startFfmpeg(ffmpeg);
    m_open = true;
}

void VideoEncoder::startFfmpeg(const QString& ffmpeg) {
    const VideoSettings& s = m_settings;
    QStringList args{QStringLiteral("ffmpeg"),
                     "-hide_banner",
                     "-nostdin",
                     "-nostats",
                     "-loglevel",
                     "error",
                     "-y",
                     "-f",
                     "rawvideo",
                     "-pix_fmt",
                     "rgba",
                     "-video_size",
                     QStringLiteral("%1x%2").arg(s.width).arg(s.height),
                     "-framerate",
                     QString::number(s.fps, 'g', 12),
                     "-i",
                     "pipe:0",
                     "-an"};
    // Fixed thread counts and bitexact muxing: the same frames give the same bytes on any machine.
    const QStringList bt709{"-vf",
                            "scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd",
                            "-colorspace",
                            "bt709",
                            "-color_primaries",
                            "bt709",
                            "-color_trc",
                            "bt709"};
    switch (m_format) {
        case VideoFormat::Mp4:
            args << bt709 << QStringList{"-c:v",     "libx264",   "-preset",
                                         "veryfast", "-crf",      QString::number(s.crf < 0 ? 20 : s.crf),
                                         "-pix_fmt", "yuv420p",   "-threads",
                                         "2",        "-movflags", "+faststart",
                                         "-fflags",  "+bitexact", "-f",
                                         "mp4"};
            break;
        case VideoFormat::WebM:
            args << bt709
                 << QStringList{
                        "-c:v",      "libvpx-vp9", "-crf",      QString::number(s.crf < 0 ? 31 : s.crf),
                        "-b:v",      "0",          "-deadline", "good",
                        "-cpu-used", "4",          "-row-mt",   "1",
                        "-threads",  "2",          "-pix_fmt",  s.transparent ? "yuva420p" : "yuv420p",
                        "-fflags",   "+bitexact",  "-f",        "webm"};
            break;
        case VideoFormat::Gif:
            // One graph: the palette is computed from all frames, then applied to them.
            args << QStringList{
                "-filter_complex",
                "[0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a",
                "-loop",
                "0",
                "-f",
                "gif"};
            break;
        case VideoFormat::PngSequence:
            break;
    }
    args << m_tempPath;

    // ffmpeg's messages go to a file, not a pipe: a pipe nobody drains could stall it.
    QByteArray logName = QFile::encodeName(QDir::tempPath() + QLatin1String("/attnsphere-ffmpeg-XXXXXX"));
    const int logFd = ::mkostemp(logName.data(), O_CLOEXEC);
    if (logFd < 0)
        throw VideoError(std::string("cannot create a temporary file for ffmpeg's messages: ") +
                         std::strerror(errno));
    m_stderrPath = QFile::decodeName(logName);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        ::close(logFd);
        throw VideoError(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    // Everything exec needs is prepared before fork: the child may only call async-signal-safe functions.
    const QByteArray program = ffmpeg.toLocal8Bit();
    std::vector<QByteArray> argBytes;
    for (const QString& a : args) argBytes.push_back(a.toLocal8Bit());
    std::vector<char*> argv;
    for (QByteArray& a : argBytes) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);

    // A write to a dead ffmpeg must return EPIPE (reported with ffmpeg's message), not kill us.
    std::signal(SIGPIPE, SIG_IGN);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);  // its own process group: a terminal Ctrl-C is ours to handle
        ::dup2(fds[0], 0);
        ::dup2(logFd, 2);
        if (devNull >= 0) ::dup2(devNull, 1);
        ::execv(program.constData(), argv.data());
        _exit(127);
    }
    ::close(fds[0]);
    ::close(logFd);
    if (devNull >= 0) ::close(devNull);
    if (pid < 0) {
        ::close(fds[1]);
        throw VideoError(std::string("cannot start ffmpeg: ") + std::strerror(errno));
    }
    m_pid = pid;
    m_pipe = fds[1];
}

void VideoEncoder::addFrame(const QImage& frame) {
    if (!m_open) throw VideoError("the encoder is not open");
    if (frame.width() != m_settings.width || frame.height() != m_settings.height)
        throw VideoError(QStringLiteral("frame %1 is %2x%3, expected %4x%5")
                             .arg(m_frames)
                             .arg(frame.width())
                             .arg(frame.height())
                             .arg(m_settings.width)
                             .arg(m_settings.height)
                             .toStdString());

    if (m_format == VideoFormat::PngSequence) {
        const QImage image =
            frame.convertToFormat(m_settings.transparent ? QImage::Format_RGBA8888 : QImage::Format_RGB888);
        const QString name = m_tempPath + QLatin1Char('/') + formatFrameName(m_frames);
        try {
            app::writePng(image, name);
        } catch (const app::FileWriteError& e) {
            cancel();
            throw VideoError(e.what());
        }
        ++m_frames;
        return;
    }

    const QImage rgba = frame.convertToFormat(QImage::Format_RGBA8888);
    const qsizetype rowBytes = qsizetype(rgba.width()) * 4;
    auto writeAll = [this](const uchar* data, qsizetype size) {
        while (size > 0) {
            const ssize_t written = ::write(m_pipe, data, static_cast<size_t>(size));
            if (written < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            data += written;
            size -= written;
        }
        return true;
    };
    bool ok = true;
    if (rgba.bytesPerLine() == rowBytes) {
        ok = writeAll(rgba.constBits(), rowBytes * rgba.height());
    } else {
        for (int y = 0; ok && y < rgba.height(); ++y) ok = writeAll(rgba.constScanLine(y), rowBytes);
    }
    if (!ok) {
        const int err = errno;
        ::close(m_pipe);
        m_pipe = -1;
        int status = 0;
        while (::waitpid(static_cast<pid_t>(m_pid), &status, 0) < 0 && errno == EINTR) {
        }
        m_pid = -1;
        const QString diag = ffmpegDiagnostics();
        removeTemporary();
        m_open = false;
        throw VideoError(QStringLiteral("ffmpeg stopped accepting frames after %1 frames (%2)%3")
                             .arg(m_frames)
                             .arg(QString::fromLocal8Bit(std::strerror(err)))
                             .arg(diag.isEmpty() ? QString() : QStringLiteral(": ") + diag)
                             .toStdString());
    }
    ++m_frames;
}

void VideoEncoder::finish() {
    if (!m_open) throw VideoError("the encoder is not open");
    if (m_frames == 0) {
        cancel();
        throw VideoError("no frames were produced; nothing was written");
    }
    if (m_format == VideoFormat::PngSequence) {
        const QString trash = m_finalPath + QLatin1String(".old") + uniqueSuffix();
        const bool hadOld = QFileInfo(m_finalPath).isDir();
        if (hadOld &&
            ::rename(QFile::encodeName(m_finalPath).constData(), QFile::encodeName(trash).constData()) != 0) {
            const int err = errno;
            cancel();
            throw VideoError(QStringLiteral("cannot replace %1: %2")
                                 .arg(m_finalPath, QString::fromLocal8Bit(std::strerror(err)))
                                 .toStdString());
        }
        if (::rename(QFile::encodeName(m_tempPath).constData(), QFile::encodeName(m_finalPath).constData()) !=
            0) {
            const int err = errno;
            cancel();
            throw VideoError(QStringLiteral("cannot rename the PNG sequence to %1: %2")
                                 .arg(m_finalPath, QString::fromLocal8Bit(std::strerror(err)))
                                 .toStdString());
        }
        if (hadOld) QDir(trash).removeRecursively();
        m_open = false;
        return;
    }

    ::close(m_pipe);
    m_pipe = -1;
    int status = 0;
    while (::waitpid(static_cast<pid_t>(m_pid), &status, 0) < 0 && errno == EINTR) {
    }
    m_pid = -1;
    m_open = false;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const QString diag = ffmpegDiagnostics();
        removeTemporary();
        throw VideoError(QStringLiteral("ffmpeg failed (%1)%2")
                             .arg(WIFEXITED(status)
                                      ? QStringLiteral("exit code %1").arg(WEXITSTATUS(status))
                                      : QStringLiteral("killed by signal %1").arg(WTERMSIG(status)))
                             .arg(diag.isEmpty() ? QString() : QStringLiteral(": ") + diag)
                             .toStdString());
    }
    if (::rename(QFile::encodeName(m_tempPath).constData(), QFile::encodeName(m_finalPath).constData()) !=
        0) {
        const int err = errno;
        removeTemporary();
        throw VideoError(QStringLiteral("cannot rename the video to %1: %2")
                             .arg(m_finalPath, QString::fromLocal8Bit(std::strerror(err)))
                             .toStdString());
    }
    if (!m_stderrPath.isEmpty()) QFile::remove(m_stderrPath);
    m_stderrPath.clear();
}

void VideoEncoder::cancel() {
    killFfmpeg();
    removeTemporary();
    m_open = false;
}

void VideoEncoder::killFfmpeg() {
    if (m_pipe >= 0) ::close(m_pipe);
    m_pipe = -1;
    if (m_pid > 0) {
        ::kill(static_cast<pid_t>(m_pid), SIGKILL);
        int status = 0;
        while (::waitpid(static_cast<pid_t>(m_pid), &status, 0) < 0 && errno == EINTR) {
        }
    }
    m_pid = -1;
}

void VideoEncoder::removeTemporary() {
    if (!m_tempPath.isEmpty()) {
        if (m_format == VideoFormat::PngSequence)
            QDir(m_tempPath).removeRecursively();
        else
            QFile::remove(m_tempPath);
    }
    if (!m_stderrPath.isEmpty()) QFile::remove(m_stderrPath);
    m_stderrPath.clear();
}

QString VideoEncoder::ffmpegDiagnostics() const {
    QFile log(m_stderrPath);
    if (m_stderrPath.isEmpty() || !log.open(QIODevice::ReadOnly)) return {};
    QByteArray text = log.readAll().trimmed();
    if (text.size() > 600) text = "..." + text.right(600);
    return QString::fromLocal8Bit(text).replace(QLatin1Char('\n'), QLatin1String(" | "));
}

}  // namespace attnsphere::render
