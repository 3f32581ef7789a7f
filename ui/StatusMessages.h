#pragma once
// A window's temporary status messages, elided ("…") to the room left of its permanent fields so that a
// long message is never cut mid-word under them, and elided again whenever that room changes (the window
// or the fields resize, presentation mode scales the font), for the time the message has left. The full
// text is the status bar's tooltip. GUI thread only.
#include <QDeadlineTimer>
#include <QObject>
#include <QString>

class QStatusBar;
class QWidget;

namespace attnsphere::ui {

class StatusMessages : public QObject {
    Q_OBJECT
public:
    // `firstField`: the leftmost permanent widget of `bar` (the message ends before it). Owned by `bar`.
    StatusMessages(QStatusBar* bar, QWidget* firstField);
    // timeoutMs <= 0: until the next message.
    void show(const QString& message, int timeoutMs = 0);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void place();

    QStatusBar* m_bar;
    QWidget* m_field;
    QString m_message, m_shown;  // in full, and as shown (elided)
    QDeadlineTimer m_deadline;
};

}  // namespace attnsphere::ui
