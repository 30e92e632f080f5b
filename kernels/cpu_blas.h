// Row-major matrix products on raw pointers for the CPU kernels' tiles. Uses the Fortran BLAS that
// LibTorch's CPU library carries (MKL's sgemm_/dgemm_ in the PyPI wheel) when the process has one, found at
// run time so no build depends on it; otherwise at::addmm on views of the same memory.
#pragma once

#include <cstdint>

namespace danka::kernels::cpu {

// C (m x n, row stride ldc) = alpha op(A) op(B) + beta C, with op(A) m x k and op(B) k x n; A is stored
// row-major as m x k (or k x m when transA), B as k x n (or n x k when transB).
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
          const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, double alpha, const double *a, int64_t lda,
          const double *b, int64_t ldb, double beta, double *c, int64_t ldc);

// True when the fast path (a Fortran BLAS in the process) is in use; for diagnostics and benchmarks.
bool hasNativeBlas();

}  // namespace danka::kernels::cpu
