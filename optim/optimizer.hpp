// Optimizer: the interface every update rule shares, and its saved state.
//
// NOTE [optimizer state]
// An optimizer over parameters p_0 .. p_{n-1} keeps, for each parameter, the same named buffers
// (Adam: exp_avg, exp_avg_sq), each an array of the parameter's shape, plus how many updates
// that parameter has had. Buffers are allocated when the optimizer is built, filled with the
// value PyTorch would create them with, so the saved state always has the same names:
//   arrays   "state.<i>.<buffer>"              e.g. "state.0.exp_avg"
//   scalars  "lr", "step_count", "state.<i>.step"
// (PyTorch's state_dict keys, flattened). Hyperparameters other than lr are not saved: they
// belong to how the optimizer is built. load_state checks every name and shape before it
// changes anything.
//
// NOTE [per-parameter steps]
// As in PyTorch, a parameter whose gradient is undefined is skipped by step() and its own step
// count does not advance; Adam's bias correction and Adagrad's rate decay use that count, not
// the number of step() calls. A defined gradient of zeros is a step like any other.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/tensor.hpp"

namespace tapegrad {

template <class T>
struct OptimizerState {
  std::vector<std::pair<std::string, Array<T>>> arrays;
  std::vector<std::pair<std::string, double>> scalars;
};

template <class T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // Updates every parameter whose gradient is defined, in place, under NoGradGuard.
  void step();
  // Drops every parameter's gradient (undefined, as Tensor::zero_grad does), or with
  // set_to_none = false sets it to zeros, which the next step() still counts as a step.
  void zero_grad(bool set_to_none = true);

  double lr() const { return lr_; }
  void set_lr(double lr);
  // Calls of step() so far: the step a schedule is at.
  std::int64_t step_count() const { return step_count_; }
  // Updates parameter i has had (NOTE [per-parameter steps]).
  std::int64_t parameter_step(std::size_t i) const;
  const std::vector<Tensor<T>>& parameters() const { return parameters_; }
  // "SGD", "Adam", ...: for error messages.
  const std::string& name() const { return name_; }

  // A deep copy of the state (NOTE [optimizer state]).
  OptimizerState<T> state() const;
  // Restores a state saved from an optimizer of the same kind and options over parameters of
  // the same shapes. Throws Error naming the first missing, unexpected or mis-shaped entry.
  void load_state(const OptimizerState<T>& state);

 protected:
  Optimizer(std::string name, std::vector<Tensor<T>> parameters, double lr);

  // Registers a buffer named `buffer` for every parameter, filled with `initial`; returns its
  // index for buffer().
  std::size_t add_buffer(std::string buffer, double initial);
  Array<T>& buffer(std::size_t index, std::size_t parameter) { return buffers_[index][parameter]; }

  // One update of parameter i (`value`) with gradient `grad`; `step` counts this update, from 1.
  virtual void update(std::size_t i, Array<T>& value, const Array<T>& grad, std::int64_t step) = 0;

  // An Error "<name>: <what>".
  Error error(const std::string& what) const;
  // For the constructors' option checks: throws "<name>: <option> must be <expected>, got <value>"
  // unless `ok` (PyTorch's checks) and `value` is finite.
  void check_option(bool ok, const char* option, double value, const char* expected) const;

 private:
  std::string name_;
  std::vector<Tensor<T>> parameters_;
  std::vector<Shape> shapes_;
  double lr_;
  std::int64_t step_count_ = 0;
  std::vector<std::int64_t> parameter_steps_;
  std::vector<std::string> buffer_names_;
  std::vector<std::vector<Array<T>>> buffers_;  // [buffer][parameter]
};

}  // namespace tapegrad
