#include "optim/sgd.hpp"

#include <cmath>

#include <xtensor/xnoalias.hpp>

namespace tapegrad {

namespace {
double required_lr(double lr) {
  if (std::isnan(lr)) throw Error("SGD: lr is required (PyTorch's SGD has no default either)");
  return lr;
}
}  // namespace

template <class T>
SGD<T>::SGD(std::vector<Tensor<T>> parameters, const SGDOptions& options)
    : Optimizer<T>("SGD", std::move(parameters), required_lr(options.lr)), options_(options) {
  this->check_option(options.momentum >= 0, "momentum", options.momentum, ">= 0");
  this->check_option(true, "dampening", options.dampening, "finite");  // any finite value
  this->check_option(options.weight_decay >= 0, "weight_decay", options.weight_decay, ">= 0");
  if (options.nesterov && (options.momentum <= 0 || options.dampening != 0))
    throw this->error("nesterov momentum needs momentum > 0 and dampening = 0");
  if (options.momentum != 0) momentum_buffer_ = this->add_buffer("momentum_buffer", 0);
}

template <class T>
void SGD<T>::update(std::size_t i, Array<T>& value, const Array<T>& grad, std::int64_t step) {
  const T lr = static_cast<T>(this->lr());
  const T momentum = static_cast<T>(options_.momentum);
  const T weight_decay = static_cast<T>(options_.weight_decay);
  Array<T> decayed;
  if (options_.weight_decay != 0) decayed = grad + weight_decay * value;
  const Array<T>& d = options_.weight_decay != 0 ? decayed : grad;
  if (options_.momentum == 0) {
    xt::noalias(value) = value + (-lr) * d;
    return;
  }
  Array<T>& buffer = this->buffer(momentum_buffer_, i);
  if (step == 1) {
    buffer = d;
  } else {
    xt::noalias(buffer) = buffer * momentum + static_cast<T>(1 - options_.dampening) * d;
  }
  if (options_.nesterov) {
    xt::noalias(value) = value + (-lr) * (d + momentum * buffer);
  } else {
    xt::noalias(value) = value + (-lr) * buffer;
  }
}

template class SGD<float>;
template class SGD<double>;

}  // namespace tapegrad
