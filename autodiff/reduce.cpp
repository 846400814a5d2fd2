#include "autodiff/reduce.hpp"

#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xreducer.hpp>

#include <numeric>

#include "autodiff/ops.hpp"

namespace tapegrad {

std::size_t normalize_axis(const char* op, int axis, std::size_t dim, const Shape& shape) {
  const int d = static_cast<int>(dim);
  if (axis < -d || axis >= d)
    throw Error(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for shape " +
                shape_str(shape));
  return static_cast<std::size_t>(axis < 0 ? axis + d : axis);
}

template <class T>
Tensor<T> sum(const Tensor<T>& x, std::source_location location) {
  T total = std::accumulate(x.value().begin(), x.value().end(), T(0));
  Tensor<T> out{Array<T>(total)};
  const Shape shape = x.shape();
  return record("sum", {x}, out, [shape](const Tensor<T>& g) { return broadcast_to(g, shape); }, location);
}

template <class T>
Tensor<T> mean(const Tensor<T>& x, std::source_location location) {
  if (x.size() == 0) throw Error("mean: empty tensor of shape " + shape_str(x.shape()));
  return mul_scalar(sum(x, location), T(1) / static_cast<T>(x.size()), location);
}

template <class T>
Tensor<T> sum(const Tensor<T>& x, int axis, bool keepdims, std::source_location location) {
  const std::size_t a = normalize_axis("sum", axis, x.dim(), x.shape());
  Array<T> reduced = xt::sum(x.value(), {a});
  Shape kept = x.shape();
  kept[a] = 1;
  if (keepdims) reduced.reshape(kept);
  Tensor<T> out(std::move(reduced));
  const Shape shape = x.shape();
  return record("sum_axis", {x}, out, [shape, kept](const Tensor<T>& g) {
    return broadcast_to(reshape(g, kept), shape);
  }, location);
}

template <class T>
Tensor<T> mean(const Tensor<T>& x, int axis, bool keepdims, std::source_location location) {
  const std::size_t a = normalize_axis("mean", axis, x.dim(), x.shape());
  if (x.shape()[a] == 0) throw Error("mean: empty axis in shape " + shape_str(x.shape()));
  return mul_scalar(sum(x, axis, keepdims, location), T(1) / static_cast<T>(x.shape()[a]), location);
}

template <class T>
Tensor<T> broadcast_to(const Tensor<T>& x, const Shape& shape, std::source_location location) {
  if (broadcast_shape("broadcast_to", x.shape(), shape) != shape)
    throw Error("broadcast_to: shape " + shape_str(x.shape()) + " does not broadcast to " +
                shape_str(shape));
  Tensor<T> out(Array<T>(xt::broadcast(x.value(), shape)));
  const Shape from = x.shape();
  return record("broadcast_to", {x}, out, [from](const Tensor<T>& g) { return sum_to(g, from); }, location);
}

template <class T>
Tensor<T> sum_to(const Tensor<T>& x, const Shape& shape, std::source_location location) {
  const Shape& from = x.shape();
  if (from == shape) return x;
  if (shape.size() > from.size() || broadcast_shape("sum_to", shape, from) != from)
    throw Error("sum_to: shape " + shape_str(from) + " does not reduce to " + shape_str(shape));
  // Sum the leading dimensions broadcasting added, and those that were stretched from 1.
  const std::size_t lead = from.size() - shape.size();
  Shape axes;  // inline storage: no heap allocation for up to 4 axes
  for (std::size_t i = 0; i < from.size(); ++i)
    if (i < lead || (shape[i - lead] == 1 && from[i] != 1)) axes.push_back(i);
  Array<T> reduced;
  if (axes.size() == lead) {
    // Only leading axes are summed (a bias's gradient, (N, F) -> (F)): rows of the row-major
    // value added in order, a loop the compiler vectorises. xtensor's reducer walks such an
    // axis one element at a time, and was a fifth of an LSTM training step (issue #5).
    reduced = Array<T>::from_shape(shape);
    reduced.fill(T(0));
    const std::size_t columns = reduced.size(), rows = columns ? x.size() / columns : 0;
    const T* source = x.value().data();
    T* total = reduced.data();
    for (std::size_t row = 0; row < rows; ++row, source += columns)
      for (std::size_t column = 0; column < columns; ++column) total[column] += source[column];
  } else {
    reduced = xt::sum(x.value(), axes);
    reduced.reshape(shape);
  }
  Tensor<T> out(std::move(reduced));
  return record("sum_to", {x}, out, [from](const Tensor<T>& g) { return broadcast_to(g, from); }, location);
}

#define TAPEGRAD_INSTANTIATE(T)                                                          \
  template Tensor<T> sum(const Tensor<T>&, std::source_location);                        \
  template Tensor<T> mean(const Tensor<T>&, std::source_location);                       \
  template Tensor<T> sum(const Tensor<T>&, int, bool, std::source_location);             \
  template Tensor<T> mean(const Tensor<T>&, int, bool, std::source_location);            \
  template Tensor<T> broadcast_to(const Tensor<T>&, const Shape&, std::source_location); \
  template Tensor<T> sum_to(const Tensor<T>&, const Shape&, std::source_location);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
