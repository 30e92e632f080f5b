// Plain records of the experiment store, shared by the store, the job runner, the CLI and the GUI.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace danka::core {

enum class RunStatus { Created, Running, Paused, Completed, Failed, Cancelled };
enum class EventLevel { Debug, Info, Warning, Error };

const char *runStatusName(RunStatus status);          // "created", "running"...
std::optional<RunStatus> parseRunStatus(const std::string &name);
bool isTerminal(RunStatus status);                    // completed, failed or cancelled
const char *eventLevelName(EventLevel level);         // "debug", "info", "warning", "error"
std::optional<EventLevel> parseEventLevel(const std::string &name);

struct RunRecord {
    int64_t id = 0;
    std::string name;
    std::string stage;                   // "pretrain", "sft", ...
    RunStatus status = RunStatus::Created;
    std::string configJson = "{}";
    std::optional<int64_t> parentRunId;  // lineage: the run whose checkpoint this one started from
    double createdAt = 0;                // Unix seconds
    double updatedAt = 0;
    std::optional<double> startedAt;
    std::optional<double> finishedAt;
    std::string error;                   // message of a failed run
};

struct MetricPoint {
    int64_t runId = 0;
    std::string name;    // "train/loss", "lr", ...
    int64_t step = 0;
    double value = NAN;  // NaN is stored as NULL and read back as NaN
    double wallTime = 0; // Unix seconds
};

// One point of a (possibly downsampled) series: the mean of a bucket of consecutive steps, with its extremes
// so that a chart can draw the envelope and never hide a spike.
struct SeriesPoint {
    double step = 0;     // mean step of the bucket (the step itself when not downsampled)
    double value = 0;    // mean value
    double min = 0;
    double max = 0;
    double wallTime = 0; // mean wall time
    int64_t count = 1;   // points in the bucket
};

struct CheckpointRecord {
    int64_t id = 0;
    int64_t runId = 0;
    int64_t step = 0;
    std::string path;
    std::string metricsJson = "{}";
    double createdAt = 0;
};

struct EventRecord {
    int64_t id = 0;
    int64_t runId = 0;
    double time = 0;
    EventLevel level = EventLevel::Info;
    std::string text;
};

struct TokenizerRecord {
    int64_t id = 0;
    std::string name;
    std::string path;
    int64_t vocabSize = 0;
    std::string checksum;
    std::string infoJson = "{}";
    double createdAt = 0;
};

struct DatasetRecord {
    int64_t id = 0;
    std::string name;
    std::string path;
    std::string kind;    // raw, pretrain, sft, preference, eval
    std::optional<int64_t> tokenizerId;
    std::optional<int64_t> records;
    std::optional<int64_t> tokens;
    std::string infoJson = "{}";
    double createdAt = 0;
};

double nowSeconds();  // wall clock, Unix seconds with sub-second precision

}  // namespace danka::core
