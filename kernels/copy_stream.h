// Host <-> device copies on a side stream, ordered against the compute stream by events: what optimizer-state
// offloading needs to overlap PCIe transfers with the update of the previous chunk. On the CPU (or in a build
// without CUDA) copies are synchronous and the waits do nothing, so the same calling code runs everywhere.
#pragma once

#include <ATen/ATen.h>

#include <memory>

namespace danka::kernels {

// A tensor in page-locked host memory when a CUDA device is usable (asynchronous copies need it), else an
// ordinary CPU tensor. The pinned block is exactly the tensor's bytes (cudaHostAlloc; the driver locks whole
// pages), not one from LibTorch's caching host allocator, which rounds every block up to a power of two (a
// 4.8 GiB buffer would lock 8 GiB) and keeps freed blocks locked. Freed (cudaFreeHost) with the last tensor
// that uses it. Throws c10::OutOfMemoryError when the memory cannot be locked.
at::Tensor pinnedHostEmpty(at::IntArrayRef sizes, at::ScalarType dtype);
// Page-locked bytes that pinnedHostEmpty's tensors hold now, each block counted in whole 4 KiB pages; 0
// without CUDA (nothing is pinned then).
int64_t pinnedHostBytes();
// What pinnedHostEmpty locks for a block of `bytes`: whole 4 KiB pages.
int64_t pinnedBlockBytes(int64_t bytes);

class CopyStream {
public:
    // Copies between the host and `device`; on a CPU device everything is synchronous.
    explicit CopyStream(const at::Device &device);
    ~CopyStream();
    CopyStream(const CopyStream &) = delete;
    CopyStream &operator=(const CopyStream &) = delete;

    bool asynchronous() const;
    // dst.copy_(src) enqueued on the copy stream (non-blocking; pinned host memory makes it truly async).
    void copy(at::Tensor &dst, const at::Tensor &src);
    // `t` (device memory from LibTorch's caching allocator) is used on the copy stream: the allocator will not
    // hand its memory out again before the copy stream's work issued so far is done (recordStream).
    void recordUse(const at::Tensor &t);
    // A mark after the copies issued so far / after the work issued so far on the current (compute) stream.
    int markCopies();
    int markCompute();
    // The compute stream waits for a copy mark; the copy stream waits for a compute mark. Neither blocks the
    // host.
    void computeWaitsFor(int copyMark);
    void copiesWaitFor(int computeMark);
    // Blocks the host until every copy issued so far has finished (host memory written by copies is then
    // safe to read).
    void synchronize();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace danka::kernels
