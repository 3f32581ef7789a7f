#include "ui/StatusMessages.h"

#include <QEvent>
#include <QFontMetrics>
#include <QStatusBar>

#include <algorithm>

namespace attnsphere::ui {

StatusMessages::StatusMessages(QStatusBar* bar, QWidget* firstField)
    : QObject(bar), m_bar(bar), m_field(firstField) {
    m_bar->installEventFilter(this);
    m_field->installEventFilter(this);
}

void StatusMessages::show(const QString& message, int timeoutMs) {
    m_message = message;
    m_shown.clear();
    m_deadline = timeoutMs > 0 ? QDeadlineTimer(timeoutMs) : QDeadlineTimer(QDeadlineTimer::Forever);
    m_bar->setToolTip(message);
    m_bar->clearMessage();
    place();
}

bool StatusMessages::eventFilter(QObject* watched, QEvent* event) {
    const QEvent::Type type = event->type();
    if ((watched == m_field && (type == QEvent::Move || type == QEvent::Show || type == QEvent::Hide)) ||
        (watched == m_bar && (type == QEvent::Resize || type == QEvent::FontChange)))
        place();
    return QObject::eventFilter(watched, event);
}

void StatusMessages::place() {
    if (m_message.isEmpty()) return;
    const bool noEnd = m_deadline.isForever();
    const qint64 left = noEnd ? 0 : m_deadline.remainingTime();
    if (!noEnd && left <= 0) {
        m_message.clear();
        return;
    }
    // A menu's status tip showing now is left alone.
    const QString current = m_bar->currentMessage();
    if (!current.isEmpty() && current != m_shown) return;
    // QStatusBar draws the message from x = 6 up to 2 px before the first visible permanent field.
    const int room = (m_field->isVisible() ? m_field->x() - 2 : m_bar->width() - 12) - 6;
    const QString shown = m_bar->fontMetrics().elidedText(m_message, Qt::ElideRight, std::max(room, 40));
    if (shown == current) return;
    m_shown = shown;
    m_bar->showMessage(shown, static_cast<int>(left));
}

}  // namespace attnsphere::ui
