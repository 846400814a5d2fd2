// Gradient checks against finite differences, in float64.
//
// gradcheck compares backward's gradient of L = sum(w * f(inputs)) (w a fixed random weight,
// so every output element counts) with a 6-point central difference, the stencil Stan Math
// uses: error O(h^6) instead of the 2-point stencil's O(h^2). gradgradcheck does the same
// for the function inputs -> sum_i <v_i, dL/dinput_i>, whose gradient needs backward to be
// differentiated itself (create_graph).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autodiff/tensor.hpp"

namespace tapegrad {

using CheckedFunction = std::function<Tensor<double>(const std::vector<Tensor<double>>&)>;

struct GradcheckOptions {
  double step = 1e-3;
  // Relative error is |analytic - numeric| / max(|analytic|, |numeric|, relative_floor), so a
  // gradient element near zero is judged by its absolute error.
  double relative_floor = 1e-3;
  std::uint64_t seed = 7;  // for the output weights w (and v in gradgradcheck)
};

struct InputCheck {
  std::size_t input = 0;
  double max_abs_error = 0;
  double max_rel_error = 0;
  std::size_t worst_index = 0;  // flat, row-major index of the worst relative error
  double analytic = 0, numeric = 0;  // at worst_index
};

struct GradcheckReport {
  std::vector<InputCheck> inputs;
  // gradgradcheck only: largest difference between the gradient computed with create_graph
  // and the plain one (they must be the same function).
  double graph_mismatch = 0;

  double max_abs_error() const;
  double max_rel_error() const;
  bool passed(double max_rel = 1e-6) const { return max_rel_error() <= max_rel && graph_mismatch <= max_rel; }
  std::string str() const;
};

GradcheckReport gradcheck(const CheckedFunction& f, const std::vector<Array<double>>& inputs,
                          const GradcheckOptions& options = {});
GradcheckReport gradgradcheck(const CheckedFunction& f, const std::vector<Array<double>>& inputs,
                              const GradcheckOptions& options = {});

}  // namespace tapegrad
