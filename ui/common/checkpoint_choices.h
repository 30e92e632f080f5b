// The checkpoints of a workspace's runs as the studio offers them, in Chat's model picker and Configure's
// base checkpoint: labelled "run name · step N" (not the folder path), newest first. Which checkpoints there
// are, their order and which are LoRA adapters is core's (core/checkpoint/compatibility.h); this adds labels.
#pragma once

#include <QCoreApplication>
#include <QString>
#include <vector>

namespace danka::core {
class ExperimentStore;
}

namespace danka::ui {

class WorkspaceSession;

struct CheckpointChoice {
    QString label;     // "demo · step 400"
    QString path;      // the folder, absolute
    double createdAt;  // Unix seconds
    bool adapter;      // a LoRA adapter (core::isAdapterCheckpoint)
};

class CheckpointChoices {
    Q_DECLARE_TR_FUNCTIONS(danka::ui::CheckpointChoices)
public:
    // Every checkpoint of every run the session publishes, newest first.
    static std::vector<CheckpointChoice> list(const WorkspaceSession &session);
    // The same read from `store`. Throws core::Error when the store cannot be read.
    static std::vector<CheckpointChoice> list(const core::ExperimentStore &store);
    static QString label(const QString &runName, qint64 step);  // "demo · step 400"
};

}  // namespace danka::ui
