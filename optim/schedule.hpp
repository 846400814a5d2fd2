// Learning-rate schedules: functions from the optimizer's step count to a factor of the base
// learning rate, composable, applied with apply_schedule before each step.
//
// A schedule is indexed by Optimizer::step_count() (0 before the first step), so it has no
// state of its own: restoring an optimizer's state restores where its schedule is. The
// factors are the closed forms of torch.optim.lr_scheduler's classes (named beside each),
// with `step` counting optimizer steps.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "optim/optimizer.hpp"

namespace tapegrad {

using Schedule = std::function<double(std::int64_t step)>;

// gamma^⌊step / step_size⌋ (StepLR).
Schedule step_decay(std::int64_t step_size, double gamma = 0.1);
// gamma^step (ExponentialLR).
Schedule exponential_decay(double gamma);
// min_factor + (1 − min_factor)·(1 + cos(π·step / total_steps)) / 2 for step < total_steps, then
// min_factor (CosineAnnealingLR with eta_min = min_factor·base_lr, held at its minimum rather
// than rising again).
Schedule cosine_annealing(std::int64_t total_steps, double min_factor = 0);
// start_factor + (1 − start_factor)·step / warmup_steps for step < warmup_steps, then 1
// (LinearLR with end_factor 1).
Schedule linear_warmup(std::int64_t warmup_steps, double start_factor = 0);
// schedules[k] from milestones[k − 1] on, called with the steps since that milestone
// (SequentialLR): sequential({linear_warmup(100), cosine_annealing(900)}, {100}).
Schedule sequential(std::vector<Schedule> schedules, std::vector<std::int64_t> milestones);
// The product of the factors (ChainedScheduler).
Schedule product(std::vector<Schedule> schedules);

// Sets the learning rate of the optimizer's next step: base_lr · schedule(step_count()).
template <class T>
void apply_schedule(Optimizer<T>& optimizer, const Schedule& schedule, double base_lr) {
  optimizer.set_lr(base_lr * schedule(optimizer.step_count()));
}

}  // namespace tapegrad
