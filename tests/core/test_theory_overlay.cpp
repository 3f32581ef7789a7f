// The theory overlay (doc/MODEL.md §8): regime detection, restarts and breaks on edits, the values frames
// carry against core's ODE and against the simulation, the circle (Kuramoto) reduction, the diameter
// and the exponential fit of §6.
#include "core/EquiangularTheory.h"
#include "core/Simulation.h"
#include "core/TheoryOverlay.h"

#include <QtTest>

#include <cmath>

using namespace attnsphere::core;

namespace {
Scenario preset(const char* name) {
    return Scenario::load(name);
}

// A d = 2 scenario from angles.
Scenario circle(const std::vector<double>& theta, KernelKind kernel, double beta) {
    Scenario s;
    s.n = static_cast<int>(theta.size());
    s.d = 2;
    s.beta = beta;
    s.kernel = kernel;
    s.integrator = IntegratorKind::RK4;
    s.dt = 2e-3;
    s.init.kind = InitKind::Points;
    s.init.points.resize(2, s.n);
    for (int i = 0; i < s.n; ++i) s.init.points.col(i) << std::cos(theta[i]), std::sin(theta[i]);
    return s;
}
}  // namespace

class TestTheoryOverlay : public QObject {
    Q_OBJECT

private slots:
    void scalarHeadsFromAnEquiangularStartAreInRegime();
    void nonScalarHeadEditBreaksTheRegime();
    void randomStartIsNotEquiangular();
    void flatGeometryIsOutOfRegime();
    void editThatKeepsTheRegimeRestartsFromTheCurrentRho();
    void dtEditKeepsTheSegment();
    void framesCarryTheOdeAndFollowTheSimulation_data();
    void framesCarryTheOdeAndFollowTheSimulation();
    void aloneAndComparisonCurves();
    void reluLogisticEqualsTheOde();
    void asymptoteHasTheLinearRate();
    void kuramotoRateIsTheSphereVelocity();
    void kuramotoOrderParameterMatchesTheSimulation_data();
    void kuramotoOrderParameterMatchesTheSimulation();
    void diameterIsTheLargestAngle();
    void exponentialFitRecoversTheRate();
};

void TestTheoryOverlay::scalarHeadsFromAnEquiangularStartAreInRegime() {
    Simulation sim(preset("superadditive-heads"));
    const Frame f = sim.makeFrame();
    QVERIFY(f.theory);
    QVERIFY2(f.theory->equiangular, f.theory->equiangularReason.c_str());
    QCOMPARE(f.theory->summary(), std::string());
    QVERIFY(std::abs(f.theory->rho0) < 1e-15);
    QCOMPARE(int(f.theory->setup.heads.size()), 2);
    // Scalar heads a = (1, 2), V = M: b = a.
    QCOMPARE(f.theory->setup.heads[1].a, 2.0);
    QCOMPARE(f.theory->setup.heads[1].b, 2.0);
    QVERIFY(!f.theory->kuramoto);  // d = 17
    QVERIFY(f.theoryValues.rho.has_value());
}

void TestTheoryOverlay::nonScalarHeadEditBreaksTheRegime() {
    Simulation sim(preset("superadditive-heads"));
    sim.stepUntil(0.5);
    Model m = sim.model();
    m.heads[1].M(0, 1) = 0.3;
    sim.setModel(m);
    const Frame f = sim.makeFrame();
    QVERIFY(!f.theory->equiangular);
    QVERIFY2(f.theory->equiangularReason.find("head 2 is not scalar") != std::string::npos,
             f.theory->equiangularReason.c_str());
    QVERIFY(f.theory->summary().find("out of regime") != std::string::npos);
    QVERIFY(!f.theoryValues.rho);
    QVERIFY(f.theoryValues.entropy.empty());
    // A value matrix off the identity breaks it as well, and the reason names V.
    Model v = sim.model();
    v.heads[1].M = 2.0 * Matrix::Identity(17, 17);
    v.heads[0].V(2, 2) = 1.5;
    sim.setModel(v);
    QVERIFY(sim.makeFrame().theory->equiangularReason.find("V is not") != std::string::npos);
}

void TestTheoryOverlay::randomStartIsNotEquiangular() {
    Simulation sim(preset("sphere-movie"));  // M = V = I, uniform start
    const Frame f = sim.makeFrame();
    QVERIFY(!f.theory->equiangular);
    QVERIFY2(
        f.theory->equiangularReason.find("not equiangular (cosines spread at least") != std::string::npos,
        f.theory->equiangularReason.c_str());
    QVERIFY(!f.theory->anyApplies());
}

void TestTheoryOverlay::flatGeometryIsOutOfRegime() {
    Scenario s = preset("superadditive-heads");
    s.geometry = Geometry::Flat;
    Simulation sim(s);
    QVERIFY(!sim.makeFrame().theory->equiangular);
    QVERIFY(sim.makeFrame().theory->equiangularReason.find("flat") != std::string::npos);
}

void TestTheoryOverlay::editThatKeepsTheRegimeRestartsFromTheCurrentRho() {
    Simulation sim(preset("superadditive-heads"));
    sim.stepUntil(1.0);
    const Frame before = sim.makeFrame();
    Model m = sim.model();
    m.beta = 1.5;
    sim.setModel(m);
    const Frame after = sim.makeFrame();
    QVERIFY(after.theory != before.theory);
    QVERIFY(after.theory->equiangular);
    QCOMPARE(after.theory->t0, sim.time());
    QVERIFY(std::abs(after.theory->rho0 - after.meanCosine) < 1e-12);
    QVERIFY(std::abs(*after.theoryValues.rho - after.meanCosine) < 1e-12);
    // From there the theory is the new beta's ODE.
    sim.stepUntil(2.0);
    const Frame later = sim.makeFrame();
    const double expected =
        equiangular::integrateRho(later.theory->setup, later.theory->rho0, later.t - later.theory->t0);
    QVERIFY(std::abs(*later.theoryValues.rho - expected) < 1e-10);
    QCOMPARE(later.theory->setup.beta, 1.5);
}

void TestTheoryOverlay::dtEditKeepsTheSegment() {
    Simulation sim(preset("superadditive-heads"));
    sim.stepUntil(0.4);
    const auto segment = sim.makeFrame().theory;
    sim.setDt(0.01);
    sim.setIntegrator(IntegratorKind::Euler);
    sim.setModel(sim.model());  // the GUI applies an edit as a whole model: same flow, same segment
    QCOMPARE(sim.makeFrame().theory, segment);
}

void TestTheoryOverlay::framesCarryTheOdeAndFollowTheSimulation_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("kernel");
    QTest::addColumn<bool>("headOptions");
    QTest::addColumn<double>("beta");
    QTest::newRow("superadditive-heads") << "superadditive-heads" << int(KernelKind::Softmax) << false << 3.0;
    // exp at beta = 1: lambda = 2 (e + 2 e^2) ~ 35 keeps RK4 at dt = 0.005 accurate.
    QTest::newRow("superadditive exp") << "superadditive-heads" << int(KernelKind::Exp) << false << 1.0;
    QTest::newRow("relu-vs-softmax") << "relu-vs-softmax" << int(KernelKind::ReluNormalised) << false << 3.0;
    // Strengths and per-head betas fold into b_h and a_h.
    QTest::newRow("alpha and per-head beta")
        << "superadditive-heads" << int(KernelKind::Softmax) << true << 3.0;
}

void TestTheoryOverlay::framesCarryTheOdeAndFollowTheSimulation() {
    QFETCH(QString, name);
    QFETCH(int, kernel);
    QFETCH(bool, headOptions);
    QFETCH(double, beta);
    Scenario s = preset(name.toStdString().c_str());
    s.kernel = KernelKind(kernel);
    s.beta = beta;
    s.dt = 0.005;
    if (headOptions) {
        s.heads.alpha = {0.5, 1.5};
        s.heads.beta = {2.0, 4.0};
    }
    Simulation sim(s);
    const auto segment = sim.makeFrame().theory;
    QVERIFY(segment->equiangular);
    for (double t : {0.5, 1.0, 2.0, 3.0}) {
        sim.stepUntil(t);
        const Frame f = sim.makeFrame();
        QCOMPARE(f.theory, segment);
        const double ode = equiangular::integrateRho(segment->setup, segment->rho0, f.t - segment->t0);
        QVERIFY2(std::abs(*f.theoryValues.rho - ode) < 1e-10,
                 qPrintable(QString::number(*f.theoryValues.rho - ode)));
        // The simulation (RK4, dt = 0.005) follows the theory.
        QVERIFY2(std::abs(f.meanCosine - ode) < 1e-7,
                 qPrintable(QString("t %1: %2").arg(t).arg(f.meanCosine - ode)));
        // R from rho (sphere identity) and S(rho) per head against the frame's observables.
        QVERIFY(std::abs(*f.theoryValues.orderParameter - f.orderParameter) < 1e-7);
        QCOMPARE(int(f.theoryValues.entropy.size()), f.H);
        for (int h = 0; h < f.H; ++h)
            QVERIFY(std::abs(f.theoryValues.entropy[h] - f.heads[h].entropyMean) < 1e-6);
    }
}

void TestTheoryOverlay::aloneAndComparisonCurves() {
    Simulation sim(preset("superadditive-heads"));
    sim.stepUntil(1.0);
    const Frame f = sim.makeFrame();
    QCOMPARE(int(f.theoryValues.rhoAlone.size()), 2);
    for (int h = 0; h < 2; ++h) {
        EquiangularSetup one = f.theory->setup;
        one.heads = {one.heads[h]};
        QVERIFY(std::abs(f.theoryValues.rhoAlone[h] - equiangular::integrateRho(one, 0.0, f.t)) < 1e-10);
        // Together faster than either alone.
        QVERIFY(*f.theoryValues.rho > f.theoryValues.rhoAlone[h]);
    }
    QVERIFY(!f.theoryValues.rhoComparison);

    Simulation relu(preset("relu-vs-softmax"));
    relu.stepUntil(2.0);
    const Frame r = relu.makeFrame();
    QVERIFY(r.theoryValues.rhoComparison.has_value());
    EquiangularSetup softmax = r.theory->setup;
    softmax.kernel = KernelKind::Softmax;
    QVERIFY(std::abs(*r.theoryValues.rhoComparison -
                     equiangular::integrateRho(softmax, r.theory->rho0, r.t)) < 1e-10);
    QVERIFY(r.theoryValues.rhoAlone.empty());
}

void TestTheoryOverlay::reluLogisticEqualsTheOde() {
    Simulation sim(preset("relu-vs-softmax"));
    for (double t : {1.0, 4.0, 8.0}) {
        sim.stepUntil(t);
        const Frame f = sim.makeFrame();
        QVERIFY(f.theory->logistic);
        QVERIFY(std::abs(*f.theoryValues.rhoLogistic - *f.theoryValues.rho) < 1e-10);
    }
}

void TestTheoryOverlay::asymptoteHasTheLinearRate() {
    Simulation sim(preset("superadditive-heads"));
    const auto o = sim.makeFrame().theory;
    // Softmax: lambda = 2 sum_h b_h = 2 (1 + 2).
    QVERIFY(std::abs(o->linearRate - 6.0) < 1e-12);
    QVERIFY(std::isfinite(o->tAnchor));
    sim.stepUntil(o->tAnchor);
    const Frame f = sim.makeFrame();
    QVERIFY(std::abs(*f.theoryValues.asymptoteGap / (1 - *f.theoryValues.rho) - 1) < 1e-2);
    sim.stepUntil(o->tAnchor + 0.5);
    const Frame g = sim.makeFrame();
    QVERIFY(std::abs(std::log(*f.theoryValues.asymptoteGap / *g.theoryValues.asymptoteGap) / (g.t - f.t) -
                     6.0) < 1e-9);
}

void TestTheoryOverlay::kuramotoRateIsTheSphereVelocity() {
    // Two scalar heads, softmax: the angle rate times the unit tangent is the sphere velocity.
    Scenario s = circle({0.1, 0.9, 2.5, 4.0, 5.5, 5.9}, KernelKind::Softmax, 2.0);
    s.heads.kind = HeadsKind::Scalar;
    s.heads.count = 2;
    s.heads.scale = {1.0, 0.5};
    Simulation sim(s);
    const Frame f = sim.makeFrame();
    QVERIFY(f.theory->kuramoto);
    const std::vector<double> w = kuramoto::rate(f.theory->setup, f.theory->theta0);
    const Matrix v = sim.velocity();
    for (int i = 0; i < s.n; ++i) {
        const double th = f.theory->theta0[i];
        QVERIFY(std::abs(v(0, i) + w[i] * std::sin(th)) < 1e-14);
        QVERIFY(std::abs(v(1, i) - w[i] * std::cos(th)) < 1e-14);
    }
}

void TestTheoryOverlay::kuramotoOrderParameterMatchesTheSimulation_data() {
    QTest::addColumn<int>("kernel");
    QTest::newRow("exp (USA, Kuramoto form of [Rig])") << int(KernelKind::Exp);
    QTest::newRow("softmax") << int(KernelKind::Softmax);
}

void TestTheoryOverlay::kuramotoOrderParameterMatchesTheSimulation() {
    QFETCH(int, kernel);
    Simulation sim(circle({0.1, 0.9, 2.5, 4.0, 5.5}, KernelKind(kernel), 1.3));
    const Frame first = sim.makeFrame();
    QVERIFY(first.theory->kuramoto);
    QVERIFY(!first.theory->equiangular);
    QVERIFY(first.theory->summary().find("out of regime") != std::string::npos);
    QVERIFY(std::abs(*first.theoryValues.orderParameter - first.orderParameter) < 1e-14);
    for (double t : {0.5, 1.0, 2.0}) {
        sim.stepUntil(t);
        const Frame f = sim.makeFrame();
        QVERIFY2(
            std::abs(*f.theoryValues.orderParameter - f.orderParameter) < 1e-8,
            qPrintable(QString("t %1: %2").arg(t).arg(*f.theoryValues.orderParameter - f.orderParameter)));
    }
}

void TestTheoryOverlay::diameterIsTheLargestAngle() {
    Model m;
    m.heads.push_back({Matrix::Identity(3, 3), Matrix::Identity(3, 3)});
    for (double angle : {2.0, 1e-3, 1e-7}) {
        // Three tokens on a great circle at 0, angle/3 and angle.
        Matrix X(3, 3);
        for (int i = 0; i < 3; ++i) {
            const double a = (i == 0 ? 0.0 : i == 1 ? angle / 3 : angle);
            X.col(i) << std::cos(a), std::sin(a), 0;
        }
        const Frame f = computeFrame(m, X, 0, 0, {});
        QVERIFY2(std::abs(f.diameter / angle - 1) < 1e-8, qPrintable(QString::number(f.diameter)));
    }
}

void TestTheoryOverlay::exponentialFitRecoversTheRate() {
    // A curved start (1 + e^{-5t}) then e^{-1.7 t}; the fit takes the straight tail.
    std::vector<double> t, v;
    for (int k = 0; k <= 200; ++k) {
        t.push_back(0.05 * k);
        v.push_back(0.3 * std::exp(-1.7 * t.back()) * (1 + 4 * std::exp(-5 * t.back())));
    }
    const auto fit = fitExponentialRate(t, v, 1e-12);
    QVERIFY(fit.has_value());
    QVERIFY2(std::abs(fit->rate - 1.7) < 1e-2, qPrintable(QString::number(fit->rate)));
    QCOMPARE(fit->tEnd, 10.0);
    QVERIFY(fit->tStart > 0);
    // A pure exponential: exact, over every point.
    for (std::size_t k = 0; k < t.size(); ++k) v[k] = 2 * std::exp(-0.8 * t[k]);
    const auto exact = fitExponentialRate(t, v, 1e-12);
    QVERIFY(std::abs(exact->rate - 0.8) < 1e-12);
    QVERIFY(std::abs(exact->intercept - std::log(2.0)) < 1e-10);
    QCOMPARE(exact->points, 201);
    // Values below the floor are left out; too few points: no fit.
    QVERIFY(!fitExponentialRate({0, 1, 2}, {1, 0.5, 0.25}, 1e-12));
}

QTEST_GUILESS_MAIN(TestTheoryOverlay)
#include "test_theory_overlay.moc"
