// The presets show what their descriptions promise: each is simulated and checked against the
// behaviour it is meant to demonstrate (and, for equiangular starts, against the exact ODE of doc/MODEL.md
// §8).
#include "core/EquiangularTheory.h"
#include "core/Simulation.h"

#include <QtTest>

#include <cmath>

using namespace attnsphere::core;

namespace {

// Runs a preset to its end and returns every published frame (step 0, every publishEvery steps, the last).
std::vector<Frame> runPreset(const std::string& name, double tEnd = -1) {
    Scenario s = Scenario::load(name);
    if (tEnd > 0) s.tEnd = tEnd;
    Simulation sim(s);
    sim.setThreads(1);
    FrameOptions options;
    options.attention = false;
    std::vector<Frame> frames{sim.makeFrame(options)};
    while (sim.time() < s.tEnd - 1e-12) {
        sim.step();
        if (sim.stepCount() % s.publishEvery == 0 || sim.time() >= s.tEnd - 1e-12)
            frames.push_back(sim.makeFrame(options));
    }
    return frames;
}

}  // namespace

class TestPresets : public QObject {
    Q_OBJECT

private slots:
    void orthogonalHeadsShadowsHeadEnergyFallsWhileTotalRises();
    void reluVsSoftmaxFollowsTheEquiangularOde();
    void superadditiveHeadsFollowTheEquiangularOde();
    void entropyRiseIsMonotoneToLogN();
    void lightningSettlesIntoAntipodalClusters();
    void sphereMovieClusters();
    void circleMetastabilityHasAPlateauThenMerges();
    void hemisphereCollapses();
    void preLnSlowdownRadiiGrowLikeT();
    void brownianSphereStaysBlurred();
};

void TestPresets::orthogonalHeadsShadowsHeadEnergyFallsWhileTotalRises() {
    const auto frames = runPreset("orthogonal-heads-shadows");
    const Scenario s = Scenario::load("orthogonal-heads-shadows");
    QCOMPARE(frames.back().t, s.tEnd);
    const double scale = frames.back().energyTotal;
    for (std::size_t k = 1; k < frames.size(); ++k)  // gradient case: USA, V = M (doc/MODEL.md §3)
        QVERIFY2(frames[k].energyTotal - frames[k - 1].energyTotal >= -1e-12 * scale,
                 qPrintable(QString::number(k)));
    QVERIFY(frames.back().energyTotal > frames.front().energyTotal + 0.5);
    // Some head loses a visible amount of energy over the run, with dE_h/dt < 0 while dE_total/dt > 0.
    int falling = 0;
    for (int h = 0; h < s.heads.count; ++h) {
        const double start = frames.front().heads[h].energy, end = frames.back().heads[h].energy;
        bool fallsWhileTotalRises = false;
        for (const Frame& f : frames)
            if (f.heads[h].energyRate < -1e-3 && f.energyTotalRate > 1e-3) fallsWhileTotalRises = true;
        if (end < start - 0.005 && fallsWhileTotalRises) ++falling;
    }
    QVERIFY(falling >= 1);
    // Its radial-dominance margin is negative somewhere (doc/MODEL.md §4: RD_h fails for a falling head).
    bool negativeMargin = false;
    for (const Frame& f : frames)
        for (const auto& h : f.heads) negativeMargin = negativeMargin || h.dominanceMargin < 0;
    QVERIFY(negativeMargin);
}

void TestPresets::reluVsSoftmaxFollowsTheEquiangularOde() {
    const Scenario s = Scenario::load("relu-vs-softmax");
    const auto frames = runPreset("relu-vs-softmax");
    EquiangularSetup theory;
    theory.n = s.n;
    theory.beta = s.beta;
    theory.kernel = KernelKind::ReluNormalised;
    for (const Frame& f : frames) {
        const double rho = equiangular::integrateRho(theory, s.init.rho, f.t);
        QVERIFY2(std::abs(f.meanCosine - rho) < 1e-6, qPrintable(QString("t = %1").arg(f.t)));
    }
    // Clustered (rho_bar >= 0.99) only after the logistic time T_ReLU(rho0 -> 0.99).
    const double tRelu = equiangular::reluNormalisedTime(s.init.rho, 0.99);
    QVERIFY(tRelu < s.tEnd);
    for (const Frame& f : frames) QCOMPARE(f.meanCosine >= 0.99, f.t >= tRelu - 1e-6);
}

void TestPresets::superadditiveHeadsFollowTheEquiangularOde() {
    const Scenario s = Scenario::load("superadditive-heads");
    const auto frames = runPreset("superadditive-heads");
    EquiangularSetup theory;
    theory.n = s.n;
    theory.beta = s.beta;
    theory.kernel = KernelKind::Softmax;
    theory.heads.clear();
    for (double a : s.heads.scale) theory.heads.push_back({a, a});
    QCOMPARE(theory.heads.size(), std::size_t(2));
    for (const Frame& f : frames) {
        const double rho = equiangular::integrateRho(theory, s.init.rho, f.t);
        QVERIFY2(std::abs(f.meanCosine - rho) < 1e-6, qPrintable(QString("t = %1").arg(f.t)));
    }
    QVERIFY(equiangular::superAdditivityRatio(theory, s.init.rho, 0.99) > 1.2);
}

void TestPresets::entropyRiseIsMonotoneToLogN() {
    const Scenario s = Scenario::load("entropy-rise");
    const auto frames = runPreset("entropy-rise");
    EquiangularSetup theory;
    theory.n = s.n;
    theory.beta = s.beta;
    for (std::size_t k = 0; k < frames.size(); ++k) {
        const Frame& f = frames[k];
        if (k) QVERIFY(f.entropyMean >= frames[k - 1].entropyMean - 1e-12);
        QVERIFY(std::abs(f.heads[0].entropyMean - equiangular::entropy(theory, 0, f.meanCosine)) < 1e-9);
    }
    QVERIFY(std::abs(frames.back().entropyMean - std::log(static_cast<double>(s.n))) < 1e-6);
    QVERIFY(frames.front().entropyMean < std::log(static_cast<double>(s.n)) - 0.5);
}

void TestPresets::lightningSettlesIntoAntipodalClusters() {
    const auto frames = runPreset("lightning-antipodal");
    const Frame& last = frames.back();
    QCOMPARE(last.clusterCount, 2);
    const Matrix G = last.positions.transpose() * last.positions;
    QVERIFY(G.cwiseAbs().minCoeff() > 0.999);  // every pair is parallel or antiparallel
    QVERIFY(G.minCoeff() < -0.999);            // and both signs occur: two antipodal clusters
    QCOMPARE(frames.front().clusterCount, last.n);
}

void TestPresets::sphereMovieClusters() {
    const auto frames = runPreset("sphere-movie");
    QCOMPARE(static_cast<int>(frames.size()), 151);
    QVERIFY(frames.front().clusteredPairFraction < 0.1);
    QCOMPARE(frames.back().clusteredPairFraction, 1.0);
    for (const Frame& f : frames) QVERIFY(f.maxNormDrift < 1e-12);
}

void TestPresets::circleMetastabilityHasAPlateauThenMerges() {
    const auto frames = runPreset("circle-metastability");
    int atHalf = -1;
    for (const Frame& f : frames)
        if (std::abs(f.t - 200) < 1e-6) atHalf = f.clusterCount;
    QCOMPARE(atHalf, 2);  // a long two-cluster plateau (the metastability experiment of [Rig])
    QCOMPARE(frames.back().clusterCount, 1);
}

void TestPresets::hemisphereCollapses() {
    const auto frames = runPreset("hemisphere-collapse");
    QVERIFY(frames.front().positions.row(0).minCoeff() > 0);  // open hemisphere x_0 > 0
    QCOMPARE(frames.back().clusterCount, 1);
}

void TestPresets::preLnSlowdownRadiiGrowLikeT() {
    const auto frames = runPreset("pre-ln-slowdown");
    const Frame& last = frames.back();
    QCOMPARE(last.radii.size(), Eigen::Index(last.n));
    // Radii start at 1 and grow (dr_i/dt = <theta_i, A_i> is at most 1): mean r_i between t/4 and 1 + t.
    QVERIFY(frames.front().radii.isOnes());
    const double r = last.radii.mean();
    QVERIFY2(r > last.t / 4 && r < 1 + last.t,
             qPrintable(QString("mean radius %1 at t %2").arg(r).arg(last.t)));
    for (std::size_t k = 1; k < frames.size(); ++k)
        QVERIFY(frames[k].radii.mean() > frames[k - 1].radii.mean());
}

void TestPresets::brownianSphereStaysBlurred() {
    // The same run without noise ends in sharp clusters; with it, fewer pairs are within cos 0.999.
    Scenario quiet = Scenario::load("brownian-sphere");
    quiet.temperature = 0;
    Simulation sim(quiet);
    sim.stepUntil(quiet.tEnd);
    FrameOptions options;
    options.attention = false;
    const double sharp = sim.makeFrame(options).clusteredPairFraction;
    const auto frames = runPreset("brownian-sphere");
    const double noisy = frames.back().clusteredPairFraction;
    QVERIFY2(noisy < 0.5 * sharp, qPrintable(QString("noisy %1, noiseless %2").arg(noisy).arg(sharp)));
}

QTEST_GUILESS_MAIN(TestPresets)
#include "test_presets.moc"
