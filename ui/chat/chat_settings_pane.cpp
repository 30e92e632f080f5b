// The Chat page's model, system prompt and sampling (see chat_settings_pane.h).
#include "ui/chat/chat_settings_pane.h"

#include <QGroupBox>
#include <QPlainTextEdit>
#include <QVBoxLayout>

#include "ui/chat/model_picker.h"
#include "ui/chat/sampling_form.h"

namespace danka::ui {

namespace {

QGroupBox *group(const QString &title, QWidget *content, QWidget *parent)
{
    auto *box = new QGroupBox(title, parent);
    auto *layout = new QVBoxLayout(box);
    layout->addWidget(content);
    return box;
}

}  // namespace

ChatSettingsPane::ChatSettingsPane(QWidget *parent)
    : QWidget(parent),
      m_picker(new ModelPicker(this)),
      m_systemPrompt(new QPlainTextEdit(this)),
      m_sampling(new SamplingForm(this))
{
    m_systemPrompt->setPlaceholderText(tr("Optional: instructions the model sees before the conversation"));
    m_systemPrompt->setMaximumHeight(110);
    m_systemPrompt->setTabChangesFocus(true);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(group(tr("Checkpoint"), m_picker, this));
    layout->addWidget(group(tr("System prompt"), m_systemPrompt, this));
    layout->addWidget(group(tr("Sampling"), m_sampling, this));
    layout->addStretch();
}

QString ChatSettingsPane::systemPrompt() const
{
    return m_systemPrompt->toPlainText();
}

void ChatSettingsPane::setSystemPrompt(const QString &prompt)
{
    m_systemPrompt->setPlainText(prompt);
}

core::GenerateRequest ChatSettingsPane::samplingSettings() const
{
    return m_sampling->settings();
}

void ChatSettingsPane::setSamplingSettings(const core::GenerateRequest &settings)
{
    m_sampling->setSettings(settings);
}

}  // namespace danka::ui
