// How long the studio's GUI thread waits while a training runs on the Runs page: the longest gap between
// ticks of a 5 ms timer while a tiny model trains (300 steps, live charts), over several runs. A benchmark,
// not a test: the number depends on the machine and its load (tests/ui/tst_run_training keeps only a
// generous functional bound). Results go to docs/benchmarks.md.
//
//   bench_gui_latency [RUNS]     (offscreen: QT_QPA_PLATFORM=offscreen)
#include <QApplication>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/store/workspace.h"
#include "tests/ui/ui_test_util.h"
#include "ui/runs/runs_page.h"

using namespace danka;

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("danka-bench"));
    QStandardPaths::setTestModeEnabled(true);
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
    QTemporaryDir dir;
    const core::Workspace ws = core::Workspace::open(dir.filePath(QStringLiteral("ws")).toStdString());
    const std::string dataset = test::prepareDemoPretrain(ws.datasetsDir() + "/demo").dir;
    std::vector<qint64> worst;
    for (int i = 0; i < runs; ++i) {
        ui::RunsPage page;
        page.resize(1200, 800);
        if (!page.setWorkspace(ws)) return 1;
        page.setTrainingHooks({{}, 1e9});
        page.show();
        core::RunConfig c = test::tinyRunConfig();
        c.data.dataset = dataset;
        c.schedule.maxSteps = 300;
        test::LatencyProbe probe;
        probe.start();
        QSignalSpy finished(&page, &ui::RunsPage::trainingFinished);
        QString error;
        if (!page.startRun(c, &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
        if (!finished.wait(600000)) return 1;
        probe.stop();
        worst.push_back(probe.worstGapMs());
        std::printf("run %d: longest GUI-thread wait %lld ms over %d ticks of 5 ms (%lld ms of training)\n", i + 1,
                    static_cast<long long>(probe.worstGapMs()), probe.ticks(), static_cast<long long>(probe.elapsedMs()));
    }
    std::sort(worst.begin(), worst.end());
    std::printf("longest wait: median %lld ms, max %lld ms over %d runs\n", static_cast<long long>(worst[worst.size() / 2]),
                static_cast<long long>(worst.back()), runs);
    return 0;
}
