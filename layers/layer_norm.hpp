// Layer normalisation over the last axis, composed from primitive ops (so it has every order
// of derivative the primitives have).
#pragma once

#include "autodiff/tape.hpp"

namespace tapegrad {

// Ba, Kiros & Hinton 2016, over the last axis of x:
//   y = (x - mean(x)) / sqrt(var(x) + eps) ⊙ gain + bias
// with the biased variance (divided by the size of the axis), as PyTorch's LayerNorm.
// gain and bias broadcast against x (typically shaped like x's trailing axes).
template <class T>
Tensor<T> layer_norm(const Tensor<T>& x, const Tensor<T>& gain, const Tensor<T>& bias,
                     double eps = 1e-5);

}  // namespace tapegrad
