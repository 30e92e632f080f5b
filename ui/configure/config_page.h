// The Configure page: a run config as a form grouped by section and as raw JSON, kept in sync both ways, with
// core's validation messages next to their fields; presets; config files; the model's parameter count and a
// memory bar of the training estimate against a GPU budget (red, with the reason and a plan that fits, when
// it does not fit; estimate_pane.h); and Start Run for a valid config. A view of the workspace session: its
// datasets (those of the stage's kind, core/config/dataset_fit.h) and checkpoints fill the folder fields.
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
class EstimatePane;
class MemoryBreakdownModel;
class WorkspaceSession;

class ConfigPage : public QWidget {
    Q_OBJECT
public:
    explicit ConfigPage(QWidget *parent = nullptr);  // with a workspace session of its own
    // A view of `session` (the main window's, shared by every page): its datasets and checkpoints.
    ConfigPage(WorkspaceSession *session, QWidget *parent);
    ~ConfigPage() override;

    // Opens `ws` in the page's session: the workspace runs start in, and whose datasets and checkpoints the
    // folder fields offer (nullopt: none). A store that cannot be read is said above the form, never thrown.
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
    bool planFits() const;
    QString memoryText()
        const;  // "Fits: ..." or "Does not fit: needs ... of ...: reason; a plan that fits: ..."
    QString parameterText() const;  // "25.8M parameters"
    MemoryBreakdownModel *memoryModel() const;
    QPushButton *startButton() const { return m_startButton; }

public Q_SLOTS:
    void openConfigDialog();
    void saveConfigDialog();
    void applyRecommendedPlan();  // the suggested micro-batch, precision and checkpointing, same batch tokens

Q_SIGNALS:
    void startRunRequested(const danka::core::RunConfig &config);

private:
    void formEdited();
    void followBaseCheckpoint(nlohmann::ordered_json &values);
    void jsonEdited();
    void readJsonText();
    void analyse(const nlohmann::json &json);
    void writeJsonText(const QString &text);
    void updateStatus();
    void updateStartButton();
    void refreshWorkspaceFolders();
    // The data.dataset field: the workspace's prepared datasets of the stage's kind, offered by name.
    void updateDatasetChoices();
    void setNotice(const QString &text, bool error);
    void startRun();

    WorkspaceSession *m_session;
    core::ConfigLoadResult m_result;              // the last readable config and its problems
    std::vector<core::ConfigProblem> m_unplaced;  // problems of no field: shown above the form
    QString m_syntaxError;                        // the JSON view does not parse; the form keeps its values
    bool m_writingJson = false;
    std::optional<QString> m_datasetKind;         // the kind the dataset choices were made for

    ConfigForm *m_form;
    QPlainTextEdit *m_json;
    QLabel *m_jsonStatus;
    QTimer *m_jsonTimer;
    QComboBox *m_presets;
    QPushButton *m_startButton;
    QLabel *m_notice;
    QLabel *m_problemsLabel;
    EstimatePane *m_estimate;  // size and memory
};

}  // namespace danka::ui
