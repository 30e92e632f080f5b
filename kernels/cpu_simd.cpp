// The instruction-set switch, the parallel loop and the row view shared by the fused CPU kernels (see
// cpu_simd.h).
#include "kernels/cpu_simd.h"

#include <ATen/Parallel.h>
#include <ATen/TensorIterator.h>
#include <ATen/Version.h>

#include <atomic>
#include <string>

namespace danka::kernels::cpu {
namespace {

// The widest instruction set both this CPU (with OS support for its registers) and LibTorch's own CPU
// capability (ATEN_CPU_CAPABILITY can lower it) allow.
CpuIsa bestIsa()
{
#if defined(__GNUC__) && defined(__x86_64__)
    static const CpuIsa best = [] {
        __builtin_cpu_init();
        const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
        const std::string aten = at::get_cpu_capability();
        if (avx512 && aten == "AVX512") return CpuIsa::Avx512;
        if (avx2 && (aten == "AVX512" || aten == "AVX2")) return CpuIsa::Avx2;
        return CpuIsa::Baseline;
    }();
    return best;
#else
    return CpuIsa::Baseline;
#endif
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
    currentIsa().store(std::min(isa, bestIsa()));
}

void resetCpuIsaForTesting()
{
    currentIsa().store(bestIsa());
}

const char *cpuIsaName(CpuIsa isa)
{
    switch (isa) {
        case CpuIsa::Avx512:
            return "avx512";
        case CpuIsa::Avx2:
            return "avx2";
        default:
            return "baseline";
    }
}

void parallelFor(int64_t n, int64_t grain, c10::function_ref<void(int64_t, int64_t)> body)
{
    if (n <= 0) return;
    if (n <= grain || at::get_num_threads() == 1 || at::in_parallel_region()) {
        body(0, n);
        return;
    }
    // One byte per index: TensorIterator::for_each splits [0, n) with at::parallel_for inside LibTorch and
    // hands each chunk over as a pointer range into this tensor, from which the indices are recovered.
    const at::Tensor index = at::empty({n}, at::kByte);  // never read or written
    at::TensorIterator iter = at::TensorIteratorConfig()
                                  .add_output(index)
                                  .set_check_mem_overlap(false)
                                  .check_all_same_dtype(false)
                                  .resize_outputs(false)
                                  .build();
    const char *base = static_cast<const char *>(index.const_data_ptr());
    iter.for_each(
        [&](char **data, const int64_t *strides, int64_t size0, int64_t size1) {
            for (int64_t j = 0; j < size1; ++j) {
                const int64_t begin = data[0] + j * strides[1] - base;
                body(begin, begin + size0);
            }
        },
        grain);
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
