// Module naming and composition, Linear, Embedding, Dropout, layer_norm and the initialisers.
#include <doctest/doctest.h>

#include <cmath>
#include <xtensor/xview.hpp>

#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "layers/dropout.hpp"
#include "layers/embedding.hpp"
#include "layers/init.hpp"
#include "layers/layer_norm.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "test_layers_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

// A small language model, composed the way a user would: children registered by name.
struct TinyLanguageModel : Module<double> {
  TinyLanguageModel()
      : embedding(10, 4, 1),
        lstm(LSTMOptions{{.input_size = 4, .hidden_size = 3}, {.num_layers = 2}}, 2),
        dropout(0.5, 3),
        head(3, 10, true, 4) {
    register_module("embedding", embedding);
    register_module("lstm", lstm);
    register_module("dropout", dropout);
    register_module("head", head);
  }
  std::string type_name() const override { return "TinyLanguageModel"; }

  Embedding<double> embedding;
  LSTM<double> lstm;
  Dropout<double> dropout;
  Linear<double> head;
};

Array<double> column_dots(const Array<double>& q) {
  Array<double> gram = xt::zeros<double>({q.shape()[1], q.shape()[1]});
  for (std::size_t i = 0; i < q.shape()[1]; ++i)
    for (std::size_t j = 0; j < q.shape()[1]; ++j)
      for (std::size_t k = 0; k < q.shape()[0]; ++k) gram(i, j) += q(k, i) * q(k, j);
  return gram;
}

Array<double> eye(std::size_t n) {
  Array<double> identity = xt::zeros<double>({n, n});
  for (std::size_t i = 0; i < n; ++i) identity(i, i) = 1;
  return identity;
}

}  // namespace

TEST_CASE("Module: children's parameters are named with a prefix, as PyTorch's state_dict keys") {
  TinyLanguageModel model;
  const std::vector<std::string> expected{
      "embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
      "lstm.bias_hh_l0",  "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1",
      "lstm.bias_hh_l1",  "head.weight",       "head.bias"};
  CHECK(parameter_names(model) == expected);
  CHECK(model.parameters().size() == expected.size());
  for (const auto& parameter : model.parameters()) {
    CHECK(parameter.is_leaf());
    CHECK(parameter.requires_grad());
  }
  // The same tensor as the member: an update through one is seen through the other.
  CHECK(model.parameter("head.weight").impl() == model.head.weight.impl());
  CHECK(model.parameter("lstm.weight_hh_l1").impl() == model.lstm.cell(1).weight_hh.impl());
  CHECK_THROWS_WITH_AS(model.parameter("head.wieght"),
                       doctest::Contains("TinyLanguageModel: no parameter named 'head.wieght'"),
                       Error);
}

TEST_CASE("Module: train/eval reaches every child, and zero_grad every parameter") {
  TinyLanguageModel model;
  CHECK(model.is_training());
  model.eval();
  CHECK(!model.dropout.is_training());
  CHECK(!model.lstm.is_training());
  CHECK(!model.lstm.cell(1).is_training());
  model.train();
  CHECK(model.lstm.cell(0).is_training());

  const Tensor<double> tokens = model.embedding.forward({1, 2, 3, 4, 5, 6});  // (T*B, 4)
  const Tensor<double> input = reshape(tokens, std::vector<long>{3, 2, 4});
  const Tensor<double> output = model.lstm.forward(input).output;
  sum(model.head.forward(model.dropout.forward(output))).backward();
  for (const auto& [name, parameter] : model.named_parameters()) {
    CAPTURE(name);
    CHECK(parameter.grad().defined());
  }
  model.zero_grad();
  for (const auto& parameter : model.parameters()) CHECK(!parameter.grad().defined());
  tape().reset();
}

TEST_CASE("Module: set_parameter copies a value in, and refuses a wrong shape") {
  Linear<double> linear(3, 2);
  const auto* identity = linear.weight.impl();
  linear.set_parameter("weight", Array<double>{{1, 2, 3}, {4, 5, 6}});
  CHECK(linear.weight.impl() == identity);
  CHECK(linear.weight.value()(1, 2) == 6);
  CHECK_THROWS_WITH_AS(linear.set_parameter("weight", Array<double>{{1, 2}, {3, 4}}),
                       "Linear: parameter 'weight' has shape (2,3), got a value of shape (2,2)",
                       Error);
}

TEST_CASE("Linear: y = x W^T + b over any leading axes, PyTorch's default bounds") {
  Linear<double> linear(3, 2);
  linear.set_parameter("weight", Array<double>{{1, 0, -1}, {0.5, 2, 0}});
  linear.set_parameter("bias", Array<double>{0.25, -1});
  const Array<double> x{{1, 2, 3}, {-1, 0, 1}};
  const Array<double> expected{{1 - 3 + 0.25, 0.5 + 4 - 1}, {-1 - 1 + 0.25, -0.5 - 1}};
  CHECK(max_abs_diff(linear.forward(Tensor<double>(x)).value(), expected) < 1e-15);
  // (T, B, in) -> (T, B, out): the same rows.
  Array<double> x3 = xt::zeros<double>({2, 2, 3});
  xt::view(x3, 1) = x;
  const Array<double> y3 = linear.forward(Tensor<double>(x3)).value();
  CHECK(y3.shape() == Shape{2, 2, 2});
  CHECK(max_abs_diff(Array<double>(xt::view(y3, 1)), expected) < 1e-15);
  CHECK_THROWS_WITH_AS(linear.forward(Tensor<double>(Array<double>(xt::zeros<double>({2, 4})))),
                       "Linear: input of shape (2,4), expected (..., 3) with at least 2 axes",
                       Error);

  Linear<double> wide(400, 50, true, 7);
  const double bound = 1 / std::sqrt(400.0);
  CHECK(xt::amax(xt::abs(wide.weight.value()))() <= bound);
  CHECK(xt::amax(xt::abs(wide.weight.value()))() > 0.95 * bound);
  CHECK(xt::amax(xt::abs(wide.bias.value()))() <= bound);
  Linear<double> no_bias(3, 2, false);
  CHECK(parameter_names(no_bias) == std::vector<std::string>{"weight"});
}

TEST_CASE("Embedding: lookup and one-hot product give identical values and gradients") {
  Embedding<double> embedding(6, 3, 5);
  const std::vector<std::size_t> indices{4, 0, 4, 2, 5};  // a repeated index accumulates
  std::mt19937_64 engine(1);
  const Tensor<double> weights(random_array({indices.size(), 3}, engine));

  const Tensor<double> looked_up = embedding.forward(indices);
  sum(looked_up * weights).backward();
  const Array<double> lookup_grad = embedding.weight.grad().value();
  embedding.zero_grad();
  tape().reset();

  const Tensor<double> multiplied =
      embedding.forward_one_hot(Tensor<double>(one_hot<double>(indices, 6)));
  sum(multiplied * weights).backward();
  const Array<double> one_hot_grad = embedding.weight.grad().value();
  tape().reset();

  CHECK(max_abs_diff(looked_up.value(), multiplied.value()) == 0);
  CHECK(max_abs_diff(lookup_grad, one_hot_grad) == 0);
  CHECK(max_abs_diff(Array<double>(xt::row(looked_up.value(), 0)),
                     Array<double>(xt::row(embedding.weight.value(), 4))) == 0);
  // Row 1 and 3 are never looked up; row 4 twice.
  CHECK(xt::all(xt::equal(xt::row(lookup_grad, 1), 0.0)));
  CHECK(max_abs_diff(Array<double>(xt::row(lookup_grad, 4)),
                     Array<double>(xt::row(weights.value(), 0) + xt::row(weights.value(), 2))) <
        1e-15);
  CHECK_THROWS_WITH_AS(embedding.forward({6}),
                       "Embedding: index 6 is out of range for weight (6,3)", Error);
}

TEST_CASE("Dropout: identity in eval mode, seeded masks in training") {
  const Tensor<double> x(Array<double>(xt::ones<double>({1000})));
  Dropout<double> a(0.25, 9), b(0.25, 9);
  const Array<double> ya = a.forward(x).value(), yb = b.forward(x).value();
  CHECK(max_abs_diff(ya, yb) == 0);
  const double kept = static_cast<double>(std::count(ya.begin(), ya.end(), 1 / 0.75));
  CHECK(kept + static_cast<double>(std::count(ya.begin(), ya.end(), 0.0)) == 1000);
  CHECK(std::abs(kept / 1000 - 0.75) < 0.05);
  a.eval();
  CHECK(a.forward(x).impl() == x.impl());
  CHECK_THROWS_AS(Dropout<double>(1.0), Error);
}

TEST_CASE("layer_norm: zero mean and unit variance before gain and bias; gradcheck") {
  const Tensor<double> x(Array<double>{{1, 2, 3, 6}, {-1, -1, 2, 0}});
  const Tensor<double> y = layer_norm(x, Tensor<double>(Array<double>{1, 1, 1, 1}),
                                      Tensor<double>(Array<double>{0, 0, 0, 0}), 0.0);
  for (std::size_t row = 0; row < 2; ++row) {
    double mean = 0, second = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      mean += y.value()(row, j) / 4;
      second += y.value()(row, j) * y.value()(row, j) / 4;
    }
    CHECK(std::abs(mean) < 1e-12);
    CHECK(std::abs(second - 1) < 1e-12);
  }
  std::mt19937_64 engine(2);
  const auto report = gradcheck(
      [](const auto& xs) { return layer_norm(xs[0], xs[1], xs[2]); },
      {random_array({3, 5}, engine), random_array({5}, engine), random_array({5}, engine)});
  INFO(report.str());
  CHECK(report.passed(1e-6));
}

TEST_CASE("init: Xavier, Kaiming and uniform bounds and statistics") {
  Generator generator(3);
  Tensor<double> w(Array<double>(xt::zeros<double>({300, 200})), true);
  init::xavier_uniform_(w, generator, 2.0);
  const double xavier_bound = 2.0 * std::sqrt(6.0 / 500);
  CHECK(xt::amax(xt::abs(w.value()))() <= xavier_bound);
  CHECK(xt::amax(xt::abs(w.value()))() > 0.99 * xavier_bound);

  init::xavier_normal_(w, generator);
  const double variance = xt::sum(w.value() * w.value())() / static_cast<double>(w.size());
  CHECK(std::abs(variance / (2.0 / 500) - 1) < 0.02);  // 60000 draws: about 0.6% spread

  init::kaiming_uniform_(w, generator, std::sqrt(5.0));
  CHECK(xt::amax(xt::abs(w.value()))() <= 1 / std::sqrt(200.0));

  init::recurrent_uniform_(w, 16, generator);
  CHECK(xt::amax(xt::abs(w.value()))() <= 0.25);
  CHECK(xt::amin(w.value())() < -0.249);

  CHECK(init::fan_in_and_out({7, 3, 5}) == std::pair<std::size_t, std::size_t>{15, 35});
}

TEST_CASE("init: orthogonal gives orthonormal columns (tall) or rows (wide), per block if asked") {
  Generator generator(4);
  Tensor<double> tall(Array<double>(xt::zeros<double>({6, 4})), true);
  init::orthogonal_(tall, generator);
  CHECK(max_abs_diff(column_dots(tall.value()), eye(4)) < 1e-12);

  Tensor<double> wide(Array<double>(xt::zeros<double>({3, 5})), true);
  init::orthogonal_(wide, generator, 2.0);
  CHECK(max_abs_diff(column_dots(Array<double>(xt::transpose(wide.value()))),
                     Array<double>(4.0 * eye(3))) < 1e-12);

  // An LSTM's recurrent matrix: one orthogonal (H, H) per gate.
  Tensor<double> stacked(Array<double>(xt::zeros<double>({12, 3})), true);
  init::orthogonal_blocks_(stacked, 4, generator);
  for (std::size_t gate = 0; gate < 4; ++gate) {
    const Array<double> block =
        xt::view(stacked.value(), xt::range(3 * gate, 3 * gate + 3), xt::all());
    CHECK(max_abs_diff(column_dots(block), eye(3)) < 1e-12);
  }
  CHECK_THROWS_AS(init::orthogonal_blocks_(stacked, 5, generator), Error);

  Generator same(4);
  Tensor<double> again(Array<double>(xt::zeros<double>({6, 4})), true);
  init::orthogonal_(again, same);
  CHECK(max_abs_diff(again.value(), tall.value()) == 0);
}

TEST_CASE("init: IRNN (identity recurrence, zero biases) and the LSTM forget-gate bias") {
  RNNCell<double> rnn({.input_size = 2, .hidden_size = 3, .nonlinearity = Nonlinearity::relu});
  init::irnn_(rnn);
  CHECK(max_abs_diff(rnn.weight_hh.value(), eye(3)) == 0);
  CHECK(xt::all(xt::equal(rnn.bias_ih.value(), 0.0)));
  CHECK(xt::all(xt::equal(rnn.bias_hh.value(), 0.0)));
  // With zero input, an IRNN carries a non-negative state unchanged.
  const Tensor<double> h(Array<double>{{0.5, 0, 2}});
  CHECK(max_abs_diff(rnn.forward(Tensor<double>(Array<double>{{0, 0}}), h).value(), h.value()) ==
        0);

  LSTMCell<double> lstm({.input_size = 2, .hidden_size = 3});
  const Array<double> before = lstm.bias_ih.value();
  init::forget_gate_bias_(lstm, 1.0);
  const Array<double> effective = lstm.bias_ih.value() + lstm.bias_hh.value();
  for (std::size_t j = 0; j < 12; ++j) {
    CAPTURE(j);
    if (j >= 3 && j < 6)
      CHECK(effective(j) == 1.0);
    else
      CHECK(lstm.bias_ih.value()(j) == before(j));
  }
}
