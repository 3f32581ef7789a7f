#include "ui/ParameterPanel.h"

#include "render/DisplayStyle.h"
#include "render/RenderOptions.h"
#include "ui/MatrixEditorDialog.h"
#include "ui/SpectrumDialog.h"

#include "core/Initialisation.h"
#include "core/Spectrum.h"

#include <QAbstractScrollArea>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QScrollBar>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <limits>
#include <stdexcept>

namespace attnsphere::ui {
namespace {

QSpinBox* intBox(QWidget* parent, int lo, int hi, const QString& tip) {
    auto* box = new QSpinBox(parent);
    box->setRange(lo, hi);
    box->setKeyboardTracking(false);
    box->setToolTip(tip + QObject::tr("\nAllowed: %1 … %2.").arg(lo).arg(hi));
    return box;
}

QDoubleSpinBox* realBox(QWidget* parent, double lo, double hi, int decimals, double step,
                        const QString& tip) {
    auto* box = new QDoubleSpinBox(parent);
    box->setRange(lo, hi);
    box->setDecimals(decimals);
    box->setSingleStep(step);
    box->setKeyboardTracking(false);
    box->setToolTip(tip + QObject::tr("\nAllowed: %1 … %2.").arg(lo).arg(hi));
    return box;
}

// A combo box listing an enum's names from its one name table (core/Names.h), each item holding its value.
template <typename E>
QComboBox* namesCombo(QWidget* parent) {
    auto* box = new QComboBox(parent);
    for (const auto& [value, name] : core::nameTable<E>())
        box->addItem(QString::fromUtf8(name.data(), static_cast<int>(name.size())), static_cast<int>(value));
    return box;
}

template <typename E>
void setCombo(QComboBox* box, E value) {
    box->setCurrentIndex(std::max(0, box->findData(static_cast<int>(value))));
}

template <typename E>
E comboValue(const QComboBox* box) {
    return static_cast<E>(box->currentData().toInt());
}

}  // namespace

ParameterPanel::ParameterPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);

    auto* tokens = new QGroupBox(tr("Tokens and dynamics"), this);
    auto* tf = new QFormLayout(tokens);
    m_n = intBox(tokens, 2, 20000,
                 tr("n: number of tokens x_1 … x_n. Changing it re-initialises the positions."));
    m_d = intBox(tokens, 2, 4096,
                 tr("d: dimension; tokens live on S^{d−1} (sphere) or in R^d (flat). d > 3 is shown as a PCA "
                    "projection."));
    m_beta = realBox(tokens, 0.001, 1000, 3, 0.25,
                     tr("β: inverse temperature; scores s_ij^h = β ⟨x_i, M_h x_j⟩."));
    m_kernel = new QComboBox(tokens);
    for (const core::KernelInfo& info : core::kernelTable()) {
        m_kernel->addItem(QString::fromUtf8(info.name.data(), static_cast<int>(info.name.size())),
                          static_cast<int>(info.kind));
        m_kernel->setItemData(
            m_kernel->count() - 1,
            QString::fromUtf8(info.description.data(), static_cast<int>(info.description.size())),
            Qt::ToolTipRole);
    }
    m_kernel->setToolTip(tr("Attention kernel κ and its normalisation N_i (doc/MODEL.md §2)."));
    m_geometry = namesCombo<core::Geometry>(tokens);
    m_geometry->setToolTip(
        tr("sphere: dx_i/dt = P⊥_{x_i} v_i (tokens stay on S^{d−1}); flat: dx_i/dt = v_i in R^d "
           "(doc/MODEL.md §2)."));
    m_normalisation = namesCombo<core::LayerNorm>(tokens);
    m_normalisation->setToolTip(
        tr("Where the layer normalisation sits (doc/MODEL.md §2.1): post-ln keeps tokens on the sphere;\n"
           "pre-ln and peri-ln give each token a radius r_i (from 1 when switched on) that slows its "
           "direction by 1/r_i;\nngpt normalises the attention output. Sphere geometry only."));
    m_temperature = realBox(tokens, 0, core::Limits::temperatureMax, 4, 0.01,
                            tr("τ: temperature of the noise, Brownian motion on the sphere after every step "
                               "(doc/MODEL.md §2.2).\n0 = no noise. Needs euler or rk4 (not dopri5); the "
                               "noise is drawn from the seed, so runs repeat."));
    m_integrator = namesCombo<core::IntegratorKind>(tokens);
    m_integrator->setToolTip(tr(
        "Euler, RK4 (both renormalised onto the sphere) or adaptive Dormand–Prince 5(4); doc/MODEL.md §2."));
    m_mask = namesCombo<core::AttentionMask>(tokens);
    m_mask->setToolTip(
        tr("Which keys query i attends to: all, or causal (j ≤ i, token order = index); "
           "doc/MODEL.md §2."));
    m_positionalBias =
        realBox(tokens, 0, core::Limits::positionalBiasMax, 3, 0.25,
                tr("λ: positional bias (ALiBi), scores s_ij^h − λ |i − j| / n; 0 is off (doc/MODEL.md §2)."));
    m_sinkhorn =
        intBox(tokens, 0, core::Limits::sinkhornIterationsMax,
               tr("Sinkhorn iterations: the softmax weights are balanced by columns and rows this many "
                  "times\n(doubly stochastic attention); 0 is off. Softmax kernel only, not with the "
                  "causal mask."));
    m_dt = realBox(tokens, 0.0001, 10, 4, 0.01, tr("dt: time step (initial step for Dormand–Prince)."));
    m_seed = new QLineEdit(tokens);
    m_seed->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,20}")), m_seed));
    m_seed->setToolTip(tr("Seed of the random heads and initial positions (Enter applies).\nAllowed: 0 … %1.")
                           .arg(std::numeric_limits<std::uint64_t>::max()));
    m_init = new QComboBox(tokens);
    m_init->addItem(tr("uniform on the sphere"), static_cast<int>(core::InitKind::Uniform));
    m_init->addItem(tr("one hemisphere"), static_cast<int>(core::InitKind::Hemisphere));
    m_init->addItem(tr("equiangular (ρ)"), static_cast<int>(core::InitKind::Equiangular));
    m_init->addItem(tr("k clusters"), static_cast<int>(core::InitKind::Clusters));
    m_init->addItem(tr("points from file"), static_cast<int>(core::InitKind::Points));
    m_init->setToolTip(
        tr("Initial positions. Equiangular: ⟨x_i, x_j⟩ = ρ for all i ≠ j (needs d ≥ n + 1 for ρ ≥ 0)."));
    m_rho = realBox(tokens, -1, 0.999, 3, 0.05, tr("ρ: pairwise cosine of the equiangular start."));
    m_clusters = intBox(tokens, 1, 20000, tr("k: number of clusters of the clustered start (at most n)."));
    // Object names let tests and scripts find the controls.
    for (auto [w, name] : {std::pair<QWidget*, const char*>{m_n, "n"},
                           {m_d, "d"},
                           {m_beta, "beta"},
                           {m_kernel, "kernel"},
                           {m_mask, "mask"},
                           {m_positionalBias, "positional_bias"},
                           {m_sinkhorn, "sinkhorn_iterations"},
                           {m_geometry, "geometry"},
                           {m_normalisation, "normalisation"},
                           {m_temperature, "temperature"},
                           {m_integrator, "integrator"},
                           {m_dt, "dt"},
                           {m_seed, "seed"},
                           {m_init, "init"},
                           {m_rho, "rho"},
                           {m_clusters, "clusters"}})
        w->setObjectName(QString::fromLatin1(name));
    tf->addRow(tr("n"), m_n);
    tf->addRow(tr("d"), m_d);
    tf->addRow(tr("β"), m_beta);
    tf->addRow(tr("kernel"), m_kernel);
    tf->addRow(tr("mask"), m_mask);
    tf->addRow(tr("positional bias λ"), m_positionalBias);
    tf->addRow(tr("Sinkhorn iterations"), m_sinkhorn);
    tf->addRow(tr("geometry"), m_geometry);
    tf->addRow(tr("normalisation"), m_normalisation);
    tf->addRow(tr("τ (noise)"), m_temperature);
    tf->addRow(tr("integrator"), m_integrator);
    tf->addRow(tr("dt"), m_dt);
    tf->addRow(tr("seed"), m_seed);
    tf->addRow(tr("init"), m_init);
    tf->addRow(tr("ρ"), m_rho);
    tf->addRow(tr("k"), m_clusters);
    layout->addWidget(tokens);

    auto* heads = new QGroupBox(tr("Heads"), this);
    auto* hf = new QFormLayout(heads);
    m_H = intBox(heads, 1, 64, tr("H: number of attention heads."));
    m_heads = new QComboBox(heads);
    m_heads->addItem(tr("identity M = I"), static_cast<int>(core::HeadsKind::Identity));
    m_heads->addItem(tr("scalar M_h = a_h I"), static_cast<int>(core::HeadsKind::Scalar));
    m_heads->addItem(tr("random Gaussian"), static_cast<int>(core::HeadsKind::Gaussian));
    m_heads->addItem(tr("random symmetric"), static_cast<int>(core::HeadsKind::Symmetric));
    m_heads->addItem(tr("GOE"), static_cast<int>(core::HeadsKind::Goe));
    m_heads->addItem(tr("orthogonal blocks"), static_cast<int>(core::HeadsKind::OrthogonalBlocks));
    m_heads->addItem(tr("approx. orthogonal (ε)"), static_cast<int>(core::HeadsKind::ApproxOrthogonalBlocks));
    m_heads->addItem(tr("explicit matrices"), static_cast<int>(core::HeadsKind::Explicit));
    m_heads->addItem(tr("QK spectrum (μ, σ²)"), static_cast<int>(core::HeadsKind::Spectrum));
    m_heads->setToolTip(tr(
        "How the score matrices M_h are generated (seeded). Orthogonal blocks: head h acts on its own\n"
        "coordinates (M_hᵀ M_h' = 0); approx.: plus ε times a symmetric Gaussian perturbation.\n"
        "QK spectrum: M_h = Q_h diag(λ) Q_hᵀ, eigenvalues with mean μ and variance σ² (doc/MODEL.md §1)."));
    m_eps = realBox(heads, 0, 10, 3, 0.01, tr("ε: size of the perturbation of the orthogonal blocks."));
    m_specMean = realBox(heads, -core::Limits::spectrumMeanMax, core::Limits::spectrumMeanMax, 4, 0.1,
                         tr("μ: mean of each head's eigenvalues, tr(M_h)/d (QK spectrum heads)."));
    m_specVariance = realBox(heads, 0, core::Limits::spectrumVarianceMax, 4, 0.1,
                             tr("σ²: variance of each head's eigenvalues (QK spectrum heads)."));
    m_setSpectrum = new QPushButton(tr("Set spectrum…"), heads);
    m_setSpectrum->setToolTip(
        tr("Set the QK spectrum of chosen heads: M_h = Q_h diag(λ) Q_hᵀ with the eigenvalues' mean and\n"
           "variance given (all heads: the QK spectrum kind; some: explicit matrices)."));
    m_value = new QComboBox(heads);
    m_value->addItem(tr("V = M (attractive)"), static_cast<int>(core::ValueKind::SameAsScore));
    m_value->addItem(tr("V = −M (repulsive)"), static_cast<int>(core::ValueKind::NegativeScore));
    m_value->addItem(tr("V = I"), static_cast<int>(core::ValueKind::Identity));
    m_value->addItem(tr("explicit V"), static_cast<int>(core::ValueKind::Explicit));
    m_value->setToolTip(
        tr("Value matrices V_h. V = M with symmetric M gives a gradient flow of Σ_h α_h E_h; V = −M descends "
           "it (doc/MODEL.md §3)."));
    m_H->setObjectName(QStringLiteral("H"));
    m_heads->setObjectName(QStringLiteral("heads"));
    m_eps->setObjectName(QStringLiteral("eps"));
    m_value->setObjectName(QStringLiteral("value"));
    m_specMean->setObjectName(QStringLiteral("spectrumMean"));
    m_specVariance->setObjectName(QStringLiteral("spectrumVariance"));
    m_setSpectrum->setObjectName(QStringLiteral("setSpectrum"));
    hf->addRow(tr("H"), m_H);
    hf->addRow(tr("score M_h"), m_heads);
    hf->addRow(tr("ε"), m_eps);
    hf->addRow(tr("spectrum μ"), m_specMean);
    hf->addRow(tr("spectrum σ²"), m_specVariance);
    hf->addRow(m_setSpectrum);
    hf->addRow(tr("value V_h"), m_value);
    m_headTable = new QTableWidget(0, 4, heads);
    m_headTable->setHorizontalHeaderLabels({tr("head"), tr("α_h"), tr("a_h"), tr("M_h")});
    m_headTable->verticalHeader()->setVisible(false);
    m_headTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_headTable->setToolTip(
        tr("α_h: head strength (weight in v_i = Σ_h α_h …, 0 … 100); a_h: scale of the generated M_h\n"
           "(0 … 100); \"edit\" opens the matrix editor (switches the heads to explicit matrices)."));
    m_headTable->setMinimumHeight(120);
    hf->addRow(m_headTable);
    layout->addWidget(heads);

    auto* run = new QGroupBox(tr("Speed"), this);
    auto* rf = new QFormLayout(run);
    m_speed = realBox(run, 0.01, 1000, 2, 0.5, tr("Simulated time per second of wall-clock time."));
    m_fastest = new QCheckBox(tr("as fast as possible"), run);
    m_fastest->setToolTip(tr("Step without waiting; frames are still shown at most 60 times per second."));
    rf->addRow(tr("t per second"), m_speed);
    rf->addRow(m_fastest);
    layout->addWidget(run);

    auto* display = new QGroupBox(tr("Display"), this);
    auto* df = new QFormLayout(display);
    m_colour = new QComboBox(display);
    for (const auto& mode : render::colourModes())
        m_colour->addItem(QString::fromLatin1(mode.label.data(), static_cast<qsizetype>(mode.label.size())),
                          static_cast<int>(mode.mode));
    m_colour->setToolTip(
        tr("Token colours: index; cluster (G_ij ≥ 1 − τ); dominant head argmax_h |u_i^h|;\n"
           "entropy (1/H) Σ_h S_i^h on [0, log n]; radial shadow Σ_h r_i^h (render::diverging, symmetric "
           "range)."));
    m_trail = intBox(display, 0, render::kTrailMax,
                     tr("Trail length in decimated samples per token (0: no trails)."));
    m_pointSize = realBox(display, render::kPointSizeMin, render::kPointSizeMax, 1, 1,
                          tr("Token size in pixels at 1080 pixels of view height."));
    m_shell = new QCheckBox(tr("translucent sphere"), display);
    m_shell->setToolTip(tr("Show the unit sphere S² as a translucent shell."));
    m_grid = new QCheckBox(tr("latitude/longitude grid"), display);
    m_grid->setToolTip(tr("Latitude and longitude lines every 30°."));
    df->addRow(tr("colour"), m_colour);
    df->addRow(tr("trail"), m_trail);
    df->addRow(tr("token size"), m_pointSize);
    df->addRow(m_shell);
    df->addRow(m_grid);
    layout->addWidget(display);

    for (auto [w, name] : {std::pair<QWidget*, const char*>{m_speed, "speed"},
                           {m_fastest, "fastest"},
                           {m_colour, "colour"},
                           {m_trail, "trail"},
                           {m_pointSize, "pointSize"},
                           {m_headTable, "headTable"}})
        w->setObjectName(QString::fromLatin1(name));
    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #f0a030; font-weight: bold;"));
    m_error->setVisible(false);
    m_error->setObjectName(QStringLiteral("error"));
    layout->addWidget(m_error);
    layout->addStretch();

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(250);
    connect(&m_debounce, &QTimer::timeout, this, [this] { emit edited(m_pending); });

    // Each control changes its own field only (an edit sends what the user changed, nothing rounded).
    connect(m_n, &QSpinBox::valueChanged, this, [this](int v) { edit([v](core::Scenario& s) { s.n = v; }); });
    connect(m_d, &QSpinBox::valueChanged, this, [this](int v) { edit([v](core::Scenario& s) { s.d = v; }); });
    connect(m_beta, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { edit([v](core::Scenario& s) { s.beta = v; }); });
    connect(m_dt, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { edit([v](core::Scenario& s) { s.dt = v; }); });
    connect(m_rho, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { edit([v](core::Scenario& s) { s.init.rho = v; }); });
    connect(m_clusters, &QSpinBox::valueChanged, this,
            [this](int v) { edit([v](core::Scenario& s) { s.init.clusters = v; }); });
    connect(m_eps, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { edit([v](core::Scenario& s) { s.heads.eps = v; }); });
    connect(m_specMean, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { edit([v](core::Scenario& s) { s.heads.spectrumMean = v; }); });
    connect(m_specVariance, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { edit([v](core::Scenario& s) { s.heads.spectrumVariance = v; }); });
    connect(m_setSpectrum, &QPushButton::clicked, this, &ParameterPanel::setSpectrum);
    connect(m_kernel, &QComboBox::currentIndexChanged, this, [this] {
        edit([k = comboValue<core::KernelKind>(m_kernel)](core::Scenario& s) { s.kernel = k; });
    });
    connect(m_mask, &QComboBox::currentIndexChanged, this, [this] {
        edit([m = comboValue<core::AttentionMask>(m_mask)](core::Scenario& s) { s.mask = m; });
    });
    connect(m_positionalBias, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { edit([v](core::Scenario& s) { s.positionalBias = v; }); });
    connect(m_sinkhorn, &QSpinBox::valueChanged, this,
            [this](int v) { edit([v](core::Scenario& s) { s.sinkhornIterations = v; }); });
    connect(m_geometry, &QComboBox::currentIndexChanged, this, [this] {
        edit([g = comboValue<core::Geometry>(m_geometry)](core::Scenario& s) { s.geometry = g; });
    });
    connect(m_normalisation, &QComboBox::currentIndexChanged, this, [this] {
        edit([k = comboValue<core::LayerNorm>(m_normalisation)](core::Scenario& s) { s.normalisation = k; });
    });
    connect(m_temperature, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { edit([v](core::Scenario& s) { s.temperature = v; }); });
    connect(m_integrator, &QComboBox::currentIndexChanged, this, [this] {
        edit([i = comboValue<core::IntegratorKind>(m_integrator)](core::Scenario& s) { s.integrator = i; });
    });
    connect(m_init, &QComboBox::currentIndexChanged, this, [this] {
        edit([k = comboValue<core::InitKind>(m_init)](core::Scenario& s) { s.init.kind = k; });
    });
    connect(m_heads, &QComboBox::currentIndexChanged, this, [this] {
        edit([k = comboValue<core::HeadsKind>(m_heads)](core::Scenario& s) {
            s.heads.kind = k;
            if (k != core::HeadsKind::Explicit) s.heads.explicitM.clear();
        });
    });
    connect(m_value, &QComboBox::currentIndexChanged, this, [this] {
        edit([v = comboValue<core::ValueKind>(m_value)](core::Scenario& s) {
            s.heads.value = v;
            if (v != core::ValueKind::Explicit) s.heads.explicitV.clear();
        });
    });
    connect(m_H, &QSpinBox::valueChanged, this, [this](int H) {
        edit([H](core::Scenario& s) {
            const auto count = static_cast<std::size_t>(H);
            s.heads.count = H;
            s.heads.alpha.resize(count, 1.0);
            if (s.heads.scale.size() > 1) s.heads.scale.resize(count, s.heads.scale.back());
            if (!s.heads.beta.empty()) s.heads.beta.resize(count, s.beta);
        });
    });
    connect(m_seed, &QLineEdit::editingFinished, this, [this] {
        bool ok = false;
        const qulonglong seed = m_seed->text().toULongLong(&ok);
        if (!ok) {
            showScenario(m_pending);
            refuse(tr("Not applied: seed: must be an integer in [0, %1]")
                       .arg(std::numeric_limits<std::uint64_t>::max()));
            return;
        }
        if (seed != m_pending.seed) edit([seed](core::Scenario& s) { s.seed = seed; });
    });
    auto speed = [this] {
        m_speed->setEnabled(!m_fastest->isChecked());
        emit speedChanged(m_fastest->isChecked() ? 0.0 : m_speed->value());
    };
    connect(m_speed, &QDoubleSpinBox::valueChanged, this, speed);
    connect(m_fastest, &QCheckBox::toggled, this, speed);
    connect(m_colour, &QComboBox::currentIndexChanged, this, &ParameterPanel::emitStyle);
    connect(m_trail, &QSpinBox::valueChanged, this, &ParameterPanel::emitStyle);
    connect(m_pointSize, &QDoubleSpinBox::valueChanged, this, &ParameterPanel::emitStyle);
    connect(m_shell, &QCheckBox::toggled, this, &ParameterPanel::emitStyle);
    connect(m_grid, &QCheckBox::toggled, this, &ParameterPanel::emitStyle);

    m_loading = true;
    m_speed->setValue(1.0);
    m_loading = false;
    setStyle(render::SceneStyle());
    for (QWidget* w : findChildren<QAbstractSpinBox*>()) guardWheel(w);
    for (QWidget* w : findChildren<QComboBox*>()) guardWheel(w);
}

void ParameterPanel::guardWheel(QWidget* w) {
    w->setFocusPolicy(Qt::StrongFocus);  // not Qt::WheelFocus: a wheel neither focuses nor changes it
    w->installEventFilter(this);
}

bool ParameterPanel::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::Wheel) {
        auto* w = qobject_cast<QWidget*>(watched);
        if (w && !w->hasFocus()) {
            // The value stays; the nearest enclosing area that can scroll (the head table, the panel's
            // scroll area) scrolls instead.
            for (QWidget* p = w->parentWidget(); p; p = p->parentWidget())
                if (auto* area = qobject_cast<QAbstractScrollArea*>(p);
                    area && area->verticalScrollBar()->maximum() > 0) {
                    QCoreApplication::sendEvent(area->verticalScrollBar(), event);
                    break;
                }
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ParameterPanel::setSpeed(double simulatedPerSecond) {
    {
        const QSignalBlocker blockSpeed(m_speed), blockFastest(m_fastest);
        m_fastest->setChecked(false);
        m_speed->setEnabled(true);
        m_speed->setValue(simulatedPerSecond);
    }
    emit speedChanged(m_speed->value());
}

void ParameterPanel::revertEditing() {
    showScenario(m_pending);
}

void ParameterPanel::setStyle(const render::SceneStyle& style) {
    m_loading = true;
    m_style = style;
    setCombo(m_colour, style.colour);
    m_trail->setValue(style.trailLength);
    m_pointSize->setValue(style.pointSize);
    m_shell->setChecked(style.showShell);
    m_grid->setChecked(style.showGrid);
    m_loading = false;
}

void ParameterPanel::emitStyle() {
    if (m_loading) return;
    m_style.colour = comboValue<render::ColourMode>(m_colour);
    m_style.trailLength = m_trail->value();
    m_style.pointSize = m_pointSize->value();
    m_style.showShell = m_shell->isChecked();
    m_style.showGrid = m_grid->isChecked();
    emit styleChanged(m_style);
}

void ParameterPanel::setScenario(const core::Scenario& s) {
    m_scenario = s;
    // An edit waiting to be sent was made on top of the earlier state: keep it.
    if (!m_debounce.isActive()) m_pending = s;
    showScenario(m_pending);
    showError(QString());
}

void ParameterPanel::showScenario(const core::Scenario& s) {
    const bool wasLoading = m_loading;
    m_loading = true;
    m_n->setValue(s.n);
    m_d->setValue(s.d);
    m_beta->setValue(s.beta);
    setCombo(m_kernel, s.kernel);
    setCombo(m_mask, s.mask);
    m_positionalBias->setValue(s.positionalBias);
    m_sinkhorn->setValue(s.sinkhornIterations);
    setCombo(m_geometry, s.geometry);
    setCombo(m_normalisation, s.normalisation);
    m_temperature->setValue(s.temperature);
    setCombo(m_integrator, s.integrator);
    m_dt->setValue(s.dt);
    m_seed->setText(QString::number(static_cast<qulonglong>(s.seed)));
    setCombo(m_init, s.init.kind);
    m_rho->setValue(s.init.rho);
    m_clusters->setValue(s.init.clusters);
    m_H->setValue(s.heads.count);
    setCombo(m_heads, s.heads.kind);
    m_eps->setValue(s.heads.eps);
    m_specMean->setValue(s.heads.spectrumMean);
    m_specVariance->setValue(s.heads.spectrumVariance);
    setCombo(m_value, s.heads.value);
    updateEnabled();
    rebuildHeadTable();
    m_loading = wasLoading;
}

void ParameterPanel::updateEnabled() {
    m_rho->setEnabled(m_pending.init.kind == core::InitKind::Equiangular);
    m_clusters->setEnabled(m_pending.init.kind == core::InitKind::Clusters);
    m_eps->setEnabled(m_pending.heads.kind == core::HeadsKind::ApproxOrthogonalBlocks);
    m_specMean->setEnabled(m_pending.heads.kind == core::HeadsKind::Spectrum);
    m_specVariance->setEnabled(m_pending.heads.kind == core::HeadsKind::Spectrum);
}

void ParameterPanel::rebuildHeadTable() {
    const bool wasLoading = m_loading;
    m_loading = true;
    const int H = m_pending.heads.count;
    const auto& alphas = m_pending.heads.alpha;
    const auto& scales = m_pending.heads.scale;
    auto alphaOf = [&](std::size_t h) { return h < alphas.size() ? alphas[h] : 1.0; };
    auto scaleOf = [&](std::size_t h) {
        return scales.empty() ? 1.0 : (h < scales.size() ? scales[h] : scales.back());
    };
    if (m_headTable->rowCount() == H) {
        // Same heads: update the values in place (keeps the focus of a box being edited).
        for (int h = 0; h < H; ++h) {
            const auto uh = static_cast<std::size_t>(h);
            if (QTableWidgetItem* name = m_headTable->item(h, 0))
                name->setForeground(render::themed(render::headColour(h)));  // the theme may have changed
            if (auto* a = qobject_cast<QDoubleSpinBox*>(m_headTable->cellWidget(h, 1)))
                a->setValue(alphaOf(uh));
            if (auto* c = qobject_cast<QDoubleSpinBox*>(m_headTable->cellWidget(h, 2)))
                c->setValue(scaleOf(uh));
        }
        m_loading = wasLoading;
        return;
    }
    m_headTable->setRowCount(H);
    for (int h = 0; h < H; ++h) {
        auto* name = new QTableWidgetItem(tr("head %1").arg(h + 1));
        name->setForeground(render::themed(render::headColour(h)));
        name->setFlags(Qt::ItemIsEnabled);
        m_headTable->setItem(h, 0, name);
        const auto uh = static_cast<std::size_t>(h);
        auto* alpha = realBox(m_headTable, 0, 100, 3, 0.1, tr("α_%1: strength of head %1.").arg(h + 1));
        alpha->setValue(alphaOf(uh));
        auto* scale =
            realBox(m_headTable, 0, 100, 3, 0.1, tr("a_%1: scale of the generated M_%1.").arg(h + 1));
        scale->setValue(scaleOf(uh));
        auto* button = new QPushButton(tr("edit…"), m_headTable);
        button->setToolTip(
            tr("Edit M_%1 entry by entry; shows its eigenvalues, mean and variance.").arg(h + 1));
        m_headTable->setCellWidget(h, 1, alpha);
        m_headTable->setCellWidget(h, 2, scale);
        m_headTable->setCellWidget(h, 3, button);
        guardWheel(alpha);
        guardWheel(scale);
        connect(alpha, &QDoubleSpinBox::valueChanged, this, [this, uh](double v) {
            edit([uh, v](core::Scenario& s) {
                s.heads.alpha.resize(static_cast<std::size_t>(s.heads.count), 1.0);
                s.heads.alpha[uh] = v;
            });
        });
        connect(scale, &QDoubleSpinBox::valueChanged, this, [this, uh](double v) {
            edit([uh, v](core::Scenario& s) {
                const double all = s.heads.scale.empty() ? 1.0 : s.heads.scale.back();
                if (s.heads.scale.size() <= 1)
                    s.heads.scale.assign(static_cast<std::size_t>(s.heads.count), all);
                s.heads.scale.resize(static_cast<std::size_t>(s.heads.count), all);
                s.heads.scale[uh] = v;
            });
        });
        connect(button, &QPushButton::clicked, this, [this, h] { editMatrix(h); });
    }
    m_loading = wasLoading;
}

void ParameterPanel::edit(const std::function<void(core::Scenario&)>& change) {
    if (m_loading) return;
    core::Scenario s = m_pending;
    change(s);
    try {
        s.validate();
    } catch (const std::exception& e) {
        // Refused at once, saying why; the field returns to its previous value and nothing is sent.
        showScenario(m_pending);
        refuse(tr("Not applied: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    m_pending = s;
    updateEnabled();
    rebuildHeadTable();
    showError(QString());
    m_debounce.start();
}

std::optional<core::Model> ParameterPanel::pendingModel() {
    try {
        return m_pending.buildModel();
    } catch (const std::exception& e) {
        showError(tr("Cannot build the current heads: %1").arg(QString::fromStdString(e.what())));
        return std::nullopt;
    }
}

void ParameterPanel::editMatrix(int head) {
    std::optional<core::Model> built = pendingModel();
    if (!built) return;
    core::Model& model = *built;
    if (head >= model.headCount()) return;
    MatrixEditorDialog dialog(model.heads[static_cast<std::size_t>(head)].M, head, this);
    if (dialog.exec() != QDialog::Accepted) return;
    model.heads[static_cast<std::size_t>(head)].M = dialog.matrix();
    applyExplicit(model);
}

void ParameterPanel::setSpectrum() {
    SpectrumDialog dialog(m_pending.heads.count, m_pending.heads.spectrumMean,
                          m_pending.heads.spectrumVariance, this);
    if (dialog.exec() != QDialog::Accepted) return;
    applySpectrum(dialog.heads(), dialog.mean(), dialog.variance());
}

void ParameterPanel::applySpectrum(const std::vector<int>& heads, double mean, double variance) {
    if (heads.empty()) return;
    if (static_cast<int>(heads.size()) == m_pending.heads.count) {
        // Every head: the scenario's own spectrum kind (compact, and the seed draws the rotations).
        core::Scenario s = m_pending;
        s.heads.kind = core::HeadsKind::Spectrum;
        s.heads.explicitM.clear();
        s.heads.spectrumMean = mean;
        s.heads.spectrumVariance = variance;
        apply(s);
        return;
    }
    std::optional<core::Model> built = pendingModel();
    if (!built) return;
    core::Model& model = *built;
    // Some heads: their new matrices are explicit in the scenario; the rotations are drawn from a stream
    // of the seed per head, so setting the same spectrum twice gives the same matrix.
    constexpr std::uint64_t kSetSpectrumStream = 100;
    for (int h : heads) {
        if (h < 0 || h >= model.headCount()) continue;
        core::GaussianSource rng(
            core::deriveSeed(m_pending.seed, kSetSpectrumStream + static_cast<std::uint64_t>(h)));
        model.heads[static_cast<std::size_t>(h)].M = core::spectrumMatrix(rng, model.dim(), mean, variance);
    }
    applyExplicit(model);
}

void ParameterPanel::applyExplicit(const core::Model& model) {
    // Explicit score matrices: the model's, edited heads included. V keeps its rule where it has one
    // (V = M, V = -M); otherwise the model's V matrices become explicit too.
    core::Scenario s = m_pending;
    s.heads.explicitM.clear();
    s.heads.explicitV.clear();
    for (const core::Head& hd : model.heads) {
        s.heads.explicitM.push_back(hd.M);
        s.heads.explicitV.push_back(hd.V);
    }
    if (s.heads.value == core::ValueKind::Identity || s.heads.value == core::ValueKind::Explicit)
        s.heads.value = core::ValueKind::Explicit;
    else
        s.heads.explicitV.clear();
    s.heads.kind = core::HeadsKind::Explicit;
    s.heads.scale = {1.0};
    apply(s);
}

void ParameterPanel::apply(const core::Scenario& s) {
    try {
        s.validate();
    } catch (const std::exception& e) {
        // Nothing changes (a refused matrix must not wait in the panel for the next unrelated edit).
        refuse(tr("Not applied: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    m_pending = s;
    showScenario(s);
    showError(QString());
    m_debounce.stop();
    emit edited(s);
}

QString ParameterPanel::errorText() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

void ParameterPanel::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void ParameterPanel::refuse(const QString& message) {
    showError(message);
    emit refused(message);
}

}  // namespace attnsphere::ui
