// Typed configs: JSON round trips, every validation message, presets, the schema.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <map>
#include <set>

#include "core/config/config_io.h"
#include "core/config/presets.h"
#include "core/train/stage_catalog.h"
#include "model/hf_config.h"

using namespace danka::core;
namespace core = danka::core;
using nlohmann::json;

namespace {

std::string problemsText(const std::vector<ConfigProblem> &problems)
{
    std::string out;
    for (const auto &p : problems) out += p.toString() + "\n";
    return out;
}

// Flattens {"a": {"b": 1}} into {"a.b"}.
void flatten(const json &j, const std::string &prefix, std::set<std::string> &out)
{
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
        if (it->is_object())
            flatten(*it, path, out);
        else
            out.insert(path);
    }
}

}  // namespace

class TestConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsAreValid()
    {
        const auto problems = validate(RunConfig{});
        QVERIFY2(problems.empty(), problemsText(problems).c_str());
    }

    void presetsRoundTripAndValidate_data()
    {
        QTest::addColumn<QString>("name");
        for (const Preset &p : presets()) QTest::newRow(p.name.c_str()) << QString::fromStdString(p.name);
    }
    void presetsRoundTripAndValidate()
    {
        QFETCH(QString, name);
        const Preset *preset = findPreset(name.toStdString());
        QVERIFY(preset);
        const auto first = toJson(preset->config);
        const ConfigLoadResult back = parseConfigText(first.dump());
        QVERIFY2(back.ok(), problemsText(back.problems).c_str());
        QCOMPARE(toJson(back.config).dump(), first.dump());
        // The preset reached through "preset" is the same config.
        const ConfigLoadResult viaName = fromJson(json{{"preset", name.toStdString()}});
        QVERIFY(viaName.ok());
        QCOMPARE(toJson(viaName.config).dump(), first.dump());
    }

    void presetSizesMatchTheirNames()
    {
        QCOMPARE(findPreset("minimind-26m")->config.model.parameterCount(), int64_t(25829888));
        // gpt-1.3b-24gb by hand: embed 64000*2048; per layer q_proj 2048*16*192, kv_a 2048*576, kv_norm 512,
        // kv_b 512*16*256, o_proj 2048*2048, ffn 3*2048*5632, norms 4096; 24 layers; final norm 2048.
        const int64_t perLayer = 6291456 + 1179648 + 512 + 2097152 + 4194304 + 34603008 + 4096;
        QCOMPARE(findPreset("gpt-1.3b-24gb")->config.model.parameterCount(),
                 int64_t(131072000) + 24 * perLayer + 2048);
        QVERIFY(findPreset("demo")->config.model.parameterCount() < 5000000);
        QVERIFY(!findPreset("nope"));
    }

    void oneMistakeOneMessage_data()
    {
        QTest::addColumn<QString>("config");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        auto row = [](const char *name, const char *config, const char *path, const char *message) {
            QTest::newRow(name) << QString::fromUtf8(config) << QString::fromUtf8(path) << QString::fromUtf8(message);
        };
        row("range >", R"({"optim": {"learning_rate": -1}})", "optim.learning_rate", "must be > 0, got -1");
        row("range [a,b)", R"({"optim": {"beta1": 1.0}})", "optim.beta1", "must be in [0, 1), got 1");
        row("range ints", R"({"model": {"vocab_size": 0}})", "model.vocab_size", "must be in [1, 16777216], got 0");
        row("dropout", R"({"model": {"dropout": 1}})", "model.dropout", "must be in [0, 1), got 1");
        row("divisible", R"({"model": {"hidden_size": 500, "n_heads": 8}})", "model.n_heads",
            "hidden_size 500 is not divisible by 8");
        row("odd head dim", R"({"model": {"hidden_size": 66, "n_heads": 2}})", "model.head_dim",
            "RoPE needs an even head dimension, got 33 (hidden_size / n_heads)");
        row("typo", R"({"optim": {"learnig_rate": 0.1}})", "optim.learnig_rate",
            "unknown key, did you mean optim.learning_rate?");
        row("wrong section", R"({"model": {"learning_rate": 0.1}})", "model.learning_rate",
            "unknown key, did you mean optim.learning_rate?");
        row("wrong section bool", R"({"runtime": {"shuffle": true}})", "runtime.shuffle",
            "unknown key, did you mean data.shuffle?");
        row("synonym", R"({"lr": 0.1})", "lr", "unknown key, did you mean optim.learning_rate?");
        row("hf name", R"({"model": {"num_attention_heads": 8}})", "model.num_attention_heads",
            "unknown key, did you mean model.n_heads?");
        row("unknown", R"({"model": {"xyzzy": 1}})", "model.xyzzy", "unknown key");
        row("string for int", R"({"model": {"n_layers": "eight"}})", "model.n_layers",
            "expected an integer, got string \"eight\"");
        row("fraction for int", R"({"model": {"n_layers": 2.5}})", "model.n_layers", "expected an integer, got 2.5");
        row("string for bool", R"({"model": {"tie_embeddings": "yes"}})", "model.tie_embeddings",
            "expected true or false, got string \"yes\"");
        row("number for string", R"({"data": {"dataset": 5}})", "data.dataset", "expected a string, got 5");
        row("string for number", R"({"optim": {"eps": "small"}})", "optim.eps", "expected a number, got string \"small\"");
        row("choice", R"({"model": {"attention": "mqa"}})", "model.attention",
            "expected one of \"mha\", \"gqa\", \"mla\", got \"mqa\"; did you mean \"mha\"?");
        row("section type", R"({"model": 5})", "model", "expected an object, got 5");
        row("mha kv heads", R"({"model": {"attention": "mha", "n_heads": 8, "n_kv_heads": 2}})", "model.n_kv_heads",
            "attention \"mha\" needs n_kv_heads equal to n_heads (8), got 2; set attention to \"gqa\" for "
            "grouped-query attention");
        row("gqa kv heads", R"({"model": {"attention": "gqa", "n_heads": 8, "n_kv_heads": 3}})", "model.n_kv_heads",
            "n_heads 8 is not divisible by n_kv_heads 3");
        row("mla rope", R"({"model": {"attention": "mla", "mla": {"qk_rope_head_dim": 3}}})",
            "model.mla.qk_rope_head_dim", "RoPE needs an even number of dims, got 3");
        row("seq len", R"({"model": {"max_seq_len": 512}, "data": {"seq_len": 1024}})", "data.seq_len",
            "must be <= model.max_seq_len (512), got 1024");
        row("warmup", R"({"schedule": {"max_steps": 100, "warmup_steps": 200}})", "schedule.warmup_steps",
            "must be <= schedule.max_steps (100), got 200");
        row("fp16 cpu", R"({"runtime": {"device": "cpu", "precision": "fp16"}})", "runtime.precision",
            "fp16 needs runtime.device \"cuda\" (loss scaling runs on CUDA only); use \"bf16\" on the CPU");
        row("checkpointing", R"({"model": {"n_layers": 8}, "runtime": {"activation_checkpointing": 9}})",
            "runtime.activation_checkpointing", "must be <= model.n_layers (8), got 9");
        row("sft base", R"({"stage": {"kind": "sft"}})", "stage.base_checkpoint",
            "stage \"sft\" starts from a trained model: set the checkpoint folder");
        for (const char *kind : {"reward", "dpo", "ppo", "grpo"}) {
            const std::string config = std::string("{\"stage\": {\"kind\": \"") + kind + "\"}}";
            const std::string message = std::string("\"") + kind +
                                        "\" is not available in this version yet (reward, dpo, ppo and grpo are "
                                        "coming); it trains pretrain, sft, distill";
            row(kind, config.c_str(), "stage.kind", message.c_str());
        }
        row("preset", R"({"preset": "mini"})", "preset",
            "unknown preset \"mini\"; presets: demo, minimind-26m, gpt-1.3b-24gb");
        row("preset typo", R"({"preset": "dmeo"})", "preset", "unknown preset \"dmeo\"; did you mean \"demo\"?");
        row("not an object", "[1, 2]", "", "a config must be a JSON object, got an array");
    }
    void loraIsASettingOfTheFineTuningStages()
    {
        // A config of an earlier version names LoRA as a stage: read as sft with LoRA on, and said.
        const core::ConfigLoadResult old = core::parseConfigText(
            "{\"stage\": {\"kind\": \"lora\", \"base_checkpoint\": \"/nowhere\", \"lora\": {\"rank\": 4}}}");
        QCOMPARE(old.config.stage.kind, std::string("sft"));
        QVERIFY(old.config.stage.lora.enabled);
        QCOMPARE(old.config.stage.lora.rank, int64_t(4));
        QCOMPARE(old.notes.size(), size_t(1));
        QVERIFY2(old.notes[0].find("stage.kind \"lora\"") == 0, old.notes[0].c_str());
        QCOMPARE(core::toJson(old.config)["stage"]["kind"].get<std::string>(), std::string("sft"));
        QCOMPARE(core::stageLabel(old.config.stage), std::string("sft + LoRA"));
        // On a stage that trains every weight it is refused by name; an unknown stage too.
        std::map<std::string, std::string> problems;
        for (const auto &p :
             core::parseConfigText("{\"stage\": {\"kind\": \"pretrain\", \"lora\": {\"enabled\": true}}}").problems)
            problems[p.path] = p.message;
        QCOMPARE(
            problems["stage.lora.enabled"],
            std::string("stage \"pretrain\" trains every weight; LoRA adapters are for the fine-tuning stages (sft)"));
        problems.clear();
        for (const auto &p : core::parseConfigText("{\"stage\": {\"kind\": \"sfft\"}}").problems)
            problems[p.path] = p.message;
        QVERIFY2(problems["stage.kind"].find("\"sfft\"") != std::string::npos, problems["stage.kind"].c_str());
        QVERIFY2(problems["stage.kind"].find("\"sft\"") != std::string::npos, problems["stage.kind"].c_str());
    }

    void theStageTableSaysWhichFieldsAStageReads()
    {
        // By hand from each stage's declaration (core/train/stages/*.cpp).
        QVERIFY(core::stageUsesField("pretrain", false, "stage.fim_rate"));
        QVERIFY(!core::stageUsesField("sft", false, "stage.fim_rate"));
        QVERIFY(core::stageUsesField("sft", false, "data.overlong"));
        QVERIFY(!core::stageUsesField("pretrain", false, "data.overlong"));
        QVERIFY(core::stageUsesField("distill", false, "stage.distill.kl_weight"));
        QVERIFY(!core::stageUsesField("sft", false, "stage.distill.kl_weight"));
        QVERIFY(core::stageUsesField("sft", false, "stage.lora.enabled"));
        QVERIFY(!core::stageUsesField("sft", false, "stage.lora.rank"));  // waits for enabled
        QVERIFY(core::stageUsesField("sft", true, "stage.lora.rank"));
        QVERIFY(!core::stageUsesField("pretrain", true, "stage.lora.rank"));
        QVERIFY(core::stageUsesField("distill", false, "optim.learning_rate"));  // common to every stage
        QCOMPARE(core::stagesUsingField("stage.fim_rate"), std::vector<std::string>{"pretrain"});
        // The stages a user meets, in order; the coming ones declared but not trainable.
        const std::vector<std::string> names = core::stageNames();
        QVERIFY(names.size() >= 7);
        QCOMPARE(std::vector<std::string>(names.begin(), names.begin() + 7),
                 (std::vector<std::string>{"pretrain", "sft", "distill", "reward", "dpo", "ppo", "grpo"}));
        QVERIFY(core::stageIsTrainable("distill"));
        QVERIFY(!core::stageIsTrainable("dpo"));
        QCOMPARE(core::findStage("dpo")->datasetKind, std::string("preference"));
        QCOMPARE(core::availableStageList(), std::string("pretrain, sft, distill"));
    }

    void oneMistakeOneMessage()
    {
        QFETCH(QString, config);
        QFETCH(QString, path);
        QFETCH(QString, message);
        const ConfigLoadResult r = parseConfigText(config.toStdString());
        QCOMPARE(r.problems.size(), size_t(1));
        QCOMPARE(QString::fromStdString(r.problems[0].path), path);
        QCOMPARE(QString::fromStdString(r.problems[0].message), message);
    }

    void threeMistakesAreAllReported()
    {
        const ConfigLoadResult r = loadConfigFile(DANKA_TEST_DATA "/configs/three_mistakes.json");
        QCOMPARE(r.problems.size(), size_t(3));
        std::set<std::string> paths;
        for (const auto &p : r.problems) paths.insert(p.path);
        QCOMPARE(paths, (std::set<std::string>{"optim.learnig_rate", "optim.beta1", "model.n_heads"}));
    }

    void syntaxErrorNamesLineAndColumn()
    {
        const ConfigLoadResult r = loadConfigFile(DANKA_TEST_DATA "/configs/syntax_error.json");
        QCOMPARE(r.problems.size(), size_t(1));
        const QString message = QString::fromStdString(r.problems[0].message);
        // Line 4 is `    "n_layers" 8`: the number in column 16 is where a ':' was expected.
        QVERIFY2(message.startsWith(QStringLiteral("invalid JSON at line 4, column 16: ")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("expected ':'")), qPrintable(message));
    }

    void missingFileIsAProblemNotACrash()
    {
        const ConfigLoadResult r = loadConfigFile("/nonexistent/danka.json");
        QCOMPARE(r.problems.size(), size_t(1));
        QVERIFY(r.problems[0].message.find("cannot read /nonexistent/danka.json") == 0);
    }

    void presetOverlayKeepsTheRest()
    {
        const ConfigLoadResult r = loadConfigFile(DANKA_TEST_DATA "/configs/valid_minimind.json");
        QVERIFY2(r.ok(), problemsText(r.problems).c_str());
        QCOMPARE(r.config.name, std::string("minimind pretrain, higher lr"));
        QCOMPARE(r.config.optim.learningRate, 1e-3);
        QCOMPARE(r.config.schedule.maxSteps, int64_t(10000));  // 1e4 is accepted for an integer
        QCOMPARE(r.config.model.hiddenSize, int64_t(512));     // from the preset
        QCOMPARE(r.config.optim.gradAccumSteps, int64_t(8));
    }

    void schemaCoversEveryKey()
    {
        std::set<std::string> jsonKeys, schemaKeys;
        flatten(json::parse(toJson(RunConfig{}).dump()), "", jsonKeys);
        for (const FieldDescriptor &f : configSchema()) {
            schemaKeys.insert(f.path);
            QVERIFY2(!f.help.empty(), f.path.c_str());
        }
        QCOMPARE(schemaKeys, jsonKeys);
        auto attention = std::find_if(configSchema().begin(), configSchema().end(),
                                      [](const FieldDescriptor &f) { return f.path == "model.attention"; });
        QCOMPARE(attention->choices, (std::vector<std::string>{"mha", "gqa", "mla"}));
        QCOMPARE(attention->defaultValue, json("mha"));
        QCOMPARE(attention->section, std::string("model"));
    }

    void ropeScalingAndTheBaseCheckpointsModelAreValidated()
    {
        using namespace danka;
        const auto problemsOf = [](const core::RunConfig &c) {
            std::map<std::string, std::string> byPath;
            for (const core::ConfigProblem &p : core::validate(c)) byPath[p.path] = p.message;
            return byPath;
        };
        // Without a base checkpoint: the model section's own scaling.
        core::RunConfig c;
        c.model.ropeScaling.kind = model::RopeScalingKind::Yarn;
        QVERIFY(problemsOf(c).count("model.rope_scaling.original_max_seq_len"));
        c.model.ropeScaling.originalMaxSeqLen = 128;  // factor 512 / 128 = 4
        QVERIFY(problemsOf(c).empty());
        c.model.ropeScaling = {model::RopeScalingKind::Linear, 0.5, 0, 32, 1, 0};
        QCOMPARE(problemsOf(c)["model.rope_scaling.factor"], std::string("must be >= 1, got 0.5"));

        // A LoRA run from an MLA checkpoint: the base's model is checked (6 layers, not the section's 8), and
        // MLP adapters with dropout, which PEFT cannot load there, are refused by name.
        QTemporaryDir base;
        model::ModelConfig mla;
        mla.attention = model::AttentionKind::Mla;
        mla.nLayers = 6;
        std::ofstream(base.filePath(QStringLiteral("config.json")).toStdString()) << model::toHuggingFaceConfig(mla, {}).dump();
        core::RunConfig lora;
        lora.stage.kind = "sft";
        lora.stage.lora.enabled = true;
        lora.stage.baseCheckpoint = base.path().toStdString();
        lora.runtime.activationCheckpointing = 7;
        auto problems = problemsOf(lora);
        QCOMPARE(problems["runtime.activation_checkpointing"], std::string("must be <= model.n_layers (6), got 7"));
        QVERIFY2(problems["stage.lora.dropout"].find("PEFT cannot load adapters on the MLP (down_proj, gate_proj, "
                                                     "up_proj) of an MLA model with dropout") == 0,
                 problems["stage.lora.dropout"].c_str());
        lora.runtime.activationCheckpointing = 0;
        lora.stage.lora.dropout = 0;
        QVERIFY(problemsOf(lora).empty());
        lora.stage.lora.dropout = 0.05;
        lora.stage.lora.targetModules = "q_proj,kv_b_proj";
        QVERIFY(problemsOf(lora).empty());
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
