// Sampling settings of the Chat page (see sampling_form.h).
#include "ui/chat/sampling_form.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSpinBox>
#include <algorithm>
#include <climits>


namespace danka::ui {

SamplingForm::SamplingForm(QWidget *parent)
    : QWidget(parent),
      m_greedy(new QCheckBox(tr("&Greedy (always the most likely token)"), this)),
      m_temperature(new QDoubleSpinBox(this)),
      m_topK(new QSpinBox(this)),
      m_topP(new QDoubleSpinBox(this)),
      m_repetitionPenalty(new QDoubleSpinBox(this)),
      m_maxNewTokens(new QSpinBox(this)),
      m_seed(new QSpinBox(this))
{
    m_temperature->setRange(0.01, 5.0);
    m_temperature->setSingleStep(0.05);
    m_temperature->setDecimals(2);
    m_temperature->setToolTip(
        tr("Below 1 the likely tokens win more often; above 1 the choice gets more random."));
    m_topK->setRange(0, 100000);
    m_topK->setSpecialValueText(tr("off"));
    m_topK->setToolTip(tr("Sample only among the k most likely tokens (0: all)."));
    m_topP->setRange(0.01, 1.0);
    m_topP->setSingleStep(0.05);
    m_topP->setDecimals(2);
    m_topP->setToolTip(tr("Sample among the most likely tokens whose probabilities add up to p (1: all)."));
    m_repetitionPenalty->setRange(1.0, 3.0);
    m_repetitionPenalty->setSingleStep(0.05);
    m_repetitionPenalty->setDecimals(2);
    m_repetitionPenalty->setToolTip(tr("Above 1, tokens already in the conversation become less likely."));
    m_maxNewTokens->setRange(1, 1 << 20);
    m_maxNewTokens->setToolTip(
        tr("The reply ends after this many tokens (and at the model's context length)."));
    m_seed->setRange(-1, INT_MAX);
    m_seed->setSpecialValueText(tr("random"));
    m_seed->setToolTip(
        tr("The same seed, prompt and settings give the same reply; \"random\" draws a new one."));
    connect(m_greedy, &QCheckBox::toggled, this, [this](bool greedy) {
        for (QWidget *w :
             std::initializer_list<QWidget *>{m_temperature, m_topK, m_topP, m_repetitionPenalty, m_seed})
            w->setEnabled(!greedy);
    });
    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(m_greedy);
    form->addRow(tr("&Temperature:"), m_temperature);
    form->addRow(tr("Top-&k:"), m_topK);
    form->addRow(tr("Top-&p:"), m_topP);
    form->addRow(tr("&Repetition penalty:"), m_repetitionPenalty);
    form->addRow(tr("&Max new tokens:"), m_maxNewTokens);
    form->addRow(tr("S&eed:"), m_seed);
}

core::GenerateRequest SamplingForm::settings() const
{
    core::GenerateRequest r;
    r.greedy = m_greedy->isChecked();
    r.temperature = m_temperature->value();
    r.topK = m_topK->value();
    r.topP = m_topP->value();
    r.repetitionPenalty = m_repetitionPenalty->value();
    r.maxNewTokens = m_maxNewTokens->value();
    r.seed = m_seed->value() < 0 ? core::kRandomSeed : static_cast<uint64_t>(m_seed->value());
    return r;
}

void SamplingForm::setSettings(const core::GenerateRequest &r)
{
    m_greedy->setChecked(r.greedy);
    m_temperature->setValue(r.temperature);
    m_topK->setValue(static_cast<int>(std::clamp<int64_t>(r.topK, 0, m_topK->maximum())));
    m_topP->setValue(r.topP);
    m_repetitionPenalty->setValue(r.repetitionPenalty);
    m_maxNewTokens->setValue(
        static_cast<int>(std::clamp<int64_t>(r.maxNewTokens, 1, m_maxNewTokens->maximum())));
    m_seed->setValue(r.seed == core::kRandomSeed ? -1
                                                 : static_cast<int>(std::min<uint64_t>(r.seed, INT_MAX)));
}

}  // namespace danka::ui
