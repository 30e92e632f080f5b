// Light and dark palettes. "system" keeps the palette the platform gave the application at start-up (a dark
// desktop gives a dark one); "light" and "dark" use the Fusion style with Danka's palettes.
#pragma once

#include <QString>

namespace danka::ui {

// Applies "system", "light" or "dark" (anything else: system). Returns the theme applied.
QString applyTheme(const QString &theme);
// Whether the application's current palette is dark (window background darker than its text).
bool isDarkPalette();

}  // namespace danka::ui
