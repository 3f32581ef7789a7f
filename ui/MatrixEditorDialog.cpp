#include "ui/MatrixEditorDialog.h"

#include "core/Spectrum.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleValidator>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace attnsphere::ui {

MatrixEditorDialog::MatrixEditorDialog(const core::Matrix& M, int head, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Score matrix M_%1").arg(head + 1));
    auto* layout = new QVBoxLayout(this);
    auto* intro =
        new QLabel(tr("Scores s_ij = β ⟨x_i, M_%1 x_j⟩. Entries in [−1000, 1000].").arg(head + 1), this);
    layout->addWidget(intro);
    const int d = static_cast<int>(M.rows());
    m_table = new QTableWidget(d, d, this);
    m_table->setToolTip(
        tr("Entry (row a, column b) of M_%1. With \"symmetric\" on, editing (a, b) also sets (b, a).")
            .arg(head + 1));
    for (int a = 0; a < d; ++a)
        for (int b = 0; b < d; ++b)
            m_table->setItem(a, b, new QTableWidgetItem(QString::number(M(a, b), 'g', 6)));
    m_accepted = M;
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_table, 1);
    m_symmetric =
        new QCheckBox(tr("symmetric (M = Mᵀ; with V = M this is a gradient flow, doc/MODEL.md §3)"), this);
    m_symmetric->setChecked(M.isApprox(M.transpose()));
    layout->addWidget(m_symmetric);
    m_spectrum = new QLabel(this);
    m_spectrum->setWordWrap(true);
    m_spectrum->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_spectrum->setToolTip(
        tr("Eigenvalues λ_k of the symmetric part (M + Mᵀ)/2; mean μ = tr(M)/d and variance\n"
           "σ² = tr(M_s²)/d − μ². Small variance with non-zero mean localises attention (Bao et al. 2024;\n"
           "doc/MODEL.md §1)."));
    layout->addWidget(m_spectrum);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_table, &QTableWidget::cellChanged, this, &MatrixEditorDialog::cellEdited);
    connect(m_symmetric, &QCheckBox::toggled, this, [this](bool on) {
        if (!on) return;
        const core::Matrix S = 0.5 * (m_accepted + m_accepted.transpose());
        m_updating = true;
        for (int a = 0; a < S.rows(); ++a)
            for (int b = 0; b < S.cols(); ++b) m_table->item(a, b)->setText(QString::number(S(a, b), 'g', 6));
        m_accepted = S;
        m_updating = false;
        updateSpectrum();
    });
    resize(std::min(900, 120 + 80 * d), std::min(800, 220 + 32 * d));
    updateSpectrum();
}

core::Matrix MatrixEditorDialog::matrix() const {
    return m_accepted;
}

void MatrixEditorDialog::cellEdited(int row, int column) {
    if (m_updating) return;
    m_updating = true;
    bool ok = false;
    QTableWidgetItem* item = m_table->item(row, column);
    const double v = item->text().toDouble(&ok);
    // Refused in place: the cell is reset and the reason shown.
    if (!ok || !std::isfinite(v) || std::abs(v) > 1000) {
        // Refused in place: the entry returns to its previous value (not 0) and the reason is shown.
        const QString previous = QString::number(m_accepted(row, column), 'g', 17);
        item->setText(previous);
        item->setToolTip(tr("must be a number in [−1000, 1000]"));
        m_spectrum->setText(
            tr("<span style='color:#e69f00'>M(%1, %2) must be a number in [−1000, 1000]; kept "
               "%3.</span>")
                .arg(row + 1)
                .arg(column + 1)
                .arg(previous));
        m_updating = false;
        return;
    }
    m_accepted(row, column) = v;
    if (m_symmetric->isChecked() && row != column) {
        m_table->item(column, row)->setText(item->text());
        m_accepted(column, row) = v;
    }
    m_updating = false;
    updateSpectrum();
}

void MatrixEditorDialog::updateSpectrum() {
    const core::HeadSpectrum s = core::headSpectrum(matrix());
    QStringList values;
    for (Eigen::Index k = 0; k < s.eigenvalues.size(); ++k)
        values << QString::number(s.eigenvalues[k], 'g', 4);
    m_spectrum->setText(tr("eigenvalues of (M + Mᵀ)/2: %1<br>mean μ = %2, variance σ² = %3")
                            .arg(values.join(QStringLiteral(", ")))
                            .arg(s.mean, 0, 'g', 5)
                            .arg(s.variance, 0, 'g', 5));
}

}  // namespace attnsphere::ui
