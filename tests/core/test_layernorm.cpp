// The normalisation schemes of doc/MODEL.md (Karagodin, Ge, Polyanskiy, Rigollet, "Normalization in
// attention dynamics", 2025): Post-LN 1 - rho ~ e^{-2t}, Pre-LN 1 - rho ~ 1/t^2 and r ~ t in the equiangular
// model; the properties of Peri-LN and nGPT; radii through edits, restores and sessions.
#include "core/Errors.h"
#include "core/Session.h"
#include "core/Simulation.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <vector>

using namespace attnsphere::core;

namespace {
// One scalar head M = V = I, beta 1, n tokens equiangular at rho0 in d = n + 1 (doc/MODEL.md §8).
Scenario equiangularStart(LayerNorm normalisation, int n = 6, double rho0 = 0.2) {
    Scenario s;
    s.n = n;
    s.d = n + 1;
    s.beta = 1.0;
    s.kernel = KernelKind::Softmax;
    s.normalisation = normalisation;
    s.heads.kind = HeadsKind::Scalar;
    s.heads.count = 1;
    s.heads.scale = {1.0};
    s.heads.value = ValueKind::SameAsScore;
    s.init.kind = InitKind::Equiangular;
    s.init.rho = rho0;
    s.integrator = IntegratorKind::RK4;
    return s;
}

double meanCosine(const Matrix& X) {
    const Matrix G = X.transpose() * X;
    const auto n = static_cast<double>(X.cols());
    return (G.sum() - G.trace()) / (n * (n - 1));
}

// Least-squares slope of y against x.
double slope(const std::vector<double>& x, const std::vector<double>& y) {
    const double n = static_cast<double>(x.size());
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
        sx += x[k];
        sy += y[k];
        sxx += x[k] * x[k];
        sxy += x[k] * y[k];
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

Scenario gaussianHeads(LayerNorm normalisation) {
    Scenario s;
    s.n = 12;
    s.d = 4;
    s.normalisation = normalisation;
    s.heads.kind = HeadsKind::Gaussian;
    s.heads.count = 2;
    s.integrator = IntegratorKind::RK4;
    s.dt = 0.05;
    s.seed = 7;
    return s;
}
}  // namespace

class TestLayerNorm : public QObject {
    Q_OBJECT
private slots:
    void postLnDecaysExponentially();
    void preLnDecaysLikeInverseSquare();
    void periLnMovesAtUnitSpeed();
    void ngptStaysOnTheSphere();
    void postLnIsThePlainField();
    void switchingStartsRadiiAtOne();
    void editsKeepRadii();
    void forkRestoresRadii();
    void sessionReplaysRadii();
    void theoryDoesNotApply();
};

void TestLayerNorm::postLnDecaysExponentially() {
    Scenario s = equiangularStart(LayerNorm::Post);
    s.dt = 0.01;
    Simulation sim(s);
    QVERIFY(sim.radii().size() == 0);
    std::vector<double> t, y;
    while (sim.time() < 8.0 - 1e-9) {
        sim.step();
        if (sim.time() >= 4.0 - 1e-9 && sim.stepCount() % 10 == 0) {
            t.push_back(sim.time());
            y.push_back(std::log(1.0 - meanCosine(sim.positions())));
        }
    }
    const double k = slope(t, y);
    QVERIFY2(std::abs(k + 2.0) < 0.04, qPrintable(QString("slope %1").arg(k)));
}

void TestLayerNorm::preLnDecaysLikeInverseSquare() {
    Scenario s = equiangularStart(LayerNorm::Pre);
    s.dt = 0.05;
    Simulation sim(s);
    QCOMPARE(sim.radii().size(), Eigen::Index(6));
    QCOMPARE(sim.radii().maxCoeff(), 1.0);
    std::vector<double> logT, y;
    double next = 100;
    while (sim.time() < 2000.0 - 1e-9) {
        sim.step();
        if (sim.time() >= next - 1e-9) {
            logT.push_back(std::log(sim.time()));
            y.push_back(std::log(1.0 - meanCosine(sim.positions())));
            next *= 1.1;
        }
    }
    const double k = slope(logT, y);
    QVERIFY2(std::abs(k + 2.0) < 0.1, qPrintable(QString("slope %1").arg(k)));
    // The radius grows like t (dr/dt = <theta_i, A_i> -> 1 as the tokens gather).
    const double r = sim.radii().mean();
    QVERIFY2(std::abs(r / sim.time() - 1.0) < 0.02,
             qPrintable(QString("r %1 at t %2").arg(r).arg(sim.time())));
    for (Eigen::Index i = 0; i < sim.positions().cols(); ++i)
        QVERIFY(std::abs(sim.positions().col(i).norm() - 1.0) < 1e-14);
}

void TestLayerNorm::periLnMovesAtUnitSpeed() {
    Scenario s = gaussianHeads(LayerNorm::Peri);
    s.integrator = IntegratorKind::Euler;
    s.dt = 0.01;
    Simulation sim(s);
    for (int k = 0; k < 50; ++k) {
        const Matrix before = sim.positions() * sim.radii().asDiagonal();
        const Matrix v = sim.velocity();
        sim.step();
        const Matrix after = sim.positions() * sim.radii().asDiagonal();
        for (Eigen::Index i = 0; i < v.cols(); ++i) {
            QVERIFY2(std::abs(v.col(i).norm() - 1.0) < 1e-12, "|dx_i/dt| must be 1");
            QVERIFY(std::abs((after.col(i) - before.col(i)).norm() - s.dt) < 1e-12);
        }
    }
    // The radius changes by at most |dx/dt| t.
    QVERIFY(sim.radii().maxCoeff() <= 1.0 + sim.time() + 1e-12);
    QVERIFY(sim.radii().minCoeff() >= 1.0 - sim.time() - 1e-12);
}

void TestLayerNorm::ngptStaysOnTheSphere() {
    Simulation sim(gaussianHeads(LayerNorm::NGpt));
    QVERIFY(sim.radii().size() == 0);
    for (int k = 0; k < 100; ++k) {
        const Matrix v = sim.velocity();
        for (Eigen::Index i = 0; i < v.cols(); ++i) {
            // Tangent, and at most unit speed (the normalised output, projected).
            QVERIFY(std::abs(v.col(i).dot(sim.positions().col(i))) < 1e-12);
            QVERIFY(v.col(i).norm() <= 1.0 + 1e-12);
        }
        sim.step();
        for (Eigen::Index i = 0; i < v.cols(); ++i)
            QVERIFY(std::abs(sim.positions().col(i).norm() - 1.0) < 1e-14);
    }
    // Each token's speed is the sine of the angle between it and its attention output: compare with the
    // Post-LN field of the same state, which is |A_i| times it.
    Scenario post = gaussianHeads(LayerNorm::Post);
    Simulation plain(post);
    plain.setPositions(sim.positions());
    Simulation ngpt(gaussianHeads(LayerNorm::NGpt));
    ngpt.setPositions(sim.positions());
    const Matrix vp = plain.velocity(), vn = ngpt.velocity();
    for (Eigen::Index i = 0; i < vp.cols(); ++i) {
        const double cosine = vp.col(i).normalized().dot(vn.col(i).normalized());
        QVERIFY2(cosine > 1.0 - 1e-12, "nGPT moves each token the Post-LN way, only at another speed");
    }
}

void TestLayerNorm::postLnIsThePlainField() {
    // Post-LN through the unprojected attention output plus the projection is the plain field.
    Simulation sim(gaussianHeads(LayerNorm::Post));
    VelocityField field;
    Matrix a, v;
    field.attentionOutput(sim.model(), sim.positions(), a);
    field.evaluate(sim.model(), sim.positions(), v);
    projectTangent(sim.positions(), a);
    QVERIFY((a - v).cwiseAbs().maxCoeff() < 1e-14);
}

void TestLayerNorm::switchingStartsRadiiAtOne() {
    Simulation sim(gaussianHeads(LayerNorm::Post));
    for (int k = 0; k < 10; ++k) sim.step();
    const Matrix directions = sim.positions();
    Model m = sim.model();
    m.normalisation = LayerNorm::Pre;
    sim.setModel(m);
    QCOMPARE(sim.radii().size(), Eigen::Index(12));
    QVERIFY(sim.radii().isOnes());
    QVERIFY(sim.positions() == directions);
    for (int k = 0; k < 10; ++k) sim.step();
    QVERIFY(!sim.radii().isOnes());
    const Vector radii = sim.radii();
    m.normalisation = LayerNorm::Peri;  // Pre -> Peri keeps the radii
    sim.setModel(m);
    QVERIFY(sim.radii() == radii);
    m.normalisation = LayerNorm::NGpt;
    sim.setModel(m);
    QVERIFY(sim.radii().size() == 0);
}

void TestLayerNorm::editsKeepRadii() {
    Simulation sim(gaussianHeads(LayerNorm::Pre));
    for (int k = 0; k < 20; ++k) sim.step();
    const Vector radii = sim.radii();
    Matrix X = sim.positions();
    X.col(3) = -X.col(3);  // a drag: same n, radii kept
    sim.setPositions(X);
    QVERIFY(sim.radii() == radii);
    Matrix Y(X.rows(), X.cols() + 1);
    Y << X, X.col(0);
    sim.setPositions(Y);  // n changed without radii: the mean radius for every token
    QCOMPARE(sim.radii().size(), Eigen::Index(13));
    QVERIFY(std::abs(sim.radii()(12) - radii.mean()) < 1e-15);
    Vector explicitRadii = Vector::Constant(13, 2.0);
    sim.setPositions(Y, explicitRadii);
    QVERIFY(sim.radii() == explicitRadii);
    explicitRadii(0) = 0;
    QVERIFY_THROWS_EXCEPTION(ValidationError, sim.setPositions(Y, explicitRadii));
}

void TestLayerNorm::forkRestoresRadii() {
    Simulation a(gaussianHeads(LayerNorm::Pre));
    for (int k = 0; k < 15; ++k) a.step();
    const Matrix X = a.positions();
    const Vector r = a.radii();
    const double t = a.time();
    const auto step = a.stepCount();
    for (int k = 0; k < 15; ++k) a.step();
    Simulation b(gaussianHeads(LayerNorm::Pre));
    b.restore(X, t, step, a.dt(), a.stepDt(), r);
    for (int k = 0; k < 15; ++k) b.step();
    QVERIFY(a.positions() == b.positions());
    QVERIFY(a.radii() == b.radii());
}

void TestLayerNorm::sessionReplaysRadii() {
    const Scenario s = gaussianHeads(LayerNorm::Post);
    Simulation live(s);
    SessionLog log(s);
    for (int k = 0; k < 5; ++k) live.step();
    Model m = live.model();
    m.normalisation = LayerNorm::Pre;
    live.setModel(m);
    log.logModel(live.stepCount(), m);
    for (int k = 0; k < 10; ++k) live.step();
    // A manipulation with the radii (a removed token).
    Matrix X = live.positions().leftCols(11);
    Vector r = live.radii().head(11);
    live.setPositions(X, r);
    log.logPositions(live.stepCount(), live.positions(), live.radii());
    for (int k = 0; k < 10; ++k) live.step();
    log.setEndStep(live.stepCount());

    const Session saved = Session::fromJson(log.session().toJson());
    SessionPlayer player(saved);
    while (!player.finished()) player.step();
    QVERIFY(player.simulation().positions() == live.positions());
    QVERIFY(player.simulation().radii() == live.radii());
}

void TestLayerNorm::theoryDoesNotApply() {
    Simulation pre(equiangularStart(LayerNorm::Pre));
    const Frame f = pre.makeFrame();
    QVERIFY(f.theory && !f.theory->equiangular);
    QVERIFY2(f.theory->equiangularReason.find("pre-ln") != std::string::npos,
             f.theory->equiangularReason.c_str());
    QVERIFY(f.radii.size() == 6);
    Simulation post(equiangularStart(LayerNorm::Post));
    QVERIFY(post.makeFrame().theory->equiangular);
    QVERIFY(post.makeFrame().radii.size() == 0);
}

QTEST_APPLESS_MAIN(TestLayerNorm)
#include "test_layernorm.moc"
