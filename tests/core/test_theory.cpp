// Equiangular theory against doc/MODEL.md §8 (values derived independently when the model was written;
// 4-digit table values within half a unit of their last digit).
#include "core/EquiangularTheory.h"
#include "core/Errors.h"
#include "core/Simulation.h"

#include <QtTest>

#include <cmath>

using namespace attnsphere::core;
using namespace attnsphere::core::equiangular;

namespace {
EquiangularSetup setup(int n, double beta, KernelKind kernel,
                       std::vector<ScalarHead> heads = {ScalarHead{}}) {
    EquiangularSetup s;
    s.n = n;
    s.beta = beta;
    s.kernel = kernel;
    s.heads = std::move(heads);
    return s;
}
}  // namespace

class TestTheory : public QObject {
    Q_OBJECT

private slots:
    void rateFormulas();
    void clusteringTimeTable_data();
    void clusteringTimeTable();
    void fact3OdeValues();
    void fact4LinearRates();
    void fact5bEntropySlope();
    void entropyRisesToLogN();
    void signedKernelEntropyMatchesTheFrame();
    void fact6SuperAdditivity_data();
    void fact6SuperAdditivity();
    void fact7ReluClosedForm();
    void fact7ReluVsSoftmaxTimes_data();
    void fact7ReluVsSoftmaxTimes();
    void fact14LongContextTrend();
    void configurationIsEquiangular_data();
    void configurationIsEquiangular();
    void configurationRejectsSmallDimension();
    void betaForClusteringTimeInvertsT();
};

void TestTheory::rateFormulas() {
    // SA and USA right-hand sides of doc/MODEL.md §8 written out for one head at a generic point.
    const int n = 7;
    const double beta = 1.7, rho = 0.35, a = 1.3, b = 0.6;
    const double geometric = (1 - rho) * (1 + (n - 1) * rho);
    const double sa = 2 * geometric * b * std::exp(beta * a * rho) /
                      (std::exp(beta * a) + (n - 1) * std::exp(beta * a * rho));
    const double usa = 2.0 / n * geometric * b * std::exp(beta * a * rho);
    QVERIFY(std::abs(rate(setup(n, beta, KernelKind::Softmax, {{a, b}}), rho) - sa) < 1e-14);
    QVERIFY(std::abs(rate(setup(n, beta, KernelKind::Exp, {{a, b}}), rho) - usa) < 1e-14);
    // Unnormalised ReLU: (2 beta a b / n) rho (1-rho)(1+(n-1)rho) (doc/MODEL.md §8).
    QVERIFY(std::abs(rate(setup(n, beta, KernelKind::Relu, {{a, b}}), rho) -
                     2 * beta * a * b / n * rho * geometric) < 1e-14);
    // Linear (lightning, N = 1): 2 (1-rho)(1+(n-1)rho) b beta a rho.
    QVERIFY(std::abs(rate(setup(n, beta, KernelKind::Linear, {{a, b}}), rho) -
                     2 * geometric * b * beta * a * rho) < 1e-14);
    // Heads add; fixed points at rho = 1 and at the simplex -1/(n-1).
    const auto two = setup(n, beta, KernelKind::Softmax, {{a, b}, {0.4, 2.0}});
    const double sum = rate(setup(n, beta, KernelKind::Softmax, {{a, b}}), rho) +
                       rate(setup(n, beta, KernelKind::Softmax, {{0.4, 2.0}}), rho);
    QVERIFY(std::abs(rate(two, rho) - sum) < 1e-14);
    QCOMPARE(rate(two, 1.0), 0.0);
    QVERIFY(std::abs(rate(two, -1.0 / (n - 1))) < 1e-15);
}

void TestTheory::clusteringTimeTable_data() {
    QTest::addColumn<double>("beta");
    QTest::addColumn<double>("tSA");
    QTest::addColumn<double>("tUSA");
    QTest::addColumn<double>("tolSA");
    // doc/MODEL.md §8, single head, n = 32, rho: 0 -> 0.999.
    QTest::newRow("0.5") << 0.5 << 5.220 << 3.805 << 5e-4;
    QTest::newRow("1") << 1.0 << 5.270 << 2.897 << 5e-4;
    QTest::newRow("2") << 2.0 << 5.458 << 1.880 << 5e-4;
    QTest::newRow("4") << 4.0 << 6.954 << 1.131 << 5e-4;
    QTest::newRow("6") << 6.0 << 15.995 << 0.870 << 5e-4;
    QTest::newRow("9") << 9.0 << 178.73 << 0.686 << 5e-3;
}

void TestTheory::clusteringTimeTable() {
    QFETCH(double, beta);
    QFETCH(double, tSA);
    QFETCH(double, tUSA);
    QFETCH(double, tolSA);
    const double sa = clusteringTime(setup(32, beta, KernelKind::Softmax), 0, 0.999);
    const double usa = clusteringTime(setup(32, beta, KernelKind::Exp), 0, 0.999);
    QVERIFY2(std::abs(sa - tSA) <= tolSA, qPrintable(QString::number(sa, 'g', 10)));
    QVERIFY2(std::abs(usa - tUSA) <= 5e-4, qPrintable(QString::number(usa, 'g', 10)));
    // The quadrature agrees with integrating the ODE for that long: rho(T) = 0.999.
    QVERIFY(std::abs(integrateRho(setup(32, beta, KernelKind::Exp), 0, usa) - 0.999) < 1e-9);
}

void TestTheory::fact3OdeValues() {
    const std::vector<ScalarHead> heads{{1, 1}, {0.5, 0.5}};
    const double usa = integrateRho(setup(6, 2, KernelKind::Exp, heads), 0.1, 1.0);
    const double sa = integrateRho(setup(6, 2, KernelKind::Softmax, heads), 0.1, 1.0);
    QVERIFY2(std::abs(usa - 0.99998163) < 1e-8, qPrintable(QString::number(usa, 'g', 12)));
    QVERIFY2(std::abs(sa - 0.72315571) < 1e-8, qPrintable(QString::number(sa, 'g', 12)));
    QCOMPARE(integrateRho(setup(6, 2, KernelKind::Softmax, heads), 0.1, 0.0), 0.1);
}

void TestTheory::fact4LinearRates() {
    const double beta = 1.5;
    // H = 1: SA 2, USA 2 e^beta.
    QVERIFY(std::abs(linearRateAtOne(setup(10, beta, KernelKind::Softmax)) - 2.0) < 1e-12);
    QVERIFY(std::abs(linearRateAtOne(setup(10, beta, KernelKind::Exp)) - 2 * std::exp(beta)) < 1e-12);
    // Several heads: SA 2 sum b_h, USA 2 sum b_h e^{beta a_h}.
    const std::vector<ScalarHead> heads{{1, 1}, {0.5, 2}, {2, 0.25}};
    QVERIFY(std::abs(linearRateAtOne(setup(10, beta, KernelKind::Softmax, heads)) - 2 * (1 + 2 + 0.25)) <
            1e-12);
    const double usa = 2 * (std::exp(beta) + 2 * std::exp(0.5 * beta) + 0.25 * std::exp(2 * beta));
    QVERIFY(std::abs(linearRateAtOne(setup(10, beta, KernelKind::Exp, heads)) - usa) < 1e-12 * usa);
    // The rate is the slope of log(1 - rho) of the ODE solution near rho = 1 (tolerance 1%).
    for (KernelKind k : {KernelKind::Softmax, KernelKind::Exp}) {
        const auto s = setup(10, beta, k, heads);
        const double lambda = linearRateAtOne(s);
        const double t1 = clusteringTime(s, 0, 1 - 1e-4), t2 = clusteringTime(s, 0, 1 - 1e-6);
        const double slope =
            (std::log(1 - integrateRho(s, 0, t2)) - std::log(1 - integrateRho(s, 0, t1))) / (t2 - t1);
        QVERIFY2(std::abs(-slope - lambda) < 0.01 * lambda,
                 qPrintable(QString("%1 vs %2").arg(-slope).arg(lambda)));
    }
}

void TestTheory::fact5bEntropySlope() {
    const auto s = setup(10, 3, KernelKind::Softmax);
    QVERIFY(std::abs(entropySlope(s, 0, 0.3) - 1.571283887) < 1e-9);
    // The closed form is the derivative of S(rho).
    for (double rho : {-0.1, 0.0, 0.3, 0.7, 0.95}) {
        const double h = 1e-6;
        const double fd = (entropy(s, 0, rho + h) - entropy(s, 0, rho - h)) / (2 * h);
        QVERIFY2(std::abs(fd - entropySlope(s, 0, rho)) < 1e-7, qPrintable(QString::number(rho)));
    }
    // The same for a normalised ReLU head through the generic formula.
    const auto r = setup(10, 3, KernelKind::ReluNormalised);
    const double fd = (entropy(r, 0, 0.4 + 1e-6) - entropy(r, 0, 0.4 - 1e-6)) / 2e-6;
    QVERIFY(std::abs(fd - entropySlope(r, 0, 0.4)) < 1e-7);
}

void TestTheory::entropyRisesToLogN() {
    const auto s = setup(10, 3, KernelKind::Softmax);
    double previous = entropy(s, 0, 0.0);
    for (int k = 1; k <= 100; ++k) {
        const double rho = integrateRho(s, 0.0, 0.1 * k);  // along the flow
        const double current = entropy(s, 0, rho);
        QVERIFY(current >= previous - 1e-14);
        QVERIFY(current <= std::log(10.0) + 1e-14);
        previous = current;
    }
    // Clustered: uniform rows, S = log n (doc/MODEL.md §5).
    QVERIFY(std::abs(entropy(s, 0, 1.0) - std::log(10.0)) < 1e-12);
}

void TestTheory::signedKernelEntropyMatchesTheFrame() {
    // Linear kernel: the entropy of the positive part of the weights (doc/MODEL.md), never NaN, and the
    // same as the simulator's observables on the realised configuration.
    const int n = 6;
    for (double a : {1.0, -1.0}) {
        for (double rho : {-0.15, 0.0, 0.3, 0.8}) {
            const auto s = setup(n, 2.0, KernelKind::Linear, {{a, 1.0}});
            const double theory = entropy(s, 0, rho);
            QVERIFY(theory >= 0 && theory <= std::log(double(n)));
            QVERIFY(std::isfinite(entropySlope(s, 0, rho)));
            Model m;
            m.kernel = KernelKind::Linear;
            m.beta = 2.0;
            Head head;
            head.M = a * Matrix::Identity(n + 1, n + 1);
            head.V = Matrix::Identity(n + 1, n + 1);
            m.heads = {head};
            FrameOptions o;
            o.attention = false;
            const Frame f = computeFrame(m, configuration(n, n + 1, rho), 0, 0, o);
            QVERIFY2(std::abs(f.heads[0].entropy(0) - theory) < 1e-12,
                     qPrintable(QString("a %1, rho %2: %3 vs %4")
                                    .arg(a)
                                    .arg(rho)
                                    .arg(f.heads[0].entropy(0))
                                    .arg(theory)));
        }
    }
}

void TestTheory::fact6SuperAdditivity_data() {
    QTest::addColumn<double>("a1");
    QTest::addColumn<double>("a2");
    QTest::addColumn<double>("sa");
    QTest::addColumn<double>("usa");
    // doc/MODEL.md §8 (super-additivity): n = 16, beta = 3, rho 0 -> 0.99, gradient-case scalar heads (b =
    // a).
    QTest::newRow("(1,1)") << 1.0 << 1.0 << 1.0000 << 1.0000;
    QTest::newRow("(1,0.5)") << 1.0 << 0.5 << 1.0103 << 1.0383;
    QTest::newRow("(1,2)") << 1.0 << 2.0 << 1.2190 << 1.0533;
    QTest::newRow("(0.5,3)") << 0.5 << 3.0 << 1.9061 << 1.0582;
}

void TestTheory::fact6SuperAdditivity() {
    QFETCH(double, a1);
    QFETCH(double, a2);
    QFETCH(double, sa);
    QFETCH(double, usa);
    const std::vector<ScalarHead> heads{{a1, a1}, {a2, a2}};
    const double rSA = superAdditivityRatio(setup(16, 3, KernelKind::Softmax, heads), 0, 0.99);
    const double rUSA = superAdditivityRatio(setup(16, 3, KernelKind::Exp, heads), 0, 0.99);
    // Table values have 4 decimals: within half a unit of the last digit (plus rounding slack).
    QVERIFY2(std::abs(rSA - sa) < 1e-4, qPrintable(QString::number(rSA, 'g', 10)));
    QVERIFY2(std::abs(rUSA - usa) < 1e-4, qPrintable(QString::number(rUSA, 'g', 10)));
    if (a1 == a2) {
        QVERIFY(std::abs(rSA - 1) < 1e-9);
        QVERIFY(std::abs(rUSA - 1) < 1e-9);
    } else {
        QVERIFY(rSA > 1 && rUSA > 1);
    }
}

void TestTheory::fact7ReluClosedForm() {
    // Normalised ReLU: drho/dt = 2 rho (1 - rho), independent of beta and n.
    for (int n : {3, 10, 50})
        for (double beta : {0.5, 3.0, 20.0})
            for (double rho : {0.01, 0.3, 0.9}) {
                const double f = rate(setup(n, beta, KernelKind::ReluNormalised), rho);
                QVERIFY(std::abs(f - 2 * rho * (1 - rho)) < 1e-12);
            }
    // Stationary for rho <= 0: no clustering, infinite time.
    QCOMPARE(rate(setup(10, 3, KernelKind::ReluNormalised), 0.0), 0.0);
    QCOMPARE(rate(setup(10, 3, KernelKind::ReluNormalised), -0.05), 0.0);
    QVERIFY(std::isinf(clusteringTime(setup(10, 3, KernelKind::ReluNormalised), 0.0, 0.99)));
    QVERIFY(std::isinf(reluNormalisedTime(0.0, 0.99)));
    // Quadrature of the ODE equals the logistic closed form.
    for (double rho0 : {1e-1, 1e-3, 1e-6}) {
        const double closed = reluNormalisedTime(rho0, 0.99);
        QVERIFY(std::abs(closed - 0.5 * std::log(0.99 * (1 - rho0) / (rho0 * 0.01))) < 1e-12);
        QVERIFY(std::abs(clusteringTime(setup(10, 3, KernelKind::ReluNormalised), rho0, 0.99) - closed) <
                1e-8);
        // and the logistic solution rho(t) = 1 / (1 + ((1-rho0)/rho0) e^{-2t}).
        const double t = 2.0;
        const double logistic = 1.0 / (1.0 + (1 - rho0) / rho0 * std::exp(-2 * t));
        QVERIFY(std::abs(integrateRho(setup(10, 3, KernelKind::ReluNormalised), rho0, t) - logistic) < 1e-10);
    }
}

void TestTheory::fact7ReluVsSoftmaxTimes_data() {
    QTest::addColumn<double>("rho0");
    QTest::addColumn<double>("relu");
    QTest::addColumn<double>("softmax");
    // doc/MODEL.md §8: n = 10, beta = 3, rho -> 0.99.
    QTest::newRow("1e-1") << 1e-1 << 3.396 << 3.902;
    QTest::newRow("1e-3") << 1e-3 << 5.751 << 4.881;
    QTest::newRow("1e-6") << 1e-6 << 9.205 << 4.895;
}

void TestTheory::fact7ReluVsSoftmaxTimes() {
    QFETCH(double, rho0);
    QFETCH(double, relu);
    QFETCH(double, softmax);
    const double tRelu = reluNormalisedTime(rho0, 0.99);
    const double tSoftmax = clusteringTime(setup(10, 3, KernelKind::Softmax), rho0, 0.99);
    QVERIFY2(std::abs(tRelu - relu) < 5e-4, qPrintable(QString::number(tRelu, 'g', 10)));
    QVERIFY2(std::abs(tSoftmax - softmax) < 5e-4, qPrintable(QString::number(tSoftmax, 'g', 10)));
}

void TestTheory::fact14LongContextTrend() {
    // rho = 0.5: critical gamma = 1/(1 - rho) = 2; limits 1, 4 rho/(1 + 3 rho) = 0.8, rho.
    const double rho = 0.5;
    const struct { double gamma, limit; } cases[] = {{1.0, 1.0}, {2.0, 4 * rho / (1 + 3 * rho)}, {3.0, rho}};
    for (const auto& c : cases) {
        double previousGap = 1e300;
        for (int n : {100, 1000, 10000, 100000}) {
            const double gap = std::abs(longContextCosine(n, c.gamma, rho) - c.limit);
            QVERIFY2(gap < previousGap, qPrintable(QString("gamma %1 n %2").arg(c.gamma).arg(n)));
            previousGap = gap;
        }
        QVERIFY2(previousGap < 0.002, qPrintable(QString("gamma %1 gap %2").arg(c.gamma).arg(previousGap)));
    }
}

void TestTheory::configurationIsEquiangular_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("d");
    QTest::addColumn<double>("rho");
    QTest::newRow("orthogonal") << 6 << 7 << 0.0;
    QTest::newRow("positive") << 16 << 32 << 0.3;
    QTest::newRow("near one") << 5 << 6 << 0.999;
    QTest::newRow("negative") << 6 << 6 << -0.1;
    QTest::newRow("simplex") << 8 << 9 << -1.0 / 7;
}

void TestTheory::configurationIsEquiangular() {
    QFETCH(int, n);
    QFETCH(int, d);
    QFETCH(double, rho);
    const Matrix X = configuration(n, d, rho);
    QCOMPARE(X.rows(), Eigen::Index(d));
    QCOMPARE(X.cols(), Eigen::Index(n));
    const Matrix G = X.transpose() * X;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) QVERIFY(std::abs(G(i, j) - (i == j ? 1.0 : rho)) < 1e-14);
}

void TestTheory::configurationRejectsSmallDimension() {
    QVERIFY_THROWS_EXCEPTION(ValidationError, configuration(6, 6, 0.1));   // rho >= 0 needs d >= n + 1
    QVERIFY_THROWS_EXCEPTION(ValidationError, configuration(6, 5, -0.1));  // rho < 0 needs d >= n
    QVERIFY_THROWS_EXCEPTION(ValidationError, configuration(6, 7, -0.5));  // below the simplex
    QVERIFY_THROWS_EXCEPTION(ValidationError, configuration(6, 7, 1.0));
}

void TestTheory::betaForClusteringTimeInvertsT() {
    const auto s = setup(32, 1, KernelKind::Softmax);
    const double beta = betaForClusteringTime(s, 0, 0.999, 15.0, 0.1, 9);
    auto at = s;
    at.beta = beta;
    QVERIFY(std::abs(clusteringTime(at, 0, 0.999) - 15.0) < 1e-6);
    QVERIFY(beta > 4 && beta < 6);  // T_SA(4) = 6.954 < 15 < T_SA(6) = 15.995 (doc/MODEL.md §8)
    QVERIFY(std::isnan(betaForClusteringTime(s, 0, 0.999, 1e6, 0.1, 9)));
}

QTEST_GUILESS_MAIN(TestTheory)
#include "test_theory.moc"
