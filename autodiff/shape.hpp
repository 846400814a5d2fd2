// Slicing, padding, joining and splitting along an axis, and row gather/scatter.
#pragma once

#include <span>
#include <vector>

#include "autodiff/tape.hpp"

namespace tapegrad {

// Elements [start, start + length) along `axis`.
template <class T> Tensor<T> narrow(const Tensor<T>& x, int axis, std::size_t start, std::size_t length,
    std::source_location location = std::source_location::current());
// Zeros added before and after along `axis` (the adjoint of narrow).
template <class T> Tensor<T> pad_axis(const Tensor<T>& x, int axis, std::size_t before, std::size_t after,
    std::source_location location = std::source_location::current());
// The slice at `index` along `axis`, which is removed: select(x, 0, t) is x[t].
template <class T> Tensor<T> select(const Tensor<T>& x, int axis, std::size_t index,
    std::source_location location = std::source_location::current());
// Joins along an existing axis; every other extent must agree.
template <class T> Tensor<T> concat(const std::vector<Tensor<T>>& parts, int axis,
    std::source_location location = std::source_location::current());
// `chunks` equal parts along `axis` (an LSTM's four gates, say).
template <class T> std::vector<Tensor<T>> split(const Tensor<T>& x, std::size_t chunks, int axis,
    std::source_location location = std::source_location::current());
// The same into `parts`, as many equal chunks as it holds: for callers that keep their lists
// between calls (NOTE [scratch lists]).
template <class T>
void split(const Tensor<T>& x, std::span<Tensor<T>> parts, int axis,
           std::source_location location = std::source_location::current());
// The slices along `axis`, which is removed: unbind(x, 0) is x[0], ..., x[T-1] as one op, so
// that a loop over time steps costs O(T) in backward (T selects would each pad to full size).
template <class T> std::vector<Tensor<T>> unbind(const Tensor<T>& x, int axis = 0,
    std::source_location location = std::source_location::current());
// Joins equal-shaped tensors along a new axis.
template <class T> Tensor<T> stack(const std::vector<Tensor<T>>& parts, int axis = 0,
    std::source_location location = std::source_location::current());

// Rows of `table` (first axis) picked by `indices`: the embedding lookup. Its backward
// scatter-adds, so repeated indices accumulate.
template <class T> Tensor<T> gather_rows(const Tensor<T>& table, const std::vector<std::size_t>& indices,
    std::source_location location = std::source_location::current());
// rows x ... zeros with row indices[i] += source[i] (the adjoint of gather_rows).
template <class T>
Tensor<T> scatter_add_rows(const Tensor<T>& source, const std::vector<std::size_t>& indices, std::size_t rows,
    std::source_location location = std::source_location::current());

}  // namespace tapegrad
