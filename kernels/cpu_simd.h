// Building blocks of Danka's fused CPU kernels: SIMD vectors (GCC vector extensions) of 32 or 64 bytes with
// loads and stores for every storage dtype, a vectorised exp, parallel row loops, rows of strided tensors,
// and the runtime switch between baseline x86-64, AVX2 and AVX-512 code.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/BFloat16.h>
#include <c10/util/FunctionRef.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

// Every helper below is force-inlined into the kernel bodies, which runVectorized() compiles once per
// instruction set (flattened). No vector ever crosses a real call, so GCC's warning that returning one
// "changes the ABI" without AVX does not apply; it is silenced for the files that include this header (it is
// reported where the kernels use the helpers, hence no pop). Vectors are passed by const reference, which has
// no such ABI question at all.
#pragma GCC diagnostic ignored "-Wpsabi"

#define DANKA_SIMD_INLINE inline __attribute__((always_inline))

namespace danka::kernels::cpu {

// ---- Accumulation types -------------------------------------------------------------------------------
// Kernels read bfloat16/float16/float32 into float and float64 into double, and round once on the store.
template <typename T>
struct AccOf {
    using type = float;
};
template <>
struct AccOf<double> {
    using type = double;
};
template <typename T>
using AccT = typename AccOf<T>::type;

// The ATen dtype of AccT for a tensor of dtype `type`.
inline at::ScalarType accScalarType(at::ScalarType type)
{
    return type == at::kDouble ? at::kDouble : at::kFloat;
}

// ---- Vectors ------------------------------------------------------------------------------------------
// Vec<A, B>: B bytes of A (B = 32 for the baseline and AVX2 code, 64 for AVX-512). Kernels are templates on
// B; helpers that take a vector deduce its type, helpers that make one take B explicitly.
template <typename A, int B>
struct VecOf {
    typedef A type __attribute__((vector_size(B)));
};
template <typename A, int B>
using Vec = typename VecOf<A, B>::type;
template <typename A, int B>
constexpr int64_t kLanes = B / static_cast<int>(sizeof(A));
constexpr int kMaxVectorBytes = 64;

template <typename V>
using ElemOf = std::remove_cv_t<std::remove_reference_t<decltype(std::declval<V>()[0])>>;
template <typename V>
constexpr int64_t lanesOf = sizeof(V) / sizeof(ElemOf<V>);
// Unsigned integers of the lanes' width, for bit manipulation.
template <typename V>
using BitsOf =
    Vec<std::conditional_t<sizeof(ElemOf<V>) == 4, uint32_t, uint64_t>, static_cast<int>(sizeof(V))>;

// Reinterprets the bits of one vector (or scalar) type as another of the same size.
template <typename To, typename From>
DANKA_SIMD_INLINE To bitCast(const From &from)
{
    static_assert(sizeof(To) == sizeof(From), "bitCast needs types of one size");
    To to;
    std::memcpy(&to, &from, sizeof to);
    return to;
}

template <int B, typename A>
DANKA_SIMD_INLINE Vec<A, B> splat(A value)
{
    return Vec<A, B>{} + value;
}

// Sum of the lanes, pairwise, so the rounding does not depend on the row length.
template <typename V>
DANKA_SIMD_INLINE ElemOf<V> reduceSum(const V &v)
{
    ElemOf<V> lanes[lanesOf<V>];
    std::memcpy(lanes, &v, sizeof v);
    for (int64_t width = lanesOf<V> / 2; width >= 1; width /= 2)
        for (int64_t i = 0; i < width; ++i)
            lanes[i] += lanes[i + width];
    return lanes[0];
}

// Lane-wise maximum (NaN in `v` is skipped; the callers see NaN again through exp(x - max)). One compare and
// a select: an OR of two compares (to keep NaN here) makes GCC 12 scalarise the AVX-512 code.
template <typename V>
DANKA_SIMD_INLINE V maxVec(const V &m, const V &v)
{
    return v > m ? v : m;
}
template <typename V>
DANKA_SIMD_INLINE ElemOf<V> reduceMax(const V &v)
{
    ElemOf<V> m = v[0];
    for (int64_t i = 1; i < lanesOf<V>; ++i)
        m = v[i] > m ? v[i] : m;
    return m;
}

// e^x for float lanes: Cephes expf (x = n ln2 + r with ln2 split in two, a degree-6 polynomial for e^r, 2^n
// built in the exponent bits), within 2 ulp of expf on [-87.3, 88.3]; 0 below -87.3, NaN stays NaN. Above
// 88.3 it saturates near 2^127 unless `nonPositive` promises x <= 0, which drops that clamp. Double lanes use
// the libm exp lane by lane (the float64 kernels are the precise path). Branch-free, so it vectorises.
template <bool nonPositive = false, typename V>
DANKA_SIMD_INLINE V expVec(const V &x)
{
    if constexpr (std::is_same_v<ElemOf<V>, double>) {
        V out;
        for (int64_t i = 0; i < lanesOf<V>; ++i)
            out[i] = std::exp(x[i]);
        return out;
    } else {
        using U = BitsOf<V>;
        const V lo = V{} - 87.3365447504f;
        const auto underflow = x < lo;
        V xc = underflow ? lo : x;
        if constexpr (!nonPositive) {
            const V hi = V{} + 88.3762626647949f;
            xc = xc > hi ? hi : xc;
        }
        const V t = xc * 1.44269504088896341f + 12582912.0f;  // round(x / ln2) in the low mantissa bits
        const V n = t - 12582912.0f;
        const U ni = bitCast<U>(t) - 0x4B400000u;
        const V r = xc - n * 0.693359375f + n * 2.12194440e-4f;  // x - n ln2, ln2 = 0.693359375 - 2.12e-4
        V y = V{} + 1.9875691500e-4f;
        y = y * r + 1.3981999507e-3f;
        y = y * r + 8.3334519073e-3f;
        y = y * r + 4.1665795894e-2f;
        y = y * r + 1.6666665459e-1f;
        y = y * r + 5.0000001201e-1f;
        y = y * r * r + r + 1.0f;
        const U bits = (ni + 127u) << 23;  // 2^n
        return underflow ? V{} : y * bitCast<V>(bits);
    }
}

// sigmoid(g) = 1 / (1 + e^-g), evaluated through e^-|g| (never overflows) and a branch-free select.
template <typename V>
DANKA_SIMD_INLINE V sigmoidVec(const V &g)
{
    const V negAbs = g < 0 ? g : -g;
    const V e = expVec<true>(negAbs);  // e^-|g| in (0, 1]
    const V q = 1 / (1 + e);
    return g >= 0 ? q : e * q;
}

// ---- Scalar conversions ---------------------------------------------------------------------------------
DANKA_SIMD_INLINE float toAcc(float v)
{
    return v;
}
DANKA_SIMD_INLINE double toAcc(double v)
{
    return v;
}
DANKA_SIMD_INLINE float toAcc(c10::BFloat16 v)
{
    return static_cast<float>(v);
}
DANKA_SIMD_INLINE float toAcc(c10::Half v)
{
    return static_cast<float>(v);
}
template <typename T>
DANKA_SIMD_INLINE T fromAcc(AccT<T> v)
{
    return static_cast<T>(v);
}

// ---- Loads and stores of whole vectors ------------------------------------------------------------------
template <int B>
DANKA_SIMD_INLINE Vec<float, B> loadVec(const float *p)
{
    Vec<float, B> v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <int B>
DANKA_SIMD_INLINE Vec<double, B> loadVec(const double *p)
{
    Vec<double, B> v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <int B>
DANKA_SIMD_INLINE Vec<float, B> loadVec(const c10::BFloat16 *p)
{
    Vec<uint16_t, B / 2> h;
    std::memcpy(&h, p, sizeof h);
    // bfloat16 is the top half of a float.
    return bitCast<Vec<float, B>>(__builtin_convertvector(h, Vec<uint32_t, B>) << 16);
}
template <int B>
DANKA_SIMD_INLINE Vec<float, B> loadVec(const c10::Half *p)
{
    Vec<float, B> v;
    for (int64_t i = 0; i < kLanes<float, B>; ++i)
        v[i] = static_cast<float>(p[i]);
    return v;
}

template <typename V>
DANKA_SIMD_INLINE void storeVec(float *p, const V &v)
{
    static_assert(std::is_same_v<ElemOf<V>, float>);
    std::memcpy(p, &v, sizeof v);
}
template <typename V>
DANKA_SIMD_INLINE void storeVec(double *p, const V &v)
{
    static_assert(std::is_same_v<ElemOf<V>, double>);
    std::memcpy(p, &v, sizeof v);
}
template <typename V>
DANKA_SIMD_INLINE void storeVec(c10::BFloat16 *p, const V &v)
{
    // Round to nearest even, NaN to the quiet NaN 0x7FC0: exactly c10::BFloat16(float), without a branch.
    using U = BitsOf<V>;
    const U u = bitCast<U>(v);
    const U rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    const U bits = v != v ? U{} + 0x7FC0u : rounded;
    const auto h = __builtin_convertvector(bits, Vec<uint16_t, static_cast<int>(sizeof(V) / 2)>);
    std::memcpy(p, &h, sizeof h);
}
template <typename V>
DANKA_SIMD_INLINE void storeVec(c10::Half *p, const V &v)
{
    for (int64_t i = 0; i < lanesOf<V>; ++i)
        p[i] = static_cast<c10::Half>(v[i]);
}

// ---- Loads and stores of the first n lanes (row tails) --------------------------------------------------
// loadN reads min(n, lanes) values and fills the other lanes with `fill`; storeN writes min(n, lanes).
template <int B, typename T>
DANKA_SIMD_INLINE Vec<AccT<T>, B> loadN(const T *p, int64_t n, AccT<T> fill = 0)
{
    using A = AccT<T>;
    if (n >= kLanes<A, B>) return loadVec<B>(p);
    Vec<A, B> v = Vec<A, B>{} + fill;
    for (int64_t i = 0; i < n; ++i)
        v[i] = toAcc(p[i]);
    return v;
}
template <typename T, typename V>
DANKA_SIMD_INLINE void storeN(T *p, const V &v, int64_t n)
{
    if (n >= lanesOf<V>) {
        storeVec(p, v);
        return;
    }
    for (int64_t i = 0; i < n; ++i)
        p[i] = fromAcc<T>(v[i]);
}

// Calls step(j, n) over [0, count) in vector steps: n = lanes for every whole vector, then once with the
// remainder (0 < n < lanes) if there is one. Inlined, the whole-vector loop sees a constant n, so its loadN
// and storeN carry no tail branch.
template <int B, typename A, typename Step>
DANKA_SIMD_INLINE void forEachVector(int64_t count, const Step &step)
{
    constexpr int64_t L = kLanes<A, B>;
    int64_t j = 0;
    for (; j + L <= count; j += L)
        step(j, L);
    if (j < count) step(j, count - j);
}

// A copy of a 1-d tensor in the accumulation type, zero-padded to whole vectors of the widest kind, so
// kernels can load it with loadVec at every vector offset of a row.
template <typename A>
std::vector<A> paddedAccCopy(const at::Tensor &t)
{
    constexpr int64_t pad = kMaxVectorBytes / sizeof(A);
    const at::Tensor c = t.to(c10::CppTypeToScalarType<A>::value).contiguous();
    std::vector<A> out((c.numel() + pad - 1) / pad * pad, A(0));
    std::copy(c.data_ptr<A>(), c.data_ptr<A>() + c.numel(), out.begin());
    return out;
}

// ---- Instruction set ------------------------------------------------------------------------------------
enum class CpuIsa { Baseline, Avx2, Avx512 };

// What runVectorized() uses: the widest of AVX-512 (F, BW, VL, DQ), AVX2+FMA and the x86-64 baseline that
// both this CPU and LibTorch's own CPU capability allow (so ATEN_CPU_CAPABILITY=avx2 narrows Danka's kernels
// too). The override exists so the tests can exercise every path on one machine; not for production use.
CpuIsa cpuIsa();
void setCpuIsaForTesting(CpuIsa isa);  // clamps to what the CPU supports
void resetCpuIsaForTesting();
const char *cpuIsaName(CpuIsa isa);

template <int B>
using VectorBytes = std::integral_constant<int, B>;

#if defined(__GNUC__) && defined(__x86_64__)
// flatten inlines the whole kernel body (helpers included) into these functions, so each copy is compiled for
// its instruction set; body(VectorBytes<B>{}) picks the vector width the kernel templates use.
template <typename F>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"), flatten)) void runAvx512(const F &body)
{
    body(VectorBytes<64>{});
}
template <typename F>
__attribute__((target("avx2,fma"), flatten)) void runAvx2(const F &body)
{
    body(VectorBytes<32>{});
}
template <typename F>
__attribute__((flatten)) void runBaseline(const F &body)
{
    body(VectorBytes<32>{});
}
template <typename F>
void runVectorized(const F &body)
{
    switch (cpuIsa()) {
        case CpuIsa::Avx512:
            runAvx512(body);
            break;
        case CpuIsa::Avx2:
            runAvx2(body);
            break;
        default:
            runBaseline(body);
    }
}
#else
template <typename F>
void runVectorized(const F &body)
{
    body(VectorBytes<32>{});
}
#endif

// ---- Parallel loops -------------------------------------------------------------------------------------
constexpr int64_t kGrainElements = 32768;  // ATen's grain: below this, one thread does the whole range

// Calls body(begin, end) on chunks of [0, n) of at least `grain` indices, on LibTorch's intra-op threads.
// Why not at::parallel_for: with LibTorch's OpenMP backend (the PyPI builds) its parallel region is inlined
// from the header and only runs in parallel in code compiled with -fopenmp, which Danka's targets are not;
// this goes through a TensorIterator loop compiled inside LibTorch instead. Exceptions reach the caller.
void parallelFor(int64_t n, int64_t grain, c10::function_ref<void(int64_t, int64_t)> body);

// Calls body(VectorBytes<B>{}, begin, end) on chunks of [0, rows), each chunk compiled for the instruction
// set in use (runVectorized). `elementsPerRow` sets the grain so a chunk has at least kGrainElements
// elements.
template <typename F>
void parallelRows(int64_t rows, int64_t elementsPerRow, const F &body)
{
    if (rows <= 0) return;
    const int64_t grain = std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, elementsPerRow));
    parallelFor(rows, grain, [&](int64_t begin, int64_t end) {
        runVectorized([&](auto bytes) { body(bytes, begin, end); });
    });
}

// ---- Rows of a tensor -----------------------------------------------------------------------------------
// A tensor seen as rows of its last dimension: row r of `t` starts at t.data_ptr() + r * rowStride.
struct Rows {
    at::Tensor t;  // `t` itself, or a contiguous copy when its rows are not evenly strided
    int64_t rows = 0;
    int64_t cols = 0;
    int64_t rowStride = 0;
};

// Keeps a tensor whose rows are evenly strided with unit stride inside a row (contiguous tensors and slices
// of the last dimension, e.g. the gate half of a fused gate/up projection), and copies anything else.
Rows rowsOf(const at::Tensor &t);

}  // namespace danka::kernels::cpu
