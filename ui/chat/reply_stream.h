// One chat reply generated on a worker (a job of the Chat page's runner): the history is shortened first so
// that the prompt leaves room for the reply in the model's context; the model's pieces land in a buffer shared
// with the GUI thread, which a timer drains at the screen's pace, and at least four times a second however long
// the view takes to show them. cancel() ends the reply at the next piece.
#pragma once

#include <QObject>
#include <QString>
#include <memory>
#include <optional>

#include "core/infer/inference.h"

class QTimer;

namespace danka::ui {

class JobRunner;

class ReplyStream : public QObject {
    Q_OBJECT
public:
    explicit ReplyStream(QObject *parent = nullptr);

    // Starts generating `request` with `model` as a job of `runner`. False when the runner is busy.
    bool start(JobRunner *runner, std::shared_ptr<core::InferenceModel> model, core::GenerateRequest request);
    bool isActive() const { return m_shared != nullptr; }
    void cancel();                           // the worker stops at the next piece
    QString text() const { return m_text; }  // the reply as drained so far

    struct Outcome {
        std::optional<core::GenerateResult> result;  // nullopt: the job failed
        int droppedMessages = 0;                     // earlier messages left out to fit the context
    };
    // Once the runner's job has finished: drains the rest and hands over the result.
    Outcome finish();

Q_SIGNALS:
    void grew(const QString &textSoFar);  // the reply grew; the drain rate follows how long showing it takes

private:
    struct Shared;  // what the generating worker shares with the GUI thread
    void drain();

    std::shared_ptr<Shared> m_shared;
    QString m_text;
    QTimer *m_timer;
};

}  // namespace danka::ui
