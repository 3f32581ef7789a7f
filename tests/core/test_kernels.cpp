// The kernel table (core/Kernels.h): every kernel once, in enum order, its name round-trips, kappa is
// the derivative of Phi and kappa' that of kappa, and its flags agree with kappa and with the dynamics.
#include "core/Dynamics.h"
#include "core/Kernels.h"
#include "core/Model.h"

#include <QtTest>

#include <cmath>
#include <random>
#include <set>

using namespace attnsphere::core;

namespace {
constexpr double kBias = -0.4;

// Points on the unit sphere S^{d-1}, d × n.
Matrix spherePoints(int d, int n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> g;
    Matrix X(d, n);
    for (int i = 0; i < n; ++i) {
        for (int r = 0; r < d; ++r) X(r, i) = g(rng);
        X.col(i).normalize();
    }
    return X;
}
}  // namespace

class TestKernels : public QObject {
    Q_OBJECT
private slots:
    void everyKernelOnceInEnumOrder() {
        const auto table = kernelTable();
        QCOMPARE(static_cast<int>(table.size()), kKernelCount);
        std::set<std::string_view> names;
        for (int i = 0; i < kKernelCount; ++i) {
            const KernelInfo& info = table[static_cast<std::size_t>(i)];
            QCOMPARE(static_cast<int>(info.kind), i);
            QCOMPARE(&kernelInfo(info.kind), &info);
            QVERIFY(names.insert(info.name).second);
            QVERIFY(info.kappa && info.potential && info.kappaDerivative);
            // One ASCII line: it goes into --help and a tooltip.
            QVERIFY(!info.description.empty());
            for (char c : info.description) QVERIFY(c >= 0x20 && c < 0x7f);
        }
    }

    void namesRoundTrip() {
        QCOMPARE(static_cast<int>(kernelNames().size()), kKernelCount);
        for (const KernelInfo& info : kernelTable()) {
            QCOMPARE(toString(info.kind), info.name);
            QVERIFY(kernelFromString(info.name) == info.kind);
        }
        QVERIFY(!kernelFromString("Softmax"));
        QVERIFY(!kernelFromString(""));
    }

    // Away from ReLU's kink at 0, where neither derivative exists.
    void derivativesAgreeWithFiniteDifferences() {
        const double h = 1e-5;
        for (const KernelInfo& info : kernelTable())
            for (double s : {-1.7, -0.2, 0.3, 2.1}) {
                const double dPhi = (info.potential(s + h, kBias) - info.potential(s - h, kBias)) / (2 * h);
                const double dKappa = (info.kappa(s + h, kBias) - info.kappa(s - h, kBias)) / (2 * h);
                const QByteArray where =
                    QByteArray(info.name.data(), int(info.name.size())) + " at s = " + QByteArray::number(s);
                QVERIFY2(std::abs(dPhi - info.kappa(s, kBias)) < 1e-8, where);
                QVERIFY2(std::abs(dKappa - info.kappaDerivative(s, kBias)) < 1e-8, where);
            }
    }

    void flagsAgreeWithKappa() {
        for (const KernelInfo& info : kernelTable()) {
            bool negative = false, isExp = true;
            for (double s = -3; s <= 3; s += 0.25) {
                negative = negative || info.kappa(s, kBias) < 0;
                isExp = isExp && info.kappa(s, kBias) == std::exp(s);
            }
            QCOMPARE(info.isSigned, negative);
            QCOMPARE(isSigned(info.kind), negative);
            QCOMPARE(info.exponential, isExp);
            QCOMPARE(isNormalised(info.kind), info.normalisation == Normalisation::RowSum);
        }
    }

    // The dynamics divide by what the table says: with V = I, alpha = 1, head h's output for token i is
    // sum_j kappa(s_ij) x_j / N_i with N_i = Z_i (rows of attention sum to 1), n or 1. Symmetric M takes
    // the tiled path, the other one the row path.
    void dynamicsNormaliseAsTheTableSays() {
        const int d = 3, n = 40;
        const Matrix X = spherePoints(d, n, 7);
        Matrix asymmetric(d, d);
        asymmetric << 0.9, 0.3, -0.2, 0.1, 1.1, 0.4, -0.5, 0.2, 0.8;
        for (const KernelInfo& info : kernelTable())
            for (const Matrix& M : {Matrix(Matrix::Identity(d, d)), asymmetric}) {
                Model model;
                model.kernel = info.kind;
                model.beta = 1.3;
                model.sigmoidBias = kBias;
                model.heads = {Head{M, Matrix::Identity(d, d), 1.0}};
                VelocityField field;
                std::vector<Matrix> U;
                field.headOutputs(model, X, U);
                QCOMPARE(static_cast<int>(U.size()), 1);
                for (int i = 0; i < n; ++i) {
                    Vector sum = Vector::Zero(d);
                    double z = 0;
                    for (int j = 0; j < n; ++j) {
                        const double w = info.kappa(model.beta * X.col(i).dot(M * X.col(j)), kBias);
                        sum += w * X.col(j);
                        z += w;
                    }
                    double N = 1;
                    switch (info.normalisation) {
                        case Normalisation::RowSum:
                            N = z;
                            break;
                        case Normalisation::ByN:
                            N = n;
                            break;
                        case Normalisation::None:
                            break;
                    }
                    const double error = (U[0].col(i) - sum / N).norm();
                    QVERIFY2(error < 1e-12 * std::max(1.0, sum.norm() / N),
                             qPrintable(QString::fromUtf8(info.name.data(), int(info.name.size())) +
                                        " token " + QString::number(i) + " error " + QString::number(error)));
                }
            }
    }
};

QTEST_APPLESS_MAIN(TestKernels)
#include "test_kernels.moc"
