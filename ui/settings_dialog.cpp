// Preferences dialog (see settings_dialog.h).
#include "ui/settings_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include "ui/theme.h"

namespace danka::ui {

SettingsDialog::SettingsDialog(QWidget *parent)
    : QDialog(parent), m_language(new QComboBox(this)), m_theme(new QComboBox(this)), m_threads(new QSpinBox(this))
{
    setWindowTitle(tr("Preferences"));
    const QSettings s;
    m_language->addItem(tr("System default"), QString());
    m_language->addItem(QStringLiteral("English"), QStringLiteral("en"));
    m_language->addItem(QStringLiteral("简体中文"), QStringLiteral("zh_CN"));
    m_language->setCurrentIndex(std::max(0, m_language->findData(s.value(QLatin1String(settings::kLanguage)).toString())));

    m_theme->addItem(tr("Follow the system"), QStringLiteral("system"));
    m_theme->addItem(tr("Light"), QStringLiteral("light"));
    m_theme->addItem(tr("Dark"), QStringLiteral("dark"));
    m_theme->setCurrentIndex(
        std::max(0, m_theme->findData(s.value(QLatin1String(settings::kTheme), QStringLiteral("system")).toString())));

    m_threads->setRange(0, 1024);
    m_threads->setSpecialValueText(tr("All cores (%1)").arg(QThread::idealThreadCount()));
    m_threads->setValue(s.value(QLatin1String(settings::kThreads), 0).toInt());

    auto *form = new QFormLayout;
    form->addRow(tr("&Language:"), m_language);
    form->addRow(tr("&Theme:"), m_theme);
    form->addRow(tr("Compute &threads:"), m_threads);
    auto *note = new QLabel(tr("The language and the thread count apply the next time Danka starts."), this);
    note->setWordWrap(true);
    note->setEnabled(false);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        const bool restart = save();
        accept();
        if (!restart) return;
        QMessageBox ask(QMessageBox::Question, tr("Preferences"),
                        tr("The new language applies when Danka restarts. Restart now?"), QMessageBox::NoButton,
                        parentWidget());
        ask.setInformativeText(tr("The open workspace and page, the config on the Configure page (saved or not), "
                                  "the Chat checkpoint and the Compare selection come back after the restart."));
        QPushButton *now = ask.addButton(tr("Restart Now"), QMessageBox::AcceptRole);
        ask.addButton(tr("Later"), QMessageBox::RejectRole);
        ask.setDefaultButton(now);
        ask.exec();
        if (ask.clickedButton() == now) Q_EMIT restartRequested();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
}

bool SettingsDialog::save()
{
    QSettings s;
    const QString oldLanguage = s.value(QLatin1String(settings::kLanguage)).toString();
    const QString language = m_language->currentData().toString();
    s.setValue(QLatin1String(settings::kLanguage), language);
    s.setValue(QLatin1String(settings::kTheme), applyTheme(m_theme->currentData().toString()));
    s.setValue(QLatin1String(settings::kThreads), m_threads->value());
    return language != oldLanguage;
}

}  // namespace danka::ui
