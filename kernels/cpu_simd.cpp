// The instruction-set switch and the row view shared by the fused CPU kernels (see cpu_simd.h).
#include "kernels/cpu_simd.h"

#include <atomic>

namespace danka::kernels::cpu {
namespace {

bool cpuHasAvx2Fma()
{
#if defined(__GNUC__) && defined(__x86_64__)
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }();
    return has;
#else
    return false;
#endif
}

CpuIsa bestIsa()
{
    return cpuHasAvx2Fma() ? CpuIsa::Avx2 : CpuIsa::Baseline;
}

std::atomic<CpuIsa> &currentIsa()
{
    static std::atomic<CpuIsa> isa{bestIsa()};
    return isa;
}

}  // namespace

CpuIsa cpuIsa()
{
    return currentIsa().load(std::memory_order_relaxed);
}

void setCpuIsaForTesting(CpuIsa isa)
{
    currentIsa().store(isa == CpuIsa::Avx2 ? bestIsa() : CpuIsa::Baseline);
}

void resetCpuIsaForTesting()
{
    currentIsa().store(bestIsa());
}

Rows rowsOf(const at::Tensor &t)
{
    Rows r;
    r.cols = t.dim() > 0 ? t.size(-1) : 1;
    r.rows = r.cols > 0 ? t.numel() / r.cols : 0;
    r.t = t;
    r.rowStride = r.cols;
    if (t.is_contiguous()) return r;

    // Evenly strided rows: unit stride in the last dim, and the leading dims (size-1 dims aside) nest like
    // a contiguous tensor's, so one stride steps from row to row.
    bool even = t.size(-1) == 1 || t.stride(-1) == 1;
    int64_t next = -1;  // the stride the next outer dim must have
    for (int64_t d = t.dim() - 2; even && d >= 0; --d) {
        if (t.size(d) == 1) continue;
        if (next < 0) {
            r.rowStride = t.stride(d);
            next = t.stride(d) * t.size(d);
        } else if (t.stride(d) == next) {
            next *= t.size(d);
        } else {
            even = false;
        }
    }
    if (even) return r;
    r.t = t.contiguous();
    r.rowStride = r.cols;
    return r;
}

}  // namespace danka::kernels::cpu
