// Elementwise ops with NumPy broadcasting, and their operators.
#pragma once

#include <type_traits>

#include "autodiff/tape.hpp"

namespace tapegrad {

template <class T> Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> neg(const Tensor<T>& x);
template <class T> Tensor<T> add_scalar(const Tensor<T>& x, T s);
template <class T> Tensor<T> mul_scalar(const Tensor<T>& x, T s);
template <class T> Tensor<T> rsub_scalar(const Tensor<T>& x, T s);  // s - x
template <class T> Tensor<T> rdiv_scalar(const Tensor<T>& x, T s);  // s / x

template <class T> Tensor<T> exp(const Tensor<T>& x);
template <class T> Tensor<T> log(const Tensor<T>& x);
template <class T> Tensor<T> tanh(const Tensor<T>& x);
template <class T> Tensor<T> sigmoid(const Tensor<T>& x);
template <class T> Tensor<T> relu(const Tensor<T>& x);
// The backward passes of tanh and sigmoid from their outputs, as ops of their own: one fused
// pass in a first-order backward, and differentiable again for second order.
template <class T> Tensor<T> tanh_backward(const Tensor<T>& grad, const Tensor<T>& out);
template <class T> Tensor<T> sigmoid_backward(const Tensor<T>& grad, const Tensor<T>& out);
template <class T> Tensor<T> sqrt(const Tensor<T>& x);
template <class T> Tensor<T> pow(const Tensor<T>& x, T exponent);
// Gradient passes where lo <= x <= hi (PyTorch's convention at the bounds).
template <class T> Tensor<T> clamp(const Tensor<T>& x, T lo, T hi);
// Elementwise choice: a where condition holds, b elsewhere; all three broadcast together.
template <class T> Tensor<T> where(const Array<bool>& condition, const Tensor<T>& a, const Tensor<T>& b);

// The shape a and b broadcast to, or an Error naming `op` and both shapes.
Shape broadcast_shape(const char* op, const Shape& a, const Shape& b);

template <class T> Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b) { return add(a, b); }
template <class T> Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b) { return sub(a, b); }
template <class T> Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b) { return mul(a, b); }
template <class T> Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b) { return div(a, b); }
template <class T> Tensor<T> operator-(const Tensor<T>& x) { return neg(x); }

template <class T> Tensor<T> operator+(const Tensor<T>& x, std::type_identity_t<T> s) { return add_scalar(x, s); }
template <class T> Tensor<T> operator+(std::type_identity_t<T> s, const Tensor<T>& x) { return add_scalar(x, s); }
template <class T> Tensor<T> operator-(const Tensor<T>& x, std::type_identity_t<T> s) { return add_scalar(x, -s); }
template <class T> Tensor<T> operator-(std::type_identity_t<T> s, const Tensor<T>& x) { return rsub_scalar(x, s); }
template <class T> Tensor<T> operator*(const Tensor<T>& x, std::type_identity_t<T> s) { return mul_scalar(x, s); }
template <class T> Tensor<T> operator*(std::type_identity_t<T> s, const Tensor<T>& x) { return mul_scalar(x, s); }
template <class T> Tensor<T> operator/(const Tensor<T>& x, std::type_identity_t<T> s) { return mul_scalar(x, T(1) / s); }
template <class T> Tensor<T> operator/(std::type_identity_t<T> s, const Tensor<T>& x) { return rdiv_scalar(x, s); }

}  // namespace tapegrad
