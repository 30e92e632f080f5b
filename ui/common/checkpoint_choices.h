// The checkpoints of a workspace's runs as the studio offers them, in Chat's model picker and Configure's
// base checkpoint: labelled "run name · step N" (not the folder path), newest first.
#pragma once

#include <QCoreApplication>
#include <QString>
#include <vector>

namespace danka::core {
class ExperimentStore;
}

namespace danka::ui {

struct CheckpointChoice {
    QString label;     // "demo · step 400"
    QString path;      // the folder, absolute
    double createdAt;  // Unix seconds
    bool adapter;      // a LoRA adapter (core::isAdapterCheckpoint)
};

class CheckpointChoices {
    Q_DECLARE_TR_FUNCTIONS(danka::ui::CheckpointChoices)
public:
    // Every checkpoint of every run of `store`, newest first. Throws core::Error when the store cannot be read.
    static std::vector<CheckpointChoice> list(const core::ExperimentStore &store);
    static QString label(const QString &runName, qint64 step);  // "demo · step 400"
};

}  // namespace danka::ui
