// Elementwise ops with NumPy broadcasting, and their operators.
#pragma once

#include <source_location>
#include <type_traits>

#include "autodiff/tape.hpp"

namespace tapegrad {

// NOTE [ops as values]
// Every op takes the caller's location as a last, defaulted argument (NOTE [anomaly mode]).
// A few ops are also passed around as values (add<double> as a function pointer), which a
// template with that extra parameter cannot be. For those, the template keeps the plain
// signature, and calls pick the overloads for float and double, which take the location.
// (Spelling out the template argument, add<double>(a, b), records math.cpp as the location.)
#define TAPEGRAD_BINARY_OP(name, a, b)                                                     \
  template <class T> Tensor<T> name(const Tensor<T>& a, const Tensor<T>& b);               \
  Tensor<float> name(const Tensor<float>& a, const Tensor<float>& b,                       \
                     std::source_location location = std::source_location::current());   \
  Tensor<double> name(const Tensor<double>& a, const Tensor<double>& b,                    \
                      std::source_location location = std::source_location::current());
TAPEGRAD_BINARY_OP(add, a, b)
TAPEGRAD_BINARY_OP(sub, a, b)
TAPEGRAD_BINARY_OP(mul, a, b)
TAPEGRAD_BINARY_OP(div, a, b)
// The backward passes of tanh and sigmoid from their outputs, as ops of their own: one fused
// pass in a first-order backward, and differentiable again for second order.
TAPEGRAD_BINARY_OP(tanh_backward, grad, out)
TAPEGRAD_BINARY_OP(sigmoid_backward, grad, out)
#undef TAPEGRAD_BINARY_OP

template <class T> Tensor<T> neg(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> add_scalar(const Tensor<T>& x, T s,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> mul_scalar(const Tensor<T>& x, T s,
    std::source_location location = std::source_location::current());
// s - x and s / x.
template <class T> Tensor<T> rsub_scalar(const Tensor<T>& x, T s,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> rdiv_scalar(const Tensor<T>& x, T s,
    std::source_location location = std::source_location::current());

template <class T> Tensor<T> exp(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> log(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> tanh(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> sigmoid(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> relu(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> sqrt(const Tensor<T>& x,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> pow(const Tensor<T>& x, T exponent,
    std::source_location location = std::source_location::current());
// Gradient passes where lo <= x <= hi (PyTorch's convention at the bounds).
template <class T> Tensor<T> clamp(const Tensor<T>& x, T lo, T hi,
    std::source_location location = std::source_location::current());
// Elementwise choice: a where condition holds, b elsewhere; all three broadcast together.
template <class T> Tensor<T> where(const Array<bool>& condition, const Tensor<T>& a, const Tensor<T>& b,
    std::source_location location = std::source_location::current());

// The shape a and b broadcast to, or an Error naming `op` and both shapes.
Shape broadcast_shape(const char* op, const Shape& a, const Shape& b);

// NOTE [operator locations]
// An operator cannot take a defaulted std::source_location, so one operand converts implicitly
// to a small wrapper whose constructor takes it: the default is evaluated where the user wrote
// the expression (checked with GCC 12 in tests/test_tape_anomaly.cpp). The wrapped parameter is
// a non-deduced context (std::type_identity_t), so T still comes from the other operand.
namespace detail {
template <class T>
struct TensorOperand {
  TensorOperand(const Tensor<T>& tensor,
                std::source_location where = std::source_location::current())
      : value(tensor), location(where) {}
  const Tensor<T>& value;
  std::source_location location;
};
template <class T>
struct ScalarOperand {
  ScalarOperand(T scalar, std::source_location where = std::source_location::current())
      : value(scalar), location(where) {}
  T value;
  std::source_location location;
};
template <class T>
using TensorAt = TensorOperand<std::type_identity_t<T>>;
template <class T>
using ScalarAt = ScalarOperand<std::type_identity_t<T>>;
}  // namespace detail

template <class T> Tensor<T> operator+(detail::TensorAt<T> a, const Tensor<T>& b) { return add(a.value, b, a.location); }
template <class T> Tensor<T> operator-(detail::TensorAt<T> a, const Tensor<T>& b) { return sub(a.value, b, a.location); }
template <class T> Tensor<T> operator*(detail::TensorAt<T> a, const Tensor<T>& b) { return mul(a.value, b, a.location); }
template <class T> Tensor<T> operator/(detail::TensorAt<T> a, const Tensor<T>& b) { return div(a.value, b, a.location); }
// Unary minus has no other operand to deduce T from: one overload per element type.
inline Tensor<float> operator-(detail::TensorOperand<float> x) { return neg(x.value, x.location); }
inline Tensor<double> operator-(detail::TensorOperand<double> x) { return neg(x.value, x.location); }

template <class T> Tensor<T> operator+(const Tensor<T>& x, detail::ScalarAt<T> s) { return add_scalar(x, s.value, s.location); }
template <class T> Tensor<T> operator+(detail::ScalarAt<T> s, const Tensor<T>& x) { return add_scalar(x, s.value, s.location); }
template <class T> Tensor<T> operator-(const Tensor<T>& x, detail::ScalarAt<T> s) { return add_scalar(x, -s.value, s.location); }
template <class T> Tensor<T> operator-(detail::ScalarAt<T> s, const Tensor<T>& x) { return rsub_scalar(x, s.value, s.location); }
template <class T> Tensor<T> operator*(const Tensor<T>& x, detail::ScalarAt<T> s) { return mul_scalar(x, s.value, s.location); }
template <class T> Tensor<T> operator*(detail::ScalarAt<T> s, const Tensor<T>& x) { return mul_scalar(x, s.value, s.location); }
template <class T> Tensor<T> operator/(const Tensor<T>& x, detail::ScalarAt<T> s) { return mul_scalar(x, T(1) / s.value, s.location); }
template <class T> Tensor<T> operator/(detail::ScalarAt<T> s, const Tensor<T>& x) { return rdiv_scalar(x, s.value, s.location); }

}  // namespace tapegrad
