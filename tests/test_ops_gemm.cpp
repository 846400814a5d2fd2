// gemm in float against a float64 reference, over the shapes that decide the few-row path
// (NOTE [few-row GEMM]): row counts around its 8-row blocks and its 64-row limit, column
// counts around its 32-column panels, both layouts of b, beta 0 over garbage and beta 1.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "autodiff/ops.hpp"
#include "test_ops_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

// a (m, k) · op(b) + beta · c in float64, from the float inputs.
Array<double> reference(const Array<float>& a, const Array<float>& b, bool transpose_b,
                        const Array<float>& c, float beta) {
  const std::size_t m = a.shape()[0], k = a.shape()[1];
  const std::size_t n = transpose_b ? b.shape()[0] : b.shape()[1];
  Array<double> out = xt::zeros<double>({m, n});
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double sum = beta != 0.0f ? double(beta) * c(i, j) : 0.0;
      for (std::size_t kk = 0; kk < k; ++kk)
        sum += double(a(i, kk)) * double(transpose_b ? b(j, kk) : b(kk, j));
      out(i, j) = sum;
    }
  return out;
}

Array<float> random_float(const Shape& shape, std::uint64_t seed) {
  return xt::cast<float>(uniform(shape, seed));
}

}  // namespace

TEST_CASE("float gemm equals a float64 reference around the few-row path's blocks and limits") {
  std::uint64_t seed = 0;
  for (std::size_t m : {1, 7, 8, 9, 16, 31, 64, 65})
    for (std::size_t n : {1, 17, 32, 33, 100})
      for (std::size_t k : {1, 7, 64})
        for (bool transpose_b : {false, true})
          for (float beta : {0.0f, 1.0f}) {
            CAPTURE(m);
            CAPTURE(n);
            CAPTURE(k);
            CAPTURE(transpose_b);
            CAPTURE(beta);
            const Array<float> a = random_float({m, k}, ++seed);
            const Array<float> b = random_float(transpose_b ? Shape{n, k} : Shape{k, n}, ++seed);
            Array<float> c = random_float({m, n}, ++seed);
            const Array<float> c_before = c;
            // With beta = 0, c's old values must not be read: make them NaN.
            if (beta == 0.0f) c.fill(std::numeric_limits<float>::quiet_NaN());
            gemm(a, false, b, transpose_b, c, 1.0f, beta);
            const Array<double> expected = reference(a, b, transpose_b, c_before, beta);
            std::size_t wrong = 0;  // counts NaN too, which std::max would drop
            for (std::size_t i = 0; i < c.size(); ++i)
              if (!(std::abs(double(c.data()[i]) - expected.data()[i]) <=
                    1e-5 * (1.0 + std::abs(expected.data()[i]))))
                ++wrong;
            CHECK(wrong == 0);
          }
}

// tests/CMakeLists.txt runs this case again with TAPEGRAD_FEW_ROW_GEMM=0, which turns it off.
TEST_CASE("the few-row path takes exactly the products it is for") {
  const Array<float> a = random_float({16, 8}, 1), b = random_float({8, 40}, 2);
  Array<float> c = Array<float>::from_shape({16, 40});
  const char* setting = std::getenv("TAPEGRAD_FEW_ROW_GEMM");
  const bool switched_off = setting && std::string(setting) == "0";
#if defined(__AVX512F__)
  const bool expected = !switched_off;
#else
  const bool expected = false;
#endif
  CHECK(detail::gemm_few_rows(16, 40, 8, a.data(), b.data(), false, c.data(), 0.0f) == expected);
  // The packed weights (NOTE [packed weights]) follow the same switch.
  Array<float> c_packed;
  CHECK(detail::gemm_packed_weight(a, Tensor<float>(b), false, c_packed, 0.0f) == expected);
  CHECK_FALSE(detail::gemm_few_rows(65, 40, 8, a.data(), b.data(), false, c.data(), 0.0f));
  CHECK_FALSE(detail::gemm_few_rows(7, 40, 8, a.data(), b.data(), false, c.data(), 0.0f));
  const Array<float> big = random_float({512, 1024}, 3);  // 2 MiB
  Array<float> c_big = Array<float>::from_shape({16, 1024});
  CHECK_FALSE(detail::gemm_few_rows(16, 1024, 512, random_float({16, 512}, 4).data(), big.data(),
                                    false, c_big.data(), 0.0f));
  CHECK_FALSE(detail::gemm_few_rows(16, 40, 8, a.data(), b.data(), false, c.data(), 0.5f));
}
