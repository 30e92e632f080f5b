// The Data page's left column: the prepared datasets of the workspace session, newest first, each with its
// kind, records and tokens; a click opens one. Follows the session: a dataset prepared anywhere (the Prepare
// dialog, danka-cli, the demo) appears without a refresh.
#pragma once

#include <QStringList>
#include <QWidget>

class QLabel;
class QListWidget;

namespace danka::ui {

class WorkspaceSession;

class WorkspaceDatasetsPane : public QWidget {
    Q_OBJECT
public:
    WorkspaceDatasetsPane(WorkspaceSession *session, QWidget *parent = nullptr);

    QStringList paths() const;  // the datasets as listed (their folders)
    void showDatasets();        // the session's datasets (it calls this itself when they change)

Q_SIGNALS:
    void datasetChosen(const QString &path);

private:
    WorkspaceSession *m_session;
    QListWidget *m_list;
    QLabel *m_hint;
};

}  // namespace danka::ui
