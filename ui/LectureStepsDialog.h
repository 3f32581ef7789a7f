#pragma once
// Lecture → Steps…: the lecture's steps as a list, for preparing a lecture (not shown full screen):
// move a step up or down, edit its caption's title (double-click), delete it, go to it. Non-modal; it
// follows the LectureController's changes. GUI thread only.
#include <QDialog>

class QListWidget;

namespace attnsphere::ui {

class LectureController;

class LectureStepsDialog : public QDialog {
    Q_OBJECT
public:
    LectureStepsDialog(LectureController* lecture, QWidget* parent);
    QListWidget* list() const { return m_list; }

private:
    void refill();
    int selected() const;

    LectureController* m_lecture;
    QListWidget* m_list;
    bool m_filling = false;
};

}  // namespace attnsphere::ui
