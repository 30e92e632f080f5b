// CLI output helpers (see output.h).
#include "app/cli/output.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "core/store/records.h"
#include "core/util/text_util.h"

namespace danka::cli {

void printJson(const nlohmann::json &value)
{
    std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

void printOrderedJson(const nlohmann::ordered_json &value)
{
    std::cout << value.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << std::endl;
}

void printTable(const std::vector<std::string> &header, const std::vector<std::vector<std::string>> &rows)
{
    std::vector<int> widths(header.size(), 0);
    auto measure = [&](const std::vector<std::string> &row) {
        for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], core::displayWidth(row[i]));
    };
    measure(header);
    for (const auto &row : rows) measure(row);
    auto print = [&](const std::vector<std::string> &row) {
        std::string line;
        for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(widths[i] - core::displayWidth(row[i]) + 2, ' ');
        }
        std::cout << line << '\n';
    };
    print(header);
    for (const auto &row : rows) print(row);
    std::cout.flush();
}

void printError(const Options &options, const std::string &message)
{
    if (options.json)
        printJson({{"error", message}});
    else
        std::cerr << "danka-cli: error: " << message << std::endl;
}

ProgressBar::ProgressBar(bool enabled) : m_enabled(enabled), m_tty(isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(const core::JobProgress &p)
{
    if (!m_enabled) return;
    const double now = core::nowSeconds();
    const int percent = static_cast<int>(p.fraction * 100.0 + 0.5);
    std::string eta = p.etaSeconds >= 0 ? "  ETA " + core::formatDuration(p.etaSeconds) : "";
    if (m_tty) {
        if (now - m_lastDraw < 0.1 && p.fraction < 1.0) return;  // redraw at most 10 times a second
        constexpr int kWidth = 30;
        const int filled = static_cast<int>(p.fraction * kWidth);
        std::string bar(static_cast<size_t>(filled), '#');
        bar.resize(kWidth, '-');
        std::fprintf(stderr, "\r\033[K[%s] %3d%% %s%s", bar.c_str(), percent, p.message.c_str(), eta.c_str());
        std::fflush(stderr);
        m_drawn = true;
    } else {
        const int decile = percent / 10;
        if (decile == m_lastDecile && now - m_lastDraw < 10.0) return;
        m_lastDecile = decile;
        std::fprintf(stderr, "[%3d%%] %s%s\n", percent, p.message.c_str(), eta.c_str());
    }
    m_lastDraw = now;
}

void ProgressBar::finish()
{
    if (m_enabled && m_tty && m_drawn) std::fprintf(stderr, "\n");
    m_drawn = false;
}

namespace {
std::atomic<int> g_interrupts{0};
extern "C" void onInterrupt(int)
{
    if (g_interrupts.fetch_add(1) >= 1) std::_Exit(130);  // second Ctrl-C: stop now
}
}  // namespace

int runJob(const Options &options, const std::string &name, const std::function<void(core::JobContext &)> &body,
           const std::function<core::JobCallbacks(core::JobCallbacks)> &record)
{
    ProgressBar bar(!options.json);
    core::JobCallbacks callbacks;
    callbacks.progress = [&bar](const core::JobProgress &p) { bar.update(p); };
    if (record) callbacks = record(callbacks);
    core::Job job(name, body, callbacks);
    g_interrupts = 0;
    auto previous = std::signal(SIGINT, onInterrupt);
    job.start();
    bool cancelling = false;
    while (!job.waitFor(0.1)) {
        if (g_interrupts > 0 && !cancelling) {
            cancelling = true;
            std::fprintf(stderr, "\ncancelling %s (Ctrl-C again to stop at once)...\n", name.c_str());
            job.cancel();
        }
    }
    std::signal(SIGINT, previous);
    bar.finish();
    switch (job.state()) {
    case core::JobState::Completed: return kExitOk;
    case core::JobState::Cancelled: printError(options, name + " cancelled"); return 130;
    default: printError(options, job.error()); return kExitError;
    }
}

}  // namespace danka::cli
