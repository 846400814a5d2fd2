// NOTE [packing weight gradients]: a weight's gradient gathered from many small products
// a_t^T b_t is multiplied in packs of stacked rows. These check that the packed sum is the sum:
// across more than one pack, mixed with gradients added the ordinary way, through grad(), and
// that a pass which throws leaves nothing behind for the next one.
#include <doctest/doctest.h>

#include "autodiff/ops.hpp"

using namespace tapegrad;

namespace {

// loss = sum_t sum((x_t w^T) ⊙ c_t) over `steps` steps of 8 rows: dloss/dw = sum_t c_t^T x_t.
// 40 steps are 320 rows, more than one 256-row pack.
struct Products {
  explicit Products(std::size_t steps) {
    Generator random(7);
    weight = Tensor<double>(random.normal<double>({6, 5}), true);
    for (std::size_t t = 0; t < steps; ++t) {
      inputs.emplace_back(random.normal<double>({8, 5}));
      coefficients.emplace_back(random.normal<double>({8, 6}));
    }
    expected = xt::zeros<double>({6, 5});
    for (std::size_t t = 0; t < steps; ++t)
      for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < 5; ++j)
          for (std::size_t r = 0; r < 8; ++r)
            expected(i, j) += coefficients[t].value()(r, i) * inputs[t].value()(r, j);
  }
  Tensor<double> loss() const {
    Tensor<double> total = sum(matmul(inputs[0], weight, false, true) * coefficients[0]);
    for (std::size_t t = 1; t < inputs.size(); ++t)
      total = total + sum(matmul(inputs[t], weight, false, true) * coefficients[t]);
    return total;
  }
  Tensor<double> weight;
  std::vector<Tensor<double>> inputs, coefficients;
  Array<double> expected;
};

void check_close(const Array<double>& actual, const Array<double>& expected) {
  REQUIRE(actual.shape() == expected.shape());
  CHECK(xt::amax(xt::abs(actual - expected))() <= 1e-12 * (1 + xt::amax(xt::abs(expected))()));
}

}  // namespace

TEST_CASE("a weight's packed products sum to its gradient, within one pack and across packs") {
  for (std::size_t steps : {3, 40}) {
    CAPTURE(steps);
    Products products(steps);
    products.loss().backward();
    check_close(products.weight.grad().value(), products.expected);
  }
}

TEST_CASE("packed products add to gradients gathered the ordinary way") {
  Products products(40);
  // w also reaches the loss directly: its gradient 2w is added before the packs are multiplied.
  Tensor<double> loss = products.loss() + sum(products.weight * products.weight);
  loss.backward();
  check_close(products.weight.grad().value(), products.expected + 2.0 * products.weight.value());
}

TEST_CASE("grad() returns the packed sum") {
  Products products(40);
  const std::vector<Tensor<double>> grads = grad(products.loss(), {products.weight});
  check_close(grads[0].value(), products.expected);
  CHECK_FALSE(products.weight.grad().defined());
}

TEST_CASE("a backward pass that throws leaves no packed products to the next") {
  Products products(40);
  Tensor<double> other(Array<double>({1.0, 2.0}), true);
  // Recorded first, so its backward runs last, after the products were packed.
  Tensor<double> failing = record("fails_in_backward", {other}, Tensor<double>(other.value()),
                                  [](const Tensor<double>&) -> Tensor<double> {
                                    throw Error("fails_in_backward: on purpose");
                                  });
  Tensor<double> loss = sum(failing) + products.loss();
  CHECK_THROWS_WITH(loss.backward(), "fails_in_backward: on purpose");
  tape().reset();
  products.weight.zero_grad();
  products.loss().backward();
  check_close(products.weight.grad().value(), products.expected);
}
