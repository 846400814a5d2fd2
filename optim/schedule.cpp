#include "optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include <fmt/format.h>

namespace tapegrad {

namespace {

void check(bool ok, const char* schedule, const std::string& what) {
  if (!ok) throw Error(std::string(schedule) + ": " + what);
}

void check_step(const char* schedule, std::int64_t step) {
  check(step >= 0, schedule, fmt::format("step must be >= 0, got {}", step));
}

}  // namespace

Schedule step_decay(std::int64_t step_size, double gamma) {
  check(step_size > 0, "step_decay", fmt::format("step_size must be > 0, got {}", step_size));
  check(gamma >= 0 && std::isfinite(gamma), "step_decay",
        fmt::format("gamma must be finite and >= 0, got {}", gamma));
  return [step_size, gamma](std::int64_t step) {
    check_step("step_decay", step);
    return std::pow(gamma, static_cast<double>(step / step_size));
  };
}

Schedule exponential_decay(double gamma) {
  check(gamma >= 0 && std::isfinite(gamma), "exponential_decay",
        fmt::format("gamma must be finite and >= 0, got {}", gamma));
  return [gamma](std::int64_t step) {
    check_step("exponential_decay", step);
    return std::pow(gamma, static_cast<double>(step));
  };
}

Schedule cosine_annealing(std::int64_t total_steps, double min_factor) {
  check(total_steps > 0, "cosine_annealing",
        fmt::format("total_steps must be > 0, got {}", total_steps));
  check(min_factor >= 0 && std::isfinite(min_factor), "cosine_annealing",
        fmt::format("min_factor must be finite and >= 0, got {}", min_factor));
  return [total_steps, min_factor](std::int64_t step) {
    check_step("cosine_annealing", step);
    if (step >= total_steps) return min_factor;
    const double phase =
        std::numbers::pi * static_cast<double>(step) / static_cast<double>(total_steps);
    return min_factor + (1 - min_factor) * (1 + std::cos(phase)) / 2;
  };
}

Schedule linear_warmup(std::int64_t warmup_steps, double start_factor) {
  check(warmup_steps >= 0, "linear_warmup",
        fmt::format("warmup_steps must be >= 0, got {}", warmup_steps));
  check(start_factor >= 0 && std::isfinite(start_factor), "linear_warmup",
        fmt::format("start_factor must be finite and >= 0, got {}", start_factor));
  return [warmup_steps, start_factor](std::int64_t step) {
    check_step("linear_warmup", step);
    if (step >= warmup_steps) return 1.0;
    return start_factor +
           (1 - start_factor) * static_cast<double>(step) / static_cast<double>(warmup_steps);
  };
}

Schedule sequential(std::vector<Schedule> schedules, std::vector<std::int64_t> milestones) {
  check(!schedules.empty(), "sequential", "needs at least one schedule");
  check(milestones.size() + 1 == schedules.size(), "sequential",
        fmt::format("{} schedules need {} milestones, got {}", schedules.size(),
                    schedules.size() - 1, milestones.size()));
  for (std::size_t k = 0; k < milestones.size(); ++k)
    check(milestones[k] > (k == 0 ? 0 : milestones[k - 1]), "sequential",
          "milestones must be > 0 and increasing");
  for (const Schedule& schedule : schedules)
    check(static_cast<bool>(schedule), "sequential", "a schedule is empty");
  return [schedules = std::move(schedules), milestones = std::move(milestones)](std::int64_t step) {
    check_step("sequential", step);
    // The number of milestones already reached picks the schedule.
    const auto reached = std::upper_bound(milestones.begin(), milestones.end(), step);
    const std::size_t k = static_cast<std::size_t>(reached - milestones.begin());
    return schedules[k](k == 0 ? step : step - milestones[k - 1]);
  };
}

Schedule product(std::vector<Schedule> schedules) {
  for (const Schedule& schedule : schedules)
    check(static_cast<bool>(schedule), "product", "a schedule is empty");
  return [schedules = std::move(schedules)](std::int64_t step) {
    double factor = 1;
    for (const Schedule& schedule : schedules) factor *= schedule(step);
    return factor;
  };
}

}  // namespace tapegrad
