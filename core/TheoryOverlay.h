#pragma once
// Where the exact theory of doc/MODEL.md §8 applies to a run, and its values along the run: the
// equiangular ODE rho(t) (scalar heads, equiangular tokens) and, for d = 2, the circle (Kuramoto) reduction
// R(t). Simulation re-evaluates the regime whenever an edit changes the flow or the state and puts the
// description and the values at the frame's time into every Frame, so the GUI, `render` and the tests
// draw the same theory.
#include "core/EquiangularTheory.h"
#include "core/Model.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnsphere::core {

// Regime tolerances (doc/MODEL.md §8): a head is scalar when M_h and V_h differ from a multiple of I by
// at most kScalarHeadTolerance (relative to their largest entry); tokens are equiangular when their
// off-diagonal cosines spread by at most kEquiangularTolerance.
inline constexpr double kScalarHeadTolerance = 1e-9;
inline constexpr double kEquiangularTolerance = 1e-6;
// The angle system is integrated to 1e-12 per angle at n^2 kernel values per evaluation, far more steps than
// the run takes: beyond this n it would slow the run down, so it is not run.
inline constexpr int kKuramotoMaxTokens = 128;

// One regime segment: from t0 until the next edit. Immutable once made (frames share it).
struct TheoryOverlay {
    double t0 = 0;
    // Equiangular ODE: applies, or why not ("heads are not scalar", "start is not equiangular (...)").
    bool equiangular = false;
    std::string equiangularReason;
    double rho0 = 0;
    EquiangularSetup setup;  // heads folded: a_h = beta_h/beta a_h, b_h = alpha_h b_h (doc/MODEL.md §8)
    // Curves drawn beside the joint one: each head alone (H > 1), and for the ReLU kernels the softmax
    // kernel of the same normalisation from the same rho0 (KernelKind::Softmax or Exp).
    std::vector<EquiangularSetup> alone;
    std::optional<EquiangularSetup> comparison;
    double linearRate = 0;  // lambda of 1 - rho ~ C e^{-lambda t} (0: none)
    // The asymptote 1 - rho = gapAnchor e^{-lambda (t - tAnchor)}, anchored where the theory reaches
    // 1 - rho = kAsymptoteAnchorGap (tAnchor infinite when it never does).
    double tAnchor = 0, gapAnchor = 0;
    bool logistic = false;  // normalised ReLU, a_h > 0, rho0 > 0: rho(t) in closed form (rate linearRate)
    // Circle reduction (d = 2): applies, or why not; the angles at t0.
    bool kuramoto = false;
    std::string kuramotoReason;
    std::vector<double> theta0;

    bool anyApplies() const { return equiangular || kuramoto; }
    // What a plot says when a theory is out of regime ("" when both apply).
    std::string summary() const;
};

inline constexpr double kAsymptoteAnchorGap = 1e-6;

// The theory at one time of a segment; values that do not apply are empty.
struct TheoryValues {
    std::optional<double> rho;             // equiangular ODE
    std::vector<double> rhoAlone;          // each head alone (H > 1)
    std::optional<double> rhoComparison;   // softmax from the same rho0 (ReLU kernels)
    std::optional<double> rhoLogistic;     // closed form (normalised ReLU)
    std::optional<double> asymptoteGap;    // gapAnchor e^{-lambda (t - tAnchor)}
    std::optional<double> orderParameter;  // Kuramoto R(t) (d = 2), else sqrt(1/n + (1-1/n) rho)
    std::vector<double> entropy;           // S(rho(t)) per head
};

// The model's heads as scalar heads with the shared beta (per-head beta and alpha folded in), or nothing
// and the reason: the one rule of whether the equiangular ODE describes a model's flow.
std::optional<EquiangularSetup> scalarSetup(const Model& model, int n, std::string& reason);
// The regime at (model, X, t): exact checks, O(n^2 d).
std::shared_ptr<const TheoryOverlay> evaluateTheory(const Model& model, const Matrix& X, double t);
// Two models with the same flow (kernel, betas, bias, geometry, heads): an edit between them keeps the
// theory's segment.
bool sameFlow(const Model& a, const Model& b);

namespace kuramoto {
// d(theta_i)/dt = -sum_h b_h (1/N_i^h) sum_j kappa(beta a_h cos(theta_i - theta_j)) sin(theta_i - theta_j),
// N_i^h as in doc/MODEL.md §2 (Z_i^h, n or 1): the sphere flow of scalar heads written in angles.
std::vector<double> rate(const EquiangularSetup& s, const std::vector<double>& theta);
// R = |(1/n) sum_i (cos theta_i, sin theta_i)|.
double orderParameter(const std::vector<double>& theta);
// The angles after time t (Dormand–Prince 5(4), local error 1e-12 per angle).
std::vector<double> integrate(const EquiangularSetup& s, std::vector<double> theta, double t);
}  // namespace kuramoto

// Advances the theory of the current segment along a run (each value integrated on from the last time
// asked, so a run of many frames costs one pass). Not thread-safe; copyable.
class TheoryTracker {
public:
    void restart(const Model& model, const Matrix& X, double t);
    const std::shared_ptr<const TheoryOverlay>& overlay() const { return m_overlay; }
    // When the theory leaves the range of a double the segment ends: the overlay then says why (the run
    // goes on).
    TheoryValues valuesAt(double t);

private:
    std::shared_ptr<const TheoryOverlay> m_overlay;
    double m_t = 0;  // time the states below hold
    double m_rho = 0;
    std::vector<double> m_alone;
    double m_comparison = 0;
    std::vector<double> m_theta;
};

// Least-squares rate of an exponential decay over the recent straight part of a series (doc/MODEL.md
// §6): y_k = log(values_k) for values above `floor`; the window grows back from the last such point while
// the fit's root-mean-square residual stays at most kFitResidual. Empty when fewer than kFitMinPoints fit.
struct ExponentialFit {
    double rate = 0;       // -slope of log(value) against t
    double intercept = 0;  // log(value) at t = 0 on the fitted line
    double tStart = 0, tEnd = 0;
    int points = 0;
};
inline constexpr double kFitResidual = 0.05;
inline constexpr int kFitMinPoints = 5;
std::optional<ExponentialFit> fitExponentialRate(const std::vector<double>& t,
                                                 const std::vector<double>& values, double floor);

}  // namespace attnsphere::core
