// Tensor: an xtensor array plus what autodiff needs to know about it.
//
// A Tensor is a cheap handle (one shared pointer). Copies share the same value and gradient,
// as in PyTorch. Two kinds exist:
//   - leaves: made by the user (parameters, inputs). They outlive tapes, and `grad()` keeps
//     accumulating over backward passes until `zero_grad()`.
//   - results: made by an op. When the op is recorded they get a gradient slot on this
//     thread's tape and are valid until the tape is reset.
#pragma once

#include <cstdint>
#include <memory>
#include <source_location>
#include <type_traits>

#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include "autodiff/error.hpp"
#include "autodiff/memory.hpp"

namespace tapegrad {

// Row-major, any rank, storage from the per-thread pool (NOTE [steady-state allocation]). Any
// xtensor expression or xt::xarray converts to it.
template <class T>
using Array = xt::xarray_container<xt::uvector<T, PoolAllocator<T>>, xt::layout_type::row_major,
                                   xt::svector<std::size_t, 4>>;
using Shape = xt::svector<std::size_t, 4>;

class Tape;
template <class T>
class Tensor;

namespace detail {

inline constexpr std::uint32_t kNoSlot = UINT32_MAX;

template <class T>
struct Variable {
  explicit Variable(Array<T>&& v) : value(std::move(v)) {}
  Array<T> value;
  std::shared_ptr<Variable<T>> grad;  // leaves only
  bool requires_grad = false;
  bool is_leaf = true;
  // Counts the in-place edits handed out by Tensor::mutable_value: what was derived from the
  // value and kept (NOTE [packed weights], autodiff/gemm_rows.cpp) is valid for one version.
  std::uint64_t version = 0;
  // Where this tensor's gradient is gathered during backward: a slot of `tape`, valid while the
  // tape is still at `epoch` (every reset starts a new, globally unique epoch).
  Tape* tape = nullptr;
  std::uint64_t epoch = 0;
  std::uint32_t slot = kNoSlot;
};

}  // namespace detail

struct BackwardOptions {
  // Keep the tape after backward, so that backward can run over it again.
  bool retain_graph = false;
  // Record the backward pass itself, so that gradients can be differentiated again
  // (PyTorch's create_graph). Implies retain_graph.
  bool create_graph = false;
};

template <class T>
class Tensor {
  static_assert(std::is_floating_point_v<T>, "tapegrad tensors hold float or double");

 public:
  using value_type = T;

  // An undefined tensor: no value. Returned as the gradient of an input that gets none.
  Tensor() = default;
  // A leaf holding `value`.
  explicit Tensor(Array<T> value, bool requires_grad = false)
      : var_(std::allocate_shared<detail::Variable<T>>(PoolAllocator<detail::Variable<T>>(),
                                                       std::move(value))) {
    var_->requires_grad = requires_grad;
  }
  // Any xtensor expression; evaluated here, since a lazy expression would dangle.
  template <class E, class = std::enable_if_t<xt::is_xexpression<std::decay_t<E>>::value &&
                                              !std::is_same_v<std::decay_t<E>, Array<T>>>>
  explicit Tensor(E&& expression, bool requires_grad = false)
      : Tensor(Array<T>(std::forward<E>(expression)), requires_grad) {}

  static Tensor scalar(T value, bool requires_grad = false) {
    return Tensor(Array<T>(value), requires_grad);
  }
  static Tensor full(const Shape& shape, T value, bool requires_grad = false) {
    Array<T> a = Array<T>::from_shape(shape);
    a.fill(value);
    return Tensor(std::move(a), requires_grad);
  }
  static Tensor zeros(const Shape& shape, bool requires_grad = false) { return full(shape, T(0), requires_grad); }
  static Tensor ones(const Shape& shape, bool requires_grad = false) { return full(shape, T(1), requires_grad); }

  bool defined() const { return var_ != nullptr; }
  explicit operator bool() const { return defined(); }

  const Array<T>& value() const { return checked().value; }
  // For optimizers and initialisers: in-place edits of a leaf. Editing an op's result would
  // silently change what its consumers saved for backward, so that is refused. Each call starts
  // a new version of the value: call it again for an edit made after ops have read the value.
  Array<T>& mutable_value() {
    if (!checked().is_leaf) throw Error("mutable_value: only a leaf tensor can be edited in place");
    ++var_->version;
    return var_->value;
  }
  const Shape& shape() const { return value().shape(); }
  std::size_t dim() const { return value().dimension(); }
  std::size_t size() const { return value().size(); }
  T item() const {
    if (size() != 1) throw Error("item: tensor of shape " + shape_str(shape()) + " is not one element");
    return *value().data();
  }

  bool requires_grad() const { return defined() && var_->requires_grad; }
  bool is_leaf() const { return checked().is_leaf; }
  Tensor& requires_grad_(bool on = true) {
    if (!checked().is_leaf) throw Error("requires_grad_: only a leaf's flag can be set");
    var_->requires_grad = on;
    return *this;
  }

  // The gradient accumulated into this leaf by backward passes (undefined before the first).
  Tensor grad() const { return Tensor(checked().grad); }
  void zero_grad() { checked().grad.reset(); }
  // Sets the accumulated gradient (an optimizer test, a gradient loaded from a file).
  void set_grad(const Tensor& g) { checked().grad = g.var_; }

  // A new leaf with this value and no history.
  Tensor detach() const { return Tensor(value()); }

  // Backpropagates from this tensor: a one-element tensor (seed 1), or any tensor with an
  // explicit seed of the same shape. Declared here, defined in tape.hpp.
  void backward(BackwardOptions options = {}) const;
  void backward(const Tensor& seed, BackwardOptions options = {}) const;

  // Identity of the underlying value; for tests and the tape.
  const detail::Variable<T>* impl() const { return var_.get(); }
  detail::Variable<T>& var() const { return checked(); }
  const std::shared_ptr<detail::Variable<T>>& shared() const { return var_; }
  explicit Tensor(std::shared_ptr<detail::Variable<T>> var) : var_(std::move(var)) {}

 private:
  detail::Variable<T>& checked() const {
    if (!var_) throw Error("tensor is undefined (a default-constructed Tensor, or a missing gradient)");
    return *var_;
  }
  std::shared_ptr<detail::Variable<T>> var_;
};

}  // namespace tapegrad
