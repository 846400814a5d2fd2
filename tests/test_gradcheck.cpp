// gradcheck checked itself (it must catch a wrong backward and say where), a user's op written
// with record(), and a 5-step tanh RNN written as plain forward code: its gradient, its
// second-order gradient, and the gradient of its gradient norm.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "test_ops_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

using Inputs = std::vector<Tensor<double>>;

constexpr double kTolerance = 1e-8;

// A user's op: y = x^2 w, with w broadcast against x. The backward is written with Tensor ops,
// so it can be differentiated again, and leaves w's gradient in the broadcast shape for the
// tape to sum back.
Tensor<double> square_times(const Tensor<double>& x, const Tensor<double>& w) {
  Tensor<double> out(Array<double>(x.value() * x.value() * w.value()));
  return record("square_times", {x, w}, out, [x, w](const Tensor<double>& g, const auto& needs) {
    return std::array{needs[0] ? g * 2.0 * x * w : Tensor<double>(),
                      needs[1] ? g * x * x : Tensor<double>()};
  });
}

// y = x^3 with a backward that is off by `error` at one flat element.
Tensor<double> cube_wrong_at(const Tensor<double>& x, std::size_t element, double error) {
  Tensor<double> out(Array<double>(x.value() * x.value() * x.value()));
  Array<double> bump = xt::zeros<double>(x.shape());
  bump.data()[element] = error;
  return record("cube_wrong_at", {x}, out,
                [x, bump = Tensor<double>(std::move(bump))](const Tensor<double>& g) {
                  return g * (3.0 * x * x + bump);
                });
}

// y = x^3 whose backward saves x^2 as a plain value: right at first order, but the second
// order cannot see that x^2 depends on x.
Tensor<double> cube_with_constant_backward(const Tensor<double>& x) {
  Tensor<double> out(Array<double>(x.value() * x.value() * x.value()));
  Tensor<double> square(Array<double>(x.value() * x.value()));
  return record("cube_with_constant_backward", {x}, out,
                [square](const Tensor<double>& g) { return g * 3.0 * square; });
}

// y = x^3 whose backward gives a different answer when it is being recorded (create_graph).
Tensor<double> cube_differs_when_recorded(const Tensor<double>& x) {
  Tensor<double> out(Array<double>(x.value() * x.value() * x.value()));
  return record("cube_differs_when_recorded", {x}, out,
                [x](const Tensor<double>& g) { return g * (grad_enabled() ? 3.3 : 3.0) * x * x; });
}

}  // namespace

TEST_CASE("a user's op written with record() passes gradcheck and gradgradcheck") {
  const CheckedFunction f = [](const Inputs& x) { return square_times(x[0], x[1]); };
  const std::vector<Array<double>> inputs = {uniform({2, 3}, 1), uniform({3}, 2)};
  const auto first = gradcheck(f, inputs);
  INFO(first.str());
  CHECK(first.passed(kTolerance));
  const auto second = gradgradcheck(f, inputs);
  INFO(second.str());
  CHECK(second.passed(kTolerance));
}

TEST_CASE("a user's backward of the wrong shape is an error naming the op") {
  Tensor<double> x(Array<double>{1.0, 2.0}, true);
  Tensor<double> out(Array<double>(2.0 * x.value()));
  auto y = record("doubler", {x}, out,
                  [](const Tensor<double>&) { return Tensor<double>(xt::ones<double>({3})); });
  CHECK_THROWS_WITH_AS(
      sum(y).backward(),
      "doubler backward: gradient of shape (3,) does not reduce to its input's shape (2,)", Error);
  tape().reset();
}

TEST_CASE("gradcheck fails a wrong backward and reports the worst element") {
  const CheckedFunction f = [](const Inputs& x) { return cube_wrong_at(x[0], 5, 10.0); };
  const auto report = gradcheck(f, {uniform({3, 4}, 3)});
  CAPTURE(report.str());
  CHECK_FALSE(report.passed(1e-3));
  REQUIRE(report.inputs.size() == 1);
  CHECK(report.inputs[0].worst_index == 5);
  CHECK(std::abs(report.inputs[0].analytic - report.inputs[0].numeric) > 0.1);
  CHECK(report.str().find("at element 5") != std::string::npos);
  // The same op without the error passes: the check is not failing for another reason.
  CHECK(gradcheck([](const Inputs& x) { return cube_wrong_at(x[0], 5, 0.0); }, {uniform({3, 4}, 3)})
            .passed(kTolerance));
}

TEST_CASE("gradcheck reports a NaN gradient as failed, at its element") {
  const CheckedFunction f = [](const Inputs& x) {
    return cube_wrong_at(x[0], 2, std::numeric_limits<double>::quiet_NaN());
  };
  const auto report = gradcheck(f, {uniform({2, 3}, 4)});
  CAPTURE(report.str());
  CHECK_FALSE(report.passed(1.0));
  CHECK(std::isnan(report.max_rel_error()));
  CHECK(report.inputs[0].worst_index == 2);
}

TEST_CASE("gradgradcheck catches what gradcheck cannot: a backward that is not differentiable") {
  const CheckedFunction f = [](const Inputs& x) { return cube_with_constant_backward(x[0]); };
  const std::vector<Array<double>> inputs = {uniform({2, 3}, 5)};
  CHECK(gradcheck(f, inputs).passed(kTolerance));
  const auto report = gradgradcheck(f, inputs);
  CAPTURE(report.str());
  CHECK_FALSE(report.passed(1e-3));
  CHECK(report.graph_mismatch == 0.0);
}

TEST_CASE("gradgradcheck catches a create_graph gradient that differs from the plain one") {
  const CheckedFunction f = [](const Inputs& x) { return cube_differs_when_recorded(x[0]); };
  const auto report = gradgradcheck(f, {uniform({2, 3}, 6)});
  CAPTURE(report.str());
  CHECK(report.graph_mismatch > 1e-3);
  CHECK_FALSE(report.passed(1e-3));
}

namespace {

// A 5-step tanh RNN as plain forward code, inputs {x (5,2,3), weight_ih (4,3), weight_hh (4,4),
// bias (4,), h0 (2,4)}:  h_t = tanh(x_t weight_ih^T + h_{t-1} weight_hh^T + bias).
// Returns the last hidden state.
Tensor<double> tanh_rnn(const Inputs& p) {
  const auto& x = p[0];
  const auto &weight_ih = p[1], &weight_hh = p[2], &bias = p[3];
  Tensor<double> hidden = p[4];
  for (std::size_t t = 0; t < x.shape()[0]; ++t)
    hidden = tanh(matmul(select(x, 0, t), weight_ih, false, true) +
                  matmul(hidden, weight_hh, false, true) + bias);
  return hidden;
}

std::vector<Array<double>> rnn_inputs() {
  return {uniform({5, 2, 3}, 11), uniform({4, 3}, 12, -0.6, 0.6), uniform({4, 4}, 13, -0.6, 0.6),
          uniform({4}, 14, -0.3, 0.3), uniform({2, 4}, 15)};
}

// The sum of squares of every gradient of L = sum(readout * h_5): what a gradient penalty
// differentiates. With create_graph, the result can be differentiated again.
Tensor<double> rnn_gradient_norm(const Inputs& inputs, bool create_graph) {
  const Tensor<double> readout(uniform({2, 4}, 16));
  const auto loss = sum(tanh_rnn(inputs) * readout);
  Tensor<double> total = Tensor<double>::scalar(0.0);
  for (const auto& g : grad(loss, inputs, {.create_graph = create_graph}))
    total = total + sum(g * g);
  return total;
}

}  // namespace

TEST_CASE("a 5-step tanh RNN passes gradcheck and gradgradcheck") {
  const auto first = gradcheck(tanh_rnn, rnn_inputs());
  INFO(first.str());
  CHECK(first.passed(kTolerance));
  const auto second = gradgradcheck(tanh_rnn, rnn_inputs());
  INFO(second.str());
  CHECK(second.passed(kTolerance));
}

TEST_CASE("the gradient of the RNN's gradient norm matches finite differences") {
  const auto values = rnn_inputs();
  Inputs leaves;
  for (const auto& v : values) leaves.emplace_back(v, true);
  rnn_gradient_norm(leaves, true).backward();

  // d norm / d input[i][k] by the 4-point central difference, error O(h^4).
  auto norm_at = [&](std::size_t i, std::size_t k, double offset) {
    Inputs moved;
    for (const auto& v : values) moved.emplace_back(v, true);
    moved[i].mutable_value().data()[k] += offset;
    const double norm = rnn_gradient_norm(moved, false).item();
    tape().reset();
    return norm;
  };
  const double h = 1e-3;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Array<double>& analytic = leaves[i].grad().value();
    REQUIRE(analytic.shape() == values[i].shape());
    for (std::size_t k = 0; k < values[i].size(); ++k) {
      const double numeric = (8 * (norm_at(i, k, h) - norm_at(i, k, -h)) -
                              (norm_at(i, k, 2 * h) - norm_at(i, k, -2 * h))) /
                             (12 * h);
      CAPTURE(i);
      CAPTURE(k);
      CHECK(analytic.data()[k] == doctest::Approx(numeric).epsilon(1e-7));
    }
  }
}
