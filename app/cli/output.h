// How danka-cli talks to a terminal or a script: aligned tables, JSON on stdout with --json, errors on
// stderr, exit codes, and a progress bar fed by core's job callbacks.
#pragma once

#include <nlohmann/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "core/run/job.h"

namespace danka::cli {

// Exit codes of every command (README "Exit codes").
enum ExitCode : int {
    kExitOk = 0,
    kExitError = 1,    // the command could not do its work (missing run, unreadable file, failed job...)
    kExitUsage = 2,    // bad command line
    kExitInvalid = 3,  // the input was read but is invalid (config validation problems)
};

struct Options {
    bool json = false;      // machine-readable output on stdout
    std::string workspace;  // --workspace (empty: $DANKA_WORKSPACE, then the default)
    int threads = -1;       // --threads (negative: $DANKA_THREADS, then all cores)
};

void printJson(const nlohmann::json &value);
void printOrderedJson(const nlohmann::ordered_json &value);  // keeps key order (configs)
// A table with a header row; columns are padded by display width (CJK characters count two).
void printTable(const std::vector<std::string> &header, const std::vector<std::vector<std::string>> &rows);
// Prints an error: {"error": message} on stdout with --json, "danka-cli: error: message" on stderr otherwise.
void printError(const Options &options, const std::string &message);

// Progress on stderr: a redrawn bar on a terminal, a line every 10% (or 10 s) otherwise, nothing with --json.
class ProgressBar {
public:
    explicit ProgressBar(bool enabled);
    void update(const core::JobProgress &progress);
    void finish();  // ends the bar's line

private:
    bool m_enabled;
    bool m_tty;
    double m_lastDraw = 0;
    int m_lastDecile = -1;
    bool m_drawn = false;
};

// Runs `body` as a job on a worker thread with a progress bar on stderr. Ctrl-C asks the job to cancel
// (a second Ctrl-C ends the process). Returns kExitOk, or prints the failure and returns kExitError
// (130 when cancelled).
// `record`, when given, wraps the job's callbacks (run_recorder.h records the job into a run).
int runJob(const Options &options, const std::string &name, const std::function<void(core::JobContext &)> &body,
           const std::function<core::JobCallbacks(core::JobCallbacks)> &record = {});

}  // namespace danka::cli
