// Scenario::buildModel and Scenario::buildPositions: resolve a scenario's specification into concrete
// matrices and token positions, deterministically in the seed.
#include "core/Errors.h"
#include "core/Initialisation.h"
#include "core/Scenario.h"
#include "core/Spectrum.h"

#include <cmath>
#include <sstream>
#include <string>

namespace attnsphere::core {

namespace {
std::string indexed(const char* field, std::size_t i) {
    return std::string(field) + "[" + std::to_string(i) + "]";
}

double perHead(const std::vector<double>& values, std::size_t h, double fallback, const char* field, int H) {
    if (values.empty()) return fallback;
    if (values.size() == 1) return values[0];
    if (values.size() != static_cast<std::size_t>(H)) {
        std::ostringstream msg;
        msg << "needs 1 or " << H << " values (one per head), got " << values.size();
        throw ValidationError(field, msg.str());
    }
    return values[h];
}

void checkSquare(const Matrix& m, int d, const std::string& path) {
    if (m.rows() != d || m.cols() != d) {
        std::ostringstream msg;
        msg << "must be a " << d << " x " << d << " matrix (d = " << d << "), got " << m.rows() << " x "
            << m.cols();
        throw ValidationError(path, msg.str());
    }
    if (!m.allFinite()) throw ValidationError(path, "must contain finite numbers only");
}

Matrix symmetricGaussian(GaussianSource& rng, int d, double sigma) {
    const Matrix g = rng.normalMatrix(d, d, sigma);
    return 0.5 * (g + g.transpose());
}

Matrix goe(GaussianSource& rng, int d, double sigma) {
    // Off-diagonal N(0, sigma^2), diagonal N(0, 2 sigma^2).
    Matrix m(d, d);
    for (int j = 0; j < d; ++j)
        for (int i = 0; i <= j; ++i) {
            const double x = rng.normal() * sigma * (i == j ? std::sqrt(2.0) : 1.0);
            m(i, j) = x;
            m(j, i) = x;
        }
    return m;
}
}  // namespace

Model Scenario::buildModel() const {
    if (d < 2) throw ValidationError("d", "must be >= 2, got " + std::to_string(d));
    if (n < 2) throw ValidationError("n", "must be >= 2, got " + std::to_string(n));
    const int H = heads.count;
    if (H < 1) throw ValidationError("heads.count", "must be >= 1, got " + std::to_string(H));
    if (!(beta > 0)) throw ValidationError("beta", "must be > 0");

    Model model;
    model.kernel = kernel;
    model.beta = beta;
    model.geometry = geometry;
    model.sigmoidBias = sigmoidBiasSet ? sigmoidBias : -std::log(static_cast<double>(n));
    model.mask = mask;
    model.positionalBias = positionalBias;
    model.sinkhornIterations = sinkhornIterations;
    model.normalisation = normalisation;
    model.temperature = temperature;
    model.heads.resize(static_cast<std::size_t>(H));

    GaussianSource rng(deriveSeed(seed, kHeadStream));
    const double sigmaUnit = 1.0 / std::sqrt(static_cast<double>(d));
    if (heads.kind == HeadsKind::OrthogonalBlocks || heads.kind == HeadsKind::ApproxOrthogonalBlocks) {
        if (H > d) {
            std::ostringstream msg;
            msg << "orthogonal coordinate blocks need heads.count <= d = " << d << ", got " << H;
            throw ValidationError("heads.count", msg.str());
        }
    }
    if (heads.kind == HeadsKind::Explicit && heads.explicitM.size() != static_cast<std::size_t>(H)) {
        std::ostringstream msg;
        msg << "needs one score matrix per head (" << H << "), got " << heads.explicitM.size();
        throw ValidationError("heads.M", msg.str());
    }
    if (heads.value == ValueKind::Explicit && heads.explicitV.size() != static_cast<std::size_t>(H)) {
        std::ostringstream msg;
        msg << "needs one value matrix per head (" << H << "), got " << heads.explicitV.size();
        throw ValidationError("heads.V", msg.str());
    }

    for (std::size_t h = 0; h < static_cast<std::size_t>(H); ++h) {
        const double a = perHead(heads.scale, h, 1.0, "heads.scale", H);
        Matrix M;
        switch (heads.kind) {
            case HeadsKind::Identity:
            case HeadsKind::Scalar:
                M = a * Matrix::Identity(d, d);
                break;
            case HeadsKind::Gaussian:
                M = rng.normalMatrix(d, d, a * sigmaUnit);
                break;
            case HeadsKind::Symmetric:
                M = symmetricGaussian(rng, d, a * sigmaUnit);
                break;
            case HeadsKind::Goe:
                M = goe(rng, d, a * sigmaUnit);
                break;
            case HeadsKind::OrthogonalBlocks:
            case HeadsKind::ApproxOrthogonalBlocks: {
                // Contiguous blocks; the first d % H heads get one extra coordinate.
                const int base = d / H, extra = d % H;
                const int hi = static_cast<int>(h);
                const int start = hi * base + std::min(hi, extra);
                const int size = base + (hi < extra ? 1 : 0);
                M = Matrix::Zero(d, d);
                M.block(start, start, size, size).setIdentity();
                M *= a;
                if (heads.kind == HeadsKind::ApproxOrthogonalBlocks)
                    M += heads.eps * symmetricGaussian(rng, d, sigmaUnit);
                break;
            }
            case HeadsKind::Explicit:
                M = heads.explicitM[h];
                checkSquare(M, d, indexed("heads.M", h));
                break;
            case HeadsKind::Spectrum:
                M = spectrumMatrix(rng, d, heads.spectrumMean, heads.spectrumVariance);
                break;
        }
        Matrix V;
        switch (heads.value) {
            case ValueKind::SameAsScore:
                V = M;
                break;
            case ValueKind::NegativeScore:
                V = -M;
                break;
            case ValueKind::Identity:
                V = Matrix::Identity(d, d);
                break;
            case ValueKind::Explicit:
                V = heads.explicitV[h];
                checkSquare(V, d, indexed("heads.V", h));
                break;
        }
        Head& head = model.heads[h];
        head.M = std::move(M);
        head.V = std::move(V);
        head.alpha = perHead(heads.alpha, h, 1.0, "heads.alpha", H);
        if (!(head.alpha >= 0)) throw ValidationError(indexed("heads.alpha", h), "must be >= 0");
        if (!heads.beta.empty()) {
            head.beta = perHead(heads.beta, h, beta, "heads.beta", H);
            if (!(head.beta > 0)) throw ValidationError(indexed("heads.beta", h), "must be > 0");
        }
    }
    return model;
}

Matrix Scenario::buildPositions() const {
    if (d < 2) throw ValidationError("d", "must be >= 2, got " + std::to_string(d));
    if (n < 2) throw ValidationError("n", "must be >= 2, got " + std::to_string(n));
    GaussianSource rng(deriveSeed(seed, kTokenStream));
    const bool sphere = geometry == Geometry::Sphere;
    Matrix X;
    switch (init.kind) {
        case InitKind::Uniform:
            X = rng.normalMatrix(d, n);
            if (sphere) X.colwise().normalize();
            break;
        case InitKind::Hemisphere:
            X = uniformSpherePoints(n, d, rng);
            X.row(0) = X.row(0).cwiseAbs();  // fold onto x_0 > 0
            break;
        case InitKind::Equiangular:
            X = equiangularPoints(n, d, init.rho);
            break;
        case InitKind::Clusters: {
            const int k = init.clusters;
            if (k < 1 || k > n) {
                std::ostringstream msg;
                msg << "must be in [1, n = " << n << "], got " << k;
                throw ValidationError("init.clusters", msg.str());
            }
            if (!(init.spread >= 0)) throw ValidationError("init.spread", "must be >= 0");
            const Matrix centres = uniformSpherePoints(k, d, rng);
            X.resize(d, n);
            for (int i = 0; i < n; ++i) {
                X.col(i) = centres.col(i % k);
                for (int r = 0; r < d; ++r) X(r, i) += init.spread * rng.normal();
            }
            if (sphere) X.colwise().normalize();
            break;
        }
        case InitKind::Points: {
            if (init.points.rows() != d || init.points.cols() != n) {
                std::ostringstream msg;
                msg << "must hold n = " << n << " points of dimension d = " << d << ", got "
                    << init.points.cols() << " points of dimension " << init.points.rows();
                throw ValidationError("init.points", msg.str());
            }
            if (!init.points.allFinite())
                throw ValidationError("init.points", "must contain finite numbers only");
            X = init.points;
            if (sphere) {
                for (int i = 0; i < n; ++i)
                    if (X.col(i).norm() == 0.0)
                        throw ValidationError(indexed("init.points", static_cast<std::size_t>(i)),
                                              "a point on the sphere cannot be the zero vector");
                X.colwise().normalize();
            }
            break;
        }
    }
    return X;
}

}  // namespace attnsphere::core
