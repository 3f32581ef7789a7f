#include "render/Theme.h"

#include <QApplication>
#include <QFont>
#include <QPalette>
#include <QStyleFactory>

namespace attnsphere::render {

void applyTheme(QApplication& app) {
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    const QColor window(32, 35, 43), base(24, 27, 34), text(225, 228, 235), accent(86, 180, 233);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, QColor(45, 49, 60));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(45, 49, 60));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 120, 80));
    p.setColor(QPalette::Highlight, accent);
    p.setColor(QPalette::HighlightedText, QColor(10, 10, 10));
    p.setColor(QPalette::Link, accent);
    p.setColor(QPalette::PlaceholderText, QColor(140, 145, 155));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 124, 134));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 124, 134));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(120, 124, 134));
    app.setPalette(p);
    QFont font = app.font();
    font.setPointSizeF(10.5);
    app.setFont(font);
    app.setStyleSheet(
        QStringLiteral("QDockWidget::title { background: #2a2e38; padding: 4px; font-weight: bold; }"
                       "QGroupBox { font-weight: bold; margin-top: 1.2em; }"
                       "QGroupBox::title { subcontrol-origin: margin; left: 6px; }"
                       "QToolTip { border: 1px solid #56b4e9; padding: 4px; }"));
}

}  // namespace attnsphere::render
