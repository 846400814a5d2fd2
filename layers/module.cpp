#include "layers/module.hpp"

namespace tapegrad {

template <class T>
std::vector<std::pair<std::string, Tensor<T>*>> Module<T>::named_slots() const {
  std::vector<std::pair<std::string, Tensor<T>*>> slots;
  for (const auto& [name, slot] : parameters_)
    if (slot->defined()) slots.emplace_back(name, slot);
  for (const auto& [prefix, child] : children_)
    for (auto& [name, slot] : child->named_slots()) slots.emplace_back(prefix + "." + name, slot);
  return slots;
}

template <class T>
std::vector<Tensor<T>> Module<T>::parameters() const {
  std::vector<Tensor<T>> out;
  for (const auto& [name, slot] : named_slots()) out.push_back(*slot);
  return out;
}

template <class T>
std::vector<std::pair<std::string, Tensor<T>>> Module<T>::named_parameters() const {
  std::vector<std::pair<std::string, Tensor<T>>> out;
  for (const auto& [name, slot] : named_slots()) out.emplace_back(name, *slot);
  return out;
}

template <class T>
Tensor<T>& Module<T>::parameter(const std::string& name) {
  for (auto& [slot_name, slot] : named_slots())
    if (slot_name == name) return *slot;
  std::string known;
  for (const auto& [slot_name, slot] : named_slots())
    known += (known.empty() ? "" : ", ") + slot_name;
  throw Error(type_name() + ": no parameter named '" + name + "' (it has: " + known + ")");
}

template <class T>
void Module<T>::set_parameter(const std::string& name, const Array<T>& value) {
  Tensor<T>& slot = parameter(name);
  if (slot.shape() != value.shape())
    throw Error(type_name() + ": parameter '" + name + "' has shape " + shape_str(slot.shape()) +
                ", got a value of shape " + shape_str(value.shape()));
  slot.mutable_value() = value;
}

template <class T>
void Module<T>::zero_grad() {
  for (const auto& [name, slot] : named_slots()) slot->zero_grad();
}

template <class T>
void Module<T>::train(bool on) {
  training_ = on;
  for (const auto& [name, child] : children_) child->train(on);
}

template <class T>
void Module<T>::check_new_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw Error(type_name() + ": '" + name + "' is not a valid name (empty, or contains '.')");
  for (const auto& [known, slot] : parameters_)
    if (known == name)
      throw Error(type_name() + ": the name '" + name + "' is already a parameter");
  for (const auto& [known, child] : children_)
    if (known == name)
      throw Error(type_name() + ": the name '" + name + "' is already a child module");
}

template <class T>
void Module<T>::register_parameter(std::string name, Tensor<T>& slot) {
  check_new_name(name);
  if (slot.defined()) slot.requires_grad_(true);
  parameters_.emplace_back(std::move(name), &slot);
}

template <class T>
void Module<T>::register_module(std::string name, Module<T>& child) {
  check_new_name(name);
  if (&child == this) throw Error(type_name() + ": a module cannot be its own child");
  child.train(training_);
  children_.emplace_back(std::move(name), &child);
}

template class Module<float>;
template class Module<double>;

}  // namespace tapegrad
