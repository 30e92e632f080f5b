// Test helper: writes batches of metric points to an experiment store forever, printing "committed N"
// after each batch commits. tst_store_crash kills it with SIGKILL mid-batch.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/store/experiment_store.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s DATABASE RUN_ID BATCH_SIZE\n", argv[0]);
        return 2;
    }
    danka::core::ExperimentStore store(argv[1]);
    const int64_t runId = std::atoll(argv[2]);
    const int batchSize = std::atoi(argv[3]);
    std::vector<danka::core::MetricPoint> batch(static_cast<size_t>(batchSize));
    for (int64_t b = 0;; ++b) {
        for (int i = 0; i < batchSize; ++i) batch[static_cast<size_t>(i)] = {runId, "loss", b * batchSize + i, 1.0 / (1 + b), 0};
        store.appendMetrics(batch);
        std::printf("committed %lld\n", static_cast<long long>(b));
        std::fflush(stdout);
    }
}
