#include "ui/SpectrumDialog.h"

#include "core/Scenario.h"
#include "render/DisplayStyle.h"
#include "render/SceneRenderer.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace attnsphere::ui {

SpectrumDialog::SpectrumDialog(int H, double mean, double variance, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Set spectrum"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("M_h = Q_h diag(λ) Q_hᵀ: a random rotation Q_h and eigenvalues λ whose mean\n"
                                "and variance are exactly the ones below (doc/MODEL.md §1). V follows the\n"
                                "value rule (V = M, V = −M, …)."),
                             this);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    m_mean = new QDoubleSpinBox(this);
    m_mean->setObjectName(QStringLiteral("spectrumMean"));
    m_mean->setRange(-core::Limits::spectrumMeanMax, core::Limits::spectrumMeanMax);
    m_mean->setDecimals(4);
    m_mean->setSingleStep(0.1);
    m_mean->setValue(mean);
    m_mean->setToolTip(tr("μ: mean of the eigenvalues, tr(M_h)/d."));
    m_variance = new QDoubleSpinBox(this);
    m_variance->setObjectName(QStringLiteral("spectrumVariance"));
    m_variance->setRange(0, core::Limits::spectrumVarianceMax);
    m_variance->setDecimals(4);
    m_variance->setSingleStep(0.1);
    m_variance->setValue(variance);
    m_variance->setToolTip(tr("σ²: variance of the eigenvalues, tr(M_h²)/d − μ²."));
    form->addRow(tr("mean μ"), m_mean);
    form->addRow(tr("variance σ²"), m_variance);
    layout->addLayout(form);
    auto* group = new QGroupBox(tr("Heads"), this);
    auto* grid = new QGridLayout(group);
    for (int h = 0; h < H; ++h) {
        auto* box = new QCheckBox(tr("head %1").arg(h + 1), group);
        box->setObjectName(QStringLiteral("head%1").arg(h + 1));
        box->setChecked(true);
        QPalette palette = box->palette();
        palette.setColor(QPalette::WindowText, render::themed(render::headColour(h)));
        box->setPalette(palette);
        grid->addWidget(box, h / 4, h % 4);
        m_heads.push_back(box);
    }
    layout->addWidget(group);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto update = [this, ok = buttons->button(QDialogButtonBox::Ok)] { ok->setEnabled(!heads().empty()); };
    for (QCheckBox* box : m_heads) connect(box, &QCheckBox::toggled, this, update);
}

double SpectrumDialog::mean() const {
    return m_mean->value();
}

double SpectrumDialog::variance() const {
    return m_variance->value();
}

std::vector<int> SpectrumDialog::heads() const {
    std::vector<int> chosen;
    for (std::size_t h = 0; h < m_heads.size(); ++h)
        if (m_heads[h]->isChecked()) chosen.push_back(static_cast<int>(h));
    return chosen;
}

}  // namespace attnsphere::ui
