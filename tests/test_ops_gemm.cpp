// gemm in float against a float64 reference, over the shapes that decide the few-row path
// (NOTE [few-row GEMM]): row counts around its 8-row blocks and its 64-row limit, column
// counts around its 32-column panels, both layouts of b, beta 0 over garbage and beta 1.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include <xtensor/xview.hpp>

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
            const Array<float> a = uniform_float({m, k}, ++seed);
            const Array<float> b = uniform_float(transpose_b ? Shape{n, k} : Shape{k, n}, ++seed);
            Array<float> c = uniform_float({m, n}, ++seed);
            const Array<float> c_before = c;
            // With beta = 0, c's old values must not be read: make them NaN.
            if (beta == 0.0f) c.fill(std::numeric_limits<float>::quiet_NaN());
            gemm(a, false, b, transpose_b, c, 1.0f, beta);
            const Array<double> expected = reference(a, b, transpose_b, c_before, beta);
            CHECK(float_mismatches(c, expected) == 0);
          }
}

TEST_CASE("float gemm_leading_rows equals a float64 reference, and reads only its rows") {
  std::uint64_t seed = 500;
  for (std::size_t rows : {1, 7, 64, 256})
    for (std::size_t m : {1, 7, 8, 9, 33})
      for (std::size_t n : {1, 17, 32, 33, 100})
        for (float beta : {0.0f, 1.0f}) {
          CAPTURE(rows);
          CAPTURE(m);
          CAPTURE(n);
          CAPTURE(beta);
          // Stacked factors with two rows more than are used; those are NaN, never read.
          Array<float> a = uniform_float({rows + 2, m}, ++seed);
          Array<float> b = uniform_float({rows + 2, n}, ++seed);
          for (std::size_t j = rows * m; j < a.size(); ++j)
            a.data()[j] = std::numeric_limits<float>::quiet_NaN();
          for (std::size_t j = rows * n; j < b.size(); ++j)
            b.data()[j] = std::numeric_limits<float>::quiet_NaN();
          Array<float> c = uniform_float({m, n}, ++seed);
          const Array<float> c_before = c;
          if (beta == 0.0f) c.fill(std::numeric_limits<float>::quiet_NaN());
          gemm_leading_rows(a, b, rows, c, beta);
          // a[:rows]ᵀ b[:rows]: the reference's a is the transpose of the used rows.
          const Array<float> a_used = xt::transpose(xt::view(a, xt::range(0, rows), xt::all()));
          const Array<float> b_used = xt::view(b, xt::range(0, rows), xt::all());
          const Array<double> expected = reference(a_used, b_used, false, c_before, beta);
          CHECK(float_mismatches(c, expected) == 0);
        }
}

// tests/CMakeLists.txt runs this case again with TAPEGRAD_FEW_ROW_GEMM=0, which turns it off.
TEST_CASE("the few-row path takes exactly the products it is for") {
  const Array<float> a = uniform_float({16, 8}, 1), b = uniform_float({8, 40}, 2);
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
  Array<float> c_gradient = Array<float>::from_shape({8, 40});  // a[:16]ᵀ · b_rows[:16]
  const Array<float> b_rows = uniform_float({16, 40}, 5);
  CHECK(detail::gemm_transposed_rows(16, 8, 40, a.data(), b_rows.data(), c_gradient.data(), 0.0f) ==
        expected);
  CHECK_FALSE(detail::gemm_few_rows(65, 40, 8, a.data(), b.data(), false, c.data(), 0.0f));
  CHECK_FALSE(detail::gemm_few_rows(7, 40, 8, a.data(), b.data(), false, c.data(), 0.0f));
  const Array<float> big = uniform_float({512, 1024}, 3);  // 2 MiB
  Array<float> c_big = Array<float>::from_shape({16, 1024});
  CHECK_FALSE(detail::gemm_few_rows(16, 1024, 512, uniform_float({16, 512}, 4).data(), big.data(),
                                    false, c_big.data(), 0.0f));
  CHECK_FALSE(detail::gemm_few_rows(16, 40, 8, a.data(), b.data(), false, c.data(), 0.5f));
}
