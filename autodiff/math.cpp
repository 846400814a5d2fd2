#include "autodiff/math.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "autodiff/ops.hpp"

namespace tapegrad {

Shape broadcast_shape(const char* op, const Shape& a, const Shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Align from the right, as NumPy does.
    std::size_t ea = i + a.size() >= n ? a[i + a.size() - n] : 1;
    std::size_t eb = i + b.size() >= n ? b[i + b.size() - n] : 1;
    if (ea != eb && ea != 1 && eb != 1)
      throw Error(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                  " do not broadcast");
    out[i] = ea == 1 ? eb : ea;
  }
  return out;
}

namespace {
// a `op` b with broadcasting. Equal shapes, the common case in a training step, take a plain
// loop the compiler vectorises, skipping xtensor's broadcast bookkeeping (most of a tiny op's
// cost). `op` is a generic lambda, so the same code serves scalars and xtensor expressions.
template <class T, class Op>
Array<T> zip(const char* name, const Array<T>& a, const Array<T>& b, Op op) {
  if (a.shape() == b.shape()) {
    auto out = Array<T>::from_shape(a.shape());
    const T* pa = a.data();
    const T* pb = b.data();
    T* po = out.data();
    for (std::size_t i = 0, n = out.size(); i < n; ++i) po[i] = op(pa[i], pb[i]);
    return out;
  }
  broadcast_shape(name, a.shape(), b.shape());
  return Array<T>(op(a, b));
}
constexpr auto plus = [](const auto& x, const auto& y) { return x + y; };
constexpr auto minus = [](const auto& x, const auto& y) { return x - y; };
constexpr auto times = [](const auto& x, const auto& y) { return x * y; };
constexpr auto divide = [](const auto& x, const auto& y) { return x / y; };

// A mask as a constant tensor: its derivative is zero, so second order stays exact.
template <class T, class E>
Tensor<T> constant(E&& expression) {
  return Tensor<T>(Array<T>(std::forward<E>(expression)));
}
}  // namespace

template <class T>
Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b, std::source_location location) {
  Tensor<T> out(zip("add", a.value(), b.value(), plus));
  return record("add", {a, b}, out, [](const Tensor<T>& g) { return std::array{g, g}; }, location);
}

template <class T>
Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b, std::source_location location) {
  Tensor<T> out(zip("sub", a.value(), b.value(), minus));
  return record("sub", {a, b}, out, [](const Tensor<T>& g, const auto& needs) {
    return std::array{g, needs[1] ? neg(g) : Tensor<T>()};
  }, location);
}

template <class T>
Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b, std::source_location location) {
  Tensor<T> out(zip("mul", a.value(), b.value(), times));
  // Keep each factor only if the other one needs its gradient.
  Tensor<T> saved_a = b.requires_grad() ? a : Tensor<T>();
  Tensor<T> saved_b = a.requires_grad() ? b : Tensor<T>();
  return record("mul", {a, b}, out, [saved_a, saved_b](const Tensor<T>& g, const auto& needs) {
    return std::array{needs[0] ? g * saved_b : Tensor<T>(), needs[1] ? g * saved_a : Tensor<T>()};
  }, location);
}

template <class T>
Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b, std::source_location location) {
  Tensor<T> out(zip("div", a.value(), b.value(), divide));
  // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b.
  Tensor<T> saved_out = b.requires_grad() ? out : Tensor<T>();
  return record("div", {a, b}, out, [b, saved_out](const Tensor<T>& g, const auto& needs) {
    return std::array{needs[0] ? g / b : Tensor<T>(), needs[1] ? neg(g * saved_out / b) : Tensor<T>()};
  }, location);
}

template <class T>
Tensor<T> neg(const Tensor<T>& x, std::source_location location) {
  Tensor<T> out(Array<T>(-x.value()));
  return record("neg", {x}, out, [](const Tensor<T>& g) { return neg(g); }, location);
}

template <class T>
Tensor<T> add_scalar(const Tensor<T>& x, T s, std::source_location location) {
  Tensor<T> out(Array<T>(x.value() + s));
  return record("add_scalar", {x}, out, [](const Tensor<T>& g) { return g; }, location);
}

template <class T>
Tensor<T> mul_scalar(const Tensor<T>& x, T s, std::source_location location) {
  Tensor<T> out(Array<T>(x.value() * s));
  return record("mul_scalar", {x}, out, [s](const Tensor<T>& g) { return mul_scalar(g, s); }, location);
}

template <class T>
Tensor<T> rsub_scalar(const Tensor<T>& x, T s, std::source_location location) {
  Tensor<T> out(Array<T>(s - x.value()));
  return record("rsub_scalar", {x}, out, [](const Tensor<T>& g) { return neg(g); }, location);
}

template <class T>
Tensor<T> rdiv_scalar(const Tensor<T>& x, T s, std::source_location location) {
  Tensor<T> out(Array<T>(s / x.value()));
  // d(s/x)/dx = -s/x^2 = -out/x.
  return record("rdiv_scalar", {x}, out, [x, out](const Tensor<T>& g) { return neg(g * out / x); }, location);
}

template <class T>
Tensor<T> exp(const Tensor<T>& x, std::source_location location) {
  Tensor<T> out(Array<T>(xt::exp(x.value())));
  return record("exp", {x}, out, [out](const Tensor<T>& g) { return g * out; }, location);
}

template <class T>
Tensor<T> log(const Tensor<T>& x, std::source_location location) {
  Tensor<T> out(Array<T>(xt::log(x.value())));
  return record("log", {x}, out, [x](const Tensor<T>& g) { return g / x; }, location);
}

template <class T>
Tensor<T> tanh(const Tensor<T>& x, std::source_location location) {
  Tensor<T> out(Array<T>(xt::tanh(x.value())));
  // tanh' = 1 - tanh^2: the output is all backward needs.
  return record("tanh", {x}, out, [out](const Tensor<T>& g) { return tanh_backward(g, out); }, location);
}

template <class T>
Tensor<T> tanh_backward(const Tensor<T>& grad, const Tensor<T>& out,
                        std::source_location location) {
  broadcast_shape("tanh_backward", grad.shape(), out.shape());
  Tensor<T> result(Array<T>(grad.value() * (T(1) - out.value() * out.value())));
  // d/dgrad = 1 - out^2 (this op again), d/dout = -2 grad out.
  return record("tanh_backward", {grad, out}, result, [grad, out](const Tensor<T>& g, const auto& needs) {
    return std::array{needs[0] ? tanh_backward(g, out) : Tensor<T>(),
                      needs[1] ? g * grad * out * T(-2) : Tensor<T>()};
  }, location);
}

template <class T>
Tensor<T> sigmoid(const Tensor<T>& x, std::source_location location) {
  // 1/(1+e^-x) overflows harmlessly to 0 for very negative x; no NaN either way.
  Tensor<T> out(Array<T>(T(1) / (T(1) + xt::exp(-x.value()))));
  return record("sigmoid", {x}, out, [out](const Tensor<T>& g) { return sigmoid_backward(g, out); }, location);
}

template <class T>
Tensor<T> sigmoid_backward(const Tensor<T>& grad, const Tensor<T>& out,
                           std::source_location location) {
  broadcast_shape("sigmoid_backward", grad.shape(), out.shape());
  Tensor<T> result(Array<T>(grad.value() * out.value() * (T(1) - out.value())));
  // d/dgrad = out (1 - out) (this op again), d/dout = grad (1 - 2 out).
  return record("sigmoid_backward", {grad, out}, result, [grad, out](const Tensor<T>& g, const auto& needs) {
    return std::array{needs[0] ? sigmoid_backward(g, out) : Tensor<T>(),
                      needs[1] ? g * grad * (T(1) - T(2) * out) : Tensor<T>()};
  }, location);
}

template <class T>
Tensor<T> relu(const Tensor<T>& x, std::source_location location) {
  Tensor<T> out(Array<T>(xt::maximum(x.value(), T(0))));
  Tensor<T> mask = constant<T>(xt::cast<T>(x.value() > T(0)));
  return record("relu", {x}, out, [mask](const Tensor<T>& g) { return g * mask; }, location);
}

template <class T>
Tensor<T> sqrt(const Tensor<T>& x, std::source_location location) {
  Tensor<T> out(Array<T>(xt::sqrt(x.value())));
  return record("sqrt", {x}, out, [out](const Tensor<T>& g) { return g * T(0.5) / out; }, location);
}

template <class T>
Tensor<T> pow(const Tensor<T>& x, T exponent, std::source_location location) {
  Tensor<T> out(Array<T>(xt::pow(x.value(), exponent)));
  return record("pow", {x}, out, [x, exponent](const Tensor<T>& g) {
    if (exponent == T(0)) return Tensor<T>(Array<T>(xt::zeros<T>(g.shape())));
    return g * exponent * pow(x, exponent - T(1));
  }, location);
}

template <class T>
Tensor<T> clamp(const Tensor<T>& x, T lo, T hi, std::source_location location) {
  if (!(lo <= hi))
    throw Error("clamp: lower bound " + std::to_string(lo) + " exceeds upper bound " + std::to_string(hi));
  Tensor<T> out(Array<T>(xt::clip(x.value(), lo, hi)));
  Tensor<T> mask = constant<T>(xt::cast<T>(x.value() >= lo && x.value() <= hi));
  return record("clamp", {x}, out, [mask](const Tensor<T>& g) { return g * mask; }, location);
}

template <class T>
Tensor<T> where(const Array<bool>& condition, const Tensor<T>& a, const Tensor<T>& b,
                std::source_location location) {
  Shape shape = broadcast_shape("where", condition.shape(), broadcast_shape("where", a.shape(), b.shape()));
  Tensor<T> out(Array<T>(xt::where(condition, a.value(), b.value())));
  Tensor<T> mask = constant<T>(xt::broadcast(xt::cast<T>(condition), shape));
  return record("where", {a, b}, out, [mask](const Tensor<T>& g, const auto& needs) {
    return std::array{needs[0] ? g * mask : Tensor<T>(), needs[1] ? g * (T(1) - mask) : Tensor<T>()};
  }, location);
}

// NOTE [ops as values]: the plain templates, and the overloads for float and double that calls
// pick, all forwarding to the definitions above.
#define TAPEGRAD_BINARY_OP(name)                                                                \
  template <class T>                                                                          \
  Tensor<T> name(const Tensor<T>& a, const Tensor<T>& b) {                                    \
    return name<T>(a, b, std::source_location::current());                                    \
  }                                                                                           \
  Tensor<float> name(const Tensor<float>& a, const Tensor<float>& b,                          \
                     std::source_location location) {                                         \
    return name<float>(a, b, location);                                                       \
  }                                                                                           \
  Tensor<double> name(const Tensor<double>& a, const Tensor<double>& b,                       \
                      std::source_location location) {                                        \
    return name<double>(a, b, location);                                                      \
  }
TAPEGRAD_BINARY_OP(add)
TAPEGRAD_BINARY_OP(sub)
TAPEGRAD_BINARY_OP(mul)
TAPEGRAD_BINARY_OP(div)
TAPEGRAD_BINARY_OP(tanh_backward)
TAPEGRAD_BINARY_OP(sigmoid_backward)
#undef TAPEGRAD_BINARY_OP

#define TAPEGRAD_INSTANTIATE(T)                                                                           \
  template Tensor<T> add(const Tensor<T>&, const Tensor<T>&);                                             \
  template Tensor<T> sub(const Tensor<T>&, const Tensor<T>&);                                             \
  template Tensor<T> mul(const Tensor<T>&, const Tensor<T>&);                                             \
  template Tensor<T> div(const Tensor<T>&, const Tensor<T>&);                                             \
  template Tensor<T> neg(const Tensor<T>&, std::source_location);                                         \
  template Tensor<T> add_scalar(const Tensor<T>&, T, std::source_location);                               \
  template Tensor<T> mul_scalar(const Tensor<T>&, T, std::source_location);                               \
  template Tensor<T> rsub_scalar(const Tensor<T>&, T, std::source_location);                              \
  template Tensor<T> rdiv_scalar(const Tensor<T>&, T, std::source_location);                              \
  template Tensor<T> exp(const Tensor<T>&, std::source_location);                                         \
  template Tensor<T> log(const Tensor<T>&, std::source_location);                                         \
  template Tensor<T> tanh(const Tensor<T>&, std::source_location);                                        \
  template Tensor<T> sigmoid(const Tensor<T>&, std::source_location);                                     \
  template Tensor<T> tanh_backward(const Tensor<T>&, const Tensor<T>&);                                   \
  template Tensor<T> sigmoid_backward(const Tensor<T>&, const Tensor<T>&);                                \
  template Tensor<T> relu(const Tensor<T>&, std::source_location);                                        \
  template Tensor<T> sqrt(const Tensor<T>&, std::source_location);                                        \
  template Tensor<T> pow(const Tensor<T>&, T, std::source_location);                                      \
  template Tensor<T> clamp(const Tensor<T>&, T, T, std::source_location);                                 \
  template Tensor<T> where(const Array<bool>&, const Tensor<T>&, const Tensor<T>&, std::source_location);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
