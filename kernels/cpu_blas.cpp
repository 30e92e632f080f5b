// Tile products (see cpu_blas.h).
#include "kernels/cpu_blas.h"

#include <ATen/ATen.h>
#include <dlfcn.h>

namespace danka::kernels::cpu {

namespace {

// The LP64 Fortran BLAS interface (column-major, arguments by pointer).
template <typename T>
using FortranGemm = void (*)(const char *, const char *, const int *, const int *, const int *, const T *, const T *,
                             const int *, const T *, const int *, const T *, T *, const int *);

template <typename T>
FortranGemm<T> lookup(const char *name)
{
    return reinterpret_cast<FortranGemm<T>>(dlsym(RTLD_DEFAULT, name));
}

const FortranGemm<float> kSgemm = lookup<float>("sgemm_");
const FortranGemm<double> kDgemm = lookup<double>("dgemm_");

// at::addmm on views of the caller's memory: the portable path.
template <typename T>
void gemmViaAten(bool transA, bool transB, int64_t m, int64_t n, int64_t k, T alpha, const T *a, int64_t lda,
                 const T *b, int64_t ldb, T beta, T *c, int64_t ldc)
{
    const auto options = at::TensorOptions().dtype(c10::CppTypeToScalarType<T>::value);
    at::Tensor A = at::from_blob(const_cast<T *>(a), transA ? at::IntArrayRef{k, m} : at::IntArrayRef{m, k}, {lda, 1}, options);
    at::Tensor B = at::from_blob(const_cast<T *>(b), transB ? at::IntArrayRef{n, k} : at::IntArrayRef{k, n}, {ldb, 1}, options);
    at::Tensor C = at::from_blob(c, {m, n}, {ldc, 1}, options);
    if (beta == T(0)) C.zero_();  // BLAS semantics: C is not read when beta is 0 (it may hold garbage)
    C.addmm_(transA ? A.t() : A, transB ? B.t() : B, beta == T(0) ? T(1) : beta, alpha);
}

template <typename T>
void gemmImpl(FortranGemm<T> native, bool transA, bool transB, int64_t m, int64_t n, int64_t k, T alpha, const T *a,
              int64_t lda, const T *b, int64_t ldb, T beta, T *c, int64_t ldc)
{
    if (m == 0 || n == 0) return;
    if (!native) return gemmViaAten(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: pass B first.
    const char ta = transB ? 'T' : 'N', tb = transA ? 'T' : 'N';
    const int M = static_cast<int>(n), N = static_cast<int>(m), K = static_cast<int>(k);
    const int LDA = static_cast<int>(ldb), LDB = static_cast<int>(lda), LDC = static_cast<int>(ldc);
    native(&ta, &tb, &M, &N, &K, &alpha, b, &LDA, a, &LDB, &beta, c, &LDC);
}

}  // namespace

void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
          const float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
    gemmImpl(kSgemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, double alpha, const double *a, int64_t lda,
          const double *b, int64_t ldb, double beta, double *c, int64_t ldc)
{
    gemmImpl(kDgemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

bool hasNativeBlas()
{
    return kSgemm && kDgemm;
}

}  // namespace danka::kernels::cpu
