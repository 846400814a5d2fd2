#include "optim/clip.hpp"

#include <cmath>
#include <string>

#include <fmt/format.h>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

namespace tapegrad {

namespace {

// Applies `edit` to p's gradient: in place when the gradient is a plain leaf, as PyTorch's
// mul_/clamp_ do; on a copy set as the new gradient when it is a recorded result (after
// create_graph), whose value its consumers may have saved.
template <class T, class Edit>
void edit_grad(Tensor<T> p, Edit&& edit) {
  Tensor<T> grad = p.grad();
  if (grad.is_leaf()) {
    edit(grad.mutable_value());
    return;
  }
  Array<T> copy = grad.value();
  edit(copy);
  p.set_grad(Tensor<T>(std::move(copy)));
}

}  // namespace

template <class T>
double grad_norm(const std::vector<Tensor<T>>& parameters) {
  double sum_of_squares = 0;
  for (const Tensor<T>& p : parameters) {
    if (!p.defined() || !p.grad()) continue;
    const Tensor<T> grad = p.grad();
    for (T g : grad.value()) sum_of_squares += static_cast<double>(g) * static_cast<double>(g);
  }
  return std::sqrt(sum_of_squares);
}

template <class T>
double clip_grad_norm(const std::vector<Tensor<T>>& parameters, double max_norm) {
  if (!(max_norm >= 0))
    throw Error(fmt::format("clip_grad_norm: max_norm must be >= 0, got {}", max_norm));
  const double norm = grad_norm(parameters);
  if (!std::isfinite(norm)) return norm;
  const double coefficient = max_norm / (norm + 1e-6);
  if (coefficient < 1) {
    const T scale = static_cast<T>(coefficient);
    for (const Tensor<T>& p : parameters)
      if (p.defined() && p.grad()) edit_grad(p, [scale](Array<T>& g) { g *= scale; });
  }
  return norm;
}

template <class T>
void clip_grad_value(const std::vector<Tensor<T>>& parameters, double clip_value) {
  if (!(clip_value >= 0))
    throw Error(fmt::format("clip_grad_value: clip_value must be >= 0, got {}", clip_value));
  const T hi = static_cast<T>(clip_value), lo = -hi;
  for (const Tensor<T>& p : parameters)
    if (p.defined() && p.grad())
      edit_grad(p, [lo, hi](Array<T>& g) {
        xt::noalias(g) = xt::where(g < lo, lo, xt::where(g > hi, hi, g));
      });
}

#define TAPEGRAD_INSTANTIATE(T)                                          \
  template double grad_norm(const std::vector<Tensor<T>>&);              \
  template double clip_grad_norm(const std::vector<Tensor<T>>&, double); \
  template void clip_grad_value(const std::vector<Tensor<T>>&, double);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
