// The Tokenizer page's "Train New" tab: the training form (tokenizer_train_form.h), Train and Cancel, the
// progress of the training job and its result (figures, cleaning, unreadable records). The worker trains a
// SentencePiece BPE tokenizer into the workspace of the session and registers it in the store.
#pragma once

#include <QWidget>
#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;
class QTextBrowser;

namespace danka::ui {

class JobRunner;
class TokenizerTrainForm;
class WorkspaceSession;

class TokenizerTrainPane : public QWidget {
    Q_OBJECT
public:
    TokenizerTrainPane(WorkspaceSession *session, QWidget *parent = nullptr);

    TokenizerTrainForm *form() const { return m_form; }
    JobRunner *runner() const { return m_runner; }
    // Starts training with the form's settings. Returns false when the form is invalid (its messages say
    // why), no workspace is open or a training is running.
    bool startTraining();
    void cancelTraining();
    bool isTraining() const;
    QString resultText() const;  // the last training's result or error, plain text
    void updateControls();       // after the workspace or the form changed

Q_SIGNALS:
    void trained(const QString &path);               // written and registered (before finished)
    void finished(int state, const QString &error);  // core::JobState: Completed, Failed, Cancelled

private:
    struct Outcome;
    void onProgress(double fraction, const QString &message, double etaSeconds);
    void onFinished(int state, const QString &error);
    QString resultHtml(const Outcome &outcome, bool cancelled) const;

    WorkspaceSession *m_session;
    TokenizerTrainForm *m_form;
    QLabel *m_hint;
    QPushButton *m_trainButton;
    QPushButton *m_cancelButton;
    QProgressBar *m_progress;
    QLabel *m_progressLabel;
    QTextBrowser *m_result;
    JobRunner *m_runner;
    std::shared_ptr<Outcome> m_outcome;
};

}  // namespace danka::ui
