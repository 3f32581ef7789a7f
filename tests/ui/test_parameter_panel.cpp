// The parameter panel as a user meets it: an edit sends only the field that changed (no
// rounding of the others, seeds up to 2^64 − 1), a refused edit says why and the field returns to its
// previous value, the wheel scrolls instead of changing unfocused boxes, and the matrix editor keeps an
// entry's previous value when a new one is refused.
#include "ui/MatrixEditorDialog.h"
#include "ui/ParameterPanel.h"

#include <QtTest/qtestspontaneevent.h>
#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QtTest>

#include <limits>

using namespace attnsphere;

namespace {

void wheelAt(QWidget* w, int steps) {
    const QPointF pos(w->width() / 2.0, w->height() / 2.0);
    QWheelEvent wheel(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, 120 * steps), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    // As from the window system: only spontaneous wheel events travel on to the parents.
    QSpontaneKeyEvent::setSpontaneous(&wheel);
    QApplication::sendEvent(w, &wheel);
}

}  // namespace

class TestParameterPanel : public QObject {
    Q_OBJECT
private slots:
    // Mask, positional bias and Sinkhorn iterations are live edits: each control sends its field, and a
    // shown scenario sets them.
    void attentionVariantControlsEditTheirFields() {
        ui::ParameterPanel panel;
        QSignalSpy edited(&panel, &ui::ParameterPanel::edited);
        auto* mask = panel.findChild<QComboBox*>(QStringLiteral("mask"));
        auto* bias = panel.findChild<QDoubleSpinBox*>(QStringLiteral("positional_bias"));
        auto* sinkhorn = panel.findChild<QSpinBox*>(QStringLiteral("sinkhorn_iterations"));
        QVERIFY(mask && bias && sinkhorn);
        QCOMPARE(mask->count(), static_cast<int>(core::namesOf<core::AttentionMask>().size()));
        mask->setCurrentIndex(mask->findData(static_cast<int>(core::AttentionMask::Causal)));
        QTRY_COMPARE(edited.count(), 1);
        QCOMPARE(edited.at(0).at(0).value<core::Scenario>().mask, core::AttentionMask::Causal);
        bias->setValue(1.5);
        QTRY_COMPARE(edited.count(), 2);
        QCOMPARE(edited.at(1).at(0).value<core::Scenario>().positionalBias, 1.5);
        QCOMPARE(edited.at(1).at(0).value<core::Scenario>().mask, core::AttentionMask::Causal);
        // Sinkhorn with the causal mask is refused (validated in place): nothing is sent.
        sinkhorn->setValue(5);
        QTest::qWait(400);
        QCOMPARE(edited.count(), 2);
        QVERIFY(panel.errorText().contains(QStringLiteral("sinkhorn_iterations")));

        core::Scenario s;
        s.positionalBias = 2.5;
        s.sinkhornIterations = 9;
        panel.setScenario(s);
        QCOMPARE(bias->value(), 2.5);
        QCOMPARE(sinkhorn->value(), 9);
        QCOMPARE(mask->currentData().toInt(), static_cast<int>(core::AttentionMask::None));
    }

    // The kernel combo lists the kernel table: one item per kernel, its name, its value and its description
    // as the item's tooltip.
    void kernelComboFollowsTheKernelTable() {
        ui::ParameterPanel panel;
        auto* combo = panel.findChild<QComboBox*>(QStringLiteral("kernel"));
        QVERIFY(combo);
        const auto table = core::kernelTable();
        QCOMPARE(combo->count(), static_cast<int>(table.size()));
        for (int i = 0; i < combo->count(); ++i) {
            const core::KernelInfo& info = table[static_cast<std::size_t>(i)];
            QCOMPARE(combo->itemText(i),
                     QString::fromUtf8(info.name.data(), static_cast<int>(info.name.size())));
            QCOMPARE(combo->itemData(i).toInt(), static_cast<int>(info.kind));
            QCOMPARE(combo->itemData(i, Qt::ToolTipRole).toString(),
                     QString::fromUtf8(info.description.data(), static_cast<int>(info.description.size())));
        }
    }

    void anEditSendsOnlyTheChangedField() {
        ui::ParameterPanel panel;
        core::Scenario s;
        s.beta = 1.23456789;  // more digits than the spin boxes show
        s.dt = 0.0123456789;
        s.seed = std::numeric_limits<std::uint64_t>::max();
        s.init.kind = core::InitKind::Equiangular;
        s.d = 70;
        s.init.rho = 0.123456789;
        panel.setScenario(s);
        QSignalSpy edited(&panel, &ui::ParameterPanel::edited);
        auto* seed = panel.findChild<QLineEdit*>(QStringLiteral("seed"));
        QVERIFY(seed);
        QCOMPARE(seed->text(), QStringLiteral("18446744073709551615"));
        panel.findChild<QSpinBox*>(QStringLiteral("n"))->setValue(40);
        QTRY_COMPARE(edited.count(), 1);
        const auto sent = edited.at(0).at(0).value<core::Scenario>();
        QCOMPARE(sent.n, 40);
        QCOMPARE(sent.beta, s.beta);
        QCOMPARE(sent.dt, s.dt);
        QCOMPARE(sent.init.rho, s.init.rho);
        QCOMPARE(sent.seed, s.seed);
        QVERIFY(sent.heads.alpha.empty());  // not touched, not sent as explicit ones

        // A seed above INT_MAX is typed and applied exactly.
        seed->setText(QStringLiteral("9876543210123456789"));
        emit seed->editingFinished();
        QTRY_COMPARE(edited.count(), 2);
        QCOMPARE(edited.at(1).at(0).value<core::Scenario>().seed, std::uint64_t(9876543210123456789ull));
        // Beyond 2^64 − 1: refused with the range, the field shows the seed that runs.
        seed->setText(QStringLiteral("99999999999999999999"));
        emit seed->editingFinished();
        QVERIFY2(panel.errorText().contains(QStringLiteral("18446744073709551615")),
                 qPrintable(panel.errorText()));
        QCOMPARE(seed->text(), QStringLiteral("9876543210123456789"));
        QTest::qWait(400);
        QCOMPARE(edited.count(), 2);
    }

    void aRefusedEditSaysWhyAndTheFieldReturns() {
        ui::ParameterPanel panel;
        core::Scenario s;
        s.n = 16;
        s.d = 70;
        s.init.kind = core::InitKind::Equiangular;  // rho >= 0 needs d >= n + 1
        panel.setScenario(s);
        QSignalSpy edited(&panel, &ui::ParameterPanel::edited);
        auto* n = panel.findChild<QSpinBox*>(QStringLiteral("n"));
        n->setValue(100);
        QVERIFY2(panel.errorText().contains(QStringLiteral("d")), qPrintable(panel.errorText()));
        QCOMPARE(n->value(), 16);  // back to what runs, at once
        QTest::qWait(400);
        QCOMPARE(edited.count(), 0);
        // The refused value is not applied later by an unrelated edit.
        panel.findChild<QDoubleSpinBox*>(QStringLiteral("beta"))->setValue(2.0);
        QTRY_COMPARE(edited.count(), 1);
        QCOMPARE(edited.at(0).at(0).value<core::Scenario>().n, 16);
        QCOMPARE(edited.at(0).at(0).value<core::Scenario>().beta, 2.0);
    }

    // Normalisation and temperature are edited like the other fields; noise with dopri5 is refused, saying
    // why, without a dialog.
    void normalisationAndTemperatureEdits() {
        ui::ParameterPanel panel;
        core::Scenario s;
        panel.setScenario(s);
        QSignalSpy edited(&panel, &ui::ParameterPanel::edited);
        auto* normalisation = panel.findChild<QComboBox*>(QStringLiteral("normalisation"));
        auto* temperature = panel.findChild<QDoubleSpinBox*>(QStringLiteral("temperature"));
        auto* integrator = panel.findChild<QComboBox*>(QStringLiteral("integrator"));
        QVERIFY(normalisation && temperature && integrator);
        QCOMPARE(normalisation->count(), 4);
        normalisation->setCurrentIndex(normalisation->findText(QStringLiteral("pre-ln")));
        QTRY_COMPARE(edited.count(), 1);
        QVERIFY(edited.at(0).at(0).value<core::Scenario>().normalisation == core::LayerNorm::Pre);
        temperature->setValue(0.25);
        QTRY_COMPARE(edited.count(), 2);
        QCOMPARE(edited.at(1).at(0).value<core::Scenario>().temperature, 0.25);
        integrator->setCurrentIndex(integrator->findText(QStringLiteral("dopri5")));
        QVERIFY2(panel.errorText().contains(QStringLiteral("temperature")), qPrintable(panel.errorText()));
        QCOMPARE(integrator->currentText(), QStringLiteral("rk4"));
        QTest::qWait(400);
        QCOMPARE(edited.count(), 2);
    }

    void wheelScrollsThePanelUnlessABoxIsFocused() {
        QWidget window;
        auto* scroll = new QScrollArea(&window);
        auto* panel = new ui::ParameterPanel;
        scroll->setWidget(panel);
        scroll->setWidgetResizable(true);
        scroll->resize(360, 300);  // shorter than the panel: it scrolls
        window.resize(360, 300);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();  // Xvfb has no window manager: focus needs the active window
        QVERIFY(QTest::qWaitForWindowActive(&window));
        if (QWidget* focus = QApplication::focusWidget()) focus->clearFocus();
        auto* trail = panel->findChild<QSpinBox*>(QStringLiteral("trail"));
        auto* n = panel->findChild<QSpinBox*>(QStringLiteral("n"));
        QVERIFY(trail && n);
        const int trailBefore = trail->value(), nBefore = n->value();
        QScrollBar* bar = scroll->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        wheelAt(n, -1);
        QCOMPARE(n->value(), nBefore);
        QVERIFY2(bar->value() > 0, "the wheel scrolled the panel");
        wheelAt(trail, -1);
        QCOMPARE(trail->value(), trailBefore);
        // Focused (clicked or tabbed into), the box takes the wheel.
        n->setFocus();
        QTRY_VERIFY(n->hasFocus());
        wheelAt(n, 1);
        QCOMPARE(n->value(), nBefore + 1);
    }

    void matrixEditorKeepsThePreviousValue() {
        core::Matrix M(2, 2);
        M << 0.123456789012, 2, 3, 4;
        ui::MatrixEditorDialog dialog(M, 0);
        auto* table = dialog.findChild<QTableWidget*>();
        QVERIFY(table);
        table->item(1, 1)->setText(QStringLiteral("5000"));  // out of range: refused
        QCOMPARE(dialog.matrix()(1, 1), 4.0);
        table->item(1, 1)->setText(QStringLiteral("abc"));
        QCOMPARE(dialog.matrix()(1, 1), 4.0);
        QCOMPARE(table->item(1, 1)->text().toDouble(), 4.0);
        table->item(1, 0)->setText(QStringLiteral("7"));
        QCOMPARE(dialog.matrix()(1, 0), 7.0);
        QCOMPARE(dialog.matrix()(0, 0), 0.123456789012);  // untouched entries keep full precision
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    TestParameterPanel test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_parameter_panel.moc"
