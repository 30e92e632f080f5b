// The CPU dispatch rule of kernels::attention (attention.h): LibTorch's fused scaled_dot_product_attention for
// float32/bfloat16 without segments, equal head dims and T == S when causal; Danka's flash kernel for the rest
// (segments, a KV cache, MLA's head dims, float64, or cpuSdpa off); the reference for float16. Each path is
// checked for the path it picks and for its output and gradients against the float64 reference, within the
// attention tolerance of lab/tolerances.h (Danka's own kernels on every shape are the kernel lab's attention
// cases, tst_attention).
#include <QtTest>

#include "kernels/attention.h"
#include "lab/tolerances.h"
#include "tests/kernels/kernel_test_util.h"

using namespace danka;
using kernels::AttentionOptions;
using kernels::AttentionPath;

namespace {

struct Inputs {
    torch::Tensor q, k, v, qSeg, kSeg;
};

Inputs make(torch::ScalarType type, int64_t H, int64_t Hkv, int64_t T, int64_t S, int64_t Dqk, int64_t Dv, bool segments)
{
    const auto o = torch::TensorOptions().dtype(type);
    Inputs in{torch::randn({2, H, T, Dqk}, o), torch::randn({2, Hkv, S, Dqk}, o), torch::randn({2, Hkv, S, Dv}, o), {}, {}};
    if (segments) {
        in.kSeg = (torch::arange(S, torch::kLong) >= S / 2).to(torch::kLong).unsqueeze(0).repeat({2, 1});  // 2 documents
        in.qSeg = in.kSeg.narrow(1, S - T, T);
    }
    return in;
}

AttentionPath pathOf(const Inputs &in, const AttentionOptions &o = {})
{
    return kernels::attentionPath(in.q, in.k, in.v, o, in.qSeg, in.kSeg);
}

}  // namespace

class TestAttentionDispatch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(5); }

    void thePathForEachCase_data()
    {
        QTest::addColumn<int>("dtype");  // 0 float32, 1 bfloat16, 2 float64, 3 float16
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("kvHeads");
        QTest::addColumn<int>("queries");
        QTest::addColumn<int>("keys");
        QTest::addColumn<int>("dqk");
        QTest::addColumn<int>("dv");
        QTest::addColumn<bool>("segments");
        QTest::addColumn<bool>("causal");
        QTest::addColumn<bool>("cpuSdpa");
        QTest::addColumn<int>("path");
        const int sdpa = static_cast<int>(AttentionPath::LibtorchSdpa), flash = static_cast<int>(AttentionPath::Flash),
                  reference = static_cast<int>(AttentionPath::Reference);
        QTest::newRow("fp32 mha") << 0 << 4 << 4 << 40 << 40 << 16 << 16 << false << true << true << sdpa;
        QTest::newRow("bf16 gqa") << 1 << 4 << 2 << 40 << 40 << 16 << 16 << false << true << true << sdpa;
        QTest::newRow("fp32 non-causal, 3 queries over 40 keys") << 0 << 4 << 4 << 3 << 40 << 16 << 16 << false << false
                                                              << true << sdpa;
        QTest::newRow("fp32 segments") << 0 << 4 << 4 << 40 << 40 << 16 << 16 << true << true << true << flash;
        QTest::newRow("bf16 kv cache") << 1 << 4 << 2 << 3 << 40 << 16 << 16 << false << true << true << flash;
        QTest::newRow("fp32 mla dims") << 0 << 4 << 4 << 40 << 40 << 24 << 16 << false << true << true << flash;
        QTest::newRow("fp64") << 2 << 4 << 4 << 40 << 40 << 16 << 16 << false << true << true << flash;
        QTest::newRow("fp32 cpuSdpa off") << 0 << 4 << 4 << 40 << 40 << 16 << 16 << false << true << false << flash;
        QTest::newRow("fp16") << 3 << 4 << 4 << 40 << 40 << 16 << 16 << false << true << true << reference;
    }
    void thePathForEachCase()
    {
        QFETCH(int, dtype);
        QFETCH(int, heads);
        QFETCH(int, kvHeads);
        QFETCH(int, queries);
        QFETCH(int, keys);
        QFETCH(int, dqk);
        QFETCH(int, dv);
        QFETCH(bool, segments);
        QFETCH(bool, causal);
        QFETCH(bool, cpuSdpa);
        QFETCH(int, path);
        const torch::ScalarType types[] = {torch::kFloat32, torch::kBFloat16, torch::kFloat64, torch::kFloat16};
        const Inputs in = make(types[dtype], heads, kvHeads, queries, keys, dqk, dv, segments);
        AttentionOptions o;
        o.causal = causal;
        o.cpuSdpa = cpuSdpa;
        QCOMPARE(kernels::attentionPathName(pathOf(in, o)), kernels::attentionPathName(static_cast<AttentionPath>(path)));
        // Training inputs (requires_grad) take the same path.
        const Inputs grad{in.q.detach().requires_grad_(true), in.k.detach().requires_grad_(true),
                          in.v.detach().requires_grad_(true), in.qSeg, in.kSeg};
        QCOMPARE(kernels::attentionPathName(pathOf(grad, o)), kernels::attentionPathName(static_cast<AttentionPath>(path)));

        // Whatever the path, the result is attention: forward and gradients against the float64 reference.
        if (dtype == 3) return;  // float16 is the reference itself
        const lab::Dtype labTypes[] = {lab::Dtype::Fp32, lab::Dtype::Bf16, lab::Dtype::Fp64};
        const double tolerance = lab::tolerance::attention(labTypes[dtype], keys);
        const test::TensorFn run = [o, seg = in](const std::vector<torch::Tensor> &x) {
            return kernels::attention(x[0], x[1], x[2], o, seg.qSeg, seg.kSeg);
        };
        const test::TensorFn reference = [o, seg = in](const std::vector<torch::Tensor> &x) {
            return kernels::attentionReference(x[0], x[1], x[2], o, seg.qSeg, seg.kSeg);
        };
        test::expectCloseToFloat64Reference(run, reference, {in.q, in.k, in.v}, types[dtype], tolerance,
                                            QTest::currentDataTag());
    }
};

QTEST_GUILESS_MAIN(TestAttentionDispatch)
#include "tst_attention_dispatch.moc"
