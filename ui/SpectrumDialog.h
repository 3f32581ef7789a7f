#pragma once
// "Set spectrum…": the QK spectrum of chosen heads set directly, M_h = Q_h diag(λ) Q_hᵀ with the
// eigenvalues' mean and variance given (core::spectrumMatrix). GUI thread.
#include <QDialog>

#include <vector>

class QCheckBox;
class QDoubleSpinBox;

namespace attnsphere::ui {

class SpectrumDialog : public QDialog {
    Q_OBJECT
public:
    SpectrumDialog(int H, double mean, double variance, QWidget* parent = nullptr);
    double mean() const;
    double variance() const;
    std::vector<int> heads() const;  // the heads ticked, ascending

private:
    QDoubleSpinBox *m_mean, *m_variance;
    std::vector<QCheckBox*> m_heads;
};

}  // namespace attnsphere::ui
