// The Tokenizer page: the workspace's tokenizers (and any folder opened with Open Folder...) with their
// compression figures; a form that trains a SentencePiece BPE tokenizer on a worker with progress and cancel
// and registers it in the store; and a tester where typed text shows its tokens as coloured chips with their
// ids, the token count and the characters per token. Loading and encoding run off the GUI thread.
#pragma once

#include <QWidget>
#include <memory>
#include <optional>

#include "core/store/workspace.h"

class QCheckBox;
class QLabel;
class QListView;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTextBrowser;
class QTimer;

namespace danka::ui {

class JobRunner;
class TokenChipDelegate;
class TokenizersModel;
class TokenizerTrainForm;
class TokenizerTesterPane;
class TokenizerTrainPane;
struct LoadedTokenizer;
class TokenPiecesModel;
class WorkspaceSession;

class TokenizerPage : public QWidget {
    Q_OBJECT
public:
    // Tokens the tester draws as chips at most; the count and chars per token always cover the whole text.
    static constexpr int kMaxChips = 5000;
    static constexpr int kDebounceMs = 150;

    explicit TokenizerPage(QWidget *parent = nullptr);  // with a workspace session of its own
    // A view of `session` (the main window's, shared by every page): its tokenizers.
    TokenizerPage(WorkspaceSession *session, QWidget *parent);
    ~TokenizerPage() override;  // cancels a running training and waits for its worker

    // Opens `workspace` in the page's session and lists its tokenizers; nullopt: no workspace (training is
    // disabled with a hint, opened folders can still be tried). A store that cannot be opened is reported in
    // the page, never thrown.
    void setWorkspace(const std::optional<core::Workspace> &workspace);

    // --- the list
    TokenizersModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString selectedTokenizerPath() const;  // empty when none is selected
    bool selectTokenizer(const QString &path);
    // Loads a tokenizer folder on a worker, then lists it (not registered) and selects it. Returns false,
    // with the reason shown in the page, when `dir` holds no tokenizer.model; load errors show when they
    // come.
    bool openTokenizerFolder(const QString &dir);
    QString messageText() const;  // the page's latest error or notice, plain text ("" when none)
    QString detailsText() const;  // the selected tokenizer's details pane, plain text

    // --- training
    TokenizerTrainForm *trainForm() const;
    // Starts training with the form's settings. Returns false when the form is invalid (its messages say
    // why) or a training is running.
    bool startTraining();
    void cancelTraining();
    bool isTraining() const;
    JobRunner *trainRunner() const;
    QString trainResultText() const;  // the last training's result or error, plain text

    // --- the tester
    void setTesterText(const QString &text);
    QString testerText() const;
    TokenPiecesModel *piecesModel() const;
    TokenChipDelegate *chipDelegate() const;
    QListView *chipsView() const;
    // True when no load, debounce or encoding is pending: the chips and figures are those of the selected
    // tokenizer on the current text.
    bool testerIsCurrent() const;
    QString testerTokenizerPath() const;  // the tokenizer the chips come from ("" when none)
    qint64 testerTokenCount() const;
    qint64 testerCharacterCount() const;                         // Unicode code points of the text
    double testerCharsPerToken() const;                          // characters / tokens; 0 without tokens
    QString testerSummary() const;

public Q_SLOTS:
    void refresh();                // the session reads the store; the list shows its tokenizers
    void chooseTokenizerFolder();  // a folder dialog, then openTokenizerFolder()

Q_SIGNALS:
    void tokenizerCountChanged(int count);
    void trainingFinished(int state, const QString &error);  // core::JobState: Completed, Failed, Cancelled
    void tokenizerTrained(const QString &path);              // registered and selected
    void testerUpdated();                                    // new chips and figures are shown
    void storeError(const QString &message);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    // The list shows name, vocabulary and the chars/token figures whatever its width; the byte-fallback share
    // and the folder follow while they fit (the details below have them all).
    void fitColumns();

    using Loaded = LoadedTokenizer;

    void onWorkspaceChanged();
    void showTokenizers();  // the session's tokenizers in the list (and the folders opened)
    void updateEmptyState();
    void onTokenizerTrained(const QString &path);
    void showMessage(const QString &text, bool error);
    void onSelectionChanged();
    void startLoad(const QString &path, bool addToList);
    void onLoaded(const std::shared_ptr<const Loaded> &loaded, quint64 generation, bool addToList);
    void setCurrentTokenizer(std::shared_ptr<const Loaded> loaded);
    void showDetails();

    WorkspaceSession *m_session;

    // The list.
    TokenizersModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QLabel *m_emptyLabel;
    QStackedWidget *m_listStack;
    QPushButton *m_openButton;
    QTextBrowser *m_details;
    QLabel *m_messageLabel;

    // Loaded tokenizers by folder (a few: switching back is instant), and the one the tester uses.
    std::vector<std::shared_ptr<const Loaded>> m_cache;
    std::shared_ptr<const Loaded> m_current;
    quint64 m_loadGeneration = 0;  // the latest load started for the selection; older results are dropped
    bool m_loadPending = false;

    TokenizerTrainPane *m_trainPane;  // the Train New tab

    QTabWidget *m_tabs;
    TokenizerTesterPane *m_tester;  // the Try tab
};

}  // namespace danka::ui
