#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "autodiff/ops.hpp"
#include "test_ops_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {
// Resident set size in bytes, from /proc.
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}
}  // namespace

TEST_CASE("backward gives the chain rule's gradients") {
  auto x = leaf({1.5, -2.0});
  auto w = leaf({0.5, 3.0});
  auto loss = sum(tanh(x * w));  // dL/dx = w (1 - tanh^2(xw))
  loss.backward();
  for (std::size_t i = 0; i < 2; ++i) {
    double xw = x.value()(i) * w.value()(i);
    double d = 1 - std::tanh(xw) * std::tanh(xw);
    CHECK(x.grad().value()(i) == doctest::Approx(w.value()(i) * d).epsilon(1e-14));
    CHECK(w.grad().value()(i) == doctest::Approx(x.value()(i) * d).epsilon(1e-14));
  }
}

TEST_CASE("gradients accumulate over backward passes until zero_grad") {
  auto x = leaf({2.0});
  for (int pass = 1; pass <= 3; ++pass) {
    (x * x).backward();
    CHECK(x.grad().item() == doctest::Approx(4.0 * pass));
  }
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  (x * 3.0).backward();
  CHECK(x.grad().item() == 3.0);
}

TEST_CASE("a tensor used twice gets both contributions") {
  auto x = leaf({3.0});
  auto y = x * x + x;  // dy/dx = 2x + 1
  y.backward();
  CHECK(x.grad().item() == 7.0);
}

TEST_CASE("no_grad records nothing and detach cuts history") {
  auto x = leaf({1.0, 2.0});
  std::size_t before = tape().num_nodes();
  {
    NoGradGuard no_grad;
    auto y = tanh(x * 2.0);
    CHECK_FALSE(y.requires_grad());
  }
  CHECK(tape().num_nodes() == before);
  auto y = (x * 2.0).detach();
  CHECK(y.is_leaf());
  CHECK_FALSE(y.requires_grad());
  auto z = sum(y * x);
  z.backward();
  CHECK(x.grad().value() == Array<double>{2.0, 4.0});
}

TEST_CASE("requires_grad is per leaf") {
  auto x = leaf({1.0});
  Tensor<double> constant(Array<double>{5.0});
  auto y = x * constant;
  y.backward();
  CHECK(x.grad().item() == 5.0);
  CHECK_FALSE(constant.grad().defined());
}

TEST_CASE("backward on a consumed tape and reuse after reset throw clear errors") {
  auto x = leaf({1.0});
  auto y = tanh(x);
  y.backward();
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("already consumed"), Error);

  auto z = tanh(x);
  tape().reset();
  CHECK_THROWS_WITH_AS(tanh(z), doctest::Contains("reset"), Error);
  CHECK_THROWS_WITH_AS(z.backward(), doctest::Contains("consumed"), Error);
  // A detached copy carries the value on.
  auto w = tanh(z.detach());
  CHECK(w.item() == doctest::Approx(std::tanh(std::tanh(1.0))));
}

TEST_CASE("retain_graph allows a second backward") {
  auto x = leaf({2.0});
  auto y = x * x * x;
  y.backward({.retain_graph = true});
  y.backward();
  CHECK(x.grad().item() == doctest::Approx(24.0));
}

TEST_CASE("backward on a non-scalar needs a seed of its shape") {
  auto x = leaf({1.0, 2.0});
  auto y = x * 3.0;
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("not one element"), Error);
  CHECK_THROWS_WITH_AS(y.backward(Tensor<double>(Array<double>{1.0})), doctest::Contains("seed of shape (1,)"), Error);
  y.backward(Tensor<double>(Array<double>{1.0, -1.0}));
  CHECK(x.grad().value() == Array<double>{3.0, -3.0});
}

TEST_CASE("a gradient of a gradient: d/dx (d/dx x^3) = 6x") {
  auto x = leaf({2.0});
  auto y = x * x * x;
  auto [dy] = std::array{grad(y, {x}, {.create_graph = true})[0]};
  CHECK(dy.item() == doctest::Approx(12.0));
  auto [d2y] = std::array{grad(dy, {x})[0]};
  CHECK(d2y.item() == doctest::Approx(12.0));
}

TEST_CASE("a chain of a million recorded ops runs forward and backward without recursion") {
  auto x = leaf({0.3});
  auto a = leaf({0.5});
  Tensor<double> y = x;
  for (int i = 0; i < 1000000; ++i) y = add_scalar(y * a, 0.1);
  CHECK(tape().num_nodes() == 2000000);
  y.backward();
  // y_n = a y_{n-1} + 0.1: dy/dx = a^n underflows to 0; dy/da is finite.
  CHECK(std::isfinite(a.grad().item()));
  CHECK(x.grad().item() == 0.0);
}

TEST_CASE("100,000 reset cycles of a small RNN step do not grow memory") {
  Generator gen(1);
  auto weight_hh = leaf(0.1 * dropout_mask<double>({8, 8}, 0.5, gen));
  auto weight_ih = leaf(0.1 * dropout_mask<double>({4, 8}, 0.5, gen));
  auto bias = leaf(xt::zeros<double>({8}));
  Tensor<double> x(xt::ones<double>({2, 4}));
  auto step = [&] {
    Tensor<double> h(xt::zeros<double>({2, 8}));
    for (int t = 0; t < 3; ++t) h = tanh(matmul(x, weight_ih) + matmul(h, weight_hh) + bias);
    sum(h * h).backward();
  };
  for (int i = 0; i < 1000; ++i) step();
  const std::size_t warm = resident_bytes();
  for (int i = 0; i < 100000; ++i) {
    step();
    weight_hh.zero_grad();
  }
  CHECK(resident_bytes() <= warm + 512 * 1024);
}

// A user-defined op: y = x^3 with its own backward, written outside the library.
Tensor<double> cube(const Tensor<double>& x) {
  Tensor<double> out(Array<double>(x.value() * x.value() * x.value()));
  return record("cube", {x}, out, [x](const Tensor<double>& g) { return g * 3.0 * x * x; });
}

TEST_CASE("a custom op joins the tape through record()") {
  auto x = leaf({2.0, -1.0});
  sum(cube(x)).backward();
  CHECK(x.grad().value() == Array<double>{12.0, 3.0});
}

TEST_CASE("memory report counts what backward keeps alive, per scope") {
  tape().reset();
  auto x = leaf(xt::ones<double>({10}));
  Tensor<double> y = x;
  for (int t = 0; t < 4; ++t) {
    MemoryScope scope("step " + std::to_string(t));
    y = tanh(y);  // keeps its output: 10 doubles per step
  }
  auto report = tape().memory_report();
  CHECK(report.value_bytes == 4 * 10 * sizeof(double));
  REQUIRE(report.per_scope.size() == 4);
  CHECK(report.per_scope[2].first == "step 2");
  CHECK(report.per_scope[2].second == 80);
  CHECK(report.node_bytes > 0);
  tape().reset();
}
