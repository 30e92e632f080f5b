// The kernel lab's table (see kernel_case.h): every case with its inputs, Danka's op and the reference.
//
// Where the cases come from: the float64 cases and the small, odd and strided shapes are the kernel tests'
// (tests/kernels before issue 17); the training-sized cases, the element-wise (unaligned) paths, RMSNorm beyond
// D = 10240, head dims that are not multiples of 16 and decoding over a KV cache are the run-time checks'
// (core/kernel_checks.cpp); the CUDA shapes are the tests' former CUDA-only comparisons. Every low-precision
// case runs in float32, bfloat16 and float16. Attention cases run Danka's own kernels (cpuSdpa off: the CPU
// default takes LibTorch's SDPA where that is faster, which tests/kernels/tst_attention_dispatch.cpp checks).
//
// Where to add a kernel: a section below that appends its cases with their inputs, Danka's op and the
// reference (kernels/<op>.h), and a `labCases` data-driven test in tests/kernels/tst_<op>.cpp
// (tests/app/tst_lab_lists.cpp fails until the test executable lists the new op's cases).
#include "lab/kernel_case.h"

#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <numeric>
#include <set>
#include <stdexcept>

#include "kernels/attention.h"
#include "kernels/cross_entropy.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"
#include "lab/case_program.h"
#include "lab/tolerances.h"
#include "model/flops.h"
#include "model/model_config.h"

namespace danka::lab {

const char *dtypeName(Dtype dtype)
{
    switch (dtype) {
    case Dtype::Fp64: return "fp64";
    case Dtype::Fp32: return "fp32";
    case Dtype::Bf16: return "bf16";
    case Dtype::Fp16: return "fp16";
    }
    return "?";
}

std::optional<Dtype> dtypeFromName(const std::string &name)
{
    for (const Dtype d : {Dtype::Fp64, Dtype::Fp32, Dtype::Bf16, Dtype::Fp16})
        if (name == dtypeName(d)) return d;
    return std::nullopt;
}

int dtypeBytes(Dtype dtype)
{
    switch (dtype) {
    case Dtype::Fp64: return 8;
    case Dtype::Fp32: return 4;
    case Dtype::Bf16:
    case Dtype::Fp16: return 2;
    }
    return 0;
}

namespace {

using detail::CaseInput;
using detail::CaseProgram;
using detail::OpFn;
using Shape = std::vector<int64_t>;
using View = std::function<at::Tensor(const at::Tensor &)>;

const char *const kCudaFloat64 = "float64 on CUDA runs the reference composition: nothing of Danka's to check there";
const char *const kCpuHalfAttention =
    "the CPU has no float16 attention kernel (float16 runs the reference composition): nothing of Danka's to "
    "check there";
const char *const kGpuSized =
    "GPU-sized: its float64 reference takes seconds on a small CPU; it runs on a CUDA device "
    "(packaging/gpu_check.sh)";

const std::vector<Dtype> kLowPrecision = {Dtype::Fp32, Dtype::Bf16, Dtype::Fp16};

struct Entry {
    KernelCase info;
    std::function<CaseProgram()> build;
};

int64_t product(const Shape &s)
{
    return std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<int64_t>());
}

std::string dims(const Shape &s)
{
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

at::Tensor randn(const Shape &shape, double scale = 1.0)
{
    return at::randn(shape, at::kDouble) * scale;
}

View identity()
{
    return [](const at::Tensor &t) { return t; };
}

// Every case is made here: the name from op, dtype and shape; the devices from the dtype (float64 runs the
// reference on CUDA, so it is a CPU case); the byte count from the tensors.
KernelCase makeCase(const std::string &op, Dtype dtype, const std::string &shape, std::vector<TensorSpec> inputs,
                    TensorSpec output, double flops, double tolerance, const std::string &basis, bool backward = true)
{
    KernelCase c;
    c.name = op + " " + dtypeName(dtype) + " " + shape;
    c.op = op;
    c.group = backward ? "op" : "decode";
    c.shape = shape;
    c.dtype = dtype;
    if (dtype == Dtype::Fp64) {
        c.onCuda = false;
        c.notOnCuda = kCudaFloat64;
    }
    c.inputs = std::move(inputs);
    c.output = std::move(output);
    c.tolerance = tolerance;
    c.toleranceBasis = basis;
    c.flops = flops;
    double read = 0, gradients = 0;
    for (const TensorSpec &t : c.inputs) {
        read += static_cast<double>(t.elements) * t.elementBytes;
        if (t.role == TensorRole::Grad) gradients += static_cast<double>(t.elements) * t.elementBytes;
    }
    const double out = static_cast<double>(c.output.elements) * c.output.elementBytes;
    c.bytes = read + out + (backward ? read + out + gradients : 0);
    return c;
}

TensorSpec grad(const std::string &name, int64_t elements, Dtype dtype)
{
    return {name, elements, dtypeBytes(dtype), TensorRole::Grad};
}

TensorSpec constant(const std::string &name, int64_t elements, int bytes)
{
    return {name, elements, bytes, TensorRole::Const};
}

TensorSpec index(const std::string &name, int64_t elements, int bytes)
{
    return {name, elements, bytes, TensorRole::Index};
}

std::string fusedBasis(Dtype dtype)
{
    return std::string("fused op, ") + dtypeName(dtype);
}

// --- RMSNorm -------------------------------------------------------------------------------------------------
// FLOPs per element: forward 4 (square and accumulate, normalise, scale), backward 8 (g = w dy, c = sum g xhat,
// dx = r (g - xhat c), dweight += dy xhat).

struct RmsNormLayout {
    std::string what;              // appended to the shape in the name ("" for a contiguous input)
    Shape leaf;                    // x is drawn with this shape...
    View view = identity();        // ...and the op sees view(x)
    Shape shape;                   // the view's shape (..., D)
    int64_t weightLeaf = 0;        // the weight is drawn with this many elements...
    View weightView = identity();  // ...and the op sees weightView(weight), D elements
    bool transposeOutput = false;  // the output used through a transpose: a non-contiguous upstream gradient
    double xScale = 2, weightMean = 0;
};

RmsNormLayout rmsRows(Shape shape, double xScale = 2, double weightMean = 0)
{
    RmsNormLayout l;
    l.leaf = l.shape = shape;
    l.weightLeaf = shape.back();
    l.xScale = xScale;
    l.weightMean = weightMean;
    return l;
}

// D columns of rows `stride` apart, starting `offset` columns in (an offset that is not a multiple of 8
// makes every row start off a 16-byte boundary: the element-wise path instead of the 16-byte packs).
RmsNormLayout rmsStridedRows(int64_t rows, int64_t d, int64_t stride, int64_t offset, const std::string &what)
{
    RmsNormLayout l = rmsRows({rows, d}, 2, 1);
    l.leaf = {rows, stride};
    l.view = [offset, d](const at::Tensor &t) { return t.narrow(-1, offset, d); };
    l.what = what;
    return l;
}

void addRmsNorm(std::vector<Entry> &table, Dtype dtype, const RmsNormLayout &l)
{
    const int64_t n = product(l.shape), d = l.shape.back();
    const std::string shape = dims(l.shape) + (l.what.empty() ? "" : " " + l.what);
    Entry e;
    const bool unitRows = dtype == Dtype::Fp64 && d == 1;
    e.info = makeCase("rmsnorm", dtype, shape, {grad("x", n, dtype), grad("weight", d, dtype)}, grad("y", n, dtype),
                      12.0 * static_cast<double>(n),
                      unitRows ? tolerance::kFp64RmsNormUnitRows : tolerance::fusedOp(dtype),
                      unitRows ? "float64 RMSNorm over rows of one element" : fusedBasis(dtype));
    e.info.cpuIsaPaths = true;
    e.build = [l] {
        CaseProgram p;
        p.inputs = {{"x", randn(l.leaf, l.xScale)},
                    {"weight", l.weightMean + randn({l.weightLeaf}, l.weightMean ? 0.1 : 1)}};
        auto op = [l](bool fused) -> OpFn {
            return [l, fused](const std::vector<at::Tensor> &x) {
                const at::Tensor v = l.view(x[0]), w = l.weightView(x[1]);
                const at::Tensor y = fused ? kernels::rmsNorm(v, w, 1e-6) : kernels::rmsNormReference(v, w, 1e-6);
                return l.transposeOutput ? y.transpose(0, 1) : y;
            };
        };
        p.danka = op(true);
        p.reference = op(false);
        return p;
    };
    table.push_back(std::move(e));
}

std::vector<RmsNormLayout> rmsNormViews()
{
    // Evenly strided rows are read in place (a slice of the last dim, with nested leading dims), anything else
    // is copied (a transpose, a permutation); the weight is every other element of a longer one.
    auto strided = [](RmsNormLayout l) {
        l.weightLeaf = 20;
        l.weightView = [](const at::Tensor &w) { return w.slice(0, 0, 20, 2); };
        l.xScale = 1;
        return l;
    };
    RmsNormLayout slice = rmsRows({4, 3, 10}), transpose = rmsRows({6, 10}), permute = rmsRows({3, 4, 10});
    slice.leaf = {4, 3, 16};
    slice.view = [](const at::Tensor &t) { return t.narrow(-1, 3, 10); };
    slice.what = "last-dim slice of [4, 3, 16], every other weight";
    transpose.leaf = {12, 6};
    transpose.view = [](const at::Tensor &t) { return t.narrow(0, 1, 10).transpose(0, 1); };
    transpose.what = "transpose of [12, 6] rows 1..10, every other weight";
    permute.leaf = {4, 3, 16};
    permute.view = [](const at::Tensor &t) { return t.narrow(-1, 2, 10).permute({1, 0, 2}); };
    permute.what = "permutation of [4, 3, 16], every other weight";
    return {strided(slice), strided(transpose), strided(permute)};
}

void addRmsNormCases(std::vector<Entry> &table)
{
    for (const Shape &s : std::vector<Shape>{{1}, {5, 1}, {3, 7}, {2, 3, 64}, {4096, 33}, {3, 4096}})
        addRmsNorm(table, Dtype::Fp64, rmsRows(s, 3));
    for (const RmsNormLayout &l : rmsNormViews()) addRmsNorm(table, Dtype::Fp64, l);
    RmsNormLayout transposed = rmsRows({5, 12}, 1);
    transposed.transposeOutput = true;
    transposed.what = "transposed output";
    addRmsNorm(table, Dtype::Fp64, transposed);

    for (const Dtype t : kLowPrecision) {
        // No D = 1 here: there dx = r w dy (1 - xhat^2) with xhat^2 = x^2 / (x^2 + eps) rounding to 1, an
        // ill-conditioned case only float64 resolves.
        for (const Shape &s : std::vector<Shape>{{64, 512}, {7, 3}, {33, 100}, {2, 4096}})
            addRmsNorm(table, t, rmsRows(s));
        // D > 10240: the weight-gradient partials no longer fit shared memory (kernels/cuda/rmsnorm.cu).
        addRmsNorm(table, t, rmsRows({3, 12000}));
        addRmsNorm(table, t, rmsRows({256, 1024}, 2, 1));
        addRmsNorm(table, t, rmsStridedRows(256, 200, 256, 0, "rows 256 apart"));
        // The element-wise paths: rows off a 16-byte boundary, and an odd D.
        addRmsNorm(table, t, rmsStridedRows(256, 1024, 1031, 3, "rows 1031 apart at 3 (unaligned)"));
        addRmsNorm(table, t, rmsRows({256, 1027}, 2, 1));
        addRmsNorm(table, t, rmsRows({64, 12288}, 2, 1));
        addRmsNorm(table, t, rmsStridedRows(64, 10243, 10250, 5, "rows 10250 apart at 5 (unaligned)"));
        for (const RmsNormLayout &l : rmsNormViews()) addRmsNorm(table, t, l);
    }
}

// --- SwiGLU --------------------------------------------------------------------------------------------------
// FLOPs per element: forward 5 (sigmoid: exp, add, divide; two multiplies), backward 8 (dgate = dy up s (1 +
// gate (1 - s)), dup = dy gate s).

struct SwigluLayout {
    std::string what;
    Shape shape;             // gate's and up's shape as the op sees them
    bool halves = false;     // gate and up are the two halves of one (..., 2F) tensor, read in place
    Shape gateLeaf, upLeaf;  // otherwise: drawn with these shapes...
    View gateView = identity(), upView = identity();  // ...and seen through these views
    bool transposeOutput = false;
    double gateScale = 3, upScale = 1;
};

SwigluLayout swigluRows(Shape shape, double gateScale = 3, double upScale = 1)
{
    SwigluLayout l;
    l.shape = l.gateLeaf = l.upLeaf = shape;
    l.gateScale = gateScale;
    l.upScale = upScale;
    return l;
}

SwigluLayout swigluHalves(Shape shape, const std::string &what, double scale = 3)
{
    SwigluLayout l = swigluRows(shape, scale);
    l.halves = true;
    l.what = what;
    return l;
}

void addSwiglu(std::vector<Entry> &table, Dtype dtype, const SwigluLayout &l)
{
    const int64_t n = product(l.shape);
    const std::string shape = dims(l.shape) + (l.what.empty() ? "" : " " + l.what);
    std::vector<TensorSpec> inputs;
    if (l.halves)
        inputs = {grad("gate_up", 2 * n, dtype)};
    else
        inputs = {grad("gate", n, dtype), grad("up", n, dtype)};
    Entry e;
    e.info = makeCase("swiglu", dtype, shape, inputs, grad("y", n, dtype), 13.0 * static_cast<double>(n),
                      tolerance::fusedOp(dtype), fusedBasis(dtype));
    e.info.cpuIsaPaths = true;
    e.build = [l] {
        CaseProgram p;
        if (l.halves) {
            Shape wide = l.shape;
            wide.back() *= 2;
            p.inputs = {{"gate_up", randn(wide, l.gateScale)}};
        } else {
            p.inputs = {{"gate", randn(l.gateLeaf, l.gateScale)}, {"up", randn(l.upLeaf, l.upScale)}};
        }
        auto op = [l](bool fused) -> OpFn {
            return [l, fused](const std::vector<at::Tensor> &x) {
                const int64_t f = l.shape.empty() ? 1 : l.shape.back();
                const at::Tensor gate = l.halves ? x[0].narrow(-1, 0, f) : l.gateView(x[0]);
                const at::Tensor up = l.halves ? x[0].narrow(-1, f, f) : l.upView(x[1]);
                const at::Tensor y = fused ? kernels::swiglu(gate, up) : kernels::swigluReference(gate, up);
                return l.transposeOutput ? y.transpose(0, 1) : y;
            };
        };
        p.danka = op(true);
        p.reference = op(false);
        return p;
    };
    table.push_back(std::move(e));
}

SwigluLayout swigluMixedViews()
{
    // A transposed gate and an every-other-element up: both copied.
    SwigluLayout l = swigluRows({8, 6}, 1, 1);
    l.gateLeaf = {6, 8};
    l.gateView = [](const at::Tensor &t) { return t.t(); };
    l.upLeaf = {8, 12};
    l.upView = [](const at::Tensor &t) { return t.slice(1, 0, 12, 2); };
    l.what = "transposed gate, every other up";
    return l;
}

void addSwigluCases(std::vector<Entry> &table)
{
    // Gates over [-12, 12] (4 sigma), so both tails of the sigmoid are exercised.
    for (const Shape &s : std::vector<Shape>{{}, {1}, {7}, {3, 5}, {2, 3, 64}, {4096, 9}, {2, 1408}})
        addSwiglu(table, Dtype::Fp64, swigluRows(s, 4));
    addSwiglu(table, Dtype::Fp64, swigluHalves({2, 5, 24}, "halves of [2, 5, 48]", 1));
    addSwiglu(table, Dtype::Fp64, swigluMixedViews());
    SwigluLayout transposed = swigluRows({5, 12}, 1);
    transposed.transposeOutput = true;
    transposed.what = "transposed output";
    addSwiglu(table, Dtype::Fp64, transposed);

    for (const Dtype t : kLowPrecision) {
        for (const Shape &s : std::vector<Shape>{{64, 1408}, {7}, {33, 100}, {64, 512}, {7, 33}, {2, 3, 200}})
            addSwiglu(table, t, swigluRows(s));
        // The halves of one fused gate/up projection output, read in place; odd widths take the element path.
        addSwiglu(table, t, swigluHalves({48, 344}, "halves of [48, 688]"));
        addSwiglu(table, t, swigluRows({512, 1408}, 2, 2));
        addSwiglu(table, t, swigluHalves({256, 1000}, "halves of [256, 2000]", 2));
        addSwiglu(table, t, swigluRows({256, 1001}, 2, 2));
        addSwiglu(table, t, swigluHalves({256, 999}, "halves of [256, 1998] (unaligned)", 2));
        addSwiglu(table, t, swigluHalves({2, 5, 24}, "halves of [2, 5, 48]", 1));
        addSwiglu(table, t, swigluMixedViews());
    }
}

// --- RoPE ----------------------------------------------------------------------------------------------------
// FLOPs per element: forward 3 (x1 cos - x2 sin: two multiplies and an add), backward 3 (the inverse rotation).

enum class RopeTables { Shared, PerSequence, Shifted };

struct RopeLayout {
    std::string what;
    Shape shape;             // (B, T, H, D) as the op sees x
    Shape leaf;              // x is drawn with this shape...
    View view = identity();  // ...and seen through this view
    RopeTables tables = RopeTables::Shared;
    bool wideTables = false;  // the op gets the tables as a strided slice of wider ones
    bool transposeOutput = false;
};

RopeLayout ropeRows(Shape shape, RopeTables tables)
{
    RopeLayout l;
    l.shape = l.leaf = shape;
    l.tables = tables;
    return l;
}

// The last D of `width` dims of each head: MLA's rope slice (or heads 2 elements off a 16-byte boundary).
RopeLayout ropeSlice(Shape shape, int64_t width, const std::string &what)
{
    RopeLayout l = ropeRows(shape, RopeTables::Shared);
    l.leaf = shape;
    l.leaf.back() = width;
    const int64_t d = shape.back();
    l.view = [width, d](const at::Tensor &t) { return t.narrow(-1, width - d, d); };
    l.what = what;
    return l;
}

std::string ropeTablesName(RopeTables t)
{
    switch (t) {
    case RopeTables::Shared: return "(T, D/2) tables";
    case RopeTables::PerSequence: return "(B, T, D/2) tables of random positions";
    case RopeTables::Shifted: return "(B, T, D/2) tables of shifted positions";
    }
    return "";
}

void addRope(std::vector<Entry> &table, Dtype dtype, const RopeLayout &l)
{
    const int64_t n = product(l.shape), B = l.shape[0], T = l.shape[1], D = l.shape[3];
    const int64_t tableElements = (l.tables == RopeTables::Shared ? T : B * T) * (D / 2);
    const std::string shape = dims(l.shape) + " " + (l.what.empty() ? ropeTablesName(l.tables) : l.what);
    Entry e;
    e.info = makeCase("rope", dtype, shape,
                      {grad("x", n, dtype), constant("cos", tableElements, 4), constant("sin", tableElements, 4)},
                      grad("y", n, dtype), 6.0 * static_cast<double>(n), tolerance::fusedOp(dtype), fusedBasis(dtype));
    e.info.cpuIsaPaths = true;
    e.build = [l, B, T, D] {
        CaseProgram p;
        const at::Tensor x = randn(l.leaf);  // before the positions: the inputs are drawn in a fixed order
        at::Tensor positions;
        switch (l.tables) {
        case RopeTables::Shared: positions = at::arange(T, at::kLong); break;
        case RopeTables::PerSequence: positions = at::randint(0, 4096, {B, T}, at::kLong); break;
        case RopeTables::Shifted:
            positions = at::arange(T, at::kLong).unsqueeze(0) + (at::arange(B, at::kLong) * 37).unsqueeze(1);
            break;
        }
        auto [cos, sin] = kernels::ropeTables(positions, D, 10000.0);
        if (l.wideTables) {  // the tables as the first half of wider ones: strided rows
            cos = at::cat({cos, at::zeros_like(cos)}, -1);
            sin = at::cat({sin, sin}, -1);
        }
        p.inputs = {{"x", x}, {"cos", cos, TensorRole::Const}, {"sin", sin, TensorRole::Const}};
        auto op = [l, D](bool fused) -> OpFn {
            return [l, D, fused](const std::vector<at::Tensor> &in) {
                const at::Tensor v = l.view(in[0]);
                const at::Tensor c = l.wideTables ? in[1].narrow(-1, 0, D / 2) : in[1];
                const at::Tensor s = l.wideTables ? in[2].narrow(-1, 0, D / 2) : in[2];
                const at::Tensor y = fused ? kernels::applyRope(v, c, s) : kernels::applyRopeReference(v, c, s);
                return l.transposeOutput ? y.transpose(1, 2) : y;
            };
        };
        p.danka = op(true);
        p.reference = op(false);
        return p;
    };
    table.push_back(std::move(e));
}

std::vector<RopeLayout> ropeViews()
{
    // MLA: RoPE on the last 8 dims of (B, T, H, 12 + 8) heads, read in place; a (B, H, T, D) tensor seen as
    // (B, T, H, D); every other element of the head dim; each with tables that are a strided slice of wider ones.
    RopeLayout mla = ropeSlice({2, 5, 3, 8}, 20, "last 8 of 20 dims (MLA rope slice), strided tables");
    RopeLayout headsMajor = ropeRows({2, 5, 3, 8}, RopeTables::Shared);
    headsMajor.leaf = {2, 3, 5, 8};
    headsMajor.view = [](const at::Tensor &t) { return t.transpose(1, 2); };
    headsMajor.what = "transpose of (B, H, T, D), strided tables";
    RopeLayout everyOther = ropeRows({2, 5, 3, 8}, RopeTables::Shared);
    everyOther.leaf = {2, 5, 3, 16};
    everyOther.view = [](const at::Tensor &t) { return t.slice(-1, 0, 16, 2); };
    everyOther.what = "every other of 16 dims, strided tables";
    std::vector<RopeLayout> views = {mla, headsMajor, everyOther};
    for (RopeLayout &l : views) l.wideTables = true;
    return views;
}

void addRopeCases(std::vector<Entry> &table)
{
    for (const Shape &s : std::vector<Shape>{{1, 1, 1, 2}, {2, 3, 4, 8}, {1, 7, 2, 6}, {2, 5, 3, 64}, {3, 4, 2, 130}})
        for (const RopeTables t : {RopeTables::Shared, RopeTables::PerSequence})
            addRope(table, Dtype::Fp64, ropeRows(s, t));
    for (const RopeLayout &l : ropeViews()) addRope(table, Dtype::Fp64, l);
    RopeLayout transposed = ropeRows({2, 6, 3, 10}, RopeTables::Shared);
    transposed.transposeOutput = true;
    transposed.what = "transposed output";
    addRope(table, Dtype::Fp64, transposed);

    for (const Dtype t : kLowPrecision) {
        addRope(table, t, ropeRows({2, 64, 4, 64}, RopeTables::Shared));
        addRope(table, t, ropeRows({1, 5, 3, 6}, RopeTables::PerSequence));
        addRope(table, t, ropeRows({2, 9, 2, 34}, RopeTables::Shared));
        // A head dim that packs and one that does not (D = 6), with shared and per-sequence tables.
        for (const Shape &s : std::vector<Shape>{{2, 8, 4, 64}, {3, 5, 2, 6}})
            for (const RopeTables tables : {RopeTables::Shared, RopeTables::PerSequence})
                addRope(table, t, ropeRows(s, tables));
        addRope(table, t, ropeSlice({2, 5, 3, 8}, 24, "last 8 of 24 dims (MLA rope slice)"));
        addRope(table, t, ropeRows({2, 128, 8, 64}, RopeTables::Shared));
        addRope(table, t, ropeRows({2, 128, 8, 64}, RopeTables::Shifted));
        addRope(table, t, ropeSlice({2, 128, 4, 64}, 192, "last 64 of 192 dims (MLA rope slice)"));
        // Every head 2 elements off a 16-byte boundary, and strides of 66: the element-wise path.
        addRope(table, t, ropeSlice({2, 128, 8, 64}, 66, "last 64 of 66 dims (unaligned)"));
        for (const RopeLayout &l : ropeViews()) addRope(table, t, l);
    }
}

// --- Cross-entropy -------------------------------------------------------------------------------------------
// FLOPs per logit: forward 4 (max, exp of the difference, sum), backward 3 (softmax from the saved log-sum-exp:
// subtract, exp; times the row's weight over the weight sum).

enum class CeTargets {
    All,        // every target in [0, V)
    Ignored20,  // about 20% ignored (-100)
    Ignored10,  // about 10% ignored
    Every7th,   // every 7th row ignored
};

struct CeLayout {
    std::string what;
    int64_t n = 0, v = 0;
    int64_t width = 0;  // the op sees columns [offset, offset + V) of (N, width) logits
    int64_t offset = 0;
    bool transposed = false;  // logits are the transpose of a (V, N) tensor
    CeTargets targets = CeTargets::All;
    bool weighted = false;
    bool zeroWeights = false;  // every 5th row from 3 weighted 0
    double weightScale = 3;
    bool stridedTargets = false;  // targets and weights every other element of longer ones
    double scale = 4;
    bool extreme = false;  // logits x 1000, the first 50 columns -inf (masked vocabulary entries)
};

CeLayout ceRows(int64_t n, int64_t v, bool weighted, CeTargets targets, double scale, double weightScale = 3)
{
    CeLayout l;
    l.n = n;
    l.v = l.width = v;
    l.weighted = weighted;
    l.targets = targets;
    l.scale = scale;
    l.weightScale = weightScale;
    return l;
}

std::string ceName(const CeLayout &l)
{
    std::string s = "N=" + std::to_string(l.n) + " V=" + std::to_string(l.v);
    if (!l.what.empty()) return s + " " + l.what;
    s += l.weighted ? " weighted" : " unweighted";
    switch (l.targets) {
    case CeTargets::All: break;
    case CeTargets::Ignored20: s += ", 20% ignored"; break;
    case CeTargets::Ignored10: s += ", 10% ignored"; break;
    case CeTargets::Every7th: s += ", every 7th ignored"; break;
    }
    if (l.zeroWeights) s += ", some weights 0";
    return s;
}

void addCrossEntropy(std::vector<Entry> &table, Dtype dtype, const CeLayout &l)
{
    const int64_t logits = l.n * l.v;
    std::vector<TensorSpec> inputs = {grad("logits", logits, dtype), index("targets", l.n, 8)};
    if (l.weighted) inputs.push_back(constant("weights", l.n, 4));
    Entry e;
    e.info = makeCase("cross-entropy", dtype, ceName(l), inputs, {"loss", 1, dtype == Dtype::Fp64 ? 8 : 4},
                      7.0 * static_cast<double>(logits), tolerance::fusedOp(dtype), fusedBasis(dtype));
    e.info.cpuIsaPaths = true;
    e.build = [l] {
        CaseProgram p;
        const int64_t rows = l.stridedTargets ? 2 * l.n : l.n;
        at::Tensor x = l.transposed ? randn({l.v, l.n}, l.scale) : randn({l.n, l.width}, l.scale);
        if (l.extreme) x.narrow(1, 0, 50).fill_(-INFINITY);
        at::Tensor targets = at::randint(l.extreme ? 50 : 0, l.v, {rows}, at::kLong);
        switch (l.targets) {
        case CeTargets::All: break;
        case CeTargets::Ignored20: targets.masked_fill_(at::rand({rows}) < 0.2, -100); break;
        case CeTargets::Ignored10: targets.masked_fill_(at::rand({rows}) < 0.1, -100); break;
        case CeTargets::Every7th: targets.index_put_({at::arange(0, rows, 7)}, -100); break;
        }
        p.inputs = {{"logits", x}, {"targets", targets, TensorRole::Index}};
        if (l.weighted) {
            at::Tensor w = at::rand({rows}, at::kFloat) * l.weightScale;
            if (l.zeroWeights) w.index_put_({at::arange(3, rows, 5)}, 0.0);
            p.inputs.push_back({"weights", w, TensorRole::Const});
        }
        p.outputInInputType = false;  // the loss is float32 for every 16-bit dtype
        auto op = [l](bool fused) -> OpFn {
            return [l, fused](const std::vector<at::Tensor> &in) {
                const at::Tensor x = l.transposed ? in[0].t() : in[0].narrow(1, l.offset, l.v);
                at::Tensor t = in[1], w = l.weighted ? in[2] : at::Tensor();
                if (l.stridedTargets) {
                    t = t.slice(0, 0, 2 * l.n, 2);
                    w = w.slice(0, 1, 2 * l.n, 2);
                }
                return fused ? kernels::crossEntropy(x, t, w) : kernels::crossEntropyReference(x, t, w);
            };
        };
        p.danka = op(true);
        p.reference = op(false);
        return p;
    };
    table.push_back(std::move(e));
}

std::vector<CeLayout> ceViews()
{
    // A slice of the vocabulary dim (rows 49 apart) and a transpose (copied once), with targets and weights
    // every other element of longer ones.
    CeLayout slice = ceRows(12, 40, true, CeTargets::Ignored20, 1, 4), transpose = slice;
    slice.width = 49;
    slice.offset = 4;
    slice.stridedTargets = transpose.stridedTargets = true;
    transpose.transposed = true;
    slice.what = "columns 4..43 of [12, 49], every other target and weight";
    transpose.what = "transpose of [40, 12], every other target and weight";
    return {slice, transpose};
}

void addCrossEntropyCases(std::vector<Entry> &table)
{
    for (const auto &[n, v] :
         std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {3, 7}, {5, 64}, {64, 1000}, {4096, 3}}) {
        addCrossEntropy(table, Dtype::Fp64, ceRows(n, v, false, CeTargets::All, 3));
        addCrossEntropy(table, Dtype::Fp64, ceRows(n, v, true, CeTargets::Ignored20, 3, 5));
    }
    // Masked vocabulary entries (-inf) get probability and gradient 0; large logits do not overflow.
    CeLayout extreme = ceRows(8, 300, false, CeTargets::All, 1000);
    extreme.extreme = true;
    extreme.what = "logits x 1000, 50 entries -inf";
    addCrossEntropy(table, Dtype::Fp64, extreme);
    addCrossEntropy(table, Dtype::Fp32, extreme);
    for (const CeLayout &l : ceViews()) addCrossEntropy(table, Dtype::Fp64, l);

    for (const Dtype t : kLowPrecision) {
        for (const auto &[n, v] : std::vector<std::pair<int64_t, int64_t>>{{64, 1000}, {16, 6400}, {9, 5}})
            addCrossEntropy(table, t, ceRows(n, v, true, CeTargets::Ignored10, 4));
        // A vocabulary that packs, an odd one, one longer than a block's threads (the CUDA kernels' paths).
        for (const auto &[n, v] : std::vector<std::pair<int64_t, int64_t>>{{64, 1000}, {9, 50257}, {5, 7}})
            addCrossEntropy(table, t, ceRows(n, v, false, CeTargets::Ignored10, 4));
        addCrossEntropy(table, t, ceRows(9, 50257, true, CeTargets::Ignored10, 4));
        addCrossEntropy(table, t, ceRows(5, 7, true, CeTargets::Ignored10, 4));
        CeLayout weighted = ceRows(64, 32000, true, CeTargets::Every7th, 3, 2);
        weighted.zeroWeights = true;
        addCrossEntropy(table, t, weighted);
        CeLayout strided = ceRows(256, 6400, false, CeTargets::All, 3);
        strided.width = 6500;
        strided.what = "unweighted, the first 6400 of 6500 columns";
        addCrossEntropy(table, t, strided);
        CeLayout unaligned = ceRows(64, 32001, false, CeTargets::All, 3);
        unaligned.width = 32101;
        unaligned.what = "unweighted, the first 32001 of 32101 columns (unaligned rows)";
        addCrossEntropy(table, t, unaligned);
        for (const CeLayout &l : ceViews()) addCrossEntropy(table, t, l);
    }
}

// --- Attention -----------------------------------------------------------------------------------------------
// FLOPs: model/flops.h's attention count (2 Dqk for the score and 2 Dv for the weighted sum per query head and
// visible query-key pair), the backward at twice the forward (model FLOPs: no recomputation counted).

enum class Segments {
    None,
    Thirds,     // each row cut into documents of 3S/8 + b, S/4 and the rest (int32 ids); one query of row 0
                // in a segment no key has (it sees nothing: zeros, no gradient)
    Irregular,  // a new document after about 1 in 12 positions (int64 ids)
    LeftPad,    // row 1's first 7 keys are padding (-1), every query segment 0 (int64 ids)
};

struct AttentionLayout {
    std::string kind;  // "mha", "gqa", "mqa", "mla 192/128"... (empty: from the head counts)
    int64_t B, H, Hkv, T, S, Dqk, Dv;
    bool causal = true;
    bool strided = false;  // q, k, v are transposes of (B, T, H, D) tensors, as the model passes them
    Segments segments = Segments::None;
    double scale = 0;
};

// Segment ids of keys (B x S) and queries (B x T), generated without torch so the FLOP count can use them.
std::pair<std::vector<int64_t>, std::vector<int64_t>> segmentIds(const AttentionLayout &l)
{
    std::vector<int64_t> k(static_cast<size_t>(l.B * l.S), 0), q(static_cast<size_t>(l.B * l.T), 0);
    uint64_t state = 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(l.S * 1315423911 + l.B);
    for (int64_t b = 0; b < l.B; ++b) {
        int64_t doc = 0;
        for (int64_t j = 0; j < l.S; ++j) {
            int64_t id = 0;
            switch (l.segments) {
            case Segments::None: break;
            case Segments::Thirds: {
                const int64_t first = (3 * l.S) / 8 + b, second = first + l.S / 4;
                id = j < first ? 0 : j < second ? 1 : 2;
                break;
            }
            case Segments::Irregular:
                state = state * 6364136223846793005ull + 1442695040888963407ull;  // Knuth's MMIX LCG
                if (j > 0 && (state >> 33) % 12 == 0) ++doc;
                id = doc;
                break;
            case Segments::LeftPad: id = b == 1 && j < 7 ? -1 : 0; break;
            }
            k[static_cast<size_t>(b * l.S + j)] = id;
        }
        for (int64_t i = 0; i < l.T; ++i)
            q[static_cast<size_t>(b * l.T + i)] =
                l.segments == Segments::LeftPad ? 0 : k[static_cast<size_t>(b * l.S + l.S - l.T + i)];
    }
    if (l.segments == Segments::Thirds) q[static_cast<size_t>(l.T / 2)] = 7;
    return {k, q};
}

// Query-key pairs a query sees, summed over the batch and the queries (per head).
double visiblePairs(const AttentionLayout &l)
{
    if (l.segments == Segments::None) {
        const double t = static_cast<double>(l.T), s = static_cast<double>(l.S);
        return static_cast<double>(l.B) * (l.causal ? t * (s - t) + t * (t + 1) / 2 : t * s);
    }
    const auto [k, q] = segmentIds(l);
    double pairs = 0;
    for (int64_t b = 0; b < l.B; ++b)
        for (int64_t i = 0; i < l.T; ++i) {
            const int64_t last = l.causal ? l.S - l.T + i : l.S - 1;
            for (int64_t j = 0; j <= last; ++j)
                pairs += q[static_cast<size_t>(b * l.T + i)] == k[static_cast<size_t>(b * l.S + j)];
        }
    return pairs;
}

double attentionFlops(int64_t heads, int64_t dqk, int64_t dv, double pairs, bool backward)
{
    model::ModelConfig c;
    c.nLayers = 1;
    c.nHeads = heads;
    if (dqk == dv) {
        c.attention = model::AttentionKind::Mha;
        c.headDim = dqk;
    } else {
        c.attention = model::AttentionKind::Mla;
        c.mla.qkNopeHeadDim = dqk;
        c.mla.qkRopeHeadDim = 0;
        c.mla.vHeadDim = dv;
    }
    // One query over one key, all heads: model/flops.h's forward count; training adds twice that.
    return model::attentionForwardFlopsPerToken(c, 1.0) * pairs * (backward ? 3.0 : 1.0);
}

at::Tensor segmentTensor(const std::vector<int64_t> &ids, int64_t rows, int64_t cols, bool int32)
{
    return at::tensor(ids, at::kLong).view({rows, cols}).to(int32 ? at::kInt : at::kLong);
}

std::string attentionName(const AttentionLayout &l)
{
    std::string kind = l.kind;
    if (kind.empty()) kind = l.H == l.Hkv ? "mha" : l.Hkv == 1 ? "mqa" : "gqa";
    std::string s = kind + " H=" + std::to_string(l.H) + (l.H != l.Hkv ? "/" + std::to_string(l.Hkv) : "") + " d" +
                    std::to_string(l.Dqk) + (l.Dqk != l.Dv ? "/" + std::to_string(l.Dv) : "") +
                    (l.causal ? " causal" : " non-causal") + " B=" + std::to_string(l.B) + " T=" + std::to_string(l.T) +
                    (l.S != l.T ? " S=" + std::to_string(l.S) : "");
    switch (l.segments) {
    case Segments::None: break;
    case Segments::Thirds: s += " documents (one query sees nothing)"; break;
    case Segments::Irregular: s += " irregular documents"; break;
    case Segments::LeftPad: s += " left padding"; break;
    }
    if (l.strided) s += " strided (B, T, H, D)";
    if (l.scale != 0) s += " scale " + std::to_string(l.scale).substr(0, 6);
    return s;
}

void addAttention(std::vector<Entry> &table, Dtype dtype, const AttentionLayout &l, bool gpuSized = false)
{
    const int sz = dtypeBytes(dtype);
    const bool int32 = l.segments == Segments::Thirds;
    std::vector<TensorSpec> inputs = {grad("q", l.B * l.H * l.T * l.Dqk, dtype),
                                      grad("k", l.B * l.Hkv * l.S * l.Dqk, dtype),
                                      grad("v", l.B * l.Hkv * l.S * l.Dv, dtype)};
    if (l.segments != Segments::None) {
        inputs.push_back(index("qSegments", l.B * l.T, int32 ? 4 : 8));
        inputs.push_back(index("kSegments", l.B * l.S, int32 ? 4 : 8));
    }
    Entry e;
    e.info = makeCase("attention", dtype, attentionName(l), inputs,
                      {"out", l.B * l.H * l.T * l.Dv, sz, TensorRole::Grad},
                      attentionFlops(l.H, l.Dqk, l.Dv, visiblePairs(l), true), tolerance::attention(dtype, l.S),
                      std::string("attention, ") + dtypeName(dtype) + ", " + std::to_string(l.S) + " keys");
    if (dtype == Dtype::Fp16) {
        e.info.onCpu = false;
        e.info.notOnCpu = kCpuHalfAttention;
    }
    if (gpuSized) {
        e.info.onCpu = false;
        e.info.notOnCpu = kGpuSized;
    }
    e.build = [l, int32] {
        CaseProgram p;
        auto shape = [&](int64_t heads, int64_t len, int64_t d) -> Shape {
            return l.strided ? Shape{l.B, len, heads, d} : Shape{l.B, heads, len, d};
        };
        p.inputs = {{"q", randn(shape(l.H, l.T, l.Dqk))},
                    {"k", randn(shape(l.Hkv, l.S, l.Dqk))},
                    {"v", randn(shape(l.Hkv, l.S, l.Dv))}};
        if (l.segments != Segments::None) {
            const auto [k, q] = segmentIds(l);
            p.inputs.push_back({"qSegments", segmentTensor(q, l.B, l.T, int32), TensorRole::Index});
            p.inputs.push_back({"kSegments", segmentTensor(k, l.B, l.S, int32), TensorRole::Index});
        }
        auto op = [l](bool fused) -> OpFn {
            return [l, fused](const std::vector<at::Tensor> &x) {
                const at::Tensor q = l.strided ? x[0].transpose(1, 2) : x[0];
                const at::Tensor k = l.strided ? x[1].transpose(1, 2) : x[1];
                const at::Tensor v = l.strided ? x[2].transpose(1, 2) : x[2];
                const bool seg = l.segments != Segments::None;
                const at::Tensor qSeg = seg ? x[3] : at::Tensor(), kSeg = seg ? x[4] : at::Tensor();
                const kernels::AttentionOptions o{l.scale, l.causal, false};  // Danka's own kernels
                return fused ? kernels::attention(q, k, v, o, qSeg, kSeg)
                             : kernels::attentionReference(q, k, v, o, qSeg, kSeg);
            };
        };
        p.danka = op(true);
        p.reference = op(false);
        return p;
    };
    table.push_back(std::move(e));
}

void addAttentionCases(std::vector<Entry> &table)
{
    // Float64 (the CPU flash kernels against the composition): causal and full attention, GQA / MQA ratios,
    // Dqk != Dv, irregular documents, cache-style queries (3 over 70 keys), longer than two tiles, strided views.
    const std::vector<AttentionLayout> small = {
        {"", 2, 3, 3, 17, 17, 8, 8},
        {"", 2, 2, 2, 13, 13, 4, 4, false},
        {"", 1, 8, 2, 33, 33, 16, 16},
        {"", 2, 4, 1, 67, 67, 5, 5},
        {"mla", 1, 4, 4, 40, 40, 24, 16},
        {"", 2, 2, 1, 90, 90, 8, 8, true, false, Segments::Irregular},
        {"", 2, 2, 2, 3, 70, 8, 8},
        {"", 1, 2, 1, 150, 150, 8, 12},
        {"", 2, 4, 2, 20, 20, 8, 8, true, true},
    };
    for (const AttentionLayout &l : small) addAttention(table, Dtype::Fp64, l);

    // Training shapes: heads that fill a few tiles (L = 128), every variant the model uses, odd lengths, a causal
    // offset, segment masks with a query that sees nothing, strided inputs, head dims that are not multiples of
    // 16 (the tiles are zero-padded to the next multiple).
    const int64_t L = 128;
    const std::vector<AttentionLayout> training = {
        {"", 2, 4, 2, 130, 130, 32, 32},
        {"", 2, 4, 2, 77, 77, 40, 24, true, false, Segments::Irregular},
        {"", 1, 6, 3, 19, 50, 128, 128},
        {"mla", 2, 2, 1, 33, 33, 192, 128, false},
        {"", 2, 4, 4, L, L, 64, 64},
        {"", 2, 8, 2, L, L, 128, 128},
        {"mla", 2, 4, 4, L, L, 192, 128},
        {"", 2, 4, 2, L, L, 64, 64, false},
        {"", 2, 4, 2, L, L, 64, 64, true, false, Segments::Thirds},
        {"", 1, 8, 2, L + 5, L + 5, 128, 128},
        {"", 2, 4, 2, L / 2, 3 * L / 2, 64, 64},
        {"", 2, 8, 2, L, L, 128, 128, true, true},
        {"", 2, 8, 2, L, L, 72, 72},
        {"", 2, 4, 4, L, L, 40, 24, false},
    };
    for (const Dtype t : kLowPrecision) {
        for (const AttentionLayout &l : training) addAttention(table, t, l);
        addAttention(table, t, {"", 1, 8, 2, 2048, 2048, 128, 128}, true);
        addAttention(table, t, {"mla", 1, 4, 4, 1024, 1024, 192, 128}, true);
    }
}

// --- Attention decoding ---------------------------------------------------------------------------------------
// T new queries over S positions of a KV cache, no autograd (the CUDA split-KV decode kernel; the CPU flash
// kernel). FLOPs: the forward of model/flops.h's attention count.

struct DecodeLayout {
    bool mla = false;  // MLA's absorbed form (DeepSeek-V2 2.1.3, as model/mla.cpp runs it): one shared head of
                       // the latent cache (B, capacity, 512 + 64), keys its narrowed view (B, 1, S, 576), values
                       // the first 512 dims of those keys
    int64_t B, H, Hkv, T, S, capacity, D;
    Segments segments = Segments::LeftPad;
    double scale = 0;  // 0: 1 / sqrt(Dqk)
};

void addDecode(std::vector<Entry> &table, Dtype dtype, const DecodeLayout &l)
{
    const int64_t dv = l.mla ? 512 : l.D;
    const int sz = dtypeBytes(dtype);
    std::vector<TensorSpec> inputs = {grad("q", l.B * l.H * l.T * l.D, dtype)};
    if (l.mla) {
        inputs.push_back(grad("cache", l.B * l.S * l.D, dtype));
    } else {
        inputs.push_back(grad("k_cache", l.B * l.Hkv * l.S * l.D, dtype));
        inputs.push_back(grad("v_cache", l.B * l.Hkv * l.S * l.D, dtype));
    }
    const bool segments = l.segments != Segments::None;
    if (segments) {
        inputs.push_back(index("qSegments", l.B * l.T, 8));
        inputs.push_back(index("kSegments", l.B * l.S, 8));
    }
    AttentionLayout mask{"", l.B, l.H, l.Hkv, l.T, l.S, l.D, dv, true, false, l.segments};
    std::string name = (l.mla ? "mla absorbed H=" + std::to_string(l.H) + " d576/512"
                              : std::string(l.Hkv == 1 ? "mqa" : "gqa") + " H=" + std::to_string(l.H) + "/" +
                                    std::to_string(l.Hkv) + " d" + std::to_string(l.D)) +
                       " B=" + std::to_string(l.B) + " T=" + std::to_string(l.T) + " S=" + std::to_string(l.S) +
                       " of a " + std::to_string(l.capacity) + (l.mla ? " latent cache" : " cache") +
                       (l.segments == Segments::LeftPad     ? ", left padding"
                        : l.segments == Segments::Irregular ? ", irregular documents"
                                                            : "");
    Entry e;
    e.info = makeCase("attention-decode", dtype, name, inputs, {"out", l.B * l.H * l.T * dv, sz, TensorRole::Grad},
                      attentionFlops(l.H, l.D, dv, visiblePairs(mask), false), tolerance::attention(dtype, l.S),
                      std::string("attention, ") + dtypeName(dtype) + ", " + std::to_string(l.S) + " keys", false);
    if (dtype == Dtype::Fp16) {
        e.info.onCpu = false;
        e.info.notOnCpu = kCpuHalfAttention;
    }
    e.build = [l, mask] {
        CaseProgram p;
        if (l.mla)
            p.inputs = {{"q", randn({l.B, l.H, l.T, l.D})}, {"cache", randn({l.B, l.capacity, l.D})}};
        else
            p.inputs = {{"q", randn({l.B, l.H, l.T, l.D})},
                        {"k_cache", randn({l.B, l.Hkv, l.capacity, l.D})},
                        {"v_cache", randn({l.B, l.Hkv, l.capacity, l.D})}};
        if (l.segments != Segments::None) {
            const auto [k, q] = segmentIds(mask);
            p.inputs.push_back({"qSegments", segmentTensor(q, l.B, l.T, false), TensorRole::Index});
            p.inputs.push_back({"kSegments", segmentTensor(k, l.B, l.S, false), TensorRole::Index});
        }
        auto op = [l](bool fused) -> OpFn {
            return [l, fused](const std::vector<at::Tensor> &x) {
                at::Tensor k, v;
                kernels::AttentionOptions o{l.scale, true};
                if (l.mla) {
                    k = x[1].narrow(1, 0, l.S).unsqueeze(1);  // (B, 1, S, 576), strided
                    v = k.narrow(-1, 0, 512);                 // (B, 1, S, 512), a view of the keys
                } else {
                    k = x[1].narrow(2, 0, l.S);
                    v = x[2].narrow(2, 0, l.S);
                }
                const size_t seg = l.mla ? 2 : 3;
                const at::Tensor qSeg = x.size() > seg ? x[seg] : at::Tensor();
                const at::Tensor kSeg = x.size() > seg ? x[seg + 1] : at::Tensor();
                return fused ? kernels::attention(x[0], k, v, o, qSeg, kSeg)
                             : kernels::attentionReference(x[0], k, v, o, qSeg, kSeg);
            };
        };
        p.danka = op(true);
        p.reference = op(false);
        return p;
    };
    table.push_back(std::move(e));
}

void addDecodeCases(std::vector<Entry> &table)
{
    for (const Dtype t : kLowPrecision) {
        for (const int64_t T : {1, 4}) {
            addDecode(table, t, {false, 2, 8, 2, T, 300, 512, 128});
            addDecode(table, t, {true, 2, 16, 1, T, 300, 512, 576, Segments::LeftPad, 1.0 / std::sqrt(192.0)});
        }
        // A GQA cache with packed documents, and the absorbed form over a bigger cache at the default scale.
        addDecode(table, t, {false, 3, 8, 2, 4, 300, 300, 64, Segments::Irregular});
        addDecode(table, t, {true, 2, 16, 1, 2, 257, 400, 576, Segments::None});
    }
}

std::vector<Entry> makeTable()
{
    std::vector<Entry> table;
    addRmsNormCases(table);
    addSwigluCases(table);
    addRopeCases(table);
    addCrossEntropyCases(table);
    addAttentionCases(table);
    addDecodeCases(table);
    std::set<std::string> names;
    for (const Entry &e : table)
        if (!names.insert(e.info.name).second)
            throw std::logic_error("kernel lab: two cases named \"" + e.info.name + "\"");
    return table;
}

const std::vector<Entry> &table()
{
    static const std::vector<Entry> entries = makeTable();
    return entries;
}

}  // namespace

const std::vector<KernelCase> &kernelCases()
{
    static const std::vector<KernelCase> cases = [] {
        std::vector<KernelCase> out;
        for (const Entry &e : table()) out.push_back(e.info);
        return out;
    }();
    return cases;
}

const KernelCase *findKernelCase(const std::string &name)
{
    for (const KernelCase &c : kernelCases())
        if (c.name == name) return &c;
    return nullptr;
}

std::vector<std::string> kernelCaseOps()
{
    std::vector<std::string> ops;
    for (const KernelCase &c : kernelCases())
        if (ops.empty() || ops.back() != c.op) ops.push_back(c.op);
    return ops;
}

const char *flopsConvention()
{
    return "FLOPs per call, forward + backward (decode: forward), a multiply-add counted as 2: RMSNorm 12 per "
           "element (forward 4, backward 8), SwiGLU 13 (5 + 8), RoPE 6 (3 + 3), cross-entropy 7 per logit (4 + 3), "
           "attention model/flops.h's 2 (Dqk + Dv) per query head and visible query-key pair forward, backward "
           "twice that. Bytes: every input read and the output written by the forward; every input and the "
           "output's gradient read and each input gradient written by the backward (the least traffic)";
}

namespace detail {

CaseProgram buildCase(size_t index)
{
    return table().at(index).build();
}

}  // namespace detail

}  // namespace danka::lab
