#include "optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

#include <fmt/format.h>
#include <xtensor/xbuilder.hpp>

#include "autodiff/tape.hpp"

namespace tapegrad {

namespace {

template <class A, class B>
bool equal_shapes(const A& a, const B& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// A count saved as a double: a non-negative integer that a double holds exactly.
bool is_count(double value) {
  return value >= 0 && value <= 9007199254740992.0 && value == std::floor(value);
}

std::string number(double value) { return fmt::format("{}", value); }

}  // namespace

template <class T>
Optimizer<T>::Optimizer(std::string name, std::vector<Tensor<T>> parameters, double lr)
    : name_(std::move(name)), parameters_(std::move(parameters)), lr_(0) {
  std::unordered_set<const void*> seen;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Tensor<T>& p = parameters_[i];
    if (!p.defined()) throw error("parameter " + std::to_string(i) + " is undefined");
    if (!p.is_leaf())
      throw error("parameter " + std::to_string(i) +
                  " is not a leaf (an op's result); only leaves can be updated in place");
    if (!seen.insert(p.impl()).second)
      throw error("parameter " + std::to_string(i) + " appears twice in the parameter list");
    shapes_.push_back(p.shape());
  }
  parameter_steps_.assign(parameters_.size(), 0);
  set_lr(lr);
}

template <class T>
Error Optimizer<T>::error(const std::string& what) const {
  return Error(name_ + ": " + what);
}

template <class T>
void Optimizer<T>::check_option(bool ok, const char* option, double value,
                                const char* expected) const {
  if (!ok || !std::isfinite(value))
    throw error(std::string(option) + " must be " + expected + ", got " + number(value));
}

template <class T>
void Optimizer<T>::set_lr(double lr) {
  if (!(lr >= 0) || !std::isfinite(lr))
    throw error("learning rate must be finite and >= 0, got " + number(lr));
  lr_ = lr;
}

template <class T>
std::size_t Optimizer<T>::add_buffer(std::string buffer, double initial) {
  std::vector<Array<T>> per_parameter;
  per_parameter.reserve(parameters_.size());
  for (const Shape& shape : shapes_) {
    Array<T> filled = xt::zeros<T>(shape);
    if (initial != 0) filled.fill(static_cast<T>(initial));
    per_parameter.push_back(std::move(filled));
  }
  buffer_names_.push_back(std::move(buffer));
  buffers_.push_back(std::move(per_parameter));
  return buffers_.size() - 1;
}

template <class T>
void Optimizer<T>::step() {
  NoGradGuard no_grad;
  // Check every gradient first, so that a bad one leaves all parameters untouched.
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Tensor<T>& p = parameters_[i];
    if (!equal_shapes(p.shape(), shapes_[i]))
      throw error("step: parameter " + std::to_string(i) + " has shape " + shape_str(p.shape()) +
                  " but had " + shape_str(shapes_[i]) + " when the optimizer was built");
    const Tensor<T> grad = p.grad();
    if (grad && !equal_shapes(grad.shape(), shapes_[i]))
      throw error("step: gradient of parameter " + std::to_string(i) + " has shape " +
                  shape_str(grad.shape()) + ", expected " + shape_str(shapes_[i]));
  }
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Tensor<T> grad = parameters_[i].grad();
    if (!grad) continue;
    ++parameter_steps_[i];
    update(i, parameters_[i].mutable_value(), grad.value(), parameter_steps_[i]);
  }
  ++step_count_;
}

template <class T>
std::int64_t Optimizer<T>::parameter_step(std::size_t i) const {
  if (i >= parameters_.size())
    throw error("parameter_step: no parameter " + std::to_string(i) + " (the optimizer has " +
                std::to_string(parameters_.size()) + ")");
  return parameter_steps_[i];
}

template <class T>
void Optimizer<T>::zero_grad(bool set_to_none) {
  for (Tensor<T>& p : parameters_) {
    if (set_to_none)
      p.zero_grad();
    else
      p.set_grad(Tensor<T>(Array<T>(xt::zeros<T>(p.shape()))));
  }
}

template <class T>
OptimizerState<T> Optimizer<T>::state() const {
  OptimizerState<T> saved;
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    for (std::size_t b = 0; b < buffers_.size(); ++b)
      saved.arrays.emplace_back("state." + std::to_string(i) + "." + buffer_names_[b],
                                buffers_[b][i]);
  saved.scalars.emplace_back("lr", lr_);
  saved.scalars.emplace_back("step_count", static_cast<double>(step_count_));
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    saved.scalars.emplace_back("state." + std::to_string(i) + ".step",
                               static_cast<double>(parameter_steps_[i]));
  return saved;
}

template <class T>
void Optimizer<T>::load_state(const OptimizerState<T>& state) {
  const std::string where = "load_state: ";
  // Every array name this optimizer keeps -> (buffer, parameter).
  std::map<std::string, std::pair<std::size_t, std::size_t>> expected;
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    for (std::size_t b = 0; b < buffers_.size(); ++b)
      expected["state." + std::to_string(i) + "." + buffer_names_[b]] = {b, i};
  std::map<std::string, const Array<T>*> arrays;
  for (const auto& [name, array] : state.arrays) {
    auto found = expected.find(name);
    if (found == expected.end()) throw error(where + "unexpected array '" + name + "'");
    if (!arrays.emplace(name, &array).second)
      throw error(where + "array '" + name + "' appears twice");
    const std::size_t i = found->second.second;
    if (!equal_shapes(array.shape(), shapes_[i]))
      throw error(where + "array '" + name + "' has shape " + shape_str(array.shape()) +
                  " but parameter " + std::to_string(i) + " has shape " + shape_str(shapes_[i]));
  }
  for (const auto& entry : expected)
    if (!arrays.count(entry.first)) throw error(where + "missing array '" + entry.first + "'");

  std::map<std::string, double> scalars;
  for (const auto& [name, value] : state.scalars)
    if (!scalars.emplace(name, value).second)
      throw error(where + "scalar '" + name + "' appears twice");
  std::vector<std::string> scalar_names{"lr", "step_count"};
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    scalar_names.push_back("state." + std::to_string(i) + ".step");
  for (const auto& entry : scalars)
    if (std::find(scalar_names.begin(), scalar_names.end(), entry.first) == scalar_names.end())
      throw error(where + "unexpected scalar '" + entry.first + "'");
  auto scalar = [&](const std::string& name) {
    auto found = scalars.find(name);
    if (found == scalars.end()) throw error(where + "missing scalar '" + name + "'");
    return found->second;
  };
  const double lr = scalar("lr");
  if (!(lr >= 0) || !std::isfinite(lr))
    throw error(where + "'lr' must be finite and >= 0, got " + number(lr));
  const double step_count = scalar("step_count");
  if (!is_count(step_count))
    throw error(where + "'step_count' must be a whole number >= 0, got " + number(step_count));
  std::vector<std::int64_t> parameter_steps(parameters_.size());
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& name = scalar_names[i + 2];
    const double steps = scalar(name);
    if (!is_count(steps) || steps > step_count)
      throw error(where + "'" + name + "' must be a whole number between 0 and step_count (" +
                  number(step_count) + "), got " + number(steps));
    parameter_steps[i] = static_cast<std::int64_t>(steps);
  }

  // Everything checked: now change the optimizer.
  for (const auto& [name, array] : arrays) {
    const auto [b, i] = expected.at(name);
    buffers_[b][i] = *array;
  }
  lr_ = lr;
  step_count_ = static_cast<std::int64_t>(step_count);
  parameter_steps_ = std::move(parameter_steps);
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace tapegrad
