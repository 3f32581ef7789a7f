#pragma once
// Writes a run's data the way Python users load it (design.md §10): series.csv (one row per frame),
// positions.npy (frames × n × d, float64) and metadata.json. Files are written under temporary names
// and renamed into place by commit(); a run that fails or is interrupted leaves no file that looks
// complete (abandon() removes the temporaries; the destructor abandons an uncommitted export).
#include "core/Frame.h"
#include "core/Scenario.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace attnsphere::core {

class RunExport {
public:
    // Creates `dir` if needed. `extra` is merged into metadata.json (e.g. the command line).
    RunExport(std::string dir, const Scenario& scenario, nlohmann::json extra = {});
    ~RunExport();
    RunExport(const RunExport&) = delete;
    RunExport& operator=(const RunExport&) = delete;

    void addFrame(const Frame& frame);  // frame must carry observables
    void commit();
    void abandon();
    int frameCount() const { return m_frames; }

    static std::string csvHeader(int H);
    static std::string csvRow(const Frame& frame);

private:
    std::string m_dir;
    nlohmann::json m_metadata;
    std::FILE* m_csv = nullptr;
    std::FILE* m_npy = nullptr;
    int m_frames = 0, m_n = 0, m_d = 0, m_H = -1;
    bool m_done = false;
};

}  // namespace attnsphere::core
