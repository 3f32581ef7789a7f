#include "core/Spectrum.h"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include <cmath>

namespace attnsphere::core {

HeadSpectrum headSpectrum(const Matrix& M, bool eigenvalues) {
    HeadSpectrum s;
    const Matrix S = 0.5 * (M + M.transpose());
    const double d = static_cast<double>(M.rows());
    if (d == 0) return s;
    s.mean = S.trace() / d;
    // tr(S^2) = |S|_F^2 for symmetric S: no product needed.
    s.variance = std::max(0.0, S.squaredNorm() / d - s.mean * s.mean);
    if (eigenvalues)
        s.eigenvalues = Eigen::SelfAdjointEigenSolver<Matrix>(S, Eigen::EigenvaluesOnly).eigenvalues();
    return s;
}

std::shared_ptr<const ModelSpectra> modelSpectra(const Model& model) {
    auto spectra = std::make_shared<ModelSpectra>();
    spectra->d = model.dim();
    spectra->eigenvaluesSkipped =
        static_cast<long long>(model.dim()) * model.headCount() > kSpectrumEigenBudget;
    for (const Head& h : model.heads)
        spectra->heads.push_back(headSpectrum(h.M, !spectra->eigenvaluesSkipped));
    return spectra;
}

Matrix spectrumMatrix(GaussianSource& rng, int d, double mean, double variance) {
    const Matrix g = rng.normalMatrix(d, d, 1.0);
    const Eigen::HouseholderQR<Matrix> qr(g);
    Matrix Q = qr.householderQ();
    for (int k = 0; k < d; ++k)
        if (qr.matrixQR()(k, k) < 0) Q.col(k) = -Q.col(k);
    Vector z = rng.normalMatrix(d, 1, 1.0).col(0);
    z.array() -= z.mean();
    const double sd = std::sqrt(z.squaredNorm() / d);
    if (sd > 0) z /= sd;
    const Vector lambda = (mean + std::sqrt(variance) * z.array()).matrix();
    const Matrix M = Q * lambda.asDiagonal() * Q.transpose();
    return 0.5 * (M + M.transpose());  // exactly symmetric (the product is only up to rounding)
}

}  // namespace attnsphere::core
