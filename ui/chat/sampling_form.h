// The Chat page's sampling settings: greedy, temperature, top-k, top-p, repetition penalty, max new tokens
// and seed, as the fields of a core::GenerateRequest (greedy greys out what it makes irrelevant).
#pragma once

#include <QWidget>

#include "core/infer/inference.h"
#include "core/store/conversations.h"  // kRandomSeed

class QCheckBox;
class QDoubleSpinBox;
class QSpinBox;

namespace danka::ui {

class SamplingForm : public QWidget {
    Q_OBJECT
public:
    explicit SamplingForm(QWidget *parent = nullptr);

    // The sampling fields of a request; seed core::kRandomSeed ("random") draws a new one for every reply.
    core::GenerateRequest settings() const;
    void setSettings(const core::GenerateRequest &settings);

private:
    QCheckBox *m_greedy;
    QDoubleSpinBox *m_temperature;
    QSpinBox *m_topK;
    QDoubleSpinBox *m_topP;
    QDoubleSpinBox *m_repetitionPenalty;
    QSpinBox *m_maxNewTokens;
    QSpinBox *m_seed;
};

}  // namespace danka::ui
