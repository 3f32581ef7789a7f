// Attention variants (doc/MODEL.md §2.3): causal mask, positional bias and Sinkhorn against a plain
// dense reference written here, the first token's stillness under the causal mask, Sinkhorn's balance,
// the observables over the allowed keys, the theory's refusal, sessions and comparisons that change them.
#include "ReferenceModel.h"
#include "core/AttentionVariants.h"
#include "core/Comparison.h"
#include "core/Dynamics.h"
#include "core/Errors.h"
#include "core/Session.h"
#include "core/Simulation.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace attnsphere;
using namespace attnsphere::core;
using namespace attnsphere::test;

namespace {

struct Variant {
    AttentionMask mask = AttentionMask::None;
    double bias = 0;
    int sinkhorn = 0;
};

// Weights of head h, loop by loop: kappa(s_ij - lambda |i - j| / n) over the keys j <= i (causal) or all,
// divided by the row sum (normalised kernels), the number of allowed keys (kernels divided by n) or 1;
// Sinkhorn: the softmax rows, then columns and rows divided by their sums, `sinkhorn` times.
Matrix referenceWeights(const Model& m, const Matrix& X, int h, const Variant& v) {
    const int n = static_cast<int>(X.cols());
    const Head& head = m.heads[static_cast<std::size_t>(h)];
    const double beta = std::isnan(head.beta) ? m.beta : head.beta;
    Matrix W = Matrix::Zero(n, n);
    for (int i = 0; i < n; ++i) {
        const int allowed = v.mask == AttentionMask::Causal ? i + 1 : n;
        double rowMax = -INFINITY;
        std::vector<double> s(static_cast<std::size_t>(allowed));
        for (int j = 0; j < allowed; ++j) {
            s[j] = beta * bilinear(head.M, X, i, j) - v.bias * std::abs(i - j) / n;
            rowMax = std::max(rowMax, s[j]);
        }
        const double shift = m.kernel == KernelKind::Softmax ? rowMax : 0.0;
        double sum = 0;
        for (int j = 0; j < allowed; ++j) {
            W(i, j) = referenceKappa(m.kernel, s[j] - shift, m.sigmoidBias);
            sum += W(i, j);
        }
        double N = 1;
        if (m.kernel == KernelKind::Softmax || m.kernel == KernelKind::ReluNormalised) N = sum;
        if (m.kernel == KernelKind::Exp || m.kernel == KernelKind::Relu || m.kernel == KernelKind::Sigmoid)
            N = allowed;
        if (N != 0)
            for (int j = 0; j < allowed; ++j) W(i, j) /= N;
    }
    for (int k = 0; k < v.sinkhorn; ++k) {
        for (int j = 0; j < n; ++j) {
            double c = 0;
            for (int i = 0; i < n; ++i) c += W(i, j);
            for (int i = 0; i < n; ++i) W(i, j) /= c;
        }
        for (int i = 0; i < n; ++i) {
            double r = 0;
            for (int j = 0; j < n; ++j) r += W(i, j);
            for (int j = 0; j < n; ++j) W(i, j) /= r;
        }
    }
    return W;
}

Matrix referenceVelocity(const Model& m, const Matrix& X, const Variant& v) {
    const int d = static_cast<int>(X.rows()), n = static_cast<int>(X.cols());
    Matrix out = Matrix::Zero(d, n);
    for (int h = 0; h < m.headCount(); ++h) {
        const Matrix W = referenceWeights(m, X, h, v);
        const Head& head = m.heads[static_cast<std::size_t>(h)];
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                for (int a = 0; a < d; ++a)
                    for (int b = 0; b < d; ++b) out(a, i) += head.alpha * W(i, j) * head.V(a, b) * X(b, j);
    }
    if (m.geometry == Geometry::Sphere)
        for (int i = 0; i < n; ++i) {
            double r = 0;
            for (int a = 0; a < d; ++a) r += X(a, i) * out(a, i);
            for (int a = 0; a < d; ++a) out(a, i) -= r * X(a, i);
        }
    return out;
}

Model withVariant(Model m, const Variant& v) {
    m.mask = v.mask;
    m.positionalBias = v.bias;
    m.sinkhornIterations = v.sinkhorn;
    return m;
}

Scenario lostInTheMiddle() {
    return Scenario::load("lost-in-the-middle");
}

double maxColumnError(const Matrix& W) {
    return (W.colwise().sum().array() - 1.0).abs().maxCoeff();
}

}  // namespace

class TestAttentionVariants : public QObject {
    Q_OBJECT
private slots:
    void velocityMatchesReference_data() {
        QTest::addColumn<int>("kernel");
        QTest::addColumn<int>("mask");
        QTest::addColumn<double>("bias");
        QTest::addColumn<int>("sinkhorn");
        QTest::addColumn<int>("heads");
        QTest::addColumn<bool>("perHeadBeta");
        const int softmax = static_cast<int>(KernelKind::Softmax),
                  causal = static_cast<int>(AttentionMask::Causal),
                  none = static_cast<int>(AttentionMask::None);
        QTest::newRow("causal") << softmax << causal << 0.0 << 0 << 1 << false;
        QTest::newRow("bias") << softmax << none << 1.5 << 0 << 1 << false;
        QTest::newRow("causal+bias") << softmax << causal << 2.0 << 0 << 1 << false;
        QTest::newRow("sinkhorn") << softmax << none << 0.0 << 5 << 1 << false;
        QTest::newRow("sinkhorn+bias") << softmax << none << 1.0 << 3 << 1 << false;
        QTest::newRow("causal, 3 heads, per-head beta") << softmax << causal << 0.0 << 0 << 3 << true;
        QTest::newRow("causal+bias, 3 heads, per-head beta") << softmax << causal << 1.0 << 0 << 3 << true;
        QTest::newRow("sinkhorn, 2 heads, per-head beta") << softmax << none << 0.5 << 4 << 2 << true;
        QTest::newRow("causal exp") << static_cast<int>(KernelKind::Exp) << causal << 0.5 << 0 << 2 << false;
        QTest::newRow("causal relu") << static_cast<int>(KernelKind::Relu) << causal << 0.5 << 0 << 2
                                     << false;
        QTest::newRow("causal relu-normalised")
            << static_cast<int>(KernelKind::ReluNormalised) << causal << 0.0 << 0 << 1 << false;
        QTest::newRow("causal linear")
            << static_cast<int>(KernelKind::Linear) << causal << 1.0 << 0 << 2 << false;
        QTest::newRow("bias sigmoid")
            << static_cast<int>(KernelKind::Sigmoid) << none << 1.0 << 0 << 2 << false;
    }
    // The variant path's velocity (projected) and per-head outputs equal the loops above to 1e-12.
    void velocityMatchesReference() {
        QFETCH(int, kernel);
        QFETCH(int, mask);
        QFETCH(double, bias);
        QFETCH(int, sinkhorn);
        QFETCH(int, heads);
        QFETCH(bool, perHeadBeta);
        const Variant v{static_cast<AttentionMask>(mask), bias, sinkhorn};
        Model m = withVariant(randomModel(3, heads, static_cast<KernelKind>(kernel), 1.3, 11), v);
        if (perHeadBeta)
            for (int h = 0; h < heads; ++h) m.heads[static_cast<std::size_t>(h)].beta = 0.5 + h;
        const Matrix X = randomSpherePoints(23, 3, 5);
        VelocityField field;
        Matrix out;
        field.evaluate(m, X, out);
        const Matrix ref = referenceVelocity(m, X, v);
        const double err = (out - ref).cwiseAbs().maxCoeff();
        QVERIFY2(err <= 1e-12, qPrintable(QString("max error %1").arg(err)));
        // The plain path would give something else: the variant is really applied.
        QVERIFY((referenceVelocity(m, X, Variant{}) - ref).cwiseAbs().maxCoeff() > 1e-6);
        std::vector<Matrix> U;
        field.headOutputs(m, X, U);
        Matrix sum = Matrix::Zero(3, 23);
        for (const Matrix& u : U) sum += u;
        projectTangent(X, sum);
        QVERIFY((sum - ref).cwiseAbs().maxCoeff() <= 1e-12);
    }

    // Under the causal mask token 1 attends only to itself: its velocity is exactly 0 and it never moves.
    void causalFirstTokenStaysStill() {
        Simulation sim(lostInTheMiddle());
        QCOMPARE(sim.model().mask, AttentionMask::Causal);
        const Matrix start = sim.positions();
        const Matrix v = sim.velocity();
        QCOMPARE(v.col(0).cwiseAbs().maxCoeff(), 0.0);
        QVERIFY(v.col(1).norm() > 1e-3);
        for (int k = 0; k < 200; ++k) sim.step();
        QVERIFY(sim.positions().col(0) == start.col(0));
        QVERIFY((sim.positions().col(5) - start.col(5)).norm() > 1e-3);
    }

    // The preset does what its description says: token 1 still, the others drawn to it in index order (at
    // t = 16 each group of 8 consecutive tokens is further from token 1 than the group before), one
    // cluster at t_end.
    void lostInTheMiddlePreset() {
        Simulation sim(lostInTheMiddle());
        const Matrix start = sim.positions();
        auto meanAngleToFirst = [&](int from, int to) {
            double sum = 0;
            for (int i = from; i < to; ++i)
                sum += std::acos(std::clamp(sim.positions().col(i).dot(sim.positions().col(0)), -1.0, 1.0));
            return sum / (to - from);
        };
        while (sim.time() < 16 - 1e-9) sim.step();
        for (int g = 1; g < 8; ++g)
            QVERIFY2(meanAngleToFirst(8 * g, 8 * g + 8) > meanAngleToFirst(8 * g - 8, 8 * g),
                     qPrintable(QString("group %1").arg(g)));
        while (sim.time() < lostInTheMiddle().tEnd - 1e-9) sim.step();
        QCOMPARE(sim.makeFrame().displayClusterCount, 1);
        QVERIFY(sim.positions().col(0) == start.col(0));
    }

    // Rows sum to 1 exactly (up to rounding); columns within 1e-6 once balanced, closer with more sweeps.
    void sinkhornIsDoublyStochastic() {
        Model m = randomModel(3, 1, KernelKind::Softmax, 2.0, 3);
        const Matrix X = randomSpherePoints(40, 3, 8);
        std::vector<double> errors;
        for (int iterations : {1, 2, 3, 5, 8, 200}) {
            m.sinkhornIterations = iterations;
            detail::VariantHead head;
            detail::variantHead(m, X, 0, head, false);
            QVERIFY((head.weights.rowwise().sum().array() - 1.0).abs().maxCoeff() <= 1e-12);
            errors.push_back(maxColumnError(head.weights));
        }
        for (std::size_t k = 1; k < errors.size(); ++k)
            QVERIFY2(errors[k] < errors[k - 1],
                     qPrintable(QString("sweeps %1: %2 >= %3").arg(k).arg(errors[k]).arg(errors[k - 1])));
        QVERIFY2(errors.back() <= 1e-6, qPrintable(QString("column error %1").arg(errors.back())));
        QVERIFY(errors.front() > 1e-3);  // one sweep does not balance yet
    }

    // The frame's attention under the causal mask: zero above the diagonal, rows summing to 1 over the
    // allowed keys, entropy over them (token 1: 0), energy over the allowed pairs.
    void causalObservables() {
        Scenario s = lostInTheMiddle();
        s.n = 12;
        Simulation sim(s);
        for (int k = 0; k < 3; ++k) sim.step();
        const Frame f = sim.makeFrame();
        QCOMPARE(f.mask, AttentionMask::Causal);
        const Eigen::MatrixXf& P = f.heads[0].attention;
        QCOMPARE(P.rows(), 12);
        for (int i = 0; i < 12; ++i) {
            for (int j = i + 1; j < 12; ++j) QCOMPARE(P(i, j), 0.0f);
            QVERIFY(std::abs(P.row(i).sum() - 1.0f) <= 1e-5f);
            QVERIFY(P(i, i) > 0);
        }
        QCOMPARE(f.heads[0].entropy(0), 0.0);
        const Variant v{AttentionMask::Causal, 1.0, 0};
        const Matrix W = referenceWeights(sim.model(), sim.positions(), 0, v);
        double energy = 0;
        const int n = 12;
        for (int i = 0; i < n; ++i) {
            double entropy = 0;
            for (int j = 0; j <= i; ++j) {
                if (W(i, j) > 0) entropy -= W(i, j) * std::log(W(i, j));
                energy += std::exp(bilinear(sim.model().heads[0].M, sim.positions(), i, j) -
                                   1.0 * std::abs(i - j) / n);
                QVERIFY(std::abs(P(i, j) - W(i, j)) <= 1e-6);
            }
            QVERIFY(std::abs(f.heads[0].entropy(i) - entropy) <= 1e-12);
            QVERIFY(f.heads[0].entropy(i) <= std::log(i + 1.0) + 1e-12);
        }
        energy /= 2.0 * n * n;
        QVERIFY2(std::abs(f.energyTotal - energy) <= 1e-12 * energy,
                 qPrintable(QString("%1 vs %2").arg(f.energyTotal).arg(energy)));
        // dE/dt along the velocity agrees with a central difference of E along the flow.
        const double h = 1e-6;
        Matrix Xp = sim.positions() + h * sim.velocity(), Xm = sim.positions() - h * sim.velocity();
        auto energyAt = [&](const Matrix& X) {
            double e = 0;
            for (int i = 0; i < n; ++i)
                for (int j = 0; j <= i; ++j)
                    e += std::exp(bilinear(sim.model().heads[0].M, X, i, j) - 1.0 * std::abs(i - j) / n);
            return e / (2.0 * n * n);
        };
        const double fd = (energyAt(Xp) - energyAt(Xm)) / (2 * h);
        QVERIFY2(std::abs(f.energyTotalRate - fd) <= 1e-6 * std::max(1.0, std::abs(fd)),
                 qPrintable(QString("%1 vs %2").arg(f.energyTotalRate).arg(fd)));
    }

    // Sinkhorn's frame shows the balanced matrix: rows and columns sum to 1.
    void sinkhornObservables() {
        Scenario s;
        s.n = 16;
        s.d = 3;
        s.beta = 2;
        s.sinkhornIterations = 300;
        Simulation sim(s);
        const Frame f = sim.makeFrame();
        const Eigen::MatrixXd P = f.heads[0].attention.cast<double>();
        QVERIFY((P.rowwise().sum().array() - 1.0).abs().maxCoeff() <= 1e-5);
        QVERIFY((P.colwise().sum().array() - 1.0).abs().maxCoeff() <= 1e-5);
    }

    // The exact theory does not apply to the variants, and says why.
    void theoryDoesNotApply_data() {
        QTest::addColumn<QString>("patch");
        QTest::addColumn<QString>("reason");
        QTest::newRow("causal") << R"({"mask": "causal"})"
                                << "causal mask";
        QTest::newRow("bias") << R"({"positional_bias": 0.5})"
                              << "positional bias";
        QTest::newRow("sinkhorn") << R"({"sinkhorn_iterations": 3})"
                                  << "Sinkhorn";
    }
    void theoryDoesNotApply() {
        QFETCH(QString, patch);
        QFETCH(QString, reason);
        Scenario base;
        base.n = 8;
        base.d = 9;
        base.heads.kind = HeadsKind::Scalar;
        base.init.kind = InitKind::Equiangular;
        base.init.rho = 0.2;
        QVERIFY(Simulation(base).makeFrame().theory->equiangular);
        const Scenario s = applyChanges(base, nlohmann::json::parse(patch.toStdString()), "test");
        const Frame f = Simulation(s).makeFrame();
        QVERIFY(!f.theory->anyApplies());
        QVERIFY2(f.theory->equiangularReason.find(reason.toStdString()) != std::string::npos,
                 f.theory->equiangularReason.c_str());
    }

    // Beyond the dense path's size the variants are refused with n and the limit named.
    void largeNRefused() {
        Scenario s;
        s.n = detail::kVariantMaxTokens + 1;
        s.mask = AttentionMask::Causal;
        try {
            s.validate();
            QFAIL("no error");
        } catch (const ValidationError& e) {
            QCOMPARE(QString::fromStdString(e.path()), QStringLiteral("n"));
            QVERIFY(std::string(e.what()).find(std::to_string(detail::kVariantMaxTokens)) !=
                    std::string::npos);
        }
        s.mask = AttentionMask::None;
        s.validate();
    }

    // A live run with mask, bias and Sinkhorn edits replays bit for bit (also after a JSON round trip).
    void sessionWithMaskEditsReplaysExactly() {
        Scenario first;
        first.n = 10;
        first.d = 3;
        first.dt = 0.05;
        first.seed = 4;
        SessionLog log(first);
        Simulation sim(first);
        std::vector<Matrix> positions;
        for (int k = 0; k < 30; ++k) {
            const int step = static_cast<int>(sim.stepCount());
            if (step == 5 || step == 12 || step == 20) {
                Model m = sim.model();
                if (step == 5) m.mask = AttentionMask::Causal;
                if (step == 12) m.positionalBias = 2.0;
                if (step == 20) {
                    m.mask = AttentionMask::None;
                    m.sinkhornIterations = 7;
                }
                sim.setModel(m);
                log.logModel(sim.stepCount(), m);
            }
            sim.step();
            positions.push_back(sim.positions());
        }
        log.setEndStep(sim.stepCount());
        const Session session = Session::fromJson(log.session().toJson());
        SessionPlayer player(session);
        std::size_t k = 0;
        while (!player.finished()) {
            player.step();
            QVERIFY(k < positions.size());
            QVERIFY2(player.simulation().positions() == positions[k],
                     qPrintable(QString("step %1").arg(k + 1)));
            ++k;
        }
        QCOMPARE(k, positions.size());
        QCOMPARE(player.simulation().model().sinkhornIterations, 7);
        QCOMPARE(player.simulation().model().positionalBias, 2.0);
    }

    // A comparison's run may change the mask: same start, different flows, the causal run's first token
    // still.
    void comparisonChangesMask() {
        const Comparison c = makeComparison(*findRecipe("causal-vs-full"), lostInTheMiddle());
        Lockstep lockstep(c);
        QCOMPARE(lockstep.simulation(0).model().mask, AttentionMask::None);
        QCOMPARE(lockstep.simulation(1).model().mask, AttentionMask::Causal);
        const Matrix start = lockstep.simulation(1).positions();
        QVERIFY(lockstep.simulation(0).positions() == start);
        for (int k = 0; k < 20; ++k) lockstep.advance();
        QVERIFY(lockstep.simulation(1).positions().col(0) == start.col(0));
        QVERIFY((lockstep.simulation(0).positions().col(0) - start.col(0)).norm() > 1e-4);
    }
};

QTEST_APPLESS_MAIN(TestAttentionVariants)
#include "test_attention_variants.moc"
