#include "render/Theme.h"

#include "render/DisplayStyle.h"

#include <QApplication>
#include <QFont>
#include <QPalette>
#include <QStyleFactory>

namespace attnsphere::render {

void applyTheme(QApplication& app) {
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    const ThemeColours& c = themeColours(displayStyle().theme);
    QPalette p;
    p.setColor(QPalette::Window, c.window);
    p.setColor(QPalette::WindowText, c.text);
    p.setColor(QPalette::Base, c.base);
    p.setColor(QPalette::AlternateBase, c.window);
    p.setColor(QPalette::ToolTipBase, c.button);
    p.setColor(QPalette::ToolTipText, c.text);
    p.setColor(QPalette::Text, c.text);
    p.setColor(QPalette::Button, c.button);
    p.setColor(QPalette::ButtonText, c.text);
    p.setColor(QPalette::BrightText, c.brightText);
    p.setColor(QPalette::Highlight, c.accent);
    p.setColor(QPalette::HighlightedText, c.highlightedText);
    p.setColor(QPalette::Link, c.accent);
    p.setColor(QPalette::PlaceholderText, c.placeholder);
    p.setColor(QPalette::Disabled, QPalette::Text, c.disabledText);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, c.disabledText);
    p.setColor(QPalette::Disabled, QPalette::WindowText, c.disabledText);
    app.setPalette(p);
    QFont font = app.font();
    font.setPointSizeF(10.5);
    app.setFont(font);
    // Dock titles name the panels: they scale with the display.
    app.setStyleSheet(QStringLiteral("QDockWidget { font-size: %3pt; }"
                                     "QDockWidget::title { background: %1; padding: 4px; font-weight: bold; }"
                                     "QGroupBox { font-weight: bold; margin-top: 1.2em; }"
                                     "QGroupBox::title { subcontrol-origin: margin; left: 6px; }"
                                     "QToolTip { border: 1px solid %2; padding: 4px; }")
                          .arg(c.dockTitle.name(), c.accent.name())
                          .arg(displayStyle().fontPoints(font.pointSizeF())));
}

}  // namespace attnsphere::render
