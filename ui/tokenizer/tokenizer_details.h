// What the Tokenizer page says about a tokenizer: the details pane of a loaded tokenizer (folder, vocabulary,
// special ids, markers, compression figures, normalization, checksum, what it was trained on) and the list row
// of a folder opened from disk.
#pragma once

#include <QCoreApplication>
#include <QString>

#include "core/store/records.h"

namespace danka::core::tokenizer {
class Tokenizer;
}

namespace danka::ui {

struct LoadedTokenizer;

class TokenizerDetails {
    Q_DECLARE_TR_FUNCTIONS(danka::ui::TokenizerDetails)
public:
    static QString html(const LoadedTokenizer &loaded);
    // The list row of a folder opened from disk: its figures come from the metadata written at training time.
    static core::TokenizerRecord record(const core::tokenizer::Tokenizer &tok, const QString &path);
};

}  // namespace danka::ui
