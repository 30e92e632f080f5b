// The "Prepare..." dialog of the Data page: input files, layout, tokenizer, dataset name, deduplication,
// validation share and maximum length, checked field by field with clear messages; then `data prepare`
// (core::data::prepareDataset) runs as a job with progress and cancel, the result is recorded in the
// workspace store and the dialog hands the new dataset folder to the page.
#pragma once

#include <QDialog>
#include <QStringList>
#include <memory>
#include <string>

#include "core/data/dedup.h"
#include "core/data/records.h"
#include "core/store/records.h"
#include "core/store/workspace.h"

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QWidget;

namespace danka::ui {

class JobRunner;

class PrepareDialog : public QDialog {
    Q_OBJECT
public:
    // Prepares into `workspace`; its registered `tokenizers` are offered (the workspace session's).
    PrepareDialog(const core::Workspace &workspace, const std::vector<core::TokenizerRecord> &tokenizers,
                  QWidget *parent = nullptr);
    // The same, reading the workspace's registered tokenizers from its store (none when it cannot be read).
    explicit PrepareDialog(const core::Workspace &workspace, QWidget *parent = nullptr);
    ~PrepareDialog() override;

    void setInputs(const QStringList &paths);
    QStringList inputs() const;
    void setFormat(core::data::DataFormat format);
    core::data::DataFormat format() const;
    // Selects the tokenizer folder, adding it to the choices when the store does not list it.
    void setTokenizerDir(const QString &dir);
    QString tokenizerDir() const;
    void setOutputName(const QString &name);
    QString outputName() const;
    QString outputDir() const;  // the dataset folder: <workspace>/datasets/<name>
    void setDedupMode(core::data::DedupMode mode);
    void setValidationFraction(double fraction);
    void setMaxLength(int maxTokens);  // 0: keep every record

    // What is wrong with the fields, one problem per line; empty when they are fine.
    QString validationError() const;
    // Validates, then starts preparing. False (with the problem shown) when a field is wrong or a job runs.
    bool startPreparing();
    bool isRunning() const;
    JobRunner *runner() const { return m_runner; }
    QString resultDir() const { return m_resultDir; }  // after success
    QString statusText() const;

Q_SIGNALS:
    // The dataset is written and recorded in the workspace store.
    void prepared(const QString &dir);

public Q_SLOTS:
    void reject() override;  // cancels a running job (the dialog closes when it has stopped)

private:
    void addInputs();
    void removeInputs();
    void browseTokenizer();
    void updateState();
    void finished(int state, const QString &error);
    void setStatus(const QString &text, bool isError);

    core::Workspace m_workspace;
    QListWidget *m_inputs;
    QPushButton *m_addButton;
    QPushButton *m_removeButton;
    QComboBox *m_format;
    QComboBox *m_tokenizer;
    QPushButton *m_browseTokenizer;
    QLineEdit *m_name;
    QLabel *m_nameHint;
    QComboBox *m_dedup;
    QDoubleSpinBox *m_valFraction;
    QSpinBox *m_maxLength;
    QWidget *m_form;
    QProgressBar *m_progress;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
    QPushButton *m_prepareButton;
    JobRunner *m_runner;
    bool m_nameEdited = false;
    bool m_closeWhenStopped = false;
    std::shared_ptr<std::string> m_jobResult;  // written by the job, read when it has finished
    QString m_resultDir;
};

}  // namespace danka::ui
