// Direct manipulation (core/Manipulation.h): the ray–sphere point a drag moves a token to, exact geodesic
// kicks, adding and removing tokens, the co-moving rotation, and sessions whose positions events change n
// replaying bit for bit (also through a JSON file).
#include "core/Errors.h"
#include "core/Initialisation.h"
#include "core/Manipulation.h"
#include "core/Session.h"

#include <Eigen/QR>
#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace attnsphere::core;

namespace {

Scenario scenario(int n, int d) {
    Scenario s;
    s.name = "manipulation-test";
    s.n = n;
    s.d = d;
    s.beta = 2.0;
    s.dt = 0.05;
    s.seed = 11;
    s.tEnd = 5;
    return s;
}

double geodesic(const Vector& a, const Vector& b) {
    // atan2 of |a×b| and a·b stays accurate for small angles (acos does not).
    const double c = a.dot(b);
    const double s = (b - c * a).norm();
    return std::atan2(s, c);
}

}  // namespace

class TestManipulation : public QObject {
    Q_OBJECT
private slots:
    void rayMeetsTheSphereAtItsFrontPoint() {
        // From (0, 0, 5) straight down the z axis through (0.6, 0, ·): hits (0.6, 0, 0.8).
        const Eigen::Vector3d p = rayToSphere({0.6, 0, 5}, {0, 0, -1}, 1.0);
        QVERIFY((p - Eigen::Vector3d(0.6, 0, 0.8)).norm() < 1e-12);
        // An oblique ray: the hit is on the sphere and on the ray, and the nearer of the two roots.
        const Eigen::Vector3d o(1.5, 2.0, 3.0), dir(-0.4, -0.5, -0.7);
        const Eigen::Vector3d q = rayToSphere(o, dir, 1.0);
        QVERIFY(std::abs(q.norm() - 1.0) < 1e-12);
        QVERIFY((q - o).normalized().dot(dir.normalized()) > 1 - 1e-12);
        QVERIFY(q.dot(o) > 0);  // the side facing the camera
        // A miss gives the silhouette point nearest the ray.
        const Eigen::Vector3d rim = rayToSphere({2, 0, 5}, {0, 0, -1}, 1.0);
        QVERIFY((rim - Eigen::Vector3d(1, 0, 0)).norm() < 1e-12);
        // The sphere of a shown radius (d > 3 tokens lie inside the ball).
        QVERIFY(std::abs(rayToSphere({0.1, 0.2, 5}, {0, 0, -1}, 0.5).norm() - 0.5) < 1e-12);
    }

    void dragKeepsHiddenCoordinatesInHigherDimensions() {
        GaussianSource rng(3);
        Matrix basis = rng.normalMatrix(6, 3);
        basis = Eigen::HouseholderQR<Matrix>(basis).householderQ() * Matrix::Identity(6, 3);
        Vector x = rng.normalMatrix(6, 1).col(0).normalized();
        const double r = (basis.transpose() * x).norm();
        const Eigen::Vector3d shown = r * Eigen::Vector3d(0.0, 0.6, 0.8);
        const Vector y = dragTarget(x, basis, shown, Geometry::Sphere);
        QVERIFY(std::abs(y.norm() - 1) < 1e-12);
        QVERIFY((basis.transpose() * y - shown).norm() < 1e-12);  // drawn where the mouse is
        const Matrix hide = Matrix::Identity(6, 6) - basis * basis.transpose();
        QVERIFY((hide * y - hide * x).norm() < 1e-12);  // the other coordinates kept
        // d = 3: the point itself; d = 2: the circle.
        QVERIFY((dragTarget(Vector::Unit(3, 0), {}, {0, 0.6, 0.8}, Geometry::Sphere) -
                 Vector(Eigen::Vector3d(0, 0.6, 0.8)))
                    .norm() < 1e-15);
        const Vector c = dragTarget(Vector::Unit(2, 0), {}, {0.3, 0.4, 0.866}, Geometry::Sphere);
        QVERIFY((c - Vector(Eigen::Vector2d(0.6, 0.8))).norm() < 1e-12);
    }

    void perturbMovesEachChosenTokenByExactlyTheAngle() {
        for (int d : {2, 3, 16}) {
            Simulation sim(scenario(40, d));
            const Matrix X = sim.positions();
            for (double theta : {1e-3, 0.3, 1.2}) {
                const Matrix Y = perturb(X, Geometry::Sphere, 99, theta);
                for (int i = 0; i < X.cols(); ++i) {
                    QVERIFY(std::abs(Y.col(i).norm() - 1) < 1e-12);
                    QVERIFY2(std::abs(geodesic(X.col(i), Y.col(i)) - theta) < 1e-12,
                             qPrintable(QString("d %1 theta %2 token %3").arg(d).arg(theta).arg(i)));
                }
                QVERIFY(perturb(X, Geometry::Sphere, 99, theta) == Y);   // reproducible
                QVERIFY(perturb(X, Geometry::Sphere, 100, theta) != Y);  // the seed matters
            }
            // Only the chosen tokens move.
            const Matrix Z = perturb(X, Geometry::Sphere, 5, 0.5, {3, 7});
            for (int i = 0; i < X.cols(); ++i) {
                const double moved = geodesic(X.col(i), Z.col(i));
                QVERIFY(i == 3 || i == 7 ? std::abs(moved - 0.5) < 1e-12 : Z.col(i) == X.col(i));
            }
        }
        QVERIFY_THROWS_EXCEPTION(ValidationError,
                                 perturb(Matrix::Identity(3, 3), Geometry::Sphere, 1, 0.1, {3}));
    }

    void addAndRemoveChangeN() {
        const Matrix X = Matrix::Identity(3, 3);
        const Matrix Y = withToken(X, Vector::Unit(3, 1));
        QCOMPARE(Y.cols(), Eigen::Index(4));
        QVERIFY(Y.col(3) == Vector::Unit(3, 1));
        const Matrix Z = withoutToken(Y, 1);
        QCOMPARE(Z.cols(), Eigen::Index(3));
        QVERIFY(Z.col(0) == X.col(0) && Z.col(1) == X.col(2) && Z.col(2) == Vector::Unit(3, 1));
        QVERIFY_THROWS_EXCEPTION(ValidationError, withoutToken(Matrix::Identity(3, 2), 0));
        QVERIFY_THROWS_EXCEPTION(ValidationError, withToken(X, Vector::Unit(4, 1)));
    }

    void coMovingRotationHoldsTheMeanDirection() {
        for (int d : {3, 7}) {
            Simulation sim(scenario(30, d));
            CoMovingFrame frame;
            const Vector reference = sim.positions().rowwise().mean().normalized();
            QVERIFY((frame.apply(sim.positions()) - sim.positions()).norm() < 1e-12);  // first call: identity
            for (int k = 0; k < 40; ++k) sim.step();
            const Matrix X = sim.positions();
            const Vector mean = X.rowwise().mean();
            QVERIFY(mean.normalized().dot(reference) < 1 - 1e-6);  // the cloud drifted
            const Matrix Y = frame.apply(X);
            QVERIFY((Vector(Y.rowwise().mean()).normalized() - reference).norm() < 1e-12);
            // A rotation: distances and norms kept; the inverse undoes it.
            QVERIFY(((Y.transpose() * Y) - (X.transpose() * X)).norm() < 1e-10);
            QVERIFY((frame.rotation().applyInverse(Y) - X).norm() < 1e-12);
            // Minimal: vectors orthogonal to both mean directions do not move.
            Vector ortho = Vector::Zero(d);
            if (d > 3) {
                Matrix span(d, 2);
                span << mean, reference;
                const Matrix q = Eigen::HouseholderQR<Matrix>(span).householderQ();
                ortho = q.col(2);
                QVERIFY((frame.rotation().apply(ortho) - ortho).norm() < 1e-12);
            }
        }
        // A mean of ~0: the last rotation is kept.
        CoMovingFrame frame;
        Matrix X(3, 2);
        X << 1, 0, 0, 1, 0, 0;
        frame.apply(X);
        Matrix turned(3, 2);
        turned << 0, -1, 1, 0, 0, 0;
        frame.apply(turned);
        const PlaneRotation kept = frame.rotation();
        Matrix balanced(3, 2);
        balanced << 1, -1, 0, 0, 0, 0;
        QVERIFY(frame.apply(balanced) == kept.apply(balanced));
        QVERIFY(!minimalRotation(Vector::Zero(3), Vector::Unit(3, 0)));
    }

    // A live run with a perturbation, an added and a removed token (n 10 → 11 → 10 → 9) replays exactly,
    // from the log and from its file.
    void sessionWithChangingNReplaysExactly() {
        const Scenario s = scenario(10, 3);
        SessionLog log(s);
        Simulation sim(s);
        std::vector<Matrix> live;
        for (int k = 0; k < 30; ++k) {
            if (sim.stepCount() == 4)
                sim.setPositions(perturb(sim.positions(), Geometry::Sphere, 7, 0.4, {2}));
            if (sim.stepCount() == 8) sim.setPositions(withToken(sim.positions(), Vector::Unit(3, 2)));
            if (sim.stepCount() == 15) sim.setPositions(withoutToken(sim.positions(), 0));
            if (sim.stepCount() == 20) sim.setPositions(withoutToken(sim.positions(), 5));
            if (sim.stepCount() == 4 || sim.stepCount() == 8 || sim.stepCount() == 15 ||
                sim.stepCount() == 20)
                log.logPositions(sim.stepCount(), sim.positions());
            sim.step();
            live.push_back(sim.positions());
        }
        log.setEndStep(sim.stepCount());
        QCOMPARE(live.back().cols(), Eigen::Index(9));
        QTemporaryDir dir;
        const std::string path = dir.filePath("s.json").toStdString();
        log.session().save(path);
        for (const Session& session : {log.session(), Session::fromFile(path)}) {
            SessionPlayer player(session);
            std::size_t k = 0;
            while (!player.finished()) {
                player.step();
                const Matrix& P = player.simulation().positions();
                QVERIFY2(
                    P.cols() == live[k].cols() && P == live[k],
                    qPrintable(QString("step %1: n %2 vs %3").arg(k + 1).arg(P.cols()).arg(live[k].cols())));
                ++k;
            }
            QCOMPARE(k, live.size());
        }
    }

    // Version 2 files keep n fixed; only version 3 lets positions change it.
    void olderVersionsRejectAChangeOfN() {
        const Scenario s = scenario(10, 3);
        SessionLog log(s);
        log.logPositions(3, withToken(Simulation(s).positions(), Vector::Unit(3, 2)));
        log.setEndStep(5);
        nlohmann::json j = log.session().toJson();
        QCOMPARE(j["version"].get<int>(), 3);
        QCOMPARE(Session::fromJson(j).timeline.front().positions.cols(), Eigen::Index(11));
        j["version"] = 2;
        try {
            Session::fromJson(j);
            QFAIL("version 2 accepted a change of n");
        } catch (const ValidationError& e) {
            QVERIFY2(QString(e.what()).contains("timeline[0].positions: must be n = 10 rows"), e.what());
        }
    }

    void dragsBetweenTwoStepsLogOneEvent() {
        SessionLog log(scenario(4, 3));
        Simulation sim(scenario(4, 3));
        log.logPositions(2, sim.positions());
        const Matrix moved = perturb(sim.positions(), Geometry::Sphere, 1, 0.2);
        log.logPositions(2, moved);
        log.logPositions(3, sim.positions());
        QCOMPARE(log.session().timeline.size(), std::size_t(2));
        QVERIFY(log.session().timeline.front().positions == moved);
    }
};

QTEST_APPLESS_MAIN(TestManipulation)
#include "test_manipulation.moc"
