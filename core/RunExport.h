#pragma once
// Writes a run's data the way Python users load it (doc/MODEL.md §9): series.csv (one row per frame),
// positions.npy (frames × n × d, float64), radii.npy (frames × n, runs with radii) and metadata.json. Files
// are written under temporary names and renamed into place by commit(); a run that fails or is interrupted
// leaves no file that looks complete (abandon() removes the temporaries; the destructor abandons an
// uncommitted export).
#include "core/Frame.h"
#include "core/Scenario.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace attnsphere::core {

// How a run was made: the fields of metadata.json beside the scenario. `run`, `render --export` and the
// GUI's export write the same keys (snake_case, as the scenario format), null where one does not apply.
struct RunInfo {
    std::string writer;                      // "run", "render" or "gui"
    std::vector<std::string> commandLine;    // the program's arguments, argv[0] first
    int threads = 0;                         // simulation threads (0: all cores)
    std::optional<long long> stepsPerFrame;  // integrator steps between published frames, if constant
    std::optional<double> fps;               // video frames per second (render)
    std::string note;                        // free text, e.g. which frames the GUI kept
};

class RunExport {
public:
    // Creates `dir` if needed (and removes what it created if the export is abandoned).
    RunExport(std::string dir, const Scenario& scenario, const RunInfo& info = {});
    ~RunExport();
    RunExport(const RunExport&) = delete;
    RunExport& operator=(const RunExport&) = delete;

    void addFrame(const Frame& frame);  // frame must carry observables
    void commit();
    void abandon();
    int frameCount() const { return m_frames; }

    // metadata.json of a run: the one place its schema is defined. hasRadii: radii.npy is part of the run.
    // `spectra`: the QK spectrum of the model of the last frame (null in the file when absent).
    static nlohmann::json metadata(const Scenario& scenario, const RunInfo& info, int frames, int n, int d,
                                   int H, bool hasRadii = false, const ModelSpectra* spectra = nullptr);
    static std::string csvHeader(int H);
    static std::string csvRow(const Frame& frame);

private:
    std::string m_dir;
    std::vector<std::string> m_createdDirs;  // deepest first
    Scenario m_scenario;
    RunInfo m_info;
    std::FILE* m_csv = nullptr;
    std::FILE* m_npy = nullptr;
    std::FILE* m_radiiNpy = nullptr;
    bool m_hasRadii = false;  // a frame had radii: radii.npy is kept
    int m_frames = 0, m_n = 0, m_d = 0, m_H = -1;
    bool m_done = false;
    std::shared_ptr<const ModelSpectra> m_spectra;  // of the last frame's model
};

// The radii r_i = |x_i| of a frame: its radii (Pre-LN, Peri-LN), else 1 on the sphere and the norms of
// the positions in the flat geometry.
Vector tokenRadii(const Frame& frame);

}  // namespace attnsphere::core
