// Fused ops: several primitives in one node, for speed. Each one's gradient is tested against
// the composition of primitives it replaces (tests/test_fused.cpp).
#pragma once

#include "autodiff/tape.hpp"

namespace tapegrad {

template <class T>
struct LSTMGatesOutput {
  Tensor<T> h;  // (B, H)
  Tensor<T> c;  // (B, H)
};

// The element-wise part of an LSTM step, from the (B, 4H) gate pre-activations in PyTorch's
// order (i, f, g, o) and the previous cell state c (B, H):
//   i = σ(i), f = σ(f), g = tanh(g), o = σ(o)
//   c' = f ⊙ c + i ⊙ g
//   h' = o ⊙ tanh(c')
// One node instead of about fifteen, with no (B, H) temporaries on the tape. It saves the
// pre-activations only (c and c' are alive anyway as states), the same bytes as ManualBPTT's
// activated gates, and its backward recomputes the activations from them.
//
// NOTE [fused backward]
// Backward is written on arrays, one pass over B x H. With create_graph it instead recomputes
// the activations from the saved tensors with Tensor ops and writes the same gradient formulas
// with them, so that the gradient is itself differentiable (slower; rarely needed).
// Passed around as a value (lstm_gates<double>), so as NOTE [ops as values] in math.hpp: the
// template keeps the plain signature, and calls pick the overloads that take the location.
template <class T>
LSTMGatesOutput<T> lstm_gates(const Tensor<T>& gates, const Tensor<T>& c);
LSTMGatesOutput<float> lstm_gates(const Tensor<float>& gates, const Tensor<float>& c,
                                  std::source_location location = std::source_location::current());
LSTMGatesOutput<double> lstm_gates(const Tensor<double>& gates, const Tensor<double>& c,
                                   std::source_location location = std::source_location::current());

// The element-wise part of a GRU step in PyTorch's variant, from the input terms
// x W_ih^T + b_ih (B, 3H) and the recurrent terms h W_hh^T + b_hh (B, 3H), both in gate order
// (r, z, n), and the previous state h (B, H):
//   r = σ(x_r + h_r),  z = σ(x_z + h_z),  n = tanh(x_n + r ⊙ h_n)
//   h' = (1 - z) ⊙ n + z ⊙ h
// One node; backward as NOTE [fused backward], recomputing r, z, n from the saved inputs.
template <class T>
Tensor<T> gru_gates(const Tensor<T>& input_part, const Tensor<T>& hidden_part, const Tensor<T>& h,
    std::source_location location = std::source_location::current());

}  // namespace tapegrad
