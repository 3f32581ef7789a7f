#pragma once
// Direct manipulation of a run's state (doc/SESSIONS.md, "Manipulations"): the geometry behind dragging a
// token with the mouse, random kicks, adding and removing tokens, and the co-moving view frame. Pure
// functions of positions (d × n), so the GUI, the worker and the tests share one definition; every result
// is a whole new state, which the session log stores as a positions event.
#include "core/Model.h"

#include <Eigen/Core>

#include <cstdint>
#include <optional>
#include <vector>

namespace attnsphere::core {

// Where the ray origin + s·direction (s >= 0) first meets the sphere |p| = radius about the origin. A ray
// that misses gives the sphere's point nearest to it (the silhouette), so a drag past the rim slides
// along it instead of stopping.
Eigen::Vector3d rayToSphere(const Eigen::Vector3d& origin, const Eigen::Vector3d& direction, double radius);

// Token x (length d, unit for sphere geometry) dragged to `shown`, a point of the 3-D picture. basis is the
// picture's d × 3 orthonormal basis for d > 3 (empty for d <= 3). d = 3: x' = shown / |shown|; d = 2: the
// first two coordinates, renormalised (the circle); d > 3: x' = basis·shown + (I − basis·basisᵀ)x, i.e. the
// shown coordinates are replaced and the others kept, then renormalised (exactly unit when |shown| equals
// the token's shown radius |basisᵀx|, which is what dragging on that sphere gives).
Vector dragTarget(const Vector& x, const Eigen::MatrixXd& basis, const Eigen::Vector3d& shown,
                  Geometry geometry);

// A new token at the shown point (d-vector): the shown coordinates lifted by basis (d > 3), the rest 0.
Vector tokenAt(int d, const Eigen::MatrixXd& basis, const Eigen::Vector3d& shown, Geometry geometry);

// Random kick: each token of `indices` (all tokens when empty) moves by exactly `angle` radians along the
// great circle towards a uniformly random tangent direction; flat geometry: by angle·|x_i| in a uniformly
// random direction. Deterministic in (X, seed, angle, indices). Throws ValidationError for an index out of
// range.
Matrix perturb(const Matrix& X, Geometry geometry, std::uint64_t seed, double angle,
               const std::vector<int>& indices = {});

// X with column x appended; X without column i (n must stay >= 2). Throw ValidationError when not.
Matrix withToken(const Matrix& X, const Vector& x);
Matrix withoutToken(const Matrix& X, int i);

// The minimal rotation of R^d taking direction `from` to direction `to`: it turns the plane spanned by
// u = from/|from| and v = to/|to| by the angle between them and fixes the orthogonal complement. Kept as
// (u, w, cos, sin) with w the unit vector of v − (u·v)u, so d × d is never formed (d may be 4096).
inline constexpr double kCoMovingMinNorm = 1e-6;
struct PlaneRotation {
    Vector u, w;  // empty: the identity
    double c = 1, s = 0;
    Matrix apply(const Matrix& X) const;         // R·X
    Matrix applyInverse(const Matrix& X) const;  // Rᵀ·X
};
// Empty when either vector is shorter than kCoMovingMinNorm (the direction is undefined).
std::optional<PlaneRotation> minimalRotation(const Vector& from, const Vector& to);

// The co-moving view: positions rotated so that their mean direction stays where it was when the frame
// (re)started. When the mean is ~0 the last rotation is kept.
class CoMovingFrame {
public:
    void restart() {
        m_reference.resize(0);
        m_rotation = {};
    }
    // R·X, with R the minimal rotation taking mean(X)'s direction to the reference direction (the first
    // defined mean direction seen after restart(), or after d changed).
    Matrix apply(const Matrix& X);
    const PlaneRotation& rotation() const { return m_rotation; }  // the last R

private:
    Vector m_reference;
    PlaneRotation m_rotation;
};

}  // namespace attnsphere::core
