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

namespace danka::core {
class ExperimentStore;
}

namespace danka::ui {

class JobRunner;
class TokenChipDelegate;
class TokenizersModel;
class TokenizerTrainForm;
class TokenPiecesModel;

class TokenizerPage : public QWidget {
    Q_OBJECT
public:
    // Tokens the tester draws as chips at most; the count and chars per token always cover the whole text.
    static constexpr int kMaxChips = 5000;
    static constexpr int kDebounceMs = 150;

    explicit TokenizerPage(QWidget *parent = nullptr);
    ~TokenizerPage() override;  // cancels a running training and waits for its worker

    // Lists the tokenizers of `workspace`; nullopt: no workspace (training is disabled with a hint, opened
    // folders can still be tried). A store that cannot be opened is reported in the page, never thrown.
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
    TokenizerTrainForm *trainForm() const { return m_form; }
    // Starts training with the form's settings. Returns false when the form is invalid (its messages say
    // why) or a training is running.
    bool startTraining();
    void cancelTraining();
    bool isTraining() const;
    JobRunner *trainRunner() const { return m_runner; }
    QString trainResultText() const;  // the last training's result or error, plain text

    // --- the tester
    void setTesterText(const QString &text);
    QString testerText() const;
    TokenPiecesModel *piecesModel() const { return m_pieces; }
    TokenChipDelegate *chipDelegate() const { return m_delegate; }
    QListView *chipsView() const { return m_chips; }
    // True when no load, debounce or encoding is pending: the chips and figures are those of the selected
    // tokenizer on the current text.
    bool testerIsCurrent() const;
    QString testerTokenizerPath() const;  // the tokenizer the chips come from ("" when none)
    qint64 testerTokenCount() const { return m_tokenCount; }
    qint64 testerCharacterCount() const { return m_charCount; }  // Unicode code points of the text
    double testerCharsPerToken() const;                          // characters / tokens; 0 without tokens
    QString testerSummary() const;

public Q_SLOTS:
    void refresh();
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

    struct Loaded;
    struct Encoded;

    void poll();
    void updateEmptyState();
    void updateTrainControls();
    void showMessage(const QString &text, bool error);
    void onSelectionChanged();
    void startLoad(const QString &path, bool addToList);
    void onLoaded(const std::shared_ptr<const Loaded> &loaded, quint64 generation, bool addToList);
    void setCurrentTokenizer(std::shared_ptr<const Loaded> loaded);
    void showDetails();
    void scheduleEncode();
    void encodeNow();
    void onEncoded(const Encoded &encoded);
    void onTrainProgress(double fraction, const QString &message, double etaSeconds);
    void onTrainFinished(int state, const QString &error);

    std::optional<core::Workspace> m_workspace;
    std::unique_ptr<core::ExperimentStore> m_store;
    int64_t m_lastDataVersion = -1;
    QTimer *m_pollTimer;

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

    // Training.
    TokenizerTrainForm *m_form;
    QLabel *m_trainHint;
    QPushButton *m_trainButton;
    QPushButton *m_cancelButton;
    QProgressBar *m_progress;
    QLabel *m_progressLabel;
    QTextBrowser *m_result;
    JobRunner *m_runner;
    struct TrainOutcome;
    std::shared_ptr<TrainOutcome> m_outcome;

    // The tester.
    QTabWidget *m_tabs;
    QLabel *m_testerTitle;
    QPlainTextEdit *m_input;
    QLabel *m_summary;
    QCheckBox *m_showIds;
    QListView *m_chips;
    TokenPiecesModel *m_pieces;
    TokenChipDelegate *m_delegate;
    QTimer *m_debounce;
    quint64 m_encodeRequested = 0;  // generation of the latest encoding started
    quint64 m_encodeShown = 0;      // generation of the encoding on screen
    QString m_shownTokenizerPath;
    qint64 m_tokenCount = 0;
    qint64 m_charCount = 0;
};

}  // namespace danka::ui
