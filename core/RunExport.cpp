// series.csv, positions.npy and metadata.json of a run (doc/MODEL.md §9). Numbers are printed with %.17g
// so that the same run gives byte-identical files. The npy header has a fixed width and is rewritten at
// commit() with the final frame count, which is unknown while the run streams frames.
#include "core/RunExport.h"

#include "core/Errors.h"
#include "core/Npy.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace attnsphere::core {

namespace {

namespace fs = std::filesystem;

constexpr const char* kCsv = "series.csv";
constexpr const char* kNpy = "positions.npy";
constexpr const char* kRadiiNpy = "radii.npy";  // kept only when a frame had radii (Pre-LN, Peri-LN)
constexpr const char* kMetadata = "metadata.json";
constexpr const char* kPartial = ".partial";  // temporary suffix until commit()
constexpr std::size_t kNpyHeaderSize = 128;   // magic + length + dict, a multiple of 64 as numpy writes it

std::string path(const std::string& dir, const char* name, bool partial) {
    return (fs::path(dir) / (std::string(name) + (partial ? kPartial : ""))).string();
}

std::runtime_error ioError(const std::string& what, const std::string& file) {
    return std::runtime_error(what + " '" + file + "': " + std::strerror(errno));
}

// Rows of positions are tokens: a d × n column-major Eigen matrix is exactly the C-order (n, d) array. The
// header keeps one width from the first frame to commit(), where it is rewritten with the frame count.
std::string radiiHeader(long long frames, int n) {
    std::string header = core::npyHeader("<f8", {frames, n});
    if (header.size() != kNpyHeaderSize) throw std::logic_error("npy header does not fit");
    return header;
}

std::string npyHeader(long long frames, int n, int d) {
    std::string header = core::npyHeader("<f8", {frames, n, d});
    if (header.size() != kNpyHeaderSize) throw std::logic_error("npy header does not fit");
    return header;
}

void appendNumber(std::string& out, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out += buf;
}

nlohmann::json columnDescriptions(int H) {
    nlohmann::json c = nlohmann::json::object();
    c["step"] = "integrator step of this frame";
    c["t"] = "simulated time";
    c["E_total"] = "total energy sum_h alpha_h E_h (doc/MODEL.md §3)";
    c["dE_total_dt"] = "d E_total / dt along the current velocity (exact)";
    for (int h = 1; h <= H; ++h) {
        const std::string s = std::to_string(h);
        c["E_h" + s] = "energy of head " + s + ": 1/(2 beta_h n^2) sum_ij Phi(s_ij)";
        c["dE_h" + s + "_dt"] = "d E_h" + s + " / dt along the current velocity";
        c["entropy_mean_h" + s] = "mean over tokens of the attention entropy S_i of head " + s;
        c["entropy_min_h" + s] = "minimum over tokens of S_i of head " + s;
        c["radial_mean_abs_h" + s] = "mean over tokens of |r_i| (radial shadow <x_i, u_i>) of head " + s;
        c["radial_max_abs_h" + s] = "maximum over tokens of |r_i| of head " + s;
        c["dominance_h" + s] =
            "radial-dominance margin D_h of head " + s + " (>= 0: sufficient for monotone E_h)";
    }
    c["mean_cosine"] = "mean pairwise cosine rho_bar over i != j";
    c["order_parameter"] = "R = |mean_i x_i|";
    c["clustered_pair_fraction"] = "fraction of pairs i < j with <x_i, x_j> >= 0.999";
    c["cluster_count"] = "components of the graph <x_i, x_j> >= 1 - 1e-4";
    c["max_norm_drift"] = "max_i | |x_i| - 1 | (sphere geometry; 0 for flat)";
    c["radius_mean"] = "mean over tokens of the radius r_i = |x_i| (Pre-LN, Peri-LN; 1 on the sphere)";
    c["radius_min"] = "minimum over tokens of r_i";
    c["radius_max"] = "maximum over tokens of r_i";
    return c;
}

}  // namespace

Vector tokenRadii(const Frame& f) {
    if (f.radii.size() > 0) return f.radii;
    // On the sphere exactly 1 (the norms' last-bit rounding is no radius).
    if (f.geometry == Geometry::Sphere) return Vector::Ones(f.positions.cols());
    return f.positions.colwise().norm().transpose();
}

RunExport::RunExport(std::string dir, const Scenario& scenario, const RunInfo& info)
    : m_dir(std::move(dir)), m_scenario(scenario), m_info(info) {
    std::error_code ec;
    // Remember the levels this export creates: abandon() removes them again (when still empty).
    for (fs::path p = fs::absolute(m_dir, ec); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        m_createdDirs.push_back(p.string());
        if (p == p.parent_path()) break;
    }
    fs::create_directories(m_dir, ec);
    if (ec) {
        abandon();  // the levels created before the failure
        throw std::runtime_error("cannot create directory '" + m_dir + "': " + ec.message());
    }
    // The destructor does not run when the constructor throws: abandon() here.
    const std::string csv = path(m_dir, kCsv, true), npy = path(m_dir, kNpy, true),
                      radii = path(m_dir, kRadiiNpy, true);
    m_csv = std::fopen(csv.c_str(), "wb");
    m_npy = m_csv ? std::fopen(npy.c_str(), "wb") : nullptr;
    m_radiiNpy = m_npy ? std::fopen(radii.c_str(), "wb") : nullptr;
    if (!m_radiiNpy) {
        const auto error = ioError("cannot create", !m_csv ? csv : !m_npy ? npy : radii);
        abandon();
        throw error;
    }
}

RunExport::~RunExport() {
    if (!m_done) abandon();
}

std::string RunExport::csvHeader(int H) {
    std::string out = "step,t,E_total,dE_total_dt";
    for (int h = 1; h <= H; ++h) out += ",E_h" + std::to_string(h);
    for (int h = 1; h <= H; ++h) out += ",dE_h" + std::to_string(h) + "_dt";
    for (int h = 1; h <= H; ++h) {
        const std::string s = std::to_string(h);
        out += ",entropy_mean_h" + s + ",entropy_min_h" + s + ",radial_mean_abs_h" + s + ",radial_max_abs_h" +
               s + ",dominance_h" + s;
    }
    out += ",mean_cosine,order_parameter,clustered_pair_fraction,cluster_count,max_norm_drift";
    out += ",radius_mean,radius_min,radius_max";
    return out;
}

std::string RunExport::csvRow(const Frame& f) {
    std::string out = std::to_string(f.step);
    auto add = [&](double v) {
        out.push_back(',');
        appendNumber(out, v);
    };
    add(f.t);
    add(f.energyTotal);
    add(f.energyTotalRate);
    for (const auto& h : f.heads) add(h.energy);
    for (const auto& h : f.heads) add(h.energyRate);
    for (const auto& h : f.heads) {
        add(h.entropyMean);
        add(h.entropyMin);
        add(h.radialMeanAbs);
        add(h.radialMaxAbs);
        add(h.dominanceMargin);
    }
    add(f.meanCosine);
    add(f.orderParameter);
    add(f.clusteredPairFraction);
    out.push_back(',');
    out += std::to_string(f.clusterCount);
    add(f.maxNormDrift);
    const Vector r = tokenRadii(f);
    add(r.mean());
    add(r.minCoeff());
    add(r.maxCoeff());
    return out;
}

void RunExport::addFrame(const Frame& frame) {
    if (m_done) throw std::logic_error("RunExport: frame added after commit or abandon");
    if (!frame.hasObservables) throw std::invalid_argument("RunExport: frame has no observables");
    const int H = static_cast<int>(frame.heads.size());
    if (m_H < 0) {
        m_n = static_cast<int>(frame.positions.cols());
        m_d = static_cast<int>(frame.positions.rows());
        m_H = H;
        const std::string header = csvHeader(H) + "\n";
        const std::string npyHead = npyHeader(0, m_n, m_d);
        const std::string radiiHead = radiiHeader(0, m_n);
        if (std::fwrite(header.data(), 1, header.size(), m_csv) != header.size() ||
            std::fwrite(npyHead.data(), 1, npyHead.size(), m_npy) != npyHead.size() ||
            std::fwrite(radiiHead.data(), 1, radiiHead.size(), m_radiiNpy) != radiiHead.size())
            throw ioError("cannot write to", m_dir);
    } else if (frame.positions.cols() != m_n || frame.positions.rows() != m_d || H != m_H) {
        throw std::invalid_argument("RunExport: frame shape changed during the run (n, d or H)");
    }
    const std::string row = csvRow(frame) + "\n";
    const auto count = static_cast<std::size_t>(m_n) * static_cast<std::size_t>(m_d);
    const Vector radii = tokenRadii(frame);
    if (std::fwrite(row.data(), 1, row.size(), m_csv) != row.size() ||
        std::fwrite(frame.positions.data(), sizeof(double), count, m_npy) != count ||
        std::fwrite(radii.data(), sizeof(double), static_cast<std::size_t>(m_n), m_radiiNpy) !=
            static_cast<std::size_t>(m_n))
        throw ioError("cannot write to", m_dir);
    m_hasRadii = m_hasRadii || frame.radii.size() > 0;
    if (frame.spectra) m_spectra = frame.spectra;
    ++m_frames;
}

void RunExport::commit() {
    if (m_done) throw std::logic_error("RunExport: commit after commit or abandon");
    if (m_frames == 0) throw std::logic_error("RunExport: nothing to commit (no frames)");
    const std::string header = npyHeader(m_frames, m_n, m_d);
    const std::string radiiHead = radiiHeader(m_frames, m_n);
    const bool ok = std::fseek(m_npy, 0, SEEK_SET) == 0 &&
                    std::fwrite(header.data(), 1, header.size(), m_npy) == header.size() &&
                    std::fflush(m_npy) == 0 && std::fflush(m_csv) == 0 &&
                    std::fseek(m_radiiNpy, 0, SEEK_SET) == 0 &&
                    std::fwrite(radiiHead.data(), 1, radiiHead.size(), m_radiiNpy) == radiiHead.size() &&
                    std::fflush(m_radiiNpy) == 0;
    const bool closed = std::fclose(m_npy) == 0 && std::fclose(m_radiiNpy) == 0;
    m_npy = m_radiiNpy = nullptr;
    const bool csvClosed = std::fclose(m_csv) == 0;
    m_csv = nullptr;
    if (!ok || !closed || !csvClosed) {
        const auto error = ioError("cannot finish writing", m_dir);
        abandon();
        throw error;
    }

    {
        const std::string file = path(m_dir, kMetadata, true);
        const std::string text =
            metadata(m_scenario, m_info, m_frames, m_n, m_d, m_H, m_hasRadii, m_spectra.get()).dump(2) + "\n";
        std::FILE* out = std::fopen(file.c_str(), "wb");
        const bool written =
            out && std::fwrite(text.data(), 1, text.size(), out) == text.size() && std::fflush(out) == 0;
        const int writeErrno = errno;
        const bool closed = out && std::fclose(out) == 0;
        if (!written || !closed) {
            errno = written ? errno : writeErrno;
            const auto error = ioError("cannot write", file);
            abandon();
            throw error;
        }
    }
    std::error_code ec;
    // A run without radii has only radii of 1 (or |x_i| of flat tokens, which positions.npy holds).
    if (!m_hasRadii) fs::remove(path(m_dir, kRadiiNpy, true), ec);
    for (const char* name : {kCsv, kNpy, kMetadata, kRadiiNpy}) {
        if (name == kRadiiNpy && !m_hasRadii) continue;
        fs::rename(path(m_dir, name, true), path(m_dir, name, false), ec);
        if (ec) {
            abandon();
            throw std::runtime_error("cannot rename into '" + path(m_dir, name, false) +
                                     "': " + ec.message());
        }
    }
    m_done = true;
}

void RunExport::abandon() {
    if (m_csv) std::fclose(m_csv);
    if (m_npy) std::fclose(m_npy);
    if (m_radiiNpy) std::fclose(m_radiiNpy);
    m_csv = m_npy = m_radiiNpy = nullptr;
    std::error_code ec;
    for (const char* name : {kCsv, kNpy, kMetadata, kRadiiNpy}) fs::remove(path(m_dir, name, true), ec);
    for (const auto& dir : m_createdDirs) fs::remove(dir, ec);  // removes only empty directories
    m_done = true;
}

nlohmann::json RunExport::metadata(const Scenario& scenario, const RunInfo& info, int frames, int n, int d,
                                   int H, bool hasRadii, const ModelSpectra* spectra) {
    nlohmann::json m = nlohmann::json::object();
    m["format"] = "attnsphere-run";
    m["attnsphere_version"] = ATTNSPHERE_VERSION;
    m["writer"] = info.writer;
    m["command_line"] = info.commandLine;
    m["threads"] = info.threads;
    m["steps_per_frame"] = info.stepsPerFrame ? nlohmann::json(*info.stepsPerFrame) : nlohmann::json();
    m["fps"] = info.fps ? nlohmann::json(*info.fps) : nlohmann::json();
    m["note"] = info.note;
    m["scenario"] = scenario.toJson();
    m["seed"] = scenario.seed;
    m["frames"] = frames;
    m["n"] = n;
    m["d"] = d;
    m["heads"] = H;
    m["files"] = {{kCsv, "one row per published frame; columns described in 'columns'"},
                  {kNpy, "float64 array (frames, n, d): token positions of each published frame"}};
    if (hasRadii)
        m["files"][kRadiiNpy] =
            "float64 array (frames, n): token radii r_i = |x_i| of each published frame "
            "(Pre-LN, Peri-LN; positions.npy holds the directions)";
    m["columns"] = columnDescriptions(H);
    nlohmann::json qk = nlohmann::json();
    if (spectra) {
        qk = nlohmann::json::array();
        for (const HeadSpectrum& h : spectra->heads) {
            nlohmann::json eigenvalues = nlohmann::json();  // null: the solve was skipped (too large)
            if (!spectra->eigenvaluesSkipped)
                eigenvalues =
                    std::vector<double>(h.eigenvalues.data(), h.eigenvalues.data() + h.eigenvalues.size());
            qk.push_back({{"mean", h.mean}, {"variance", h.variance}, {"eigenvalues", eigenvalues}});
        }
    }
    m["qk_spectrum"] = qk;
    return m;
}

}  // namespace attnsphere::core
