// A chat reply streamed from a worker (see reply_stream.h).
#include "ui/chat/reply_stream.h"

#include <QElapsedTimer>
#include <QTimer>
#include <algorithm>
#include <atomic>
#include <mutex>

#include "core/tokenizer/chat_template.h"
#include "ui/common/job_runner.h"

namespace danka::ui {

struct ReplyStream::Shared {
    std::mutex mutex;
    std::string pending;  // pieces the GUI has not shown yet
    std::optional<core::GenerateResult> result;
    int droppedMessages = 0;          // history left out to fit the context
    std::atomic<bool> cancel{false};  // read by the worker at every piece
};

namespace {

constexpr int kMinDrainMs = 16;   // a reply grows at most at the screen's pace...
constexpr int kMaxDrainMs = 250;  // ...and at least four times a second however long a repaint takes

// Drops the oldest turns (a user message and the replies after it) until the prompt leaves room for a
// reply in the model's context. Returns how many messages were left out.
int fitHistory(const core::InferenceModel &model, core::GenerateRequest &r)
{
    const int64_t context = model.config().maxSeqLen;
    const int64_t room = std::max<int64_t>(1, std::min<int64_t>(r.maxNewTokens, context / 4));
    int dropped = 0;
    while (!r.history.empty()) {
        std::vector<core::data::Message> turns;
        if (!r.systemPrompt.empty()) turns.push_back({"system", r.systemPrompt});
        turns.insert(turns.end(), r.history.begin(), r.history.end());
        turns.push_back({"user", r.prompt});
        if (static_cast<int64_t>(core::tokenizer::encodePrompt(model.tokenizer(), turns).size()) + room <= context)
            break;
        do {
            r.history.erase(r.history.begin());
            ++dropped;
        } while (!r.history.empty() && r.history.front().role != "user");
    }
    return dropped;
}

}  // namespace

ReplyStream::ReplyStream(QObject *parent) : QObject(parent), m_timer(new QTimer(this))
{
    m_timer->setInterval(kMinDrainMs);
    connect(m_timer, &QTimer::timeout, this, &ReplyStream::drain);
}

bool ReplyStream::start(JobRunner *runner, std::shared_ptr<core::InferenceModel> model, core::GenerateRequest request)
{
    auto shared = std::make_shared<Shared>();
    const bool started = runner->start(tr("Chat reply"), [shared, model, request](core::JobContext &) mutable {
        const int dropped = fitHistory(*model, request);
        {
            std::lock_guard lock(shared->mutex);
            shared->droppedMessages = dropped;
        }
        core::GenerateResult result = model->generate(request, [&shared](const std::string &piece) {
            std::lock_guard lock(shared->mutex);
            shared->pending += piece;
            return !shared->cancel.load();
        });
        std::lock_guard lock(shared->mutex);
        shared->result = std::move(result);
    });
    if (!started) return false;
    m_shared = shared;
    m_text.clear();
    m_timer->setInterval(kMinDrainMs);
    m_timer->start();
    return true;
}

void ReplyStream::cancel()
{
    if (m_shared) m_shared->cancel = true;
}

void ReplyStream::drain()
{
    if (!m_shared) return;
    std::string pending;
    {
        std::lock_guard lock(m_shared->mutex);
        pending.swap(m_shared->pending);
    }
    if (pending.empty()) return;
    m_text += QString::fromStdString(pending);  // pieces never end inside a character
    QElapsedTimer t;
    t.start();
    Q_EMIT grew(m_text);
    // A long transcript takes longer to lay out: repaint less often rather than keep the GUI thread busy.
    m_timer->setInterval(std::clamp(static_cast<int>(2 * t.elapsed()), kMinDrainMs, kMaxDrainMs));
}

ReplyStream::Outcome ReplyStream::finish()
{
    m_timer->stop();
    drain();
    Outcome out;
    if (m_shared) {
        std::lock_guard lock(m_shared->mutex);
        out.result = std::move(m_shared->result);
        out.droppedMessages = m_shared->droppedMessages;
    }
    m_shared.reset();
    return out;
}

}  // namespace danka::ui
