// Screenshot tour (see screenshot_tour.h).
#include "ui/screenshot_tour.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QTabWidget>
#include <QTableView>
#include <functional>

#include "core/demo/demo.h"
#include "core/util/resources.h"
#include "core/store/experiment_store.h"
#include "ui/chat/chat_page.h"
#include "ui/compare/compare_page.h"
#include "ui/configure/config_form.h"
#include "ui/configure/config_page.h"
#include "ui/data/data_page.h"
#include "ui/main_window.h"
#include "ui/runs/runs_page.h"
#include "ui/tokenizer/tokenizer_page.h"

namespace danka::ui {

namespace {

bool settle(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) QApplication::processEvents(QEventLoop::AllEvents, 20);
    // A few more rounds so that coalesced repaints (charts) land.
    for (int i = 0; i < 10; ++i) QApplication::processEvents(QEventLoop::AllEvents, 20);
    return done();
}

QTabWidget *firstTabs(QWidget *page)
{
    return page->findChild<QTabWidget *>();
}

}  // namespace

QStringList takeScreenshots(MainWindow &window, const QString &dir, const QString &suffix, QString *error)
{
    QStringList written, problems;
    QDir().mkpath(dir);
    auto shoot = [&](const QString &name) {
        settle([] { return true; }, 0);
        const QString path = QDir(dir).filePath(name + QLatin1Char('-') + suffix + QStringLiteral(".png"));
        if (window.grab().save(path))
            written << path;
        else
            problems << QStringLiteral("could not write ") + path;
    };
    if (!window.workspace()) {
        if (error) *error = QStringLiteral("no workspace is open");
        return written;
    }
    core::ExperimentStore store(window.workspace()->databasePath());
    const std::vector<core::RunRecord> runs = store.runs();  // newest first

    // Data: the shipped SFT conversations, one rendered by role; then the statistics with the histogram.
    window.showPage(MainWindow::DataPageIndex);
    DataPage *data = window.dataPage();
    data->openFile(QString::fromStdString(core::demoFile("sft.jsonl")));
    settle([data] { return !data->isBusy(); }, 60000);
    data->selectRecord(3);
    shoot(QStringLiteral("data"));
    if (QTabWidget *tabs = firstTabs(data); tabs && tabs->count() > 1) {
        tabs->setCurrentIndex(1);
        settle([data] { return !data->isBusy(); }, 60000);
        shoot(QStringLiteral("data-statistics"));
        tabs->setCurrentIndex(0);
    }

    // Tokenizer: the demo tokenizer and a mixed Chinese / English line in the tester.
    window.showPage(MainWindow::TokenizerPageIndex);
    TokenizerPage *tok = window.tokenizerPage();
    const auto tokenizers = store.tokenizers();
    if (!tokenizers.empty()) tok->selectTokenizer(QString::fromStdString(tokenizers.front().path));
    tok->setTesterText(QStringLiteral("春眠不觉晓，处处闻啼鸟。The programmer trained a tokenizer on one card. <|im_start|>user"));
    settle([tok] { return tok->testerIsCurrent(); }, 30000);
    shoot(QStringLiteral("tokenizer"));

    // Configure: the minimind-sized preset against the 24 GB budget.
    window.showPage(MainWindow::ConfigurePageIndex);
    window.configPage()->loadPreset(QStringLiteral("minimind-26m"));
    // On the demo's pretraining data (offered by name), so the config shown could start.
    if (auto *datasets = qobject_cast<QComboBox *>(window.configPage()->fieldEditor(QStringLiteral("data.dataset"))))
        datasets->setCurrentIndex(datasets->findText(QStringLiteral("demo-pretrain")));
    shoot(QStringLiteral("configure"));
    // Then LoRA on the demo conversations from the demo's pretrained model: the stage tab.
    std::string pretrained, fineTuned;
    for (const auto &r : runs)  // newest first: the oldest of each stage wins
        for (const auto &c : store.checkpoints(r.id)) (r.stage == "sft" ? fineTuned : pretrained) = c.path;
    if (!pretrained.empty()) {
        core::DemoDatasets sft;
        sft.train.dir = window.workspace()->datasetsDir() + "/demo-sft";
        sft.val.dir = window.workspace()->datasetsDir() + "/demo-sft-val";
        core::RunConfig lora = core::demoSftConfig(pretrained, sft);
        lora.name = "demo-lora";
        lora.stage.lora.enabled = true;
        lora.stage.lora.targetModules = "q_proj,k_proj,v_proj,o_proj";
        window.configPage()->setConfig(lora);
        if (QTabWidget *tabs = window.configPage()->findChild<ConfigForm *>()->tabs()) {
            for (int i = 0; i < tabs->count(); ++i)
                if (tabs->tabText(i) == ConfigForm::tr("Stage")) tabs->setCurrentIndex(i);
            shoot(QStringLiteral("configure-lora"));
            tabs->setCurrentIndex(0);
        }
    }

    // Runs: the first demo run's charts and samples.
    window.showPage(MainWindow::RunsPageIndex);
    RunsPage *runsPage = window.runsPage();
    if (!runs.empty()) {
        runsPage->selectRun(runs.back().id);
        runsPage->tabs()->setCurrentIndex(1);  // charts
        shoot(QStringLiteral("runs"));
        runsPage->tabs()->setCurrentIndex(3);  // samples
        shoot(QStringLiteral("runs-samples"));
        runsPage->tabs()->setCurrentIndex(1);
    } else {
        problems << QStringLiteral("no runs in the workspace");
    }

    // Compare: every run (the demo and its learning-rate variant), smoothed training loss.
    window.showPage(MainWindow::ComparePageIndex);
    QList<int64_t> ids;
    for (const auto &r : runs) ids << r.id;
    window.comparePage()->setCheckedRuns(ids);
    window.comparePage()->setMetric(QStringLiteral("train/loss"));
    window.comparePage()->setSmoothing(0.6);
    shoot(QStringLiteral("compare"));

    // Chat: the demo's SFT model (else the pretrained one), two questions of the demo conversations.
    window.showPage(MainWindow::ChatPageIndex);
    ChatPage *chat = window.chatPage();
    const std::string checkpoint = !fineTuned.empty() ? fineTuned : pretrained;
    if (!checkpoint.empty()) {
        chat->openCheckpoint(QString::fromStdString(checkpoint));
        settle([chat] { return chat->state() == ChatPage::State::Ready; }, 60000);
        core::GenerateRequest settings = chat->samplingSettings();
        settings.maxNewTokens = 60;
        settings.greedy = true;
        chat->setSamplingSettings(settings);
        for (const std::string &question : core::demoChatQuestions()) {
            chat->sendMessage(QString::fromStdString(question));
            settle([chat] { return chat->state() == ChatPage::State::Ready; }, 120000);
        }
        shoot(QStringLiteral("chat"));
    } else {
        problems << QStringLiteral("no checkpoint to chat with");
    }
    window.showPage(MainWindow::RunsPageIndex);
    if (error) *error = problems.join(QStringLiteral("; "));
    return written;
}

}  // namespace danka::ui
