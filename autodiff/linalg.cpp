#include "autodiff/linalg.hpp"

#include <cblas.h>

#include <algorithm>
#include <numeric>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmanipulation.hpp>

#include "autodiff/ops.hpp"

namespace tapegrad {

namespace {
std::string transposed(const Shape& shape, bool t) {
  return t ? shape_str(shape) + "^T" : shape_str(shape);
}

void check_matmul(const Shape& a, bool ta, const Shape& b, bool tb, const char* op) {
  if (a.size() != 2 || b.size() != 2)
    throw Error(std::string(op) + ": " + transposed(a, ta) + " x " + transposed(b, tb) +
                ": both operands must be 2-d");
  std::size_t inner_a = ta ? a[0] : a[1], inner_b = tb ? b[1] : b[0];
  if (inner_a != inner_b)
    throw Error(std::string(op) + ": " + transposed(a, ta) + " x " + transposed(b, tb) +
                ": inner dimensions " + std::to_string(inner_a) + " and " +
                std::to_string(inner_b) + " differ");
}
// Row-major c = alpha · op(a) · op(b) + beta · c on raw storage, by the BLAS of T.
template <class T>
void blas_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
               std::size_t lda, const T* b, std::size_t ldb, T beta, T* c) {
  const auto trans_a = ta ? CblasTrans : CblasNoTrans, trans_b = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, trans_a, trans_b, int(m), int(n), int(k), alpha, a, int(lda), b,
                int(ldb), beta, c, int(n));
  else
    cblas_dgemm(CblasRowMajor, trans_a, trans_b, int(m), int(n), int(k), alpha, a, int(lda), b,
                int(ldb), beta, c, int(n));
}
}  // namespace

template <class T>
void gemm(const Array<T>& a, bool ta, const Array<T>& b, bool tb, Array<T>& c, T alpha, T beta) {
  check_matmul(a.shape(), ta, b.shape(), tb, "gemm");
  const std::size_t m = ta ? a.shape()[1] : a.shape()[0], k = ta ? a.shape()[0] : a.shape()[1];
  const std::size_t n = tb ? b.shape()[0] : b.shape()[1];
  if (c.dimension() != 2 || c.shape()[0] != m || c.shape()[1] != n) {
    if (beta != T(0))
      throw Error("gemm: accumulating into " + shape_str(c.shape()) + ", expected (" +
                  std::to_string(m) + "," + std::to_string(n) + ")");
    c.resize({m, n});
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum; a new c holds whatever its memory held, so beta = 0 fills
    if (beta == T(0))
      c.fill(T(0));
    else
      c *= beta;
    return;
  }
  if constexpr (std::is_same_v<T, float>)
    if (!ta && alpha == 1.0f &&
        detail::gemm_few_rows(m, n, k, a.data(), b.data(), tb, c.data(), beta))
      return;
  blas_gemm(ta, tb, m, n, k, alpha, a.data(), a.shape()[1], b.data(), b.shape()[1], beta, c.data());
}

template <class T>
void gemm_leading_rows(const Array<T>& a, const Array<T>& b, std::size_t rows, Array<T>& c,
                       T beta) {
  const bool matrices = a.dimension() == 2 && b.dimension() == 2 && c.dimension() == 2;
  const std::size_t m = matrices ? a.shape()[1] : 0, n = matrices ? b.shape()[1] : 0;
  if (!matrices || rows > a.shape()[0] || rows > b.shape()[0] || c.shape()[0] != m ||
      c.shape()[1] != n)
    throw Error("gemm_leading_rows: " + std::to_string(rows) + " rows of " + shape_str(a.shape()) +
                "^T x " + shape_str(b.shape()) + " into " + shape_str(c.shape()));
  if (m == 0 || n == 0) return;
  if (rows == 0) {
    c *= beta;
    return;
  }
  if constexpr (std::is_same_v<T, float>)
    if (detail::gemm_transposed_rows(rows, m, n, a.data(), b.data(), c.data(), beta)) return;
  blas_gemm(true, false, m, n, rows, T(1), a.data(), m, b.data(), n, beta, c.data());
}

namespace {
// c = op(a) · op(b) + beta · c for tensors: from b's packed panels where b is a float weight
// (NOTE [packed weights]), else by gemm.
template <class T>
bool packed_product(const Array<T>& a, const Tensor<T>& b, bool tb, Array<T>& c, T beta) {
  if constexpr (std::is_same_v<T, float>) return detail::gemm_packed_weight(a, b, tb, c, beta);
  return false;
}
template <class T>
void product(const Array<T>& a, bool ta, const Tensor<T>& b, bool tb, Array<T>& c, T beta) {
  if (!ta && packed_product(a, b, tb, c, beta)) return;
  gemm(a, ta, b.value(), tb, c, T(1), beta);
}

// C = op(A)·op(B):  dA = g·op(B)^T (or its transpose),  dB = op(A)^T·g (or its transpose).
// First order goes through the sink (NOTE [accumulating products]); with create_graph the
// gradients are products on the tape.
template <class T, class Sink>
std::array<Tensor<T>, 2> matmul_backward(const Tensor<T>& g, const Tensor<T>& a, bool ta,
                                         const Tensor<T>& b, bool tb,
                                         const std::array<bool, 2>& needs, Sink& sink) {
  if (grad_enabled()) {
    Tensor<T> da, db;
    if (needs[0]) da = ta ? matmul(b, g, tb, true) : matmul(g, b, false, !tb);
    if (needs[1]) db = tb ? matmul(g, a, true, ta) : matmul(a, g, !ta, false);
    return {da, db};
  }
  Tensor<T> da;
  Array<T>
      packed;  // g·W_hh for h from the weight's other packed orientation (NOTE [packed weights])
  if (needs[0]) {
    if (ta)
      sink.add_product(0, b.value(), tb, g.value(), true);
    else if (packed_product(g.value(), b, !tb, packed, T(0)))
      da = Tensor<T>(std::move(packed));
    else
      sink.add_product(0, g.value(), false, b.value(), !tb);
  }
  if (needs[1]) {
    if (tb)
      sink.add_product(1, g.value(), true, a.value(), ta);
    else
      sink.add_product(1, a.value(), !ta, g.value(), false);
  }
  return {da, Tensor<T>()};
}

// addmm's inputs a and b are its inputs 1 and 2: matmul_backward's 0 and 1.
template <class Sink>
struct ProductSinkSlice {
  Sink& sink;
  template <class... Args>
  void add_product(std::size_t i, Args&&... args) {
    sink.add_product(i + 1, std::forward<Args>(args)...);
  }
};
}  // namespace

template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b, bool ta, bool tb,
                 std::source_location location) {
  check_matmul(a.shape(), ta, b.shape(), tb, "matmul");
  Array<T> result;
  product(a.value(), ta, b, tb, result, T(0));
  Tensor<T> out(std::move(result));
  Tensor<T> saved_a = b.requires_grad() ? a : Tensor<T>();
  Tensor<T> saved_b = a.requires_grad() ? b : Tensor<T>();
  return record(
      "matmul", {a, b}, out,
      [saved_a, saved_b, ta, tb](const Tensor<T>& g, const auto& needs, auto& sink) {
        return matmul_backward(g, saved_a, ta, saved_b, tb, needs, sink);
      },
      location);
}

template <class T>
Tensor<T> addmm(const Tensor<T>& c, const Tensor<T>& a, const Tensor<T>& b, bool ta, bool tb,
                std::source_location location) {
  check_matmul(a.shape(), ta, b.shape(), tb, "addmm");
  const Shape shape{ta ? a.shape()[1] : a.shape()[0], tb ? b.shape()[0] : b.shape()[1]};
  if (broadcast_shape("addmm", c.shape(), shape) != shape)
    throw Error("addmm: " + shape_str(c.shape()) + " does not broadcast to the product's shape " +
                shape_str(shape));
  Array<T> sum;
  if (c.shape() == shape) {
    sum = c.value();
  } else if (c.dim() == 1) {  // a bias row: copied into every row
    sum = Array<T>::from_shape(shape);
    for (std::size_t row = 0; row < shape[0]; ++row)
      std::copy(c.value().begin(), c.value().end(), sum.data() + row * shape[1]);
  } else {
    sum = xt::broadcast(c.value(), shape);
  }
  product(a.value(), ta, b, tb, sum, T(1));
  Tensor<T> out(std::move(sum));
  Tensor<T> saved_a = b.requires_grad() ? a : Tensor<T>();
  Tensor<T> saved_b = a.requires_grad() ? b : Tensor<T>();
  return record(
      "addmm", {c, a, b}, out,
      [saved_a, saved_b, ta, tb](const Tensor<T>& g, const auto& needs, auto& sink) {
        // d/dc is g, summed back to c's shape when accumulated.
        const std::array<bool, 2> product_needs{needs[1], needs[2]};
        ProductSinkSlice<std::decay_t<decltype(sink)>> inputs_ab{sink};
        auto [da, db] = matmul_backward(g, saved_a, ta, saved_b, tb, product_needs, inputs_ab);
        return std::array{needs[0] ? g : Tensor<T>(), da, db};
      },
      location);
}

template <class T>
Tensor<T> transpose(const Tensor<T>& x, const std::vector<std::size_t>& axes,
                    std::source_location location) {
  std::vector<std::size_t> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  bool is_permutation = sorted.size() == x.dim();
  for (std::size_t i = 0; is_permutation && i < sorted.size(); ++i) is_permutation = sorted[i] == i;
  if (!is_permutation)
    throw Error("transpose: axes " + shape_str(axes) + " are not a permutation of the axes of " +
                shape_str(x.shape()));
  Tensor<T> out(Array<T>(xt::transpose(x.value(), axes)));
  std::vector<std::size_t> inverse(axes.size());
  for (std::size_t i = 0; i < axes.size(); ++i) inverse[axes[i]] = i;
  return record(
      "transpose", {x}, out, [inverse](const Tensor<T>& g) { return transpose(g, inverse); },
      location);
}

template <class T>
Tensor<T> transpose(const Tensor<T>& x, std::source_location location) {
  std::vector<std::size_t> axes(x.dim());
  std::iota(axes.rbegin(), axes.rend(), std::size_t{0});
  return transpose(x, axes, location);
}

template <class T, std::same_as<Shape> S>
Tensor<T> reshape(const Tensor<T>& x, const S& shape, std::source_location location) {
  const std::size_t count =
      std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
  if (count != x.size())
    throw Error("reshape: cannot reshape " + shape_str(x.shape()) + " (" +
                std::to_string(x.size()) + " elements) to " + shape_str(shape));
  Array<T> reshaped = x.value();
  reshaped.reshape(shape);
  Tensor<T> out(std::move(reshaped));
  const Shape from = x.shape();
  return record(
      "reshape", {x}, out, [from](const Tensor<T>& g) { return reshape(g, from); }, location);
}

template <class T>
Tensor<T> reshape(const Tensor<T>& x, const std::vector<long>& shape,
                  std::source_location location) {
  Shape resolved(shape.size());
  std::size_t known = 1;
  int inferred = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && inferred < 0) {
      inferred = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw Error("reshape: bad target shape " + shape_str(shape) + " for " + shape_str(x.shape()));
    } else {
      resolved[i] = static_cast<std::size_t>(shape[i]);
      known *= resolved[i];
    }
  }
  if (inferred >= 0) {
    if (known == 0 || x.size() % known != 0)
      throw Error("reshape: cannot reshape " + shape_str(x.shape()) + " to " + shape_str(shape));
    resolved[inferred] = x.size() / known;
  }
  return reshape(x, resolved, location);
}

#define TAPEGRAD_INSTANTIATE(T)                                                                    \
  template void gemm(const Array<T>&, bool, const Array<T>&, bool, Array<T>&, T, T);               \
  template void gemm_leading_rows(const Array<T>&, const Array<T>&, std::size_t, Array<T>&, T);    \
  template Tensor<T> matmul(const Tensor<T>&, const Tensor<T>&, bool, bool, std::source_location); \
  template Tensor<T> addmm(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, bool, bool,       \
                           std::source_location);                                                  \
  template Tensor<T> transpose(const Tensor<T>&, std::source_location);                            \
  template Tensor<T> transpose(const Tensor<T>&, const std::vector<std::size_t>&,                  \
                               std::source_location);                                              \
  template Tensor<T> reshape<T, Shape>(const Tensor<T>&, const Shape&, std::source_location);      \
  template Tensor<T> reshape(const Tensor<T>&, const std::vector<long>&, std::source_location);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
