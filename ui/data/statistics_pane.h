// The Data page's Statistics tab: how record lengths are measured ("Lengths in": characters, or the tokens of
// one of the workspace session's tokenizers, the newest unless the user chose), the figures of the shown file
// or dataset, and their length histogram. The page computes the figures; the pane shows them.
#pragma once

#include <QWidget>

class QComboBox;
class QTextBrowser;

namespace danka::ui {

class HistogramView;
class WorkspaceSession;

class StatisticsPane : public QWidget {
    Q_OBJECT
public:
    StatisticsPane(WorkspaceSession *session, QWidget *parent = nullptr);

    // The tokenizer folder lengths are measured in; "" = characters.
    QString lengthsTokenizer() const;
    // Measures in the tokenizer folder `dir` (listed when it is not). Returns whether the choice changed.
    bool setLengthsTokenizer(const QString &dir);
    void setLengthsEnabled(bool enabled);  // a prepared dataset's lengths are in its own tokens
    QTextBrowser *text() const { return m_text; }
    HistogramView *histogram() const { return m_histogram; }

Q_SIGNALS:
    void lengthsChanged();  // the user or the session's tokenizers changed how lengths are measured

private:
    void showTokenizers();  // the session's tokenizers in the "Lengths in" list

    WorkspaceSession *m_session;
    QComboBox *m_lengths;
    QTextBrowser *m_text;
    HistogramView *m_histogram;
    bool m_chosen = false;  // the user chose how lengths are measured: kept across refreshes
};

}  // namespace danka::ui
