// Interop tests (Danka's files read by transformers and peft in the interop Python) skip when a package is
// missing. A skip must read as one: a test executable whose interop test skipped, and nothing failed, exits
// with kSkipExitCode, which CTest reports as "Skipped" (SKIP_RETURN_CODE), not "Passed". Where the packages
// must be there (CI: DANKA_REQUIRE_INTEROP=1), a skip is a failure.
#pragma once

#include <QCoreApplication>
#include <QtTest>

namespace danka::test {

constexpr int kSkipExitCode = 77;

inline bool &interopSkipped()
{
    static bool skipped = false;
    return skipped;
}

inline bool interopRequired()
{
    return qEnvironmentVariable("DANKA_REQUIRE_INTEROP") == QLatin1String("1");
}

}  // namespace danka::test

// In a test function: skips (or, under DANKA_REQUIRE_INTEROP=1, fails) with `message` (a QString).
#define DANKA_INTEROP_SKIP(message)                                                                            \
    do {                                                                                                       \
        if (danka::test::interopRequired())                                                                    \
            QFAIL(qPrintable(QStringLiteral("DANKA_REQUIRE_INTEROP=1, but the interop test cannot run: ") +    \
                             (message)));                                                                      \
        danka::test::interopSkipped() = true;                                                                  \
        QSKIP(qPrintable(message));                                                                            \
    } while (false)

// QTEST_GUILESS_MAIN for executables with interop tests: the failure count, else kSkipExitCode after a skip.
#define DANKA_INTEROP_TEST_MAIN(TestObject)                                                         \
    int main(int argc, char *argv[])                                                                \
    {                                                                                               \
        QCoreApplication app(argc, argv);                                                           \
        TestObject tc;                                                                              \
        QTEST_SET_MAIN_SOURCE_PATH                                                                  \
        const int failed = QTest::qExec(&tc, argc, argv);                                           \
        return failed != 0 ? failed : danka::test::interopSkipped() ? danka::test::kSkipExitCode : 0; \
    }
