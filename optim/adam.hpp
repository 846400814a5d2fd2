// Adam (Kingma and Ba, 2015) with optional AMSGrad (Reddi et al., 2018), and AdamW
// (Loshchilov and Hutter, 2019), as torch.optim.Adam and AdamW (1.13) define them. For
// parameter p with gradient g, at its step t:
//
//   Adam:   d = g + weight_decay·p                   (L2 penalty, through the moments)
//   AdamW:  d = g,  p = p·(1 − lr·weight_decay)      (decoupled, before the update)
//   m  = beta1·m + (1 − beta1)·d
//   v  = beta2·v + (1 − beta2)·d²
//   amsgrad:  v_max = max(v_max, v), and v_max replaces v below (the raw moment's maximum,
//             divided by the current bias correction: PyTorch 1.13's code, not its docs)
//   p  = p − (lr / (1 − beta1^t)) · m / (√v / √(1 − beta2^t) + eps)
//
// eps is added after the bias correction, outside the root: not the paper's ε̂ form.
#pragma once

#include <vector>

#include "optim/optimizer.hpp"

namespace tapegrad {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
};

// The same fields; only weight_decay's default (and meaning) differ.
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

template <class T>
class Adam : public Optimizer<T> {
 public:
  Adam(std::vector<Tensor<T>> parameters, const AdamOptions& options = {});
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(std::string name, std::vector<Tensor<T>> parameters, const AdamOptions& options,
       bool decoupled_weight_decay);

 private:
  void update(std::size_t i, Array<T>& value, const Array<T>& grad, std::int64_t step) override;

  AdamOptions options_;
  bool decoupled_weight_decay_;
  std::size_t exp_avg_ = 0, exp_avg_sq_ = 0, max_exp_avg_sq_ = 0;
};

template <class T>
class AdamW : public Adam<T> {
 public:
  AdamW(std::vector<Tensor<T>> parameters, const AdamWOptions& options = {});
};

}  // namespace tapegrad
