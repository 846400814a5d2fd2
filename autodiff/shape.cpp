#include "autodiff/shape.hpp"

#include <algorithm>
#include <cstring>

#include "autodiff/ops.hpp"

namespace tapegrad {

namespace {
// An array seen around one axis as (outer, extent, inner) blocks, row-major: slicing along the
// axis copies `inner`-long runs. (xtensor 0.24's strided_view silently drops writes through a
// slice vector, so the shape ops move elements themselves.)
struct AxisBlocks {
  std::size_t outer = 1, extent = 1, inner = 1;
  AxisBlocks(const Shape& shape, std::size_t axis) : extent(shape[axis]) {
    for (std::size_t i = 0; i < axis; ++i) outer *= shape[i];
    for (std::size_t i = axis + 1; i < shape.size(); ++i) inner *= shape[i];
  }
};

// Copies [start, start + length) along the axis of `from` into [to_start, to_start + length)
// along the same axis of `to`; the two differ only in that axis's extent.
template <class T>
void copy_along(const Array<T>& from, std::size_t start, Array<T>& to, std::size_t to_start,
                std::size_t length, std::size_t axis) {
  const AxisBlocks src(from.shape(), axis), dst(to.shape(), axis);
  for (std::size_t o = 0; o < src.outer; ++o)
    std::copy_n(from.data() + (o * src.extent + start) * src.inner, length * src.inner,
                to.data() + (o * dst.extent + to_start) * dst.inner);
}

// Copies `from`, laid out as `to` but with extent `length` along the axis (or without the axis
// when length is 1), into [to_start, to_start + length) along that axis of `to`.
template <class T>
void copy_into(const T* from, std::size_t length, Array<T>& to, std::size_t to_start,
               std::size_t axis) {
  const AxisBlocks dst(to.shape(), axis);
  for (std::size_t o = 0; o < dst.outer; ++o)
    std::copy_n(from + o * length * dst.inner, length * dst.inner,
                to.data() + (o * dst.extent + to_start) * dst.inner);
}

// The gradient of split or unbind: the output gradients `g` (undefined where an output got
// none), each `length` long along the axis, joined back into `shape`. With create_graph it is
// recorded, as concat or stack; otherwise written straight into one array, with no list.
template <class T>
Tensor<T> join_gradients(std::span<const Tensor<T>> g, const Shape& shape, std::size_t axis,
                         std::size_t length, bool stacked) {
  if (grad_enabled()) {
    Shape part_shape = shape;
    if (stacked)
      part_shape.erase(part_shape.begin() + axis);
    else
      part_shape[axis] = length;
    ScratchVector<Tensor<T>> parts(g.size());
    for (std::size_t k = 0; k < g.size(); ++k)
      parts[k] = g[k] ? g[k] : Tensor<T>::zeros(part_shape);
    return stacked ? stack(*parts, static_cast<int>(axis)) : concat(*parts, static_cast<int>(axis));
  }
  const bool complete =
      std::all_of(g.begin(), g.end(), [](const Tensor<T>& gk) { return gk.defined(); });
  Array<T> joined = complete ? Array<T>::from_shape(shape) : Array<T>(xt::zeros<T>(shape));
  for (std::size_t k = 0; k < g.size(); ++k)
    if (g[k]) copy_into(g[k].value().data(), length, joined, k * length, axis);
  return Tensor<T>(std::move(joined));
}

std::size_t row_size(const Shape& shape) {
  std::size_t n = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}
}  // namespace

template <class T>
Tensor<T> narrow(const Tensor<T>& x, int axis, std::size_t start, std::size_t length,
                 std::source_location location) {
  const std::size_t a = normalize_axis("narrow", axis, x.dim(), x.shape());
  const std::size_t extent = x.shape()[a];
  if (start > extent || length > extent - start)
    throw Error("narrow: [" + std::to_string(start) + ", " + std::to_string(start + length) +
                ") is out of range for axis " + std::to_string(a) + " of shape " + shape_str(x.shape()));
  Shape shape = x.shape();
  shape[a] = length;
  auto part = Array<T>::from_shape(shape);
  copy_along(x.value(), start, part, 0, length, a);
  Tensor<T> out(std::move(part));
  return record("narrow", {x}, out, [a, start, length, extent](const Tensor<T>& g) {
    return pad_axis(g, static_cast<int>(a), start, extent - start - length);
  }, location);
}

template <class T>
Tensor<T> pad_axis(const Tensor<T>& x, int axis, std::size_t before, std::size_t after,
                   std::source_location location) {
  const std::size_t a = normalize_axis("pad_axis", axis, x.dim(), x.shape());
  Shape shape = x.shape();
  const std::size_t length = shape[a];
  shape[a] += before + after;
  Array<T> padded = xt::zeros<T>(shape);
  copy_along(x.value(), 0, padded, before, length, a);
  Tensor<T> out(std::move(padded));
  return record("pad_axis", {x}, out, [a, before, length](const Tensor<T>& g) {
    return narrow(g, static_cast<int>(a), before, length);
  }, location);
}

template <class T>
Tensor<T> select(const Tensor<T>& x, int axis, std::size_t index, std::source_location location) {
  const std::size_t a = normalize_axis("select", axis, x.dim(), x.shape());
  const std::size_t extent = x.shape()[a];
  if (index >= extent)
    throw Error("select: index " + std::to_string(index) + " is out of range for axis " +
                std::to_string(a) + " of shape " + shape_str(x.shape()));
  Shape kept = x.shape();
  kept[a] = 1;
  auto slice = Array<T>::from_shape(kept);
  copy_along(x.value(), index, slice, 0, 1, a);
  Shape dropped = x.shape();
  dropped.erase(dropped.begin() + a);
  slice.reshape(dropped);
  Tensor<T> out(std::move(slice));
  return record("select", {x}, out, [a, index, extent, kept](const Tensor<T>& g) {
    return pad_axis(reshape(g, kept), static_cast<int>(a), index, extent - index - 1);
  }, location);
}

template <class T>
Tensor<T> concat(const std::vector<Tensor<T>>& parts, int axis, std::source_location location) {
  if (parts.empty()) throw Error("concat: no tensors to join");
  const Shape& first = parts[0].shape();
  const std::size_t a = normalize_axis("concat", axis, first.size(), first);
  // Part i lies in [offsets[i], offsets[i + 1]) along the axis.
  xt::svector<std::size_t, 8> offsets{0};  // on the stack for up to 7 parts
  for (const auto& part : parts) {
    Shape expected = first;
    expected[a] = part.dim() == first.size() ? part.shape()[a] : 0;
    if (part.shape() != expected)
      throw Error("concat: shapes " + shape_str(first) + " and " + shape_str(part.shape()) +
                  " differ outside axis " + std::to_string(a));
    offsets.push_back(offsets.back() + part.shape()[a]);
  }
  Shape shape = first;
  shape[a] = offsets.back();
  auto joined = Array<T>::from_shape(shape);
  for (std::size_t i = 0; i < parts.size(); ++i)
    copy_along(parts[i].value(), 0, joined, offsets[i], parts[i].shape()[a], a);
  Tensor<T> out(std::move(joined));
  record_many<T>("concat", parts, std::span<Tensor<T>>(&out, 1),
                 [a, offsets = std::move(offsets)](std::span<const Tensor<T>> g, std::span<Tensor<T>> grads) {
    for (std::size_t i = 0; i + 1 < offsets.size(); ++i)
      grads[i] = narrow(g[0], static_cast<int>(a), offsets[i], offsets[i + 1] - offsets[i]);
  }, false, location);
  return out;
}

template <class T>
void split(const Tensor<T>& x, std::span<Tensor<T>> parts, int axis,
           std::source_location location) {
  const std::size_t a = normalize_axis("split", axis, x.dim(), x.shape());
  const std::size_t chunks = parts.size();
  if (chunks == 0 || x.shape()[a] % chunks != 0)
    throw Error("split: axis " + std::to_string(a) + " of shape " + shape_str(x.shape()) +
                " does not split into " + std::to_string(chunks) + " equal chunks");
  const std::size_t length = x.shape()[a] / chunks;
  Shape part_shape = x.shape();
  part_shape[a] = length;
  for (std::size_t k = 0; k < chunks; ++k) {
    auto part = Array<T>::from_shape(part_shape);
    copy_along(x.value(), k * length, part, 0, length, a);
    parts[k] = Tensor<T>(std::move(part));
  }
  record_many<T>(
      "split", std::span<const Tensor<T>>(&x, 1), parts,
      [a, length, shape = x.shape()](std::span<const Tensor<T>> g, std::span<Tensor<T>> grads) {
        grads[0] = join_gradients(g, shape, a, length, false);
      },
      false, location);
}

template <class T>
std::vector<Tensor<T>> split(const Tensor<T>& x, std::size_t chunks, int axis,
                             std::source_location location) {
  std::vector<Tensor<T>> parts(chunks);
  split(x, std::span<Tensor<T>>(parts), axis, location);
  return parts;
}

template <class T>
std::vector<Tensor<T>> unbind(const Tensor<T>& x, int axis, std::source_location location) {
  const std::size_t a = normalize_axis("unbind", axis, x.dim(), x.shape());
  Shape kept = x.shape(), dropped = x.shape();
  kept[a] = 1;
  dropped.erase(dropped.begin() + a);
  std::vector<Tensor<T>> outs;
  outs.reserve(x.shape()[a]);
  for (std::size_t i = 0; i < x.shape()[a]; ++i) {
    auto slice = Array<T>::from_shape(kept);
    copy_along(x.value(), i, slice, 0, 1, a);
    slice.reshape(dropped);
    outs.emplace_back(std::move(slice));
  }
  record_many<T>(
      "unbind", std::span<const Tensor<T>>(&x, 1), outs,
      [a, shape = x.shape()](std::span<const Tensor<T>> g, std::span<Tensor<T>> grads) {
        grads[0] = join_gradients(g, shape, a, 1, true);
      },
      false, location);
  return outs;
}

template <class T>
Tensor<T> stack(const std::vector<Tensor<T>>& parts, int axis, std::source_location location) {
  if (parts.empty()) throw Error("stack: no tensors to stack");
  const Shape& first = parts[0].shape();
  for (const auto& part : parts)
    if (part.shape() != first)
      throw Error("stack: shapes " + shape_str(first) + " and " + shape_str(part.shape()) + " differ");
  const std::size_t a = normalize_axis("stack", axis, first.size() + 1, first);
  Shape shape = first;
  shape.insert(shape.begin() + a, parts.size());
  auto stacked = Array<T>::from_shape(shape);
  for (std::size_t i = 0; i < parts.size(); ++i)
    copy_into(parts[i].value().data(), 1, stacked, i, a);
  Tensor<T> out(std::move(stacked));
  record_many<T>("stack", parts, std::span<Tensor<T>>(&out, 1), [a](std::span<const Tensor<T>> g, std::span<Tensor<T>> grads) {
    for (std::size_t i = 0; i < grads.size(); ++i) grads[i] = select(g[0], static_cast<int>(a), i);
  }, false, location);
  return out;
}

template <class T>
Tensor<T> gather_rows(const Tensor<T>& table, const std::vector<std::size_t>& indices,
                      std::source_location location) {
  if (table.dim() < 1) throw Error("gather_rows: table must have at least one axis, got shape ()");
  const std::size_t rows = table.shape()[0], width = row_size(table.shape());
  for (std::size_t index : indices)
    if (index >= rows)
      throw Error("gather_rows: index " + std::to_string(index) + " is out of range for " +
                  std::to_string(rows) + " rows of shape " + shape_str(table.shape()));
  Shape shape = table.shape();
  shape[0] = indices.size();
  auto gathered = Array<T>::from_shape(shape);
  for (std::size_t i = 0; i < indices.size(); ++i)
    std::copy_n(table.value().data() + indices[i] * width, width, gathered.data() + i * width);
  Tensor<T> out(std::move(gathered));
  return record("gather_rows", {table}, out, [indices, rows](const Tensor<T>& g) {
    return scatter_add_rows(g, indices, rows);
  }, location);
}

template <class T>
Tensor<T> scatter_add_rows(const Tensor<T>& source, const std::vector<std::size_t>& indices, std::size_t rows,
                           std::source_location location) {
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
  }, location);
}

#define TAPEGRAD_INSTANTIATE(T)                                                                    \
  template Tensor<T> narrow(const Tensor<T>&, int, std::size_t, std::size_t,                       \
                            std::source_location);                                                 \
  template Tensor<T> pad_axis(const Tensor<T>&, int, std::size_t, std::size_t,                     \
                              std::source_location);                                               \
  template Tensor<T> select(const Tensor<T>&, int, std::size_t, std::source_location);             \
  template Tensor<T> concat(const std::vector<Tensor<T>>&, int, std::source_location);             \
  template std::vector<Tensor<T>> split(const Tensor<T>&, std::size_t, int, std::source_location); \
  template void split(const Tensor<T>&, std::span<Tensor<T>>, int, std::source_location);          \
  template Tensor<T> stack(const std::vector<Tensor<T>>&, int, std::source_location);              \
  template std::vector<Tensor<T>> unbind(const Tensor<T>&, int, std::source_location);             \
  template Tensor<T> gather_rows(const Tensor<T>&, const std::vector<std::size_t>&,                \
                                 std::source_location);                                            \
  template Tensor<T> scatter_add_rows(const Tensor<T>&, const std::vector<std::size_t>&,           \
                                      std::size_t, std::source_location);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
