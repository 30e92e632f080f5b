// The experiment store: schema migrations (from empty and from every earlier version), runs, metrics
// (batches, downsampling, NaN), checkpoints, events, assets, cascades.
#include <QTemporaryDir>
#include <QtTest>

#include "core/util/error.h"
#include "core/store/experiment_store.h"
#include "core/store/metric_buffer.h"
#include "core/store/migrations.h"
#include "core/store/workspace_paths.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace danka::core;
namespace fs = std::filesystem;

namespace {

// A column's value as SQLite holds it (what a moved workspace will read).
std::string rawText(ExperimentStore &store, const std::string &sql)
{
    return store.database().queryText(sql);
}

void writeJson(const fs::path &file, const nlohmann::json &j)
{
    fs::create_directories(file.parent_path());
    std::ofstream(file) << j.dump(2);
}

nlohmann::json readJson(const fs::path &file)
{
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

// Every table, index and its SQL: two databases with equal schemas give equal strings.
std::string schemaOf(const sqlite::Database &db)
{
    auto s = db.prepare(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
        "ORDER BY type, name");
    std::string out;
    while (s.step()) out += s.columnText(0) + " " + s.columnText(1) + " " + s.columnText(2) + ": " + s.columnText(3) + "\n";
    return out;
}

// Rows a database at schema version `version` can hold; each version's data must survive later migrations.
void insertDataForVersion(sqlite::Database &db, int version)
{
    if (version >= 1) {
        db.exec("INSERT INTO runs (id, name, stage, status, config, created_at, updated_at) "
                "VALUES (7, '预训练 demo', 'pretrain', 'completed', '{\"x\": 1}', 1.0, 2.0)");
        db.exec("INSERT INTO metrics VALUES (7, 'loss', 1, 2.5, 1.5)");
        db.exec("INSERT INTO events (run_id, time, level, text) VALUES (7, 1.0, 'info', 'started')");
        db.exec("INSERT INTO checkpoints (run_id, step, path, created_at) VALUES (7, 100, 'runs/7/step-100', 3.0)");
    }
    if (version >= 2) {
        db.exec("INSERT INTO tokenizers (name, path, vocab_size, created_at) VALUES ('bpe', 'tok/bpe', 6400, 1.0)");
        db.exec("INSERT INTO datasets (name, path, kind, created_at) VALUES ('demo', 'data/demo', 'pretrain', 1.0)");
    }
    if (version >= 4) {
        db.exec("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (5, 'hi', 1.0, 2.0)");
        db.exec("INSERT INTO messages (conversation_id, position, role, content, created_at) "
                "VALUES (5, 0, 'user', 'hello', 1.0)");
    }
}

void checkDataOfVersion(ExperimentStore &store, int version)
{
    if (version >= 1) {
        const auto run = store.run(7);
        QVERIFY(run.has_value());
        QCOMPARE(run->name, std::string("预训练 demo"));
        QCOMPARE(run->status, RunStatus::Completed);
        QCOMPARE(store.series(7, "loss").size(), size_t(1));
        QCOMPARE(store.events(7).size(), size_t(1));
        QCOMPARE(store.checkpoints(7).size(), size_t(1));
    }
    if (version >= 2) {
        QCOMPARE(store.tokenizers().size(), size_t(1));
        QCOMPARE(store.datasets().size(), size_t(1));
    }
    if (version >= 4) {
        QCOMPARE(store.database().queryInt("SELECT count(*) FROM messages WHERE conversation_id = 5"), int64_t(1));
    }
}

}  // namespace

class TestExperimentStore : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    int m_counter = 0;
    std::string freshPath() { return m_dir.filePath(QStringLiteral("db%1.sqlite").arg(++m_counter)).toStdString(); }

private Q_SLOTS:
    void freshDatabaseIsAtTheLatestSchema()
    {
        ExperimentStore store(freshPath());
        QCOMPARE(store.schemaVersion(), store::latestSchemaVersion());
        QCOMPARE(store.database().queryText("PRAGMA journal_mode"), std::string("wal"));
        QCOMPARE(store.database().queryInt("PRAGMA foreign_keys"), int64_t(1));
        for (const char *table : {"runs", "metrics", "checkpoints", "events", "datasets", "tokenizers",
                                  "preference_pairs", "conversations", "messages", "eval_results"}) {
            const auto count = store.database().queryInt(
                std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '") + table + "'");
            QVERIFY2(count == 1, table);
        }
        QCOMPARE(store.database().queryText("PRAGMA integrity_check"), std::string("ok"));
    }

    void migratesFromEveryEarlierVersion_data()
    {
        QTest::addColumn<int>("version");
        for (int v = 0; v < store::latestSchemaVersion(); ++v) QTest::newRow(("from v" + std::to_string(v)).c_str()) << v;
    }
    void migratesFromEveryEarlierVersion()
    {
        QFETCH(int, version);
        const std::string path = freshPath();
        {
            sqlite::Database db(path);
            db.exec("PRAGMA foreign_keys = ON");
            store::migrate(db, version);
            QCOMPARE(db.userVersion(), version);
            insertDataForVersion(db, version);
        }
        ExperimentStore migrated(path);
        QCOMPARE(migrated.schemaVersion(), store::latestSchemaVersion());
        // Oracle: the schema a fresh database gets.
        ExperimentStore fresh(freshPath());
        QCOMPARE(schemaOf(migrated.database()), schemaOf(fresh.database()));
        checkDataOfVersion(migrated, version);
        QCOMPARE(migrated.database().queryText("PRAGMA integrity_check"), std::string("ok"));
    }

    void reopeningIsIdempotent()
    {
        const std::string path = freshPath();
        int64_t id;
        {
            ExperimentStore store(path);
            id = store.createRun("a", "pretrain");
        }
        ExperimentStore again(path);
        QCOMPARE(again.schemaVersion(), store::latestSchemaVersion());
        QVERIFY(again.run(id).has_value());
    }

    void newerDatabaseIsRefusedWithAHint()
    {
        const std::string path = freshPath();
        {
            sqlite::Database db(path);
            db.setUserVersion(store::latestSchemaVersion() + 1);
        }
        try {
            ExperimentStore store(path);
            QFAIL("a database from a newer Danka was opened");
        } catch (const Error &e) {
            const std::string message = e.what();
            QVERIFY2(message.find(path) != std::string::npos, e.what());
            QVERIFY2(message.find("newer Danka") != std::string::npos, e.what());
        }
    }

    void notADatabaseGivesAClearError()
    {
        const QString path = m_dir.filePath(QStringLiteral("garbage.sqlite"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'x'));
        f.close();
        QVERIFY_THROWS_EXCEPTION(Error, ExperimentStore(path.toStdString()));
    }

    void runLifecycleStampsTimes()
    {
        ExperimentStore store(freshPath());
        const int64_t id = store.createRun("run 1", "pretrain", R"({"model": {}})");
        auto run = store.run(id);
        QCOMPARE(run->status, RunStatus::Created);
        QVERIFY(!run->startedAt && !run->finishedAt);

        store.setRunStatus(id, RunStatus::Running);
        run = store.run(id);
        QVERIFY(run->startedAt.has_value());
        const double started = *run->startedAt;

        store.setRunStatus(id, RunStatus::Failed, "loss is NaN at step 12");
        run = store.run(id);
        QCOMPARE(run->status, RunStatus::Failed);
        QCOMPARE(run->error, std::string("loss is NaN at step 12"));
        QVERIFY(run->finishedAt.has_value());

        store.setRunStatus(id, RunStatus::Running);  // resumed: keeps its start, clears finish and error
        run = store.run(id);
        QCOMPARE(*run->startedAt, started);
        QVERIFY(!run->finishedAt.has_value());
        QVERIFY(run->error.empty());

        store.renameRun(id, "renamed");
        QCOMPARE(store.run(id)->name, std::string("renamed"));
        QVERIFY_THROWS_EXCEPTION(Error, store.setRunStatus(9999, RunStatus::Running));
        QVERIFY(!store.run(9999).has_value());
    }

    void runsAreNewestFirstWithLineage()
    {
        ExperimentStore store(freshPath());
        const int64_t a = store.createRun("pretrain", "pretrain");
        const int64_t b = store.createRun("sft", "sft", "{}", a);
        const auto runs = store.runs();
        QCOMPARE(runs.size(), size_t(2));
        QCOMPARE(runs[0].id, b);
        QCOMPARE(runs[0].parentRunId, std::optional<int64_t>(a));
        QVERIFY_THROWS_EXCEPTION(Error, store.createRun("bad", "sft", "not json"));
    }

    void metricSeriesExactAndDownsampled()
    {
        ExperimentStore store(freshPath());
        const int64_t id = store.createRun("m", "pretrain");
        std::vector<MetricPoint> points;
        for (int step = 0; step < 1000; ++step) points.push_back({id, "loss", step, double(step), 1000.0 + step});
        store.appendMetrics(points);

        const auto all = store.series(id, "loss");
        QCOMPARE(all.size(), size_t(1000));
        QCOMPARE(all[123].step, 123.0);
        QCOMPARE(all[123].value, 123.0);

        // 1000 steps into 10 buckets of 100: mean k*100 + 49.5, min k*100, max k*100 + 99.
        const auto ten = store.series(id, "loss", 10);
        QCOMPARE(ten.size(), size_t(10));
        for (int k = 0; k < 10; ++k) {
            QCOMPARE(ten[k].value, k * 100 + 49.5);
            QCOMPARE(ten[k].step, k * 100 + 49.5);
            QCOMPARE(ten[k].min, k * 100.0);
            QCOMPARE(ten[k].max, k * 100 + 99.0);
            QCOMPARE(ten[k].count, int64_t(100));
        }
        QCOMPARE(store.series(id, "loss", 5000).size(), size_t(1000));  // fewer points than asked: all of them
        QVERIFY(store.series(id, "nothing", 10).empty());
        QCOMPARE(store.metricCount(id), int64_t(1000));
    }

    void metricsKeepNanAndReplaceARepeatedStep()
    {
        ExperimentStore store(freshPath());
        const int64_t id = store.createRun("m", "pretrain");
        store.appendMetrics({{id, "loss", 1, NAN, 0}, {id, "loss", 2, 3.0, 0}, {id, "lr", 2, 1e-3, 0}});
        store.appendMetrics({{id, "loss", 2, 2.0, 0}});  // a resumed run logs step 2 again
        const auto loss = store.series(id, "loss");
        QCOMPARE(loss.size(), size_t(2));
        QVERIFY(std::isnan(loss[0].value));
        QCOMPARE(loss[1].value, 2.0);
        QCOMPARE(store.metricNames(id), (std::vector<std::string>{"loss", "lr"}));
        const auto latest = store.latestMetrics(id);
        QCOMPARE(latest.at("loss").step, int64_t(2));
        QCOMPARE(latest.at("loss").value, 2.0);
        QCOMPARE(latest.at("lr").value, 1e-3);
    }

    void metricBufferWritesWholeBatches()
    {
        ExperimentStore store(freshPath());
        const int64_t id = store.createRun("m", "pretrain");
        {
            MetricBuffer buffer(store, 4, 1e9);
            for (int i = 0; i < 10; ++i) buffer.add({id, "loss", i, double(i), 0});
            QCOMPARE(buffer.flushedBatches(), size_t(2));  // 8 points written in two transactions
            QCOMPARE(store.metricCount(id), int64_t(8));
            QCOMPARE(buffer.pending(), size_t(2));
        }  // the destructor flushes the rest
        QCOMPARE(store.metricCount(id), int64_t(10));
    }

    void deletingARunCascades()
    {
        ExperimentStore store(freshPath());
        const int64_t parent = store.createRun("p", "pretrain");
        const int64_t child = store.createRun("c", "sft", "{}", parent);
        store.appendMetrics({{parent, "loss", 1, 1.0, 0}});
        store.addEvent(parent, EventLevel::Warning, "spike skipped");
        store.addCheckpoint(parent, 10, "runs/1/step-10");
        QVERIFY(store.deleteRun(parent));
        QVERIFY(!store.deleteRun(parent));
        QCOMPARE(store.metricCount(parent), int64_t(0));
        QVERIFY(store.events(parent).empty());
        QVERIFY(store.checkpoints(parent).empty());
        QCOMPARE(store.run(child)->parentRunId, std::optional<int64_t>());  // lineage link cleared, run kept
    }

    void checkpointsAndEvents()
    {
        ExperimentStore store(freshPath());
        const int64_t id = store.createRun("r", "pretrain");
        const int64_t c1 = store.addCheckpoint(id, 100, "runs/1/a", R"({"val_loss": 2.0})");
        store.addCheckpoint(id, 50, "runs/1/b");
        QCOMPARE(store.addCheckpoint(id, 120, "runs/1/a", R"({"val_loss": 1.5})"), c1);  // same path: updated
        auto cks = store.checkpoints(id);
        QCOMPARE(cks.size(), size_t(2));
        QCOMPARE(cks[0].step, int64_t(50));
        QCOMPARE(cks[1].step, int64_t(120));
        store.removeCheckpoint(c1);
        QCOMPARE(store.checkpoints(id).size(), size_t(1));

        for (int i = 0; i < 5; ++i) store.addEvent(id, EventLevel::Info, "event " + std::to_string(i), 100.0 + i);
        const auto last2 = store.events(id, 2);
        QCOMPARE(last2.size(), size_t(2));
        QCOMPARE(last2[0].text, std::string("event 3"));  // the two most recent, oldest first
        QCOMPARE(last2[1].text, std::string("event 4"));
        QCOMPARE(store.events(id).size(), size_t(5));
    }

    void assetsAreKeyedByPath()
    {
        ExperimentStore store(freshPath());
        TokenizerRecord t;
        t.name = "bpe";
        t.path = "/w/tokenizers/bpe";
        t.vocabSize = 6400;
        const int64_t id = store.registerTokenizer(t);
        t.vocabSize = 8000;
        QCOMPARE(store.registerTokenizer(t), id);
        QCOMPARE(store.tokenizers().size(), size_t(1));
        QCOMPARE(store.tokenizers()[0].vocabSize, int64_t(8000));

        DatasetRecord d;
        d.name = "demo";
        d.path = "/w/datasets/demo";
        d.kind = "pretrain";
        d.tokenizerId = id;
        d.tokens = 123456;
        const int64_t did = store.registerDataset(d);
        QCOMPARE(store.registerDataset(d), did);
        QCOMPARE(store.datasets()[0].tokens, std::optional<int64_t>(123456));
        d.kind = "bogus";
        QVERIFY_THROWS_EXCEPTION(Error, store.registerDataset(d));
    }

    void registeringATokenizerAgainKeepsItsFigures()
    {
        // Preparing a dataset registers its tokenizer again without figures: the held-out figures the
        // tokenizer was registered with must survive (the Tokenizer page lists them).
        ExperimentStore store(freshPath());
        TokenizerRecord t;
        t.name = "bpe";
        t.path = "/w/tokenizers/bpe";
        t.vocabSize = 6400;
        t.infoJson = R"({"chars_per_token_zh": 1.1, "chars_per_token_en": 2.88, "byte_fallback_share": 0.01})";
        const int64_t id = store.registerTokenizer(t);
        t.infoJson = "{}";
        QCOMPARE(store.registerTokenizer(t), id);
        QCOMPARE(nlohmann::json::parse(store.tokenizers()[0].infoJson),
                 nlohmann::json::parse(R"({"chars_per_token_zh": 1.1, "chars_per_token_en": 2.88,
                                           "byte_fallback_share": 0.01})"));
        t.infoJson = R"({"chars_per_token_en": 3.0})";  // new keys win, the others stay
        store.registerTokenizer(t);
        QCOMPARE(nlohmann::json::parse(store.tokenizers()[0].infoJson)["chars_per_token_en"].get<double>(), 3.0);
        QCOMPARE(nlohmann::json::parse(store.tokenizers()[0].infoJson)["chars_per_token_zh"].get<double>(), 1.1);
    }

    void pathsInsideTheWorkspaceAreStoredRelative()
    {
        QTemporaryDir dir;
        const std::string root = dir.filePath(QStringLiteral("ws")).toStdString();
        fs::create_directories(root);
        const std::string inside = root + "/runs/1/checkpoints/step-00000010";
        const std::string outside = dir.filePath(QStringLiteral("elsewhere/base")).toStdString();
        int64_t run = 0;
        {
            ExperimentStore store(root + "/danka.sqlite");
            QCOMPARE(store.root(), root);
            run = store.createRun("r", "sft",
                                  nlohmann::json{{"data", {{"dataset", root + "/datasets/d"}, {"val_dataset", ""}}},
                                                 {"stage", {{"base_checkpoint", outside},
                                                            {"distill", {{"teacher_checkpoint", root + "/runs/9/x/"}}}}}}
                                      .dump(2));
            store.addCheckpoint(run, 10, inside);
            store.addCheckpoint(run, 20, outside);
            TokenizerRecord t;
            t.name = "bpe";
            t.path = root + "/tokenizers/./bpe";
            t.vocabSize = 100;
            store.registerTokenizer(t);
            DatasetRecord d;
            d.name = "d";
            d.path = root + "/datasets/d";
            d.kind = "sft";
            store.registerDataset(d);
            // Oracle: what SQLite holds, written out by hand.
            QCOMPARE(rawText(store, "SELECT path FROM checkpoints WHERE step = 10"), std::string("runs/1/checkpoints/step-00000010"));
            QCOMPARE(rawText(store, "SELECT path FROM checkpoints WHERE step = 20"), outside);
            QCOMPARE(rawText(store, "SELECT path FROM tokenizers"), std::string("tokenizers/bpe"));
            QCOMPARE(rawText(store, "SELECT path FROM datasets"), std::string("datasets/d"));
            const nlohmann::json raw = nlohmann::json::parse(rawText(store, "SELECT config FROM runs"));
            QCOMPARE(raw["data"]["dataset"].get<std::string>(), std::string("datasets/d"));
            QCOMPARE(raw["data"]["val_dataset"].get<std::string>(), std::string(""));
            QCOMPARE(raw["stage"]["base_checkpoint"].get<std::string>(), outside);
            QCOMPARE(raw["stage"]["distill"]["teacher_checkpoint"].get<std::string>(), std::string("runs/9/x"));
            // Read back absolute.
            QCOMPARE(store.checkpoints(run)[0].path, inside);
            QCOMPARE(store.tokenizers()[0].path, root + "/tokenizers/bpe");
            QVERIFY(store.tokenizerIdByPath(root + "/tokenizers/bpe").has_value());
        }
        // The workspace moves: everything inside it is found in the new place, the outside path stays.
        const std::string moved = dir.filePath(QStringLiteral("moved/ws")).toStdString();
        fs::create_directories(fs::path(moved).parent_path());
        fs::rename(root, moved);
        ExperimentStore store(moved + "/danka.sqlite");
        QCOMPARE(store.checkpoints(run)[0].path, moved + "/runs/1/checkpoints/step-00000010");
        QCOMPARE(store.checkpoints(run)[1].path, outside);
        QCOMPARE(store.tokenizers()[0].path, moved + "/tokenizers/bpe");
        QCOMPARE(store.datasets()[0].path, moved + "/datasets/d");
        const nlohmann::json config = nlohmann::json::parse(store.run(run)->configJson);
        QCOMPARE(config["data"]["dataset"].get<std::string>(), moved + "/datasets/d");
        QCOMPARE(config["stage"]["base_checkpoint"].get<std::string>(), outside);
        QCOMPARE(config["stage"]["distill"]["teacher_checkpoint"].get<std::string>(), moved + "/runs/9/x");
        QCOMPARE(store.runs()[0].configJson, store.run(run)->configJson);
    }

    void aVersion4WorkspaceMigratesToRelativePaths()
    {
        // A workspace written by the previous schema (absolute paths everywhere, as Danka wrote them), copied
        // to a new folder before this Danka opened it: the checkpoints name the old folder (<old>/runs/<id>/
        // checkpoints/...), so its paths are taken as the same files in the new folder.
        QTemporaryDir dir;
        const fs::path here = dir.filePath(QStringLiteral("here")).toStdString();
        const std::string old = "/nowhere/old-ws";  // gone: only its name is in the database
        fs::create_directories(here);
        {
            sqlite::Database db((here / "danka.sqlite").string());
            db.exec("PRAGMA foreign_keys = ON");
            store::migrate(db, 4);
            auto run = [&](int id, const std::string &config) {
                auto s = db.prepare("INSERT INTO runs (id, name, stage, config, created_at, updated_at) "
                                    "VALUES (?, 'r', 'sft', ?, 1, 1)");
                s.bindAll(int64_t(id), config);
                s.run();
            };
            run(1, "{}");
            run(2, nlohmann::json{{"data", {{"dataset", old + "/datasets/sft"}}},
                                  {"stage", {{"base_checkpoint", old + "/runs/1/checkpoints/step-00000030"}}}}
                       .dump());
            db.exec("INSERT INTO checkpoints (run_id, step, path, created_at) VALUES "
                    "(1, 30, '" + old + "/runs/1/checkpoints/step-00000030', 1), "
                    "(2, 10, '" + here.string() + "/runs/2/checkpoints/step-00000010', 1)");
            db.exec("INSERT INTO tokenizers (name, path, vocab_size, created_at) VALUES ('t', '" + old +
                    "/tokenizers/t', 10, 1), ('ext', '/opt/tok', 10, 1)");
            db.exec("INSERT INTO datasets (name, path, kind, created_at) VALUES ('sft', '" + old +
                    "/datasets/sft', 'sft', 1)");
            db.exec("INSERT INTO conversations (title, checkpoint_path, created_at, updated_at) VALUES ('c', '" +
                    here.string() + "/runs/2/checkpoints/step-00000010', 1, 1)");
        }
        // The files of the copy that name other files by the old absolute paths.
        writeJson(here / "datasets/sft/dataset.json",
                  {{"format", "danka-dataset"}, {"tokenizer", {{"dir", old + "/tokenizers/t"}, {"checksum", "c"}}}});
        writeJson(here / "runs/2/checkpoints/step-00000010/danka.json",
                  {{"adapter", true}, {"base_checkpoint", old + "/runs/1/checkpoints/step-00000030"}});
        writeJson(here / "runs/2/checkpoints/step-00000010/training_state.json",
                  {{"format", "danka-training-state"},
                   {"identity", {{"data", {{"dataset", old + "/datasets/sft"}, {"val_dataset", ""}}},
                                 {"stage", {{"base_checkpoint", old + "/runs/1/checkpoints/step-00000030"}}}}}});

        ExperimentStore store((here / "danka.sqlite").string());
        QCOMPARE(store.schemaVersion(), store::latestSchemaVersion());
        QCOMPARE(rawText(store, "SELECT path FROM checkpoints WHERE run_id = 1"),
                 std::string("runs/1/checkpoints/step-00000030"));
        QCOMPARE(rawText(store, "SELECT path FROM checkpoints WHERE run_id = 2"),
                 std::string("runs/2/checkpoints/step-00000010"));
        QCOMPARE(rawText(store, "SELECT path FROM tokenizers WHERE name = 't'"), std::string("tokenizers/t"));
        QCOMPARE(rawText(store, "SELECT path FROM tokenizers WHERE name = 'ext'"), std::string("/opt/tok"));
        QCOMPARE(rawText(store, "SELECT path FROM datasets"), std::string("datasets/sft"));
        QCOMPARE(rawText(store, "SELECT checkpoint_path FROM conversations"),
                 std::string("runs/2/checkpoints/step-00000010"));
        const nlohmann::json config = nlohmann::json::parse(rawText(store, "SELECT config FROM runs WHERE id = 2"));
        QCOMPARE(config["data"]["dataset"].get<std::string>(), std::string("datasets/sft"));
        QCOMPARE(config["stage"]["base_checkpoint"].get<std::string>(), std::string("runs/1/checkpoints/step-00000030"));
        QCOMPARE(store.datasets()[0].path, (here / "datasets/sft").string());
        // The files: relative to the folder that records them.
        QCOMPARE(readJson(here / "datasets/sft/dataset.json")["tokenizer"]["dir"].get<std::string>(),
                 std::string("../../tokenizers/t"));
        QCOMPARE(readJson(here / "runs/2/checkpoints/step-00000010/danka.json")["base_checkpoint"].get<std::string>(),
                 std::string("../../../1/checkpoints/step-00000030"));
        // A training state's identity: portable for its run's folder, as the trainer now writes it.
        const nlohmann::json identity =
            readJson(here / "runs/2/checkpoints/step-00000010/training_state.json")["identity"];
        QCOMPARE(identity["data"]["dataset"].get<std::string>(), std::string("../../datasets/sft"));
        QCOMPARE(identity["data"]["val_dataset"].get<std::string>(), std::string(""));
        QCOMPARE(identity["stage"]["base_checkpoint"].get<std::string>(), std::string("../1/checkpoints/step-00000030"));
        QCOMPARE(resolvePortablePath("../../../1/checkpoints/step-00000030",
                                     (here / "runs/2/checkpoints/step-00000010").string()),
                 (here / "runs/1/checkpoints/step-00000030").string());
    }

    void aVersion5WorkspaceGetsItsTokenizerFiguresBack()
    {
        // Before version 6, preparing a dataset erased the figures of its tokenizer's record; the tokenizer's
        // folder still has them.
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        {
            sqlite::Database db((root / "danka.sqlite").string());
            store::migrate(db, 5);
            db.exec("INSERT INTO tokenizers (name, path, vocab_size, info, created_at) VALUES "
                    "('t', 'tokenizers/t', 10, '{}', 1), ('kept', 'tokenizers/k', 10, '{\"chars_per_token_zh\": 1.5}', 1)");
        }
        writeJson(root / "tokenizers/t/danka_tokenizer.json",
                  {{"stats", {{"chars_per_token_zh", 1.1}, {"chars_per_token_en", 2.88}, {"byte_fallback_share", 0.02},
                              {"held_out_lines_zh", 7}}}});
        ExperimentStore store((root / "danka.sqlite").string());
        const nlohmann::json t = nlohmann::json::parse(rawText(store, "SELECT info FROM tokenizers WHERE name = 't'"));
        QCOMPARE(t, nlohmann::json::parse(R"({"chars_per_token_zh": 1.1, "chars_per_token_en": 2.88,
                                               "byte_fallback_share": 0.02})"));
        QCOMPARE(rawText(store, "SELECT info FROM tokenizers WHERE name = 'kept'"), std::string(R"({"chars_per_token_zh": 1.5})"));
    }

    void dataVersionSeesOtherConnections()
    {
        const std::string path = freshPath();
        ExperimentStore reader(path);
        ExperimentStore writer(path);
        const int64_t before = reader.dataVersion();
        writer.createRun("from another connection", "pretrain");
        QVERIFY(reader.dataVersion() != before);
        QCOMPARE(reader.runs().size(), size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestExperimentStore)
#include "tst_experiment_store.moc"
