#include "layers/layer_norm.hpp"

#include "autodiff/ops.hpp"

namespace tapegrad {

template <class T>
Tensor<T> layer_norm(const Tensor<T>& x, const Tensor<T>& gain, const Tensor<T>& bias, double eps) {
  if (x.dim() < 1 || x.shape().back() == 0)
    throw Error("layer_norm: cannot normalise the last axis of shape " + shape_str(x.shape()));
  Tensor<T> centered = x - mean(x, -1, true);
  Tensor<T> variance = mean(centered * centered, -1, true);
  Tensor<T> normalised = centered / sqrt(variance + static_cast<T>(eps));
  return normalised * gain + bias;
}

template Tensor<float> layer_norm(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                  double);
template Tensor<double> layer_norm(const Tensor<double>&, const Tensor<double>&,
                                   const Tensor<double>&, double);

}  // namespace tapegrad
