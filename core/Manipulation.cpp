#include "core/Manipulation.h"

#include "core/Errors.h"
#include "core/Initialisation.h"
#include "core/Scenario.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <string>

namespace attnsphere::core {

Eigen::Vector3d rayToSphere(const Eigen::Vector3d& origin, const Eigen::Vector3d& direction, double radius) {
    const Eigen::Vector3d dir = direction.normalized();
    // |o + s·dir|² = r²  ⇔  s² + 2 b s + (|o|² − r²) = 0 with b = o·dir.
    const double b = origin.dot(dir);
    const double c = origin.squaredNorm() - radius * radius;
    const double disc = b * b - c;
    if (disc >= 0) {
        const double root = std::sqrt(disc);
        const double near = -b - root, far = -b + root;
        if (near >= 0) return origin + near * dir;
        if (far >= 0) return origin + far * dir;
    }
    // Missed: the point of the ray nearest the centre, pushed out to the sphere.
    const Eigen::Vector3d closest = origin + std::max(0.0, -b) * dir;
    if (closest.norm() < 1e-12) return radius * dir.unitOrthogonal();
    return radius * closest.normalized();
}

namespace {

Vector normalisedOr(const Vector& x, const Vector& fallback) {
    const double norm = x.norm();
    return norm > 1e-12 ? Vector(x / norm) : fallback;
}

}  // namespace

Vector dragTarget(const Vector& x, const Eigen::MatrixXd& basis, const Eigen::Vector3d& shown,
                  Geometry geometry) {
    const auto d = x.size();
    Vector y;
    if (d > 3 && basis.rows() == d && basis.cols() == 3)
        y = basis * shown + (x - basis * (basis.transpose() * x));
    else
        y = shown.head(std::min<Eigen::Index>(d, 3));
    if (d > 3 && y.size() != d) y = x;
    return geometry == Geometry::Sphere ? normalisedOr(y, x) : y;
}

Vector tokenAt(int d, const Eigen::MatrixXd& basis, const Eigen::Vector3d& shown, Geometry geometry) {
    return dragTarget(Vector::Zero(d), basis, shown, geometry);
}

Matrix perturb(const Matrix& X, Geometry geometry, std::uint64_t seed, double angle,
               const std::vector<int>& indices) {
    const auto n = X.cols();
    const auto d = X.rows();
    std::vector<int> chosen = indices;
    if (chosen.empty())
        for (int i = 0; i < n; ++i) chosen.push_back(i);
    GaussianSource rng(seed);
    Matrix Y = X;
    for (int i : chosen) {
        if (i < 0 || i >= n)
            throw ValidationError(
                "perturb", "token " + std::to_string(i) + " out of range [0, " + std::to_string(n - 1) + "]");
        const Vector x = X.col(i);
        Vector t(d);
        // A Gaussian vector's tangential part is a uniformly random tangent direction; a draw (almost)
        // parallel to x has none, so draw again.
        for (int attempt = 0;; ++attempt) {
            for (Eigen::Index k = 0; k < d; ++k) t(k) = rng.normal();
            if (geometry == Geometry::Sphere) t -= x.dot(t) / std::max(x.squaredNorm(), 1e-300) * x;
            if (t.norm() > 1e-9 || attempt > 100) break;
        }
        t /= t.norm();
        if (geometry == Geometry::Sphere) {
            const double r = x.norm();
            Y.col(i) = std::cos(angle) * x + std::sin(angle) * r * t;
        } else {
            Y.col(i) = x + angle * x.norm() * t;
        }
    }
    return Y;
}

Matrix withToken(const Matrix& X, const Vector& x) {
    if (x.size() != X.rows())
        throw ValidationError("token", "must have d = " + std::to_string(X.rows()) + " coordinates, got " +
                                           std::to_string(x.size()));
    if (X.cols() >= Limits::nMax)
        throw ValidationError("n", "cannot exceed " + std::to_string(Limits::nMax) + " tokens");
    Matrix Y(X.rows(), X.cols() + 1);
    Y.leftCols(X.cols()) = X;
    Y.col(X.cols()) = x;
    return Y;
}

Matrix withoutToken(const Matrix& X, int i) {
    const auto n = X.cols();
    if (i < 0 || i >= n)
        throw ValidationError(
            "token", "index " + std::to_string(i) + " out of range [0, " + std::to_string(n - 1) + "]");
    if (n <= Limits::nMin)
        throw ValidationError("n", "a run keeps at least " + std::to_string(Limits::nMin) + " tokens");
    Matrix Y(X.rows(), n - 1);
    Y.leftCols(i) = X.leftCols(i);
    Y.rightCols(n - 1 - i) = X.rightCols(n - 1 - i);
    return Y;
}

Matrix PlaneRotation::apply(const Matrix& X) const {
    if (u.size() == 0) return X;
    // R = I + (c − 1)(uuᵀ + wwᵀ) + s(wuᵀ − uwᵀ).
    const Eigen::RowVectorXd pu = u.transpose() * X, pw = w.transpose() * X;
    return X + u * ((c - 1) * pu - s * pw) + w * ((c - 1) * pw + s * pu);
}

Matrix PlaneRotation::applyInverse(const Matrix& X) const {
    PlaneRotation inverse = *this;
    inverse.s = -s;
    return inverse.apply(X);
}

std::optional<PlaneRotation> minimalRotation(const Vector& from, const Vector& to) {
    if (from.size() != to.size() || from.norm() < kCoMovingMinNorm || to.norm() < kCoMovingMinNorm)
        return std::nullopt;
    PlaneRotation r;
    r.u = from.normalized();
    const Vector v = to.normalized();
    r.c = std::clamp(r.u.dot(v), -1.0, 1.0);
    Vector w = v - r.c * r.u;
    r.s = w.norm();
    if (r.s < 1e-12) {
        if (r.c > 0) return PlaneRotation{};
        // Opposite directions: every plane through u is minimal; turn by π in a fixed one.
        Vector e = Vector::Zero(r.u.size());
        Eigen::Index k = 0;
        r.u.cwiseAbs().minCoeff(&k);
        e(k) = 1;
        w = e - r.u.dot(e) * r.u;
        r.s = 0;
        r.c = -1;
    }
    r.w = w.normalized();
    return r;
}

Matrix CoMovingFrame::apply(const Matrix& X) {
    const Vector mean = X.rowwise().mean();
    if (m_reference.size() != X.rows()) {
        m_rotation = {};
        if (mean.norm() < kCoMovingMinNorm) return X;
        m_reference = mean.normalized();
    }
    if (m_rotation.u.size() != 0 && m_rotation.u.size() != X.rows()) m_rotation = {};
    if (auto r = minimalRotation(mean, m_reference)) m_rotation = *r;
    return m_rotation.apply(X);
}

}  // namespace attnsphere::core
