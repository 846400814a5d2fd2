// Dropout as a module: active in training mode, the identity in eval mode.
#pragma once

#include <cstdint>

#include "autodiff/nn.hpp"
#include "layers/module.hpp"

namespace tapegrad {

// Inverted dropout (autodiff/nn.hpp): zeroes each element with probability p and scales the
// rest by 1/(1-p), with masks from its own seeded generator, so runs repeat exactly.
template <class T>
class Dropout : public Module<T> {
 public:
  explicit Dropout(double p = 0.5, std::uint64_t seed = 0);
  std::string type_name() const override { return "Dropout"; }

  Tensor<T> forward(const Tensor<T>& x);

  double p() const { return p_; }
  Generator& generator() { return generator_; }

 private:
  double p_;
  Generator generator_;
};

}  // namespace tapegrad
