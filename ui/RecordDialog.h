#pragma once
// Dialogs for recording a video of the live run (size, fps, steps per frame, format, quality, overlays,
// the registry's panels beside the view, transparency) and for a 3D-view screenshot at any resolution.
// GUI thread only.
#include "render/Recorder.h"

#include <QDialog>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace attnsphere::ui {

class RecordDialog : public QDialog {
    Q_OBJECT
public:
    // screenshot = true: only path, size and transparency (a PNG of the 3D view).
    RecordDialog(QWidget* parent, bool screenshot, const render::RecordSettings& initial);
    render::RecordSettings settings() const;

private:
    void browse();
    void formatChanged();
    void accept() override;  // refuses invalid settings in place, naming the field and range

    bool m_screenshot;
    QLineEdit* m_path;
    QComboBox* m_format = nullptr;
    QSpinBox *m_width, *m_height;
    QSpinBox* m_fps = nullptr;
    QSpinBox* m_steps = nullptr;
    QSpinBox* m_crf = nullptr;
    QCheckBox* m_transparent;
    QCheckBox* m_timeOverlay = nullptr;
    std::vector<QCheckBox*> m_panels;  // one per panel registry entry, in its order
    QLabel* m_error;
};

}  // namespace attnsphere::ui
