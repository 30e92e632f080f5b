// Building blocks of Danka's fused CPU kernels: 32-byte SIMD vectors (GCC vector extensions) with loads and
// stores for every storage dtype, a vectorised exp, rows of strided tensors, and a runtime AVX2 switch.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

// Every helper below is force-inlined into the kernel bodies, which runVectorized() compiles once for the
// baseline x86-64 ISA and once for AVX2+FMA (flattened). No 32-byte vector ever crosses a real call, so GCC's
// warning that returning one "changes the ABI" without AVX does not apply; it is silenced for the files that
// include this header (it is reported where the kernels use the helpers, hence no pop). Vectors are passed
// by const reference, which has no such ABI question at all.
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
typedef float VecF __attribute__((vector_size(32)));   // 8 floats
typedef double VecD __attribute__((vector_size(32)));  // 4 doubles
typedef uint32_t VecU32 __attribute__((vector_size(32)));
typedef uint16_t VecU16 __attribute__((vector_size(16)));

template <typename A>
struct VecOf;
template <>
struct VecOf<float> {
    using type = VecF;
    static constexpr int64_t kLanes = 8;
};
template <>
struct VecOf<double> {
    using type = VecD;
    static constexpr int64_t kLanes = 4;
};
template <typename A>
using Vec = typename VecOf<A>::type;
template <typename A>
constexpr int64_t kLanes = VecOf<A>::kLanes;

// Reinterprets the bits of one vector (or scalar) type as another of the same size.
template <typename To, typename From>
DANKA_SIMD_INLINE To bitCast(const From &from)
{
    static_assert(sizeof(To) == sizeof(From), "bitCast needs types of one size");
    To to;
    std::memcpy(&to, &from, sizeof to);
    return to;
}

template <typename A>
DANKA_SIMD_INLINE Vec<A> splat(A value)
{
    return Vec<A>{} + value;
}

DANKA_SIMD_INLINE float reduceSum(const VecF &v)
{
    // Pairwise, so the rounding does not depend on the row length.
    const float a = (v[0] + v[4]) + (v[1] + v[5]), b = (v[2] + v[6]) + (v[3] + v[7]);
    return a + b;
}
DANKA_SIMD_INLINE double reduceSum(const VecD &v)
{
    return (v[0] + v[2]) + (v[1] + v[3]);
}

// Lane-wise maximum that propagates NaN from `v` (the running maximum `m` starts at -inf).
template <typename V>
DANKA_SIMD_INLINE V maxPropagateNan(const V &m, const V &v)
{
    return (v > m) | (v != v) ? v : m;
}
DANKA_SIMD_INLINE float reduceMax(const VecF &v)
{
    float m = v[0];
    for (int i = 1; i < 8; ++i)
        m = (v[i] > m || std::isnan(v[i])) ? v[i] : m;
    return m;
}
DANKA_SIMD_INLINE double reduceMax(const VecD &v)
{
    double m = v[0];
    for (int i = 1; i < 4; ++i)
        m = (v[i] > m || std::isnan(v[i])) ? v[i] : m;
    return m;
}

// exp for 8 floats: Cephes expf (range reduction x = n ln2 + r with ln2 split in two, degree-6 polynomial
// for e^r, 2^n built in the exponent bits); within 2 ulp of expf on [-87.3, 88.3]. Below -87.3 gives 0,
// above 88.3 saturates at about 2^127 * e^0.35; NaN stays NaN. Written without branches so it vectorises.
DANKA_SIMD_INLINE VecF expVec(const VecF &x)
{
    const VecF hi = splat(88.3762626647949f), lo = splat(-87.3365447504f);
    VecF xc = x > hi ? hi : x;
    xc = xc < lo ? lo : xc;
    const VecF t = xc * 1.44269504088896341f + 12582912.0f;  // round(x / ln2) in the low mantissa bits
    const VecF n = t - 12582912.0f;
    const VecU32 ni = bitCast<VecU32>(t) - 0x4B400000u;
    const VecF r = xc - n * 0.693359375f + n * 2.12194440e-4f;  // x - n ln2, ln2 = 0.693359375 - 2.12e-4
    VecF y = splat(1.9875691500e-4f);
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.0f;
    const VecU32 bits = (ni + 127u) << 23;  // 2^n
    const VecF result = y * bitCast<VecF>(bits);
    return x < lo ? splat(0.0f) : result;
}
// Float64 kernels are the precise path (tests, checks): the libm exp, lane by lane.
DANKA_SIMD_INLINE VecD expVec(const VecD &x)
{
    return VecD{std::exp(x[0]), std::exp(x[1]), std::exp(x[2]), std::exp(x[3])};
}

// sigmoid(g) = 1 / (1 + e^-g), evaluated through e^-|g| so that it never overflows; the mask select is
// branch-free. Returns sigmoid and leaves e^-|g| unused.
template <typename V>
DANKA_SIMD_INLINE V sigmoidVec(const V &g)
{
    const V e = expVec(g < 0 ? g : -g);  // e^-|g| in (0, 1]
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

// ---- Loads and stores of full vectors -------------------------------------------------------------------
DANKA_SIMD_INLINE VecF loadVec(const float *p)
{
    VecF v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
DANKA_SIMD_INLINE VecD loadVec(const double *p)
{
    VecD v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
DANKA_SIMD_INLINE VecF loadVec(const c10::BFloat16 *p)
{
    VecU16 h;
    std::memcpy(&h, p, sizeof h);
    const VecU32 bits = __builtin_convertvector(h, VecU32) << 16;  // bfloat16 is the top half of a float
    return bitCast<VecF>(bits);
}
DANKA_SIMD_INLINE VecF loadVec(const c10::Half *p)
{
    float f[8];
    for (int i = 0; i < 8; ++i)
        f[i] = static_cast<float>(p[i]);
    return loadVec(f);
}

DANKA_SIMD_INLINE void storeVec(float *p, const VecF &v)
{
    std::memcpy(p, &v, sizeof v);
}
DANKA_SIMD_INLINE void storeVec(double *p, const VecD &v)
{
    std::memcpy(p, &v, sizeof v);
}
DANKA_SIMD_INLINE void storeVec(c10::BFloat16 *p, const VecF &v)
{
    // Round to nearest even, NaN to the quiet NaN 0x7FC0: exactly c10::BFloat16(float), without a branch.
    const VecU32 u = bitCast<VecU32>(v);
    const VecU32 rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    const VecU32 bits = v != v ? VecU32{} + 0x7FC0u : rounded;
    const VecU16 h = __builtin_convertvector(bits, VecU16);
    std::memcpy(p, &h, sizeof h);
}
DANKA_SIMD_INLINE void storeVec(c10::Half *p, const VecF &v)
{
    for (int i = 0; i < 8; ++i)
        p[i] = static_cast<c10::Half>(v[i]);
}

// ---- Loads and stores of the first n lanes (row tails) --------------------------------------------------
// loadN reads min(n, lanes) values and fills the other lanes with `fill`; storeN writes min(n, lanes).
template <typename T>
DANKA_SIMD_INLINE Vec<AccT<T>> loadN(const T *p, int64_t n, AccT<T> fill = 0)
{
    using A = AccT<T>;
    if (n >= kLanes<A>) return loadVec(p);
    A lanes[kLanes<A>];
    for (int64_t i = 0; i < kLanes<A>; ++i)
        lanes[i] = i < n ? toAcc(p[i]) : fill;
    Vec<A> v;
    std::memcpy(&v, lanes, sizeof v);
    return v;
}
template <typename T>
DANKA_SIMD_INLINE void storeN(T *p, const Vec<AccT<T>> &v, int64_t n)
{
    using A = AccT<T>;
    if (n >= kLanes<A>) {
        storeVec(p, v);
        return;
    }
    A lanes[kLanes<A>];
    std::memcpy(lanes, &v, sizeof v);
    for (int64_t i = 0; i < n; ++i)
        p[i] = fromAcc<T>(lanes[i]);
}

// A copy of a 1-d tensor in the accumulation type, zero-padded to whole vectors so kernels can load it
// with loadVec at every offset of a row.
template <typename A>
std::vector<A> paddedAccCopy(const at::Tensor &t)
{
    const at::Tensor c = t.to(c10::CppTypeToScalarType<A>::value).contiguous();
    std::vector<A> out((c.numel() + kLanes<A> - 1) / kLanes<A> * kLanes<A>, A(0));
    std::copy(c.data_ptr<A>(), c.data_ptr<A>() + c.numel(), out.begin());
    return out;
}

// ---- Instruction set ------------------------------------------------------------------------------------
enum class CpuIsa { Baseline, Avx2 };

// What runVectorized() uses: AVX2+FMA when this CPU has it, else the baseline. The override exists so the
// tests can exercise the baseline code on an AVX2 machine; it is not for production use.
CpuIsa cpuIsa();
void setCpuIsaForTesting(CpuIsa isa);  // clamps to what the CPU supports
void resetCpuIsaForTesting();

#if defined(__GNUC__) && defined(__x86_64__)
// flatten inlines the whole kernel body (helpers included) into this function, so it is compiled with
// AVX2 and FMA; the baseline instance is flattened as well so the helpers are always inlined.
template <typename F>
__attribute__((target("avx2,fma"), flatten)) void runAvx2(const F &body)
{
    body();
}
template <typename F>
__attribute__((flatten)) void runBaseline(const F &body)
{
    body();
}
template <typename F>
void runVectorized(const F &body)
{
    if (cpuIsa() == CpuIsa::Avx2)
        runAvx2(body);
    else
        runBaseline(body);
}
#else
template <typename F>
void runVectorized(const F &body)
{
    body();
}
#endif

// ---- Parallel loops -------------------------------------------------------------------------------------
constexpr int64_t kGrainElements = 32768;  // ATen's grain: below this, one thread does the whole range

// Calls body(begin, end) on chunks of [0, rows) on LibTorch's intra-op threads, each chunk vectorised.
// `elementsPerRow` sets the grain so a chunk has at least kGrainElements elements.
template <typename F>
void parallelRows(int64_t rows, int64_t elementsPerRow, const F &body)
{
    if (rows <= 0) return;
    const int64_t grain = std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, elementsPerRow));
    at::parallel_for(0, rows, grain,
                     [&](int64_t begin, int64_t end) { runVectorized([&] { body(begin, end); }); });
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
