// RMSprop (Hinton, Coursera lecture 6e), as torch.optim.RMSprop (1.13) defines it. For
// parameter p with gradient g:
//
//   d = g + weight_decay·p
//   v = alpha·v + (1 − alpha)·d²
//   centered:  m = alpha·m + (1 − alpha)·d,   r = √(v − m²) + eps
//   otherwise:                                r = √v + eps         (eps outside the root)
//   momentum > 0:  b = momentum·b + d / r,   p = p − lr·b
//   otherwise:                                p = p − lr·d / r
#pragma once

#include <vector>

#include "optim/optimizer.hpp"

namespace tapegrad {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
};

template <class T>
class RMSprop : public Optimizer<T> {
 public:
  RMSprop(std::vector<Tensor<T>> parameters, const RMSpropOptions& options = {});
  const RMSpropOptions& options() const { return options_; }

 private:
  void update(std::size_t i, Array<T>& value, const Array<T>& grad, std::int64_t step) override;

  RMSpropOptions options_;
  std::size_t square_avg_ = 0, momentum_buffer_ = 0, grad_avg_ = 0;
};

}  // namespace tapegrad
