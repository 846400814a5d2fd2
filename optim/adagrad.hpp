// Adagrad (Duchi, Hazan and Singer, 2011), the optimizer of Karpathy's min-char-rnn, as
// torch.optim.Adagrad (1.13) defines it. For parameter p with gradient g, at its step t:
//
//   d   = g + weight_decay·p
//   lr_t = lr / (1 + (t − 1)·lr_decay)
//   s   = s + d²                       s starts at initial_accumulator_value
//   p   = p − lr_t · d / (√s + eps)    eps outside the root, 1e-10 by default
#pragma once

#include <vector>

#include "optim/optimizer.hpp"

namespace tapegrad {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0;
  double weight_decay = 0;
  double initial_accumulator_value = 0;
  double eps = 1e-10;
};

template <class T>
class Adagrad : public Optimizer<T> {
 public:
  Adagrad(std::vector<Tensor<T>> parameters, const AdagradOptions& options = {});
  const AdagradOptions& options() const { return options_; }

 private:
  void update(std::size_t i, Array<T>& value, const Array<T>& grad, std::int64_t step) override;

  AdagradOptions options_;
  std::size_t sum_ = 0;
};

}  // namespace tapegrad
