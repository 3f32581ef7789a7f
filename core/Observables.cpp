// computeFrame: the observables of doc/MODEL.md §3–§7, computed blocked over query rows
// like the velocity (no n × n × H storage beyond the optional, downsampled attention matrices).
#include "core/AttentionKernel.h"
#include "core/AttentionVariants.h"
#include "core/Dynamics.h"
#include "core/Errors.h"
#include "core/Simulation.h"
#include "core/WorkerPool.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <numeric>
#include <thread>

namespace attnsphere::core {

namespace {
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
    // Labels 0..count-1 per element, in order of first appearance; returns count.
    int labels(std::vector<int>& out) {
        const int n = static_cast<int>(parent.size());
        out.assign(static_cast<std::size_t>(n), -1);
        std::vector<int> labelOfRoot(static_cast<std::size_t>(n), -1);
        int count = 0;
        for (int i = 0; i < n; ++i) {
            const int r = find(i);
            if (labelOfRoot[r] < 0) labelOfRoot[r] = count++;
            out[i] = labelOfRoot[r];
        }
        return count;
    }
};

bool stopRequested(const std::atomic<bool>* abort) {
    return abort && abort->load(std::memory_order_relaxed);
}

// Directions x_i / |x_i| (identical to X on the sphere); stableNorm so flat tokens of norm beyond 1e154
// are still normalised (norm() would overflow and leave a zero column).
Matrix directions(const Matrix& X) {
    Matrix D = X;
    for (Eigen::Index i = 0; i < D.cols(); ++i) {
        const double norm = D.col(i).stableNorm();
        if (norm > 0) D.col(i) /= norm;
    }
    return D;
}

// Eigenvalues of the symmetric matrix (lower triangle) above threshold. Eigen's tridiagonalisation cannot be
// interrupted and takes seconds from d ~ 1500 (about 13 s at 2048, minutes at 4096): large solves run on a
// thread of their own that is abandoned, left to finish and free its copy, when the abort flag rises.
int countEigenvaluesAbove(Matrix symmetric, double threshold, const std::atomic<bool>* abort) {
    auto count = [threshold](const Matrix& m) {
        Eigen::SelfAdjointEigenSolver<Matrix> eig(m, Eigen::EigenvaluesOnly);
        return static_cast<int>((eig.eigenvalues().array() > threshold).count());
    };
    constexpr Eigen::Index kInlineSize = 512;  // ~0.1 s
    if (stopRequested(abort)) throw Aborted();
    if (!abort || symmetric.rows() <= kInlineSize) return count(symmetric);
    std::packaged_task<int()> task([m = std::move(symmetric), count] { return count(m); });
    std::future<int> result = task.get_future();
    std::thread(std::move(task)).detach();
    while (result.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready)
        if (stopRequested(abort)) throw Aborted();
    return result.get();
}

void clusteringObservables(const Matrix& X, const FrameOptions& options, Frame& f,
                           const std::atomic<bool>* abort) {
    const int n = static_cast<int>(X.cols());
    const int d = static_cast<int>(X.rows());
    // Cosines: for flat geometry the directions x_i/|x_i| are compared (identical on the sphere).
    const Matrix D = directions(X);
    const double linkThreshold = 1.0 - options.clusterTolerance;
    const int block = detail::queryBlockSize(n);
    // One pass over G for both partitions: strict (data column) and display (cos >= kDisplayClusterCosine).
    UnionFind strict(n), display(n);
    double cosineSum = 0;
    std::int64_t clusteredPairs = 0;
    double minCosine = INFINITY;
    int farI = 0, farJ = 0;
    Matrix G(n, block);
    for (int i0 = 0; i0 < n; i0 += block) {
        if (stopRequested(abort)) throw Aborted();
        const int q = std::min(block, n - i0);
        auto Gb = G.leftCols(q);
        Gb.noalias() = D.transpose() * D.middleCols(i0, q);
        for (int c = 0; c < q; ++c) {
            const int i = i0 + c;
            const double* g = Gb.col(c).data();
            double rowSum = 0;
            for (int j = 0; j < n; ++j) rowSum += g[j];
            cosineSum += rowSum - g[i];
            const int strictRoot = strict.find(i), displayRoot = display.find(i);
            for (int j = 0; j < i; ++j) {
                if (g[j] >= options.clusteredThreshold) ++clusteredPairs;
                if (g[j] < minCosine) {
                    minCosine = g[j];
                    farI = i;
                    farJ = j;
                }
                if (g[j] >= linkThreshold) {
                    const int rj = strict.find(j);
                    if (rj != strictRoot) strict.parent[rj] = strictRoot;
                }
                if (g[j] >= kDisplayClusterCosine) {
                    const int rj = display.find(j);
                    if (rj != displayRoot) display.parent[rj] = displayRoot;
                }
            }
        }
    }
    f.meanCosine = cosineSum / (static_cast<double>(n) * (n - 1));
    f.orderParameter = D.rowwise().mean().norm();
    f.clusteredPairFraction = static_cast<double>(clusteredPairs) / (0.5 * n * (n - 1.0));
    // The angle of the pair with the smallest cosine, from the chord (accurate for small angles, where
    // acos(cos) loses half the digits).
    f.diameter = 2.0 * std::asin(std::min(1.0, 0.5 * (D.col(farI) - D.col(farJ)).norm()));
    f.clusterCount = strict.labels(f.clusterLabels);
    f.displayClusterCount = display.labels(f.displayClusterLabels);

    if (!options.effectiveDimension) return;
    // G = D^T D and D D^T share their nonzero eigenvalues; use the smaller matrix (lower triangle,
    // accumulated in slices so a large d × d product still honours the abort flag).
    Matrix small;
    if (d <= n) {
        small.setZero(d, d);
        constexpr int kSlice = 256;
        for (int c0 = 0; c0 < n; c0 += kSlice) {
            if (stopRequested(abort)) throw Aborted();
            small.selfadjointView<Eigen::Lower>().rankUpdate(D.middleCols(c0, std::min(kSlice, n - c0)));
        }
    } else {
        small = D.transpose() * D;
    }
    f.effectiveDimension = countEigenvaluesAbove(std::move(small), kEigenThreshold, abort);
}

// A sum of terms e^{logScale_k} a_k kept as e^{logScale} (potential, rate) with logScale the largest seen,
// so that sums of e^{s_ij} beyond the double range can still be divided down to a representable energy.
struct ScaledSums {
    double logScale = -INFINITY;
    double potential = 0, rate = 0;
    void add(double ls, double p, double r) {
        if (ls > logScale) {
            const double shrink = std::exp(logScale - ls);
            potential *= shrink;
            rate *= shrink;
            logScale = ls;
        } else if (ls < logScale) {
            const double shrink = std::exp(ls - logScale);
            p *= shrink;
            r *= shrink;
        }
        potential += p;
        rate += r;
    }
    void add(const ScaledSums& o) { add(o.logScale, o.potential, o.rate); }
};

// e^{logScale} value / divisor, through logarithms when e^{logScale} alone would overflow.
double unscale(double value, double logScale, double divisor) {
    if (value == 0) return 0.0;
    if (!std::isfinite(logScale) || logScale <= 700.0) return value / divisor * std::exp(logScale);
    return std::copysign(std::exp(logScale + std::log(std::abs(value) / divisor)), value);
}
}  // namespace

Frame computeFrame(const Model& model, const Matrix& X, double t, std::int64_t step,
                   const FrameOptions& options, int threads, double dt, const std::atomic<bool>* abort) {
    Frame f;
    f.step = step;
    f.t = t;
    f.n = static_cast<int>(X.cols());
    f.d = static_cast<int>(X.rows());
    f.H = model.headCount();
    f.positions = X;
    f.finite = X.allFinite();
    f.geometry = model.geometry;
    f.kernel = model.kernel;
    f.beta = model.beta;
    f.mask = model.mask;
    if ((!options.observables && !options.attention) || !f.finite) return f;

    const int n = f.n, H = f.H;
    const bool sphere = model.geometry == Geometry::Sphere;
    if (options.observables && !options.attentionObservables && !options.attention) {
        clusteringObservables(X, options, f, abort);
        if (sphere) f.maxNormDrift = (X.colwise().norm().transpose().array() - 1.0).abs().maxCoeff();
        f.hasObservables = true;
        return f;
    }

    // Pass 1: head outputs u_i^h and the velocity.
    VelocityField field;
    field.setThreads(threads);
    std::vector<Matrix> U;
    field.headOutputs(model, X, U, abort);
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
    const bool signedView = options.attention && f.signedKernel();

    // Per head: keys (beta M X)^T, (M X)^T and (M Xdot)^T, n × d column-major.
    std::vector<Matrix> keys(H), MX(H), MXdot(H);
    std::vector<detail::ObserveOperands> ops(H);
    for (int h = 0; h < H; ++h) {
        const Head& head = model.heads[h];
        transformTokens(head.M, X, MX[h], abort);
        transformTokens(head.M, Xdot, MXdot[h], abort);
        keys[h] = model.headBeta(h) * MX[h];
        ops[h] = {keys[h].data(), MX[h].data(), MXdot[h].data(), n, f.d, model.kernel, model.sigmoidBias};
        f.heads[h].entropy.resize(n);
        if (options.attention) {
            f.heads[h].attention.setZero(cells, cells);
            f.heads[h].attentionStride = stride;
        }
        if (signedView) f.heads[h].signedAttention.setZero(cells, cells);
    }
    std::vector<ScaledSums> partials(static_cast<std::size_t>(blocks) * H);

    const int nt = resolveThreads(threads, double(n) * n * H * (4.0 * f.d + 40.0), blocks);
    std::vector<std::vector<double>> scratches(static_cast<std::size_t>(nt)),
        rows(static_cast<std::size_t>(nt)), signedRows(static_cast<std::size_t>(nt));
    for (int t = 0; t < nt; ++t) {
        scratches[t].resize(2 * static_cast<std::size_t>(n));
        rows[t].resize(options.attention ? n : 0);
        signedRows[t].resize(signedView ? n : 0);
    }
    // Row i of P (length n) into the attention matrix: the row itself, or its share of the block means.
    auto storeRow = [&](Eigen::MatrixXf& att, int i, const std::vector<double>& P) {
        if (stride == 1) {
            for (int j = 0; j < n; ++j) att(i, j) = static_cast<float>(P[j]);
            return;
        }
        const int ci = i / stride;
        const double rowsInCell = std::min(stride, n - ci * stride);
        for (int cj = 0; cj < cells; ++cj) {
            const int j0 = cj * stride, len = std::min(stride, n - j0);
            double sum = 0;
            for (int k = 0; k < len; ++k) sum += P[j0 + k];
            att(ci, cj) += static_cast<float>(sum / (rowsInCell * len));
        }
    };
    std::atomic<bool> aborted{false};
    if (!model.plainAttention()) {
        // The variants' rows: the same sums over the allowed keys of each head's dense matrices.
        const KernelInfo& kernel = kernelInfo(model.kernel);
        detail::VariantHead parts;
        std::vector<double>& P = rows.front();
        std::vector<double>& signedP = signedRows.front();
        for (int h = 0; h < H; ++h) {
            detail::variantHead(model, X, h, parts, true, abort);
            // C_ij = <xdot_i, M x_j> + <x_i, M xdot_j>: d s_ij / dt without beta (the bias is constant).
            const Matrix C = Xdot.transpose() * MX[h].transpose() + X.transpose() * MXdot[h].transpose();
            for (int i = 0; i < n; ++i) {
                if (i % block == 0 && stopRequested(abort)) throw Aborted();
                const int allowed = detail::allowedKeys(model, i, n);
                double potential = 0, rate = 0, positive = 0, absolute = 0;
                for (int j = 0; j < allowed; ++j) {
                    const double K = parts.kernel(i, j);
                    potential +=
                        kernel.exponential ? K : kernel.potential(parts.scores(i, j), model.sigmoidBias);
                    rate += K * C(i, j);
                    positive += K > 0 ? K : 0.0;
                    absolute += std::abs(K);
                }
                ScaledSums& sums = partials[static_cast<std::size_t>(i / block) * H + h];
                sums.add(parts.shift(i), potential, rate);
                double entropy = 0;
                for (int j = 0; j < allowed; ++j) {
                    const double K = parts.kernel(i, j);
                    const double p = model.sinkhornIterations > 0 ? parts.weights(i, j)
                                     : positive > 0 && K > 0      ? K / positive
                                                                  : 0.0;
                    if (p > 0) entropy -= p * std::log(p);
                    if (!P.empty()) P[j] = p;
                    if (!signedP.empty()) signedP[j] = absolute > 0 ? K / absolute : 0.0;
                }
                for (int j = allowed; j < n; ++j) {
                    if (!P.empty()) P[j] = 0.0;
                    if (!signedP.empty()) signedP[j] = 0.0;
                }
                f.heads[h].entropy(i) = std::clamp(entropy, 0.0, std::log(double(allowed)));  // rounding
                if (!P.empty()) storeRow(f.heads[h].attention, i, P);
                if (!signedP.empty()) storeRow(f.heads[h].signedAttention, i, signedP);
            }
        }
    } else {
        WorkerPool::instance().run(blocks, nt, [&](int b, int slot) {
            if (aborted.load(std::memory_order_relaxed)) return;
            if (stopRequested(abort)) {
                aborted.store(true, std::memory_order_relaxed);
                return;
            }
            std::vector<double>& scratch = scratches[static_cast<std::size_t>(slot)];
            std::vector<double>& P = rows[static_cast<std::size_t>(slot)];
            std::vector<double>& signedP = signedRows[static_cast<std::size_t>(slot)];
            const int i0 = b * block;
            const int q = std::min(block, n - i0);
            for (int h = 0; h < H; ++h) {
                ScaledSums sums;
                Eigen::VectorXd& entropy = f.heads[h].entropy;
                for (int c = 0; c < q; ++c) {
                    if (stopRequested(abort)) {  // a row costs ~0.2 s at n = 20000, d = 4096
                        aborted.store(true, std::memory_order_relaxed);
                        return;
                    }
                    const int i = i0 + c;
                    const detail::RowObservables row = detail::observeQuery(
                        ops[h], X.col(i).data(), Xdot.col(i).data(), scratch.data(),
                        P.empty() ? nullptr : P.data(), signedP.empty() ? nullptr : signedP.data());
                    sums.add(row.logScale, row.potential, row.rate);
                    entropy(i) = row.entropy;
                    if (!P.empty()) storeRow(f.heads[h].attention, i, P);
                    if (!signedP.empty()) storeRow(f.heads[h].signedAttention, i, signedP);
                }
                partials[static_cast<std::size_t>(b) * H + h] = sums;
            }
        });
    }
    if (aborted.load()) throw Aborted();

    const double n2 = static_cast<double>(n) * n;
    f.energyTotal = 0;
    f.energyTotalRate = 0;
    double entropySum = 0;
    for (int h = 0; h < H; ++h) {
        HeadObservables& o = f.heads[h];
        ScaledSums sums;
        for (int b = 0; b < blocks; ++b) sums.add(partials[static_cast<std::size_t>(b) * H + h]);
        o.energy = unscale(sums.potential, sums.logScale, 2.0 * model.headBeta(h) * n2);
        o.energyRate = unscale(sums.rate, sums.logScale, 2.0 * n2);
        o.entropyMean = o.entropy.mean();
        o.entropyMin = o.entropy.minCoeff();
        entropySum += o.entropy.sum();
        const double alpha = model.heads[h].alpha;
        f.energyTotal += alpha * o.energy;
        f.energyTotalRate += alpha * o.energyRate;
    }
    f.entropyMean = entropySum / (static_cast<double>(n) * H);

    clusteringObservables(X, options, f, abort);

    const Eigen::ArrayXd norms = X.colwise().norm().transpose().array();
    f.maxNormDrift = sphere ? (norms - 1.0).abs().maxCoeff() : 0.0;
    f.maxRadialVelocity = (X.array() * Xdot.array()).colwise().sum().abs().maxCoeff();

    // Step-size check: the largest angle a token turns through in one step, |dx_i/dt| dt on the sphere;
    // for flat tokens the step relative to their norm (the angle it can turn the direction by).
    double maxRate = 0;
    for (int i = 0; i < n; ++i) {
        double rate = Xdot.col(i).stableNorm();
        if (!sphere) {
            const double norm = X.col(i).stableNorm();
            if (!(norm > 0)) continue;
            rate /= norm;
        }
        maxRate = std::max(maxRate, rate);
    }
    if (dt > 0) {
        f.maxStepAngle = maxRate * dt;
        f.suggestedDt = f.maxStepAngle > kStepAngleBound ? kStepAngleBound / maxRate : 0.0;
    }
    f.hasObservables = options.observables;
    return f;
}

}  // namespace attnsphere::core
