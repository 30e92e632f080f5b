// LibTorch glue of Danka's CUDA attention kernels: checks, tensors to raw pointers and strides (attention.h),
// outputs allocated on the device, the current stream, launch errors as c10::Error.
#include "kernels/cuda/attention_glue.h"

#include <c10/cuda/CUDAGuard.h>

#include "kernels/cuda/attention.h"
#include "kernels/cuda/glue.h"

namespace danka::kernels::cuda {

namespace {

// The kernels assume a unit-stride last dim; anything else is copied once.
at::Tensor unitLastDim(const at::Tensor &t)
{
    return t.stride(3) == 1 ? t : t.contiguous();
}

AttnTensor view(const at::Tensor &t)
{
    return {t.data_ptr(), t.stride(0), t.stride(1), t.stride(2)};
}

AttnTensorOut viewOut(at::Tensor &t)
{
    return {t.data_ptr(), t.stride(0), t.stride(1), t.stride(2)};
}

// Segment ids as contiguous int64 on q's device, or an undefined tensor for "no segments".
at::Tensor segmentIds(const at::Tensor &ids, const at::Tensor &q)
{
    if (!ids.defined() || ids.numel() == 0) return at::Tensor();
    return ids.to(q.device(), at::kLong).contiguous();
}

// Checks what the kernels rely on and returns their shape description.
AttentionShape shapeOf(const char *op, const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                       const at::Tensor &qSeg, const at::Tensor &kSeg, double scale, bool causal)
{
    TORCH_CHECK(q.is_cuda() && k.device() == q.device() && v.device() == q.device(), op,
                ": q, k and v must be on the same CUDA device");
    TORCH_CHECK(cudaKernelDtype(q.scalar_type()) && k.scalar_type() == q.scalar_type() &&
                    v.scalar_type() == q.scalar_type(),
                op, ": q, k and v must share one dtype among float32, float16 and bfloat16, got ",
                q.scalar_type(), ", ", k.scalar_type(), ", ", v.scalar_type());
    TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, op, ": q, k and v must be 4-d");
    AttentionShape g;
    g.B = q.size(0);
    g.H = q.size(1);
    g.T = q.size(2);
    g.Dqk = q.size(3);
    g.Hkv = k.size(1);
    g.S = k.size(2);
    g.Dv = v.size(3);
    TORCH_CHECK(
        k.size(0) == g.B && v.size(0) == g.B && k.size(3) == g.Dqk && v.size(1) == g.Hkv && v.size(2) == g.S,
        op, ": inconsistent shapes ", q.sizes(), ", ", k.sizes(), ", ", v.sizes());
    TORCH_CHECK(g.Hkv > 0 && g.H % g.Hkv == 0, op, ": query heads (", g.H,
                ") must be a multiple of key/value heads (", g.Hkv, ")");
    TORCH_CHECK(!causal || g.T <= g.S, op, ": causal attention needs at most as many queries as keys");
    g.scale = static_cast<float>(scale);
    g.causal = causal;
    TORCH_CHECK(qSeg.defined() == kSeg.defined(), op, ": give both segment tensors, or neither");
    if (qSeg.defined()) {
        TORCH_CHECK(qSeg.numel() == g.B * g.T && kSeg.numel() == g.B * g.S, op, ": segment ids must be (",
                    g.B, ", ", g.T, ") and (", g.B, ", ", g.S, ")");
        g.qSegments = qSeg.data_ptr<int64_t>();
        g.kSegments = kSeg.data_ptr<int64_t>();
    }
    return g;
}

}  // namespace

bool attentionTrainingSupports(int64_t Dqk, int64_t Dv)
{
    return Dqk > 0 && Dv > 0 && Dqk <= kAttentionMaxHeadDim && Dv <= kAttentionMaxHeadDim;
}

bool attentionDecodeSupports(int64_t Dqk, int64_t Dv)
{
    return Dqk > 0 && Dv > 0 && Dqk <= kAttentionDecodeMaxHeadDim && Dv <= kAttentionDecodeMaxHeadDim;
}

std::tuple<at::Tensor, at::Tensor> attentionForwardCuda(const at::Tensor &qIn, const at::Tensor &kIn,
                                                        const at::Tensor &vIn, const at::Tensor &qSegments,
                                                        const at::Tensor &kSegments, double scale,
                                                        bool causal)
{
    const c10::cuda::CUDAGuard guard(qIn.device());
    const at::Tensor q = unitLastDim(qIn), k = unitLastDim(kIn), v = unitLastDim(vIn);
    const at::Tensor qSeg = segmentIds(qSegments, q), kSeg = segmentIds(kSegments, q);
    const AttentionShape g = shapeOf("attention (CUDA)", q, k, v, qSeg, kSeg, scale, causal);
    TORCH_CHECK(attentionTrainingSupports(g.Dqk, g.Dv), "attention (CUDA): head dims up to ",
                kAttentionMaxHeadDim, ", got Dqk ", g.Dqk, " and Dv ", g.Dv);
    at::Tensor out = at::empty({g.B, g.H, g.T, g.Dv}, q.options());              // (B, H, T, Dv)
    at::Tensor lse = at::empty({g.B, g.H, g.T}, q.options().dtype(at::kFloat));  // (B, H, T)
    checkLaunch(
        static_cast<cudaError_t>(launchAttentionForward(
            dtypeOf(q), g, view(q), view(k), view(v), viewOut(out), lse.data_ptr<float>(), currentStream(q))),
        "attention forward");
    return {out, lse};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> attentionBackwardCuda(
    const at::Tensor &qIn, const at::Tensor &kIn, const at::Tensor &vIn, const at::Tensor &outIn,
    const at::Tensor &lseIn, const at::Tensor &dOutIn, const at::Tensor &qSegments,
    const at::Tensor &kSegments, double scale, bool causal)
{
    const c10::cuda::CUDAGuard guard(qIn.device());
    const at::Tensor q = unitLastDim(qIn), k = unitLastDim(kIn), v = unitLastDim(vIn),
                     out = unitLastDim(outIn);
    const at::Tensor dOut = unitLastDim(dOutIn.to(q.scalar_type()));
    const at::Tensor lse = lseIn.to(at::kFloat).contiguous();
    const at::Tensor qSeg = segmentIds(qSegments, q), kSeg = segmentIds(kSegments, q);
    const AttentionShape g = shapeOf("attention backward (CUDA)", q, k, v, qSeg, kSeg, scale, causal);
    TORCH_CHECK(attentionTrainingSupports(g.Dqk, g.Dv), "attention backward (CUDA): head dims up to ",
                kAttentionMaxHeadDim, ", got Dqk ", g.Dqk, " and Dv ", g.Dv);
    TORCH_CHECK(out.sizes() == dOut.sizes() && out.size(3) == g.Dv && lse.numel() == g.B * g.H * g.T,
                "attention backward (CUDA): out, dOut and lse do not match the inputs");
    const at::TensorOptions floats = q.options().dtype(at::kFloat);
    // dQ is accumulated in float32 with atomicAdd; a float32 dq is its own accumulator.
    at::Tensor dq = q.scalar_type() == at::kFloat ? at::zeros({g.B, g.H, g.T, g.Dqk}, floats)
                                                  : at::empty({g.B, g.H, g.T, g.Dqk}, q.options());
    at::Tensor dqAccum = q.scalar_type() == at::kFloat ? dq : at::zeros({g.B, g.H, g.T, g.Dqk}, floats);
    at::Tensor dk = at::empty({g.B, g.Hkv, g.S, g.Dqk}, q.options());
    at::Tensor dv = at::empty({g.B, g.Hkv, g.S, g.Dv}, q.options());
    at::Tensor delta = at::empty({g.B, g.H, g.T}, floats);
    checkLaunch(static_cast<cudaError_t>(launchAttentionBackward(
                    dtypeOf(q), g, view(q), view(k), view(v), view(out), view(dOut), lse.data_ptr<float>(),
                    delta.data_ptr<float>(), dqAccum.data_ptr<float>(), viewOut(dq), viewOut(dk), viewOut(dv),
                    currentStream(q))),
                "attention backward");
    return {dq, dk, dv};
}

at::Tensor attentionDecodeCuda(const at::Tensor &qIn, const at::Tensor &kIn, const at::Tensor &vIn,
                               const at::Tensor &qSegments, const at::Tensor &kSegments, double scale,
                               bool causal)
{
    const c10::cuda::CUDAGuard guard(qIn.device());
    const at::Tensor q = unitLastDim(qIn), k = unitLastDim(kIn), v = unitLastDim(vIn);
    const at::Tensor qSeg = segmentIds(qSegments, q), kSeg = segmentIds(kSegments, q);
    const AttentionShape g = shapeOf("attention decode (CUDA)", q, k, v, qSeg, kSeg, scale, causal);
    TORCH_CHECK(attentionDecodeSupports(g.Dqk, g.Dv), "attention decode (CUDA): head dims up to ",
                kAttentionDecodeMaxHeadDim, ", got Dqk ", g.Dqk, " and Dv ", g.Dv);
    at::Tensor out = at::empty({g.B, g.H, g.T, g.Dv}, q.options());  // (B, H, T, Dv)
    const int splits = attentionDecodeSplits(g);
    at::Tensor workspace =
        at::empty({attentionDecodeWorkspaceFloats(g, splits)}, q.options().dtype(at::kFloat));
    checkLaunch(static_cast<cudaError_t>(
                    launchAttentionDecode(dtypeOf(q), g, view(q), view(k), view(v), viewOut(out), nullptr,
                                          workspace.data_ptr<float>(), splits, currentStream(q))),
                "attention decode");
    return out;
}

}  // namespace danka::kernels::cuda
