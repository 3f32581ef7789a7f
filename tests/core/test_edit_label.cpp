// The label of an edit marker: the difference of two scenarios in the words the plots show.
#include "core/EditLabel.h"

#include <QtTest>

using namespace attnsphere::core;

class TestEditLabel : public QObject {
    Q_OBJECT
private slots:
    void betaEdit() {
        Scenario a;
        a.beta = 3;
        Scenario b = a;
        b.beta = 10;
        QCOMPARE(QString::fromStdString(describeEdit(a, b)), QString::fromUtf8("β 3 → 10"));
    }

    void severalChangesAndNestedKeys() {
        Scenario a;
        Scenario b = a;
        b.kernel = KernelKind::Relu;
        b.dt = 0.05;
        b.heads.alpha = {1.0};
        const QString label = QString::fromStdString(describeEdit(a, b));
        QVERIFY2(label.contains(QStringLiteral("kernel softmax → relu")), qPrintable(label));
        QVERIFY2(label.contains(QStringLiteral("dt 0.1 → 0.05")), qPrintable(label));
        QVERIFY2(label.contains(QString::fromUtf8("α edited")), qPrintable(label));
    }

    // What does not change the dynamics is not an edit.
    void namesAndEndTimeAreNotEdits() {
        Scenario a;
        Scenario b = a;
        b.name = "other";
        b.description = "text";
        b.tEnd = 99;
        QCOMPARE(QString::fromStdString(describeEdit(a, b)), QString());
    }
};

QTEST_APPLESS_MAIN(TestEditLabel)
#include "test_edit_label.moc"
