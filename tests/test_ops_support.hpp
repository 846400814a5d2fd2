// Helpers shared by the autodiff tests: reproducible random arrays and float64 leaves.
#pragma once

#include <cmath>
#include <cstddef>
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

// The same stream in float, for the float-only paths (NOTE [few-row GEMM]).
inline Array<float> uniform_float(const Shape& shape, std::uint64_t seed) {
  return xt::cast<float>(uniform(shape, seed));
}

// Elements of a float result further than float rounding from a float64 reference; NaN counts
// (std::max over differences would drop it).
inline std::size_t float_mismatches(const Array<float>& actual, const Array<double>& expected) {
  if (actual.shape() != expected.shape()) return actual.size() + expected.size();
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < actual.size(); ++i)
    if (!(std::abs(double(actual.data()[i]) - expected.data()[i]) <=
          1e-5 * (1.0 + std::abs(expected.data()[i]))))
      ++wrong;
  return wrong;
}

// A leaf that requires grad.
inline Tensor<double> leaf(Array<double> value) { return Tensor<double>(std::move(value), true); }

}  // namespace tapegrad::testing
