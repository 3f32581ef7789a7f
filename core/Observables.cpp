// computeFrame: the observables of math.md §8 and its "Decisions", computed blocked over query rows
// like the velocity (no n × n × H storage beyond the optional, downsampled attention matrices).
#include "core/AttentionKernel.h"
#include "core/Dynamics.h"
#include "core/Simulation.h"
#include "core/WorkerPool.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnsphere::core {

namespace {
constexpr double kClusteredPair = 0.999;
constexpr double kEigenThreshold = 1e-3;

struct UnionFind {
    std::vector<int> parent;
    explicit UnionFind(int n) : parent(static_cast<std::size_t>(n)) {
        std::iota(parent.begin(), parent.end(), 0);
    }
    int find(int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }
};

void clusteringObservables(const Matrix& X, const FrameOptions& options, Frame& f) {
    const int n = static_cast<int>(X.cols());
    const int d = static_cast<int>(X.rows());
    // Cosines: for flat geometry the directions x_i/|x_i| are compared (identical on the sphere).
    Matrix D = X;
    for (int i = 0; i < n; ++i) {
        const double norm = D.col(i).norm();
        if (norm > 0) D.col(i) /= norm;
    }
    const double linkThreshold = 1.0 - options.clusterTolerance;
    const int block = detail::queryBlockSize(n);
    UnionFind uf(n);
    double cosineSum = 0;
    std::int64_t clusteredPairs = 0;
    Matrix G(n, block);
    for (int i0 = 0; i0 < n; i0 += block) {
        const int q = std::min(block, n - i0);
        auto Gb = G.leftCols(q);
        Gb.noalias() = D.transpose() * D.middleCols(i0, q);
        for (int c = 0; c < q; ++c) {
            const int i = i0 + c;
            const double* g = Gb.col(c).data();
            double rowSum = 0;
            for (int j = 0; j < n; ++j) rowSum += g[j];
            cosineSum += rowSum - g[i];
            int root = uf.find(i);
            for (int j = 0; j < i; ++j) {
                if (g[j] >= kClusteredPair) ++clusteredPairs;
                if (g[j] >= linkThreshold) {
                    const int rj = uf.find(j);
                    if (rj != root) uf.parent[rj] = root;
                }
            }
        }
    }
    f.meanCosine = cosineSum / (static_cast<double>(n) * (n - 1));
    f.orderParameter = D.rowwise().mean().norm();
    f.clusteredPairFraction = static_cast<double>(clusteredPairs) / (0.5 * n * (n - 1.0));

    f.clusterLabels.assign(static_cast<std::size_t>(n), -1);
    std::vector<int> labelOfRoot(static_cast<std::size_t>(n), -1);
    int labels = 0;
    for (int i = 0; i < n; ++i) {
        const int r = uf.find(i);
        if (labelOfRoot[r] < 0) labelOfRoot[r] = labels++;
        f.clusterLabels[i] = labelOfRoot[r];
    }
    f.clusterCount = labels;

    // G = D^T D and D D^T share their nonzero eigenvalues; use the smaller matrix.
    const Matrix small = d <= n ? Matrix(D * D.transpose()) : Matrix(D.transpose() * D);
    Eigen::SelfAdjointEigenSolver<Matrix> eig(small, Eigen::EigenvaluesOnly);
    f.effectiveDimension = static_cast<int>((eig.eigenvalues().array() > kEigenThreshold).count());
}
}  // namespace

Frame computeFrame(const Model& model, const Matrix& X, double t, std::int64_t step,
                   const FrameOptions& options, int threads) {
    Frame f;
    f.step = step;
    f.t = t;
    f.n = static_cast<int>(X.cols());
    f.d = static_cast<int>(X.rows());
    f.H = model.headCount();
    f.positions = X;
    f.finite = X.allFinite();
    if ((!options.observables && !options.attention) || !f.finite) return f;

    const int n = f.n, H = f.H;
    const bool sphere = model.geometry == Geometry::Sphere;

    // Pass 1: head outputs u_i^h and the velocity.
    VelocityField field;
    field.setThreads(threads);
    std::vector<Matrix> U;
    field.headOutputs(model, X, U);
    Matrix Xdot = Matrix::Zero(f.d, n);
    for (const Matrix& u : U) Xdot += u;
    if (sphere) projectTangent(X, Xdot);

    f.heads.resize(static_cast<std::size_t>(H));
    Vector radialSum = Vector::Zero(n);
    for (int h = 0; h < H; ++h) {
        HeadObservables& o = f.heads[h];
        o.radial = (X.array() * U[h].array()).colwise().sum().transpose();
        o.tangential = (U[h] - X * o.radial.asDiagonal()).colwise().norm().transpose();
        o.radialMeanAbs = o.radial.cwiseAbs().mean();
        o.radialMaxAbs = o.radial.cwiseAbs().maxCoeff();
        radialSum += o.radial;
    }
    for (int h = 0; h < H; ++h) {
        HeadObservables& o = f.heads[h];
        o.dominanceMargin = o.tangential.squaredNorm() - o.radial.dot(radialSum - o.radial);
    }

    // Pass 2: energies, exact dE_h/dt, entropies and attention matrices, blocked over queries.
    int stride = 1;
    if (options.attention && options.maxAttentionSize > 0 && n > options.maxAttentionSize)
        stride = (n + options.maxAttentionSize - 1) / options.maxAttentionSize;
    const int cells = (n + stride - 1) / stride;
    const int block = stride * std::max(1, detail::queryBlockSize(n) / stride);
    const int blocks = (n + block - 1) / block;

    // Per head: keys (beta M X)^T, (M X)^T and (M Xdot)^T, n × d column-major.
    std::vector<Matrix> keys(H), MX(H), MXdot(H);
    std::vector<detail::ObserveOperands> ops(H);
    for (int h = 0; h < H; ++h) {
        const Head& head = model.heads[h];
        MX[h].noalias() = X.transpose() * head.M.transpose();
        MXdot[h].noalias() = Xdot.transpose() * head.M.transpose();
        keys[h] = model.headBeta(h) * MX[h];
        ops[h] = {keys[h].data(), MX[h].data(), MXdot[h].data(), n, f.d, model.kernel, model.sigmoidBias};
        f.heads[h].entropy.resize(n);
        if (options.attention) {
            f.heads[h].attention.setZero(cells, cells);
            f.heads[h].attentionStride = stride;
        }
    }
    std::vector<double> potential(static_cast<std::size_t>(blocks) * H), rate(potential.size());

    const int nt = resolveThreads(threads, double(n) * n * H * (4.0 * f.d + 40.0), blocks);
    std::vector<std::vector<double>> scratches(static_cast<std::size_t>(nt)),
        rows(static_cast<std::size_t>(nt));
    for (int t = 0; t < nt; ++t) {
        scratches[t].resize(2 * static_cast<std::size_t>(n));
        rows[t].resize(options.attention ? n : 0);
    }
    WorkerPool::instance().run(blocks, nt, [&](int b, int slot) {
        std::vector<double>& scratch = scratches[static_cast<std::size_t>(slot)];
        std::vector<double>& P = rows[static_cast<std::size_t>(slot)];
        const int i0 = b * block;
        {
            const int q = std::min(block, n - i0);
            for (int h = 0; h < H; ++h) {
                const std::size_t partial = static_cast<std::size_t>(b) * H + h;
                double potentialSum = 0, rateSum = 0;
                Eigen::VectorXd& entropy = f.heads[h].entropy;
                for (int c = 0; c < q; ++c) {
                    const int i = i0 + c;
                    const detail::RowObservables row =
                        detail::observeQuery(ops[h], X.col(i).data(), Xdot.col(i).data(), scratch.data(),
                                             P.empty() ? nullptr : P.data());
                    potentialSum += row.potential;
                    rateSum += row.rate;
                    entropy(i) = row.entropy;
                    if (!options.attention) continue;
                    Eigen::MatrixXf& att = f.heads[h].attention;
                    if (stride == 1) {
                        for (int j = 0; j < n; ++j) att(i, j) = static_cast<float>(P[j]);
                        continue;
                    }
                    const int ci = i / stride;
                    const double rowsInCell = std::min(stride, n - ci * stride);
                    for (int cj = 0; cj < cells; ++cj) {
                        const int j0 = cj * stride, len = std::min(stride, n - j0);
                        double sum = 0;
                        for (int t = 0; t < len; ++t) sum += P[j0 + t];
                        att(ci, cj) += static_cast<float>(sum / (rowsInCell * len));
                    }
                }
                potential[partial] = potentialSum;
                rate[partial] = rateSum;
            }
        }
    });

    const double n2 = static_cast<double>(n) * n;
    f.energyTotal = 0;
    f.energyTotalRate = 0;
    double entropySum = 0;
    for (int h = 0; h < H; ++h) {
        HeadObservables& o = f.heads[h];
        double sumPhi = 0, sumRate = 0;
        for (int b = 0; b < blocks; ++b) {
            sumPhi += potential[static_cast<std::size_t>(b) * H + h];
            sumRate += rate[static_cast<std::size_t>(b) * H + h];
        }
        o.energy = sumPhi / (2.0 * model.headBeta(h) * n2);
        o.energyRate = sumRate / (2.0 * n2);
        o.entropyMean = o.entropy.mean();
        o.entropyMin = o.entropy.minCoeff();
        entropySum += o.entropy.sum();
        const double alpha = model.heads[h].alpha;
        f.energyTotal += alpha * o.energy;
        f.energyTotalRate += alpha * o.energyRate;
    }
    f.entropyMean = entropySum / (static_cast<double>(n) * H);

    clusteringObservables(X, options, f);

    const Eigen::ArrayXd norms = X.colwise().norm().transpose().array();
    f.maxNormDrift = sphere ? (norms - 1.0).abs().maxCoeff() : 0.0;
    f.maxRadialVelocity = (X.array() * Xdot.array()).colwise().sum().abs().maxCoeff();
    f.hasObservables = options.observables;
    return f;
}

}  // namespace attnsphere::core
