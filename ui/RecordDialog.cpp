#include "ui/RecordDialog.h"

#include "core/Errors.h"
#include "render/PanelRegistry.h"
#include "render/VideoEncoder.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace attnsphere::ui {

RecordDialog::RecordDialog(QWidget* parent, bool screenshot, const render::RecordSettings& initial)
    : QDialog(parent), m_screenshot(screenshot) {
    setWindowTitle(screenshot ? tr("Screenshot of the 3D view") : tr("Record video"));
    auto* form = new QFormLayout(this);

    auto* pathRow = new QHBoxLayout;
    m_path = new QLineEdit(initial.path, this);
    m_path->setToolTip(screenshot ? tr("PNG file")
                                  : tr(".mp4, .webm, .gif, or a directory for a PNG sequence"));
    auto* browseButton = new QPushButton(tr("Browse…"), this);
    connect(browseButton, &QPushButton::clicked, this, &RecordDialog::browse);
    pathRow->addWidget(m_path);
    pathRow->addWidget(browseButton);
    form->addRow(tr("File"), pathRow);

    if (!screenshot) {
        m_format = new QComboBox(this);
        m_format->addItem(tr("MP4 (H.264, plays everywhere)"), QStringLiteral("mp4"));
        m_format->addItem(tr("WebM (VP9, alpha possible)"), QStringLiteral("webm"));
        m_format->addItem(tr("GIF"), QStringLiteral("gif"));
        m_format->addItem(tr("PNG sequence (directory)"), QString());
        const QString suffix = QFileInfo(initial.path).suffix().toLower();
        const int index = m_format->findData(suffix);
        m_format->setCurrentIndex(index >= 0 ? index : 0);
        connect(m_format, &QComboBox::currentIndexChanged, this, &RecordDialog::formatChanged);
        form->addRow(tr("Format"), m_format);
    }

    auto* sizeRow = new QHBoxLayout;
    m_width = new QSpinBox(this);
    m_height = new QSpinBox(this);
    m_width->setRange(16, render::VideoEncoder::kMaxWidth);
    m_height->setRange(16, render::VideoEncoder::kMaxHeight);
    m_width->setValue(initial.size.width());
    m_height->setValue(initial.size.height());
    auto* presets = new QComboBox(this);
    presets->setObjectName(QStringLiteral("sizePreset"));
    for (const QSize& s :
         {QSize(1280, 720), QSize(1920, 1080), QSize(3840, 2160), QSize(1080, 1080), QSize(640, 480)})
        presets->addItem(QStringLiteral("%1×%2").arg(s.width()).arg(s.height()), s);
    presets->addItem(tr("custom"), QSize());
    connect(presets, &QComboBox::activated, this, [this, presets](int i) {
        const QSize s = presets->itemData(i).toSize();
        if (!s.isValid()) return;
        m_width->setValue(s.width());
        m_height->setValue(s.height());
    });
    // The preset box names the size in the fields (or "custom"), never a different one.
    auto showPreset = [this, presets] {
        const int k = presets->findData(QSize(m_width->value(), m_height->value()));
        presets->setCurrentIndex(k >= 0 ? k : presets->count() - 1);
    };
    connect(m_width, &QSpinBox::valueChanged, this, showPreset);
    connect(m_height, &QSpinBox::valueChanged, this, showPreset);
    showPreset();
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), this));
    sizeRow->addWidget(m_height);
    sizeRow->addWidget(presets);
    form->addRow(tr("Size (pixels)"), sizeRow);

    if (!screenshot) {
        m_fps = new QSpinBox(this);
        m_fps->setRange(1, 240);
        m_fps->setValue(static_cast<int>(initial.fps));
        form->addRow(tr("Frames per second"), m_fps);
        m_steps = new QSpinBox(this);
        m_steps->setRange(1, 100000);
        m_steps->setValue(initial.stepsPerFrame);
        m_steps->setToolTip(
            tr("Integrator steps per video frame: video time follows simulated time, never "
               "wall-clock time (lockstep)."));
        form->addRow(tr("Steps per frame"), m_steps);
        m_crf = new QSpinBox(this);
        m_crf->setRange(0, 63);
        m_crf->setValue(initial.crf < 0 ? 20 : initial.crf);
        m_crf->setToolTip(
            tr("Constant rate factor: lower is better quality and larger. H.264 0–51, VP9 0–63."));
        form->addRow(tr("Quality (CRF)"), m_crf);
        // t is always burned in (video time follows simulated time); the box adds the model's numbers.
        m_timeOverlay = new QCheckBox(tr("β, n, d, H, kernel beside t"), this);
        m_timeOverlay->setToolTip(
            tr("The simulated time t is always burned in; check to add β, n, d, H and the kernel."));
        m_timeOverlay->setChecked(initial.overlays.size() > 1);
        form->addRow(tr("Overlay"), m_timeOverlay);
        auto* panels = new QVBoxLayout;
        for (const render::PanelInfo& info : render::panelRegistry()) {
            auto* box = new QCheckBox(info.title, this);
            box->setObjectName(QStringLiteral("panel.") + info.id);
            box->setChecked(initial.panels.contains(info.id));
            box->setToolTip(tr("Draw the %1 panel beside the view, as its dock shows it.").arg(info.title));
            panels->addWidget(box);
            m_panels.push_back(box);
        }
        form->addRow(tr("Panels"), panels);
    }
    m_transparent = new QCheckBox(tr("Transparent background"), this);
    m_transparent->setChecked(initial.transparent);
    m_transparent->setToolTip(tr("Alpha channel: PNG, PNG sequence or WebM only."));
    form->addRow(QString(), m_transparent);

    m_error = new QLabel(this);
    m_error->setStyleSheet(QStringLiteral("color: #e06060"));
    m_error->setWordWrap(true);
    form->addRow(m_error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(screenshot ? tr("Save") : tr("Record"));
    connect(buttons, &QDialogButtonBox::accepted, this, &RecordDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

void RecordDialog::browse() {
    QString path;
    if (m_screenshot) {
        path = QFileDialog::getSaveFileName(this, tr("Screenshot"), m_path->text(),
                                            QStringLiteral("PNG (*.png)"));
    } else if (m_format->currentData().toString().isEmpty()) {
        path = QFileDialog::getExistingDirectory(this, tr("Directory for the PNG sequence"), m_path->text());
    } else {
        const QString ext = m_format->currentData().toString();
        path = QFileDialog::getSaveFileName(this, tr("Video file"), m_path->text(),
                                            QStringLiteral("*.%1").arg(ext));
    }
    if (!path.isEmpty()) m_path->setText(path);
}

void RecordDialog::formatChanged() {
    const QString ext = m_format->currentData().toString();
    QFileInfo info(m_path->text());
    const QString base = info.path() + QLatin1Char('/') + info.completeBaseName();
    m_path->setText(ext.isEmpty() ? base : base + QLatin1Char('.') + ext);
    m_crf->setEnabled(ext == QLatin1String("mp4") || ext == QLatin1String("webm"));
}

render::RecordSettings RecordDialog::settings() const {
    render::RecordSettings s;
    s.path = m_path->text();
    s.size = QSize(m_width->value(), m_height->value());
    s.transparent = m_transparent->isChecked();
    if (!m_screenshot) {
        s.fps = m_fps->value();
        s.stepsPerFrame = m_steps->value();
        const QString ext = m_format->currentData().toString();
        s.crf = (ext == QLatin1String("mp4") || ext == QLatin1String("webm")) ? m_crf->value() : -1;
        s.overlays =
            m_timeOverlay->isChecked() ? QStringList{"t", "beta", "n", "d", "H", "kernel"} : QStringList{"t"};
        for (std::size_t k = 0; k < m_panels.size(); ++k)
            if (m_panels[k]->isChecked()) s.panels << render::panelRegistry()[k].id;
    }
    return s;
}

void RecordDialog::accept() {
    const render::RecordSettings s = settings();
    try {
        if (s.path.isEmpty()) throw core::ValidationError("File", "choose where to save");
        if (m_screenshot) {
            if (s.size.width() > render::VideoEncoder::kMaxWidth ||
                s.size.height() > render::VideoEncoder::kMaxHeight)
                throw core::ValidationError("Size", "at most 3840×2160");
        } else {
            render::VideoEncoder::validate(
                {s.path, s.size.width(), s.size.height(), s.fps, s.transparent, s.crf});
        }
    } catch (const core::ValidationError& e) {
        m_error->setText(QString::fromStdString(e.what()));
        return;
    }
    QDialog::accept();
}

}  // namespace attnsphere::ui
