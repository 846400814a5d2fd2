// Products with a float weight packed once (NOTE [packed weights], autodiff/gemm_rows.cpp):
// matmul and addmm, forward and backward, against float64, and a packed copy that must never
// outlive the value it was made from (an in-place edit, a tape reset, a dead tensor, a full
// cache).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autodiff/ops.hpp"
#include "test_ops_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

Array<double> to_double(const Array<float>& a) { return xt::cast<double>(a); }

// a · op(w) in float64.
Array<double> product64(const Array<float>& a, const Array<float>& w, bool transpose_w) {
  Tensor<double> a64(to_double(a)), w64(to_double(w));
  return matmul(a64, w64, false, transpose_w).value();
}

}  // namespace

TEST_CASE("matmul and addmm with a float weight equal float64, forward and backward") {
  std::uint64_t seed = 100;
  for (std::size_t m : {1, 7, 8, 9, 33, 64, 65})
    for (std::size_t n : {1, 33, 100})
      for (std::size_t k : {7, 64})
        for (bool transpose_w : {false, true})
          for (bool with_bias : {false, true}) {
            CAPTURE(m);
            CAPTURE(n);
            CAPTURE(k);
            CAPTURE(transpose_w);
            CAPTURE(with_bias);
            Tensor<float> a(uniform_float({m, k}, ++seed), true);
            Tensor<float> w(uniform_float(transpose_w ? Shape{n, k} : Shape{k, n}, ++seed), true);
            Tensor<float> bias(uniform_float({n}, ++seed), true);
            const Array<float> weights = uniform_float({m, n}, ++seed);  // d loss / d y
            const Tensor<float> y = with_bias ? addmm(bias, a, w, false, transpose_w)
                                              : matmul(a, w, false, transpose_w);
            Array<double> expected = product64(a.value(), w.value(), transpose_w);
            if (with_bias) expected += to_double(bias.value());
            CHECK(float_mismatches(y.value(), expected) == 0);

            sum(y * Tensor<float>(weights)).backward();
            // dL/da = G · op(w)ᵀ, dL/dw = aᵀ G (or its transpose)
            Tensor<double> g64(to_double(weights)), a64(to_double(a.value())),
                w64(to_double(w.value()));
            CHECK(float_mismatches(a.grad().value(),
                                   matmul(g64, w64, false, !transpose_w).value()) == 0);
            const Array<double> expected_dw = transpose_w ? matmul(g64, a64, true, false).value()
                                                          : matmul(a64, g64, true, false).value();
            CHECK(float_mismatches(w.grad().value(), expected_dw) == 0);
          }
}

TEST_CASE("a training pass packs each weight once per orientation") {
  Tensor<float> w(uniform_float({40, 40}, 1), true);
  Tensor<float> h(uniform_float({16, 40}, 2), true);
  const std::uint64_t before = detail::packed_weight_packs();
  Tensor<float> state = h;
  for (int t = 0; t < 5; ++t) state = tanh(matmul(state, w, false, true));
  sum(state).backward();
  const std::uint64_t packs = detail::packed_weight_packs() - before;
#if defined(__AVX512F__)
  CHECK(packs == 2);  // h·Wᵀ forward and g·W backward, for all five steps
#else
  CHECK(packs == 0);
#endif
  CHECK(w.grad().defined());
}

TEST_CASE("a packed weight never outlives the value it was made from") {
  const Array<float> a = uniform_float({16, 24}, 3);
  Tensor<float> input(a);
  auto check_product = [&](const Tensor<float>& w) {
    CHECK(float_mismatches(matmul(input, w, false, true).value(), product64(a, w.value(), true)) ==
          0);
  };

  SUBCASE("an in-place edit between two products of one pass") {
    Tensor<float> w(uniform_float({40, 24}, 4), true);
    check_product(w);
    w.mutable_value() *= 2.0f;
    check_product(w);
  }
  SUBCASE("an edit through a reference kept across a backward pass") {
    Tensor<float> w(uniform_float({40, 24}, 5), true);
    Array<float>& value = w.mutable_value();
    sum(matmul(input, w, false, true)).backward();  // ends the tape's epoch
    value += 1.0f;                                  // no new version: the epoch is what tells
    check_product(w);
  }
  SUBCASE("a dead weight and a new one, perhaps at the same address") {
    for (std::uint64_t seed = 10; seed < 20; ++seed) {
      Tensor<float> w(uniform_float({40, 24}, seed), true);
      check_product(w);
    }
  }
  SUBCASE("more weights than the cache holds, used in turn") {
    std::vector<Tensor<float>> weights;
    for (std::uint64_t i = 0; i < 2 * detail::kPackedWeights + 1; ++i)
      weights.emplace_back(uniform_float({40, 24}, 30 + i), true);
    for (int round = 0; round < 2; ++round)
      for (const Tensor<float>& w : weights) check_product(w);
    for (Tensor<float>& w : weights) w.mutable_value() -= 0.5f;
    for (const Tensor<float>& w : weights) check_product(w);
  }
  SUBCASE("the copy of a dead weight is let go at the next packed product") {
    {
      Tensor<float> w(uniform_float({40, 24}, 7), true);
      check_product(w);
    }
    tape().reset();  // the recorded products held their weights
    Tensor<float> small(uniform_float({8, 24}, 8), true);
    check_product(small);
#if defined(__AVX512F__)
    // Only the live weight's copy is left: one panel of 32 columns over k = 24.
    CHECK(detail::packed_weight_bytes() == 24 * 32 * sizeof(float));
#else
    CHECK(detail::packed_weight_bytes() == 0);
#endif
  }
  SUBCASE("a result is not packed") {
    Tensor<float> w(uniform_float({40, 24}, 6), true);
    const std::uint64_t before = detail::packed_weight_packs();
    const Tensor<float> doubled = w * 2.0f;
    check_product(doubled);
    CHECK(detail::packed_weight_packs() == before);
  }
}
