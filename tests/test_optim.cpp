// Every optimizer and option combination against a scalar implementation of its published
// update equations, written out below independently of the library, on a quadratic and on
// the Rosenbrock function: every parameter after every step agrees to 1e-12.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "autodiff/ops.hpp"
#include "optim/adagrad.hpp"
#include "optim/adam.hpp"
#include "optim/rmsprop.hpp"
#include "optim/sgd.hpp"

using namespace tapegrad;

namespace {

using Options = std::variant<SGDOptions, AdagradOptions, RMSpropOptions, AdamOptions, AdamWOptions>;
using Vector = std::vector<double>;

// A parameter in the reference: its elements, its own step count and its buffers.
struct ReferenceParameter {
  Vector value;
  int step = 0;
  Vector momentum_buffer{}, sum{}, square_avg{}, grad_avg{}, exp_avg{}, exp_avg_sq{},
      max_exp_avg_sq{};
};

Vector zeros_like(const Vector& v) { return Vector(v.size(), 0.0); }

// One step of each rule, element by element, straight from the equations in the headers
// (which are PyTorch 1.13's). `g` is the gradient of parameter x.
void reference_step(const SGDOptions& o, ReferenceParameter& x, const Vector& g) {
  x.step += 1;
  if (x.momentum_buffer.empty()) x.momentum_buffer = zeros_like(x.value);
  for (std::size_t k = 0; k < g.size(); ++k) {
    double d = g[k] + o.weight_decay * x.value[k];
    if (o.momentum != 0) {
      double& b = x.momentum_buffer[k];
      b = x.step == 1 ? d : o.momentum * b + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * b : b;
    }
    x.value[k] -= o.lr * d;
  }
}

void reference_step(const AdagradOptions& o, ReferenceParameter& x, const Vector& g) {
  x.step += 1;
  if (x.sum.empty()) x.sum = Vector(x.value.size(), o.initial_accumulator_value);
  const double rate = o.lr / (1 + (x.step - 1) * o.lr_decay);
  for (std::size_t k = 0; k < g.size(); ++k) {
    const double d = g[k] + o.weight_decay * x.value[k];
    x.sum[k] += d * d;
    x.value[k] -= rate * d / (std::sqrt(x.sum[k]) + o.eps);
  }
}

void reference_step(const RMSpropOptions& o, ReferenceParameter& x, const Vector& g) {
  x.step += 1;
  if (x.square_avg.empty()) {
    x.square_avg = x.grad_avg = x.momentum_buffer = zeros_like(x.value);
  }
  for (std::size_t k = 0; k < g.size(); ++k) {
    const double d = g[k] + o.weight_decay * x.value[k];
    x.square_avg[k] = o.alpha * x.square_avg[k] + (1 - o.alpha) * d * d;
    double variance = x.square_avg[k];
    if (o.centered) {
      x.grad_avg[k] = o.alpha * x.grad_avg[k] + (1 - o.alpha) * d;
      variance -= x.grad_avg[k] * x.grad_avg[k];
    }
    const double root = std::sqrt(variance) + o.eps;
    if (o.momentum > 0) {
      x.momentum_buffer[k] = o.momentum * x.momentum_buffer[k] + d / root;
      x.value[k] -= o.lr * x.momentum_buffer[k];
    } else {
      x.value[k] -= o.lr * d / root;
    }
  }
}

// Adam and AdamW differ only in where the weight decay goes.
void reference_adam(const AdamOptions& o, bool decoupled, ReferenceParameter& x, const Vector& g) {
  x.step += 1;
  if (x.exp_avg.empty()) x.exp_avg = x.exp_avg_sq = x.max_exp_avg_sq = zeros_like(x.value);
  const double t = x.step;
  for (std::size_t k = 0; k < g.size(); ++k) {
    double d = g[k];
    if (decoupled) {
      x.value[k] *= 1 - o.lr * o.weight_decay;
    } else {
      d += o.weight_decay * x.value[k];
    }
    x.exp_avg[k] = o.beta1 * x.exp_avg[k] + (1 - o.beta1) * d;
    x.exp_avg_sq[k] = o.beta2 * x.exp_avg_sq[k] + (1 - o.beta2) * d * d;
    double second_moment = x.exp_avg_sq[k];
    if (o.amsgrad) {
      x.max_exp_avg_sq[k] = std::max(x.max_exp_avg_sq[k], x.exp_avg_sq[k]);
      second_moment = x.max_exp_avg_sq[k];
    }
    const double m_hat_scale = 1 / (1 - std::pow(o.beta1, t));
    const double v_hat = second_moment / (1 - std::pow(o.beta2, t));
    x.value[k] -= o.lr * m_hat_scale * x.exp_avg[k] / (std::sqrt(v_hat) + o.eps);
  }
}

void reference_step(const AdamOptions& o, ReferenceParameter& x, const Vector& g) {
  reference_adam(o, false, x, g);
}

void reference_step(const AdamWOptions& o, ReferenceParameter& x, const Vector& g) {
  reference_adam({.lr = o.lr,
                  .beta1 = o.beta1,
                  .beta2 = o.beta2,
                  .eps = o.eps,
                  .weight_decay = o.weight_decay,
                  .amsgrad = o.amsgrad},
                 true, x, g);
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const Options& options,
                                             std::vector<Tensor<T>> parameters) {
  return std::visit(
      [&](const auto& o) -> std::unique_ptr<Optimizer<T>> {
        using O = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<O, SGDOptions>) return std::make_unique<SGD<T>>(parameters, o);
        if constexpr (std::is_same_v<O, AdagradOptions>)
          return std::make_unique<Adagrad<T>>(parameters, o);
        if constexpr (std::is_same_v<O, RMSpropOptions>)
          return std::make_unique<RMSprop<T>>(parameters, o);
        if constexpr (std::is_same_v<O, AdamOptions>)
          return std::make_unique<Adam<T>>(parameters, o);
        if constexpr (std::is_same_v<O, AdamWOptions>)
          return std::make_unique<AdamW<T>>(parameters, o);
      },
      options);
}

// The gradient of every parameter at `values` before step `step` (0-based); an empty vector
// leaves that parameter's gradient undefined for the step.
using Gradient = std::function<std::vector<Vector>(const std::vector<Vector>& values, int step)>;

struct Problem {
  std::string name;
  std::vector<Vector> start;
  std::vector<Shape> shapes;
  Gradient gradient;
};

// f = ½ Σ a_k (x_k − c_k)² over a (2,3) matrix and a (3,) vector: curvatures over three orders
// of magnitude, so the per-coordinate rules differ visibly from SGD. The vector gets no gradient
// on odd steps (it is skipped, and its own step count lags), and step 4 gives every parameter
// an all-zero gradient, which is still a step.
Problem quadratic() {
  const Vector a{0.1, 1.0, 10.0, 0.5, 3.0, 0.02}, c{1.0, -2.0, 0.5, 0.0, 3.0, -1.0};
  const Vector b_curvature{2.0, 0.3, 7.0}, b_center{-0.5, 0.25, 2.0};
  return {"quadratic",
          {{0.3, 0.7, -1.1, 2.0, -0.4, 0.9}, {1.5, -1.0, 0.1}},
          {{2, 3}, {3}},
          [=](const std::vector<Vector>& x, int step) {
            std::vector<Vector> g{Vector(6), Vector(3)};
            for (std::size_t k = 0; k < 6; ++k) g[0][k] = step == 4 ? 0.0 : a[k] * (x[0][k] - c[k]);
            for (std::size_t k = 0; k < 3; ++k)
              g[1][k] = step == 4 ? 0.0 : b_curvature[k] * (x[1][k] - b_center[k]);
            if (step % 2 == 1) g[1].clear();
            return g;
          }};
}

// Rosenbrock f(x, y) = (1 − x)² + 100 (y − x²)², for two points at once in a (2,2) parameter
// (rows are points), from the classic start (−1.2, 1) and from (0.5, −0.5).
Problem rosenbrock() {
  return {"rosenbrock", {{-1.2, 1.0, 0.5, -0.5}}, {{2, 2}}, [](const std::vector<Vector>& v, int) {
            Vector g(4);
            for (std::size_t point = 0; point < 2; ++point) {
              const double x = v[0][2 * point], y = v[0][2 * point + 1];
              g[2 * point] = -2 * (1 - x) - 400 * x * (y - x * x);
              g[2 * point + 1] = 200 * (y - x * x);
            }
            return std::vector<Vector>{g};
          }};
}

Array<double> to_array(const Vector& v, const Shape& shape) {
  Array<double> array = xt::zeros<double>(shape);
  std::copy(v.begin(), v.end(), array.begin());
  return array;
}

Vector to_vector(const Array<double>& a) { return Vector(a.begin(), a.end()); }

// Runs the library and the reference side by side, comparing after every step.
void check_against_reference(const Options& options, const Problem& problem, int steps) {
  std::vector<Tensor<double>> parameters;
  std::vector<ReferenceParameter> reference;
  for (std::size_t i = 0; i < problem.start.size(); ++i) {
    parameters.emplace_back(to_array(problem.start[i], problem.shapes[i]), true);
    reference.push_back({.value = problem.start[i]});
  }
  auto optimizer = make_optimizer<double>(options, parameters);
  for (int step = 0; step < steps; ++step) {
    std::vector<Vector> values;
    for (const auto& p : parameters) values.push_back(to_vector(p.value()));
    const std::vector<Vector> grads = problem.gradient(values, step);
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      if (grads[i].empty()) {
        parameters[i].zero_grad();
      } else {
        parameters[i].set_grad(Tensor<double>(to_array(grads[i], problem.shapes[i])));
      }
    }
    optimizer->step();

    std::vector<Vector> reference_grads;
    for (const auto& x : reference) reference_grads.push_back(x.value);
    reference_grads = problem.gradient(reference_grads, step);
    for (std::size_t i = 0; i < reference.size(); ++i)
      if (!reference_grads[i].empty())
        std::visit([&](const auto& o) { reference_step(o, reference[i], reference_grads[i]); },
                   options);

    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const Vector ours = to_vector(parameters[i].value());
      double worst = 0;
      for (std::size_t k = 0; k < ours.size(); ++k)
        worst = std::max(worst, std::abs(ours[k] - reference[i].value[k]));
      INFO(problem.name << ", step " << step << ", parameter " << i);
      CHECK(worst <= 1e-12);
      CHECK(optimizer->parameter_step(i) == reference[i].step);
      // A meaningful comparison: the parameter really moved away from its start.
      if (reference[i].step > 0) CHECK(ours != problem.start[i]);
    }
  }
  CHECK(optimizer->step_count() == steps);
}

void check_all(const std::vector<Options>& cases, double rosenbrock_scale = 1) {
  for (std::size_t c = 0; c < cases.size(); ++c) {
    CAPTURE(c);
    check_against_reference(cases[c], quadratic(), 8);
    // Rosenbrock's gradients are in the hundreds: a smaller rate keeps SGD from diverging.
    Options scaled = cases[c];
    std::visit([&](auto& o) { o.lr *= rosenbrock_scale; }, scaled);
    check_against_reference(scaled, rosenbrock(), 8);
  }
}

}  // namespace

TEST_CASE("SGD follows its update equations, for every option") {
  check_all({SGDOptions{.lr = 0.05}, SGDOptions{.lr = 0.05, .momentum = 0.9},
             SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.3},
             SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true},
             SGDOptions{.lr = 0.05, .weight_decay = 0.1},
             SGDOptions{.lr = 0.05, .momentum = 0.8, .dampening = 0.1, .weight_decay = 0.05},
             SGDOptions{.lr = 0.05, .momentum = 0.7, .weight_decay = 0.2, .nesterov = true}},
            0.02);
}

TEST_CASE("Adagrad follows its update equations, for every option") {
  check_all({AdagradOptions{.lr = 0.1}, AdagradOptions{.lr = 0.1, .lr_decay = 0.05},
             AdagradOptions{.lr = 0.1, .weight_decay = 0.1},
             AdagradOptions{.lr = 0.1, .initial_accumulator_value = 0.5},
             AdagradOptions{.lr = 0.1, .eps = 1e-3},
             AdagradOptions{.lr = 0.2,
                            .lr_decay = 0.1,
                            .weight_decay = 0.05,
                            .initial_accumulator_value = 0.1,
                            .eps = 1e-6}});
}

TEST_CASE("RMSprop follows its update equations, for every option") {
  check_all(
      {RMSpropOptions{}, RMSpropOptions{.lr = 0.02, .alpha = 0.9}, RMSpropOptions{.eps = 1e-2},
       RMSpropOptions{.centered = true}, RMSpropOptions{.momentum = 0.5},
       RMSpropOptions{.weight_decay = 0.1},
       RMSpropOptions{
           .lr = 0.005, .alpha = 0.95, .weight_decay = 0.05, .momentum = 0.9, .centered = true}});
}

TEST_CASE("Adam follows its update equations, for every option") {
  check_all({AdamOptions{.lr = 0.05}, AdamOptions{.lr = 0.05, .beta1 = 0.5, .beta2 = 0.9},
             AdamOptions{.lr = 0.05, .eps = 1e-3}, AdamOptions{.lr = 0.05, .weight_decay = 0.1},
             AdamOptions{.lr = 0.05, .amsgrad = true},
             AdamOptions{.lr = 0.05, .beta2 = 0.9, .weight_decay = 0.05, .amsgrad = true}});
}

TEST_CASE("AdamW follows its update equations, for every option") {
  check_all({AdamWOptions{.lr = 0.05}, AdamWOptions{.lr = 0.05, .weight_decay = 0.1},
             AdamWOptions{.lr = 0.05, .weight_decay = 0},
             AdamWOptions{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-4},
             AdamWOptions{.lr = 0.05, .weight_decay = 0.2, .amsgrad = true}});
}

TEST_CASE("AdamW's default weight decay is 1e-2 and is decoupled from the moments") {
  CHECK(AdamWOptions{}.weight_decay == 1e-2);
  CHECK(AdamOptions{}.weight_decay == 0);
  // With a zero gradient the moments stay zero, so the whole update is the decay p·(1 − lr·wd).
  Tensor<double> p(Array<double>{2.0, -4.0}, true);
  AdamW<double> adamw({p});
  p.set_grad(Tensor<double>(Array<double>{0.0, 0.0}));
  adamw.step();
  CHECK(p.value()(0) == 2.0 * (1 - 1e-3 * 1e-2));
  CHECK(p.value()(1) == -4.0 * (1 - 1e-3 * 1e-2));
  CHECK(adamw.name() == "AdamW");
}

TEST_CASE("the defaults are PyTorch's") {
  CHECK(AdagradOptions{}.lr == 1e-2);
  CHECK(AdagradOptions{}.eps == 1e-10);
  CHECK(RMSpropOptions{}.lr == 1e-2);
  CHECK(RMSpropOptions{}.alpha == 0.99);
  CHECK(RMSpropOptions{}.eps == 1e-8);
  CHECK(AdamOptions{}.lr == 1e-3);
  CHECK(AdamOptions{}.beta1 == 0.9);
  CHECK(AdamOptions{}.beta2 == 0.999);
  CHECK(AdamOptions{}.eps == 1e-8);
}

TEST_CASE("SGD's momentum buffer starts as the first gradient, undamped") {
  Tensor<double> p(Array<double>{1.0}, true);
  SGD<double> sgd({p}, {.lr = 0.5, .momentum = 0.9, .dampening = 0.5});
  p.set_grad(Tensor<double>(Array<double>{2.0}));
  sgd.step();
  CHECK(p.value()(0) == 1.0 - 0.5 * 2.0);  // buffer = 2, not (1 − 0.5)·2
  sgd.step();
  CHECK(p.value()(0) == 0.0 - 0.5 * (0.9 * 2.0 + 0.5 * 2.0));
}

TEST_CASE("a float optimizer follows the same equations in single precision") {
  Tensor<float> p(Array<float>{0.5f, -1.5f}, true);
  Adam<float> adam({p}, {.lr = 0.1, .amsgrad = true});
  ReferenceParameter x{.value = {0.5, -1.5}};
  for (int step = 0; step < 5; ++step) {
    const Vector g{2 * x.value[0] - 1, 4 * x.value[1] + 0.5};
    p.set_grad(Tensor<float>(Array<float>{static_cast<float>(g[0]), static_cast<float>(g[1])}));
    adam.step();
    reference_step(AdamOptions{.lr = 0.1, .amsgrad = true}, x, g);
    CHECK(p.value()(0) == doctest::Approx(x.value[0]).epsilon(1e-5));
    CHECK(p.value()(1) == doctest::Approx(x.value[1]).epsilon(1e-5));
  }
}

TEST_CASE("step() skips a parameter without a gradient and counts a zero gradient") {
  Tensor<double> a(Array<double>{1.0, 2.0}, true), b(Array<double>{3.0}, true);
  Adam<double> adam({a, b}, {.lr = 0.1});
  a.set_grad(Tensor<double>(Array<double>{0.0, 0.0}));
  adam.step();
  CHECK(adam.parameter_step(0) == 1);
  CHECK(adam.parameter_step(1) == 0);
  CHECK(b.value()(0) == 3.0);
  // Zero moments divided by √0 + eps: the parameter stays, but the step was counted.
  CHECK(a.value()(0) == 1.0);
  a.set_grad(Tensor<double>(Array<double>{1.0, 1.0}));
  adam.step();
  CHECK(adam.parameter_step(0) == 2);
  CHECK(adam.step_count() == 2);
  // Second step: m = 0.1, v = 0.001, bias corrections 1 − 0.9², 1 − 0.999².
  const double expected =
      1.0 - (0.1 / (1 - 0.81)) * 0.1 / (std::sqrt(0.001) / std::sqrt(1 - 0.999 * 0.999) + 1e-8);
  CHECK(std::abs(a.value()(0) - expected) < 1e-15);
}

TEST_CASE("zero_grad drops gradients, or zeroes them") {
  Tensor<double> p(Array<double>{1.0, 2.0}, true);
  SGD<double> sgd({p}, {.lr = 0.1, .weight_decay = 0.5});
  p.set_grad(Tensor<double>(Array<double>{1.0, 1.0}));
  sgd.zero_grad();
  CHECK_FALSE(p.grad().defined());
  sgd.step();  // skipped: no gradient
  CHECK(p.value() == Array<double>{1.0, 2.0});
  sgd.zero_grad(false);
  CHECK(p.grad().value() == Array<double>{0.0, 0.0});
  sgd.step();  // a zero gradient is a step: the weight decay still acts
  CHECK(p.value() == Array<double>{1.0 - 0.1 * 0.5 * 1.0, 2.0 - 0.1 * 0.5 * 2.0});
}

TEST_CASE("step() runs without recording, even when grad mode is on") {
  Tensor<double> p(Array<double>{1.0}, true);
  SGD<double> sgd({p}, {.lr = 0.1});
  const std::size_t nodes = tape().num_nodes();
  p.set_grad(Tensor<double>(Array<double>{1.0}));
  sgd.step();
  CHECK(tape().num_nodes() == nodes);
  CHECK(grad_enabled());
  CHECK(p.value()(0) == 0.9);
}

TEST_CASE("options are checked as PyTorch checks them") {
  Tensor<double> p(Array<double>{1.0}, true);
  auto message = [](auto&& make) {
    try {
      make();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message([&] { SGD<double>({p}, {}); }) ==
        "SGD: lr is required (PyTorch's SGD has no default either)");
  CHECK(message([&] { SGD<double>({p}, {.lr = 0.1, .nesterov = true}); }) ==
        "SGD: nesterov momentum needs momentum > 0 and dampening = 0");
  CHECK(message([&] {
          SGD<double>({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true});
        }) == "SGD: nesterov momentum needs momentum > 0 and dampening = 0");
  CHECK(message([&] { SGD<double>({p}, {.lr = -0.1}); }) ==
        "SGD: learning rate must be finite and >= 0, got -0.1");
  CHECK(message([&] { SGD<double>({p}, {.lr = 0.1, .momentum = -1}); }) ==
        "SGD: momentum must be >= 0, got -1");
  CHECK(message([&] { Adam<double>({p}, {.beta1 = 1.0}); }) ==
        "Adam: beta1 must be in [0, 1), got 1");
  CHECK(message([&] { AdamW<double>({p}, {.beta2 = -0.5}); }) ==
        "AdamW: beta2 must be in [0, 1), got -0.5");
  CHECK(message([&] { Adam<double>({p}, {.eps = std::nan("")}); }) ==
        "Adam: eps must be >= 0, got nan");
  CHECK(message([&] { Adagrad<double>({p}, {.lr_decay = -1}); }) ==
        "Adagrad: lr_decay must be >= 0, got -1");
  CHECK(message([&] { Adagrad<double>({p}, {.initial_accumulator_value = -1}); }) ==
        "Adagrad: initial_accumulator_value must be >= 0, got -1");
  CHECK(message([&] { RMSprop<double>({p}, {.alpha = -0.1}); }) ==
        "RMSprop: alpha must be >= 0, got -0.1");
  CHECK(message([&] { RMSprop<double>({p}, {.weight_decay = INFINITY}); }) ==
        "RMSprop: weight_decay must be >= 0, got inf");
}

TEST_CASE("the parameter list is checked") {
  Tensor<double> p(Array<double>{1.0}, true);
  auto message = [](auto&& make) {
    try {
      make();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message([&] {
          Adam<double>({p, p});
        }) == "Adam: parameter 1 appears twice in the parameter list");
  CHECK(message([&] { Adam<double>({p, Tensor<double>()}); }) == "Adam: parameter 1 is undefined");
  const Tensor<double> result = p * 2.0;
  CHECK(message([&] { Adam<double>({result}); }) ==
        "Adam: parameter 0 is not a leaf (an op's result); only leaves can be updated in place");
  Adam<double> empty(std::vector<Tensor<double>>{});
  empty.step();
  CHECK(empty.step_count() == 1);
}

TEST_CASE("a mis-shaped gradient is an error that leaves every parameter unchanged") {
  Tensor<double> a(Array<double>{1.0, 2.0}, true), b(Array<double>{3.0}, true);
  SGD<double> sgd({a, b}, {.lr = 0.1});
  a.set_grad(Tensor<double>(Array<double>{1.0, 1.0}));
  b.set_grad(Tensor<double>(Array<double>{1.0, 1.0}));
  CHECK_THROWS_WITH_AS(sgd.step(),
                       "SGD: step: gradient of parameter 1 has shape (2,), expected (1,)", Error);
  CHECK(a.value() == Array<double>{1.0, 2.0});
  CHECK(sgd.step_count() == 0);
  CHECK(sgd.parameter_step(0) == 0);
}

TEST_CASE("set_lr changes the rate of the next step, and is checked") {
  Tensor<double> p(Array<double>{1.0}, true);
  SGD<double> sgd({p}, {.lr = 0.1});
  sgd.set_lr(0.25);
  CHECK(sgd.lr() == 0.25);
  p.set_grad(Tensor<double>(Array<double>{1.0}));
  sgd.step();
  CHECK(p.value()(0) == 0.75);
  CHECK_THROWS_WITH_AS(sgd.set_lr(-1), "SGD: learning rate must be finite and >= 0, got -1", Error);
  CHECK_THROWS_AS(sgd.set_lr(INFINITY), Error);
  CHECK(sgd.lr() == 0.25);
}
