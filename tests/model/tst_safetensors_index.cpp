// Sharded safetensors checkpoints: an index written by hand and one written by huggingface_hub read into one
// map, and every inconsistency between the index and its shards refused with a message naming it.
#include <QDir>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

#include "model/safetensors.h"
#include "tests/model/safetensors_test_util.h"
#include "tests/support/interop_skip.h"

using namespace danka::model;
using namespace danka::test;

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

}  // namespace

class TestSafetensorsIndex : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    at::Tensor m_a = randomTensor(at::kFloat, {4, 3}, 1);
    at::Tensor m_b = randomTensor(at::kBFloat16, {5}, 2);
    at::Tensor m_c = randomTensor(at::kLong, {2, 2}, 3);

    std::string path(const QString &name) const { return m_dir.filePath(name).toStdString(); }

    // shard-a holds a and b, shard-b holds c; the index is `index` (JSON text), in its own folder.
    std::string makeCheckpoint(const QString &folder, const QByteArray &index)
    {
        QDir(m_dir.path()).mkpath(folder);
        writeSafetensors(path(folder + QStringLiteral("/shard-a.safetensors")), {{"a", m_a}, {"b", m_b}});
        writeSafetensors(path(folder + QStringLiteral("/shard-b.safetensors")), {{"c", m_c}});
        const std::string indexPath = path(folder + QStringLiteral("/model.safetensors.index.json"));
        writeFile(qs(indexPath), index);
        return indexPath;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void readsEveryShard()
    {
        const std::string index = makeCheckpoint(QStringLiteral("good"), R"({
            "metadata": {"total_size": 90},
            "weight_map": {"a": "shard-a.safetensors", "b": "shard-a.safetensors",
                           "c": "shard-b.safetensors"}})");

        const SafetensorsIndex info = readSafetensorsIndex(index);
        QCOMPARE(info.totalSize, std::optional<uint64_t>(48 + 10 + 32));
        QCOMPARE(info.weightMap.size(), size_t(3));
        QCOMPARE(info.shards.size(), size_t(2));
        QCOMPARE(info.shards.at("shard-a.safetensors").tensors.size(), size_t(2));
        QCOMPARE(info.shards.at("shard-b.safetensors").find("c")->shape, (std::vector<int64_t>{2, 2}));

        const std::map<std::string, at::Tensor> tensors = readShardedSafetensors(index);
        QCOMPARE(tensors.size(), size_t(3));
        QCOMPARE(tensorBytes(tensors.at("a")), tensorBytes(m_a));
        QCOMPARE(tensorBytes(tensors.at("b")), tensorBytes(m_b));
        QCOMPARE(tensorBytes(tensors.at("c")), tensorBytes(m_c));
        QCOMPARE(tensors.at("b").scalar_type(), at::kBFloat16);

        // Some writers store total_size as a float; a whole number is accepted.
        const QString floatIndex = m_dir.filePath(QStringLiteral("good/float.index.json"));
        QVERIFY(writeFile(floatIndex, R"({"metadata": {"total_size": 90.0},
                                          "weight_map": {"c": "shard-b.safetensors"}})"));
        QCOMPARE(readSafetensorsIndex(floatIndex.toStdString()).totalSize, std::optional<uint64_t>(90));
    }

    void inconsistentIndexesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("index");
        QTest::addColumn<QString>("fragment");
        const auto row = [](const char *name, const QByteArray &weightMap, const char *fragment) {
            QTest::newRow(name) << QByteArray("{\"metadata\": {\"total_size\": 90}, \"weight_map\": " +
                                              weightMap + "}")
                                << QString::fromUtf8(fragment);
        };
        row("missing shard",
            R"({"a": "shard-a.safetensors", "b": "shard-a.safetensors", "c": "shard-c.safetensors"})",
            "shard \"shard-c.safetensors\" (of tensor \"c\") does not exist");
        row("tensor mapped to the wrong shard",
            R"({"a": "shard-a.safetensors", "b": "shard-a.safetensors", "c": "shard-a.safetensors"})",
            "tensor \"c\" is mapped to shard \"shard-a.safetensors\", which does not hold it");
        row("shard holds a tensor mapped elsewhere",
            R"({"a": "shard-a.safetensors", "b": "shard-b.safetensors", "c": "shard-b.safetensors"})",
            "shard \"shard-a.safetensors\" holds tensor \"b\", which the index maps to "
            "\"shard-b.safetensors\"");
        row("shard holds a tensor the index omits",
            R"({"a": "shard-a.safetensors", "c": "shard-b.safetensors"})",
            "shard \"shard-a.safetensors\" holds tensor \"b\", which the index does not list");
        row("shard outside the folder", R"({"a": "../good/shard-a.safetensors"})",
            "tensor \"a\" is mapped to \"../good/shard-a.safetensors\", which is not a file name inside the "
            "index's folder");
        row("absolute shard path", R"({"a": "/etc/passwd"})",
            "tensor \"a\" is mapped to \"/etc/passwd\", which is not a file name inside the index's folder");
        row("shard name not a string", R"({"a": 1})",
            "\"weight_map\": tensor \"a\" must map to a file name (a string)");
        row("duplicate tensor", R"({"a": "shard-a.safetensors", "a": "shard-b.safetensors"})",
            "the index: the entry \"weight_map\" has the key \"a\" twice");
        QTest::newRow("no weight_map")
            << QByteArray(R"({"metadata": {}})")
            << QStringLiteral("\"weight_map\" must be an object mapping tensor names");
        QTest::newRow("weight_map a list")
            << QByteArray(R"({"weight_map": []})")
            << QStringLiteral("\"weight_map\" must be an object mapping tensor names");
        QTest::newRow("negative total_size")
            << QByteArray(R"({"metadata": {"total_size": -1}, "weight_map": {}})")
            << QStringLiteral("\"metadata.total_size\" must be a non-negative integer");
        QTest::newRow("not JSON") << QByteArray("{\"weight_map\": ")
                                  << QStringLiteral("the index is not valid JSON");
        QTest::newRow("not an object")
            << QByteArray("[]") << QStringLiteral("the index is not a JSON object");
    }
    void inconsistentIndexesAreRefused()
    {
        QFETCH(QByteArray, index);
        QFETCH(QString, fragment);
        const std::string indexPath = makeCheckpoint(QStringLiteral("bad"), index);
        // Both entry points validate before reading any tensor; messages start with the index's path.
        DANKA_VERIFY_ERROR(errorOf([&] { readSafetensorsIndex(indexPath); }),
                           indexPath + ": " + fragment.toStdString());
        DANKA_VERIFY_ERROR(errorOf([&] { readShardedSafetensors(indexPath); }),
                           indexPath + ": " + fragment.toStdString());
    }

    void damagedShardIsNamed()
    {
        const std::string index = makeCheckpoint(QStringLiteral("damaged"), R"({
            "weight_map": {"a": "shard-a.safetensors", "b": "shard-a.safetensors",
                           "c": "shard-b.safetensors"}})");
        const QString shard = m_dir.filePath(QStringLiteral("damaged/shard-b.safetensors"));
        QByteArray bytes = readFile(shard);
        bytes.chop(4);  // truncated download
        QVERIFY(writeFile(shard, bytes));
        DANKA_VERIFY_ERROR(
            errorOf([&] { readShardedSafetensors(index); }),
            shard.toStdString() + ": tensor \"c\": data_offsets [0, 32) exceed the data buffer of 28 bytes");
        const std::string missing = path(QStringLiteral("nowhere/model.safetensors.index.json"));
        DANKA_VERIFY_ERROR(errorOf([&] { readSafetensorsIndex(missing); }),
                           missing + ": cannot read the index");
    }

    void readsHuggingFaceShards()
    {
        // huggingface_hub writes the shards and the index as transformers does (save_pretrained); its
        // tensors' bytes are the oracle.
        const QString script = QStringLiteral(R"(
import json, sys, torch
from huggingface_hub import save_torch_state_dict
g = torch.Generator().manual_seed(3)
state = {f"model.layers.{i}.mlp.weight": torch.randn(16, 16, generator=g).to(torch.bfloat16)
         for i in range(4)}
state["model.embed_tokens.weight"] = torch.randint(-100, 100, (32, 8), generator=g, dtype=torch.int32)
save_torch_state_dict(state, sys.argv[1], max_shard_size=1200)
print(json.dumps({k: t.reshape(-1).view(torch.uint8).numpy().tobytes().hex() for k, t in state.items()}))
)");
        const QString folder = m_dir.filePath(QStringLiteral("hf"));
        QVERIFY(QDir().mkpath(folder));
        DANKA_RUN_PYTHON(output, QStringLiteral("torch, huggingface_hub"), script, QStringList{folder});
        const QJsonObject expected = QJsonDocument::fromJson(output).object();
        QCOMPARE(expected.size(), 5);

        const std::string index = (folder + QStringLiteral("/model.safetensors.index.json")).toStdString();
        const SafetensorsIndex info = readSafetensorsIndex(index);
        QVERIFY2(info.shards.size() > 1, "max_shard_size should have split the checkpoint");
        const std::map<std::string, at::Tensor> tensors = readShardedSafetensors(index);
        QCOMPARE(tensors.size(), size_t(5));
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            const auto found = tensors.find(it.key().toStdString());
            QVERIFY2(found != tensors.end(), qPrintable(it.key()));
            QCOMPARE(tensorBytes(found->second).toHex(), it.value().toString().toLatin1());
        }
        QCOMPARE(tensors.at("model.embed_tokens.weight").scalar_type(), at::kInt);
    }
};

DANKA_INTEROP_TEST_MAIN(TestSafetensorsIndex)
#include "tst_safetensors_index.moc"
