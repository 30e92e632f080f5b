// Model choice of the Chat page (see model_picker.h).
#include "ui/chat/model_picker.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <functional>
#include <vector>

#include "ui/common/checkpoint_choices.h"
#include "ui/common/workspace_session.h"

namespace danka::ui {

namespace {

constexpr int kPathRole = Qt::UserRole;
constexpr int kBrowseRole = Qt::UserRole + 1;

// A combo box that refreshes its items just before they are shown.
class RefreshingBox : public QComboBox {
public:
    using QComboBox::QComboBox;
    std::function<void()> beforePopup;
    void showPopup() override
    {
        if (beforePopup) beforePopup();
        QComboBox::showPopup();
    }
};

RefreshingBox *makeBox(QWidget *parent, std::function<void()> beforePopup)
{
    auto *box = new RefreshingBox(parent);
    box->beforePopup = std::move(beforePopup);
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box->setMinimumContentsLength(16);
    return box;
}

// Items: `first` (no path), then the folders with their labels and paths as tooltips, then Browse...
void fill(QComboBox *box, const QString &first, const QStringList &paths, const QStringList &labels,
          const QString &current)
{
    const QSignalBlocker blocker(box);
    box->clear();
    box->addItem(first, QString());
    for (int i = 0; i < paths.size(); ++i) {
        box->addItem(labels[i], paths[i]);
        box->setItemData(box->count() - 1, paths[i], Qt::ToolTipRole);
    }
    box->insertSeparator(box->count());
    box->addItem(ModelPicker::tr("Browse..."));
    box->setItemData(box->count() - 1, true, kBrowseRole);
    box->setCurrentIndex(std::max(0, current.isEmpty() ? 0 : box->findData(current, kPathRole)));
}

}  // namespace

ModelPicker::ModelPicker(QWidget *parent)
    : QWidget(parent),
      m_checkpointBox(makeBox(this, [this] { readStoreAndRefresh(); })),
      m_adapterBox(makeBox(this, [this] { readStoreAndRefresh(); })),
      m_modelLabel(new QLabel(tr("No model loaded."), this))
{
    m_adapterBox->setToolTip(tr("A LoRA adapter put on the checkpoint above without merging it"));
    m_modelLabel->setWordWrap(true);
    m_modelLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_checkpointBox, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        if (m_checkpointBox->itemData(index, kBrowseRole).toBool()) return browseCheckpoint();
        const QString path = m_checkpointBox->itemData(index, kPathRole).toString();
        if (!path.isEmpty()) Q_EMIT checkpointChosen(path);
    });
    connect(m_adapterBox, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        if (m_adapterBox->itemData(index, kBrowseRole).toBool()) return browseAdapter();
        Q_EMIT adapterChosen(m_adapterBox->itemData(index, kPathRole).toString());
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_checkpointBox);
    auto *adapterRow = new QHBoxLayout;
    adapterRow->addWidget(new QLabel(tr("Adapter:"), this));
    adapterRow->addWidget(m_adapterBox, 1);
    layout->addLayout(adapterRow);
    layout->addWidget(m_modelLabel);
    refresh();
}

void ModelPicker::setSession(WorkspaceSession *session)
{
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    if (m_session)
        connect(m_session, &WorkspaceSession::checkpointsChanged, this, [this] {
            // Not under the user's hand: an open list keeps its items until it closes.
            if (!m_checkpointBox->view()->isVisible() && !m_adapterBox->view()->isVisible()) refresh();
        });
    refresh();
}

void ModelPicker::readStoreAndRefresh()
{
    if (m_session) m_session->refresh();  // the newest checkpoints, as the list opens
    refresh();
}

void ModelPicker::setCurrent(const QString &checkpoint, const QString &adapter)
{
    m_checkpoint = checkpoint;
    m_adapter = adapter;
    if (!checkpoint.isEmpty() && !m_opened.contains(checkpoint)) m_opened.prepend(checkpoint);
    refresh();
}

void ModelPicker::setModelText(const QString &text)
{
    m_modelLabel->setText(text);
}

QString ModelPicker::absolutePath(const std::string &path) const
{
    const QString p = QString::fromStdString(path);
    if (QDir::isAbsolutePath(p) || !m_session || !m_session->workspace()) return QDir::cleanPath(p);
    return QDir::cleanPath(QDir(QString::fromStdString(m_session->workspace()->path())).filePath(p));
}

void ModelPicker::refresh()
{
    // One pass over the store: every checkpoint, newest first, and the LoRA adapters among them.
    using Choice = CheckpointChoice;
    std::vector<Choice> choices;
    if (m_session) {
        choices = CheckpointChoices::list(*m_session);
        for (Choice &c : choices) c.path = absolutePath(c.path.toStdString());
    }
    QStringList paths, labels, adapterPaths, adapterLabels;
    // Folders opened directly come first (the current one included), then the store's checkpoints.
    for (const QString &dir : m_opened)
        if (std::none_of(choices.begin(), choices.end(), [&](const Choice &c) { return c.path == dir; })) {
            paths << dir;
            labels << QFileInfo(dir).fileName();
        }
    if (!m_adapter.isEmpty() &&
        std::none_of(choices.begin(), choices.end(), [&](const Choice &c) { return c.path == m_adapter; })) {
        adapterPaths << m_adapter;
        adapterLabels << QFileInfo(m_adapter).fileName();
    }
    for (const Choice &c : choices) {
        paths << c.path;
        labels << c.label;
        if (c.adapter) {
            adapterPaths << c.path;
            adapterLabels << c.label;
        }
    }
    fill(m_checkpointBox, tr("Choose a checkpoint..."), paths, labels, m_checkpoint);
    fill(m_adapterBox, tr("No adapter"), adapterPaths, adapterLabels, m_adapter);
    m_adapterBox->setEnabled(!m_checkpoint.isEmpty());
}

void ModelPicker::browseCheckpoint()
{
    const QString start = !m_checkpoint.isEmpty() ? QFileInfo(m_checkpoint).absolutePath()
                          : m_session && m_session->workspace()
                              ? QString::fromStdString(m_session->workspace()->runsDir())
                              : QDir::homePath();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Checkpoint Folder"), start);
    if (dir.isEmpty()) return refresh();  // the box shows the current checkpoint again
    Q_EMIT checkpointChosen(dir);
}

void ModelPicker::browseAdapter()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open LoRA Adapter Folder"),
        m_session && m_session->workspace() ? QString::fromStdString(m_session->workspace()->runsDir())
                                            : QDir::homePath());
    if (dir.isEmpty()) return refresh();
    Q_EMIT adapterChosen(QDir::cleanPath(dir));
}

}  // namespace danka::ui
