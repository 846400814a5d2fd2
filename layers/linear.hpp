// Linear (fully connected) layer.
#pragma once

#include <cstdint>

#include "autodiff/nn.hpp"
#include "layers/module.hpp"

namespace tapegrad {

// y = x W^T + b for x (..., in_features) -> y (..., out_features), PyTorch's nn.Linear:
// weight (out, in), bias (out). Default initialisation is PyTorch's: kaiming_uniform_ with
// a = sqrt(5) for the weight, which is uniform(±1/sqrt(in)), and the same bound for the bias.
template <class T>
class Linear : public Module<T> {
 public:
  Linear(std::size_t in_features, std::size_t out_features, bool bias = true,
         std::uint64_t seed = 0);
  Linear(std::size_t in_features, std::size_t out_features, bool bias, Generator& generator);
  std::string type_name() const override { return "Linear"; }

  Tensor<T> forward(const Tensor<T>& x) const;
  void reset_parameters(Generator& generator);

  std::size_t in_features() const { return in_features_; }
  std::size_t out_features() const { return out_features_; }

  Tensor<T> weight;  // (out, in)
  Tensor<T> bias;    // (out), undefined with bias = false

 private:
  std::size_t in_features_, out_features_;
};

}  // namespace tapegrad
