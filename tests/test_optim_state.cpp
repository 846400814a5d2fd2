// Optimizer state: its names, save and restore mid-run (bitwise the same trajectory), and
// load_state's checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "optim/adagrad.hpp"
#include "optim/adam.hpp"
#include "optim/rmsprop.hpp"
#include "optim/sgd.hpp"

using namespace tapegrad;

namespace {

using Factory = std::function<std::unique_ptr<Optimizer<double>>(std::vector<Tensor<double>>)>;

struct Case {
  std::string name;
  Factory make;
};

std::vector<Case> cases() {
  using P = std::vector<Tensor<double>>;
  return {
      {"sgd", [](P p) { return std::make_unique<SGD<double>>(p, SGDOptions{.lr = 0.01}); }},
      {"sgd momentum",
       [](P p) {
         return std::make_unique<SGD<double>>(
             p, SGDOptions{.lr = 0.01, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
       }},
      {"adagrad",
       [](P p) {
         return std::make_unique<Adagrad<double>>(p, AdagradOptions{.lr = 0.1, .lr_decay = 0.01});
       }},
      {"rmsprop",
       [](P p) {
         return std::make_unique<RMSprop<double>>(
             p, RMSpropOptions{.momentum = 0.5, .centered = true});
       }},
      {"adam", [](P p) { return std::make_unique<Adam<double>>(p, AdamOptions{.lr = 0.05}); }},
      {"adam amsgrad",
       [](P p) {
         return std::make_unique<Adam<double>>(p, AdamOptions{.lr = 0.05, .amsgrad = true});
       }},
      {"adamw", [](P p) { return std::make_unique<AdamW<double>>(p, AdamWOptions{.lr = 0.05}); }},
  };
}

// Two parameters; the second gets a gradient only on even steps, so per-parameter step counts
// differ and must be restored too. The gradient depends on the values (a quadratic with a
// cross term), so any difference after a restore would grow.
void set_gradients(std::vector<Tensor<double>>& p, int step) {
  const Array<double>& w = p[0].value();
  const Array<double>& b = p[1].value();
  Array<double> gw = 3.0 * (w - 1.0) + 0.5 * xt::sum(b)();
  gw(0, 1) += std::sin(0.3 * step);
  p[0].set_grad(Tensor<double>(gw));
  if (step % 2 == 0) {
    p[1].set_grad(Tensor<double>(Array<double>(0.2 * b + 0.5 * xt::sum(w)())));
  } else {
    p[1].zero_grad();
  }
}

std::vector<Tensor<double>> fresh_parameters(const Array<double>& w, const Array<double>& b) {
  return {Tensor<double>(w, true), Tensor<double>(b, true)};
}

}  // namespace

TEST_CASE("saving and restoring mid-run gives a bitwise-identical trajectory") {
  const Array<double> w0{{0.5, -1.0, 2.0}, {0.25, 1.5, -0.75}};
  const Array<double> b0{0.1, -0.2};
  for (const Case& c : cases()) {
    CAPTURE(c.name);
    auto params = fresh_parameters(w0, b0);
    auto uninterrupted = c.make(params);
    uninterrupted->set_lr(uninterrupted->lr() * 0.5);  // the saved lr must come back too
    for (int step = 0; step < 5; ++step) {
      set_gradients(params, step);
      uninterrupted->step();
    }
    const OptimizerState<double> saved = uninterrupted->state();
    auto resumed_params = fresh_parameters(params[0].value(), params[1].value());

    // The restored optimizer is built afresh, as after a restart, and takes the state in a
    // different order (a file format may not keep it).
    auto resumed = c.make(resumed_params);
    OptimizerState<double> shuffled = saved;
    std::reverse(shuffled.arrays.begin(), shuffled.arrays.end());
    std::reverse(shuffled.scalars.begin(), shuffled.scalars.end());
    resumed->load_state(shuffled);
    CHECK(resumed->lr() == uninterrupted->lr());
    CHECK(resumed->step_count() == 5);
    CHECK(resumed->parameter_step(1) == 3);

    for (int step = 5; step < 12; ++step) {
      set_gradients(params, step);
      uninterrupted->step();
      set_gradients(resumed_params, step);
      resumed->step();
      CAPTURE(step);
      CHECK(xt::all(xt::equal(params[0].value(), resumed_params[0].value())));
      CHECK(xt::all(xt::equal(params[1].value(), resumed_params[1].value())));
    }
    CHECK(params[0].value() != w0);
  }
}

TEST_CASE("state names follow PyTorch's state_dict, flattened") {
  Tensor<double> w(Array<double>{{1.0, 2.0}}, true), b(Array<double>{3.0}, true);
  Adam<double> adam({w, b}, {.amsgrad = true});
  const OptimizerState<double> state = adam.state();
  std::vector<std::string> arrays, scalars;
  for (const auto& entry : state.arrays) arrays.push_back(entry.first);
  for (const auto& entry : state.scalars) scalars.push_back(entry.first);
  CHECK(arrays == std::vector<std::string>{"state.0.exp_avg", "state.0.exp_avg_sq",
                                           "state.0.max_exp_avg_sq", "state.1.exp_avg",
                                           "state.1.exp_avg_sq", "state.1.max_exp_avg_sq"});
  CHECK(scalars == std::vector<std::string>{"lr", "step_count", "state.0.step", "state.1.step"});
  CHECK(state.arrays[0].second.shape() == w.shape());
  CHECK(state.arrays[3].second.shape() == b.shape());

  SGD<double> plain({w}, {.lr = 0.1});
  CHECK(plain.state().arrays.empty());
  RMSprop<double> rmsprop({w}, {.momentum = 0.1, .centered = true});
  std::vector<std::string> rmsprop_arrays;
  for (const auto& entry : rmsprop.state().arrays) rmsprop_arrays.push_back(entry.first);
  CHECK(rmsprop_arrays == std::vector<std::string>{"state.0.square_avg", "state.0.momentum_buffer",
                                                   "state.0.grad_avg"});
  // Adagrad's sum starts at initial_accumulator_value, as PyTorch's does.
  Adagrad<double> adagrad({w}, {.initial_accumulator_value = 0.25});
  CHECK(adagrad.state().arrays.at(0).second == Array<double>{{0.25, 0.25}});
}

TEST_CASE("state() is a copy") {
  Tensor<double> p(Array<double>{1.0}, true);
  Adam<double> adam({p});
  OptimizerState<double> state = adam.state();
  state.arrays[0].second(0) = 42.0;
  CHECK(adam.state().arrays[0].second(0) == 0.0);
}

TEST_CASE("load_state names what is missing, unexpected or mis-shaped, and changes nothing") {
  Tensor<double> w(Array<double>{{1.0, 2.0}}, true), b(Array<double>{3.0}, true);
  Adam<double> adam({w, b}, {.lr = 0.01});
  w.set_grad(Tensor<double>(Array<double>{{1.0, -1.0}}));
  adam.step();
  const OptimizerState<double> good = adam.state();
  auto message = [&](OptimizerState<double> state) {
    try {
      adam.load_state(state);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };

  OptimizerState<double> state = good;
  state.arrays.erase(state.arrays.begin() + 1);
  CHECK(message(state) == "Adam: load_state: missing array 'state.0.exp_avg_sq'");

  state = good;
  state.arrays.emplace_back("state.0.momentum_buffer", Array<double>{{0.0, 0.0}});
  CHECK(message(state) == "Adam: load_state: unexpected array 'state.0.momentum_buffer'");

  state = good;
  state.arrays.emplace_back("state.2.exp_avg", Array<double>{0.0});
  CHECK(message(state) == "Adam: load_state: unexpected array 'state.2.exp_avg'");

  state = good;
  state.arrays.push_back(state.arrays[0]);
  CHECK(message(state) == "Adam: load_state: array 'state.0.exp_avg' appears twice");

  state = good;
  state.arrays[2].second = Array<double>{0.0, 0.0};
  CHECK(message(state) ==
        "Adam: load_state: array 'state.1.exp_avg' has shape (2,) but parameter 1 has shape (1,)");

  state = good;
  state.scalars.erase(state.scalars.begin());
  CHECK(message(state) == "Adam: load_state: missing scalar 'lr'");

  state = good;
  state.scalars.emplace_back("momentum", 0.9);
  CHECK(message(state) == "Adam: load_state: unexpected scalar 'momentum'");

  state = good;
  state.scalars[1].second = 2.5;
  CHECK(message(state) == "Adam: load_state: 'step_count' must be a whole number >= 0, got 2.5");

  state = good;
  state.scalars[2].second = 3;
  CHECK(message(state) ==
        "Adam: load_state: 'state.0.step' must be a whole number between 0 and step_count (1), "
        "got 3");

  state = good;
  state.scalars[0].second = -1;
  CHECK(message(state) == "Adam: load_state: 'lr' must be finite and >= 0, got -1");

  // A state from another kind of optimizer fails on its names.
  SGD<double> sgd({w, b}, {.lr = 0.1, .momentum = 0.9});
  CHECK(message(sgd.state()) == "Adam: load_state: unexpected array 'state.0.momentum_buffer'");

  // Nothing changed on the way: the optimizer still holds the good state.
  const OptimizerState<double> after = adam.state();
  REQUIRE(after.arrays.size() == good.arrays.size());
  for (std::size_t k = 0; k < good.arrays.size(); ++k)
    CHECK(after.arrays[k].second == good.arrays[k].second);
  CHECK(after.scalars == good.scalars);
}

TEST_CASE("a state restored at step 0 starts SGD's momentum buffer from the next gradient") {
  Tensor<double> p(Array<double>{1.0}, true);
  SGD<double> sgd({p}, {.lr = 1.0, .momentum = 0.5});
  SGD<double> other({Tensor<double>(Array<double>{1.0}, true)}, {.lr = 1.0, .momentum = 0.5});
  sgd.load_state(other.state());
  p.set_grad(Tensor<double>(Array<double>{2.0}));
  sgd.step();
  CHECK(p.value()(0) == -1.0);
}
