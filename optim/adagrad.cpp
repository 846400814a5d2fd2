#include "optim/adagrad.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

namespace tapegrad {

template <class T>
Adagrad<T>::Adagrad(std::vector<Tensor<T>> parameters, const AdagradOptions& options)
    : Optimizer<T>("Adagrad", std::move(parameters), options.lr), options_(options) {
  this->check_option(options.lr_decay >= 0, "lr_decay", options.lr_decay, ">= 0");
  this->check_option(options.weight_decay >= 0, "weight_decay", options.weight_decay, ">= 0");
  this->check_option(options.initial_accumulator_value >= 0, "initial_accumulator_value",
                     options.initial_accumulator_value, ">= 0");
  this->check_option(options.eps >= 0, "eps", options.eps, ">= 0");
  sum_ = this->add_buffer("sum", options.initial_accumulator_value);
}

template <class T>
void Adagrad<T>::update(std::size_t i, Array<T>& value, const Array<T>& grad, std::int64_t step) {
  const T decayed_lr =
      static_cast<T>(this->lr() / (1 + static_cast<double>(step - 1) * options_.lr_decay));
  const T eps = static_cast<T>(options_.eps);
  Array<T> decayed;
  if (options_.weight_decay != 0) decayed = grad + static_cast<T>(options_.weight_decay) * value;
  const Array<T>& d = options_.weight_decay != 0 ? decayed : grad;
  Array<T>& sum = this->buffer(sum_, i);
  xt::noalias(sum) = sum + d * d;
  xt::noalias(value) = value + (-decayed_lr) * d / (xt::sqrt(sum) + eps);
}

template class Adagrad<float>;
template class Adagrad<double>;

}  // namespace tapegrad
