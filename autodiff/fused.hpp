// Fused ops: several primitives in one node, for speed. Each one's gradient is tested against
// the composition of primitives it replaces (tests/test_layers_fused.cpp).
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
// Backward is written on arrays, one pass over B x H. With create_graph it instead writes the
// same gradient formulas with Tensor ops on activations that stay on the graph (lstm_gates
// recomputes them from its saved inputs, gru_gates slices its saved workspace), so that the
// gradient is itself differentiable (slower; rarely needed).
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
// One node; backward as NOTE [fused backward].
//
// NOTE [GRU workspace]
// The node saves W = [r, z, n, hidden_n] (B, 4H), hidden_n being the recurrent term of n that r
// multiplies, and h: what ManualBPTT caches, where the two (B, 3H) inputs would be 6H a step,
// and the plain backward is one pass over W without recomputing an activation. W is the node's
// second output, not only a captured array, because create_graph needs the gradient's
// dependence on the inputs: the create_graph backward is written with Tensor ops on slices of
// W, and a higher-order backward reaches the inputs through W's own gradient (the node's
// backward takes it too). The caller gets h' only.
template <class T>
Tensor<T> gru_gates(const Tensor<T>& input_part, const Tensor<T>& hidden_part, const Tensor<T>& h,
    std::source_location location = std::source_location::current());

}  // namespace tapegrad
