#include "ui/LectureStepsDialog.h"

#include "ui/LectureController.h"

#include <QHBoxLayout>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace attnsphere::ui {

LectureStepsDialog::LectureStepsDialog(LectureController* lecture, QWidget* parent)
    : QDialog(parent), m_lecture(lecture), m_list(new QListWidget(this)) {
    setWindowTitle(tr("Lecture steps"));
    setModal(false);
    m_list->setToolTip(tr("Double-click a step to edit its caption's title."));
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(m_list, 1);
    auto* buttons = new QVBoxLayout;
    layout->addLayout(buttons);
    auto button = [&](const QString& text, auto slot) {
        auto* b = new QPushButton(text, this);
        connect(b, &QPushButton::clicked, this, slot);
        buttons->addWidget(b);
    };
    button(tr("Up"), [this] {
        const int k = selected();
        if (k > 0) m_lecture->moveStep(k, k - 1);
        m_list->setCurrentRow(k - 1);
    });
    button(tr("Down"), [this] {
        const int k = selected();
        if (k >= 0 && k + 1 < m_lecture->stepCount()) m_lecture->moveStep(k, k + 1);
        m_list->setCurrentRow(k + 1);
    });
    button(tr("Edit caption"), [this] {
        if (QListWidgetItem* item = m_list->currentItem()) m_list->editItem(item);
    });
    button(tr("Delete"), [this] { m_lecture->removeStep(selected()); });
    button(tr("Go to"), [this] { m_lecture->goTo(selected()); });
    buttons->addStretch(1);
    button(tr("Close"), [this] { close(); });
    connect(m_list, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (!m_filling) m_lecture->setStepTitle(m_list->row(item), item->text());
    });
    connect(lecture, &LectureController::stepsChanged, this, &LectureStepsDialog::refill);
    connect(lecture, &LectureController::stepEntered, this, &LectureStepsDialog::refill);
    refill();
    resize(520, 420);
}

int LectureStepsDialog::selected() const {
    return m_list->currentRow();
}

void LectureStepsDialog::refill() {
    m_filling = true;
    const int row = m_list->currentRow();
    m_list->clear();
    const auto& steps = m_lecture->lecture().steps;
    for (std::size_t k = 0; k < steps.size(); ++k) {
        auto* item = new QListWidgetItem(QString::fromStdString(steps[k].caption.title), m_list);
        item->setFlags(item->flags() | Qt::ItemIsEditable);
        if (static_cast<int>(k) == m_lecture->current()) {
            QFont bold = item->font();
            bold.setBold(true);
            item->setFont(bold);
        }
    }
    m_list->setCurrentRow(std::min(row, m_list->count() - 1));
    m_filling = false;
}

}  // namespace attnsphere::ui
