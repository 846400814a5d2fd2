// Helpers shared by the layer tests: random inputs, and binding a module's parameters to the
// leaves gradcheck differentiates.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <xtensor/xmath.hpp>

#include "autodiff/ops.hpp"
#include "layers/module.hpp"

namespace tapegrad::testing {

inline Array<double> random_array(const Shape& shape, std::mt19937_64& engine, double scale = 1) {
  std::normal_distribution<double> normal(0, scale);
  Array<double> a = xt::empty<double>(shape);
  for (auto& v : a) v = normal(engine);
  return a;
}

template <class T>
double max_abs_diff(const Array<T>& a, const Array<T>& b) {
  REQUIRE(a.shape() == b.shape());
  return a.size() ? double(xt::amax(xt::abs(a - b))()) : 0.0;
}

template <class M>
std::vector<std::string> parameter_names(const M& module) {
  std::vector<std::string> names;
  for (const auto& [name, parameter] : module.named_parameters()) names.push_back(name);
  return names;
}

template <class M>
std::vector<Array<double>> parameter_values(const M& module) {
  std::vector<Array<double>> values;
  for (const auto& [name, parameter] : module.named_parameters())
    values.push_back(parameter.value());
  return values;
}

// Makes xs[first], xs[first + 1], ... the module's parameters, in named_parameters order.
template <class M>
void bind_parameters(M& module, const std::vector<std::string>& names,
                     const std::vector<Tensor<double>>& xs, std::size_t first) {
  for (std::size_t i = 0; i < names.size(); ++i) module.parameter(names[i]) = xs.at(first + i);
}

}  // namespace tapegrad::testing
