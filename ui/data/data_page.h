// The Data page: open a raw data file (any layout the pipeline reads) or a prepared dataset, page through
// its records in a table that reads only the rows on screen (a 1 GB file opens in seconds and scrolls
// freely), see the selected record in full (conversations coloured by role, preference pairs side by
// side), statistics with a length histogram, and the rejected-lines report; and prepare a dataset from
// raw files. Indexing, statistics and preparing run as jobs: the window never waits on them.
#pragma once

#include <QString>
#include <QWidget>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/data/records.h"
#include "core/store/records.h"
#include "core/store/workspace.h"

class QAbstractItemModel;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;
class QTextBrowser;

namespace danka::core::data {
class Dataset;
class RecordIndex;
}  // namespace danka::core::data

namespace danka::ui {

class HistogramView;
class JobRunner;
class PrepareDialog;
class RecordsModel;
class SegmentsModel;
class StatisticsPane;
class WorkspaceDatasetsPane;
class WorkspaceSession;
struct RawFileStats;

class DataPage : public QWidget {
    Q_OBJECT
public:
    enum class Source { None, RawFile, Dataset };

    explicit DataPage(QWidget *parent = nullptr);  // with a workspace session of its own
    // A view of `session` (the main window's, shared by every page): its datasets and tokenizers.
    DataPage(WorkspaceSession *session, QWidget *parent);
    ~DataPage() override;

    // Opens `workspace` in the page's session: its datasets and tokenizers are listed (nullopt: none; files
    // and datasets can still be opened, the list and Prepare... say that they need a workspace). A store that
    // cannot be opened is shown on the page, never thrown.
    void setWorkspace(const std::optional<core::Workspace> &workspace);

    // Opens a raw data file or a prepared dataset folder (one with dataset.json). Loading runs as a job: true
    // when it started; false, with the reason in `error`, when the path cannot be opened at all. A failure
    // found while loading is shown on the page and signalled with loadFailed().
    bool openPath(const QString &path, QString *error = nullptr);
    bool openFile(const QString &path, core::data::DataFormat format = core::data::DataFormat::Auto,
                  QString *error = nullptr);
    bool openDataset(const QString &dir, QString *error = nullptr);

    Source source() const { return m_source; }
    QString currentPath() const { return m_path; }
    bool isBusy() const;              // loading or computing statistics
    bool waitForIdle(int timeoutMs);  // runs the event loop until not busy (tests, screenshots)

    QAbstractItemModel *recordsModel()
        const;  // the table's model: records of a file or segments of a dataset
    RecordsModel *fileModel() const { return m_records; }
    SegmentsModel *datasetModel() const { return m_segments; }
    QTableView *recordsView() const { return m_view; }
    bool selectRecord(int row);
    int selectedRecord() const;  // -1 when none
    QString detailHtml() const;  // the selected record as shown
    QString detailText() const;
    QString statisticsText() const;
    QString rejectedText() const;
    QString messageText() const;  // the error or warning line over the table
    HistogramView *histogram() const { return m_histogram; }

    // How the statistics measure lengths: a tokenizer folder, or characters (empty).
    void setStatisticsTokenizer(const QString &dir);
    QString statisticsTokenizer() const;
    // The workspace's datasets as listed (their paths).
    QStringList workspaceDatasets() const;

    // Opens the Prepare dialog (not modal to the event loop: it returns at once); null without a workspace.
    PrepareDialog *showPrepareDialog();

    // Records tokenized for the histogram of a raw file (the first ones; characters count all records).
    static constexpr int64_t kTokenSample = 20000;

public Q_SLOTS:
    void chooseFile();
    void chooseDataset();
    void refreshWorkspace();  // the session reads the store; the page lists its datasets and tokenizers

Q_SIGNALS:
    void loaded(const QString &path);
    void loadFailed(const QString &message);
    void statisticsReady();

private:
    struct OpenRequest {
        QString path;
        Source source = Source::None;
        core::data::DataFormat format = core::data::DataFormat::Auto;
    };
    void startPendingOpen();
    void openFinished(int state, const QString &error);
    void applyFile(std::shared_ptr<const core::data::RecordIndex> index);
    void startStatistics();
    void statisticsFinished(int state, const QString &error);
    void showRawStatistics(const RawFileStats &stats);
    void showDatasetInfo();
    void setModel(QAbstractItemModel *model);
    void showDetail();
    QString datasetDetailHtml(int row) const;
    void followLink(const QUrl &url);
    void setMessage(const QString &text, bool isError);
    void clearContent();
    void updateActions();
    void showWorkspaceLists();  // the session's datasets and tokenizers

    WorkspaceSession *m_session;
    Source m_source = Source::None;
    QString m_path;
    std::optional<OpenRequest> m_pending;
    std::function<void(int state, const QString &error)> m_onOpened;  // the running open job's completion
    std::shared_ptr<const core::data::RecordIndex> m_index;
    std::shared_ptr<const core::data::Dataset> m_dataset;
    QString m_tokenizerNote;  // how the dataset's tokenizer was found
    bool m_statsPending = false;
    std::function<void()> m_onStats;

    RecordsModel *m_records;
    SegmentsModel *m_segments;
    JobRunner *m_openRunner;
    JobRunner *m_statsRunner;

    QPushButton *m_openFileButton;
    QPushButton *m_openDatasetButton;
    QPushButton *m_prepareButton;
    QComboBox *m_formatCombo;
    QLabel *m_pathLabel;
    QLabel *m_messageLabel;
    WorkspaceDatasetsPane *m_datasetsPane;
    QTableView *m_view;
    QSpinBox *m_gotoSpin;
    QLabel *m_countLabel;
    QTabWidget *m_tabs;
    QTextBrowser *m_detail;
    StatisticsPane *m_statistics;  // the Statistics tab
    QTextBrowser *m_statsText;     // the pane's
    HistogramView *m_histogram;    // the pane's
    QTextBrowser *m_rejected;
};

}  // namespace danka::ui
