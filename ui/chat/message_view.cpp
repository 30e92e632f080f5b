// Chat transcript (see message_view.h).
#include "ui/chat/message_view.h"

#include <QEvent>
#include <QScrollBar>
#include <QUrl>

namespace danka::ui {

namespace {

const QString kThinkOpen = QStringLiteral("<think>");
const QString kThinkClose = QStringLiteral("</think>");
const QString kThinkScheme = QStringLiteral("think");

QColor mix(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(static_cast<float>(a.redF() * (1 - t) + b.redF() * t),
                            static_cast<float>(a.greenF() * (1 - t) + b.greenF() * t),
                            static_cast<float>(a.blueF() * (1 - t) + b.blueF() * t));
}

// Model output and user text as inert HTML; pre-wrap keeps its line breaks and runs of spaces.
QString plain(const QString &text)
{
    return QStringLiteral("<p style='white-space:pre-wrap; margin:0'>%1</p>").arg(text.toHtmlEscaped());
}

int characterCount(const QString &text)
{
    return static_cast<int>(text.toUcs4().size());  // code points: an emoji is one character
}

}  // namespace

ThinkSplit splitThink(const QString &content)
{
    ThinkSplit s;
    int start = 0;
    while (start < content.size() && content.at(start).isSpace())
        ++start;
    const QStringView rest = QStringView(content).mid(start);
    if (rest.startsWith(kThinkOpen)) {
        s.hasThink = true;
        const int close = content.indexOf(kThinkClose, start + kThinkOpen.size());
        s.closed = close >= 0;
        const int thinkStart = start + static_cast<int>(kThinkOpen.size());
        s.think = content.mid(thinkStart, s.closed ? close - thinkStart : -1).trimmed();
        if (s.closed) s.answer = content.mid(close + kThinkClose.size()).trimmed();
        return s;
    }
    // A reply that is still a prefix of "<think>" (streaming) is about to open its reasoning: show nothing.
    if (!rest.isEmpty() && kThinkOpen.startsWith(rest)) {
        s.hasThink = true;
        return s;
    }
    // A template may open the reasoning in the prompt: then only the closing marker is in the reply.
    const int close = content.indexOf(kThinkClose);
    if (close >= 0) {
        s.hasThink = true;
        s.closed = true;
        s.think = content.left(close).trimmed();
        s.answer = content.mid(close + kThinkClose.size()).trimmed();
        return s;
    }
    s.answer = content;
    return s;
}

MessageView::MessageView(QWidget *parent) : QTextBrowser(parent)
{
    setOpenLinks(false);
    setOpenExternalLinks(false);
    setReadOnly(true);
    connect(this, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() != kThinkScheme) return;
        bool ok = false;
        const int index = url.path().toInt(&ok);
        if (ok) toggleThink(index);
    });
    render();
}

void MessageView::setMessages(const QVector<ChatBubble> &messages)
{
    m_messages = messages;
    m_expanded.clear();
    m_streaming = false;
    m_streamingText.clear();
    render();
}

void MessageView::appendMessage(const ChatBubble &message)
{
    m_messages.push_back(message);
    render();
}

void MessageView::setStreamingReply(const QString &text)
{
    m_streaming = true;
    m_streamingText = text;
    render();
}

void MessageView::clearStreamingReply()
{
    if (!m_streaming) return;
    m_streaming = false;
    m_streamingText.clear();
    m_expanded.remove(static_cast<int>(m_messages.size()));
    render();
}

void MessageView::commitStreamingReply(const ChatBubble &message)
{
    m_streaming = false;
    m_streamingText.clear();
    m_messages.push_back(message);
    render();
}

void MessageView::setThinkExpanded(int index, bool expanded)
{
    if (expanded == m_expanded.contains(index)) return;
    if (expanded)
        m_expanded.insert(index);
    else
        m_expanded.remove(index);
    render();
}

void MessageView::toggleThink(int index)
{
    setThinkExpanded(index, !isThinkExpanded(index));
}

void MessageView::setPlaceholderText(const QString &text)
{
    if (text == m_placeholder) return;
    m_placeholder = text;
    render();
}

void MessageView::changeEvent(QEvent *event)
{
    QTextBrowser::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) render();
}

QString MessageView::bubbleHtml(int index, const ChatBubble &message, bool streaming) const
{
    const QPalette &p = palette();
    const QColor base = p.color(QPalette::Base);
    const QColor text = p.color(QPalette::Text);
    const QColor muted = mix(base, text, 0.55);
    QColor background;
    QString who;
    if (message.role == QLatin1String("user")) {
        background = mix(base, p.color(QPalette::Highlight), 0.16);
        who = tr("You");
    } else if (message.role == QLatin1String("system")) {
        background = base;
        who = tr("System");
    } else {
        background = mix(base, text, 0.06);
        who = tr("Assistant");
    }
    // Replies on the left, the user's messages on the right, as in every messenger.
    const bool user = message.role == QLatin1String("user");
    QString h = QStringLiteral(
                    "<table width='88%' align='%1' cellspacing='0' cellpadding='8' "
                    "style='margin-top:4px; margin-bottom:4px' bgcolor='%2'><tr><td>")
                    .arg(user ? QStringLiteral("right") : QStringLiteral("left"), background.name());
    h += QStringLiteral("<p style='margin:0; color:%1'><b>%2</b></p>").arg(muted.name(), who.toHtmlEscaped());

    const ThinkSplit split =
        message.role == QLatin1String("assistant") ? splitThink(message.content) : ThinkSplit();
    if (split.hasThink && (split.closed || !split.think.isEmpty())) {
        const bool expanded = isThinkExpanded(index);
        const int n = characterCount(split.think);
        const QString label = split.closed ? tr("Thinking (%n character(s))", nullptr, n)
                                           : tr("Thinking... (%n character(s))", nullptr, n);
        // The link colour is set here: the HTML importer would take the application's, not this palette's.
        h +=
            QStringLiteral("<p style='margin:0'><a style='color:%1' href='%2:%3'>%4 %5</a></p>")
                .arg(p.color(QPalette::Link).name(), kThinkScheme)
                .arg(index)
                .arg(expanded ? QStringLiteral("&#9662;") : QStringLiteral("&#9656;"), label.toHtmlEscaped());
        if (expanded)
            h += QStringLiteral("<div style='color:%1; font-style:italic; margin-left:12px'>%2</div>")
                     .arg(muted.name(), plain(split.think));
    }
    const QString answer = split.hasThink ? split.answer : message.content;
    if (!answer.isEmpty())
        h += plain(answer);
    else if (streaming && !(split.hasThink && !split.closed && !split.think.isEmpty()))
        h += QStringLiteral("<p style='margin:0; color:%1'>%2</p>")
                 .arg(muted.name(), tr("Generating...").toHtmlEscaped());
    if (!message.footer.isEmpty())
        h += QStringLiteral("<p style='margin:0; color:%1; font-size:small'>%2</p>")
                 .arg(muted.name(), message.footer.toHtmlEscaped());
    h += QStringLiteral("</td></tr></table>");
    return h;
}

void MessageView::render()
{
    // Follow the end of the transcript while the reader is there; keep their place when they scrolled up.
    QScrollBar *bar = verticalScrollBar();
    const bool atEnd = bar->value() >= bar->maximum() - 4;
    const int position = bar->value();

    QString h = QStringLiteral("<html><body style='color:%1'>").arg(palette().color(QPalette::Text).name());
    if (m_messages.isEmpty() && !m_streaming && !m_placeholder.isEmpty())
        h += QStringLiteral("<p align='center' style='color:%1'>%2</p>")
                 .arg(mix(palette().color(QPalette::Base), palette().color(QPalette::Text), 0.5).name(),
                      m_placeholder.toHtmlEscaped());
    for (int i = 0; i < m_messages.size(); ++i)
        h += bubbleHtml(i, m_messages[i], false);
    if (m_streaming)
        h += bubbleHtml(static_cast<int>(m_messages.size()),
                        {QStringLiteral("assistant"), m_streamingText, {}}, true);
    h += QStringLiteral("</body></html>");
    setHtml(h);

    bar->setValue(atEnd ? bar->maximum() : position);
    Q_EMIT rendered();
}

}  // namespace danka::ui
