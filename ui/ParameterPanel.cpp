#include "ui/ParameterPanel.h"

#include "ui/MatrixEditorDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <limits>

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
    const char* kernelTips[] = {"softmax: e^s / Σ_k e^s_ik (SA)",
                                "exp: e^s / n, unnormalised (USA)",
                                "relu-normalised: max(0,s) / Σ_k max(0,s_ik)",
                                "relu: max(0,s) / n",
                                "linear: s, no normalisation (lightning attention)",
                                "sigmoid: 1/(1+e^{−(s+b)}) / n"};
    int k = 0;
    for (auto name : core::kernelNames()) {
        const auto kind = core::kernelFromString(name);
        m_kernel->addItem(QString::fromUtf8(name.data(), static_cast<int>(name.size())),
                          static_cast<int>(*kind));
        m_kernel->setItemData(k, QString::fromUtf8(kernelTips[std::min(k, 5)]), Qt::ToolTipRole);
        ++k;
    }
    m_kernel->setToolTip(tr("Attention kernel κ and its normalisation N_i (math.md §2.1)."));
    m_geometry = new QComboBox(tokens);
    for (auto name : core::geometryNames())
        m_geometry->addItem(QString::fromUtf8(name.data(), static_cast<int>(name.size())),
                            static_cast<int>(*core::geometryFromString(name)));
    m_geometry->setToolTip(
        tr("sphere: dx_i/dt = P⊥_{x_i} v_i (tokens stay on S^{d−1}); flat: dx_i/dt = v_i in R^d."));
    m_integrator = new QComboBox(tokens);
    for (auto name : core::integratorNames())
        m_integrator->addItem(QString::fromUtf8(name.data(), static_cast<int>(name.size())),
                              static_cast<int>(*core::integratorFromString(name)));
    m_integrator->setToolTip(
        tr("Euler, RK4 (both renormalised onto the sphere) or adaptive Dormand–Prince 5(4)."));
    m_dt = realBox(tokens, 0.0001, 10, 4, 0.01, tr("dt: time step (initial step for Dormand–Prince)."));
    m_seed = intBox(tokens, 0, std::numeric_limits<int>::max(),
                    tr("Seed of the random heads and initial positions."));
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
    tf->addRow(tr("n"), m_n);
    tf->addRow(tr("d"), m_d);
    tf->addRow(tr("β"), m_beta);
    tf->addRow(tr("kernel"), m_kernel);
    tf->addRow(tr("geometry"), m_geometry);
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
    m_heads->setToolTip(
        tr("How the score matrices M_h are generated (seeded). Orthogonal blocks: head h acts on its own\n"
           "coordinates (M_hᵀ M_h' = 0); approx.: plus ε times a symmetric Gaussian perturbation."));
    m_eps = realBox(heads, 0, 10, 3, 0.01, tr("ε: size of the perturbation of the orthogonal blocks."));
    m_value = new QComboBox(heads);
    m_value->addItem(tr("V = M (attractive)"), static_cast<int>(core::ValueKind::SameAsScore));
    m_value->addItem(tr("V = −M (repulsive)"), static_cast<int>(core::ValueKind::NegativeScore));
    m_value->addItem(tr("V = I"), static_cast<int>(core::ValueKind::Identity));
    m_value->addItem(tr("explicit V"), static_cast<int>(core::ValueKind::Explicit));
    m_value->setToolTip(
        tr("Value matrices V_h. V = M with symmetric M gives a gradient flow of Σ_h α_h E_h; V = −M descends "
           "it."));
    hf->addRow(tr("H"), m_H);
    hf->addRow(tr("score M_h"), m_heads);
    hf->addRow(tr("ε"), m_eps);
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
    m_colour->addItem(tr("token index"), static_cast<int>(ColourMode::Index));
    m_colour->addItem(tr("cluster"), static_cast<int>(ColourMode::Cluster));
    m_colour->addItem(tr("dominant head"), static_cast<int>(ColourMode::DominantHead));
    m_colour->addItem(tr("attention entropy"), static_cast<int>(ColourMode::Entropy));
    m_colour->addItem(tr("radial shadow"), static_cast<int>(ColourMode::RadialShadow));
    m_colour->setToolTip(
        tr("Token colours: index; cluster (G_ij ≥ 1 − τ); dominant head argmax_h |u_i^h|;\n"
           "entropy (1/H) Σ_h S_i^h on [0, log n]; radial shadow Σ_h r_i^h (diverging, symmetric range)."));
    m_trail = intBox(display, 0, 200, tr("Trail length in decimated samples per token (0: no trails)."));
    m_pointSize = realBox(display, 2, 40, 1, 1, tr("Token size in pixels at 1080 pixels of view height."));
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

    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #f0a030; font-weight: bold;"));
    m_error->setVisible(false);
    layout->addWidget(m_error);
    layout->addStretch();

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(250);
    connect(&m_debounce, &QTimer::timeout, this, [this] { emit edited(m_pending); });

    for (QSpinBox* b : {m_n, m_d, m_H, m_seed, m_clusters})
        connect(b, &QSpinBox::valueChanged, this, &ParameterPanel::collect);
    for (QDoubleSpinBox* b : {m_beta, m_dt, m_eps, m_rho})
        connect(b, &QDoubleSpinBox::valueChanged, this, &ParameterPanel::collect);
    for (QComboBox* b : {m_kernel, m_geometry, m_integrator, m_heads, m_value, m_init})
        connect(b, &QComboBox::currentIndexChanged, this, &ParameterPanel::collect);
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
    m_speed->setValue(2.0);
    m_loading = false;
    setStyle(SceneStyle());
}

void ParameterPanel::setStyle(const SceneStyle& style) {
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
    m_style.colour = comboValue<ColourMode>(m_colour);
    m_style.trailLength = m_trail->value();
    m_style.pointSize = m_pointSize->value();
    m_style.showShell = m_shell->isChecked();
    m_style.showGrid = m_grid->isChecked();
    emit styleChanged(m_style);
}

void ParameterPanel::setScenario(const core::Scenario& s) {
    m_loading = true;
    m_scenario = s;
    m_pending = s;
    m_n->setValue(s.n);
    m_d->setValue(s.d);
    m_beta->setValue(s.beta);
    setCombo(m_kernel, s.kernel);
    setCombo(m_geometry, s.geometry);
    setCombo(m_integrator, s.integrator);
    m_dt->setValue(s.dt);
    m_seed->setValue(static_cast<int>(std::min<std::uint64_t>(s.seed, std::numeric_limits<int>::max())));
    setCombo(m_init, s.init.kind);
    m_rho->setValue(s.init.rho);
    m_clusters->setValue(s.init.clusters);
    m_H->setValue(s.heads.count);
    setCombo(m_heads, s.heads.kind);
    m_eps->setValue(s.heads.eps);
    setCombo(m_value, s.heads.value);
    m_rho->setEnabled(s.init.kind == core::InitKind::Equiangular);
    m_clusters->setEnabled(s.init.kind == core::InitKind::Clusters);
    m_eps->setEnabled(s.heads.kind == core::HeadsKind::ApproxOrthogonalBlocks);
    rebuildHeadTable();
    m_loading = false;
    showError(QString());
}

void ParameterPanel::rebuildHeadTable() {
    const bool wasLoading = m_loading;
    m_loading = true;
    const int H = m_pending.heads.count;
    m_headTable->setRowCount(H);
    for (int h = 0; h < H; ++h) {
        auto* name = new QTableWidgetItem(tr("head %1").arg(h + 1));
        name->setForeground(headColour(h));
        name->setFlags(Qt::ItemIsEnabled);
        m_headTable->setItem(h, 0, name);
        const auto uh = static_cast<std::size_t>(h);
        auto* alpha = realBox(m_headTable, 0, 100, 3, 0.1, tr("α_%1: strength of head %1.").arg(h + 1));
        alpha->setValue(uh < m_pending.heads.alpha.size() ? m_pending.heads.alpha[uh] : 1.0);
        auto* scale =
            realBox(m_headTable, 0, 100, 3, 0.1, tr("a_%1: scale of the generated M_%1.").arg(h + 1));
        const auto& sc = m_pending.heads.scale;
        scale->setValue(sc.empty() ? 1.0 : (uh < sc.size() ? sc[uh] : sc.back()));
        auto* edit = new QPushButton(tr("edit…"), m_headTable);
        edit->setToolTip(
            tr("Edit M_%1 entry by entry; shows its eigenvalues, mean and variance.").arg(h + 1));
        m_headTable->setCellWidget(h, 1, alpha);
        m_headTable->setCellWidget(h, 2, scale);
        m_headTable->setCellWidget(h, 3, edit);
        connect(alpha, &QDoubleSpinBox::valueChanged, this, &ParameterPanel::collect);
        connect(scale, &QDoubleSpinBox::valueChanged, this, &ParameterPanel::collect);
        connect(edit, &QPushButton::clicked, this, [this, h] { editMatrix(h); });
    }
    m_loading = wasLoading;
}

void ParameterPanel::collect() {
    if (m_loading) return;
    core::Scenario s = m_pending;
    s.n = m_n->value();
    s.d = m_d->value();
    s.beta = m_beta->value();
    s.kernel = comboValue<core::KernelKind>(m_kernel);
    s.geometry = comboValue<core::Geometry>(m_geometry);
    s.integrator = comboValue<core::IntegratorKind>(m_integrator);
    s.dt = m_dt->value();
    s.seed = static_cast<std::uint64_t>(m_seed->value());
    s.init.kind = comboValue<core::InitKind>(m_init);
    s.init.rho = m_rho->value();
    s.init.clusters = m_clusters->value();
    s.heads.kind = comboValue<core::HeadsKind>(m_heads);
    s.heads.eps = m_eps->value();
    s.heads.value = comboValue<core::ValueKind>(m_value);
    const int previousH = s.heads.count;
    s.heads.count = m_H->value();
    std::vector<double> alpha, scale;
    for (int h = 0; h < s.heads.count; ++h) {
        const bool row = h < previousH && h < m_headTable->rowCount();
        auto* a = row ? qobject_cast<QDoubleSpinBox*>(m_headTable->cellWidget(h, 1)) : nullptr;
        auto* c = row ? qobject_cast<QDoubleSpinBox*>(m_headTable->cellWidget(h, 2)) : nullptr;
        alpha.push_back(a ? a->value() : 1.0);
        scale.push_back(c ? c->value() : (scale.empty() ? 1.0 : scale.back()));
    }
    s.heads.alpha = alpha;
    s.heads.scale = scale;
    if (s.heads.beta.size() != static_cast<std::size_t>(s.heads.count)) s.heads.beta.clear();
    if (s.heads.kind != core::HeadsKind::Explicit) s.heads.explicitM.clear();
    if (s.heads.value != core::ValueKind::Explicit) s.heads.explicitV.clear();
    m_rho->setEnabled(s.init.kind == core::InitKind::Equiangular);
    m_clusters->setEnabled(s.init.kind == core::InitKind::Clusters);
    m_eps->setEnabled(s.heads.kind == core::HeadsKind::ApproxOrthogonalBlocks);
    m_pending = s;
    if (s.heads.count != previousH) rebuildHeadTable();
    try {
        s.validate();
    } catch (const std::exception& e) {
        // Refused in place: nothing is sent until the combination is valid.
        m_debounce.stop();
        showError(tr("Not applied: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    showError(QString());
    m_debounce.start();
}

void ParameterPanel::editMatrix(int head) {
    core::Model model;
    try {
        model = m_pending.buildModel();
    } catch (const std::exception& e) {
        showError(tr("Cannot build the current heads: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    if (head >= model.headCount()) return;
    MatrixEditorDialog dialog(model.heads[static_cast<std::size_t>(head)].M, head, this);
    if (dialog.exec() != QDialog::Accepted) return;
    // Switch to explicit matrices: the generated ones for every head, the edited one for this head.
    core::Scenario s = m_pending;
    s.heads.explicitM.clear();
    s.heads.explicitV.clear();
    for (int h = 0; h < model.headCount(); ++h) {
        const auto& hd = model.heads[static_cast<std::size_t>(h)];
        s.heads.explicitM.push_back(h == head ? dialog.matrix() : hd.M);
        s.heads.explicitV.push_back(hd.V);
    }
    if (s.heads.value == core::ValueKind::Identity || s.heads.value == core::ValueKind::Explicit)
        s.heads.value = core::ValueKind::Explicit;
    else
        s.heads.explicitV.clear();
    s.heads.kind = core::HeadsKind::Explicit;
    s.heads.scale = {1.0};
    m_loading = true;
    setCombo(m_heads, s.heads.kind);
    setCombo(m_value, s.heads.value);
    m_loading = false;
    m_pending = s;
    try {
        s.validate();
    } catch (const std::exception& e) {
        showError(tr("Not applied: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    showError(QString());
    rebuildHeadTable();
    emit edited(s);
}

void ParameterPanel::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

}  // namespace attnsphere::ui
