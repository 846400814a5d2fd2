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
template <class T>
LSTMGatesOutput<T> lstm_gates(const Tensor<T>& gates, const Tensor<T>& c);

}  // namespace tapegrad
