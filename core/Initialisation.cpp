#include "core/Initialisation.h"

#include "core/Errors.h"

#include <cmath>
#include <numbers>
#include <sstream>

namespace attnsphere::core {

GaussianSource::GaussianSource(std::uint64_t seed) : m_engine(seed) {}

double GaussianSource::uniform() {
    // 53 random bits mapped to (0, 1]: never 0, so log() below is finite.
    return (static_cast<double>(m_engine() >> 11) + 1.0) * 0x1.0p-53;
}

double GaussianSource::normal() {
    if (m_hasSpare) {
        m_hasSpare = false;
        return m_spare;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double phi = 2.0 * std::numbers::pi * uniform();
    m_spare = r * std::sin(phi);
    m_hasSpare = true;
    return r * std::cos(phi);
}

Matrix GaussianSource::normalMatrix(int rows, int cols, double sigma) {
    Matrix m(rows, cols);
    for (int j = 0; j < cols; ++j)
        for (int i = 0; i < rows; ++i) m(i, j) = sigma * normal();
    return m;
}

std::uint64_t deriveSeed(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

Matrix equiangularPoints(int n, int d, double rho) {
    if (n < 2) throw ValidationError("n", "equiangular points need n >= 2");
    const double lowest = -1.0 / (n - 1);
    if (!(rho >= lowest && rho <= 1.0)) {
        std::ostringstream msg;
        msg << "equiangular cosine must lie in [" << lowest << ", 1] for n = " << n << ", got " << rho;
        throw ValidationError("init.rho", msg.str());
    }
    Matrix X = Matrix::Zero(d, n);
    if (rho >= 0 && d >= n + 1) {
        for (int i = 0; i < n; ++i) {
            X(0, i) = std::sqrt(rho);
            X(i + 1, i) = std::sqrt(1.0 - rho);
        }
        return X;
    }
    if (d < n) {
        std::ostringstream msg;
        msg << "an equiangular configuration of n = " << n << " tokens needs d >= " << (rho >= 0 ? n + 1 : n)
            << " (d >= n suffices only via the Gram square root), got d = " << d;
        throw ValidationError("d", msg.str());
    }
    // ((1-rho) I + rho 11^T)^{1/2} = sqrt(1-rho) I + c 11^T: eigenvalues 1+(n-1)rho on 1, 1-rho elsewhere.
    const double a = std::sqrt(std::max(0.0, 1.0 - rho));
    const double c = (std::sqrt(std::max(0.0, 1.0 + (n - 1) * rho)) - a) / n;
    X.topRows(n).setConstant(c);
    X.topRows(n).diagonal().array() += a;
    return X;
}

Matrix uniformSpherePoints(int n, int d, GaussianSource& rng) {
    Matrix X = rng.normalMatrix(d, n);
    X.colwise().normalize();
    return X;
}

}  // namespace attnsphere::core
