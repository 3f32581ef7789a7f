// Velocity field: every kernel against the plain reference, threads, determinism, error paths, flat
// geometry, per-head beta, the ReLU facts (doc/MODEL.md §8) and the Kuramoto reduction on the circle [Rig].
#include "ReferenceModel.h"
#include "core/Dynamics.h"
#include "core/Errors.h"
#include "core/Simulation.h"

#include <QtTest>

#include <atomic>
#include <cmath>
#include <numbers>

using namespace attnsphere;
using namespace attnsphere::core;
using namespace attnsphere::test;

namespace {
double maxAbsDiff(const Matrix& a, const Matrix& b) {
    return (a - b).cwiseAbs().maxCoeff();
}

Scenario equiangularScenario(int n, int d, double rho, KernelKind kernel, double beta) {
    Scenario s;
    s.n = n;
    s.d = d;
    s.beta = beta;
    s.kernel = kernel;
    s.heads.kind = HeadsKind::Scalar;
    s.init.kind = InitKind::Equiangular;
    s.init.rho = rho;
    return s;
}
// One and two threads give the same trajectory and observables (QVERIFY returns from here on failure).
void checkThreads(const Scenario& s) {
    Simulation a(s), b(s);
    a.setThreads(1);
    b.setThreads(2);
    for (int k = 0; k < 10; ++k) {
        a.step();
        b.step();
    }
    // Every sum is formed in a fixed order whichever thread runs it: identical, not merely close.
    QVERIFY(maxAbsDiff(a.positions(), b.positions()) <= 1e-12);
    QVERIFY(a.positions() == b.positions());
    const Frame fa = a.makeFrame(), fb = b.makeFrame();
    QVERIFY(std::abs(fa.energyTotal - fb.energyTotal) <= 1e-12 * std::abs(fa.energyTotal));
    QVERIFY(std::abs(fa.energyTotalRate - fb.energyTotalRate) <= 1e-12 * std::abs(fa.energyTotalRate));
    QVERIFY(std::abs(fa.entropyMean - fb.entropyMean) <= 1e-12);
}
}  // namespace

class TestDynamics : public QObject {
    Q_OBJECT
private slots:
    void kernelMatchesReference_data();
    void kernelMatchesReference();
    void headOutputsMatchReference();
    void boundFallbacksMatchReference();
    void largeNMatchesReference();
    void smallSystemsMatchReference();
    void smallSystemsIgnoreThreadCount();
    void oneAndTwoThreadsAgree();
    void sameSeedIsBitIdentical();
    void expOverflowIsAClearError();
    void abortFlagStopsAStep();
    void flatGeometryIsNotProjected();
    void perHeadBetaEqualsScaledScoreMatrix();
    void projectionIsTangent();
    void normalisedReluEquiangularRate();
    void reluOrthogonalStartIsStationary();
    void kuramotoReduction();
};

void TestDynamics::kernelMatchesReference_data() {
    QTest::addColumn<int>("kernel");
    QTest::addColumn<int>("geometry");
    for (KernelKind k : {KernelKind::Softmax, KernelKind::Exp, KernelKind::ReluNormalised, KernelKind::Relu,
                         KernelKind::Linear, KernelKind::Sigmoid})
        for (Geometry g : {Geometry::Sphere, Geometry::Flat}) {
            const std::string name = std::string(toString(k)) + "/" + std::string(toString(g));
            QTest::newRow(name.c_str()) << int(k) << int(g);
        }
}

void TestDynamics::kernelMatchesReference() {
    QFETCH(int, kernel);
    QFETCH(int, geometry);
    // d <= 8 takes the fused single pass; d = 11 the general path (stored scores, groups of 4).
    // Symmetric M_h (d <= 8) take the tiled path that uses each weight for s_ij and s_ji: n = 300 gives
    // several tiles with a ragged edge.
    for (bool symmetric : {false, true})
        for (int d : {3, 7, 11}) {
            Model m = randomModel(d, 3, KernelKind(kernel), 1.7, 11 + d);
            m.geometry = Geometry(geometry);
            m.heads[1].beta = 0.6;
            if (symmetric)
                for (Head& h : m.heads) h.M = (0.5 * (h.M + h.M.transpose())).eval();
            const Matrix X = randomSpherePoints(symmetric ? 300 : 37, d, 5 + d);
            VelocityField field;
            Matrix v;
            field.evaluate(m, X, v);
            const Matrix ref = referenceVelocity(m, X);
            const double scale = std::max(1.0, ref.cwiseAbs().maxCoeff());
            QVERIFY2(maxAbsDiff(v, ref) < 1e-13 * scale,
                     qPrintable(QString("symmetric=%1 d=%2 diff %3 (scale %4)")
                                    .arg(symmetric)
                                    .arg(d)
                                    .arg(maxAbsDiff(v, ref))
                                    .arg(scale)));
        }
}

void TestDynamics::headOutputsMatchReference() {
    const Model m = randomModel(5, 3, KernelKind::Softmax, 2.0, 3);
    const Matrix X = randomSpherePoints(20, 5, 4);
    VelocityField field;
    std::vector<Matrix> U;
    field.headOutputs(m, X, U);
    QCOMPARE(int(U.size()), 3);
    for (int h = 0; h < 3; ++h) QVERIFY(maxAbsDiff(U[h], referenceHeadOutput(m, X, h)) < 1e-14);
}

void TestDynamics::boundFallbacksMatchReference() {
    // M = diag(1, -1), tokens near 40 degrees: the score bound beta |M^T x_i| = beta is far above the real
    // scores (~beta cos 80deg), which sends softmax (gap > 600) and exp (bound > 700) to the exact-max path.
    Matrix X(2, 6);
    for (int i = 0; i < 6; ++i) {
        const double th = (40.0 + i) * std::numbers::pi / 180;
        X.col(i) << std::cos(th), std::sin(th);
    }
    for (auto [kernel, beta] : {std::pair{KernelKind::Softmax, 1000.0}, std::pair{KernelKind::Exp, 710.0}}) {
        Model m;
        m.kernel = kernel;
        m.beta = beta;
        Head head;
        head.M = Eigen::Vector2d(1, -1).asDiagonal();
        // A quarter turn: V x_j is nearly tangent at x_i, so the projection cancels no digits.
        head.V.resize(2, 2);
        head.V << 0, -1, 1, 0;
        m.heads.push_back(head);
        VelocityField field;
        Matrix v;
        field.evaluate(m, X, v);
        const Matrix ref = referenceVelocity(m, X);
        const double scale = std::max(1.0, ref.cwiseAbs().maxCoeff());
        QVERIFY2(maxAbsDiff(v, ref) < 1e-13 * scale, qPrintable(QString::number(maxAbsDiff(v, ref) / scale)));
        QVERIFY(v.cwiseAbs().maxCoeff() > 1e-6);
    }
}

void TestDynamics::largeNMatchesReference() {
    // Several query blocks and a ragged last block.
    const Model m = randomModel(3, 2, KernelKind::Softmax, 3.0, 8);
    const Matrix X = randomSpherePoints(1031, 3, 9);
    VelocityField field;
    Matrix v;
    field.evaluate(m, X, v);
    QVERIFY(maxAbsDiff(v, referenceVelocity(m, X)) < 1e-13);
}

void TestDynamics::smallSystemsMatchReference() {
    // Softmax up to detail::kSmallSystemMax tokens takes the whole-matrix path: n below, at and off the
    // eight-query lanes, d small and large, general and scalar heads (scaled, not multiplied), per-head
    // beta and alpha, both geometries, and a beta large enough that only the exact row maximum is safe.
    for (int n : {2, 5, 31, 32, 64})
        for (int d : {2, 3, 8, 13, 128})
            for (bool scalar : {false, true})
                for (double beta : {1.7, 900.0}) {
                    Model m = randomModel(d, 3, KernelKind::Softmax, beta, std::uint64_t(7 * n + d));
                    m.heads[1].beta = 0.6 * beta;
                    if (scalar)
                        for (std::size_t h = 0; h < m.heads.size(); ++h) {
                            m.heads[h].M = (0.5 + double(h)) * Matrix::Identity(d, d);
                            m.heads[h].V = m.heads[h].M;
                        }
                    m.geometry = n % 2 ? Geometry::Flat : Geometry::Sphere;
                    const Matrix X = randomSpherePoints(n, d, std::uint64_t(n + 3 * d));
                    VelocityField field;
                    Matrix v;
                    field.evaluate(m, X, v);
                    const Matrix ref = referenceVelocity(m, X);
                    // Scores of ~beta pass their rounding (~1e-16 beta per coordinate) on to the weights.
                    const double scale = std::max(1.0, ref.cwiseAbs().maxCoeff()) * std::max(1.0, beta / 100);
                    QVERIFY2(maxAbsDiff(v, ref) < 1e-13 * scale,
                             qPrintable(QString("n=%1 d=%2 scalar=%3 beta=%4 diff %5 (scale %6)")
                                            .arg(n)
                                            .arg(d)
                                            .arg(scalar)
                                            .arg(beta)
                                            .arg(maxAbsDiff(v, ref))
                                            .arg(scale)));
                }
}

void TestDynamics::smallSystemsIgnoreThreadCount() {
    // A sweep runs each start on one thread, `attnsphere run` on all cores: the same numbers, every bit.
    Scenario s;
    s.n = 32;
    s.d = 8;
    s.integrator = IntegratorKind::Euler;
    s.heads.kind = HeadsKind::Identity;
    checkThreads(s);
}

void TestDynamics::oneAndTwoThreadsAgree() {
    for (HeadsKind kind : {HeadsKind::Gaussian, HeadsKind::Symmetric}) {  // row and tiled paths
        Scenario s;
        s.n = 300;
        s.d = 4;
        s.heads.count = 3;
        s.heads.kind = kind;
        s.dt = 0.05;
        checkThreads(s);
        if (QTest::currentTestFailed()) return;
    }
}

void TestDynamics::sameSeedIsBitIdentical() {
    Scenario s;
    s.n = 50;
    s.d = 3;
    s.heads.count = 2;
    s.heads.kind = HeadsKind::Goe;
    s.seed = 42;
    Simulation a(s), b(s);
    for (int k = 0; k < 20; ++k) {
        a.step();
        b.step();
    }
    QVERIFY(a.positions() == b.positions());  // exact equality, every bit
    s.seed = 43;
    Simulation c(s);
    for (int k = 0; k < 20; ++k) c.step();
    QVERIFY(maxAbsDiff(a.positions(), c.positions()) > 1e-3);
}

void TestDynamics::expOverflowIsAClearError() {
    Scenario s = equiangularScenario(4, 5, 0.5, KernelKind::Exp, 800.0);
    Simulation sim(s);
    const Matrix before = sim.positions();
    try {
        sim.step();
        QFAIL("expected NumericalError");
    } catch (const NumericalError& e) {
        const QString msg = e.what();
        QVERIFY2(msg.contains("beta = 800") && msg.contains("800") && msg.contains("score"), e.what());
        QVERIFY2(msg.startsWith("step 1, t = 0: "), e.what());  // where the run failed
        QVERIFY2(msg.contains("head 1 "), e.what());            // heads are numbered from 1, as in exports
    }
    QVERIFY(sim.positions() == before);
    QVERIFY(sim.positions().allFinite());
    QCOMPARE(sim.stepCount(), std::int64_t(0));
    QCOMPARE(sim.time(), 0.0);
    // Softmax at the same beta is stable (max-shifted).
    s.kernel = KernelKind::Softmax;
    Simulation ok(s);
    ok.step();
    QVERIFY(ok.positions().allFinite());
}

void TestDynamics::abortFlagStopsAStep() {
    Scenario s;
    s.n = 100;
    Simulation sim(s);
    std::atomic<bool> abort{true};
    sim.setAbortFlag(&abort);
    const Matrix before = sim.positions();
    QVERIFY_THROWS_EXCEPTION(Aborted, sim.step());
    QVERIFY(sim.positions() == before);
    QCOMPARE(sim.stepCount(), std::int64_t(0));
    abort = false;
    sim.step();
    QCOMPARE(sim.stepCount(), std::int64_t(1));
    QVERIFY(sim.positions() != before);
}

void TestDynamics::flatGeometryIsNotProjected() {
    Scenario s;
    s.n = 20;
    s.d = 2;
    s.geometry = Geometry::Flat;
    s.dt = 0.05;
    Simulation sim(s);
    // Uniform initialisation in flat geometry is Gaussian: norms are not all 1.
    QVERIFY((sim.positions().colwise().norm().array() - 1.0).abs().maxCoeff() > 0.1);
    const Matrix v = sim.velocity();
    QVERIFY(maxAbsDiff(v, referenceVelocity(sim.model(), sim.positions())) < 1e-13);
    // The unprojected field has a radial part, and steps do not renormalise.
    QVERIFY((sim.positions().array() * v.array()).colwise().sum().abs().maxCoeff() > 1e-3);
    const Vector normsBefore = sim.positions().colwise().norm();
    sim.step();
    QVERIFY((sim.positions().colwise().norm().transpose() - normsBefore).cwiseAbs().maxCoeff() > 1e-4);
}

void TestDynamics::perHeadBetaEqualsScaledScoreMatrix() {
    Model a = randomModel(4, 2, KernelKind::Softmax, 1.0, 21);
    a.heads[0].beta = 2.5;
    Model b = a;
    b.heads[0].beta = std::numeric_limits<double>::quiet_NaN();
    b.heads[0].M *= 2.5;
    QCOMPARE(a.headBeta(0), 2.5);
    QCOMPARE(a.headBeta(1), 1.0);
    const Matrix X = randomSpherePoints(25, 4, 22);
    VelocityField field;
    Matrix va, vb;
    field.evaluate(a, X, va);
    field.evaluate(b, X, vb);
    QVERIFY(maxAbsDiff(va, vb) < 1e-14);
    Model c = b;
    c.heads[0].M /= 2.5;  // back to the unscaled matrix at the shared beta: a different field
    field.evaluate(c, X, vb);
    QVERIFY(maxAbsDiff(va, vb) > 1e-3);
}

void TestDynamics::projectionIsTangent() {
    const Model m = randomModel(6, 2, KernelKind::Softmax, 2.0, 31);
    const Matrix X = randomSpherePoints(64, 6, 32);
    VelocityField field;
    Matrix v;
    field.evaluate(m, X, v);
    const double radial = (X.array() * v.array()).colwise().sum().abs().maxCoeff();
    QVERIFY2(radial < 1e-14, qPrintable(QString::number(radial)));
}

void TestDynamics::normalisedReluEquiangularRate() {
    // doc/MODEL.md §8: normalised ReLU, M = a I, V = I, equiangular rho > 0: drho/dt = 2 rho (1 - rho).
    for (double rho : {0.05, 0.3, 0.8}) {
        Scenario s = equiangularScenario(9, 10, rho, KernelKind::ReluNormalised, 3.0);
        s.heads.scale = {2.0};
        s.heads.value = ValueKind::Identity;
        Simulation sim(s);
        const Matrix X = sim.positions();
        const Matrix v = sim.velocity();
        const double expected = 2 * rho * (1 - rho);
        for (int i = 0; i < s.n; ++i)
            for (int k = 0; k < s.n; ++k) {
                if (i == k) continue;
                const double rate = v.col(i).dot(X.col(k)) + X.col(i).dot(v.col(k));
                QVERIFY2(std::abs(rate - expected) < 1e-12,
                         qPrintable(QString("rho %1: %2 vs %3").arg(rho).arg(rate).arg(expected)));
            }
    }
}

void TestDynamics::reluOrthogonalStartIsStationary() {
    for (KernelKind k : {KernelKind::ReluNormalised, KernelKind::Relu}) {
        Scenario s = equiangularScenario(8, 9, 0.0, k, 2.0);
        Simulation sim(s);
        QVERIFY(sim.velocity().cwiseAbs().maxCoeff() < 1e-14);
        // Softmax from the same start does move.
        s.kernel = KernelKind::Softmax;
        Simulation soft(s);
        QVERIFY(soft.velocity().cwiseAbs().maxCoeff() > 1e-3);
    }
}

void TestDynamics::kuramotoReduction() {
    // [Rig]: d = 2, USA, M = V = I: dtheta_i/dt = -(1/n) sum_j e^{beta cos(ti - tj)} sin(ti - tj).
    const int n = 5;
    const double beta = 1.3;
    auto angleField = [&](const std::vector<double>& th) {
        std::vector<double> out(n, 0.0);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                out[i] -= std::exp(beta * std::cos(th[i] - th[j])) * std::sin(th[i] - th[j]) / n;
        return out;
    };
    std::vector<double> theta{0.1, 0.9, 2.5, 4.0, 5.5};
    Scenario s;
    s.n = n;
    s.d = 2;
    s.beta = beta;
    s.kernel = KernelKind::Exp;
    s.dt = 1e-3;
    s.init.kind = InitKind::Points;
    s.init.points.resize(2, n);
    for (int i = 0; i < n; ++i) s.init.points.col(i) << std::cos(theta[i]), std::sin(theta[i]);
    Simulation sim(s);
    // The velocity is the angle ODE times the unit tangent.
    const Matrix v = sim.velocity();
    const std::vector<double> w = angleField(theta);
    for (int i = 0; i < n; ++i) {
        QVERIFY(std::abs(v(0, i) + w[i] * std::sin(theta[i])) < 1e-14);
        QVERIFY(std::abs(v(1, i) - w[i] * std::cos(theta[i])) < 1e-14);
    }
    // Trajectories: RK4 on the angles vs the vector simulation, t = 1.
    auto add = [](const std::vector<double>& a, const std::vector<double>& b, double c) {
        std::vector<double> r(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) r[i] = a[i] + c * b[i];
        return r;
    };
    const double h = 1e-3;
    for (int k = 0; k < 1000; ++k) {
        const auto k1 = angleField(theta);
        const auto k2 = angleField(add(theta, k1, h / 2));
        const auto k3 = angleField(add(theta, k2, h / 2));
        const auto k4 = angleField(add(theta, k3, h));
        for (int i = 0; i < n; ++i) theta[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
    sim.stepUntil(1.0);
    QVERIFY(std::abs(sim.time() - 1.0) < 1e-9);
    for (int i = 0; i < n; ++i) {
        const double simAngle = std::atan2(sim.positions()(1, i), sim.positions()(0, i));
        double diff = std::remainder(simAngle - theta[i], 2 * std::numbers::pi);
        QVERIFY2(std::abs(diff) < 1e-10, qPrintable(QString::number(diff)));
    }
}

QTEST_APPLESS_MAIN(TestDynamics)
#include "test_dynamics.moc"
