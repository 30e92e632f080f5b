// Restarting the studio for a new interface language with the state of the session (see main_window.h,
// restartForNewLanguage and restoreSession): the workspace and page, the Configure page's config, Chat's
// checkpoint, conversation, system prompt and sampling, Compare's runs and metric, the selected run.
#include <QApplication>
#include <QProcess>
#include <QSettings>
#include <memory>

#include "core/store/conversations.h"
#include "ui/chat/chat_page.h"
#include "ui/compare/compare_page.h"
#include "ui/configure/config_page.h"
#include "ui/main_window.h"
#include "ui/runs/runs_page.h"

namespace danka::ui {

namespace {
const char *kSessionGroup = "restart";  // QSettings group of the state a restart carries over
}  // namespace

bool MainWindow::restartForNewLanguage()
{
    if (!m_runningJobs.isEmpty()) return false;
    QStringList args = QApplication::arguments().mid(1);
    // The new language comes from the settings: drop an explicit --lang of this session; the workspace is
    // this window's (also when it was opened from the menu), and the demo does not run again.
    for (const QString &option : {QStringLiteral("--lang"), QStringLiteral("--workspace")}) {
        const int i = args.indexOf(option);
        if (i >= 0) args.remove(i, std::min<qsizetype>(2, args.size() - i));
    }
    args.removeAll(QStringLiteral("--demo"));
    if (workspace()) args << QStringLiteral("--workspace") << QString::fromStdString(workspace()->path());

    QSettings settings;
    settings.remove(QLatin1String(kSessionGroup));
    if (workspace()) {
        settings.beginGroup(QLatin1String(kSessionGroup));
        settings.setValue(QStringLiteral("workspace"), QString::fromStdString(workspace()->path()));
        settings.setValue(QStringLiteral("page"), int(currentPage()));
        settings.setValue(QStringLiteral("config"), m_configPage->jsonText());
        const QString checkpoint = !m_chatPage->loadedAdapter().isEmpty() ? m_chatPage->loadedAdapter()
                                                                          : m_chatPage->loadedCheckpoint();
        settings.setValue(QStringLiteral("chatCheckpoint"), checkpoint);
        if (const auto id = m_chatPage->conversationId())
            settings.setValue(QStringLiteral("chatConversation"), qlonglong(*id));
        settings.setValue(QStringLiteral("chatSystemPrompt"), m_chatPage->systemPrompt());
        settings.setValue(QStringLiteral("chatSampling"),
                          QString::fromStdString(core::samplingSettingsJson(m_chatPage->samplingSettings())));
        QVariantList compared;
        for (const int64_t id : m_comparePage->checkedRuns()) compared << qlonglong(id);
        settings.setValue(QStringLiteral("compareRuns"), compared);
        settings.setValue(QStringLiteral("compareMetric"), m_comparePage->metric());
        if (const auto run = m_runsPage->selectedRunId())
            settings.setValue(QStringLiteral("selectedRun"), qlonglong(*run));
        settings.endGroup();
    }
    settings.sync();
    const Launcher launch = m_launcher ? m_launcher : [](const QString &program, const QStringList &arguments) {
        return QProcess::startDetached(program, arguments);
    };
    if (!launch(QApplication::applicationFilePath(), args)) {
        settings.remove(QLatin1String(kSessionGroup));
        return false;
    }
    close();
    return true;
}

bool MainWindow::restoreSession()
{
    QSettings settings;
    settings.beginGroup(QLatin1String(kSessionGroup));
    const QString saved = settings.value(QStringLiteral("workspace")).toString();
    if (saved.isEmpty() || !workspace() || saved != QString::fromStdString(workspace()->path())) return false;
    const int page = settings.value(QStringLiteral("page"), int(currentPage())).toInt();
    const QString config = settings.value(QStringLiteral("config")).toString();
    const QString checkpoint = settings.value(QStringLiteral("chatCheckpoint")).toString();
    const QVariant conversation = settings.value(QStringLiteral("chatConversation"));
    const QString systemPrompt = settings.value(QStringLiteral("chatSystemPrompt")).toString();
    const std::string sampling = settings.value(QStringLiteral("chatSampling")).toString().toStdString();
    QList<int64_t> compared;
    for (const QVariant &id : settings.value(QStringLiteral("compareRuns")).toList()) compared << id.toLongLong();
    const QString metric = settings.value(QStringLiteral("compareMetric")).toString();
    const QVariant selectedRun = settings.value(QStringLiteral("selectedRun"));
    settings.endGroup();
    settings.remove(QLatin1String(kSessionGroup));  // once

    if (!config.isEmpty()) m_configPage->setJsonText(config);
    if (selectedRun.isValid()) m_runsPage->selectRun(selectedRun.toLongLong());
    m_comparePage->setCheckedRuns(compared);
    if (!metric.isEmpty()) m_comparePage->setMetric(metric);
    bool reopened = false;
    if (conversation.isValid()) reopened = m_chatPage->openConversation(conversation.toLongLong());
    if (!checkpoint.isEmpty() && !reopened) m_chatPage->openCheckpoint(checkpoint);
    m_chatPage->setSystemPrompt(systemPrompt);
    // The sampling settings as they were, once the model has loaded (a tiny model's default does not win).
    auto applySampling = [this, sampling] {
        core::GenerateRequest request = m_chatPage->samplingSettings();
        core::applySamplingSettings(sampling, request);
        m_chatPage->setSamplingSettings(request);
    };
    if (m_chatPage->state() == ChatPage::State::Loading) {
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(m_chatPage, &ChatPage::stateChanged, this,
                              [connection, applySampling](ChatPage::State s) {
            if (s == ChatPage::State::Loading) return;
            disconnect(*connection);
            applySampling();
        });
    } else {
        applySampling();
    }
    showPage(static_cast<Page>(std::clamp(page, 0, PageCount - 1)));
    return true;
}

}  // namespace danka::ui
