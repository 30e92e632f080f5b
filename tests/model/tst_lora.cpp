// LoRA: a projection's output against a hand-computed x W^T + alpha/r x A^T B^T; fresh adapters leave the
// logits bit-identical; adapted logits equal the merged model's (MLA's absorbed decoding included); only the
// adapters train (with activation checkpointing too); PEFT adapter folders round trip with PEFT's names and
// keys, refuse what Danka does not implement by file and field, and peft itself computes the same logits.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <functional>
#include <set>

#include "model/checkpoint.h"
#include "model/kv_cache.h"
#include "model/lora.h"
#include "model/lora_targets.h"
#include "model/safetensors.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/support/interop_python.h"
#include "tests/support/interop_skip.h"

using namespace danka;
using namespace danka::model;

namespace {

ModelConfig small(AttentionKind kind)
{
    ModelConfig c;
    c.vocabSize = 53;
    c.hiddenSize = 32;
    c.nLayers = 2;
    c.nHeads = 4;
    c.nKvHeads = kind == AttentionKind::Gqa ? 2 : 0;
    c.ffnHiddenSize = 48;
    c.attention = kind;
    c.mla = {12, 16, 8, 8, 8};  // q_lora 12 (q_a_proj, q_b_proj), kv_lora 16, nope 8, rope 8, v 8
    c.maxSeqLen = 64;
    c.ropeTheta = 5000;
    c.initStd = 0.2;
    c.tieEmbeddings = kind == AttentionKind::Mla;  // GQA: an lm_head to adapt too
    return c;
}

struct Variant {
    const char *name;
    ModelConfig config;
    std::vector<std::string> targets;  // every projection of the variant
};

std::vector<Variant> variants()
{
    return {{"gqa",
             small(AttentionKind::Gqa),
             {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"}},
            {"mla with q_lora",
             small(AttentionKind::Mla),
             {"q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj", "mlp.gate_proj",
              "mlp.up_proj", "mlp.down_proj"}}};
}

void addVariantRows()
{
    QTest::addColumn<int>("index");
    for (size_t i = 0; i < variants().size(); ++i)
        QTest::newRow(variants()[i].name) << int(i);
}

LoraSettings settings(const std::vector<std::string> &targets, int64_t rank = 4, double alpha = 8)
{
    LoraSettings s;
    s.rank = rank;
    s.alpha = alpha;
    s.targetModules = targets;
    return s;
}

// Trained-looking adapters: B = 0 would hide every mistake in how B A is applied.
void randomiseAdapters(TransformerImpl &model)
{
    torch::NoGradGuard noGrad;
    for (auto &[name, t] : loraParameters(model))
        t.normal_(0.0, 0.3);
}

at::Tensor logitsOf(TransformerImpl &model, const at::Tensor &ids)
{
    torch::NoGradGuard noGrad;
    return model.forward(ids);
}

std::map<std::string, at::Tensor> snapshot(TransformerImpl &model)
{
    std::map<std::string, at::Tensor> out;
    for (const auto &item : model.named_parameters())
        out[item.key()] = item.value().detach().clone();
    return out;
}

// The PEFT names of the adapters on `modules`.
std::set<std::string> peftNames(const std::vector<std::string> &modules)
{
    std::set<std::string> names;
    for (const std::string &m : modules) {
        names.insert("base_model.model." + m + ".lora_A.weight");
        names.insert("base_model.model." + m + ".lora_B.weight");
    }
    return names;
}

nlohmann::ordered_json readJson(const QString &path)
{
    std::ifstream in(path.toStdString());
    return nlohmann::ordered_json::parse(in);
}

template <typename Error>
std::string errorOf(const std::function<void()> &body)
{
    try {
        body();
    } catch (const Error &e) {
        return e.what();
    }
    return "(no error)";
}

#define VERIFY_CONTAINS(message, fragment)                                      \
    QVERIFY2(std::string(message).find(fragment) != std::string::npos,          \
             qPrintable(QStringLiteral("expected \"%1\" in: %2")                \
                            .arg(QString::fromStdString(std::string(fragment)), \
                                 QString::fromStdString(std::string(message)))))

}  // namespace

class TestLora : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void projectionsAreTheConfigsProjections()
    {
        // Oracle: the projection list the config describes (model_config.h), by name and (out, in) shape.
        for (const Variant &v : variants()) {
            Transformer m(v.config);
            const std::vector<ProjectionShape> expected = projectionShapes(v.config);
            const std::vector<std::string> names = projectionNames(*m);
            QCOMPARE(names.size(), expected.size());
            const auto params = m->named_parameters();
            for (size_t i = 0; i < names.size(); ++i) {
                QCOMPARE(names[i], expected[i].name);
                QCOMPARE(params[names[i] + ".weight"].sizes(),
                         at::IntArrayRef({expected[i].out, expected[i].in}));
            }
        }
    }

    void freshAdaptersLeaveTheLogitsUnchanged_data() { addVariantRows(); }
    void freshAdaptersLeaveTheLogitsUnchanged()
    {
        QFETCH(int, index);
        const Variant v = variants()[static_cast<size_t>(index)];
        torch::manual_seed(1);
        Transformer m(v.config);
        m->eval();
        const auto ids = torch::randint(v.config.vocabSize, {2, 11}, torch::kLong);
        const auto before = logitsOf(*m, ids);
        const auto keys = snapshot(*m);
        const std::vector<std::string> adapted = attachLora(*m, settings(v.targets));
        QCOMPARE(adapted, projectionNames(*m));  // the targets name every projection
        QVERIFY(hasLora(*m));
        QVERIFY(torch::equal(logitsOf(*m, ids), before));
        // The base parameters keep their names; each adapter adds A (r, in) and B (out, r) under PEFT's
        // names.
        const auto params = m->named_parameters();
        QCOMPARE(params.size(), keys.size() + 2 * adapted.size());
        for (const auto &[name, t] : keys)
            QVERIFY(params.contains(name));
        for (const std::string &module : adapted) {
            const at::Tensor w = params[module + ".weight"];
            const at::Tensor a = params[module + ".lora_A.weight"], b = params[module + ".lora_B.weight"];
            QCOMPARE(a.sizes(), at::IntArrayRef({4, w.size(1)}));
            QCOMPARE(b.sizes(), at::IntArrayRef({w.size(0), 4}));
            QVERIFY(torch::equal(b, torch::zeros_like(b)));
            // kaiming_uniform(a = sqrt(5)) draws from U(-1/sqrt(in), 1/sqrt(in)).
            const double bound = 1.0 / std::sqrt(double(w.size(1)));
            QVERIFY(a.abs().max().item<double>() <= bound && a.abs().max().item<double>() > 0.5 * bound);
        }
        QCOMPARE(loraParameters(*m).front().first, adapted.front() + ".lora_A.weight");
    }

    void projectionMatchesTheHandComputedFormula()
    {
        torch::manual_seed(2);
        Projection p(5, 3);
        p->to(torch::kFloat64);
        p->attachAdapter(2, 6.0, 0.0);  // scaling 3
        torch::NoGradGuard noGrad;
        p->lora_B->weight.normal_();
        const auto x = torch::randn({4, 5}, torch::kFloat64);
        const auto W = p->weight.accessor<double, 2>(), A = p->lora_A->weight.accessor<double, 2>(),
                   B = p->lora_B->weight.accessor<double, 2>(), X = x.accessor<double, 2>();
        const auto y = p->forward(x);
        const auto merged = p->effectiveWeight();
        for (int n = 0; n < 4; ++n) {
            for (int o = 0; o < 3; ++o) {
                double base = 0, low = 0;  // x W^T and x A^T B^T
                for (int i = 0; i < 5; ++i)
                    base += X[n][i] * W[o][i];
                for (int k = 0; k < 2; ++k) {
                    double ax = 0;
                    for (int i = 0; i < 5; ++i)
                        ax += X[n][i] * A[k][i];
                    low += ax * B[o][k];
                }
                QVERIFY(std::abs(y[n][o].item<double>() - (base + 3.0 * low)) < 1e-12);
            }
        }
        for (int o = 0; o < 3; ++o) {
            for (int i = 0; i < 5; ++i) {
                double ba = 0;
                for (int k = 0; k < 2; ++k)
                    ba += B[o][k] * A[k][i];
                QVERIFY(std::abs(merged[o][i].item<double>() - (W[o][i] + 3.0 * ba)) < 1e-12);
            }
        }
    }

    void dropoutActsOnTheAdapterInTrainingOnly()
    {
        torch::manual_seed(3);
        Projection p(16, 8);
        p->attachAdapter(4, 4.0, 0.5);
        torch::NoGradGuard noGrad;
        const auto x = torch::randn({32, 16});
        const auto base = torch::mm(x, p->weight.t());
        p->train();
        QVERIFY(torch::equal(p->forward(x), base));  // B = 0: dropout never reaches the base path
        p->lora_B->weight.normal_();
        const auto exact = base + torch::mm(torch::mm(x, p->lora_A->weight.t()), p->lora_B->weight.t());
        QVERIFY(!torch::allclose(p->forward(x), exact, 1e-4, 1e-5));
        p->eval();
        QVERIFY(torch::allclose(p->forward(x), exact, 1e-5, 1e-6));
    }

    void adaptedLogitsEqualTheMergedModel_data() { addVariantRows(); }
    void adaptedLogitsEqualTheMergedModel()
    {
        QFETCH(int, index);
        const Variant v = variants()[static_cast<size_t>(index)];
        torch::manual_seed(4);
        Transformer m(v.config);
        m->eval();
        const auto ids = torch::randint(v.config.vocabSize, {2, 13}, torch::kLong);
        const auto base = logitsOf(*m, ids);
        const auto keys = snapshot(*m);
        attachLora(*m, settings(v.targets, 4, 6));
        randomiseAdapters(*m);
        const auto adapted = logitsOf(*m, ids);
        QVERIFY(test::relativeError(adapted, base) > 1e-2);  // the adapters matter
        const std::string module = "model.layers.1.mlp.down_proj";
        const auto params = m->named_parameters();
        const at::Tensor expectedWeight =
            keys.at(module + ".weight") +
            1.5 * torch::mm(params[module + ".lora_B.weight"], params[module + ".lora_A.weight"]);
        mergeLora(*m);
        QVERIFY(!hasLora(*m));
        const double e = test::relativeError(logitsOf(*m, ids), adapted);
        QVERIFY2(e < 1e-5, qPrintable(QString::number(e)));
        // Merged: the base names only, every one trainable again, W + alpha/r B A in place.
        const auto merged = m->named_parameters();
        QCOMPARE(merged.size(), keys.size());
        for (const auto &item : merged)
            QVERIFY(keys.count(item.key()) && item.value().requires_grad());
        QVERIFY(torch::allclose(merged[module + ".weight"], expectedWeight, 1e-6, 1e-7));
        mergeLora(*m);  // nothing left to merge
        QCOMPARE(merged.size(), m->named_parameters().size());
    }

    void adaptersOffGiveTheBaseModel_data() { addVariantRows(); }
    void adaptersOffGiveTheBaseModel()
    {
        // The reference model of DPO/PPO with LoRA: the same weights with the adapters switched off. Oracle:
        // the logits before any adapter was attached (the base), bit for bit, and the adapted logits after.
        QFETCH(int, index);
        const Variant v = variants()[static_cast<size_t>(index)];
        torch::manual_seed(6);
        Transformer m(v.config);
        m->eval();
        const auto ids = torch::randint(v.config.vocabSize, {2, 11}, torch::kLong);
        const auto base = logitsOf(*m, ids);
        attachLora(*m, settings(v.targets, 4, 6));
        randomiseAdapters(*m);
        const auto adapted = logitsOf(*m, ids);
        QVERIFY(test::relativeError(adapted, base) > 1e-2);
        {
            AdaptersOff off(*m);
            QVERIFY(torch::equal(logitsOf(*m, ids), base));
            QVERIFY(hasLora(*m));  // switched off, still attached
        }
        QVERIFY(torch::equal(logitsOf(*m, ids), adapted));
        // Merging inside the scope still folds the adapters in.
        {
            AdaptersOff off(*m);
            mergeLora(*m);
        }
        // float32 rounding of the merged weights (W + B A rounded once) against the unmerged product: 1e-5
        // relative on GQA, about 1.1e-5 on MLA's longer chains; an unmerged adapter would be off by > 1e-2.
        const double e = test::relativeError(logitsOf(*m, ids), adapted);
        QVERIFY2(e < 1e-4, qPrintable(QString::number(e)));
    }

    void absorbedMlaDecodingUsesTheAdaptedKvB()
    {
        const ModelConfig c = small(AttentionKind::Mla);
        torch::manual_seed(5);
        Transformer m(c);
        m->to(torch::kFloat64);
        m->eval();
        const auto ids = torch::randint(c.vocabSize, {2, 12}, torch::kLong);
        attachLora(*m, settings({"kv_b_proj"}));
        const auto withoutUpdate = logitsOf(*m, ids);
        randomiseAdapters(*m);
        const auto full = logitsOf(*m, ids);  // expanded attention: kv_b_proj's forward
        QVERIFY(test::relativeError(full, withoutUpdate) > 1e-2);
        // Prefill 5 positions, then one at a time: absorbed attention reads kv_b_proj's matrix.
        torch::NoGradGuard noGrad;
        KvCache cache(c, 2, 16, torch::TensorOptions().dtype(torch::kFloat64));
        std::vector<at::Tensor> steps = {
            m->forward(ids.narrow(1, 0, 5), {at::Tensor(), at::Tensor(), &cache})};
        for (int64_t t = 5; t < 12; ++t)
            steps.push_back(m->forward(ids.narrow(1, t, 1), {at::Tensor(), at::Tensor(), &cache}));
        const double e = test::relativeError(torch::cat(steps, 1), full);
        QVERIFY2(e < 1e-10, qPrintable(QString::number(e)));
    }

    void onlyTheAdaptersTrain()
    {
        const ModelConfig c = small(AttentionKind::Gqa);
        torch::manual_seed(6);
        Transformer m(c);
        attachLora(*m, settings({"q_proj", "v_proj", "down_proj"}));
        for (const auto &item : m->named_parameters())
            QCOMPARE(item.value().requires_grad(), item.key().find(".lora_") != std::string::npos);
        const auto before = snapshot(*m);
        std::vector<at::Tensor> trainable;
        for (const auto &p : m->parameters())
            if (p.requires_grad()) trainable.push_back(p);
        QCOMPARE(trainable.size(), size_t(2 * 3 * c.nLayers));
        torch::optim::SGD sgd(trainable, torch::optim::SGDOptions(0.5));
        m->train();
        const auto ids = torch::randint(c.vocabSize, {2, 10}, torch::kLong);
        for (int step = 0; step < 3; ++step) {
            sgd.zero_grad();
            m->loss(m->hidden(ids), ids).backward();
            sgd.step();
        }
        for (const auto &item : m->named_parameters()) {
            const bool adapter = item.key().find(".lora_") != std::string::npos;
            QVERIFY2(torch::equal(item.value(), before.at(item.key())) != adapter, item.key().c_str());
            if (!adapter) QVERIFY(!item.value().grad().defined());
        }
    }

    void activationCheckpointingTrainsTheAdapters()
    {
        // The embedding is frozen, so the checkpointed segments' input needs grad from the model itself.
        const ModelConfig c = small(AttentionKind::Mla);
        torch::manual_seed(7);
        Transformer m(c);
        m->to(torch::kFloat64);
        attachLora(*m, settings({"q_b_proj", "kv_b_proj", "o_proj"}));
        randomiseAdapters(*m);
        m->train();
        const auto ids = torch::randint(c.vocabSize, {2, 9}, torch::kLong);
        auto gradients = [&](int64_t every) {
            m->setActivationCheckpointing(every);
            for (auto &[name, t] : loraParameters(*m))
                t.mutable_grad() = at::Tensor();
            m->loss(m->hidden(ids), ids).backward();
            std::map<std::string, at::Tensor> out;
            for (auto &[name, t] : loraParameters(*m))
                out[name] = t.grad();
            return out;
        };
        const auto plain = gradients(0), checkpointed = gradients(1);
        for (const auto &[name, g] : plain) {
            QVERIFY2(checkpointed.at(name).defined(), name.c_str());
            QVERIFY2(test::relativeError(checkpointed.at(name), g, 1e-12) < 1e-10, name.c_str());
        }
    }

    void regexTargetsAttachExactlyTheirMatches()
    {
        const ModelConfig c = small(AttentionKind::Gqa);
        Transformer m(c);
        const auto adapted = attachLora(*m, settings({"re:.*mlp\\.(gate|up)_proj"}));
        const std::vector<std::string> expected = {
            "model.layers.0.mlp.gate_proj", "model.layers.0.mlp.up_proj", "model.layers.1.mlp.gate_proj",
            "model.layers.1.mlp.up_proj"};
        QCOMPARE(adapted, expected);
        QCOMPARE(loraParameters(*m).size(), size_t(8));
        // A whole-name match: "mlp.gate_proj" alone is not "...mlp.gate_proj".
        Transformer n(c);
        VERIFY_CONTAINS(errorOf<LoraError>([&] { attachLora(*n, settings({"re:mlp\\.gate_proj"})); }),
                        "target module \"re:mlp\\.gate_proj\" matches no projection");
        VERIFY_CONTAINS(errorOf<LoraError>([&] {
                            attachLora(*n, settings({"re:(", "q_proj"}));
                        }),
                        "must be the only entry");
        VERIFY_CONTAINS(errorOf<LoraError>([&] { attachLora(*n, settings({"re:(q_proj"})); }),
                        "not a valid regex");
        QVERIFY(!hasLora(*n));
        // Suffixes match on module-name boundaries only: "proj" is no projection's name.
        VERIFY_CONTAINS(errorOf<LoraError>([&] { attachLora(*n, settings({"proj"})); }),
                        "\"proj\" matches no");
    }

    void badSettingsAndStatesAreRefused()
    {
        const ModelConfig c = small(AttentionKind::Gqa);
        Transformer m(c);
        const std::string unknown = errorOf<LoraError>([&] {
            attachLora(*m, settings({"q_proj", "qkv_proj"}));
        });
        VERIFY_CONTAINS(unknown, "target module \"qkv_proj\" matches no projection of the model");
        VERIFY_CONTAINS(unknown, "down_proj, gate_proj, k_proj, lm_head, o_proj, q_proj, up_proj, v_proj");
        QVERIFY(!hasLora(*m));  // nothing attached, nothing frozen
        for (const auto &p : m->parameters())
            QVERIFY(p.requires_grad());
        VERIFY_CONTAINS(errorOf<LoraError>([&] { attachLora(*m, settings({"q_proj"}, 0)); }),
                        "rank (r) must be at least 1, got 0");
        VERIFY_CONTAINS(errorOf<LoraError>([&] { attachLora(*m, settings({"q_proj"}, 4, 0)); }),
                        "alpha (lora_alpha) must be positive");
        LoraSettings dropout = settings({"q_proj"});
        dropout.dropout = 1;
        VERIFY_CONTAINS(errorOf<LoraError>([&] { attachLora(*m, dropout); }),
                        "dropout (lora_dropout) must be in [0, 1)");
        VERIFY_CONTAINS(errorOf<LoraError>([&] { attachLora(*m, settings({})); }),
                        "at least one target module");

        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        VERIFY_CONTAINS(errorOf<LoraError>([&] { saveAdapter(*m, d, ""); }),
                        "the model has no LoRA adapters");
        attachLora(*m, settings({"q_proj"}));
        VERIFY_CONTAINS(errorOf<LoraError>([&] { attachLora(*m, settings({"v_proj"})); }),
                        "already has LoRA adapters");
        VERIFY_CONTAINS(errorOf<CheckpointError>([&] { saveCheckpoint(*m, d, {}); }),
                        "merge the adapter first");
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("model.safetensors"))));
    }

    void baseCheckpointsLoadUnderAdapters()
    {
        const ModelConfig c = small(AttentionKind::Gqa);
        QTemporaryDir dir;
        torch::manual_seed(8);
        Transformer saved(c);
        saveCheckpoint(*saved, dir.path().toStdString(), {});
        Transformer m(c);
        attachLora(*m, settings({"o_proj"}));
        randomiseAdapters(*m);
        const auto adapters = loraParameters(*m);
        std::vector<at::Tensor> before;
        for (const auto &[name, t] : adapters)
            before.push_back(t.clone());
        loadWeights(*m, dir.path().toStdString());
        const auto params = m->named_parameters();
        for (const auto &item : saved->named_parameters())
            QVERIFY(torch::equal(params[item.key()], item.value()));
        for (size_t i = 0; i < adapters.size(); ++i)
            QVERIFY(torch::equal(adapters[i].second, before[i]));
    }

    void adaptersRoundTripInPeftLayout_data() { addVariantRows(); }
    void adaptersRoundTripInPeftLayout()
    {
        QFETCH(int, index);
        const Variant v = variants()[static_cast<size_t>(index)];
        QTemporaryDir base, adapter;
        torch::manual_seed(9);
        Transformer m(v.config);
        m->eval();
        saveCheckpoint(*m, base.path().toStdString(), {});
        const bool mla = v.config.attention == AttentionKind::Mla;
        LoraSettings s = settings(v.targets, 4, 8);
        s.dropout = mla ? 0.0 : 0.05;  // PEFT adapts MLA's MLP (target_parameters) only without dropout
        const auto adapted = attachLora(*m, s);
        randomiseAdapters(*m);
        const auto ids = torch::randint(v.config.vocabSize, {2, 9}, torch::kLong);
        const auto expected = logitsOf(*m, ids);
        saveAdapter(*m, adapter.path().toStdString(), "org/base-model");

        // adapter_config.json: the keys peft 0.21.2's save_pretrained writes, with Danka's values.
        const auto j = readJson(adapter.filePath(QStringLiteral("adapter_config.json")));
        const std::set<std::string> peftKeys = {"alora_invocation_tokens",
                                                "alpha_pattern",
                                                "arrow_config",
                                                "auto_mapping",
                                                "base_model_name_or_path",
                                                "bias",
                                                "corda_config",
                                                "ensure_weight_tying",
                                                "eva_config",
                                                "exclude_modules",
                                                "fan_in_fan_out",
                                                "inference_mode",
                                                "init_lora_weights",
                                                "kasa_config",
                                                "layer_replication",
                                                "layers_pattern",
                                                "layers_to_transform",
                                                "loftq_config",
                                                "lora_alpha",
                                                "lora_bias",
                                                "lora_dropout",
                                                "lora_ga_config",
                                                "megatron_config",
                                                "megatron_core",
                                                "modules_to_save",
                                                "monteclora_config",
                                                "peft_type",
                                                "peft_version",
                                                "qalora_group_size",
                                                "r",
                                                "rank_pattern",
                                                "revision",
                                                "target_modules",
                                                "target_parameters",
                                                "task_type",
                                                "trainable_token_indices",
                                                "use_bdlora",
                                                "use_dora",
                                                "use_qalora",
                                                "use_rslora",
                                                "velora_config"};
        std::set<std::string> keys;
        for (const auto &item : j.items())
            keys.insert(item.key());
        QVERIFY(keys == peftKeys);
        QVERIFY(j["peft_type"] == "LORA" && j["task_type"] == "CAUSAL_LM");
        QVERIFY(j["r"].is_number_integer() && j["r"] == 4);
        QVERIFY(j["lora_alpha"].is_number_integer() && j["lora_alpha"] == 8);
        QCOMPARE(j["lora_dropout"].get<double>(), s.dropout);
        if (mla) {
            // deepseek_v3: PEFT under transformers 5 takes MLP names in target_modules for expert weights;
            // the MLP goes into target_parameters.
            QCOMPARE(j["target_modules"].get<std::vector<std::string>>(),
                     std::vector<std::string>(v.targets.begin(), v.targets.begin() + 5));
            QCOMPARE(j["target_parameters"].get<std::vector<std::string>>(),
                     std::vector<std::string>({"mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"}));
        } else {
            QCOMPARE(j["target_modules"].get<std::vector<std::string>>(), v.targets);
            QVERIFY(j["target_parameters"].is_null());
        }
        QVERIFY(j["bias"] == "none" && j["inference_mode"] == true && j["use_dora"] == false);
        QVERIFY(j["modules_to_save"].is_null() && j["rank_pattern"].empty());
        QVERIFY(j["base_model_name_or_path"] == "org/base-model");

        // adapter_model.safetensors: PEFT's keys (no "default" adapter segment), A (r, in), B (out, r).
        const auto header = readSafetensorsHeader(
            adapter.filePath(QStringLiteral("adapter_model.safetensors")).toStdString());
        std::set<std::string> names;
        for (const auto &t : header.tensors)
            names.insert(t.name);
        QVERIFY(names == peftNames(adapted));
        const std::string first = v.config.attention == AttentionKind::Mla ? "q_a_proj" : "q_proj";
        const auto *a = header.find("base_model.model.model.layers.0.self_attn." + first + ".lora_A.weight");
        QVERIFY(a && a->shape == std::vector<int64_t>({4, 32}) && a->dtypeName == "F32");
        const auto *b = header.find("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight");
        QVERIFY(b && b->shape == std::vector<int64_t>({32, 4}));

        const AdapterInfo info = readAdapterConfig(adapter.path().toStdString());
        QCOMPARE(info.settings.targetModules, v.targets);
        QCOMPARE(info.settings.rank, int64_t(4));
        QCOMPARE(info.settings.alpha, 8.0);
        QCOMPARE(info.settings.dropout, s.dropout);
        QCOMPARE(info.baseModelNameOrPath, std::string("org/base-model"));

        Transformer fresh = loadModel(base.path().toStdString());
        fresh->eval();
        loadAdapter(*fresh, adapter.path().toStdString());
        QVERIFY(torch::equal(logitsOf(*fresh, ids), expected));
        for (const auto &item : fresh->named_parameters())
            QCOMPARE(item.value().requires_grad(), item.key().find(".lora_") != std::string::npos);
    }

    void regexTargetsAreSavedAsPeftsStringForm()
    {
        const ModelConfig c = small(AttentionKind::Gqa);
        QTemporaryDir dir;
        Transformer m(c);
        attachLora(*m, settings({"re:.*\\.(q|v)_proj"}, 2, 3.5));
        saveAdapter(*m, dir.path().toStdString(), "", at::kBFloat16);
        const auto j = readJson(dir.filePath(QStringLiteral("adapter_config.json")));
        QVERIFY(j["target_modules"] == ".*\\.(q|v)_proj");
        QCOMPARE(j["lora_alpha"].get<double>(), 3.5);
        QVERIFY(j["base_model_name_or_path"].is_null());
        const auto header =
            readSafetensorsHeader(dir.filePath(QStringLiteral("adapter_model.safetensors")).toStdString());
        QCOMPARE(header.tensors.front().dtypeName, std::string("BF16"));
        const AdapterInfo info = readAdapterConfig(dir.path().toStdString());
        QCOMPARE(info.settings.targetModules, std::vector<std::string>({"re:.*\\.(q|v)_proj"}));
        QCOMPARE(info.baseModelNameOrPath, std::string());
    }

    void mlaAdaptersPeftCannotLoadAreRefusedByName()
    {
        // MLP adapters of an MLA model with dropout: PEFT's ParamWrapper refuses lora_dropout != 0.
        const Variant v = variants()[1];
        Transformer m(v.config);
        LoraSettings s = settings({"q_a_proj", "up_proj", "mlp.down_proj"});
        s.dropout = 0.1;
        attachLora(*m, s);
        QVERIFY(peftLoadProblem(v.config, {"q_a_proj"}, 0.1).empty());
        QVERIFY(peftLoadProblem(v.config, {"up_proj"}, 0.0).empty());
        QVERIFY(peftLoadProblem(variants()[0].config, {"up_proj"}, 0.1).empty());  // llama: plain target_modules
        QCOMPARE(peftUnloadableTargets(v.config, s.targetModules, 0.1), std::vector<std::string>({"down_proj", "up_proj"}));
        QTemporaryDir dir;
        VERIFY_CONTAINS(errorOf<LoraError>([&] { saveAdapter(*m, dir.path().toStdString(), ""); }),
                        "PEFT cannot load LoRA adapters on the MLP (down_proj, up_proj) of an MLA model with dropout 0.1");
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("adapter_config.json"))));

        // A regex on MLA is saved as the list of what it adapted, MLP as target_parameters, and reads back.
        Transformer r(v.config);
        attachLora(*r, settings({"re:.*layers\\.1\\.(self_attn\\.o_proj|mlp\\.up_proj)"}));
        saveAdapter(*r, dir.path().toStdString(), "");
        const auto j = readJson(dir.filePath(QStringLiteral("adapter_config.json")));
        QCOMPARE(j["target_modules"].get<std::vector<std::string>>(),
                 std::vector<std::string>({"model.layers.1.self_attn.o_proj"}));
        QCOMPARE(j["target_parameters"].get<std::vector<std::string>>(),
                 std::vector<std::string>({"model.layers.1.mlp.up_proj.weight"}));
        const AdapterInfo info = readAdapterConfig(dir.path().toStdString());
        QCOMPARE(info.settings.targetModules,
                 std::vector<std::string>({"model.layers.1.self_attn.o_proj", "model.layers.1.mlp.up_proj"}));
        Transformer back(v.config);
        loadAdapter(*back, dir.path().toStdString());
        QCOMPARE(loraParameters(*back).size(), size_t(4));

        // target_parameters Danka cannot use are refused by field.
        const QString configPath = dir.filePath(QStringLiteral("adapter_config.json"));
        nlohmann::ordered_json bad = j;
        bad["target_parameters"] = nlohmann::ordered_json::array({"mlp.experts.gate_up_proj"});
        writeJsonFile(configPath.toStdString(), bad);
        VERIFY_CONTAINS(errorOf<LoraError>([&] { readAdapterConfig(dir.path().toStdString()); }),
                        "field \"target_parameters\" names \"mlp.experts.gate_up_proj\"");
        bad = j;
        bad["target_modules"] = ".*o_proj";
        writeJsonFile(configPath.toStdString(), bad);
        VERIFY_CONTAINS(errorOf<LoraError>([&] { readAdapterConfig(dir.path().toStdString()); }),
                        "field \"target_parameters\" cannot be combined with a regex target_modules");
    }

    void damagedAdaptersAreRefusedByFileAndField()
    {
        const ModelConfig c = small(AttentionKind::Gqa);
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        const QString configPath = dir.filePath(QStringLiteral("adapter_config.json"));
        torch::manual_seed(10);
        Transformer m(c);
        attachLora(*m, settings({"q_proj", "v_proj"}));
        saveAdapter(*m, d, "");
        const auto good = readJson(configPath);
        // Each case: a change to the config and the message it must produce.
        auto expectError = [&](const std::function<void(nlohmann::ordered_json &)> &edit,
                               const std::string &needle) {
            nlohmann::ordered_json j = good;
            edit(j);
            writeJsonFile(configPath.toStdString(), j);
            Transformer fresh(c);
            const std::string message = errorOf<LoraError>([&] { loadAdapter(*fresh, d); });
            VERIFY_CONTAINS(message, needle);
            QVERIFY(!hasLora(*fresh));
        };
        const std::string file = configPath.toStdString() + ": field ";
        expectError([](auto &j) { j["use_dora"] = true; },
                    file + "\"use_dora\" is true: Danka only implements false");
        expectError([](auto &j) { j["peft_type"] = "IA3"; }, file + "\"peft_type\" must be \"LORA\"");
        expectError([](auto &j) { j.erase("r"); }, file + "\"r\" must be an integer");
        expectError([](auto &j) { j.erase("lora_alpha"); }, file + "\"lora_alpha\" must be a number");
        expectError([](auto &j) { j["r"] = 0; },
                    configPath.toStdString() + ": LoRA rank (r) must be at least 1");
        expectError([](auto &j) { j["rank_pattern"] = {{"q_proj", 2}}; }, file + "\"rank_pattern\"");
        expectError([](auto &j) { j["bias"] = "all"; }, file + "\"bias\"");
        expectError([](auto &j) { j["use_rslora"] = true; }, file + "\"use_rslora\"");
        expectError([](auto &j) { j["fan_in_fan_out"] = true; }, file + "\"fan_in_fan_out\"");
        expectError([](auto &j) { j["init_lora_weights"] = "pissa"; }, file + "\"init_lora_weights\"");
        expectError([](auto &j) { j["target_modules"] = 3; }, file + "\"target_modules\"");
        expectError(
            [](auto &j) {
                j["target_modules"] = nlohmann::ordered_json::array({"q_proj", "wq"});
            },
            configPath.toStdString() + ": target module \"wq\" matches no projection");
        const std::string weights = dir.filePath(QStringLiteral("adapter_model.safetensors")).toStdString();
        expectError([](auto &j) { j["r"] = 2; },
                    weights +
                        ": tensor \"base_model.model.model.layers.0.self_attn.q_proj"
                        ".lora_A.weight\" has shape [4, 32], the model needs [2, 32]");
        expectError(
            [](auto &j) { j["target_modules"] = nlohmann::ordered_json::array({"q_proj"}); },
            weights +
                ": unexpected tensor \"base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight\"");
        expectError(
            [](auto &j) {
                j["target_modules"] = nlohmann::ordered_json::array({"q_proj", "v_proj", "k_proj"});
            },
            weights + ": missing tensor \"base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight\"");
        // Absent optional fields and empty patterns are PEFT's defaults.
        nlohmann::ordered_json minimal = {
            {"peft_type", "LORA"},
            {"r", 4},
            {"lora_alpha", 8},
            {"target_modules", nlohmann::ordered_json::array({"q_proj", "v_proj"})},
            {"rank_pattern", nullptr}};
        writeJsonFile(configPath.toStdString(), minimal);
        Transformer fresh(c);
        loadAdapter(*fresh, d);
        QCOMPARE(loraParameters(*fresh).size(), size_t(8));
        VERIFY_CONTAINS(errorOf<LoraError>([&] { readAdapterConfig(d + "/nothing"); }), "no such folder");
    }

    // Every projection of each variant, MLP included (deepseek_v3: written as target_parameters), and on MLA
    // a regex that takes layer 0 only (PEFT would widen a regex string to every layer there: Danka lists the
    // modules).
    void peftComputesTheSameLogits_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<QString>("regex");
        for (size_t i = 0; i < variants().size(); ++i)
            QTest::newRow(variants()[i].name) << int(i) << QString();
        QTest::newRow("mla, regex on layer 0") << 1 << QStringLiteral("re:model\\.layers\\.0\\..*");
    }
    void peftComputesTheSameLogits()
    {
        QFETCH(int, index);
        QFETCH(QString, regex);
        const Variant v = variants()[static_cast<size_t>(index)];
        QTemporaryDir base, adapter;
        torch::manual_seed(11);
        Transformer m(v.config);
        m->eval();
        saveCheckpoint(*m, base.path().toStdString(), {});
        const std::vector<std::string> targets = regex.isEmpty() ? v.targets : std::vector<std::string>{regex.toStdString()};
        const auto adapted = attachLora(*m, settings(targets, 4, 8));
        if (!regex.isEmpty()) QCOMPARE(adapted.size(), size_t(8));  // layer 0's 5 attention and 3 MLP projections
        randomiseAdapters(*m);
        const auto ids = torch::randint(v.config.vocabSize, {2, 17}, torch::kLong);
        const auto logits = logitsOf(*m, ids);
        saveAdapter(*m, adapter.path().toStdString(), base.path().toStdString());
        const std::string expected = base.filePath(QStringLiteral("expected.safetensors")).toStdString();
        writeSafetensors(expected, {{"input_ids", ids}, {"logits", logits}});
        const test::InteropResult r = test::runInteropScript(
            QStringLiteral("peft_adapter.py"), {base.path(), adapter.path(), QString::fromStdString(expected)});
        const QString &out = r.output;
        if (r.exitCode == danka::test::kSkipExitCode) DANKA_INTEROP_SKIP(out);
        QVERIFY2(r.exitCode == 0, qPrintable(out));
        qInfo("%s", qPrintable(out.trimmed()));
    }
};

DANKA_INTEROP_TEST_MAIN(TestLora)
#include "tst_lora.moc"
