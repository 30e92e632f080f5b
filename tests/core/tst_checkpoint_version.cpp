// The version in a checkpoint's danka.json is read back: a checkpoint written by this build loads, one whose
// danka.json says a newer version is refused naming the file and both versions (full weights and LoRA
// adapters alike), one without a version is the oldest format and loads, and a version that is not a positive
// integer is an error naming the file. Oracles: the messages written out here by hand, and the version number
// the writer put in the file.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <functional>

#include "core/checkpoint/adapters.h"
#include "core/checkpoint/checkpoint_meta.h"
#include "core/checkpoint/model_io.h"
#include "core/tokenizer/tokenizer.h"
#include "model/lora.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using namespace danka;
using namespace danka::core;

namespace {

model::ModelConfig tinyModel()
{
    model::ModelConfig c;
    c.vocabSize = 2000;  // the demo tokenizer's pieces
    c.hiddenSize = 32;
    c.nLayers = 1;
    c.nHeads = 2;
    c.ffnHiddenSize = 64;
    c.maxSeqLen = 32;
    return c;
}

nlohmann::json readJson(const fs::path &file)
{
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

void writeJson(const fs::path &file, const nlohmann::json &j)
{
    std::ofstream out(file);
    out << j.dump(2) << '\n';
}

// The message `f` throws, or "" when it throws nothing (a QString, so that QCOMPARE prints both on failure).
QString errorOf(const std::function<void()> &f)
{
    try {
        f();
    } catch (const std::exception &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace

class TestCheckpointVersion : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string m_full;     // a full checkpoint as written
    std::string m_adapter;  // a LoRA adapter of it as written

    // A copy of the checkpoint `from` at `name` whose danka.json `edit` changed.
    std::string editedCopy(const std::string &from, const std::string &name,
                           const std::function<void(nlohmann::json &)> &edit)
    {
        const fs::path to = fs::path(m_dir.path().toStdString()) / name;
        fs::copy(from, to, fs::copy_options::recursive);
        nlohmann::json danka = readJson(to / "danka.json");
        edit(danka);
        writeJson(to / "danka.json", danka);
        return to.string();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(test::demoTokenizerDir());
        torch::manual_seed(3);
        model::Transformer m(tinyModel());
        m_full = m_dir.filePath(QStringLiteral("full")).toStdString();
        writeModelCheckpoint(*m, tok, m_full, {});

        model::LoraSettings lora;
        lora.rank = 2;
        lora.alpha = 4;
        model::attachLora(*m, lora);
        m_adapter = m_dir.filePath(QStringLiteral("adapter")).toStdString();
        fs::create_directories(m_adapter);
        writeAdapterFiles(*m, tok, m_adapter, {}, m_full);
    }

    void theWriterRecordsThisBuildsVersion()
    {
        QCOMPARE(kCheckpointVersion, 1);
        QCOMPARE(readJson(fs::path(m_full) / "danka.json").at("version").get<int>(), kCheckpointVersion);
        QCOMPARE(readJson(fs::path(m_adapter) / "danka.json").at("version").get<int>(), kCheckpointVersion);
    }

    void theCurrentVersionLoads()
    {
        const LoadedCheckpoint full = loadModelCheckpoint(m_full);
        QCOMPARE(full.danka.at("version").get<int>(), 1);
        QCOMPARE(full.model->config().hiddenSize, int64_t(32));
        LoadedCheckpoint adapter = loadModelCheckpoint(m_adapter);
        QVERIFY(model::hasLora(*adapter.model));
        QCOMPARE(adapter.danka.at("adapter").get<bool>(), true);
    }

    void aNewerVersionIsRefusedByName()
    {
        const std::string dir = editedCopy(m_full, "newer", [](nlohmann::json &j) { j["version"] = 2; });
        const QString expected = QString::fromStdString(
            dir + "/danka.json: written by a newer Danka (checkpoint version 2; this build reads up to 1)");
        QCOMPARE(errorOf([&] { loadModelCheckpoint(dir); }), expected);
        QCOMPARE(errorOf([&] { readCheckpointMeta(dir); }), expected);

        // A version past int64 reads as newer too, not as a wrapped negative number.
        const std::string huge =
            editedCopy(m_full, "huge", [](nlohmann::json &j) { j["version"] = uint64_t(18446744073709551615u); });
        QCOMPARE(errorOf([&] { loadModelCheckpoint(huge); }),
                 QString::fromStdString(huge + "/danka.json: written by a newer Danka (checkpoint version "
                                               "18446744073709551615; this build reads up to 1)"));
    }

    void aNewerAdapterIsRefusedByName()
    {
        const std::string dir = editedCopy(m_adapter, "newer-adapter", [](nlohmann::json &j) { j["version"] = 7; });
        const QString expected = QString::fromStdString(
            dir + "/danka.json: written by a newer Danka (checkpoint version 7; this build reads up to 1)");
        // Opened as a folder of its own (loads its base), put on a base, merged, or asked for its base.
        QCOMPARE(errorOf([&] { loadModelCheckpoint(dir); }), expected);
        QCOMPARE(errorOf([&] { loadModelCheckpoint(m_full, model::KernelMode::Fused, "cpu", dir); }), expected);
        QCOMPARE(errorOf([&] { adapterBaseCheckpoint(dir); }), expected);
        const std::string merged = m_dir.filePath(QStringLiteral("merged")).toStdString();
        QCOMPARE(errorOf([&] { mergeAdapterCheckpoint(dir, m_full, merged); }), expected);
        QVERIFY(!fs::exists(merged));
    }

    void noVersionIsTheOldestFormat()
    {
        const std::string dir = editedCopy(m_full, "unversioned", [](nlohmann::json &j) { j.erase("version"); });
        QVERIFY(!readJson(fs::path(dir) / "danka.json").contains("version"));
        const LoadedCheckpoint loaded = loadModelCheckpoint(dir);
        QCOMPARE(checkpointVersion(loaded.danka, dir), 1);
        QCOMPARE(loaded.model->config().nLayers, int64_t(1));
    }

    void aVersionThatIsNoPositiveIntegerIsAnError()
    {
        const std::string text = editedCopy(m_full, "text", [](nlohmann::json &j) { j["version"] = "2"; });
        QCOMPARE(errorOf([&] { loadModelCheckpoint(text); }),
                 QString::fromStdString(text + "/danka.json: \"version\" must be a positive integer, got \"2\""));
        const std::string zero = editedCopy(m_full, "zero", [](nlohmann::json &j) { j["version"] = 0; });
        QCOMPARE(errorOf([&] { loadModelCheckpoint(zero); }),
                 QString::fromStdString(zero + "/danka.json: \"version\" must be a positive integer, got 0"));
        const std::string fraction = editedCopy(m_full, "fraction", [](nlohmann::json &j) { j["version"] = 1.5; });
        QCOMPARE(errorOf([&] { loadModelCheckpoint(fraction); }),
                 QString::fromStdString(fraction + "/danka.json: \"version\" must be a positive integer, got 1.5"));
    }

    void aFolderWithoutDankaJsonHasNoVersionToCheck()
    {
        // A Hugging Face folder has no danka.json: nothing to refuse, an empty object.
        QVERIFY(readCheckpointMeta(m_dir.filePath(QStringLiteral("nowhere")).toStdString()) ==
                nlohmann::json::object());
    }
};

QTEST_GUILESS_MAIN(TestCheckpointVersion)
#include "tst_checkpoint_version.moc"
