// Gradient clipping over a list of parameters, as torch.nn.utils.clip_grad_norm_ and
// clip_grad_value_ (1.13). Parameters whose gradient is undefined are left out.
#pragma once

#include <vector>

#include "autodiff/tensor.hpp"

namespace tapegrad {

// The L2 norm of all defined gradients taken together: √(Σ over every element of g²).
template <class T>
double grad_norm(const std::vector<Tensor<T>>& parameters);

// Returns the total gradient norm before clipping (0 when no gradient is defined). When
// max_norm / (norm + 1e-6) < 1, every gradient is scaled by that factor; otherwise nothing
// changes. A non-finite norm (an inf or NaN gradient) is returned and NOT applied, unlike
// PyTorch, which would scale every gradient by NaN: test it with std::isfinite and skip the
// step.
template <class T>
double clip_grad_norm(const std::vector<Tensor<T>>& parameters, double max_norm);

// Clamps every gradient element to [−clip_value, clip_value]; NaN stays NaN.
template <class T>
void clip_grad_value(const std::vector<Tensor<T>>& parameters, double clip_value);

}  // namespace tapegrad
