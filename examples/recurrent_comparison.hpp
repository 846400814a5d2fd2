// What compare_gradients and tests/test_bptt.cpp share: a random problem in PyTorch's
// single-layer layout, the tape's cells (layers/cells.hpp) looped over time, and the
// hand-derived BPTT (layers/bptt.hpp) recorded as one tape op so that gradcheck can compare
// its backward with finite differences.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "autodiff/ops.hpp"
#include "layers/bptt.hpp"
#include "layers/cells.hpp"

namespace tapegrad::comparison {

// x (T,B,D); h0, c0 (B,H) or absent; the parameters; and the gradients of L with respect to
// y (T,B,H) and the final state (B,H) or absent:
//   L = sum(gy * y) + sum(grad_h_final * h_T) + sum(grad_c_final * c_T).
template <class T>
struct Problem {
  CellKind kind = CellKind::rnn_tanh;
  Array<T> x;
  std::optional<Array<T>> h0, c0;
  RecurrentWeights<T> weights;
  Array<T> gy;
  std::optional<Array<T>> grad_h_final, grad_c_final;
};

// Inputs, states and output gradients uniform(-1, 1); parameters PyTorch's default,
// uniform(-1/sqrt(H), 1/sqrt(H)). Deterministic in `seed`.
template <class T>
Problem<T> random_problem(CellKind kind, std::size_t steps, std::size_t batch, std::size_t input,
                          std::size_t hidden, std::uint64_t seed, bool initial_state = true,
                          bool final_state_gradients = true) {
  std::mt19937_64 engine(seed);
  auto uniform = [&](Shape shape, T bound) {
    std::uniform_real_distribution<T> distribution(-bound, bound);
    Array<T> a = xt::empty<T>(shape);
    for (auto& v : a) v = distribution(engine);
    return a;
  };
  const std::size_t rows = gate_count(kind) * hidden;
  const T bound = T(1) / std::sqrt(T(hidden));
  Problem<T> p;
  p.kind = kind;
  p.x = uniform({steps, batch, input}, T(1));
  p.weights.weight_ih = uniform({rows, input}, bound);
  p.weights.weight_hh = uniform({rows, hidden}, bound);
  p.weights.bias_ih = uniform({rows}, bound);
  p.weights.bias_hh = uniform({rows}, bound);
  p.gy = uniform({steps, batch, hidden}, T(1));
  if (initial_state) {
    p.h0 = uniform({batch, hidden}, T(1));
    if (has_cell_state(kind)) p.c0 = uniform({batch, hidden}, T(1));
  }
  if (final_state_gradients) {
    p.grad_h_final = uniform({batch, hidden}, T(1));
    if (has_cell_state(kind)) p.grad_c_final = uniform({batch, hidden}, T(1));
  }
  return p;
}

// The outputs of a sequence computed on the tape. c_final is undefined without a cell state.
template <class T>
struct SequenceOutputs {
  Tensor<T> y, h_final, c_final;
};

// Tensors for the inputs of a problem, in the order gradcheck and the file contract use:
// x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh (an absent state is an undefined Tensor).
template <class T>
struct SequenceInputs {
  Tensor<T> x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh;

  static SequenceInputs leaves(const Problem<T>& p, bool requires_grad = true) {
    auto leaf = [&](const Array<T>& a) { return Tensor<T>(a, requires_grad); };
    return {leaf(p.x),
            p.h0 ? leaf(*p.h0) : Tensor<T>(),
            p.c0 ? leaf(*p.c0) : Tensor<T>(),
            leaf(p.weights.weight_ih),
            leaf(p.weights.weight_hh),
            leaf(p.weights.bias_ih),
            leaf(p.weights.bias_hh)};
  }
};

// The tape's cells from layers/cells.hpp, one step per time step:
// y = stack(h_1..h_T). The cell's parameters are replaced by the given tensors.
template <class T>
SequenceOutputs<T> cell_sequence(CellKind kind, const SequenceInputs<T>& in) {
  const std::size_t steps = in.x.shape()[0], input = in.x.shape()[2];
  const std::size_t hidden = in.weight_hh.shape()[1];
  auto use = [&](auto& cell) {
    cell.weight_ih = in.weight_ih;
    cell.weight_hh = in.weight_hh;
    cell.bias_ih = in.bias_ih;
    cell.bias_hh = in.bias_hh;
  };
  std::vector<Tensor<T>> hs;
  SequenceOutputs<T> out;
  if (kind == CellKind::lstm) {
    LSTMCell<T> cell({.input_size = input, .hidden_size = hidden});
    use(cell);
    LSTMState<T> state{in.h0, in.c0};
    for (std::size_t t = 0; t < steps; ++t) {
      state = cell.forward(select(in.x, 0, t), state);
      hs.push_back(state.h);
    }
    out.h_final = state.h;
    out.c_final = state.c;
  } else if (kind == CellKind::gru || kind == CellKind::gru_original) {
    const GRUVariant variant = kind == CellKind::gru ? GRUVariant::pytorch : GRUVariant::original;
    GRUCell<T> cell({.input_size = input, .hidden_size = hidden, .variant = variant});
    use(cell);
    Tensor<T> h = in.h0;
    for (std::size_t t = 0; t < steps; ++t) hs.push_back(h = cell.forward(select(in.x, 0, t), h));
    out.h_final = h;
  } else {
    const Nonlinearity act = kind == CellKind::rnn_tanh ? Nonlinearity::tanh : Nonlinearity::relu;
    RNNCell<T> cell({.input_size = input, .hidden_size = hidden, .nonlinearity = act});
    use(cell);
    Tensor<T> h = in.h0;
    for (std::size_t t = 0; t < steps; ++t) hs.push_back(h = cell.forward(select(in.x, 0, t), h));
    out.h_final = h;
  }
  out.y = stack(hs, 0);
  return out;
}

// ManualBPTT recorded as one tape op: its forward computes the outputs, its backward is
// ManualBPTT::backward. Only for checking the hand-derived gradients with the tape's tools
// (gradcheck); the op cannot be differentiated twice.
template <class T>
SequenceOutputs<T> manual_sequence(CellKind kind, const SequenceInputs<T>& in,
                                   bool recompute_gates = false) {
  auto value_of = [](const Tensor<T>& t) {
    return t.defined() ? std::optional<Array<T>>(t.value()) : std::nullopt;
  };
  auto bptt = std::make_shared<ManualBPTT<T>>(
      kind,
      RecurrentWeights<T>{in.weight_ih.value(), in.weight_hh.value(), in.bias_ih.value(),
                          in.bias_hh.value()},
      recompute_gates);
  SequenceOutputs<T> out;
  out.y = Tensor<T>(bptt->forward(in.x.value(), value_of(in.h0), value_of(in.c0)));
  out.h_final = Tensor<T>(bptt->final_hidden());
  std::vector<Tensor<T>> outputs{out.y, out.h_final};
  const bool cell_state = has_cell_state(kind);
  if (cell_state) outputs.push_back(out.c_final = Tensor<T>(bptt->final_cell()));
  const std::vector<Tensor<T>> inputs{in.x,         in.h0,      in.c0,     in.weight_ih,
                                      in.weight_hh, in.bias_ih, in.bias_hh};
  const Shape y_shape = out.y.shape();
  record_many<T>("manual_bptt", inputs, outputs, [bptt, cell_state, y_shape](auto g) {
    auto given = [&](std::size_t k) {
      return k < g.size() && g[k].defined() ? std::optional<Array<T>>(g[k].value()) : std::nullopt;
    };
    const Array<T> gy = given(0).value_or(Array<T>(xt::zeros<T>(y_shape)));
    RecurrentGradients<T> d = bptt->backward(gy, given(1), cell_state ? given(2) : std::nullopt);
    return std::vector<Tensor<T>>{Tensor<T>(d.grad_x),
                                  Tensor<T>(d.grad_h0),
                                  cell_state ? Tensor<T>(d.grad_c0) : Tensor<T>(),
                                  Tensor<T>(d.grad_weight_ih),
                                  Tensor<T>(d.grad_weight_hh),
                                  Tensor<T>(d.grad_bias_ih),
                                  Tensor<T>(d.grad_bias_hh)};
  });
  out.y = outputs[0];
  out.h_final = outputs[1];
  if (cell_state) out.c_final = outputs[2];
  return out;
}

// The outputs as one tensor, y with h_T (and c_T) appended along time: (T+1 or T+2, B, H).
// gradcheck weighs every element of it, so the final-state gradients are checked too.
template <class T>
Tensor<T> joined(const SequenceOutputs<T>& out) {
  const Shape& y = out.y.shape();
  const Shape state{1, y[1], y[2]};
  std::vector<Tensor<T>> parts{out.y, reshape(out.h_final, state)};
  if (out.c_final.defined()) parts.push_back(reshape(out.c_final, state));
  return concat(parts, 0);
}

// Smallest |pre-activation| of a relu RNN over the sequence: finite differences are only
// meaningful when no perturbation moves one across the kink at 0.
inline double relu_margin(const Problem<double>& p) {
  NoGradGuard no_grad;
  const SequenceInputs<double> in = SequenceInputs<double>::leaves(p, false);
  const Shape state{p.x.shape()[1], p.weights.weight_hh.shape()[1]};
  Tensor<double> h = in.h0.defined() ? in.h0 : Tensor<double>(xt::zeros<double>(state));
  double margin = INFINITY;
  for (std::size_t t = 0; t < p.x.shape()[0]; ++t) {
    Tensor<double> pre = matmul(select(in.x, 0, t), in.weight_ih, false, true) + in.bias_ih +
                         matmul(h, in.weight_hh, false, true) + in.bias_hh;
    for (double v : pre.value()) margin = std::min(margin, std::abs(v));
    h = relu(pre);
  }
  return margin;
}

// max |a - b| / max(max |b|, 1e-300): the worst difference relative to the reference's largest
// element, so that an element near zero is judged against the scale of its array.
template <class A, class B>
double relative_error(const A& a, const B& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0, scale = 0;
  auto ia = a.begin();
  for (auto ib = b.begin(); ib != b.end(); ++ia, ++ib) {
    const double difference = std::abs(double(*ia) - double(*ib));
    if (std::isnan(difference)) return NAN;
    worst = std::max(worst, difference);
    scale = std::max(scale, std::abs(double(*ib)));
  }
  return worst / std::max(scale, 1e-300);
}

}  // namespace tapegrad::comparison
