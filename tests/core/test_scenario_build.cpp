// Scenario::buildModel / buildPositions: every head constructor and initialisation, determinism in the
// seed, and the validation errors (field path and message).
#include "core/Errors.h"
#include "core/Initialisation.h"
#include "core/Scenario.h"

#include <QtTest>

#include <cmath>

using namespace attnsphere::core;

namespace {
Scenario base(HeadsKind kind, int H, int d = 6) {
    Scenario s;
    s.n = 10;
    s.d = d;
    s.heads.kind = kind;
    s.heads.count = H;
    return s;
}

// Runs f, expects a ValidationError whose path is `path`; returns its message.
template <typename F>
QString validationPath(F f) {
    try {
        f();
    } catch (const ValidationError& e) {
        return QString::fromStdString(e.path()) + "|" + e.what();
    }
    return "no error";
}
}  // namespace

class TestScenarioBuild : public QObject {
    Q_OBJECT
private slots:
    void identityAndScalarHeads();
    void randomHeadsAreSeededAndShaped();
    void orthogonalBlocks();
    void approximatelyOrthogonalBlocks();
    void valueMatrices();
    void explicitMatricesAndErrors();
    void strengthsBetasAndSigmoidBias();
    void uniformAndHemisphere();
    void equiangular();
    void clustersAndPoints();
    void flatGeometryPositions();
    void gaussianSourceIsReproducible();
};

void TestScenarioBuild::identityAndScalarHeads() {
    Scenario s = base(HeadsKind::Identity, 1);
    Model m = s.buildModel();
    QCOMPARE(m.headCount(), 1);
    QVERIFY(m.heads[0].M == Matrix::Identity(6, 6));
    QVERIFY(m.heads[0].V == Matrix::Identity(6, 6));
    s = base(HeadsKind::Scalar, 2);
    s.heads.scale = {1.0, 0.5};
    m = s.buildModel();
    QVERIFY(m.heads[1].M == 0.5 * Matrix::Identity(6, 6));
    QVERIFY(m.heads[1].V == m.heads[1].M);
    QCOMPARE(m.dim(), 6);
    QVERIFY(m.kernel == KernelKind::Softmax);
}

void TestScenarioBuild::randomHeadsAreSeededAndShaped() {
    for (HeadsKind k : {HeadsKind::Gaussian, HeadsKind::Symmetric, HeadsKind::Goe}) {
        Scenario s = base(k, 3);
        const Model a = s.buildModel(), b = s.buildModel();
        for (int h = 0; h < 3; ++h) QVERIFY(a.heads[h].M == b.heads[h].M);
        QVERIFY((a.heads[0].M - a.heads[1].M).norm() > 0.1);  // heads differ from each other
        s.seed = 2;
        QVERIFY((s.buildModel().heads[0].M - a.heads[0].M).norm() > 0.1);
        if (k != HeadsKind::Gaussian)
            for (int h = 0; h < 3; ++h) QVERIFY((a.heads[h].M - a.heads[h].M.transpose()).norm() == 0.0);
        else
            QVERIFY((a.heads[0].M - a.heads[0].M.transpose()).norm() > 0.1);
    }
    // Entry variance scale^2 / d (d = 200: 40000 entries, sampling error ~1%).
    Scenario s = base(HeadsKind::Gaussian, 1, 200);
    s.heads.scale = {2.0};
    const Matrix M = s.buildModel().heads[0].M;
    const double var = M.array().square().mean() - std::pow(M.mean(), 2);
    QVERIFY2(std::abs(var / (4.0 / 200) - 1) < 0.03, qPrintable(QString::number(var)));
    // GOE: off-diagonal variance scale^2/d, diagonal twice that.
    s = base(HeadsKind::Goe, 1, 300);
    const Matrix G = s.buildModel().heads[0].M;
    const double diagVar = G.diagonal().array().square().mean();
    const double offVar = (G.array().square().sum() - G.diagonal().squaredNorm()) / (300.0 * 299);
    QVERIFY(std::abs(offVar * 300 - 1) < 0.03);
    QVERIFY(std::abs(diagVar * 300 / 2 - 1) < 0.25);
}

void TestScenarioBuild::orthogonalBlocks() {
    Scenario s = base(HeadsKind::OrthogonalBlocks, 3, 7);  // blocks of 3, 2, 2 coordinates
    s.heads.scale = {1.0, 2.0, 0.5};
    const Model m = s.buildModel();
    Matrix sum = Matrix::Zero(7, 7);
    for (int h = 0; h < 3; ++h) {
        for (int g = 0; g < 3; ++g)
            if (g != h) QCOMPARE((m.heads[h].M.transpose() * m.heads[g].M).norm(), 0.0);
        QVERIFY((m.heads[h].M - m.heads[h].M.transpose()).norm() == 0.0);
        sum += m.heads[h].M / s.heads.scale[h];
    }
    QVERIFY(sum == Matrix::Identity(7, 7));  // the blocks cover every coordinate once
    QCOMPARE(m.heads[0].M.trace(), 3.0);
    QCOMPARE(m.heads[1].M.trace(), 4.0);
    QCOMPARE(m.heads[2].M.trace(), 1.0);
    // More heads than coordinates is refused, naming the field.
    const QString err = validationPath([] { base(HeadsKind::OrthogonalBlocks, 4, 3).buildModel(); });
    QVERIFY2(err.startsWith("heads.count|") && err.contains("<= d = 3"), qPrintable(err));
}

void TestScenarioBuild::approximatelyOrthogonalBlocks() {
    Scenario exact = base(HeadsKind::OrthogonalBlocks, 2, 6);
    Scenario approx = base(HeadsKind::ApproxOrthogonalBlocks, 2, 6);
    approx.heads.eps = 0.01;
    const Model a = exact.buildModel(), b = approx.buildModel();
    for (int h = 0; h < 2; ++h) {
        const double dev = (b.heads[h].M - a.heads[h].M).norm();
        QVERIFY(dev > 1e-4 && dev < 0.05);
        QVERIFY((b.heads[h].M - b.heads[h].M.transpose()).norm() < 1e-15);
    }
    const double cross = (b.heads[0].M.transpose() * b.heads[1].M).norm();
    QVERIFY(cross > 0 && cross < 0.05);
    approx.heads.eps = 0;
    QVERIFY(approx.buildModel().heads[1].M == a.heads[1].M);
}

void TestScenarioBuild::valueMatrices() {
    Scenario s = base(HeadsKind::Symmetric, 2);
    s.heads.value = ValueKind::NegativeScore;
    Model m = s.buildModel();
    QVERIFY(m.heads[1].V == -m.heads[1].M);
    s.heads.value = ValueKind::Identity;
    m = s.buildModel();
    QVERIFY(m.heads[0].V == Matrix::Identity(6, 6));
    s.heads.value = ValueKind::SameAsScore;
    m = s.buildModel();
    QVERIFY(m.heads[0].V == m.heads[0].M);
}

void TestScenarioBuild::explicitMatricesAndErrors() {
    Scenario s = base(HeadsKind::Explicit, 2, 3);
    s.heads.explicitM = {Matrix::Identity(3, 3), 2 * Matrix::Identity(3, 3)};
    s.heads.value = ValueKind::Explicit;
    s.heads.explicitV = {Matrix::Ones(3, 3), Matrix::Zero(3, 3)};
    const Model m = s.buildModel();
    QVERIFY(m.heads[1].M == 2 * Matrix::Identity(3, 3));
    QVERIFY(m.heads[0].V == Matrix::Ones(3, 3));

    Scenario bad = s;
    bad.heads.explicitM[1] = Matrix::Identity(4, 4);
    QString err = validationPath([&] { bad.buildModel(); });
    QVERIFY2(err.startsWith("heads.M[1]|") && err.contains("3 x 3") && err.contains("4 x 4"),
             qPrintable(err));
    bad = s;
    bad.heads.explicitV.pop_back();
    err = validationPath([&] { bad.buildModel(); });
    QVERIFY2(err.startsWith("heads.V|") && err.contains("got 1"), qPrintable(err));
    bad = s;
    bad.heads.explicitM[0](0, 0) = std::nan("");
    QVERIFY(validationPath([&] { bad.buildModel(); }).startsWith("heads.M[0]|"));
    bad = s;
    bad.heads.scale = {1, 2, 3};
    QVERIFY(validationPath([&] { bad.buildModel(); }).startsWith("heads.scale|"));
    bad = s;
    bad.d = 1;
    QVERIFY(validationPath([&] { bad.buildModel(); }).startsWith("d|"));
    bad = s;
    bad.heads.count = 0;
    QVERIFY(validationPath([&] { bad.buildModel(); }).startsWith("heads.count|"));
}

void TestScenarioBuild::strengthsBetasAndSigmoidBias() {
    Scenario s = base(HeadsKind::Identity, 2);
    s.heads.alpha = {0.5, 2.0};
    s.heads.beta = {3.0, 4.0};
    s.kernel = KernelKind::Sigmoid;
    Model m = s.buildModel();
    QCOMPARE(m.heads[0].alpha, 0.5);
    QCOMPARE(m.headBeta(1), 4.0);
    QCOMPARE(m.sigmoidBias, -std::log(10.0));  // default -log n
    s.sigmoidBiasSet = true;
    s.sigmoidBias = 0.25;
    QCOMPARE(s.buildModel().sigmoidBias, 0.25);
    s.heads.beta.clear();
    m = s.buildModel();
    QVERIFY(std::isnan(m.heads[0].beta));
    QCOMPARE(m.headBeta(0), s.beta);
    s.heads.alpha = {-1.0};
    QVERIFY(validationPath([&] { s.buildModel(); }).startsWith("heads.alpha[0]|"));
}

void TestScenarioBuild::uniformAndHemisphere() {
    Scenario s = base(HeadsKind::Identity, 1, 3);
    s.n = 500;
    const Matrix X = s.buildPositions();
    QCOMPARE(X.rows(), 3);
    QCOMPARE(X.cols(), 500);
    QVERIFY((X.colwise().norm().array() - 1).abs().maxCoeff() < 1e-15);
    QVERIFY(X.rowwise().mean().norm() < 0.15);  // roughly centred
    QVERIFY(X.row(0).minCoeff() < -0.5);
    QVERIFY(s.buildPositions() == X);
    s.init.kind = InitKind::Hemisphere;
    const Matrix Y = s.buildPositions();
    QVERIFY(Y.row(0).minCoeff() > 0);
    QVERIFY((Y.colwise().norm().array() - 1).abs().maxCoeff() < 1e-15);
    // Heads do not depend on the initialisation's random stream, and vice versa.
    Scenario g = base(HeadsKind::Gaussian, 2);
    const Matrix M = g.buildModel().heads[0].M;
    g.init.kind = InitKind::Hemisphere;
    QVERIFY(g.buildModel().heads[0].M == M);
}

void TestScenarioBuild::equiangular() {
    for (double rho : {-0.2, 0.0, 0.3, 0.95}) {
        for (int d : {6, 7, 9}) {
            if (rho >= 0 && d < 6) continue;
            const Matrix X = equiangularPoints(6, d, rho);
            const Matrix G = X.transpose() * X;
            for (int i = 0; i < 6; ++i)
                for (int j = 0; j < 6; ++j) QVERIFY(std::abs(G(i, j) - (i == j ? 1.0 : rho)) < 1e-15);
        }
    }
    // doc/MODEL.md §8's construction for rho >= 0 in R^{n+1}.
    const Matrix X = equiangularPoints(4, 5, 0.25);
    QCOMPARE(X(0, 2), 0.5);
    QCOMPARE(X(3, 2), std::sqrt(0.75));
    QVERIFY(validationPath([] { equiangularPoints(6, 5, 0.1); }).startsWith("d|"));
    QVERIFY(validationPath([] { equiangularPoints(6, 8, -0.5); }).startsWith("init.rho|"));
    QVERIFY(validationPath([] { equiangularPoints(6, 8, 1.5); }).startsWith("init.rho|"));
    Scenario s = base(HeadsKind::Identity, 1, 11);
    s.init.kind = InitKind::Equiangular;
    s.init.rho = 0.4;
    QVERIFY(s.buildPositions() == equiangularPoints(10, 11, 0.4));
}

void TestScenarioBuild::clustersAndPoints() {
    Scenario s = base(HeadsKind::Identity, 1, 3);
    s.n = 30;
    s.init.kind = InitKind::Clusters;
    s.init.clusters = 3;
    s.init.spread = 0.01;
    const Matrix X = s.buildPositions();
    QVERIFY((X.colwise().norm().array() - 1).abs().maxCoeff() < 1e-15);
    // Token i belongs to cluster i mod k: close to its cluster mates.
    for (int i = 3; i < 30; ++i) QVERIFY(X.col(i).dot(X.col(i % 3)) > 0.99);
    s.init.clusters = 31;
    QVERIFY(validationPath([&] { s.buildPositions(); }).startsWith("init.clusters|"));

    s.init.kind = InitKind::Points;
    s.init.points = Matrix::Ones(3, 29);
    QString err = validationPath([&] { s.buildPositions(); });
    QVERIFY2(err.startsWith("init.points|") && err.contains("n = 30"), qPrintable(err));
    s.init.points = Matrix::Ones(3, 30);
    s.init.points.col(4).setZero();
    QVERIFY(validationPath([&] { s.buildPositions(); }).startsWith("init.points[4]|"));
    s.init.points.col(4) << 0, 0, 2;
    const Matrix P = s.buildPositions();
    QVERIFY(std::abs(P(2, 4) - 1.0) < 1e-15);
    QVERIFY(std::abs(P(0, 0) - 1 / std::sqrt(3.0)) < 1e-15);
}

void TestScenarioBuild::flatGeometryPositions() {
    Scenario s = base(HeadsKind::Identity, 1, 3);
    s.geometry = Geometry::Flat;
    s.n = 200;
    const Matrix X = s.buildPositions();
    QVERIFY((X.colwise().norm().array() - 1).abs().maxCoeff() > 0.5);  // Gaussian, not normalised
    s.init.kind = InitKind::Points;
    s.init.points = 3.0 * Matrix::Ones(3, 200);
    QVERIFY(s.buildPositions() == s.init.points);
}

void TestScenarioBuild::gaussianSourceIsReproducible() {
    GaussianSource a(123), b(123), c(124);
    double sum = 0, sq = 0;
    const int N = 200000;
    for (int i = 0; i < N; ++i) {
        const double x = a.normal();
        QCOMPARE(x, b.normal());
        sum += x;
        sq += x * x;
        const double u = c.uniform();
        QVERIFY(u > 0 && u <= 1);
    }
    QVERIFY(std::abs(sum / N) < 0.01);
    QVERIFY(std::abs(sq / N - 1) < 0.01);
    QVERIFY(deriveSeed(1, 1) != deriveSeed(1, 2));
    QVERIFY(deriveSeed(1, 1) != deriveSeed(2, 1));
}

QTEST_APPLESS_MAIN(TestScenarioBuild)
#include "test_scenario_build.moc"
