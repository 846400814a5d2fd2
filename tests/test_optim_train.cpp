// Every optimizer trains two small models to a loss threshold: a linear regression and a tiny
// tanh RNN written with ops (with gradient-norm clipping in the loop).
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "autodiff/ops.hpp"
#include "optim/optim.hpp"

using namespace tapegrad;

namespace {

using Factory = std::function<std::unique_ptr<Optimizer<double>>(std::vector<Tensor<double>>)>;

struct Trainer {
  std::string name;
  Factory make;
};

Array<double> uniform(const Shape& shape, double bound, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> draw(-bound, bound);
  Array<double> a = xt::zeros<double>(shape);
  for (double& v : a) v = draw(rng);
  return a;
}

// Trains on `loss` for `steps` steps, clipping the gradient norm to clip_norm if it is given;
// returns the first and the final loss.
std::pair<double, double> train(Optimizer<double>& optimizer,
                                const std::function<Tensor<double>()>& loss, int steps,
                                double clip_norm = 0) {
  double first = 0, last = 0;
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    Tensor<double> value = loss();
    last = value.item();
    if (step == 0) first = last;
    value.backward();
    // A non-finite norm would skip the step, as a training loop should.
    if (clip_norm > 0 && !std::isfinite(clip_grad_norm(optimizer.parameters(), clip_norm)))
      continue;
    optimizer.step();
  }
  return {first, loss().item()};
}

}  // namespace

TEST_CASE("every optimizer fits a linear regression") {
  // y = X·w + 0.5 exactly, so the loss can go to zero.
  std::mt19937_64 rng(11);
  const Tensor<double> inputs(uniform({32, 3}, 1.0, rng));
  Array<double> true_weight_value{1.5, -2.0, 0.5};
  true_weight_value.reshape({3, 1});
  const Tensor<double> true_weight(true_weight_value);
  const Tensor<double> targets = matmul(inputs, true_weight) + 0.5;

  using P = std::vector<Tensor<double>>;
  const std::vector<Trainer> trainers{
      {"sgd", [](P p) { return std::make_unique<SGD<double>>(p, SGDOptions{.lr = 0.3}); }},
      {"sgd nesterov",
       [](P p) {
         return std::make_unique<SGD<double>>(
             p, SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true});
       }},
      {"adagrad",
       [](P p) { return std::make_unique<Adagrad<double>>(p, AdagradOptions{.lr = 0.5}); }},
      {"rmsprop",
       [](P p) { return std::make_unique<RMSprop<double>>(p, RMSpropOptions{.lr = 0.01}); }},
      {"adam", [](P p) { return std::make_unique<Adam<double>>(p, AdamOptions{.lr = 0.05}); }},
      {"adamw",
       [](P p) {
         return std::make_unique<AdamW<double>>(p, AdamWOptions{.lr = 0.05, .weight_decay = 0});
       }},
  };
  for (const Trainer& trainer : trainers) {
    CAPTURE(trainer.name);
    Tensor<double> weight(Array<double>(xt::zeros<double>({3, 1})), true);
    Tensor<double> bias(Array<double>{0.0}, true);
    auto optimizer = trainer.make({weight, bias});
    const auto [first, last] = train(
        *optimizer, [&] { return mse_loss(matmul(inputs, weight) + bias, targets); }, 300);
    CHECK(first > 1.0);
    CHECK(last < 1e-4);
  }
}

TEST_CASE("every optimizer trains a tiny tanh RNN to sum its inputs") {
  // h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b_h),  prediction = h_T·W_hy + b_y,
  // target = 0.4 · Σ_t x_t, over a batch of 16 sequences of 6 scalar inputs.
  constexpr std::size_t steps = 6, batch = 16, hidden = 8;
  std::mt19937_64 rng(5);
  std::vector<Tensor<double>> inputs;
  Array<double> total = xt::zeros<double>({batch, std::size_t{1}});
  for (std::size_t t = 0; t < steps; ++t) {
    inputs.emplace_back(uniform({batch, 1}, 1.0, rng));
    total += inputs.back().value();
  }
  const Tensor<double> targets(Array<double>(0.4 * total));
  const Array<double> weight_ih0 = uniform({1, hidden}, 0.5, rng);
  const Array<double> weight_hh0 = uniform({hidden, hidden}, 0.3, rng);
  const Array<double> weight_out0 = uniform({hidden, 1}, 0.3, rng);

  using P = std::vector<Tensor<double>>;
  const std::vector<Trainer> trainers{
      {"sgd momentum",
       [](P p) {
         return std::make_unique<SGD<double>>(p, SGDOptions{.lr = 0.1, .momentum = 0.9});
       }},
      {"adagrad",
       [](P p) { return std::make_unique<Adagrad<double>>(p, AdagradOptions{.lr = 0.1}); }},
      {"rmsprop centered",
       [](P p) {
         return std::make_unique<RMSprop<double>>(p, RMSpropOptions{.lr = 0.003, .centered = true});
       }},
      {"adam amsgrad",
       [](P p) {
         return std::make_unique<Adam<double>>(p, AdamOptions{.lr = 0.02, .amsgrad = true});
       }},
      {"adamw", [](P p) { return std::make_unique<AdamW<double>>(p, AdamWOptions{.lr = 0.02}); }},
  };
  for (const Trainer& trainer : trainers) {
    CAPTURE(trainer.name);
    Tensor<double> weight_ih(weight_ih0, true), weight_hh(weight_hh0, true);
    Tensor<double> bias_h(Array<double>(xt::zeros<double>({hidden})), true);
    Tensor<double> weight_out(weight_out0, true), bias_out(Array<double>{0.0}, true);
    auto optimizer = trainer.make({weight_ih, weight_hh, bias_h, weight_out, bias_out});
    auto loss = [&] {
      Tensor<double> h(Array<double>(xt::zeros<double>({batch, hidden})));
      for (const Tensor<double>& x : inputs)
        h = tanh(matmul(x, weight_ih) + matmul(h, weight_hh) + bias_h);
      return mse_loss(matmul(h, weight_out) + bias_out, targets);
    };
    const auto [first, last] = train(*optimizer, loss, 300, 1.0);
    CHECK(first > 0.1);
    CHECK(last < 0.01 * first);
  }
}
