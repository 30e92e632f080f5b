// The Chat page's model choice: a checkpoint (any checkpoint of the workspace's runs, a folder opened
// before, or one browsed for) and a LoRA adapter to put on it unmerged (the workspace's LoRA checkpoints or
// a folder), with a line about the loaded model. The checkpoints are the workspace session's (core decides
// which are adapters, core/checkpoint/compatibility.h); the lists follow the session, and the store is read
// again whenever they are shown, so checkpoints appear while runs train. The page loads what is chosen and
// tells the picker what is current.
#pragma once

#include <QStringList>
#include <QWidget>
#include <string>

class QComboBox;
class QLabel;

namespace danka::ui {

class WorkspaceSession;

class ModelPicker : public QWidget {
    Q_OBJECT
public:
    explicit ModelPicker(QWidget *parent = nullptr);

    // Where the checkpoints come from: the session's workspace (none open: only the folders opened).
    void setSession(WorkspaceSession *session);
    // The checkpoint and adapter loaded or loading (empty: none); the boxes show them, and a folder that is
    // no checkpoint of a run is remembered at the top of the list.
    void setCurrent(const QString &checkpoint, const QString &adapter);
    void setModelText(const QString &text);
    // Lists the session's checkpoints and adapters again.
    void refresh();

    // A stored path, relative to the workspace or absolute, as a clean absolute path.
    QString absolutePath(const std::string &path) const;

    QComboBox *checkpointBox() const { return m_checkpointBox; }
    QComboBox *adapterBox() const { return m_adapterBox; }

Q_SIGNALS:
    void checkpointChosen(const QString &dir);
    void adapterChosen(const QString &adapter);  // "" = take the adapter off

private:
    void readStoreAndRefresh();
    void browseCheckpoint();
    void browseAdapter();

    WorkspaceSession *m_session = nullptr;
    QString m_checkpoint, m_adapter;
    QStringList m_opened;  // folders opened that are not checkpoints of the store's runs, newest first
    QComboBox *m_checkpointBox;
    QComboBox *m_adapterBox;
    QLabel *m_modelLabel;
};

}  // namespace danka::ui
