// Side-stream copies (see copy_stream.h): c10 CUDA streams and ATen CUDA events when the build has CUDA.
#include "kernels/copy_stream.h"

#include <torch/cuda.h>

#include <optional>
#include <vector>

#ifdef DANKA_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace danka::kernels {

at::Tensor pinnedHostEmpty(at::IntArrayRef sizes, at::ScalarType dtype)
{
    at::TensorOptions options = at::TensorOptions().dtype(dtype).device(at::kCPU);
    if (torch::cuda::is_available()) options = options.pinned_memory(true);
    return at::empty(sizes, options);
}

struct CopyStream::Impl {
    at::Device device{at::kCPU};
#ifdef DANKA_WITH_CUDA
    std::optional<c10::cuda::CUDAStream> copies;
    std::vector<std::unique_ptr<at::cuda::CUDAEvent>> marks;

    int mark(const c10::cuda::CUDAStream &stream)
    {
        marks.push_back(std::make_unique<at::cuda::CUDAEvent>(cudaEventDisableTiming));
        marks.back()->record(stream);
        return static_cast<int>(marks.size()) - 1;
    }
#endif
};

CopyStream::CopyStream(const at::Device &device) : d(std::make_unique<Impl>())
{
    d->device = device;
#ifdef DANKA_WITH_CUDA
    if (device.is_cuda()) d->copies = c10::cuda::getStreamFromPool(false, device.index());
#endif
}

CopyStream::~CopyStream()
{
    // Copies still in flight write into buffers their owner may free next: finish them first.
    synchronize();
}

bool CopyStream::asynchronous() const
{
#ifdef DANKA_WITH_CUDA
    return d->copies.has_value();
#else
    return false;
#endif
}

void CopyStream::copy(at::Tensor &dst, const at::Tensor &src)
{
#ifdef DANKA_WITH_CUDA
    if (d->copies) {
        c10::cuda::CUDAStreamGuard guard(*d->copies);
        dst.copy_(src, /*non_blocking=*/true);
        return;
    }
#endif
    dst.copy_(src);
}

int CopyStream::markCopies()
{
#ifdef DANKA_WITH_CUDA
    if (d->copies) return d->mark(*d->copies);
#endif
    return -1;
}

int CopyStream::markCompute()
{
#ifdef DANKA_WITH_CUDA
    if (d->copies) return d->mark(c10::cuda::getCurrentCUDAStream(d->device.index()));
#endif
    return -1;
}

void CopyStream::computeWaitsFor(int copyMark)
{
#ifdef DANKA_WITH_CUDA
    if (d->copies && copyMark >= 0) d->marks.at(copyMark)->block(c10::cuda::getCurrentCUDAStream(d->device.index()));
#else
    (void)copyMark;
#endif
}

void CopyStream::copiesWaitFor(int computeMark)
{
#ifdef DANKA_WITH_CUDA
    if (d->copies && computeMark >= 0) d->marks.at(computeMark)->block(*d->copies);
#else
    (void)computeMark;
#endif
}

void CopyStream::synchronize()
{
#ifdef DANKA_WITH_CUDA
    if (d->copies) {
        d->copies->synchronize();
        d->marks.clear();
    }
#endif
}

}  // namespace danka::kernels
