#include "autodiff/shape.hpp"

#include <algorithm>
#include <cstring>
#include <xtensor/xstrided_view.hpp>

#include "autodiff/ops.hpp"

namespace tapegrad {

namespace {
xt::xstrided_slice_vector all_but(std::size_t dim, std::size_t axis, xt::xstrided_slice<std::ptrdiff_t> at) {
  xt::xstrided_slice_vector slices(dim, xt::all());
  slices[axis] = at;
  return slices;
}
xt::xstrided_slice<std::ptrdiff_t> range(std::size_t start, std::size_t length) {
  return xt::range(static_cast<std::ptrdiff_t>(start), static_cast<std::ptrdiff_t>(start + length));
}
std::size_t row_size(const Shape& shape) {
  std::size_t n = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}
}  // namespace

template <class T>
Tensor<T> narrow(const Tensor<T>& x, int axis, std::size_t start, std::size_t length) {
  const std::size_t a = normalize_axis("narrow", axis, x.dim(), x.shape());
  const std::size_t extent = x.shape()[a];
  if (start > extent || length > extent - start)
    throw Error("narrow: [" + std::to_string(start) + ", " + std::to_string(start + length) +
                ") is out of range for axis " + std::to_string(a) + " of shape " + shape_str(x.shape()));
  Tensor<T> out(Array<T>(xt::strided_view(x.value(), all_but(x.dim(), a, range(start, length)))));
  return record("narrow", {x}, out, [a, start, length, extent](const Tensor<T>& g) {
    return pad_axis(g, static_cast<int>(a), start, extent - start - length);
  });
}

template <class T>
Tensor<T> pad_axis(const Tensor<T>& x, int axis, std::size_t before, std::size_t after) {
  const std::size_t a = normalize_axis("pad_axis", axis, x.dim(), x.shape());
  Shape shape = x.shape();
  const std::size_t length = shape[a];
  shape[a] += before + after;
  Array<T> padded = xt::zeros<T>(shape);
  xt::strided_view(padded, all_but(x.dim(), a, range(before, length))) = x.value();
  Tensor<T> out(std::move(padded));
  return record("pad_axis", {x}, out, [a, before, length](const Tensor<T>& g) {
    return narrow(g, static_cast<int>(a), before, length);
  });
}

template <class T>
Tensor<T> select(const Tensor<T>& x, int axis, std::size_t index) {
  const std::size_t a = normalize_axis("select", axis, x.dim(), x.shape());
  const std::size_t extent = x.shape()[a];
  if (index >= extent)
    throw Error("select: index " + std::to_string(index) + " is out of range for axis " +
                std::to_string(a) + " of shape " + shape_str(x.shape()));
  xt::xstrided_slice_vector slices(x.dim(), xt::all());
  slices[a] = static_cast<std::ptrdiff_t>(index);
  Tensor<T> out(Array<T>(xt::strided_view(x.value(), slices)));
  Shape kept = x.shape();
  kept[a] = 1;
  return record("select", {x}, out, [a, index, extent, kept](const Tensor<T>& g) {
    return pad_axis(reshape(g, kept), static_cast<int>(a), index, extent - index - 1);
  });
}

template <class T>
Tensor<T> concat(const std::vector<Tensor<T>>& parts, int axis) {
  if (parts.empty()) throw Error("concat: no tensors to join");
  const Shape& first = parts[0].shape();
  const std::size_t a = normalize_axis("concat", axis, first.size(), first);
  Shape shape = first;
  shape[a] = 0;
  std::vector<std::size_t> starts;
  for (const auto& part : parts) {
    Shape expected = first;
    expected[a] = part.dim() == first.size() ? part.shape()[a] : 0;
    if (part.shape() != expected)
      throw Error("concat: shapes " + shape_str(first) + " and " + shape_str(part.shape()) +
                  " differ outside axis " + std::to_string(a));
    starts.push_back(shape[a]);
    shape[a] += part.shape()[a];
  }
  Array<T> joined = xt::empty<T>(shape);
  for (std::size_t i = 0; i < parts.size(); ++i)
    xt::strided_view(joined, all_but(shape.size(), a, range(starts[i], parts[i].shape()[a]))) = parts[i].value();
  std::vector<Tensor<T>> outs{Tensor<T>(std::move(joined))};
  std::vector<std::size_t> lengths;
  for (const auto& part : parts) lengths.push_back(part.shape()[a]);
  record_many<T>("concat", parts, outs, [a, starts, lengths](std::span<const Tensor<T>> g) {
    std::vector<Tensor<T>> grads;
    for (std::size_t i = 0; i < starts.size(); ++i)
      grads.push_back(narrow(g[0], static_cast<int>(a), starts[i], lengths[i]));
    return grads;
  });
  return outs[0];
}

template <class T>
std::vector<Tensor<T>> split(const Tensor<T>& x, std::size_t chunks, int axis) {
  const std::size_t a = normalize_axis("split", axis, x.dim(), x.shape());
  if (chunks == 0 || x.shape()[a] % chunks != 0)
    throw Error("split: axis " + std::to_string(a) + " of shape " + shape_str(x.shape()) +
                " does not split into " + std::to_string(chunks) + " equal chunks");
  const std::size_t length = x.shape()[a] / chunks;
  std::vector<Tensor<T>> outs;
  for (std::size_t k = 0; k < chunks; ++k)
    outs.emplace_back(Array<T>(xt::strided_view(x.value(), all_but(x.dim(), a, range(k * length, length)))));
  const Shape part_shape = outs[0].shape();
  record_many<T>("split", std::span<const Tensor<T>>(&x, 1), outs, [a, part_shape](std::span<const Tensor<T>> g) {
    std::vector<Tensor<T>> parts;
    for (const auto& gk : g) parts.push_back(gk ? gk : Tensor<T>(Array<T>(xt::zeros<T>(part_shape))));
    return std::vector<Tensor<T>>{concat(parts, static_cast<int>(a))};
  });
  return outs;
}

template <class T>
Tensor<T> stack(const std::vector<Tensor<T>>& parts, int axis) {
  if (parts.empty()) throw Error("stack: no tensors to stack");
  const Shape& first = parts[0].shape();
  for (const auto& part : parts)
    if (part.shape() != first)
      throw Error("stack: shapes " + shape_str(first) + " and " + shape_str(part.shape()) + " differ");
  const std::size_t a = normalize_axis("stack", axis, first.size() + 1, first);
  Shape shape = first;
  shape.insert(shape.begin() + a, parts.size());
  Array<T> stacked = xt::empty<T>(shape);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    xt::xstrided_slice_vector slices(shape.size(), xt::all());
    slices[a] = static_cast<std::ptrdiff_t>(i);
    xt::strided_view(stacked, slices) = parts[i].value();
  }
  std::vector<Tensor<T>> outs{Tensor<T>(std::move(stacked))};
  const std::size_t count = parts.size();
  record_many<T>("stack", parts, outs, [a, count](std::span<const Tensor<T>> g) {
    std::vector<Tensor<T>> grads;
    for (std::size_t i = 0; i < count; ++i) grads.push_back(select(g[0], static_cast<int>(a), i));
    return grads;
  });
  return outs[0];
}

template <class T>
Tensor<T> gather_rows(const Tensor<T>& table, const std::vector<std::size_t>& indices) {
  if (table.dim() < 1) throw Error("gather_rows: table must have at least one axis, got shape ()");
  const std::size_t rows = table.shape()[0], width = row_size(table.shape());
  for (std::size_t index : indices)
    if (index >= rows)
      throw Error("gather_rows: index " + std::to_string(index) + " is out of range for " +
                  std::to_string(rows) + " rows of shape " + shape_str(table.shape()));
  Shape shape = table.shape();
  shape[0] = indices.size();
  Array<T> gathered = xt::empty<T>(shape);
  for (std::size_t i = 0; i < indices.size(); ++i)
    std::copy_n(table.value().data() + indices[i] * width, width, gathered.data() + i * width);
  Tensor<T> out(std::move(gathered));
  return record("gather_rows", {table}, out, [indices, rows](const Tensor<T>& g) {
    return scatter_add_rows(g, indices, rows);
  });
}

template <class T>
Tensor<T> scatter_add_rows(const Tensor<T>& source, const std::vector<std::size_t>& indices, std::size_t rows) {
  if (source.dim() < 1 || source.shape()[0] != indices.size())
    throw Error("scatter_add_rows: source of shape " + shape_str(source.shape()) + " for " +
                std::to_string(indices.size()) + " indices");
  const std::size_t width = row_size(source.shape());
  Shape shape = source.shape();
  shape[0] = rows;
  Array<T> scattered = xt::zeros<T>(shape);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] >= rows)
      throw Error("scatter_add_rows: index " + std::to_string(indices[i]) + " is out of range for " +
                  std::to_string(rows) + " rows");
    T* row = scattered.data() + indices[i] * width;
    const T* src = source.value().data() + i * width;
    for (std::size_t j = 0; j < width; ++j) row[j] += src[j];
  }
  Tensor<T> out(std::move(scattered));
  return record("scatter_add_rows", {source}, out, [indices](const Tensor<T>& g) {
    return gather_rows(g, indices);
  });
}

#define TAPEGRAD_INSTANTIATE(T)                                                                       \
  template Tensor<T> narrow(const Tensor<T>&, int, std::size_t, std::size_t);                         \
  template Tensor<T> pad_axis(const Tensor<T>&, int, std::size_t, std::size_t);                       \
  template Tensor<T> select(const Tensor<T>&, int, std::size_t);                                      \
  template Tensor<T> concat(const std::vector<Tensor<T>>&, int);                                      \
  template std::vector<Tensor<T>> split(const Tensor<T>&, std::size_t, int);                          \
  template Tensor<T> stack(const std::vector<Tensor<T>>&, int);                                       \
  template Tensor<T> gather_rows(const Tensor<T>&, const std::vector<std::size_t>&);                  \
  template Tensor<T> scatter_add_rows(const Tensor<T>&, const std::vector<std::size_t>&, std::size_t);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
