// Matrix product through BLAS, transpose and reshape.
#pragma once

#include <concepts>
#include <vector>

#include "autodiff/tape.hpp"

namespace tapegrad {

// op(a) · op(b) for 2-d a and b, where op transposes when asked. Transposes are BLAS flags,
// never copies, which is also how the backward pass uses it. When b is a float leaf (a weight)
// and a has few rows, the product runs on b packed once per training step instead (NOTE [packed
// weights], autodiff/gemm_rows.cpp).
template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b, bool transpose_a = false,
                 bool transpose_b = false,
    std::source_location location = std::source_location::current());

// c + op(a) · op(b), with c broadcast to the product's shape (a bias row, or a full matrix):
// one GEMM with beta = 1 on a copy of c, instead of a product and an addition. A recurrent step's
// gate pre-activations, projected + h W_hh^T, are addmm(projected, h, weight_hh, false, true).
template <class T>
Tensor<T> addmm(const Tensor<T>& c, const Tensor<T>& a, const Tensor<T>& b, bool transpose_a = false,
                bool transpose_b = false,
                std::source_location location = std::source_location::current());

// Reverses the axes (for 2-d: the matrix transpose), or permutes them by `axes`.
template <class T> Tensor<T> transpose(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> transpose(const Tensor<T>& x, const std::vector<std::size_t>& axes,
    std::source_location location = std::source_location::current());

// Same elements in row-major order, new shape; one extent may be -1 (inferred).
template <class T> Tensor<T> reshape(const Tensor<T>& x, const std::vector<long>& shape,
    std::source_location location = std::source_location::current());
// The same with a Shape value (a template, so that a braced list picks the overload above).
template <class T, std::same_as<Shape> S> Tensor<T> reshape(const Tensor<T>& x, const S& shape,
    std::source_location location = std::source_location::current());

// c = alpha · op(a) · op(b) + beta · c on raw arrays (row-major, contiguous): the BLAS call
// behind matmul, for fused kernels and hand-derived backward passes.
template <class T>
void gemm(const Array<T>& a, bool transpose_a, const Array<T>& b, bool transpose_b, Array<T>& c,
          T alpha = T(1), T beta = T(0));
namespace detail {
// c = a · op(b) + beta · c in float with AVX-512 for a of kMinRows to kMaxRows rows and b of
// at most kMaxWeightBytes, beta 0 or 1
// (NOTE [few-row GEMM], autodiff/gemm_rows.cpp); false where it does not apply or was not
// built, and then nothing was written. All row-major and contiguous: a (m, k), b (k, n) or
// with transpose_b (n, k), c (m, n).
inline constexpr std::size_t kMinRows = 8, kMaxRows = 64, kMaxWeightBytes = std::size_t{1} << 20;
bool gemm_few_rows(std::size_t m, std::size_t n, std::size_t k, const float* a, const float* b,
                   bool transpose_b, float* c, float beta);
// c = a · op(b) + beta · c, as above but with b a float leaf whose panels are packed once per
// version and tape epoch (NOTE [packed weights], autodiff/gemm_rows.cpp); c is resized when beta
// is 0. False where it does not apply, and then nothing was written.
inline constexpr std::size_t kMinPackedRows = 1, kPackedWeights = 16,
                             kMaxPackedBytes = std::size_t{16} << 20;
bool gemm_packed_weight(const Array<float>& a, const Tensor<float>& b, bool transpose_b,
                        Array<float>& c, float beta);
// c (m, n) = a[:rows]ᵀ · b[:rows] + beta · c in float with AVX-512, for a (·, m) and b (·, n),
// beta 0 or 1 (NOTE [few-row GEMM]): a weight gradient over stacked steps. False where it does
// not apply or was not built.
bool gemm_transposed_rows(std::size_t rows, std::size_t m, std::size_t n, const float* a,
                          const float* b, float* c, float beta);
// How many times this thread has packed a weight, and the bytes its packed copies hold now. A
// copy whose tensor is gone is let go at the thread's next packed product.
std::uint64_t packed_weight_packs();
std::size_t packed_weight_bytes();
}  // namespace detail

// c = a[:rows]^T · b[:rows] + beta · c over the first `rows` rows of a (R, M) and b (R, N), with c
// already (M, N): products packed by rows (NOTE [packing weight gradients]). Float goes to
// detail::gemm_transposed_rows where it applies, else BLAS.
template <class T>
void gemm_leading_rows(const Array<T>& a, const Array<T>& b, std::size_t rows, Array<T>& c, T beta);

}  // namespace tapegrad
