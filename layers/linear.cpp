#include "layers/linear.hpp"

#include <cmath>

#include "autodiff/ops.hpp"
#include "layers/init.hpp"

namespace tapegrad {

namespace {
Generator& as_lvalue(Generator&& generator) { return generator; }
}  // namespace

template <class T>
Linear<T>::Linear(std::size_t in_features, std::size_t out_features, bool bias, std::uint64_t seed)
    : Linear(in_features, out_features, bias, as_lvalue(Generator(seed))) {}

template <class T>
Linear<T>::Linear(std::size_t in_features, std::size_t out_features, bool has_bias,
                  Generator& generator)
    : in_features_(in_features), out_features_(out_features) {
  if (in_features == 0 || out_features == 0)
    throw Error("Linear: in_features " + std::to_string(in_features) + " and out_features " +
                std::to_string(out_features) + " must both be positive");
  weight = Tensor<T>(Array<T>(xt::zeros<T>({out_features, in_features})), true);
  if (has_bias) bias = Tensor<T>(Array<T>(xt::zeros<T>({out_features})), true);
  this->register_parameter("weight", weight);
  this->register_parameter("bias", bias);
  reset_parameters(generator);
}

template <class T>
void Linear<T>::reset_parameters(Generator& generator) {
  init::kaiming_uniform_(weight, generator, std::sqrt(5.0));
  const double bound = 1 / std::sqrt(static_cast<double>(in_features_));
  if (bias.defined()) init::uniform_(bias, -bound, bound, generator);
}

template <class T>
Tensor<T> Linear<T>::forward(const Tensor<T>& x) const {
  if (!x.defined())
    throw Error("Linear: input is undefined, expected (..., " + std::to_string(in_features_) +
                ") with at least 2 axes");
  if (x.dim() < 2 || x.shape().back() != in_features_)
    throw Error("Linear: input of shape " + shape_str(x.shape()) + ", expected (..., " +
                std::to_string(in_features_) + ") with at least 2 axes");
  // Leading axes flattened into rows for one matmul, then restored.
  Shape out_shape = x.shape();
  out_shape.back() = out_features_;
  const Tensor<T> rows =
      x.dim() == 2 ? x : reshape(x, std::vector<long>{-1, static_cast<long>(in_features_)});
  Tensor<T> y = matmul(rows, weight, false, true);
  if (bias.defined()) y = y + bias;
  return x.dim() == 2 ? y : reshape(y, out_shape);
}

template class Linear<float>;
template class Linear<double>;

}  // namespace tapegrad
