// The kernel lab's table (lab/kernel_case.h) in a Qt test: one data row per case of the test's ops, so the
// executable's `-datatags` lists them (tests/app/tst_lab_lists.cpp compares that list with `danka-cli check
// --kernels --list` and `danka-cli bench kernels --list`). Each row runs its case on the CPU and on CUDA when a
// GPU is there, against the float64 reference within the table's tolerance (lab/tolerances.h); on the CPU the
// small cases (the float64, odd-shape and strided ones) run on every instruction set their op has kernels for,
// the training-sized ones on the machine's own, as `danka-cli check --kernels` runs them. A case no device
// here can run is skipped with its reason.
#pragma once

#include <QtTest>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "lab/case_runner.h"
#include "tests/kernels/kernel_test_util.h"

namespace danka::test {

constexpr uint64_t kLabSeed = 1234;  // the default of `danka-cli check --kernels`: the same inputs
// Cases with at most this many input elements run on every CPU instruction set (AVX-512, AVX2, baseline).
constexpr int64_t kIsaSweepElements = int64_t{1} << 18;  // every shape of the former kernel tests

inline int64_t inputElements(const lab::KernelCase &c)
{
    int64_t n = 0;
    for (const lab::TensorSpec &t : c.inputs) n += t.elements;
    return n;
}

// The data of a `labCases` test: the table's cases of `ops`, in table order.
inline void addLabCaseRows(const std::vector<std::string> &ops)
{
    QTest::addColumn<int>("index");
    const std::vector<lab::KernelCase> &cases = lab::kernelCases();
    for (size_t i = 0; i < cases.size(); ++i)
        if (std::find(ops.begin(), ops.end(), cases[i].op) != ops.end())
            QTest::newRow(cases[i].name.c_str()) << static_cast<int>(i);
}

// The body of a `labCases` test.
inline void runLabCaseRow()
{
    QFETCH(int, index);
    const lab::KernelCase &c = lab::kernelCases().at(static_cast<size_t>(index));
    auto check = [&c](const at::Device &device, const std::string &where) {
        const lab::CaseMeasurement m = lab::checkCase(c, device, kLabSeed);
        char tolerance[32];
        std::snprintf(tolerance, sizeof tolerance, "%.1e", c.tolerance);
        QVERIFY2(m.passed(c.tolerance), (where + ": " + m.parts + " against the tolerance " + tolerance + " (" +
                                         c.toleranceBasis + ")" + (m.problem.empty() ? "" : "; " + m.problem))
                                            .c_str());
    };
    std::string skipped;
    bool ran = false;
    const at::Device cpu(at::kCPU);
    const lab::Availability onCpu = lab::availability(c, cpu);
    if (onCpu.runs()) {
        if (c.cpuIsaPaths && inputElements(c) <= kIsaSweepElements)
            forEachCpuIsa([&](const std::string &isa) { check(cpu, std::string("cpu ") + isa); });
        else
            check(cpu, "cpu");
        if (QTest::currentTestFailed()) return;
        ran = true;
    } else {
        skipped = "cpu: " + onCpu.message;
    }
    const at::Device cuda(at::kCUDA, 0);
    const lab::Availability onCuda = lab::availability(c, cuda);
    if (onCuda.runs()) {
        check(cuda, "cuda:0");
        ran = true;
    } else {
        skipped += (skipped.empty() ? "" : "; ") + std::string("cuda: ") + onCuda.message;
    }
    if (!ran) QSKIP(skipped.c_str());
}

}  // namespace danka::test
