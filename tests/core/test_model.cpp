// Model.h: kernel values, potentials (Phi' = kappa), normalisation classes and name conversions.
#include "core/Model.h"

#include <QtTest>

#include <cmath>

using namespace attnsphere::core;

class TestModel : public QObject {
    Q_OBJECT
private slots:
    void kernelValues();
    void potentialIsAntiderivative();
    void names();
};

void TestModel::kernelValues() {
    QCOMPARE(kernelValue(KernelKind::Softmax, 1.5, 0), std::exp(1.5));
    QCOMPARE(kernelValue(KernelKind::Exp, -2.0, 0), std::exp(-2.0));
    QCOMPARE(kernelValue(KernelKind::Relu, -0.3, 0), 0.0);
    QCOMPARE(kernelValue(KernelKind::ReluNormalised, 0.7, 0), 0.7);
    QCOMPARE(kernelValue(KernelKind::Linear, -0.7, 0), -0.7);
    QVERIFY(std::abs(kernelValue(KernelKind::Sigmoid, 1.0, -1.0) - 0.5) < 1e-16);
    QCOMPARE(kernelPotential(KernelKind::Relu, 2.0, 0), 2.0);
    QCOMPARE(kernelPotential(KernelKind::Relu, -2.0, 0), 0.0);
    QCOMPARE(kernelPotential(KernelKind::Linear, -2.0, 0), 2.0);
    QVERIFY(std::abs(kernelPotential(KernelKind::Sigmoid, 0.5, -0.5) - std::log(2.0)) < 1e-16);
    QVERIFY(std::isfinite(kernelPotential(KernelKind::Sigmoid, 1000.0, 0)));  // no overflow
    QVERIFY(std::abs(kernelPotential(KernelKind::Sigmoid, 1000.0, 0) - 1000.0) < 1e-12);
    QVERIFY(isNormalised(KernelKind::Softmax));
    QVERIFY(isNormalised(KernelKind::ReluNormalised));
    for (KernelKind k : {KernelKind::Exp, KernelKind::Relu, KernelKind::Linear, KernelKind::Sigmoid})
        QVERIFY(!isNormalised(k));
}

void TestModel::potentialIsAntiderivative() {
    const double h = 1e-5;
    for (KernelKind k : {KernelKind::Softmax, KernelKind::Exp, KernelKind::ReluNormalised, KernelKind::Relu,
                         KernelKind::Linear, KernelKind::Sigmoid})
        for (double s : {-1.7, -0.2, 0.3, 2.1}) {
            const double fd = (kernelPotential(k, s + h, -0.4) - kernelPotential(k, s - h, -0.4)) / (2 * h);
            QVERIFY2(std::abs(fd - kernelValue(k, s, -0.4)) < 1e-8, qPrintable(QString::number(s)));
        }
}

void TestModel::names() {
    QCOMPARE(kernelNames().size(), std::size_t(6));
    for (std::string_view name : kernelNames()) QCOMPARE(toString(*kernelFromString(name)), name);
    for (std::string_view name : geometryNames()) QCOMPARE(toString(*geometryFromString(name)), name);
    for (std::string_view name : integratorNames()) QCOMPARE(toString(*integratorFromString(name)), name);
    QVERIFY(kernelFromString("relu") == KernelKind::ReluNormalised);
    QVERIFY(kernelFromString("relu-unnormalised") == KernelKind::Relu);
    QVERIFY(integratorFromString("dopri5") == IntegratorKind::DormandPrince);
    QVERIFY(geometryFromString("flat") == Geometry::Flat);
    QVERIFY(!kernelFromString("softmx"));
    QVERIFY(!integratorFromString("RK4"));
}

QTEST_APPLESS_MAIN(TestModel)
#include "test_model.moc"
