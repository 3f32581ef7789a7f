#pragma once
// The QK spectrum of a head (doc/MODEL.md §1): the eigenvalues of the symmetric part of its score matrix,
// their mean and variance; and the constructor of a score matrix with a chosen spectrum. One definition
// for the matrix editor, the spectrum panel, the export and the tests.
#include "core/Initialisation.h"
#include "core/Model.h"

#include <memory>
#include <vector>

namespace attnsphere::core {

struct HeadSpectrum {
    Vector eigenvalues;   // of (M + M^T)/2, ascending; empty when the solve was skipped (ModelSpectra)
    double mean = 0;      // tr(M) / d
    double variance = 0;  // tr(M_s^2) / d - mean^2, M_s = (M + M^T)/2
};

// Mean and variance always; the eigenvalues when `eigenvalues` is true (a symmetric eigen-solve, O(d^3)).
HeadSpectrum headSpectrum(const Matrix& M, bool eigenvalues = true);

// Eigen-solves of a model beyond this many rows in total (d * H) are skipped: the mean and variance come
// from traces (O(d^2)), and a panel says that the eigenvalues were not computed.
inline constexpr int kSpectrumEigenBudget = 512;

struct ModelSpectra {
    std::vector<HeadSpectrum> heads;  // in the model's order
    int d = 0;
    bool eigenvaluesSkipped = false;  // d * H > kSpectrumEigenBudget
};

// The spectra of every head, computed once per model (Simulation keeps them and frames share them).
std::shared_ptr<const ModelSpectra> modelSpectra(const Model& model);

// M = Q diag(lambda) Q^T with Q a random rotation (QR of a Gaussian matrix, signs fixed) and lambda
// standard normal draws shifted and scaled so that their mean and variance are exactly `mean` and
// `variance` (variance >= 0). Symmetric; deterministic in the state of `rng`.
Matrix spectrumMatrix(GaussianSource& rng, int d, double mean, double variance);

}  // namespace attnsphere::core
