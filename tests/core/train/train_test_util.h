// Helpers shared by the tests of core/train: expected error messages. Torch-free.
#pragma once

#include <QtTest>
#include <exception>
#include <functional>
#include <string>

namespace danka::test {

// Runs f and checks that it throws an exception whose message contains `fragment`.
inline void expectThrowsWithMessage(const std::function<void()> &f, const std::string &fragment)
{
    std::string message;
    bool threw = false;
    try {
        f();
    } catch (const std::exception &e) {
        threw = true;
        message = e.what();
    }
    QVERIFY2(threw, ("no exception; expected one with \"" + fragment + "\"").c_str());
    QVERIFY2(message.find(fragment) != std::string::npos,
             ("expected \"" + fragment + "\" in the message \"" + message + "\"").c_str());
}

}  // namespace danka::test
