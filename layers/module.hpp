// Module: a layer's parameters by name, train/eval mode, and composition of layers.
//
// NOTE [module identity]
// A module registers its parameters as pointers to its own Tensor members, and its children as
// pointers to its own member modules. So a module is neither copyable nor movable (a copy would
// point into the original), and assigning a new tensor to a public member, as gradcheck and a
// weight loader do, is seen by named_parameters() at once. Build a module in place, or hold it
// in a std::unique_ptr.
//
// Names follow PyTorch's state_dict keys: a module's own parameters by their names
// (`weight_ih_l0`), then each child's under the child's name and a dot (`embedding.weight`),
// in registration order.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "autodiff/tensor.hpp"

namespace tapegrad {

template <class T>
class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  // For error messages: the layer's class, "LSTMCell", "Linear", ...
  virtual std::string type_name() const = 0;

  // Every defined parameter (leaves with requires_grad), own first, then the children's.
  std::vector<Tensor<T>> parameters() const;
  std::vector<std::pair<std::string, Tensor<T>>> named_parameters() const;
  // The member a name refers to, for replacing a parameter wholesale (gradcheck, a loader).
  Tensor<T>& parameter(const std::string& name);
  // Copies `value` into the named parameter, which keeps its identity; the shapes must match.
  void set_parameter(const std::string& name, const Array<T>& value);

  // Drops the accumulated gradient of every parameter.
  void zero_grad();

  // Training mode turns dropout on. Applies to every child too.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  std::vector<std::pair<std::string, Module<T>*>> named_children() const { return children_; }

 protected:
  // Makes `slot` (a member of the derived class) a named parameter and marks it requires_grad.
  void register_parameter(std::string name, Tensor<T>& slot);
  // Makes `child` (a member of the derived class) a child: its parameters are named
  // `name.<its names>` and it follows this module's train/eval mode.
  void register_module(std::string name, Module<T>& child);

 private:
  // Name and member of every defined parameter, own first, then the children's.
  std::vector<std::pair<std::string, Tensor<T>*>> named_slots() const;
  void check_new_name(const std::string& name) const;

  std::vector<std::pair<std::string, Tensor<T>*>> parameters_;
  std::vector<std::pair<std::string, Module<T>*>> children_;
  bool training_ = true;
};

}  // namespace tapegrad
