// Side-stream copies (see copy_stream.h): c10 CUDA streams and ATen CUDA events when the build has CUDA.
#include "kernels/copy_stream.h"

#include <c10/util/accumulate.h>
#include <torch/cuda.h>

#include <atomic>
#include <optional>
#include <vector>

#ifdef DANKA_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace danka::kernels {

namespace {
std::atomic<int64_t> g_pinnedBytes{0};
constexpr int64_t kPageBytes = 4096;
}  // namespace

int64_t pinnedBlockBytes(int64_t bytes)
{
    return (bytes + kPageBytes - 1) / kPageBytes * kPageBytes;
}

int64_t pinnedHostBytes()
{
    return g_pinnedBytes.load();
}

at::Tensor pinnedHostEmpty(at::IntArrayRef sizes, at::ScalarType dtype)
{
    const at::TensorOptions options = at::TensorOptions().dtype(dtype).device(at::kCPU);
#ifdef DANKA_WITH_CUDA
    const int64_t bytes = c10::multiply_integers(sizes) * static_cast<int64_t>(c10::elementSize(dtype));
    if (bytes > 0 && torch::cuda::is_available()) {
        void *data = nullptr;
        const cudaError_t status = cudaHostAlloc(&data, static_cast<size_t>(bytes), cudaHostAllocDefault);
        if (status != cudaSuccess) {
            cudaGetLastError();  // clear the error state before throwing
            TORCH_CHECK_WITH(OutOfMemoryError, false, "cannot lock ", bytes,
                             " bytes of host memory for the GPU (cudaHostAlloc: ", cudaGetErrorString(status), ")");
        }
        const int64_t locked = pinnedBlockBytes(bytes);
        g_pinnedBytes += locked;
        return at::from_blob(
            data, sizes,
            [locked](void *p) {
                cudaFreeHost(p);
                g_pinnedBytes -= locked;
            },
            options);
    }
#endif
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

void CopyStream::recordUse(const at::Tensor &t)
{
#ifdef DANKA_WITH_CUDA
    if (d->copies && t.defined() && t.is_cuda())
        c10::cuda::CUDACachingAllocator::recordStream(t.storage().data_ptr(), *d->copies);
#else
    (void)t;
#endif
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
