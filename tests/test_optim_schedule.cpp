// Learning-rate schedules: their values, composition, and how they drive an optimizer.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "optim/optim.hpp"

using namespace tapegrad;

TEST_CASE("step_decay multiplies by gamma every step_size steps") {
  const Schedule schedule = step_decay(3, 0.5);
  const std::vector<double> expected{1, 1, 1, 0.5, 0.5, 0.5, 0.25};
  for (std::int64_t t = 0; t < 7; ++t) CHECK(schedule(t) == expected[t]);
}

TEST_CASE("exponential_decay is gamma^step") {
  const Schedule schedule = exponential_decay(0.9);
  CHECK(schedule(0) == 1.0);
  CHECK(schedule(1) == 0.9);
  CHECK(schedule(10) == std::pow(0.9, 10.0));
}

TEST_CASE("cosine_annealing falls from 1 to min_factor, then holds") {
  const Schedule schedule = cosine_annealing(4, 0.1);
  CHECK(schedule(0) == 1.0);
  CHECK(schedule(1) == 0.1 + 0.9 * (1 + std::cos(std::numbers::pi / 4)) / 2);
  CHECK(schedule(2) == doctest::Approx(0.55).epsilon(1e-15));
  CHECK(schedule(4) == 0.1);
  CHECK(schedule(100) == 0.1);
  CHECK(cosine_annealing(10)(5) == doctest::Approx(0.5).epsilon(1e-15));
}

TEST_CASE("linear_warmup rises from start_factor to 1") {
  const Schedule schedule = linear_warmup(4, 0.2);
  CHECK(schedule(0) == 0.2);
  CHECK(schedule(1) == 0.2 + 0.8 * 1 / 4);
  CHECK(schedule(2) == 0.2 + 0.8 * 2 / 4);
  CHECK(schedule(4) == 1.0);
  CHECK(schedule(50) == 1.0);
  CHECK(linear_warmup(0)(0) == 1.0);
  CHECK(linear_warmup(5)(0) == 0.0);
}

TEST_CASE("sequential runs warm-up, then cosine from its own step 0") {
  const Schedule schedule = sequential({linear_warmup(2, 0.5), cosine_annealing(4)}, {2});
  CHECK(schedule(0) == 0.5);
  CHECK(schedule(1) == 0.75);
  CHECK(schedule(2) == 1.0);  // cosine's step 0
  CHECK(schedule(3) == (1 + std::cos(std::numbers::pi / 4)) / 2);
  CHECK(schedule(6) == 0.0);
  const Schedule three =
      sequential({linear_warmup(1), step_decay(1, 0.5), exponential_decay(2)}, {1, 3});
  CHECK(three(0) == 0.0);
  CHECK(three(1) == 1.0);
  CHECK(three(2) == 0.5);
  CHECK(three(3) == 1.0);
  CHECK(three(5) == 4.0);
}

TEST_CASE("product multiplies factors") {
  const Schedule schedule = product({linear_warmup(2), step_decay(1, 0.5)});
  CHECK(schedule(0) == 0.0);
  CHECK(schedule(1) == 0.5 * 0.5);
  CHECK(schedule(3) == 0.125);
  CHECK(product({})(7) == 1.0);
}

TEST_CASE("bad schedule arguments are errors naming the schedule") {
  CHECK_THROWS_WITH_AS(step_decay(0), "step_decay: step_size must be > 0, got 0", Error);
  CHECK_THROWS_WITH_AS(exponential_decay(-1),
                       "exponential_decay: gamma must be finite and >= 0, got -1", Error);
  CHECK_THROWS_WITH_AS(cosine_annealing(0), "cosine_annealing: total_steps must be > 0, got 0",
                       Error);
  CHECK_THROWS_WITH_AS(linear_warmup(-1), "linear_warmup: warmup_steps must be >= 0, got -1",
                       Error);
  CHECK_THROWS_WITH_AS(sequential({linear_warmup(2), cosine_annealing(4)}, {}),
                       "sequential: 2 schedules need 1 milestones, got 0", Error);
  CHECK_THROWS_WITH_AS(
      sequential({linear_warmup(2), cosine_annealing(4), cosine_annealing(4)}, {3, 3}),
      "sequential: milestones must be > 0 and increasing", Error);
  CHECK_THROWS_WITH_AS(exponential_decay(0.5)(-1), "exponential_decay: step must be >= 0, got -1",
                       Error);
}

TEST_CASE("apply_schedule sets the rate of the next step from the optimizer's step count") {
  Tensor<double> p(Array<double>{0.0}, true);
  SGD<double> sgd({p}, {.lr = 1.0});
  const Schedule schedule = sequential({linear_warmup(2, 0.5), step_decay(1, 0.5)}, {2});
  const std::vector<double> factors{0.5, 0.75, 1, 0.5, 0.25};
  double position = 0;
  for (double factor : factors) {
    apply_schedule(sgd, schedule, 0.1);
    const double rate = 0.1 * factor;
    CHECK(sgd.lr() == rate);
    p.set_grad(Tensor<double>(Array<double>{-1.0}));
    sgd.step();
    position += rate;
    CHECK(p.value()(0) == doctest::Approx(position).epsilon(1e-15));
  }
  // A restored optimizer resumes its schedule where it was: the step count is in its state.
  SGD<double> resumed({Tensor<double>(Array<double>{0.0}, true)}, {.lr = 1.0});
  resumed.load_state(sgd.state());
  apply_schedule(resumed, schedule, 0.1);
  CHECK(resumed.lr() == 0.1 * 0.125);
}
