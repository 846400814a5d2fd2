// Reductions over all elements or one axis, and the broadcast/un-broadcast pair.
#pragma once

#include "autodiff/tape.hpp"

namespace tapegrad {

// Over all elements: a 0-d tensor.
template <class T> Tensor<T> sum(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> mean(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
// Over one axis (negative counts from the end), keeping it as extent 1 if keepdims.
template <class T> Tensor<T> sum(const Tensor<T>& x, int axis, bool keepdims = false,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> mean(const Tensor<T>& x, int axis, bool keepdims = false,
    std::source_location location = std::source_location::current());

// x repeated along broadcast dimensions up to `shape`, and its adjoint: a gradient summed
// back to a shape it was broadcast from (declared in tape.hpp).
template <class T> Tensor<T> broadcast_to(const Tensor<T>& x, const Shape& shape,
    std::source_location location = std::source_location::current());

// The index of `axis` in an array of `dim` dimensions, or an Error naming `op`.
std::size_t normalize_axis(const char* op, int axis, std::size_t dim, const Shape& shape);

}  // namespace tapegrad
