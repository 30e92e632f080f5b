// The built-in presets. Numbers come from ../shared/reference/PEERS.md (minimind) and
// ../shared/seeds/000 (the 24 GB plan); each choice is commented where it is not obvious.
#include "core/config/presets.h"

#include "core/util/translate.h"

namespace danka::core {

namespace {

RunConfig demoPreset()
{
    // Small enough to pretrain on a 2-core laptop CPU in minutes, big enough to learn the demo corpus:
    // about 2.8M parameters, GQA so the demo exercises grouped K/V heads.
    RunConfig c;
    c.name = "demo";
    auto &m = c.model;
    m.vocabSize = 6400;
    m.hiddenSize = 192;
    m.nLayers = 4;
    m.nHeads = 6;
    m.nKvHeads = 2;
    m.attention = model::AttentionKind::Gqa;
    m.ffnHiddenSize = 512;
    m.maxSeqLen = 256;
    m.ropeTheta = 10000.0;
    c.data.seqLen = 256;
    c.data.microBatchSize = 16;
    c.data.valFraction = 0.02;
    c.optim.learningRate = 2e-3;  // small models tolerate (and need) a high rate to learn in a few hundred steps
    // 400 steps of 16 x 256 tokens (1.6M tokens, about two passes over the demo corpus): about 6 minutes on a
    // 2-core CPU, so that `danka-cli demo` stays well under 10 minutes.
    c.schedule.maxSteps = 400;
    c.schedule.warmupSteps = 30;
    c.runtime.device = Device::Cpu;
    c.runtime.logEvery = 5;
    c.runtime.evalEvery = 100;
    c.runtime.evalBatches = 8;
    c.runtime.checkpointEvery = 200;
    c.runtime.sampleEvery = 200;
    return c;
}

RunConfig minimindPreset()
{
    // MiniMind2-small: 25.8M parameters, d 512, 8 layers, 8 query / 2 KV heads, FFN 1408, vocab 6400,
    // RoPE theta 1e6, tied embeddings. Pretraining as minimind: batch 32 x accumulation 8, lr 5e-4 cosine to
    // 0.1x, sequences of 340 tokens, bf16, clip 1.0.
    RunConfig c;
    c.name = "minimind-26m";
    auto &m = c.model;
    m.vocabSize = 6400;
    m.hiddenSize = 512;
    m.nLayers = 8;
    m.nHeads = 8;
    m.nKvHeads = 2;
    m.attention = model::AttentionKind::Gqa;
    m.ffnHiddenSize = 1408;
    m.maxSeqLen = 2048;  // room for the long-context SFT stage without touching RoPE
    m.ropeTheta = 1e6;
    m.tieEmbeddings = true;
    c.data.seqLen = 340;
    c.data.microBatchSize = 32;
    c.optim.learningRate = 5e-4;
    c.optim.gradAccumSteps = 8;
    c.optim.gradClip = 1.0;
    c.schedule.maxSteps = 10000;
    c.schedule.warmupSteps = 100;
    c.schedule.minLrRatio = 0.1;
    c.runtime.precision = Precision::Bf16;
    c.runtime.evalEvery = 500;
    c.runtime.checkpointEvery = 1000;
    c.runtime.sampleEvery = 1000;
    return c;
}

RunConfig gpt13bPreset()
{
    // The single-card plan of seeds/000: 24 layers, hidden 2048, 16 heads, context 4096, vocab 64000, MLA.
    // MLA dims follow DeepSeek-V2-Lite (same width and heads): no query compression, kv_lora_rank 512,
    // qk 128 + 64 RoPE, v 128. FFN 5632 (8/3 d rounded up to a multiple of 256). Tied: 1.29B parameters.
    // Memory: fp32 master weights + grads + AdamW moments are ~20.7 GB, so a 24 GB card trains it with
    // micro-batch 1, activation checkpointing on every block and bf16 autocast; accumulation 64 gives
    // 64 x 4096 = 262k tokens per optimizer step. AdamW lr 3e-4, betas 0.9/0.95, warmup 2000, clip 1.0.
    RunConfig c;
    c.name = "gpt-1.3b-24gb";
    auto &m = c.model;
    m.vocabSize = 64000;
    m.hiddenSize = 2048;
    m.nLayers = 24;
    m.nHeads = 16;
    m.attention = model::AttentionKind::Mla;
    m.mla.qLoraRank = 0;
    m.mla.kvLoraRank = 512;
    m.mla.qkNopeHeadDim = 128;
    m.mla.qkRopeHeadDim = 64;
    m.mla.vHeadDim = 128;
    m.ffnHiddenSize = 5632;
    m.maxSeqLen = 4096;
    m.ropeTheta = 10000.0;
    m.tieEmbeddings = true;
    c.data.seqLen = 4096;
    c.data.microBatchSize = 1;
    c.optim.learningRate = 3e-4;
    c.optim.gradAccumSteps = 64;
    c.schedule.maxSteps = 20000;
    c.schedule.warmupSteps = 2000;
    c.runtime.device = Device::Cuda;
    c.runtime.precision = Precision::Bf16;
    c.runtime.activationCheckpointing = 1;
    c.runtime.evalEvery = 1000;
    c.runtime.checkpointEvery = 1000;
    c.runtime.sampleEvery = 2000;
    c.runtime.memoryBudgetGib = 24.0;
    return c;
}

}  // namespace

const std::vector<Preset> &presets()
{
    static const std::vector<Preset> list = {
        {"demo",
         translateNoop("danka::core",
                       "Tiny GQA model for the shipped demo corpus; pretrains on a laptop CPU in minutes"),
         demoPreset()},
        {"minimind-26m",
         translateNoop("danka::core", "MiniMind2-small size: 26M parameters, GQA 8/2 heads, vocab 6400"),
         minimindPreset()},
        {"gpt-1.3b-24gb",
         translateNoop("danka::core", "1.3B MLA model, context 4096, vocab 64000, planned for one 24 GB GPU"),
         gpt13bPreset()},
    };
    return list;
}

std::string presetDescription(const Preset &preset)
{
    return translate("danka::core", preset.description.c_str());
}

const Preset *findPreset(const std::string &name)
{
    for (const Preset &p : presets())
        if (p.name == name) return &p;
    return nullptr;
}

}  // namespace danka::core
