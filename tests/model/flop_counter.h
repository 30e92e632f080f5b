// Counts the matrix-product FLOPs LibTorch really runs (aten::mm, aten::addmm, aten::bmm, by their operand
// shapes, 2 per multiply-add), forward and autograd backward alike: an oracle for model/flops.h that is
// independent of its formulas. Danka's fused attention calls BLAS directly and is invisible to it (the
// reference attention is aten::bmm).
#pragma once

#include <ATen/record_function.h>

#include <mutex>

namespace danka::test {

class FlopCounter {
public:
    FlopCounter()
    {
        m_handle = at::addGlobalCallback(
            at::RecordFunctionCallback(
                [](const at::RecordFunction &fn) -> std::unique_ptr<at::ObserverContext> {
                    count(fn);
                    return nullptr;
                })
                .needsInputs(true)
                .scopes({at::RecordScope::FUNCTION}));
        std::lock_guard<std::mutex> lock(mutex());
        total() = 0;
    }
    ~FlopCounter() { at::removeCallback(m_handle); }
    FlopCounter(const FlopCounter &) = delete;
    FlopCounter &operator=(const FlopCounter &) = delete;

    double flops() const
    {
        std::lock_guard<std::mutex> lock(mutex());
        return total();
    }

private:
    static std::mutex &mutex()
    {
        static std::mutex m;
        return m;
    }
    static double &total()
    {
        static double t = 0;
        return t;
    }
    static void count(const at::RecordFunction &fn)
    {
        const std::string name = fn.name();
        const auto inputs = fn.inputs();
        double f = 0;
        if (name == "aten::mm" && inputs.size() >= 2) {
            const auto a = inputs[0].toTensor(), b = inputs[1].toTensor();  // (m, k) (k, n)
            f = 2.0 * static_cast<double>(a.size(0) * a.size(1)) * static_cast<double>(b.size(1));
        } else if (name == "aten::addmm" && inputs.size() >= 3) {
            const auto a = inputs[1].toTensor(), b = inputs[2].toTensor();
            f = 2.0 * static_cast<double>(a.size(0) * a.size(1)) * static_cast<double>(b.size(1));
        } else if (name == "aten::bmm" && inputs.size() >= 2) {
            const auto a = inputs[0].toTensor(), b = inputs[1].toTensor();  // (B, m, k) (B, k, n)
            f = 2.0 * static_cast<double>(a.size(0) * a.size(1) * a.size(2)) * static_cast<double>(b.size(2));
        }
        if (f == 0) return;
        std::lock_guard<std::mutex> lock(mutex());
        total() += f;
    }

    at::CallbackHandle m_handle;
};

}  // namespace danka::test
