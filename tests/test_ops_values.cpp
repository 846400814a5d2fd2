// Ops against hand-computed values: what gradcheck cannot see (a forward value, a convention at
// a kink, stability at extreme inputs, dropout's randomness), and the same code in float32.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

#include "autodiff/ops.hpp"
#include "test_ops_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

// An (n,1) column: a braced {{1}, {2}} is ambiguous between a matrix and a list of scalars.
Array<double> column_of(std::initializer_list<double> values) {
  Array<double> column = Array<double>(values);
  column.reshape({values.size(), 1});
  return column;
}

// Elementwise |actual - expected| <= tolerance, with the shapes equal.
void check_close(const Array<double>& actual, const Array<double>& expected,
                 double tolerance = 1e-12) {
  REQUIRE(shape_str(actual.shape()) == shape_str(expected.shape()));
  for (std::size_t k = 0; k < actual.size(); ++k) {
    CAPTURE(k);
    CHECK(actual.data()[k] == doctest::Approx(expected.data()[k]).epsilon(tolerance).scale(1.0));
  }
}

}  // namespace

TEST_CASE("broadcasting: (3,1) x (1,4) and a 0-d operand, gradients summed back to each shape") {
  auto column = leaf(column_of({1.0, 2.0, 3.0}));
  auto row = leaf({{10.0, 20.0, 30.0, 40.0}});
  auto product = column * row;
  check_close(product.value(), {{10, 20, 30, 40}, {20, 40, 60, 80}, {30, 60, 90, 120}});
  sum(product).backward();
  check_close(column.grad().value(), column_of({100.0, 100.0, 100.0}));  // the row's sum
  check_close(row.grad().value(), {{6.0, 6.0, 6.0, 6.0}});               // the column's sum

  auto scale = Tensor<double>::scalar(2.0, true);
  auto matrix = leaf({{1.0, -2.0, 3.0}, {4.0, 5.0, -6.0}});
  auto bias = leaf({0.5, 0.25, -1.0});
  sum((matrix - bias) / scale).backward();
  CHECK(scale.grad().dim() == 0);
  // d/ds sum((m - b) / s) = -sum(m - b) / s^2 = -(5 - 2 * (-0.25)) / 4.
  CHECK(scale.grad().item() == doctest::Approx(-(5.0 + 0.5) / 4.0));
  check_close(bias.grad().value(), {-1.0, -1.0, -1.0});  // two rows, each -1/s
}

TEST_CASE("matmul values with each transpose flag") {
  Tensor<double> a(Array<double>{{1, 2}, {3, 4}}), b(Array<double>{{5, 6}, {7, 8}});
  check_close(matmul(a, b).value(), {{19, 22}, {43, 50}});
  check_close(matmul(a, b, true, false).value(), {{26, 30}, {38, 44}});
  check_close(matmul(a, b, false, true).value(), {{17, 23}, {39, 53}});
  check_close(matmul(a, b, true, true).value(), {{23, 31}, {34, 46}});
  // (3,2)^T x (3,1): the non-square case, where a wrong leading dimension would show.
  Tensor<double> tall(Array<double>{{1, 2}, {3, 4}, {5, 6}}), column(column_of({1, 0, -1}));
  check_close(matmul(tall, column, true, false).value(), column_of({-4, -4}));
}

TEST_CASE("softmax rows sum to 1, also for logits of magnitude 1e4") {
  Tensor<double> x(uniform({3, 4}, 3, -5, 5));
  check_close(sum(softmax(x, -1), 1).value(), {1.0, 1.0, 1.0}, 1e-15);
  check_close(sum(softmax(x, 0), 0).value(), {1.0, 1.0, 1.0, 1.0}, 1e-15);
  // Shifting a row leaves its softmax unchanged.
  check_close(softmax(x + 100.0, -1).value(), softmax(x, -1).value(), 1e-14);

  Tensor<double> huge(Array<double>{{1e4, -1e4, 0}, {-1e4, 1e4, 5e3}});
  check_close(softmax(huge, -1).value(), {{1, 0, 0}, {0, 1, 0}});
  check_close(log_softmax(huge, -1).value(), {{0, -2e4, -1e4}, {-2e4, 0, -5e3}});
  check_close(exp(log_softmax(x, 0)).value(), softmax(x, 0).value(), 1e-14);
}

TEST_CASE("cross_entropy equals the hand-computed value and its gradient softmax - one_hot") {
  auto logits = leaf({{1.0, 2.0, 3.0}, {1.0, 1.0, 1.0}});
  auto loss = cross_entropy(logits, {2, 0});
  const double row_sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  CHECK(loss.item() ==
        doctest::Approx((std::log(row_sum) - 3.0 + std::log(3.0)) / 2).epsilon(1e-15));
  loss.backward();
  const double p1 = std::exp(1.0) / row_sum, p2 = std::exp(2.0) / row_sum,
               p3 = std::exp(3.0) / row_sum;
  check_close(logits.grad().value(),
              {{p1 / 2, p2 / 2, (p3 - 1) / 2}, {(1.0 / 3 - 1) / 2, 1.0 / 6, 1.0 / 6}});
}

TEST_CASE_TEMPLATE("cross_entropy is finite for logits of magnitude 1e4", T, float, double) {
  Tensor<T> logits(Array<T>{{1e4, -1e4, 0}, {-1e4, 1e4, 5e3}}, true);
  auto loss = cross_entropy(logits, {0, 2});
  // Row 0 picks its largest logit (loss 0); row 1 is 1e4 - 5e3 below its largest.
  CHECK(loss.item() == T(2500));
  loss.backward();
  const Array<T>& g = logits.grad().value();
  CHECK(xt::all(xt::isfinite(g)));
  CHECK(g == Array<T>{{0, 0, 0}, {0, 0.5, -0.5}});
}

TEST_CASE("dropout: a seed fixes the mask; p=0 and evaluation mode are the identity") {
  Tensor<double> ones(Array<double>(xt::ones<double>({4, 5})));
  Generator first(5), second(5);
  const Array<double> mask = dropout(ones, 0.5, first).value();
  CHECK(dropout(ones, 0.5, second).value() == mask);
  // Inverted dropout: each element is dropped (0) or scaled by 1/(1-p) = 2.
  std::size_t dropped = 0;
  for (double m : mask) {
    CHECK((m == 0.0 || m == 2.0));
    dropped += m == 0.0;
  }
  CHECK(dropped > 0);
  CHECK(dropped < mask.size());
  // The generator moves on: the next mask differs.
  CHECK(dropout(ones, 0.5, first).value() != mask);

  auto x = leaf(uniform({3, 4}, 1));
  Generator generator(9);
  CHECK(dropout(x, 0.0, generator).impl() == x.impl());
  CHECK(dropout(x, 0.5, generator, false).impl() == x.impl());

  // The gradient is the mask itself.
  Generator replay(9), again(9);
  sum(dropout(x, 0.25, replay)).backward();
  CHECK(x.grad().value() == dropout_mask<double>(x.shape(), 0.25, again));
}

TEST_CASE("gather_rows backward accumulates repeated indices; scatter_add_rows adds rows") {
  auto table = leaf({{0.1, 0.2}, {0.3, 0.4}, {0.5, 0.6}});
  Tensor<double> weights(Array<double>{{1, 2}, {3, 4}, {5, 6}, {7, 8}});
  auto rows = gather_rows(table, {2, 0, 2, 2});
  check_close(rows.value(), {{0.5, 0.6}, {0.1, 0.2}, {0.5, 0.6}, {0.5, 0.6}});
  sum(rows * weights).backward();
  // Row 2 was picked at positions 0, 2 and 3; row 1 never.
  check_close(table.grad().value(), {{3, 4}, {0, 0}, {1 + 5 + 7, 2 + 6 + 8}});

  Tensor<double> source(Array<double>{{1, 2}, {3, 4}, {5, 6}});
  check_close(scatter_add_rows(source, {1, 0, 1}, 3).value(), {{3, 4}, {6, 8}, {0, 0}});
}

TEST_CASE("gradient conventions at kinks and for unused outputs") {
  // relu passes no gradient at 0; clamp passes it at its bounds (PyTorch's conventions).
  auto x = leaf({-1.0, -0.5, 0.0, 0.5, 1.0});
  sum(relu(x)).backward();
  check_close(x.grad().value(), {0, 0, 0, 1, 1});
  x.zero_grad();
  sum(clamp(x, -0.5, 0.5)).backward();
  check_close(x.grad().value(), {0, 1, 1, 1, 0});

  // A split part nobody uses gets a zero gradient.
  auto matrix = leaf(uniform({4, 3}, 2));
  sum(split(matrix, 2, 0)[1]).backward();
  check_close(matrix.grad().value(), {{0, 0, 0}, {0, 0, 0}, {1, 1, 1}, {1, 1, 1}});

  // where sends the gradient to the chosen side only, after broadcasting the condition.
  auto a = leaf({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  auto b = Tensor<double>::scalar(0.0, true);
  sum(tapegrad::where(Array<bool>{true, false, true}, a, b)).backward();
  check_close(a.grad().value(), {{1, 0, 1}, {1, 0, 1}});
  CHECK(b.grad().item() == 2.0);
}

TEST_CASE("shape ops move elements where their names say") {
  Tensor<double> x(Array<double>{{{0, 1}, {2, 3}, {4, 5}}, {{6, 7}, {8, 9}, {10, 11}}});  // (2,3,2)
  auto permuted = transpose(x, {2, 0, 1});
  CHECK(shape_str(permuted.shape()) == "(2,2,3)");
  CHECK(permuted.value()(1, 0, 2) == x.value()(0, 2, 1));
  check_close(reshape(x, std::vector<long>{-1, 4}).value(),
              {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}});
  check_close(narrow(x, 1, 1, 2).value(), {{{2, 3}, {4, 5}}, {{8, 9}, {10, 11}}});
  check_close(select(x, -1, 1).value(), {{1, 3, 5}, {7, 9, 11}});
  check_close(pad_axis(select(x, 0, 0), 1, 1, 0).value(), {{0, 0, 1}, {0, 2, 3}, {0, 4, 5}});
  check_close(stack<double>({select(x, 2, 0), select(x, 2, 1)}, -1).value(), x.value());
  check_close(concat(split(x, 3, 1), 1).value(), x.value());
  check_close(sum(x, -2).value(), {{6, 9}, {24, 27}});
  check_close(mean(x, 0, true).value(), {{{3, 4}, {5, 6}, {7, 8}}});
  check_close(sum_to(x, Shape{3, 1}).value(),
              column_of({0 + 1 + 6 + 7.0, 2 + 3 + 8 + 9.0, 4 + 5 + 10 + 11.0}));
  check_close(broadcast_to(Tensor<double>(Array<double>{1, 2}), Shape{2, 2}).value(),
              {{1, 2}, {1, 2}});
}

TEST_CASE("the fused tanh_backward and sigmoid_backward equal the compositions they replace") {
  using Fused = Tensor<double> (*)(const Tensor<double>&, const Tensor<double>&);
  const std::vector<std::pair<Fused, Fused>> pairs = {
      {tanh_backward<double>,
       [](const Tensor<double>& g, const Tensor<double>& y) { return g * (1.0 - y * y); }},
      {sigmoid_backward<double>,
       [](const Tensor<double>& g, const Tensor<double>& y) { return g * y * (1.0 - y); }}};
  const Tensor<double> weight(uniform({2, 3}, 7));
  for (const auto& [fused, composed] : pairs) {
    auto grad_out = leaf(uniform({2, 3}, 8)), out = leaf(uniform({2, 3}, 9));
    // Each gradient consumes its recording, so each side is recorded on its own.
    auto expected = composed(grad_out, out);
    auto expected_grads = grad(sum(expected * weight), {grad_out, out});
    auto actual = fused(grad_out, out);
    check_close(actual.value(), expected.value(), 1e-15);
    auto actual_grads = grad(sum(actual * weight), {grad_out, out});
    check_close(actual_grads[0].value(), expected_grads[0].value(), 1e-15);
    check_close(actual_grads[1].value(), expected_grads[1].value(), 1e-15);
  }
}

namespace {

// One small model through every op, written once for any element type; returns each
// parameter's gradient in float64.
template <class T>
std::vector<Array<double>> every_op_gradients() {
  auto parameter = [](const Array<double>& value) { return Tensor<T>(xt::cast<T>(value), true); };
  auto input = parameter(uniform({3, 4}, 1));
  auto weight = parameter(uniform({5, 4}, 2));
  auto bias = parameter(uniform({5}, 3));
  auto table = parameter(uniform({6, 5}, 4));
  auto target = parameter(uniform({4, 4}, 5, 0.1, 0.9));
  Generator generator(11);

  auto hidden = tanh(matmul(input, weight, false, true) + bias);  // (3,5)
  auto embedded = gather_rows(table, {1, 4, 1});                  // (3,5)
  auto mixed =
      sigmoid(hidden * embedded) + relu(hidden - T(0.1)) - clamp(embedded, T(-0.5), T(0.5)) / T(2);
  auto dropped = dropout(mixed, 0.25, generator);
  auto halves = split(narrow(dropped, 1, 0, 4), 2, 1);                           // 2 x (3,2)
  auto stacked = stack<T>({halves[0], T(1) - halves[1]}, 0);                     // (2,3,2)
  auto flat = reshape(transpose(stacked, {1, 0, 2}), std::vector<long>{3, -1});  // (3,4)
  auto last = reshape(select(dropped, 1, 4), Shape{3, 1});
  auto logits = concat<T>({flat, last}, 1);  // (3,5)
  auto scattered = scatter_add_rows(logits, {2, 0, 2}, 4);
  auto padded = pad_axis(flat, 0, 1, 0);  // (4,4)

  auto loss = cross_entropy(logits, {0, 4, 2}) + mse_loss(softmax(padded, 0), transpose(target));
  loss = loss - sum(mean(log_softmax(scattered, -1), 0)) * T(0.1);
  loss = loss + mean(sqrt(exp(hidden) + T(1))) + mean(sum(pow(sigmoid(logits), T(1.5)), 1));
  loss = loss + sum(tapegrad::where(Array<bool>{{true, false, true, false, true}},
                                    sum_to(broadcast_to(bias, Shape{2, 5}), Shape{5}),
                                    embedded / (T(2) + embedded * embedded)));
  loss = loss + mean(log(T(1) + exp(-hidden))) +
         sum(rdiv_scalar(T(3) + sub(input, neg(input)), T(1))) -
         rsub_scalar(mul_scalar(add_scalar(sum(input), T(1)), T(0.5)), T(3)) +
         mean(div(table, table + T(3)));
  loss.backward();
  std::vector<Array<double>> grads;
  for (const auto& p : {input, weight, bias, table, target})
    grads.emplace_back(xt::cast<double>(p.grad().value()));
  return grads;
}

}  // namespace

TEST_CASE_TEMPLATE("the same code runs in float32 and float64, with gradients agreeing to 1e-5", T,
                   float, double) {
  const auto reference = every_op_gradients<double>();
  const auto grads = every_op_gradients<T>();
  REQUIRE(grads.size() == reference.size());
  for (std::size_t i = 0; i < grads.size(); ++i) {
    CAPTURE(i);
    check_close(grads[i], reference[i], 1e-5);
  }
}
