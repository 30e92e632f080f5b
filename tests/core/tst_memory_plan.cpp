// core::memoryPlanOf and core::estimateConfigMemory, shared by `danka-cli model estimate` and the Configure
// page. Oracles: plans written out by hand from the config fields, the estimator's own line items for those
// plans (4 bytes a parameter of fp32 weights, a 0.75 GiB CUDA context against 0.5 GiB for a CPU process),
// budgets set exactly at a total, and the rule that a plan with AdamW on the CPU is never recommended.
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/config/memory_plan.h"
#include "core/config/presets.h"
#include "core/util/translate.h"
#include "tests/core/train/train_test_util.h"

using namespace danka;
using namespace danka::core;

namespace {

RunConfig preset(const char *name)
{
    const Preset *p = findPreset(name);
    if (!p) qFatal("no preset %s", name);
    return p->config;
}

double line(const model::MemoryEstimate &e, const char *name)
{
    for (const auto &l : e.lines)
        if (l.name == name) return l.bytes;
    return -1;
}

void comparePlans(const model::MemoryPlan &a, const model::MemoryPlan &b)
{
    QCOMPARE(a.microBatch, b.microBatch);
    QCOMPARE(a.seqLen, b.seqLen);
    QCOMPARE(int(a.precision), int(b.precision));
    QCOMPARE(a.checkpointEvery, b.checkpointEvery);
    QCOMPARE(a.optimizerOnCpu, b.optimizerOnCpu);
    QCOMPARE(a.gpu, b.gpu);
    QCOMPARE(a.dropout, b.dropout);
}

}  // namespace

class TestMemoryPlan : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mapsEveryField()
    {
        RunConfig c = preset("minimind-26m");
        c.data.microBatchSize = 3;
        c.data.seqLen = 77;
        c.runtime.precision = Precision::Bf16;
        c.runtime.activationCheckpointing = 2;
        c.runtime.device = Device::Cuda;
        c.model.dropout = 0.1;
        model::MemoryPlan expected;
        expected.microBatch = 3;
        expected.seqLen = 77;
        expected.precision = model::PlanPrecision::Bf16;
        expected.checkpointEvery = 2;
        expected.optimizerOnCpu = false;
        expected.gpu = true;
        expected.dropout = 0.1;
        comparePlans(memoryPlanOf(c), expected);

        c.runtime.precision = Precision::Fp32;
        QCOMPARE(int(memoryPlanOf(c).precision), int(model::PlanPrecision::Fp32));
        c.runtime.precision = Precision::Fp16;
        QCOMPARE(int(memoryPlanOf(c).precision), int(model::PlanPrecision::Fp16));

        // A CPU process only when the config says cpu; auto may get a card.
        c.runtime.device = Device::Auto;
        QVERIFY(memoryPlanOf(c).gpu);
        c.runtime.device = Device::Cpu;
        QVERIFY(!memoryPlanOf(c).gpu);
        QVERIFY(!memoryPlanOf(preset("demo")).gpu);      // the demo preset trains on the CPU
        QVERIFY(memoryPlanOf(preset("gpt-1.3b-24gb")).gpu);
    }

    void estimatesThePlanOfTheConfig()
    {
        RunConfig c = preset("demo");  // fp32 on the CPU, micro-batch 16 of 256
        const double P = double(c.model.parameterCount());
        ConfigEstimate e = estimateConfigMemory(c, 24 * kBytesPerGib);
        QCOMPARE(e.budgetBytes, 24 * kBytesPerGib);
        QCOMPARE(e.plan.microBatch, int64_t(16));
        QCOMPARE(e.plan.seqLen, int64_t(256));
        QCOMPARE(e.estimate.parameters, c.model.parameterCount());
        QCOMPARE(line(e.estimate, "weights"), 4 * P);
        QCOMPARE(line(e.estimate, "autocast weight copies"), -1.0);  // fp32: none
        QCOMPARE(line(e.estimate, "optimizer states"), 8 * P);      // AdamW stays on the device
        QCOMPARE(e.estimate.hostBytes, 0.0);
        QCOMPARE(line(e.estimate, "framework"), 0.5 * kBytesPerGib);  // a CPU process
        QVERIFY(e.fits);

        c.runtime.device = Device::Cuda;
        c.runtime.precision = Precision::Bf16;
        e = estimateConfigMemory(c, 24 * kBytesPerGib);
        QCOMPARE(line(e.estimate, "framework"), 0.75 * kBytesPerGib);  // a CUDA context
        // 16-bit copies autograd keeps for backward, alive at the peak (the demo's is in the loss's backward,
        // its logits being the largest tensors): every projection's and the (tied) LM head's without
        // checkpointing.
        double projections = 0;
        for (const model::ProjectionShape &p : model::projectionShapes(c.model))
            projections += static_cast<double>(p.in * p.out);
        const double head = static_cast<double>(c.model.vocabSize * c.model.hiddenSize);
        QCOMPARE(line(e.estimate, "autocast weight copies"), 2.0 * (projections + head));
        // With checkpointing the blocks' copies exist only while their segment is recomputed, after the loss's
        // backward: at this peak only the LM head's.
        c.runtime.activationCheckpointing = 1;
        QCOMPARE(line(estimateConfigMemory(c, 24 * kBytesPerGib).estimate, "autocast weight copies"), 2.0 * head);
        c.runtime.activationCheckpointing = 0;

        // Dropout masks are kept: more activation memory than without.
        const double without = estimateConfigMemory(c, 24 * kBytesPerGib).estimate.activationsPerLayer;
        c.model.dropout = 0.1;
        QVERIFY(estimateConfigMemory(c, 24 * kBytesPerGib).estimate.activationsPerLayer > without);

        // The budget is inclusive.
        const double total = e.estimate.total();
        QVERIFY(!estimateConfigMemory(preset("demo"), 0).fits);
        c.model.dropout = 0;
        QVERIFY(estimateConfigMemory(c, total).fits);
        QVERIFY(!estimateConfigMemory(c, total - 1).fits);
    }

    void listsEveryCandidateOnTheSameDevice()
    {
        RunConfig c = preset("gpt-1.3b-24gb");
        const ConfigEstimate e = estimateConfigMemory(c, 24 * kBytesPerGib);
        // bf16 and fp32, AdamW on the device or the CPU, checkpointing off/4/2/1, micro-batch 8/4/2/1.
        QCOMPARE(e.plans.size(), size_t(2 * 2 * 4 * 4));
        for (const auto &o : e.plans) {
            QCOMPARE(o.plan.seqLen, c.data.seqLen);
            QVERIFY(o.plan.gpu);
            QCOMPARE(o.fits, o.estimate.total() <= 24 * kBytesPerGib);
        }
        QVERIFY(std::any_of(e.plans.begin(), e.plans.end(), [](const auto &o) { return o.plan.optimizerOnCpu; }));
        c.runtime.device = Device::Cpu;
        for (const auto &o : estimateConfigMemory(c, 24 * kBytesPerGib).plans) QVERIFY(!o.plan.gpu);
    }

    void recommendsTheLeastCostlyRunnablePlan()
    {
        // With room for anything: bf16, no recomputation, the largest micro-batch, AdamW on the device.
        const RunConfig c = preset("minimind-26m");
        const ConfigEstimate e = estimateConfigMemory(c, 1024 * kBytesPerGib);
        QVERIFY(e.recommendedIndex && e.recommended && e.recommendedEstimate);
        model::MemoryPlan expected;
        expected.microBatch = 8;
        expected.seqLen = c.data.seqLen;
        expected.precision = model::PlanPrecision::Bf16;
        expected.checkpointEvery = 0;
        expected.optimizerOnCpu = false;
        expected.gpu = true;
        expected.dropout = 0;
        comparePlans(*e.recommended, expected);
        comparePlans(e.plans[*e.recommendedIndex].plan, expected);
        QCOMPARE(e.recommendedEstimate->total(), e.plans[*e.recommendedIndex].estimate.total());

        // Nothing fits a zero budget.
        const ConfigEstimate none = estimateConfigMemory(c, 0);
        QVERIFY(!none.recommendedIndex && !none.recommended && !none.recommendedEstimate);
    }

    void recommendsOffloadingOnlyWhenNothingElseFits()
    {
        // A budget between the smallest offloaded plan and the smallest plan with AdamW on the device: only
        // offloaded plans fit, and the recommendation is one of them.
        RunConfig c = preset("gpt-1.3b-24gb");
        const ConfigEstimate all = estimateConfigMemory(c, 0);
        double smallestOnDevice = 1e300, smallestOffloaded = 1e300;
        for (const auto &o : all.plans) {
            double &smallest = o.plan.optimizerOnCpu ? smallestOffloaded : smallestOnDevice;
            smallest = std::min(smallest, o.estimate.total());
        }
        QVERIFY(smallestOffloaded < smallestOnDevice);
        const double budget = (smallestOffloaded + smallestOnDevice) / 2;
        const ConfigEstimate e = estimateConfigMemory(c, budget);
        for (const auto &o : e.plans)
            if (o.fits) QVERIFY(o.plan.optimizerOnCpu);
        QVERIFY(e.recommended);
        QVERIFY(e.recommended->optimizerOnCpu);

        // At the smallest plan with AdamW on the device, that one is recommended, not an offloaded one.
        const ConfigEstimate tight = estimateConfigMemory(c, smallestOnDevice);
        QVERIFY(tight.recommended);
        QVERIFY(!tight.recommended->optimizerOnCpu);
        QCOMPARE(tight.recommendedEstimate->total(), smallestOnDevice);

        // runtime.offload_optimizer is the config's plan: the moments leave the device for host memory.
        const double onDevice = estimateConfigMemory(c, 24 * kBytesPerGib).estimate.total();
        c.runtime.offloadOptimizer = true;
        const ConfigEstimate offloaded = estimateConfigMemory(c, 24 * kBytesPerGib);
        QVERIFY(offloaded.plan.optimizerOnCpu);
        QCOMPARE(offloaded.estimate.hostBytes, 8.0 * offloaded.estimate.parameters);
        QCOMPARE(onDevice - offloaded.estimate.total(), 8.0 * offloaded.estimate.parameters);
    }

    void outOfMemoryAdviceNamesTheSettings()
    {
        // gpt-1.3b-24gb at micro-batch 8 without checkpointing in fp32 cannot fit 24 GiB; the advice is the
        // recommended plan (bf16, micro-batch 2, checkpointing every 4 blocks) as config settings, with the
        // accumulation raised to keep 8 x 64 = 512 sequences per step. (Before the estimator walked backward
        // it counted every gradient beside every activation and put this plan at 154.9 GiB, recommending
        // micro-batch 1.)
        RunConfig c = preset("gpt-1.3b-24gb");
        c.data.microBatchSize = 8;
        c.runtime.activationCheckpointing = 0;
        c.runtime.precision = Precision::Fp32;
        const std::string advice = outOfMemoryAdvice(c, 24 * kBytesPerGib);
        qInfo("%s", advice.c_str());
        for (const char *part : {"The memory estimator puts this plan at 150.1 GiB for 24.0 GiB.",
                                 "data.micro_batch_size 2 with optim.grad_accum_steps 256 (512 sequences per step, as "
                                 "now 512)",
                                 "runtime.activation_checkpointing 4", "runtime.precision bf16"})
            QVERIFY2(advice.find(part) != std::string::npos, part);
        QVERIFY(advice.find("offload_optimizer") == std::string::npos);

        // Nothing fits 1 GiB at this length.
        const std::string none = outOfMemoryAdvice(c, 1 * kBytesPerGib);
        QVERIFY2(none.find("No plan fits 1.0 GiB at data.seq_len 4096") != std::string::npos, none.c_str());
    }

    void everyDetailLineIsATranslatableTemplate()
    {
        // The studio shows the estimator's detail lines translated (memoryDetailText): each must come from a
        // registered template. A translator that marks what it translates shows which do.
        setTranslator([](const char *, const char *source) { return std::string("<") + source + ">"; });
        RunConfig c = preset("gpt-1.3b-24gb");
        std::vector<RunConfig> configs = {c, preset("demo")};
        c.runtime.activationCheckpointing = 0;
        c.runtime.precision = Precision::Fp32;
        configs.push_back(c);
        c.stage.kind = "sft";
        c.stage.lora.enabled = true;
        configs.push_back(c);
        for (const RunConfig &config : configs)
            for (const model::PlanOption &o : estimateConfigMemory(config, 24 * kBytesPerGib).plans)
                for (const model::MemoryLine &l : o.estimate.lines)
                    QVERIFY2(memoryDetailText(l.detail).rfind("<", 0) == 0, l.detail.c_str());
        // The teacher's lines, from a plan that has one.
        model::MemoryPlan p = memoryPlanOf(preset("demo"));
        p.teacher = preset("demo").model;
        for (const model::MemoryLine &l : model::estimateTraining(preset("demo").model, p).lines)
            QVERIFY2(memoryDetailText(l.detail).rfind("<", 0) == 0, l.detail.c_str());
        setTranslator(nullptr);
    }

    void anUnreadableCheckpointIsNamed()
    {
        // A base or teacher checkpoint the estimate cannot read is an error naming it, never an estimate of
        // the config's own model section (which a run from a base checkpoint does not train).
        QTemporaryDir dir;
        const std::string missing = dir.filePath(QStringLiteral("gone")).toStdString();
        const std::string broken = dir.filePath(QStringLiteral("broken")).toStdString();
        std::filesystem::create_directories(broken);
        std::ofstream(broken + "/config.json") << "{ not json";
        RunConfig c = preset("demo");
        c.stage.kind = std::string("sft");
        for (const auto &[base, expected] : {std::pair<std::string, std::string>{missing, missing + ": no such checkpoint folder"},
                                             {broken, broken + "/config.json: invalid JSON"}}) {
            c.stage.baseCheckpoint = base;
            danka::test::expectThrowsWithMessage([&] { trainedModelOf(c); }, expected);
            danka::test::expectThrowsWithMessage([&] { estimateConfigMemory(c, 24 * kBytesPerGib); }, expected);
        }
        RunConfig d = preset("demo");
        d.stage.kind = std::string("distill");
        d.stage.distill.teacherCheckpoint = missing;
        danka::test::expectThrowsWithMessage([&] { memoryPlanOf(d); }, missing + ": no such checkpoint folder");
    }

    void the24GbPresetFitsItsCardInBf16()
    {
        // The preset's own plan (bf16, micro-batch 1, checkpointing every block) fits 24 GiB, and on a GPU the
        // recommendation is a bf16 plan with AdamW on the device.
        const RunConfig c = preset("gpt-1.3b-24gb");
        const ConfigEstimate e = estimateConfigMemory(c, 24 * kBytesPerGib);
        QVERIFY2(e.fits, qPrintable(QString::number(e.estimate.total() / kBytesPerGib)));
        QVERIFY(e.recommended);
        QCOMPARE(e.recommended->precision, model::PlanPrecision::Bf16);
        QVERIFY(!e.recommended->optimizerOnCpu);
    }
};

QTEST_GUILESS_MAIN(TestMemoryPlan)
#include "tst_memory_plan.moc"
