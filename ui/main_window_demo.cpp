// The main window's "Run the Demo" pipeline (see main_window.h): the demo tokenizer and data as a job, the
// demo pretraining run on the Runs page with its live charts, SFT of its model on the demo conversations, and
// the Chat page with that checkpoint loaded.
#include <QMessageBox>
#include <QStatusBar>
#include <QTimer>
#include <memory>

#include "core/checkpoint/model_init.h"
#include "core/demo/demo.h"
#include "core/run/job.h"
#include "ui/chat/chat_page.h"
#include "ui/common/job_runner.h"
#include "ui/common/workspace_session.h"
#include "ui/main_window.h"
#include "ui/runs/runs_page.h"

namespace danka::ui {

void MainWindow::runDemo(int steps, int sftSteps)
{
    if (!workspace()) {
        QMessageBox::information(this, tr("Run the Demo"), tr("Open a workspace first (File > Open Workspace)."));
        return;
    }
    if (m_demoRunner->isRunning() || m_runsPage->trainingRunId()) {
        statusBar()->showMessage(tr("The demo needs the training slot: a job is already running."), 10000);
        return;
    }
    const core::Workspace ws = *workspace();
    auto config = std::make_shared<core::RunConfig>(core::demoRunConfig(steps));
    auto tokenizerDir = std::make_shared<std::string>();
    auto datasets = std::make_shared<core::DemoDatasets>();
    const int vocab = static_cast<int>(config->model.vocabSize);
    m_demoAction->setEnabled(false);
    showPage(RunsPageIndex);
    // 1. Tokenizer and pretraining data; 2. pretraining; 3. SFT data; 4. SFT; 5. the SFT model in the Chat page.
    runDemoJob(
        tr("Demo data"),
        [ws, vocab, tokenizerDir, datasets](core::JobContext &job) {
        *tokenizerDir = core::ensureDemoTokenizer(ws, vocab, job);
        *datasets = core::prepareDemoDatasets(ws, *tokenizerDir, job);
        },
        [this, ws, config, datasets, tokenizerDir, sftSteps] {
        core::useDemoDatasets(*config, *datasets);
        m_session->refresh();  // the new datasets and tokenizer, on every page
        if (!m_runsPage->startRun(*config)) return;
        const std::optional<int64_t> pretraining = m_runsPage->trainingRunId();
        if (!pretraining) return;
        m_demoAction->setEnabled(false);
        afterDemoRun(*pretraining, [this, ws, tokenizerDir, sftSteps](const std::string &checkpoint) {
            auto sft = std::make_shared<core::DemoDatasets>();
            runDemoJob(
                tr("Demo conversations"),
                [ws, tokenizerDir, sft](core::JobContext &job) {
                *sft = core::prepareDemoSftDatasets(ws, *tokenizerDir, job);
                },
                [this, checkpoint, sft, sftSteps] {
                m_session->refresh();
                if (!m_runsPage->startRun(core::demoSftConfig(checkpoint, *sft, sftSteps))) return;
                const std::optional<int64_t> run = m_runsPage->trainingRunId();
                if (!run) return;
                m_demoAction->setEnabled(false);
                afterDemoRun(*run, [this](const std::string &sftCheckpoint) {
                    finishDemoInChat(QString::fromStdString(sftCheckpoint));
                });
            });
        });
    });
}

void MainWindow::finishDemoInChat(const QString &checkpoint)
{
    // The demo ends where README says: in Chat, its SFT model loaded, and the status bar says when it is ready.
    showPage(ChatPageIndex);
    statusBar()->showMessage(tr("The demo is done: loading its model in Chat..."));
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_chatPage, &ChatPage::stateChanged, this,
                          [this, checkpoint, connection](ChatPage::State state) {
        if (state == ChatPage::State::Loading || state == ChatPage::State::Generating) return;
        disconnect(*connection);
        if (state == ChatPage::State::Ready && m_chatPage->loadedCheckpoint() == checkpoint) {
            QStringList questions;
            for (const std::string &q : core::demoChatQuestions()) questions << QString::fromStdString(q);
            const QString ready = tr("The demo's model is ready: ask it %1").arg(questions.join(tr(" or ")));
            // After the load job's own "done" in the status bar (reported right after this signal).
            QTimer::singleShot(0, this, [this, ready] { statusBar()->showMessage(ready, 60000); });
        } else {
            statusBar()->clearMessage();  // the Chat page shows why it did not load
        }
    });
    m_chatPage->openCheckpoint(checkpoint);
}

void MainWindow::runDemoJob(const QString &title, std::function<void(core::JobContext &)> work,
                            std::function<void()> then)
{
    m_demoAction->setEnabled(false);
    m_demoRunner->start(title, std::move(work));
    // One-shot: the connection is dropped once the job finished.
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_demoRunner, &JobRunner::finished, this,
                          [this, then = std::move(then), connection](int state, const QString &error) {
        disconnect(*connection);
        m_demoAction->setEnabled(true);
        if (state == int(core::JobState::Completed))
            then();
        else if (state == int(core::JobState::Failed))
            QMessageBox::warning(this, tr("Run the Demo"), error);
    });
}

void MainWindow::afterDemoRun(int64_t runId, std::function<void(const std::string &)> then)
{
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection =
        connect(m_runsPage, &RunsPage::trainingFinished, this,
                [this, runId, then = std::move(then), connection](int64_t finished, int state, const QString &) {
        if (finished != runId) return;
        disconnect(*connection);
        m_demoAction->setEnabled(true);
        if (state != int(core::JobState::Completed) || !workspace()) return;
        m_session->refresh();  // the run's last checkpoint is in the store now
        const auto &checkpoints = m_session->checkpoints(runId);
        if (!checkpoints.empty())
            then(checkpoints.back().path);
        else if (!m_session->lastError().isEmpty())
            statusBar()->showMessage(m_session->lastError(), 15000);
        });
}

}  // namespace danka::ui
