// Metric titles (see metric_names.h).
#include "core/train/metric_names.h"

#include <cstring>
#include <iterator>

#include "core/util/translate.h"

namespace danka::core {

namespace {

struct MetricTitle {
    const char *name;
    const char *title;
};

// Every metric the trainer logs (core/train/trainer.cpp).
const MetricTitle kTitles[] = {
    {"train/loss", translateNoop("danka::core", "training loss")},
    {"train/grad_norm", translateNoop("danka::core", "gradient norm")},
    {"train/lr", translateNoop("danka::core", "learning rate")},
    {"train/tokens_per_s", translateNoop("danka::core", "throughput (tokens/s)")},
    {"train/mfu", translateNoop("danka::core", "model FLOPs utilisation")},
    {"train/tokens", translateNoop("danka::core", "tokens trained on")},
    {"train/skipped_steps", translateNoop("danka::core", "skipped steps")},
    {"train/loss_scale", translateNoop("danka::core", "fp16 loss scale")},
    {"train/overflow_steps", translateNoop("danka::core", "fp16 overflow steps")},
    {"val/loss", translateNoop("danka::core", "validation loss")},
    {"val/ppl", translateNoop("danka::core", "validation perplexity")},
    {"memory/rss_bytes", translateNoop("danka::core", "process memory (RSS)")},
    {"memory/cuda_allocated_bytes", translateNoop("danka::core", "CUDA memory allocated")},
    {"memory/cuda_reserved_bytes", translateNoop("danka::core", "CUDA memory reserved")},
    {"memory/cuda_peak_bytes", translateNoop("danka::core", "CUDA peak memory")},
};

}  // namespace

std::string metricTitle(const std::string &name)
{
    for (const MetricTitle &m : kTitles)
        if (name == m.name) return translate("danka::core", m.title);
    return name;
}

}  // namespace danka::core
