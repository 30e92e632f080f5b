// The element-wise ops of the kernel lab: RMSNorm, SwiGLU, RoPE, cross-entropy (see case_builders.h).
#include "lab/cases/case_builders.h"

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

namespace danka::lab::cases {

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

}  // namespace danka::lab::cases
