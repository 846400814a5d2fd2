// Anomaly mode (NOTE [anomaly mode] in autodiff/tape.hpp): the first op whose forward output or
// backward gradient is not finite throws, naming the op, its shapes and the line that recorded
// it. Each expected line is __LINE__ + 1 on the line above the op call.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <source_location>
#include <string>
#include <thread>

#include "autodiff/ops.hpp"
#include "test_ops_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The message of the AnomalyError `run` throws, or a note that it threw none.
std::string anomaly_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const AnomalyError& error) {
    return error.what();
  }
  return "(no AnomalyError)";
}

std::string here(int line) { return std::string(__FILE__) + ":" + std::to_string(line); }

// A user-written op: 1/x, recorded with the caller's location passed on.
Tensor<double> reciprocal(const Tensor<double>& x,
                          std::source_location location = std::source_location::current()) {
  Tensor<double> out(Array<double>(1.0 / x.value()));
  return record(
      "reciprocal", {x}, out, [x, out](const Tensor<double>& g) { return -(g * out / x); },
      location);
}

// The same op without a location parameter: anomalies point at its record() call.
int reciprocal_record_line = 0;
Tensor<double> reciprocal_here(const Tensor<double>& x) {
  Tensor<double> out(Array<double>(1.0 / x.value()));
  reciprocal_record_line = __LINE__ + 1;
  return record("reciprocal", {x}, out,
                [x, out](const Tensor<double>& g) { return -(g * out / x); });
}
}  // namespace

TEST_CASE("anomaly mode is off by default, and non-finite values then pass silently") {
  REQUIRE_FALSE(anomaly_mode_enabled());
  auto x = leaf({-1.0, 0.0, 4.0});
  Tensor<double> y = log(x);
  CHECK(std::isnan(y.value()(0)));
  CHECK(std::isinf(y.value()(1)));
  sum(sqrt(x * x)).backward();  // d sqrt(u)/du at u = 0 is infinite: 0 * inf = nan
  CHECK(std::isnan(x.grad().value()(1)));
}

TEST_CASE("AnomalyModeGuard switches the mode and restores the previous state") {
  CHECK_FALSE(anomaly_mode_enabled());
  {
    AnomalyModeGuard on;
    CHECK(anomaly_mode_enabled());
    {
      AnomalyModeGuard off(false);
      CHECK_FALSE(anomaly_mode_enabled());
    }
    CHECK(anomaly_mode_enabled());
  }
  CHECK_FALSE(anomaly_mode_enabled());
  set_anomaly_mode(true);
  CHECK(anomaly_mode_enabled());
  set_anomaly_mode(false);
  CHECK_FALSE(anomaly_mode_enabled());
}

TEST_CASE(
    "anomaly mode: a non-finite forward output names the op, its shapes and the caller's line") {
  AnomalyModeGuard anomaly;
  auto x = leaf(Array<double>{{1.0, -1.0, 2.0}, {3.0, 4.0, 5.0}});
  int line = 0;
  std::string message;
  line = __LINE__ + 1;
  message = anomaly_of([&] { log(x); });
  CHECK(message ==
        "anomaly: log produced nan in its forward output of shape (2,3) (input (2,3)); "
        "recorded at " +
            here(line));
  // The error is a tapegrad::Error like every other.
  CHECK_THROWS_AS(log(x), Error);
  // Finite values pass.
  CHECK(log(x * x + 1.0).value()(0, 0) == doctest::Approx(std::log(2.0)));
}

TEST_CASE("anomaly mode: an op is checked even when nothing is recorded") {
  AnomalyModeGuard anomaly;
  Tensor<double> constant(Array<double>{0.0, 1.0});  // requires no grad
  int line = 0;
  std::string message;
  line = __LINE__ + 1;
  message = anomaly_of([&] { log(constant); });
  CHECK(message ==
        "anomaly: log produced inf in its forward output of shape (2,) (input (2,)); recorded at " +
            here(line));
  NoGradGuard no_grad;
  auto x = leaf({0.0, 1.0});
  line = __LINE__ + 1;
  message = anomaly_of([&] { log(x); });
  CHECK(message ==
        "anomaly: log produced inf in its forward output of shape (2,) (input (2,)); recorded at " +
            here(line));
}

TEST_CASE("anomaly mode: a non-finite gradient names the op whose backward produced it") {
  AnomalyModeGuard anomaly;
  auto x = leaf({0.0, 1.0, 4.0});
  int line = 0;
  std::string message;
  line = __LINE__ + 1;
  Tensor<double> y = sqrt(x);  // finite: (0, 1, 2)
  Tensor<double> loss = sum(y);
  // sqrt's derivative 1/(2 sqrt(x)) is infinite at 0. The ops its backward runs (a mul and a
  // div) are not blamed one by one: the gradient sqrt hands to x is.
  CHECK(anomaly_of([&] { loss.backward(); }) ==
        "anomaly: the backward of sqrt produced inf in the gradient of input 0, shape (3,) "
        "(output (3,)); recorded at " +
            here(line));
}

TEST_CASE("anomaly mode: the backward check names the input the bad gradient is for") {
  AnomalyModeGuard anomaly;
  auto a = leaf({1.0, 2.0});
  auto b = Tensor<double>::full({3, 1}, 2.0, true);
  Tensor<double> out(Array<double>(a.value() + b.value()));  // (3,2)
  int line = 0;
  std::string message;
  // A broken derivative for b: the mul inside the closure is not blamed, the op is, with b's shape.
  line = __LINE__ + 1;
  out = record("broken_add", {a, b}, out, [](const Tensor<double>& g) {
    return std::array{g, g * std::numeric_limits<double>::infinity()};
  });
  Tensor<double> loss = sum(out);
  CHECK(anomaly_of([&] { loss.backward(); }) ==
        "anomaly: the backward of broken_add produced inf in the gradient of input 1, shape (3,1) "
        "(output (3,2)); recorded at " +
            here(line));
}

TEST_CASE("anomaly mode: operators report the line of the user's expression") {
  AnomalyModeGuard anomaly;
  auto a = leaf({1.0, 2.0});
  auto b = leaf({0.0, 1.0});
  int line = 0;
  std::string message;
  line = __LINE__ + 1;
  message = anomaly_of([&] { a / b; });
  CHECK(message ==
        "anomaly: div produced inf in its forward output of shape (2,) (inputs (2,), (2,)); "
        "recorded at " +
            here(line));
  line = __LINE__ + 1;
  message = anomaly_of([&] { 1.0 / b; });
  CHECK(message ==
        "anomaly: rdiv_scalar produced inf in its forward output of shape (2,) (input (2,)); "
        "recorded at " +
            here(line));
  line = __LINE__ + 1;
  message = anomaly_of([&] { a * 1e308 * 10.0; });
  CHECK(message ==
        "anomaly: mul_scalar produced inf in its forward output of shape (2,) (input (2,)); "
        "recorded at " +
            here(line));
  auto c = leaf({kNaN});
  line = __LINE__ + 1;
  message = anomaly_of([&] { -c; });
  CHECK(message ==
        "anomaly: neg produced nan in its forward output of shape (1,) (input (1,)); "
        "input 0 already holds nan; recorded at " +
            here(line));
  // An expression over several lines reports a line inside it.
  // clang-format off
  message = anomaly_of([&] {
    line = __LINE__;
    Tensor<double> q = a +
                       b / b;
  });
  // clang-format on
  CHECK(message ==
        "anomaly: div produced nan in its forward output of shape (2,) (inputs (2,), "
        "(2,)); recorded at " +
            here(line + 2));
}

TEST_CASE("anomaly mode: NaN in an input names the op that met it and the input") {
  AnomalyModeGuard anomaly;
  Tensor<double> x(Array<double>{{0.5, kNaN}, {1.0, 2.0}});
  Tensor<double> w = leaf(Array<double>{{1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}});
  int line = 0;
  std::string message;
  line = __LINE__ + 1;
  message = anomaly_of([&] { tanh(x); });
  CHECK(message ==
        "anomaly: tanh produced nan in its forward output of shape (2,2) (input (2,2)); "
        "input 0 already holds nan; recorded at " +
            here(line));
  line = __LINE__ + 1;
  message = anomaly_of([&] { matmul(w, x, false, false); });
  CHECK(message ==
        "anomaly: matmul produced nan in its forward output of shape (3,2) (inputs (3,2), (2,2)); "
        "input 1 already holds nan; recorded at " +
            here(line));
  // Ops with a run-time number of inputs or outputs are checked as well.
  auto v = leaf(Array<double>{{1.0, 2.0}, {3.0, 4.0}});
  line = __LINE__ + 1;
  message = anomaly_of([&] { stack<double>({v, v, x}); });
  CHECK(message ==
        "anomaly: stack produced nan in its forward output of shape (3,2,2) (inputs (2,2), (2,2), "
        "(2,2)); input 2 already holds nan; recorded at " +
            here(line));
}

TEST_CASE("anomaly mode: ops with several outputs name the output") {
  AnomalyModeGuard anomaly;
  auto x = leaf({1.0, 2.0, kNaN, 4.0});
  int line = 0;
  std::string message;
  line = __LINE__ + 1;
  message = anomaly_of([&] { split(x, 2, 0); });
  CHECK(message ==
        "anomaly: split produced nan in its forward output 1 of shape (2,) (input (4,)); "
        "input 0 already holds nan; recorded at " +
            here(line));
}

TEST_CASE("anomaly mode: a custom op reports its caller, or its record() call") {
  AnomalyModeGuard anomaly;
  auto x = leaf({0.0, 2.0});
  int line = 0;
  std::string message;
  line = __LINE__ + 1;
  message = anomaly_of([&] { reciprocal(x); });
  CHECK(message ==
        "anomaly: reciprocal produced inf in its forward output of shape (2,) (input (2,)); "
        "recorded at " +
            here(line));
  message = anomaly_of([&] { reciprocal_here(x); });
  CHECK(message ==
        "anomaly: reciprocal produced inf in its forward output of shape (2,) (input (2,)); "
        "recorded at " +
            here(reciprocal_record_line));
  // Finite forward, finite gradient: no error, and the gradient is -1/x^2.
  auto y = leaf({2.0});
  reciprocal(y).backward();
  CHECK(y.grad().item() == doctest::Approx(-0.25));
}

TEST_CASE("anomaly mode: a custom op with several outputs is checked in backward") {
  AnomalyModeGuard anomaly;
  auto x = leaf({1.0, 2.0});
  std::vector<Tensor<double>> outs{Tensor<double>(x.value()), Tensor<double>(x.value())};
  int line = 0;
  std::string message;
  line = __LINE__ + 1;
  record_many<double>("duplicate", std::span<const Tensor<double>>(&x, 1), outs,
                      [](std::span<const Tensor<double>>) {
                        return std::vector<Tensor<double>>{
                            Tensor<double>::full({2}, std::numeric_limits<double>::infinity())};
                      });
  Tensor<double> loss = sum(outs[0] + outs[1]);
  CHECK(anomaly_of([&] { loss.backward(); }) ==
        "anomaly: the backward of duplicate produced inf in the gradient of input 0, shape (2,) "
        "(outputs (2,), (2,)); recorded at " +
            here(line));
}

TEST_CASE("anomaly mode is process-wide: a worker thread's ops are checked too") {
  AnomalyModeGuard anomaly;
  int line = 0;
  std::string message;
  std::thread worker([&] {
    auto x = leaf({-1.0});
    line = __LINE__ + 1;
    message = anomaly_of([&] { log(x); });
  });
  worker.join();
  CHECK(message ==
        "anomaly: log produced nan in its forward output of shape (1,) (input (1,)); "
        "recorded at " +
            here(line));
}
