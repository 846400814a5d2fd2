// Seeded random numbers for initialisers, dropout masks and data: same seed, same numbers.
#pragma once

#include <cstdint>
#include <random>

#include "autodiff/tensor.hpp"

namespace tapegrad {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : engine_(seed) {}
  std::mt19937_64& engine() { return engine_; }

  template <class T>
  Array<T> uniform(const Shape& shape, T low, T high) {
    std::uniform_real_distribution<double> dist(low, high);
    return fill<T>(shape, dist);
  }
  template <class T>
  Array<T> normal(const Shape& shape, T mean = 0, T stddev = 1) {
    std::normal_distribution<double> dist(mean, stddev);
    return fill<T>(shape, dist);
  }

 private:
  // Drawn in double whatever T is, so float and double runs see the same numbers.
  template <class T, class Distribution>
  Array<T> fill(const Shape& shape, Distribution& dist) {
    Array<T> a = Array<T>::from_shape(shape);
    for (auto& v : a) v = static_cast<T>(dist(engine_));
    return a;
  }
  std::mt19937_64 engine_;
};

}  // namespace tapegrad
