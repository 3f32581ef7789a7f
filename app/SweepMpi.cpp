#include "app/SweepMpi.h"

#include <cstdlib>
#include <stdexcept>

#ifdef ATTNSPHERE_HAVE_MPI
// The C API only: the deprecated C++ bindings would need their own library (and MPI::MPI_CXX).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <climits>
#include <cstdio>
#endif

namespace attnsphere::app {

namespace {
MpiSession* g_current = nullptr;
}

bool startedByMpirun() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

MpiSession* MpiSession::current() {
    return g_current;
}

#ifdef ATTNSPHERE_HAVE_MPI

namespace {

enum Tag : int { kTagHeader = 11, kTagValues, kTagDone, kTagError, kTagStop };

int intCount(std::size_t n, const char* what) {
    if (n > static_cast<std::size_t>(INT_MAX))
        throw std::runtime_error(std::string(what) + " too large for one MPI message");
    return static_cast<int>(n);
}

}  // namespace

bool mpiBuilt() {
    return true;
}

MpiSession::MpiSession() {
    if (!startedByMpirun() || g_current) return;
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (initialised) return;
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    m_started = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &m_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m_size);
    // Ranks sharing this machine share its cores (the default thread count divides them).
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
    MPI_Comm_size(local, &m_local);
    MPI_Comm_free(&local);
    g_current = this;
}

MpiSession::~MpiSession() {
    if (!m_started) return;
    g_current = nullptr;
    MPI_Finalize();
}

void MpiSession::broadcast(int& status, std::string& text) const {
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (status != 0) return;
    long long length = static_cast<long long>(text.size());
    MPI_Bcast(&length, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    text.resize(static_cast<std::size_t>(length));
    MPI_Bcast(text.data(), intCount(text.size(), "the sweep file"), MPI_CHAR, 0, MPI_COMM_WORLD);
}

void MpiSession::broadcast(int& status, std::vector<long long>& values) const {
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (status != 0) return;
    long long length = static_cast<long long>(values.size());
    MPI_Bcast(&length, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    values.resize(static_cast<std::size_t>(length));
    MPI_Bcast(values.data(), intCount(values.size(), "the shard list"), MPI_LONG_LONG, 0, MPI_COMM_WORLD);
}

void MpiSession::sendShard(const core::ShardResult& result) const {
    long long header[2] = {result.shard, static_cast<long long>(result.values.size())};
    MPI_Send(header, 2, MPI_LONG_LONG, 0, kTagHeader, MPI_COMM_WORLD);
    MPI_Send(result.values.data(), intCount(result.values.size(), "a shard"), MPI_DOUBLE, 0, kTagValues,
             MPI_COMM_WORLD);
}

void MpiSession::sendDone(long long shards) const {
    MPI_Send(&shards, 1, MPI_LONG_LONG, 0, kTagDone, MPI_COMM_WORLD);
}

void MpiSession::sendError(int exitCode, const std::string& message) const {
    // The exit code travels as the first byte of the text.
    const std::string text = std::string(1, static_cast<char>(exitCode & 0x7f)) + message;
    MPI_Send(text.data(), intCount(text.size(), "an error message"), MPI_CHAR, 0, kTagError, MPI_COMM_WORLD);
}

void MpiSession::sendStop() const {
    for (int r = 1; r < m_size; ++r) {
        int stop = 1;
        MPI_Send(&stop, 1, MPI_INT, r, kTagStop, MPI_COMM_WORLD);
    }
}

bool MpiSession::stopRequested() const {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(0, kTagStop, MPI_COMM_WORLD, &flag, &status);
    if (!flag) return false;
    int stop = 0;
    MPI_Recv(&stop, 1, MPI_INT, 0, kTagStop, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return true;
}

std::optional<MpiSession::Message> MpiSession::pollRoot() const {
    int flag = 0;
    MPI_Status status;
    // A shard's values follow its header from the same rank; the header is always matched first.
    for (const int tag : {kTagHeader, kTagDone, kTagError}) {
        MPI_Iprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &flag, &status);
        if (flag) break;
    }
    if (!flag) return std::nullopt;
    Message m;
    m.source = status.MPI_SOURCE;
    if (status.MPI_TAG == kTagHeader) {
        long long header[2] = {0, 0};
        MPI_Recv(header, 2, MPI_LONG_LONG, m.source, kTagHeader, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        m.kind = Message::Kind::Shard;
        m.shard.shard = header[0];
        m.shard.values.resize(static_cast<std::size_t>(header[1]));
        MPI_Recv(m.shard.values.data(), intCount(m.shard.values.size(), "a shard"), MPI_DOUBLE, m.source,
                 kTagValues, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (status.MPI_TAG == kTagDone) {
        m.kind = Message::Kind::Done;
        MPI_Recv(&m.count, 1, MPI_LONG_LONG, m.source, kTagDone, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        int length = 0;
        MPI_Get_count(&status, MPI_CHAR, &length);
        std::string text(static_cast<std::size_t>(length), '\0');
        MPI_Recv(text.data(), length, MPI_CHAR, m.source, kTagError, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        m.kind = Message::Kind::Error;
        m.exitCode = text.empty() ? 1 : static_cast<unsigned char>(text[0]);
        m.text = text.empty() ? std::string() : text.substr(1);
    }
    return m;
}

void MpiSession::abortAll(int exitCode) const {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, exitCode);
    std::abort();
}

#else  // A build without MPI: one process, no session ever starts, so the messages are never sent.

bool mpiBuilt() {
    return false;
}

MpiSession::MpiSession() = default;
MpiSession::~MpiSession() = default;

namespace {
[[noreturn]] void single() {
    throw std::logic_error("MPI message in a build without MPI");
}
}  // namespace

void MpiSession::broadcast(int&, std::string&) const {}
void MpiSession::broadcast(int&, std::vector<long long>&) const {}
void MpiSession::sendShard(const core::ShardResult&) const {
    single();
}
void MpiSession::sendDone(long long) const {
    single();
}
void MpiSession::sendError(int, const std::string&) const {
    single();
}
void MpiSession::sendStop() const {
    single();
}
bool MpiSession::stopRequested() const {
    return false;
}
std::optional<MpiSession::Message> MpiSession::pollRoot() const {
    return std::nullopt;
}
void MpiSession::abortAll(int exitCode) const {
    std::exit(exitCode);
}

#endif

}  // namespace attnsphere::app
