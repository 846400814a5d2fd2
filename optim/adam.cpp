#include "optim/adam.hpp"

#include <cmath>

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

namespace tapegrad {

template <class T>
Adam<T>::Adam(std::vector<Tensor<T>> parameters, const AdamOptions& options)
    : Adam("Adam", std::move(parameters), options, false) {}

template <class T>
Adam<T>::Adam(std::string name, std::vector<Tensor<T>> parameters, const AdamOptions& options,
              bool decoupled_weight_decay)
    : Optimizer<T>(std::move(name), std::move(parameters), options.lr),
      options_(options),
      decoupled_weight_decay_(decoupled_weight_decay) {
  this->check_option(options.eps >= 0, "eps", options.eps, ">= 0");
  this->check_option(options.beta1 >= 0 && options.beta1 < 1, "beta1", options.beta1, "in [0, 1)");
  this->check_option(options.beta2 >= 0 && options.beta2 < 1, "beta2", options.beta2, "in [0, 1)");
  this->check_option(options.weight_decay >= 0, "weight_decay", options.weight_decay, ">= 0");
  exp_avg_ = this->add_buffer("exp_avg", 0);
  exp_avg_sq_ = this->add_buffer("exp_avg_sq", 0);
  if (options.amsgrad) max_exp_avg_sq_ = this->add_buffer("max_exp_avg_sq", 0);
}

template <class T>
void Adam<T>::update(std::size_t i, Array<T>& value, const Array<T>& grad, std::int64_t step) {
  const double lr = this->lr();
  const T beta1 = static_cast<T>(options_.beta1);
  const T beta2 = static_cast<T>(options_.beta2);
  Array<T> decayed;
  const bool coupled_decay = !decoupled_weight_decay_ && options_.weight_decay != 0;
  if (decoupled_weight_decay_) {
    xt::noalias(value) = value * static_cast<T>(1 - lr * options_.weight_decay);
  } else if (coupled_decay) {
    decayed = grad + static_cast<T>(options_.weight_decay) * value;
  }
  const Array<T>& d = coupled_decay ? decayed : grad;

  Array<T>& exp_avg = this->buffer(exp_avg_, i);
  Array<T>& exp_avg_sq = this->buffer(exp_avg_sq_, i);
  xt::noalias(exp_avg) = exp_avg * beta1 + static_cast<T>(1 - options_.beta1) * d;
  xt::noalias(exp_avg_sq) = exp_avg_sq * beta2 + static_cast<T>(1 - options_.beta2) * d * d;

  const double t = static_cast<double>(step);
  const double bias_correction1 = 1 - std::pow(options_.beta1, t);
  const double bias_correction2 = 1 - std::pow(options_.beta2, t);
  const T step_size = static_cast<T>(lr / bias_correction1);
  const T bias_correction2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  const T eps = static_cast<T>(options_.eps);
  const Array<T>* second_moment = &exp_avg_sq;
  if (options_.amsgrad) {
    Array<T>& max_exp_avg_sq = this->buffer(max_exp_avg_sq_, i);
    xt::noalias(max_exp_avg_sq) = xt::maximum(max_exp_avg_sq, exp_avg_sq);
    second_moment = &max_exp_avg_sq;
  }
  xt::noalias(value) =
      value + (-step_size) * exp_avg / (xt::sqrt(*second_moment) / bias_correction2_sqrt + eps);
}

template <class T>
AdamW<T>::AdamW(std::vector<Tensor<T>> parameters, const AdamWOptions& options)
    : Adam<T>("AdamW", std::move(parameters),
              AdamOptions{.lr = options.lr,
                          .beta1 = options.beta1,
                          .beta2 = options.beta2,
                          .eps = options.eps,
                          .weight_decay = options.weight_decay,
                          .amsgrad = options.amsgrad},
              true) {}

template class Adam<float>;
template class Adam<double>;
template class AdamW<float>;
template class AdamW<double>;

}  // namespace tapegrad
