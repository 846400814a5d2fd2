// Helpers shared by the autodiff tests: reproducible random arrays and float64 leaves.
#pragma once

#include <cstdint>
#include <random>
#include <utility>

#include "autodiff/ops.hpp"

namespace tapegrad::testing {

// Uniform in [lo, hi): a fixed stream per seed, so every run checks the same points.
inline Array<double> uniform(const Shape& shape, std::uint64_t seed, double lo = -1,
                             double hi = 1) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> distribution(lo, hi);
  Array<double> values = Array<double>::from_shape(shape);
  for (auto& v : values) v = distribution(engine);
  return values;
}

// A leaf that requires grad.
inline Tensor<double> leaf(Array<double> value) { return Tensor<double>(std::move(value), true); }

}  // namespace tapegrad::testing
