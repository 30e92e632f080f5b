// The Chat page's right column: the checkpoint (and LoRA adapter) to chat with (model_picker.h), an optional
// system prompt and the sampling settings (sampling_form.h), each in its group.
#pragma once

#include <QWidget>

#include "core/infer/inference.h"

class QPlainTextEdit;

namespace danka::ui {

class ModelPicker;
class SamplingForm;

class ChatSettingsPane : public QWidget {
    Q_OBJECT
public:
    explicit ChatSettingsPane(QWidget *parent = nullptr);

    ModelPicker *picker() const { return m_picker; }
    QString systemPrompt() const;
    void setSystemPrompt(const QString &prompt);
    core::GenerateRequest samplingSettings() const;  // the sampling fields of a request
    void setSamplingSettings(const core::GenerateRequest &settings);

private:
    ModelPicker *m_picker;
    QPlainTextEdit *m_systemPrompt;
    SamplingForm *m_sampling;
};

}  // namespace danka::ui
