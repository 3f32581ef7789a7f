#include "core/AttentionKernel.h"

#include "core/TargetClones.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace attnsphere::core::detail {

namespace {
// e^x by Cody–Waite reduction x = k ln2 + r, |r| <= ln2/2, a degree-12 Taylor polynomial (truncation
// below 2e-16 relative) and 2^k built in the exponent bits. Branch-free so loops vectorise.
// Clamping to [-707, 709] keeps 2^k a normal number; callers that know x <= 700 skip the upper clamp.
template <bool ClampAbove = true>
ATTNSPHERE_INLINE double vexp(double x) {
    x = x < -707.0 ? -707.0 : x;
    if constexpr (ClampAbove) x = x > 709.0 ? 709.0 : x;
    constexpr double kMagic = 0x1.8p52;  // adding it rounds to an integer held in the low mantissa bits
    const double t = x * 1.4426950408889634074 + kMagic;
    const double k = t - kMagic;
    const double r = (x - k * 0x1.62e42fefa3800p-1) - k * 0x1.ef35793c76730p-45;
    double p = 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    const std::int64_t ki = std::bit_cast<std::int64_t>(t) - std::bit_cast<std::int64_t>(kMagic);
    return std::bit_cast<double>(std::bit_cast<std::int64_t>(p) + (ki << 52));
}

ATTNSPHERE_INLINE double rowMax(const double* s, int n) {
    double m = -INFINITY;
#pragma omp simd reduction(max : m)
    for (int j = 0; j < n; ++j) m = s[j] > m ? s[j] : m;
    return m;
}

// s_j (+)= sum_{k < G} key_k[j] x_k over all keys in one vectorised pass; the last pass also returns
// max_j s_j.
template <int G, bool Accumulate, bool Last>
ATTNSPHERE_INLINE double scorePass(const double* const* key, const double* x, int n, double* s) {
    const double x0 = x[0], x1 = G > 1 ? x[1] : 0, x2 = G > 2 ? x[2] : 0, x3 = G > 3 ? x[3] : 0;
    const double* k0 = key[0];
    const double* k1 = key[G > 1 ? 1 : 0];
    const double* k2 = key[G > 2 ? 2 : 0];
    const double* k3 = key[G > 3 ? 3 : 0];
    double m = -INFINITY;
#pragma omp simd reduction(max : m)
    for (int j = 0; j < n; ++j) {
        double t = k0[j] * x0;
        if constexpr (G > 1) t += k1[j] * x1;
        if constexpr (G > 2) t += k2[j] * x2;
        if constexpr (G > 3) t += k3[j] * x3;
        if constexpr (Accumulate) t += s[j];
        s[j] = t;
        if constexpr (Last) m = t > m ? t : m;
    }
    return m;
}

template <bool Accumulate, bool Last>
ATTNSPHERE_INLINE double scorePassAny(int g, const double* const* key, const double* x, int n, double* s) {
    switch (g) {
        case 1:
            return scorePass<1, Accumulate, Last>(key, x, n, s);
        case 2:
            return scorePass<2, Accumulate, Last>(key, x, n, s);
        case 3:
            return scorePass<3, Accumulate, Last>(key, x, n, s);
        default:
            return scorePass<4, Accumulate, Last>(key, x, n, s);
    }
}

// Scores s_j = <x, key_j> for all keys, in passes of up to 4 coordinates; returns max_j s_j.
ATTNSPHERE_INLINE double scoreRow(const double* const* key, const double* x, int n, int d, double* s) {
    if (d <= 4) return scorePassAny<false, true>(d, key, x, n, s);
    scorePassAny<false, false>(4, key, x, n, s);
    int k = 4;
    for (; k + 4 < d; k += 4) scorePassAny<true, false>(4, key + k, x + k, n, s);
    return scorePassAny<true, true>(d - k, key + k, x + k, n, s);
}

// One pass: w_j = weight(s_j) stored back into s, their sum returned, and the dot products of w with
// the first G (<= 4) value columns added to acc (independent accumulators hide the FMA latency).
template <int G, typename Weight>
ATTNSPHERE_INLINE double weightAndReduce(const double* const* v, double* s, int n, Weight weight,
                                         double* acc) {
    double z = 0, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const double* v0 = v[0];
    const double* v1 = v[G > 1 ? 1 : 0];
    const double* v2 = v[G > 2 ? 2 : 0];
    const double* v3 = v[G > 3 ? 3 : 0];
#pragma omp simd reduction(+ : z, a0, a1, a2, a3)
    for (int j = 0; j < n; ++j) {
        const double w = weight(s[j]);
        s[j] = w;
        z += w;
        a0 += v0[j] * w;
        if constexpr (G > 1) a1 += v1[j] * w;
        if constexpr (G > 2) a2 += v2[j] * w;
        if constexpr (G > 3) a3 += v3[j] * w;
    }
    acc[0] = a0;
    if constexpr (G > 1) acc[1] = a1;
    if constexpr (G > 2) acc[2] = a2;
    if constexpr (G > 3) acc[3] = a3;
    return z;
}

// Dot products of the stored weights w with G (<= 4) further value columns.
template <int G>
ATTNSPHERE_INLINE void reduceValues(const double* const* v, const double* w, int n, double* acc) {
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const double* v0 = v[0];
    const double* v1 = v[G > 1 ? 1 : 0];
    const double* v2 = v[G > 2 ? 2 : 0];
    const double* v3 = v[G > 3 ? 3 : 0];
#pragma omp simd reduction(+ : a0, a1, a2, a3)
    for (int j = 0; j < n; ++j) {
        a0 += v0[j] * w[j];
        if constexpr (G > 1) a1 += v1[j] * w[j];
        if constexpr (G > 2) a2 += v2[j] * w[j];
        if constexpr (G > 3) a3 += v3[j] * w[j];
    }
    acc[0] = a0;
    if constexpr (G > 1) acc[1] = a1;
    if constexpr (G > 2) acc[2] = a2;
    if constexpr (G > 3) acc[3] = a3;
}

// The whole row in one pass for d = D <= 8: score, weight, row sum and the D value dot products, with
// nothing stored. The weight function must not need the row maximum (callers shift by a bound).
template <int D, typename Weight>
ATTNSPHERE_INLINE double fusedRow(const double* const* key, const double* const* v, const double* x, int n,
                                  Weight weight, double* acc) {
    static_assert(D >= 1 && D <= 8);
    auto ptr = [](const double* const* p, int k) { return p[k < D ? k : 0]; };
    auto coord = [x](int k) { return k < D ? x[k] : 0.0; };
    const double *k0 = ptr(key, 0), *k1 = ptr(key, 1), *k2 = ptr(key, 2), *k3 = ptr(key, 3);
    const double *k4 = ptr(key, 4), *k5 = ptr(key, 5), *k6 = ptr(key, 6), *k7 = ptr(key, 7);
    const double *v0 = ptr(v, 0), *v1 = ptr(v, 1), *v2 = ptr(v, 2), *v3 = ptr(v, 3);
    const double *v4 = ptr(v, 4), *v5 = ptr(v, 5), *v6 = ptr(v, 6), *v7 = ptr(v, 7);
    const double x0 = coord(0), x1 = coord(1), x2 = coord(2), x3 = coord(3);
    const double x4 = coord(4), x5 = coord(5), x6 = coord(6), x7 = coord(7);
    double z = 0, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
#pragma omp simd reduction(+ : z, a0, a1, a2, a3, a4, a5, a6, a7)
    for (int j = 0; j < n; ++j) {
        double s = k0[j] * x0;
        if constexpr (D > 1) s += k1[j] * x1;
        if constexpr (D > 2) s += k2[j] * x2;
        if constexpr (D > 3) s += k3[j] * x3;
        if constexpr (D > 4) s += k4[j] * x4;
        if constexpr (D > 5) s += k5[j] * x5;
        if constexpr (D > 6) s += k6[j] * x6;
        if constexpr (D > 7) s += k7[j] * x7;
        const double w = weight(s);
        z += w;
        a0 += v0[j] * w;
        if constexpr (D > 1) a1 += v1[j] * w;
        if constexpr (D > 2) a2 += v2[j] * w;
        if constexpr (D > 3) a3 += v3[j] * w;
        if constexpr (D > 4) a4 += v4[j] * w;
        if constexpr (D > 5) a5 += v5[j] * w;
        if constexpr (D > 6) a6 += v6[j] * w;
        if constexpr (D > 7) a7 += v7[j] * w;
    }
    const double all[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (int k = 0; k < D; ++k) acc[k] = all[k];
    return z;
}

template <typename Weight>
ATTNSPHERE_INLINE double fusedRowAny(int d, const double* const* key, const double* const* v, const double* x,
                                     int n, Weight weight, double* acc) {
    switch (d) {
        case 1:
            return fusedRow<1>(key, v, x, n, weight, acc);
        case 2:
            return fusedRow<2>(key, v, x, n, weight, acc);
        case 3:
            return fusedRow<3>(key, v, x, n, weight, acc);
        case 4:
            return fusedRow<4>(key, v, x, n, weight, acc);
        case 5:
            return fusedRow<5>(key, v, x, n, weight, acc);
        case 6:
            return fusedRow<6>(key, v, x, n, weight, acc);
        case 7:
            return fusedRow<7>(key, v, x, n, weight, acc);
        default:
            return fusedRow<8>(key, v, x, n, weight, acc);
    }
}

template <typename Weight>
ATTNSPHERE_INLINE double weightAndReduceAny(int g, const double* const* v, double* s, int n, Weight weight,
                                            double* acc) {
    switch (g) {
        case 1:
            return weightAndReduce<1>(v, s, n, weight, acc);
        case 2:
            return weightAndReduce<2>(v, s, n, weight, acc);
        case 3:
            return weightAndReduce<3>(v, s, n, weight, acc);
        default:
            return weightAndReduce<4>(v, s, n, weight, acc);
    }
}

ATTNSPHERE_INLINE void reduceValuesAny(int g, const double* const* v, const double* w, int n, double* acc) {
    switch (g) {
        case 1:
            return reduceValues<1>(v, w, n, acc);
        case 2:
            return reduceValues<2>(v, w, n, acc);
        case 3:
            return reduceValues<3>(v, w, n, acc);
        default:
            return reduceValues<4>(v, w, n, acc);
    }
}
}  // namespace

ATTNSPHERE_CLONES
bool attendQueries(const HeadOperands& op, int i0, const double* X, int q, double* out, double* scratch,
                   double& maxScore) {
    const int n = op.n, d = op.d;
    const double bias = op.sigmoidBias;
    const bool exponential = kernelInfo(op.kernel).exponential, normalised = isNormalised(op.kernel);
    double* s = scratch;
    // Column pointers of the keys and values (on the stack for the usual small d).
    constexpr int kMaxColumns = 64;
    const double* columns[kMaxColumns];
    const double* keyColumns[kMaxColumns];
    double acc[kMaxColumns];
    const bool stackColumns = d <= kMaxColumns;
    std::vector<const double*> heapColumns, heapKeys;
    std::vector<double> heapAcc;
    const double** v = columns;
    const double** key = keyColumns;
    double* a = acc;
    if (!stackColumns) {
        heapColumns.resize(static_cast<std::size_t>(d));
        heapKeys.resize(static_cast<std::size_t>(d));
        heapAcc.resize(static_cast<std::size_t>(d));
        v = heapColumns.data();
        key = heapKeys.data();
        a = heapAcc.data();
    }
    for (int r = 0; r < d; ++r) {
        v[r] = op.values + static_cast<std::ptrdiff_t>(r) * n;
        key[r] = op.keys + static_cast<std::ptrdiff_t>(r) * n;
    }

    // Softmax is shift-invariant: instead of a pass for the row maximum, shift by the bound
    // s_ij <= |beta M^T x_i| max_j |x_j|. Safe while the bound exceeds the diagonal score s_ii (a lower
    // bound of the maximum) by less than kMaxShiftGap: the largest weight stays above e^-kMaxShiftGap.
    constexpr double kMaxShiftGap = 600.0;
    constexpr int kMaxFused = 8;
    for (int c = 0; c < q; ++c) {
        const double* x = X + static_cast<std::ptrdiff_t>(c) * d;
        const int i = i0 + c;
        double z = 0;
        bool done = false;
        if (d <= kMaxFused) {
            double bound = 0, diagonal = 0;
            if (exponential) {
                for (int k = 0; k < d; ++k) {
                    double qk = 0;
                    for (int r = 0; r < d; ++r)
                        qk += op.scoreMatrix[static_cast<std::ptrdiff_t>(k) * d + r] * x[r];
                    bound += qk * qk;
                    diagonal += key[k][i] * x[k];
                }
                bound = std::sqrt(bound) * op.maxNorm;
            }
            switch (op.kernel) {
                case KernelKind::Softmax:
                    if (bound - diagonal < kMaxShiftGap) {
                        z = fusedRowAny(
                            d, key, v, x, n, [bound](double t) { return vexp<false>(t - bound); }, a);
                        done = true;
                    }
                    break;
                case KernelKind::Exp:
                    if (bound <= kMaxExpScore) {
                        z = fusedRowAny(
                            d, key, v, x, n, [](double t) { return vexp<false>(t); }, a);
                        done = true;
                    }
                    break;
                case KernelKind::ReluNormalised:
                case KernelKind::Relu:
                    z = fusedRowAny(
                        d, key, v, x, n, [](double t) { return t > 0 ? t : 0.0; }, a);
                    done = true;
                    break;
                case KernelKind::Linear:
                    z = fusedRowAny(
                        d, key, v, x, n, [](double t) { return t; }, a);
                    done = true;
                    break;
                case KernelKind::Sigmoid:
                    z = fusedRowAny(
                        d, key, v, x, n, [bias](double t) { return 1.0 / (1.0 + vexp(-(t + bias))); }, a);
                    done = true;
                    break;
            }
        }
        if (!done) {
            // General path: scores stored, exact row maximum, then weights and value groups.
            const double m = scoreRow(key, x, n, d, s);
            const int g = std::min(d, 4);
            switch (op.kernel) {
                case KernelKind::Softmax:
                    z = weightAndReduceAny(
                        g, v, s, n, [m](double t) { return vexp<false>(t - m); }, a);
                    break;
                case KernelKind::Exp:
                    if (!(m <= kMaxExpScore)) {
                        maxScore = m;
                        return false;
                    }
                    z = weightAndReduceAny(
                        g, v, s, n, [](double t) { return vexp<false>(t); }, a);
                    break;
                case KernelKind::ReluNormalised:
                case KernelKind::Relu:
                    z = weightAndReduceAny(
                        g, v, s, n, [](double t) { return t > 0 ? t : 0.0; }, a);
                    break;
                case KernelKind::Linear:
                    z = weightAndReduceAny(
                        g, v, s, n, [](double t) { return t; }, a);
                    break;
                case KernelKind::Sigmoid:
                    z = weightAndReduceAny(
                        g, v, s, n, [bias](double t) { return 1.0 / (1.0 + vexp(-(t + bias))); }, a);
                    break;
            }
            for (int r = g; r < d; r += 4) reduceValuesAny(std::min(4, d - r), v + r, s, n, a + r);
        }
        double scale = 1.0;
        if (normalised) scale = z > 0 ? 1.0 / z : 0.0;  // a row without mass contributes 0
        double* o = out + static_cast<std::ptrdiff_t>(c) * d;
        for (int r = 0; r < d; ++r) o[r] += scale * a[r];
    }
    return true;
}

// One query row of a symmetric tile: keys j in [jBegin, jEnd), both directions, nothing but the
// column accumulators stored.
template <int D, typename Weight>
ATTNSPHERE_INLINE void symmetricRow(const double* const* key, const double* const* val, const double* xi,
                                    const double* vi, int jBegin, int jEnd, Weight weight, double* zCol,
                                    double* const* accCol, double* zRow, double* const* accRow) {
    static_assert(D >= 1 && D <= 8);
    auto ptr = [](auto p, int k) { return p[k < D ? k : 0]; };
    auto coord = [](const double* c, int k) { return k < D ? c[k] : 0.0; };
    const double *k0 = ptr(key, 0), *k1 = ptr(key, 1), *k2 = ptr(key, 2), *k3 = ptr(key, 3);
    const double *k4 = ptr(key, 4), *k5 = ptr(key, 5), *k6 = ptr(key, 6), *k7 = ptr(key, 7);
    const double *v0 = ptr(val, 0), *v1 = ptr(val, 1), *v2 = ptr(val, 2), *v3 = ptr(val, 3);
    const double *v4 = ptr(val, 4), *v5 = ptr(val, 5), *v6 = ptr(val, 6), *v7 = ptr(val, 7);
    double *c0 = ptr(accCol, 0), *c1 = ptr(accCol, 1), *c2 = ptr(accCol, 2), *c3 = ptr(accCol, 3);
    double *c4 = ptr(accCol, 4), *c5 = ptr(accCol, 5), *c6 = ptr(accCol, 6), *c7 = ptr(accCol, 7);
    const double x0 = coord(xi, 0), x1 = coord(xi, 1), x2 = coord(xi, 2), x3 = coord(xi, 3);
    const double x4 = coord(xi, 4), x5 = coord(xi, 5), x6 = coord(xi, 6), x7 = coord(xi, 7);
    const double u0 = coord(vi, 0), u1 = coord(vi, 1), u2 = coord(vi, 2), u3 = coord(vi, 3);
    const double u4 = coord(vi, 4), u5 = coord(vi, 5), u6 = coord(vi, 6), u7 = coord(vi, 7);
    double zr = 0, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
#pragma omp simd reduction(+ : zr, a0, a1, a2, a3, a4, a5, a6, a7)
    for (int j = jBegin; j < jEnd; ++j) {
        double s = k0[j] * x0;
        if constexpr (D > 1) s += k1[j] * x1;
        if constexpr (D > 2) s += k2[j] * x2;
        if constexpr (D > 3) s += k3[j] * x3;
        if constexpr (D > 4) s += k4[j] * x4;
        if constexpr (D > 5) s += k5[j] * x5;
        if constexpr (D > 6) s += k6[j] * x6;
        if constexpr (D > 7) s += k7[j] * x7;
        const double w = weight(s);
        zr += w;
        zCol[j] += w;
        a0 += v0[j] * w;
        c0[j] += w * u0;
        if constexpr (D > 1) a1 += v1[j] * w, c1[j] += w * u1;
        if constexpr (D > 2) a2 += v2[j] * w, c2[j] += w * u2;
        if constexpr (D > 3) a3 += v3[j] * w, c3[j] += w * u3;
        if constexpr (D > 4) a4 += v4[j] * w, c4[j] += w * u4;
        if constexpr (D > 5) a5 += v5[j] * w, c5[j] += w * u5;
        if constexpr (D > 6) a6 += v6[j] * w, c6[j] += w * u6;
        if constexpr (D > 7) a7 += v7[j] * w, c7[j] += w * u7;
    }
    *zRow += zr;
    const double all[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (int k = 0; k < D; ++k) *accRow[k] += all[k];
}

template <int D, typename Weight>
ATTNSPHERE_INLINE void symmetricTile(const HeadOperands& op, const double* X, int i0, int iCount, int j0,
                                     int jCount, Weight weight, double* rowSums, double* colSums) {
    const int n = op.n;
    const double* key[8];  // the tile's keys, indexed by local j
    const double* val[8];
    double* colAcc[8];
    for (int k = 0; k < D; ++k) {
        key[k] = op.keys + static_cast<std::ptrdiff_t>(k) * n + j0;
        val[k] = op.values + static_cast<std::ptrdiff_t>(k) * n + j0;
        colAcc[k] = colSums + static_cast<std::ptrdiff_t>(k + 1) * jCount;
    }
    const bool diagonal = i0 == j0;
    for (int li = 0; li < iCount; ++li) {
        const int i = i0 + li;
        const double* xi = X + static_cast<std::ptrdiff_t>(i) * D;
        double vi[8];
        double* rowAcc[8];
        for (int k = 0; k < D; ++k) {
            vi[k] = op.values[static_cast<std::ptrdiff_t>(k) * n + i];
            rowAcc[k] = rowSums + static_cast<std::ptrdiff_t>(k + 1) * iCount + li;
        }
        int jBegin = 0;
        if (diagonal) {
            // The self-pair w_ii belongs to row i once.
            double sii = 0;
            for (int k = 0; k < D; ++k) sii += key[k][li] * xi[k];
            const double w = weight(sii);
            rowSums[li] += w;
            for (int k = 0; k < D; ++k) *rowAcc[k] += w * vi[k];
            jBegin = li + 1;
        }
        symmetricRow<D>(key, val, xi, vi, jBegin, jCount, weight, colSums, colAcc, rowSums + li, rowAcc);
    }
}

template <typename Weight>
ATTNSPHERE_INLINE void symmetricTileAny(const HeadOperands& op, const double* X, int i0, int iCount, int j0,
                                        int jCount, Weight weight, double* rowSums, double* colSums) {
    switch (op.d) {
        case 1:
            return symmetricTile<1>(op, X, i0, iCount, j0, jCount, weight, rowSums, colSums);
        case 2:
            return symmetricTile<2>(op, X, i0, iCount, j0, jCount, weight, rowSums, colSums);
        case 3:
            return symmetricTile<3>(op, X, i0, iCount, j0, jCount, weight, rowSums, colSums);
        case 4:
            return symmetricTile<4>(op, X, i0, iCount, j0, jCount, weight, rowSums, colSums);
        case 5:
            return symmetricTile<5>(op, X, i0, iCount, j0, jCount, weight, rowSums, colSums);
        case 6:
            return symmetricTile<6>(op, X, i0, iCount, j0, jCount, weight, rowSums, colSums);
        case 7:
            return symmetricTile<7>(op, X, i0, iCount, j0, jCount, weight, rowSums, colSums);
        default:
            return symmetricTile<8>(op, X, i0, iCount, j0, jCount, weight, rowSums, colSums);
    }
}

ATTNSPHERE_CLONES
void attendTileSymmetric(const HeadOperands& op, const double* X, int i0, int iCount, int j0, int jCount,
                         double shift, double* rowSums, double* colSums) {
    const double bias = op.sigmoidBias;
    switch (op.kernel) {
        case KernelKind::Softmax:
            return symmetricTileAny(
                op, X, i0, iCount, j0, jCount, [shift](double t) { return vexp<false>(t - shift); }, rowSums,
                colSums);
        case KernelKind::Exp:
            return symmetricTileAny(
                op, X, i0, iCount, j0, jCount, [](double t) { return vexp<false>(t); }, rowSums, colSums);
        case KernelKind::ReluNormalised:
        case KernelKind::Relu:
            return symmetricTileAny(
                op, X, i0, iCount, j0, jCount, [](double t) { return t > 0 ? t : 0.0; }, rowSums, colSums);
        case KernelKind::Linear:
            return symmetricTileAny(
                op, X, i0, iCount, j0, jCount, [](double t) { return t; }, rowSums, colSums);
        case KernelKind::Sigmoid:
            return symmetricTileAny(
                op, X, i0, iCount, j0, jCount, [bias](double t) { return 1.0 / (1.0 + vexp(-(t + bias))); },
                rowSums, colSums);
    }
}

// The helpers below pass Lane8 by value but are always inlined into their clone, so no call uses the
// ABI GCC warns about.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
namespace {
// Eight queries' worth of doubles (GCC vector extension: one AVX-512 register, two AVX2 or four SSE2
// registers, whichever the clone is compiled for); locals of this type stay in registers across a loop,
// where an array would be stored and reloaded on every iteration.
using Lane8 = double __attribute__((vector_size(64)));
constexpr int kLane = 8;

ATTNSPHERE_INLINE Lane8 load8(const double* p) {
    Lane8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
ATTNSPHERE_INLINE void store8(double* p, const Lane8& v) {
    std::memcpy(p, &v, sizeof v);
}

// Scores of queries [i0, i0 + 8) against keys j .. j + G - 1 into columns of S (G chains, one per key).
template <int G>
ATTNSPHERE_INLINE void smallScores(const HeadOperands& op, const double* XT, int np, int i0, int j,
                                   double* S) {
    Lane8 t[G] = {};
    for (int k = 0; k < op.d; ++k) {
        const Lane8 x = load8(XT + static_cast<std::ptrdiff_t>(k) * np + i0);
        const double* key = op.keys + static_cast<std::ptrdiff_t>(k) * op.n + j;
        for (int g = 0; g < G; ++g) t[g] += x * key[g];
    }
    for (int g = 0; g < G; ++g) store8(S + static_cast<std::ptrdiff_t>(j + g) * np + i0, t[g]);
}

// Weighted values of coordinates k .. k + G - 1 for queries [i0, i0 + 8), divided by the row sums z and
// added to outT (G chains, one per coordinate).
template <int G>
ATTNSPHERE_INLINE void smallOutputs(const HeadOperands& op, const double* W, int np, int i0, int k,
                                    const Lane8& z, double* outT) {
    Lane8 t[G] = {};
    const int n = op.n;
    for (int j = 0; j < n; ++j) {
        const Lane8 w = load8(W + static_cast<std::ptrdiff_t>(j) * np + i0);
        const double* v = op.values + static_cast<std::ptrdiff_t>(k) * n + j;
        for (int g = 0; g < G; ++g) t[g] += w * v[static_cast<std::ptrdiff_t>(g) * n];
    }
    for (int g = 0; g < G; ++g) {
        double* o = outT + static_cast<std::ptrdiff_t>(k + g) * np + i0;
        store8(o, load8(o) + t[g] / z);
    }
}
}  // namespace

ATTNSPHERE_CLONES
void attendSmallSoftmax(const HeadOperands& op, const double* XT, int np, double* outT, double* scratch) {
    const int n = op.n, d = op.d;
    double* S = scratch;  // column j (np long): the scores s_ij of every query i against key j
    double* m = S + static_cast<std::ptrdiff_t>(np) * n;
    for (int i0 = 0; i0 < np; i0 += kLane) {
        int j = 0;
        for (; j + 8 <= n; j += 8) smallScores<8>(op, XT, np, i0, j, S);
        for (; j < n; ++j) smallScores<1>(op, XT, np, i0, j, S);
        Lane8 top = load8(S + i0);
        for (j = 1; j < n; ++j) {
            const Lane8 s = load8(S + static_cast<std::ptrdiff_t>(j) * np + i0);
            top = s > top ? s : top;
        }
        store8(m + i0, top);
    }
    for (int j = 0; j < n; ++j) {
        double* s = S + static_cast<std::ptrdiff_t>(j) * np;
#pragma omp simd
        for (int i = 0; i < np; ++i) s[i] = vexp<false>(s[i] - m[i]);
    }
    for (int i0 = 0; i0 < np; i0 += kLane) {
        Lane8 z[4] = {};
        int j = 0;
        for (; j + 4 <= n; j += 4)
            for (int g = 0; g < 4; ++g) z[g] += load8(S + static_cast<std::ptrdiff_t>(j + g) * np + i0);
        for (; j < n; ++j) z[0] += load8(S + static_cast<std::ptrdiff_t>(j) * np + i0);
        const Lane8 sum = (z[0] + z[1]) + (z[2] + z[3]);
        int k = 0;
        for (; k + 8 <= d; k += 8) smallOutputs<8>(op, S, np, i0, k, sum, outT);
        for (; k + 2 <= d; k += 2) smallOutputs<2>(op, S, np, i0, k, sum, outT);
        for (; k < d; ++k) smallOutputs<1>(op, S, np, i0, k, sum, outT);
    }
}
#pragma GCC diagnostic pop

ATTNSPHERE_CLONES
bool isScaledIdentity(const double* A, int d, double& c) {
    c = A[0];
    int offDiagonal = 0, diagonal = 0;
    for (int col = 0; col < d; ++col) {
        const double* a = A + static_cast<std::ptrdiff_t>(col) * d;
        int nonzero = 0;
#pragma omp simd reduction(+ : nonzero)
        for (int r = 0; r < d; ++r) nonzero += a[r] != 0.0 ? 1 : 0;
        offDiagonal += nonzero - (a[col] != 0.0 ? 1 : 0);
        diagonal += a[col] == c ? 1 : 0;
    }
    return offDiagonal == 0 && diagonal == d;
}

ATTNSPHERE_CLONES
RowObservables observeQuery(const ObserveOperands& op, const double* x, const double* xdot, double* scratch,
                            double* P, double* signedP) {
    const int n = op.n, d = op.d;
    double* s = scratch;
    double* c = scratch + n;
    // Scores s_j and the score rates c_j = <xdot, M x_j> + <x, M xdot_j> in passes over the coordinates.
    for (int j = 0; j < n; ++j) s[j] = 0.0, c[j] = 0.0;
    for (int k = 0; k < d; ++k) {
        const double* key = op.keys + static_cast<std::ptrdiff_t>(k) * n;
        const double* mx = op.mx + static_cast<std::ptrdiff_t>(k) * n;
        const double* mxd = op.mxdot + static_cast<std::ptrdiff_t>(k) * n;
        const double xk = x[k], vk = xdot[k];
#pragma omp simd
        for (int j = 0; j < n; ++j) {
            s[j] += key[j] * xk;
            c[j] += mx[j] * vk + mxd[j] * xk;
        }
    }
    RowObservables out;
    const KernelInfo& kernel = kernelInfo(op.kernel);
    if (kernel.exponential) {
        // e_j = e^{s_j - m}: P = e/z, S = log z - sum P (s - m); kappa = Phi = e^m e_j, reported as
        // e_j sums with logScale m so that the caller decides whether e^m fits.
        const double m = rowMax(s, n);
        double z = 0, weighted = 0, rated = 0;
#pragma omp simd reduction(+ : z, weighted, rated)
        for (int j = 0; j < n; ++j) {
            const double t = s[j] - m;
            const double e = vexp<false>(t);
            s[j] = e;
            z += e;
            weighted += e * t;
            rated += e * c[j];
        }
        out.logScale = m;
        out.potential = z;
        out.rate = rated;
        out.entropy = std::clamp(std::log(z) - weighted / z, 0.0, std::log(double(n)));  // rounding
        if (P) {
            const double inv = 1.0 / z;
#pragma omp simd
            for (int j = 0; j < n; ++j) P[j] = s[j] * inv;
        }
        return out;
    }
    // The other kernels: the dynamics use kappa as it is; a signed kernel's attention is its positive part.
    double potential = 0, positive = 0, absolute = 0, rated = 0;
    for (int j = 0; j < n; ++j) {
        const double K = kernel.kappa(s[j], op.sigmoidBias);
        potential += kernel.potential(s[j], op.sigmoidBias);
        positive += K > 0 ? K : 0.0;
        absolute += std::abs(K);
        rated += K * c[j];
        s[j] = K;
    }
    out.potential = potential;
    out.rate = rated;
    if (signedP) {
        const double inv = absolute > 0 ? 1.0 / absolute : 0.0;
        for (int j = 0; j < n; ++j) signedP[j] = s[j] * inv;
    }
    if (!(positive > 0)) {
        if (P)
            for (int j = 0; j < n; ++j) P[j] = 0.0;
        return out;
    }
    double entropy = 0;
    for (int j = 0; j < n; ++j) {
        const double p = s[j] > 0 ? s[j] / positive : 0.0;
        if (P) P[j] = p;
        if (p > 0) entropy -= p * std::log(p);
    }
    out.entropy = std::clamp(entropy, 0.0, std::log(double(n)));  // rounding only
    return out;
}

}  // namespace attnsphere::core::detail
