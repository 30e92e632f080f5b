// The Tokenizer page's training form: input files, their layout, vocabulary size, character coverage,
// sampled sentences, domains and the output name (a folder under the workspace's tokenizers/). Validates as
// the user edits and says what is wrong in words; builds the core::tokenizer::TokenizerTrainOptions.
#pragma once

#include <QStringList>
#include <QWidget>
#include <optional>

#include "core/tokenizer/trainer.h"
#include "core/store/workspace.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace danka::ui {

class TokenizerTrainForm : public QWidget {
    Q_OBJECT
public:
    // Bounds of trainTokenizer: byte fallback alone takes 256 pieces, and ids are int32 in a 64k table.
    static constexpr int kMinVocabSize = 300;
    static constexpr int kMaxVocabSize = 65536;

    struct Validation {
        QStringList errors;    // training cannot start
        QStringList warnings;  // it can, but the user should know (an existing tokenizer gets replaced)
        bool ok() const { return errors.isEmpty(); }
    };

    explicit TokenizerTrainForm(QWidget *parent = nullptr);

    void setWorkspace(const std::optional<core::Workspace> &workspace);

    QStringList inputs() const;
    void setInputs(const QStringList &files);
    void addInputs(const QStringList &files);  // skips files already listed
    void setFormat(core::data::DataFormat format);
    void setVocabSize(int vocabSize);
    void setCharacterCoverage(double coverage);
    void setMaxSentences(int maxSentences);
    void setDomains(const QString &commaSeparated);
    // The tokenizer's name, which is also its folder under tokenizers/. Until the user types one, it follows
    // the first input file's name.
    void setName(const QString &name);
    QString name() const;
    QString outputDir() const;  // empty without a workspace or a name

    Validation validate() const;
    QString validationText() const;  // what the form shows under the fields
    core::tokenizer::TokenizerTrainOptions options() const;

    // Checks the fields again (the output folder may have appeared since the last edit).
    void revalidate();
    // While a training runs the fields are read-only (the job holds a copy, but edits would mislead).
    void setBusy(bool busy);

Q_SIGNALS:
    void changed();  // any field; validation has been refreshed

private:
    void chooseInputs();
    void removeSelectedInputs();
    void updateDefaultName();
    QStringList domainList() const;

    std::optional<core::Workspace> m_workspace;
    QListWidget *m_inputs;
    QPushButton *m_addButton;
    QPushButton *m_removeButton;
    QComboBox *m_format;
    QSpinBox *m_vocabSize;
    QDoubleSpinBox *m_coverage;
    QSpinBox *m_maxSentences;
    QLineEdit *m_domains;
    QLineEdit *m_name;
    QLabel *m_outputLabel;
    QLabel *m_validationLabel;
    bool m_nameEdited = false;  // the user typed a name: stop following the first input
    bool m_busy = false;
};

}  // namespace danka::ui
