// Preferences: interface language, theme and the training thread count, kept in QSettings. The theme
// applies at once; the language the next time Danka starts (the dialog offers to restart now).
#pragma once

#include <QDialog>

class QComboBox;
class QSpinBox;

namespace danka::ui {

namespace settings {
// QSettings keys.
inline constexpr const char *kLanguage = "ui/language";  // "" = the system's, "en", "zh_CN"
inline constexpr const char *kTheme = "ui/theme";        // "system", "light", "dark"
inline constexpr const char *kThreads = "compute/threads";  // 0 = all cores
}  // namespace settings

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget *parent = nullptr);

    // Stores the choices and applies the theme. Returns true when the language changed (restart needed).
    bool save();
    QComboBox *languageBox() const { return m_language; }
    QComboBox *themeBox() const { return m_theme; }

Q_SIGNALS:
    void restartRequested();

private:
    QComboBox *m_language;
    QComboBox *m_theme;
    QSpinBox *m_threads;
};

}  // namespace danka::ui
