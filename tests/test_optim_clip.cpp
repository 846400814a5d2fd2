// Gradient clipping by global norm and by value.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "autodiff/ops.hpp"
#include "optim/optim.hpp"

using namespace tapegrad;

namespace {

// Gradients (3, 4) and (12,), of global norm √(9 + 16 + 144) = 13, and a third parameter
// without a gradient, which is left out.
std::vector<Tensor<double>> parameters_with_norm_13() {
  std::vector<Tensor<double>> p{Tensor<double>(Array<double>{0.0, 0.0}, true),
                                Tensor<double>(Array<double>{0.0}, true),
                                Tensor<double>(Array<double>{0.0}, true)};
  p[0].set_grad(Tensor<double>(Array<double>{3.0, 4.0}));
  p[1].set_grad(Tensor<double>(Array<double>{12.0}));
  return p;
}

}  // namespace

TEST_CASE("grad_norm is the L2 norm of all defined gradients together") {
  auto p = parameters_with_norm_13();
  CHECK(grad_norm(p) == 13.0);
  CHECK(grad_norm(std::vector<Tensor<double>>{Tensor<double>(Array<double>{1.0})}) == 0.0);
}

TEST_CASE("clip_grad_norm returns the norm before clipping and scales by max_norm/(norm+1e-6)") {
  auto p = parameters_with_norm_13();
  CHECK(clip_grad_norm(p, 6.5) == 13.0);
  const double scale = 6.5 / (13.0 + 1e-6);
  CHECK(p[0].grad().value() == Array<double>{3.0 * scale, 4.0 * scale});
  CHECK(p[1].grad().value()(0) == 12.0 * scale);
  CHECK_FALSE(p[2].grad().defined());
  CHECK(grad_norm(p) == doctest::Approx(6.5).epsilon(1e-6));
}

TEST_CASE("clip_grad_norm leaves gradients alone when the factor is not below 1") {
  auto p = parameters_with_norm_13();
  const Tensor<double> before = p[0].grad();
  CHECK(clip_grad_norm(p, 13.000001) == 13.0);  // 13.000001 / 13.000001 = 1: no change
  CHECK(p[0].grad().value() == Array<double>{3.0, 4.0});
  CHECK(p[0].grad().impl() == before.impl());
  // At exactly max_norm = norm the 1e-6 still makes the factor < 1, as in PyTorch.
  CHECK(clip_grad_norm(p, 13.0) == 13.0);
  CHECK(p[1].grad().value()(0) == 12.0 * (13.0 / (13.0 + 1e-6)));
}

TEST_CASE("clip_grad_norm reports a non-finite norm and does not apply it") {
  for (double bad : {std::numeric_limits<double>::infinity(), std::nan("")}) {
    CAPTURE(bad);
    auto p = parameters_with_norm_13();
    p[1].set_grad(Tensor<double>(Array<double>{bad}));
    const double norm = clip_grad_norm(p, 1.0);
    CHECK_FALSE(std::isfinite(norm));
    CHECK(p[0].grad().value() == Array<double>{3.0, 4.0});
  }
}

TEST_CASE("clip_grad_norm with no gradients returns 0; a bad max_norm is an error") {
  std::vector<Tensor<double>> p{Tensor<double>(Array<double>{1.0}, true)};
  CHECK(clip_grad_norm(p, 1.0) == 0.0);
  CHECK_THROWS_WITH_AS(clip_grad_norm(p, -1.0), "clip_grad_norm: max_norm must be >= 0, got -1",
                       Error);
  CHECK_THROWS_AS(clip_grad_norm(p, std::nan("")), Error);
}

TEST_CASE("clip_grad_norm works in single precision, with the norm in double") {
  std::vector<Tensor<float>> p{Tensor<float>(Array<float>{0.0f, 0.0f}, true)};
  p[0].set_grad(Tensor<float>(Array<float>{3.0f, 4.0f}));
  CHECK(clip_grad_norm(p, 1.0) == 5.0);
  const float scale = static_cast<float>(1.0 / (5.0 + 1e-6));
  CHECK(p[0].grad().value() == Array<float>{3.0f * scale, 4.0f * scale});
}

TEST_CASE("clipping a recorded gradient (create_graph) replaces it instead of editing it") {
  Tensor<double> x(Array<double>{3.0, 4.0}, true);
  sum(x * x).backward({.create_graph = true});
  const Tensor<double> recorded = x.grad();
  REQUIRE_FALSE(recorded.is_leaf());
  std::vector<Tensor<double>> p{x};
  CHECK(clip_grad_norm(p, 1.0) == 10.0);
  CHECK(recorded.value() == Array<double>{6.0, 8.0});  // what its consumers saw, unchanged
  const double scale = 1.0 / (10.0 + 1e-6);
  CHECK(x.grad().value() == Array<double>{6.0 * scale, 8.0 * scale});
  tape().reset();
}

TEST_CASE("clip_grad_value clamps every element; NaN stays NaN") {
  std::vector<Tensor<double>> p{Tensor<double>(Array<double>{0.0, 0.0, 0.0, 0.0}, true),
                                Tensor<double>(Array<double>{0.0}, true)};
  p[0].set_grad(Tensor<double>(Array<double>{-3.0, 0.5, 2.0, std::nan("")}));
  clip_grad_value(p, 1.0);
  const Array<double>& g = p[0].grad().value();
  CHECK(g(0) == -1.0);
  CHECK(g(1) == 0.5);
  CHECK(g(2) == 1.0);
  CHECK(std::isnan(g(3)));
  CHECK_FALSE(p[1].grad().defined());
  CHECK_THROWS_WITH_AS(clip_grad_value(p, -0.5),
                       "clip_grad_value: clip_value must be >= 0, got -0.5", Error);
}
