// The Configure page: a run config as a form grouped by section and as raw JSON, kept in sync both ways, with
// core's validation messages next to their fields; presets; config files; the model's parameter count and a
// memory bar of the training estimate against a GPU budget (red, with the reason and a plan that fits, when
// it does not fit); and Start Run for a valid config.
#pragma once

#include <QStringList>
#include <QWidget>
#include <optional>
#include <vector>

#include "core/config/config_io.h"
#include "core/store/records.h"
#include "core/store/workspace.h"

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace danka::ui {

class ConfigForm;
class MemoryBar;
class MemoryBreakdownModel;

class ConfigPage : public QWidget {
    Q_OBJECT
public:
    explicit ConfigPage(QWidget *parent = nullptr);
    ~ConfigPage() override;

    // The workspace runs start in, and whose datasets and checkpoints the folder fields offer (nullopt:
    // none).
    void setWorkspace(const std::optional<core::Workspace> &ws);

    void setConfig(const core::RunConfig &config);
    // The config the form (or the JSON view) holds; a key with a problem keeps its last readable value.
    core::RunConfig config() const;
    QString jsonText() const;
    // Replaces the JSON view's text and reads it at once (typing is read after a short pause).
    void setJsonText(const QString &text);
    // Every current problem as "path: message" (a JSON syntax error included); empty when valid.
    QStringList problems() const;
    bool isValid() const { return problems().isEmpty(); }
    QString fieldMessage(const QString &path) const;  // the red text next to a field
    QWidget *fieldEditor(const QString &path) const;
    QString statusText() const;  // the messages above the form (document-level, files)

    bool loadPreset(const QString &name);  // false for an unknown name
    // Reads a JSON config file into the JSON view and the form; false (with the error shown, naming the
    // file) when it cannot be read or is not valid JSON.
    bool openConfigFile(const QString &path);
    bool saveConfigFile(const QString &path);  // writes the JSON view's text

    double budgetGib() const;
    void setBudgetGib(double gib);  // also sets runtime.memory_budget_gib
    bool planFits() const { return m_fits; }
    QString memoryText()
        const;  // "Fits: ..." or "Does not fit: needs ... of ...: reason; a plan that fits: ..."
    QString parameterText() const;  // "25.8M parameters"
    MemoryBreakdownModel *memoryModel() const { return m_memoryModel; }
    QPushButton *startButton() const { return m_startButton; }

    // What stops a run of `config` from starting on its datasets, worded for the studio: none chosen (the
    // message names the workspace's prepared `datasets` of the stage's kind), a folder that is not a prepared
    // dataset, or one of the wrong kind. Problems of data.dataset and data.val_dataset.
    static std::vector<core::ConfigProblem> datasetProblems(const core::RunConfig &config,
                                                            const std::vector<core::DatasetRecord> &datasets);

public Q_SLOTS:
    void openConfigDialog();
    void saveConfigDialog();
    void applyRecommendedPlan();  // the suggested micro-batch, precision and checkpointing, same batch tokens

Q_SIGNALS:
    void startRunRequested(const danka::core::RunConfig &config);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void formEdited();
    void followBaseCheckpoint(nlohmann::ordered_json &values);
    void jsonEdited();
    void readJsonText();
    void analyse(const nlohmann::json &json);
    void writeJsonText(const QString &text);
    void updateStatus();
    void updateBudgetChoice();
    void updateEstimate();
    void showNoEstimate(const QString &why);  // the estimate area empty, with the reason
    void updateStartButton();
    void refreshWorkspaceFolders();
    // The data.dataset field: the workspace's prepared datasets of the stage's kind, offered by name.
    void updateDatasetChoices();
    void setNotice(const QString &text, bool error);
    void startRun();

    std::optional<core::Workspace> m_workspace;
    core::ConfigLoadResult m_result;              // the last readable config and its problems
    std::vector<core::ConfigProblem> m_unplaced;  // problems of no field: shown above the form
    QString m_syntaxError;                        // the JSON view does not parse; the form keeps its values
    bool m_fits = false;
    QString m_memoryText;
    std::optional<core::RunConfig> m_recommended;  // the config with the suggested plan applied
    bool m_writingJson = false;
    std::vector<core::DatasetRecord> m_datasets;  // the workspace's prepared datasets, newest first
    std::optional<QString> m_datasetKind;         // the kind the dataset choices were made for

    ConfigForm *m_form;
    QPlainTextEdit *m_json;
    QLabel *m_jsonStatus;
    QTimer *m_jsonTimer;
    QComboBox *m_presets;
    QPushButton *m_startButton;
    QLabel *m_notice;
    QLabel *m_problemsLabel;
    QLabel *m_parameters;
    QComboBox *m_budget;
    MemoryBreakdownModel *m_memoryModel;
    MemoryBar *m_memoryBar;
    QLabel *m_memoryLabel;
    QLabel *m_deviceNote;
    QPushButton *m_applyPlan;
    QTableView *m_breakdown;
};

}  // namespace danka::ui
