#include "optim/rmsprop.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

namespace tapegrad {

template <class T>
RMSprop<T>::RMSprop(std::vector<Tensor<T>> parameters, const RMSpropOptions& options)
    : Optimizer<T>("RMSprop", std::move(parameters), options.lr), options_(options) {
  this->check_option(options.alpha >= 0, "alpha", options.alpha, ">= 0");
  this->check_option(options.eps >= 0, "eps", options.eps, ">= 0");
  this->check_option(options.weight_decay >= 0, "weight_decay", options.weight_decay, ">= 0");
  this->check_option(options.momentum >= 0, "momentum", options.momentum, ">= 0");
  // PyTorch's order: square_avg, momentum_buffer, grad_avg.
  square_avg_ = this->add_buffer("square_avg", 0);
  if (options.momentum > 0) momentum_buffer_ = this->add_buffer("momentum_buffer", 0);
  if (options.centered) grad_avg_ = this->add_buffer("grad_avg", 0);
}

template <class T>
void RMSprop<T>::update(std::size_t i, Array<T>& value, const Array<T>& grad, std::int64_t) {
  const T lr = static_cast<T>(this->lr());
  const T alpha = static_cast<T>(options_.alpha);
  const T one_minus_alpha = static_cast<T>(1 - options_.alpha);
  const T eps = static_cast<T>(options_.eps);
  Array<T> decayed;
  if (options_.weight_decay != 0) decayed = grad + static_cast<T>(options_.weight_decay) * value;
  const Array<T>& d = options_.weight_decay != 0 ? decayed : grad;

  Array<T>& square_avg = this->buffer(square_avg_, i);
  xt::noalias(square_avg) = square_avg * alpha + one_minus_alpha * d * d;
  Array<T> root;
  if (options_.centered) {
    Array<T>& grad_avg = this->buffer(grad_avg_, i);
    xt::noalias(grad_avg) = grad_avg * alpha + one_minus_alpha * d;
    root = xt::sqrt(square_avg - grad_avg * grad_avg) + eps;
  } else {
    root = xt::sqrt(square_avg) + eps;
  }
  if (options_.momentum > 0) {
    Array<T>& buffer = this->buffer(momentum_buffer_, i);
    xt::noalias(buffer) = buffer * static_cast<T>(options_.momentum) + d / root;
    xt::noalias(value) = value + (-lr) * buffer;
  } else {
    xt::noalias(value) = value + (-lr) * d / root;
  }
}

template class RMSprop<float>;
template class RMSprop<double>;

}  // namespace tapegrad
