#pragma once
// Edits one head's score matrix M_h: a d × d table, a symmetric toggle, and the QK spectrum of
// doc/MODEL.md §1 (eigenvalues of the symmetric part M_s, mean mu = tr(M)/d, variance
// sigma^2 = tr(M_s^2)/d - mu^2). GUI thread, modal.
#include "core/Model.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QTableWidget;

namespace attnsphere::ui {

class MatrixEditorDialog : public QDialog {
    Q_OBJECT
public:
    MatrixEditorDialog(const core::Matrix& M, int head, QWidget* parent = nullptr);
    core::Matrix matrix() const;

private:
    void cellEdited(int row, int column);
    void updateSpectrum();

    QTableWidget* m_table;
    QCheckBox* m_symmetric;
    QLabel* m_spectrum;
    bool m_updating = false;
    // The matrix as accepted so far, at full precision (the cells show 6 digits; an untouched entry keeps
    // its exact value and a refused edit returns to it).
    core::Matrix m_accepted;
};

}  // namespace attnsphere::ui
