// Training a tokenizer on the Tokenizer page (see tokenizer_train_pane.h).
#include "ui/tokenizer/tokenizer_train_pane.h"

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/tokenizer/trainer.h"
#include "core/util/text_util.h"
#include "ui/common/job_runner.h"
#include "ui/common/workspace_session.h"
#include "ui/tokenizer/tokenizer_train_form.h"

namespace danka::ui {

struct TokenizerTrainPane::Outcome {
    core::tokenizer::TokenizerTrainResult result;
    int64_t tokenizerId = 0;
};

namespace {

QString html(const std::string &text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString number(double value, int decimals = 2)
{
    return QString::number(value, 'f', decimals);
}

}  // namespace

TokenizerTrainPane::TokenizerTrainPane(WorkspaceSession *session, QWidget *parent)
    : QWidget(parent),
      m_session(session),
      m_form(new TokenizerTrainForm(this)),
      m_hint(new QLabel(this)),
      m_trainButton(new QPushButton(tr("&Train"), this)),
      m_cancelButton(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_progressLabel(new QLabel(this)),
      m_result(new QTextBrowser(this)),
      m_runner(new JobRunner(this))
{
    m_hint->setWordWrap(true);
    m_hint->setText(
        tr("Open a workspace (File > Open Workspace...) to train tokenizers: they are "
           "written into it and registered there. Tokenizer folders can still be tried with "
           "Open Folder..."));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progressLabel->setWordWrap(true);
    m_result->setOpenLinks(false);
    connect(m_trainButton, &QPushButton::clicked, this, &TokenizerTrainPane::startTraining);
    connect(m_cancelButton, &QPushButton::clicked, this, &TokenizerTrainPane::cancelTraining);
    connect(m_form, &TokenizerTrainForm::changed, this, &TokenizerTrainPane::updateControls);
    connect(m_runner, &JobRunner::progressChanged, this, &TokenizerTrainPane::onProgress);
    connect(m_runner, &JobRunner::finished, this, &TokenizerTrainPane::onFinished);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_trainButton);
    buttons->addWidget(m_cancelButton);
    buttons->addWidget(m_progress, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_hint);
    layout->addWidget(m_form);
    layout->addLayout(buttons);
    layout->addWidget(m_progressLabel);
    layout->addWidget(m_result, 1);
}

bool TokenizerTrainPane::isTraining() const
{
    return m_runner->isRunning();
}

QString TokenizerTrainPane::resultText() const
{
    return m_result->toPlainText();
}

void TokenizerTrainPane::updateControls()
{
    const bool running = isTraining();
    const bool open = m_session->workspace().has_value();
    m_hint->setVisible(!open);
    m_form->setEnabled(open);
    m_form->setBusy(running);
    m_trainButton->setEnabled(open && !running && m_form->validate().ok());
    m_cancelButton->setEnabled(running);
}

bool TokenizerTrainPane::startTraining()
{
    if (isTraining() || !m_session->workspace()) return false;
    const TokenizerTrainForm::Validation validation = m_form->validate();
    if (!validation.ok()) {
        m_progressLabel->setText(tr("Cannot train: %1").arg(validation.errors.first()));
        return false;
    }
    const core::tokenizer::TokenizerTrainOptions options = m_form->options();
    const std::string outDir = m_form->outputDir().toStdString();
    const std::string databasePath = m_session->workspace()->databasePath();
    auto outcome = std::make_shared<Outcome>();
    // The worker registers the tokenizer itself (its own store connection: one per thread), so a finished
    // training is in the store even if the page is gone by then.
    const bool started = m_runner->start(tr("Tokenizer training"),
                                         [options, outDir, databasePath, outcome](core::JobContext &job) {
        outcome->result = core::tokenizer::trainTokenizer(options, outDir, job);
        outcome->tokenizerId = core::tokenizer::recordTokenizer(databasePath, outcome->result);
    });
    if (!started) return false;
    m_outcome = outcome;
    m_progress->setValue(0);
    m_progressLabel->setText(tr("Starting..."));
    m_result->clear();
    m_cancelButton->setText(tr("Cancel"));
    updateControls();
    return true;
}

void TokenizerTrainPane::cancelTraining()
{
    if (!isTraining()) return;
    m_runner->cancel();
    // Reading stops at the next batch of lines; SentencePiece's BPE pass cannot be interrupted.
    m_cancelButton->setText(tr("Cancelling..."));
    m_cancelButton->setEnabled(false);
}

void TokenizerTrainPane::onProgress(double fraction, const QString &message, double etaSeconds)
{
    m_progress->setValue(static_cast<int>(std::lround(1000.0 * std::clamp(fraction, 0.0, 1.0))));
    m_progressLabel->setText(progressText(message, etaSeconds));
}

void TokenizerTrainPane::onFinished(int state, const QString &error)
{
    const auto jobState = static_cast<core::JobState>(state);
    m_cancelButton->setText(tr("Cancel"));
    updateControls();
    m_form->revalidate();  // the output folder may exist now
    std::shared_ptr<Outcome> outcome = std::move(m_outcome);
    // SentencePiece's pass cannot be interrupted: a cancel that arrives during it is seen only once the
    // tokenizer is written and registered, and the job then ends as cancelled. What is on disk wins.
    const bool written = outcome && outcome->tokenizerId > 0;
    if (jobState == core::JobState::Cancelled && !written) {
        m_progress->setValue(0);
        m_progressLabel->setText(tr("Training cancelled."));
        m_result->setHtml(QStringLiteral("<p>%1</p>").arg(tr("Training cancelled: nothing was written.")));
    } else if (!written) {
        m_progressLabel->setText(tr("Training failed."));
        m_result->setHtml(QStringLiteral("<p style='color:#d03030'><b>%1</b> %2</p>")
                              .arg(tr("Training failed:"), error.toHtmlEscaped()));
    } else {
        const core::tokenizer::TokenizerTrainResult &r = outcome->result;
        const QString path = QString::fromStdString(r.dir);
        m_progress->setValue(1000);
        m_progressLabel->setText(
            tr("Trained %1 in %2.")
                .arg(QFileInfo(path).fileName(), QString::fromStdString(core::formatDuration(r.seconds))));
        m_result->setHtml(resultHtml(*outcome, jobState == core::JobState::Cancelled));
        Q_EMIT trained(path);
    }
    Q_EMIT finished(state, error);
}

QString TokenizerTrainPane::resultHtml(const Outcome &outcome, bool cancelled) const
{
    const core::tokenizer::TokenizerTrainResult &r = outcome.result;
    const QString path = QString::fromStdString(r.dir);
    QString h = QStringLiteral("<h3>%1</h3><table cellspacing=3>")
                    .arg(tr("Trained %1").arg(QFileInfo(path).fileName().toHtmlEscaped()));
    auto row = [&h](const QString &key, const QString &value) {
        h += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(key, value);
    };
    row(tr("Vocabulary"), tr("%1 pieces").arg(r.vocabSize));
    row(tr("Records read"), QString::number(r.records));
    row(tr("Training lines"), QString::number(r.sentences));
    row(tr("Character coverage"), tr("%1% of character occurrences (%2 characters are single pieces)")
                                      .arg(number(100.0 * r.characterCoverage, 3))
                                      .arg(r.charactersKept));
    row(tr("Chars per token zh"),
        tr("%1 (%2 held-out lines)").arg(number(r.stats.charsPerTokenZh)).arg(r.stats.heldOutLinesZh));
    row(tr("Chars per token en"),
        tr("%1 (%2 held-out lines)").arg(number(r.stats.charsPerTokenEn)).arg(r.stats.heldOutLinesEn));
    row(tr("Byte fallback"), tr("%1% of held-out tokens").arg(number(100.0 * r.stats.byteFallbackShare)));
    row(tr("Time"), html(core::formatDuration(r.seconds)));
    row(tr("Folder"), QDir::toNativeSeparators(path).toHtmlEscaped());
    row(tr("Checksum"), html(r.checksum.substr(0, 16)));
    h += QStringLiteral("</table>");
    if (cancelled)
        h += QStringLiteral("<p style='color:#c07000'>%1</p>")
                 .arg(tr("The cancel came after the last step: the tokenizer was written and registered."));
    h += QStringLiteral("<p>%1</p>")
             .arg(tr("Cleaning kept %1 of %2 records.").arg(r.cleaning.recordsOut).arg(r.cleaning.recordsIn));
    if (r.rejects.total > 0) {
        h += QStringLiteral("<p style='color:#c07000'><b>%1</b></p><ul>")
                 .arg(tr("%1 records could not be read:").arg(r.rejects.total));
        for (const auto &[reason, count] : r.rejects.countsByReason)
            h += QStringLiteral("<li>%1: %2</li>").arg(html(reason)).arg(count);
        for (const auto &example : r.rejects.examples)
            h += QStringLiteral("<li style='color:gray'>%1</li>").arg(html(example.toString()));
        h += QStringLiteral("</ul>");
    } else {
        h += QStringLiteral("<p>%1</p>").arg(tr("Every input record could be read."));
    }
    return h;
}

}  // namespace danka::ui
