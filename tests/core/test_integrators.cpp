// Integrators and long-time behaviour: the equiangular ODE and rates (doc/MODEL.md §8), the sphere
// constraint, global clustering and hemisphere collapse [Rig]; Dormand–Prince vs RK4; the papers' Euler
// scheme; edits between steps.
#include "ReferenceModel.h"
#include "core/Errors.h"
#include "core/Simulation.h"

#include <QtTest>

#include <cmath>

using namespace attnsphere;
using namespace attnsphere::core;
using namespace attnsphere::test;

namespace {
// Two scalar heads M_h = a_h I, V_h = b_h I with a = b (doc/MODEL.md §8).
Scenario scalarHeads(KernelKind kernel, std::vector<double> a, double beta, double rho0, int n = 6) {
    Scenario s;
    s.n = n;
    s.d = n + 1;
    s.beta = beta;
    s.kernel = kernel;
    s.heads.kind = HeadsKind::Scalar;
    s.heads.count = static_cast<int>(a.size());
    s.heads.scale = std::move(a);
    s.heads.value = ValueKind::SameAsScore;
    s.init.kind = InitKind::Equiangular;
    s.init.rho = rho0;
    return s;
}

// drho/dt of doc/MODEL.md §8 (SA when normalised, USA otherwise), scalar heads with a = b.
double rhoRate(bool sa, const std::vector<double>& a, double beta, int n, double rho) {
    double sum = 0;
    for (double ah : a) {
        const double e = std::exp(beta * ah * rho);
        sum += sa ? ah * e / (std::exp(beta * ah) + (n - 1) * e) : ah * e;
    }
    return (sa ? 2.0 : 2.0 / n) * (1 - rho) * (1 + (n - 1) * rho) * sum;
}

double rhoOde(bool sa, const std::vector<double>& a, double beta, int n, double rho, double t) {
    const int steps = 20000;
    const double h = t / steps;
    for (int k = 0; k < steps; ++k) {
        const double k1 = rhoRate(sa, a, beta, n, rho);
        const double k2 = rhoRate(sa, a, beta, n, rho + h / 2 * k1);
        const double k3 = rhoRate(sa, a, beta, n, rho + h / 2 * k2);
        const double k4 = rhoRate(sa, a, beta, n, rho + h * k3);
        rho += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    return rho;
}

// max - min of the off-diagonal Gram entries.
double offDiagonalSpread(const Matrix& X) {
    const Matrix G = X.transpose() * X;
    double lo = 2, hi = -2;
    for (int i = 0; i < G.rows(); ++i)
        for (int j = 0; j < G.cols(); ++j)
            if (i != j) {
                lo = std::min(lo, G(i, j));
                hi = std::max(hi, G(i, j));
            }
    return hi - lo;
}

double diameter(const Matrix& X) {
    double dmax = 0;
    for (int i = 0; i < X.cols(); ++i)
        for (int j = i + 1; j < X.cols(); ++j) dmax = std::max(dmax, (X.col(i) - X.col(j)).norm());
    return dmax;
}

// Least-squares slope of y against t.
double slope(const std::vector<double>& t, const std::vector<double>& y) {
    const double n = static_cast<double>(t.size());
    double st = 0, sy = 0, stt = 0, sty = 0;
    for (std::size_t k = 0; k < t.size(); ++k) {
        st += t[k];
        sy += y[k];
        stt += t[k] * t[k];
        sty += t[k] * y[k];
    }
    return (n * sty - st * sy) / (n * stt - st * st);
}
}  // namespace

class TestIntegrators : public QObject {
    Q_OBJECT
private slots:
    void equiangularInvarianceAndOde_data();
    void equiangularInvarianceAndOde();
    void linearRatesNearOne_data();
    void linearRatesNearOne();
    void manifoldConstraint_data();
    void manifoldConstraint();
    void globalClusteringInThreeDimensions();
    void hemisphereCollapsesExponentially();
    void dormandPrinceAgreesWithRk4();
    void eulerIsThePapersScheme();
    void editsBetweenSteps();
};

void TestIntegrators::equiangularInvarianceAndOde_data() {
    QTest::addColumn<int>("kernel");
    QTest::addColumn<int>("integrator");
    QTest::addColumn<double>("expected");
    // Equiangular ODE: rho(1) for rho0 = 0.1, n = 6, heads (1, 0.5), beta = 2.
    QTest::newRow("USA rk4") << int(KernelKind::Exp) << int(IntegratorKind::RK4) << 0.99998163;
    QTest::newRow("SA rk4") << int(KernelKind::Softmax) << int(IntegratorKind::RK4) << 0.72315571;
    QTest::newRow("USA dopri5") << int(KernelKind::Exp) << int(IntegratorKind::DormandPrince) << 0.99998163;
    QTest::newRow("SA dopri5") << int(KernelKind::Softmax) << int(IntegratorKind::DormandPrince)
                               << 0.72315571;
}

void TestIntegrators::equiangularInvarianceAndOde() {
    QFETCH(int, kernel);
    QFETCH(int, integrator);
    QFETCH(double, expected);
    const std::vector<double> a{1.0, 0.5};
    Scenario s = scalarHeads(KernelKind(kernel), a, 2.0, 0.1);
    s.integrator = IntegratorKind(integrator);
    s.dt = 1e-3;
    s.tolerance = 1e-13;
    Simulation sim(s);
    const bool sa = KernelKind(kernel) == KernelKind::Softmax;
    for (double t : {0.25, 0.5, 1.0}) {
        sim.stepUntil(t - 1e-12);
        // Dormand–Prince may overshoot a checkpoint: compare with the ODE at the time reached.
        const Frame f = sim.makeFrame();
        QVERIFY2(offDiagonalSpread(sim.positions()) < 1e-9,
                 qPrintable(QString::number(offDiagonalSpread(sim.positions()))));
        const double ode = rhoOde(sa, a, 2.0, 6, 0.1, sim.time());
        QVERIFY2(std::abs(f.meanCosine - ode) < 1e-8, qPrintable(QString("t=%1: %2 vs %3")
                                                                     .arg(sim.time())
                                                                     .arg(f.meanCosine, 0, 'g', 12)
                                                                     .arg(ode, 0, 'g', 12)));
    }
    if (IntegratorKind(integrator) == IntegratorKind::RK4) {
        QVERIFY(std::abs(sim.time() - 1.0) < 1e-9);
        QVERIFY2(std::abs(sim.makeFrame().meanCosine - expected) < 1e-8,
                 qPrintable(QString::number(sim.makeFrame().meanCosine, 'g', 12)));
    }
}

void TestIntegrators::linearRatesNearOne_data() {
    QTest::addColumn<int>("kernel");
    QTest::addColumn<QList<double>>("heads");
    QTest::addColumn<double>("beta");
    QTest::addColumn<double>("rate");
    // doc/MODEL.md §8: SA lambda = 2 sum b_h, USA lambda = 2 sum b_h e^{beta a_h}.
    QTest::newRow("SA H=1") << int(KernelKind::Softmax) << QList<double>{1.0} << 1.0 << 2.0;
    QTest::newRow("USA H=1") << int(KernelKind::Exp) << QList<double>{1.0} << 1.0 << 2.0 * std::exp(1.0);
    QTest::newRow("SA H=2") << int(KernelKind::Softmax) << QList<double>{1.0, 0.5} << 2.0 << 3.0;
    QTest::newRow("USA H=2") << int(KernelKind::Exp) << QList<double>{1.0, 0.5} << 2.0
                             << 2.0 * (std::exp(2.0) + 0.5 * std::exp(1.0));
}

void TestIntegrators::linearRatesNearOne() {
    QFETCH(int, kernel);
    QFETCH(QList<double>, heads);
    QFETCH(double, beta);
    QFETCH(double, rate);
    Scenario s = scalarHeads(KernelKind(kernel), std::vector<double>(heads.begin(), heads.end()), beta, 0.9);
    s.dt = 0.02 / rate;
    Simulation sim(s);
    std::vector<double> ts, logs;
    FrameOptions o;
    o.attention = false;
    for (int k = 0; k < 100000; ++k) {
        sim.step();
        const double gap = 1 - sim.makeFrame(o).meanCosine;
        if (gap < 1e-5 && gap > 1e-9) {
            ts.push_back(sim.time());
            logs.push_back(std::log(gap));
        }
        if (gap <= 1e-9) break;
    }
    QVERIFY(ts.size() > 20);
    const double fitted = slope(ts, logs);
    QVERIFY2(std::abs(fitted + rate) < 0.01 * rate,
             qPrintable(QString("slope %1 vs %2").arg(fitted).arg(-rate)));
}

void TestIntegrators::manifoldConstraint_data() {
    QTest::addColumn<int>("integrator");
    QTest::newRow("euler") << int(IntegratorKind::Euler);
    QTest::newRow("rk4") << int(IntegratorKind::RK4);
    QTest::newRow("dopri5") << int(IntegratorKind::DormandPrince);
}

void TestIntegrators::manifoldConstraint() {
    // Fact 9: | |x_i| - 1 | < 1e-12 after every step; the velocity is tangent to 1e-14.
    QFETCH(int, integrator);
    Scenario s;
    s.n = 64;
    s.d = 5;
    s.beta = 2.0;
    s.heads.count = 2;
    s.heads.kind = HeadsKind::Gaussian;
    s.integrator = IntegratorKind(integrator);
    Simulation sim(s);
    for (int k = 0; k < 40; ++k) {
        sim.step();
        const Frame f = sim.makeFrame();
        QVERIFY(f.maxNormDrift < 1e-12);
        QVERIFY2(f.maxRadialVelocity < 1e-14, qPrintable(QString::number(f.maxRadialVelocity)));
    }
}

void TestIntegrators::globalClusteringInThreeDimensions() {
    // Fact 11: n = 32, d = 3, beta = 1, SA, random start: one cluster by t = 200.
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        Scenario s;
        s.n = 32;
        s.d = 3;
        s.beta = 1.0;
        s.seed = seed;
        s.dt = 0.1;
        Simulation sim(s);
        QVERIFY(sim.makeFrame().clusteredPairFraction < 0.5);
        sim.stepUntil(200.0);
        const Frame f = sim.makeFrame();
        QCOMPARE(f.clusteredPairFraction, 1.0);
        QCOMPARE(f.clusterCount, 1);
    }
}

void TestIntegrators::hemisphereCollapsesExponentially() {
    // Fact 12: tokens in an open hemisphere collapse; log(diameter) becomes linear in t. Near consensus
    // SA with M = V = I contracts tangential deviations at rate 1 (linearisation), so the slope is -1.
    Scenario s;
    s.n = 32;
    s.d = 3;
    s.beta = 1.0;
    s.init.kind = InitKind::Hemisphere;
    s.dt = 0.05;
    Simulation sim(s);
    for (int i = 0; i < s.n; ++i) QVERIFY(sim.positions()(0, i) > 0);
    std::vector<double> crossing;  // times when the diameter first drops below 1e-2, 1e-4, 1e-6
    const double levels[] = {1e-2, 1e-4, 1e-6};
    std::vector<double> logAt;
    double previousD = diameter(sim.positions());
    while (crossing.size() < 3 && sim.time() < 400) {
        sim.step();
        const double D = diameter(sim.positions());
        const double level = levels[crossing.size()];
        if (D < level) {
            // Log-linear interpolation of the crossing time within the step.
            const double frac = (std::log(previousD) - std::log(level)) / (std::log(previousD) - std::log(D));
            crossing.push_back(sim.time() - s.dt + frac * s.dt);
        }
        previousD = D;
    }
    QCOMPARE(int(crossing.size()), 3);
    const double slope1 = std::log(1e-2) / (crossing[1] - crossing[0]);
    const double slope2 = std::log(1e-2) / (crossing[2] - crossing[1]);
    QVERIFY2(std::abs(slope1 - slope2) < 0.02 * std::abs(slope2),
             qPrintable(QString("%1 %2").arg(slope1).arg(slope2)));
    QVERIFY2(std::abs(slope2 + 1.0) < 0.02, qPrintable(QString::number(slope2)));
}

void TestIntegrators::dormandPrinceAgreesWithRk4() {
    Scenario s;
    s.n = 24;
    s.d = 4;
    s.beta = 2.0;
    s.heads.count = 2;
    s.heads.kind = HeadsKind::Symmetric;
    s.dt = 2e-3;
    Simulation rk4(s);
    rk4.stepUntil(2.0);
    s.integrator = IntegratorKind::DormandPrince;
    s.dt = 0.05;
    s.tolerance = 1e-11;
    Simulation dp(s);
    double minDt = 1e9, maxDt = 0;
    while (dp.time() < 2.0 - 1e-12) {
        // Stop exactly at t = 2 with a final shortened step.
        if (dp.time() + dp.dt() > 2.0) dp.setDt(2.0 - dp.time());
        dp.step();
        minDt = std::min(minDt, dp.dt());
        maxDt = std::max(maxDt, dp.dt());
    }
    QVERIFY(std::abs(dp.time() - 2.0) < 1e-12);
    QVERIFY(std::abs(rk4.time() - 2.0) < 1e-9);
    const double diff = (dp.positions() - rk4.positions()).cwiseAbs().maxCoeff();
    QVERIFY2(diff < 1e-8, qPrintable(QString::number(diff)));
    QVERIFY(dp.stepCount() < rk4.stepCount());  // adaptive steps are larger
    QVERIFY(maxDt <= 10 * 0.05 + 1e-15);
    QVERIFY(maxDt > minDt);  // the step adapted
    // A loose tolerance gives a visibly different (less accurate) answer: error control is active.
    s.tolerance = 1e-3;
    Simulation loose(s);
    loose.stepUntil(2.0);
    QVERIFY(loose.stepCount() < dp.stepCount());
}

void TestIntegrators::eulerIsThePapersScheme() {
    // x <- normalise(x + dt v(x)) with the projected field.
    Scenario s;
    s.n = 16;
    s.d = 3;
    s.integrator = IntegratorKind::Euler;
    s.dt = 0.1;
    Simulation sim(s);
    const Matrix X = sim.positions();
    const Matrix v = referenceVelocity(sim.model(), X);
    Matrix expected = X + 0.1 * v;
    expected.colwise().normalize();
    sim.step();
    QVERIFY((sim.positions() - expected).cwiseAbs().maxCoeff() < 1e-14);
    QVERIFY(std::abs(sim.time() - 0.1) < 1e-15);
    QCOMPARE(sim.stepCount(), std::int64_t(1));
}

void TestIntegrators::editsBetweenSteps() {
    Scenario s;
    s.n = 10;
    s.d = 3;
    Simulation sim(s);
    Matrix Y = Matrix::Constant(3, 10, 2.0);
    Y(0, 0) = -1;
    sim.setPositions(Y);
    QVERIFY((sim.positions().colwise().norm().array() - 1).abs().maxCoeff() < 1e-15);
    QVERIFY_THROWS_EXCEPTION(ValidationError, sim.setPositions(Matrix::Ones(4, 10)));
    QVERIFY_THROWS_EXCEPTION(ValidationError, sim.setPositions(Matrix::Zero(3, 10)));
    QVERIFY_THROWS_EXCEPTION(ValidationError, sim.setDt(0));
    QVERIFY_THROWS_EXCEPTION(ValidationError, sim.setDt(-1));
    Model m = sim.model();
    m.heads[0].M = Matrix::Identity(4, 4);
    m.heads[0].V = Matrix::Identity(4, 4);
    try {
        sim.setModel(m);
        QFAIL("expected ValidationError");
    } catch (const ValidationError& e) {
        QCOMPARE(QString::fromStdString(e.path()), QString("d"));
    }
    m = sim.model();
    m.beta = 3.0;
    sim.setModel(m);
    QCOMPARE(sim.model().beta, 3.0);
    sim.setIntegrator(IntegratorKind::Euler);
    sim.setDt(0.01);
    sim.step();
    QVERIFY(std::abs(sim.time() - 0.01) < 1e-15);
    QVERIFY(sim.integrator() == IntegratorKind::Euler);
}

QTEST_APPLESS_MAIN(TestIntegrators)
#include "test_integrators.moc"
