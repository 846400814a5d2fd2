// Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
// as torch.optim.SGD (1.13) defines them. For parameter p with gradient g, at its step t:
//
//   d = g + weight_decay·p
//   b = d                                  t = 1 (the buffer starts as d: no dampening)
//   b = momentum·b + (1 − dampening)·d     t > 1
//   d = d + momentum·b   (nesterov: the updated buffer)   or   d = b
//   p = p − lr·d
//
// The momentum lines apply only when momentum ≠ 0. Sutskever et al. (2013) put lr inside
// the buffer; PyTorch does not, and neither do we.
#pragma once

#include <limits>
#include <vector>

#include "optim/optimizer.hpp"

namespace tapegrad {

struct SGDOptions {
  // Required: PyTorch's SGD has no default learning rate.
  double lr = std::numeric_limits<double>::quiet_NaN();
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening = 0
};

template <class T>
class SGD : public Optimizer<T> {
 public:
  SGD(std::vector<Tensor<T>> parameters, const SGDOptions& options);
  const SGDOptions& options() const { return options_; }

 private:
  void update(std::size_t i, Array<T>& value, const Array<T>& grad, std::int64_t step) override;

  SGDOptions options_;
  std::size_t momentum_buffer_ = 0;  // buffer index, when momentum ≠ 0
};

}  // namespace tapegrad
