// Host <-> device copies on a side stream, ordered against the compute stream by events: what optimizer-state
// offloading needs to overlap PCIe transfers with the update of the previous chunk. On the CPU (or in a build
// without CUDA) copies are synchronous and the waits do nothing, so the same calling code runs everywhere.
#pragma once

#include <ATen/ATen.h>

#include <memory>

namespace danka::kernels {

// A tensor in page-locked host memory when a CUDA device is usable (asynchronous copies need it), else an
// ordinary CPU tensor.
at::Tensor pinnedHostEmpty(at::IntArrayRef sizes, at::ScalarType dtype);

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
