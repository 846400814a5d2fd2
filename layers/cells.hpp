// Recurrent cells: one time step of an RNN, an LSTM or a GRU, as plain forward code on the tape.
//
// Layout and names are PyTorch's (nn.RNNCell, nn.LSTMCell, nn.GRUCell): samples are rows, so a
// step maps x (B, D) and h (B, H) to h' (B, H); the gates of a cell are stacked row blocks of
// one matrix, weight_ih (G*H, D) and weight_hh (G*H, H), with biases bias_ih and bias_hh (G*H),
// G = 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n). Every parameter starts as PyTorch's
// default, uniform(-1/sqrt(H), 1/sqrt(H)); layers/init.hpp has the alternatives.
//
// Each step is split in two so that a sequence layer can project all T inputs with one matmul:
//   input_projection(x) = x W_ih^T + b_ih (+ b_hh)  (B, G*H), any number of rows
//   step(projected, state)                         the rest of the equations
// and forward(x, state) = step(input_projection(x), state). An undefined state means zeros.
// The RNN and LSTM cells' input projections include b_hh too (it adds to the same
// pre-activations), so a step is one GEMM onto the projection (addmm); the GRU's b_hn sits
// inside r ⊙ (h W_hn^T + b_hn), so its step adds b_hh to the recurrent product.
#pragma once

#include <cstdint>
#include <string>

#include "autodiff/nn.hpp"
#include "layers/module.hpp"

namespace tapegrad {

enum class Nonlinearity { tanh, relu };

struct RNNCellOptions {
  std::size_t input_size = 0;
  std::size_t hidden_size = 0;
  Nonlinearity nonlinearity = Nonlinearity::tanh;
  bool bias = true;  // false: no bias_ih, bias_hh (as PyTorch's bias=False)
};

// Elman RNN cell:
//   h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh),   act = tanh or relu
template <class T>
class RNNCell : public Module<T> {
 public:
  explicit RNNCell(const RNNCellOptions& options, std::uint64_t seed = 0);
  RNNCell(const RNNCellOptions& options, Generator& generator);
  std::string type_name() const override { return "RNNCell"; }

  // x (B, D), h (B, H) or undefined for zeros; returns h' (B, H).
  Tensor<T> forward(const Tensor<T>& x, const Tensor<T>& h = {}) const;
  Tensor<T> input_projection(const Tensor<T>& x) const;  // (N, D) -> (N, H)
  Tensor<T> step(const Tensor<T>& projected, const Tensor<T>& h) const;

  // PyTorch's default: every parameter uniform(-1/sqrt(H), 1/sqrt(H)).
  void reset_parameters(Generator& generator);

  const RNNCellOptions& options() const { return options_; }

  Tensor<T> weight_ih;  // (H, D)
  Tensor<T> weight_hh;  // (H, H)
  Tensor<T> bias_ih;    // (H)
  Tensor<T> bias_hh;    // (H)

 private:
  RNNCellOptions options_;
};

struct LSTMCellOptions {
  std::size_t input_size = 0;
  std::size_t hidden_size = 0;
  bool bias = true;
  // Peephole connections (Gers & Schmidhuber 2000): diagonal weights from the cell state into
  // the input and forget gates (c_{t-1}) and the output gate (c_t).
  bool peephole = false;
  // PyTorch's proj_size: if > 0, h_t = W_hr (o_t ⊙ tanh c_t) has this size and weight_hh is
  // (4H, P). Must be smaller than hidden_size.
  std::size_t proj_size = 0;
  // Layer normalisation of each gate's pre-activation over its H features, with a learnable
  // gain and bias per gate and feature (Ba, Kiros & Hinton 2016).
  bool layer_norm = false;
  double layer_norm_eps = 1e-5;
  // Variational dropout (Gal & Ghahramani 2016): probabilities of dropping input features and
  // hidden features with masks drawn once per sequence and reused at every step. They take
  // effect through the masks dropout_masks() draws in training mode.
  double input_dropout = 0;
  double hidden_dropout = 0;
};

template <class T>
struct LSTMState {
  Tensor<T> h;  // (B, H), or (B, P) with a projection
  Tensor<T> c;  // (B, H)
};

// Dropout masks shared by all the steps of one sequence; undefined means no dropout.
template <class T>
struct VariationalMasks {
  Tensor<T> input;   // (B, D), multiplies x_t
  Tensor<T> hidden;  // (B, H) or (B, P), multiplies h_{t-1} where it enters the gates
};

// LSTM cell, PyTorch's gate order (i, f, g, o) in the row blocks of weight_ih (4H, D),
// weight_hh (4H, H), bias_ih and bias_hh (4H):
//   [i, f, g, o] = x W_ih^T + b_ih + h W_hh^T + b_hh
//   i = σ(i),  f = σ(f),  g = tanh(g),  o = σ(o)
//   c' = f ⊙ c + i ⊙ g
//   h' = o ⊙ tanh(c')
// Options, each one more line in step():
//   layer_norm:  each gate's pre-activation z becomes LN(z) ⊙ γ + β before its nonlinearity
//   peephole:    i = σ(i + w_ci ⊙ c),  f = σ(f + w_cf ⊙ c),  o = σ(o + w_co ⊙ c')
//   proj_size:   h' = (o ⊙ tanh(c')) W_hr^T
//   variational: x ⊙ m_x and h ⊙ m_h replace x and h in the gate pre-activations
template <class T>
class LSTMCell : public Module<T> {
 public:
  explicit LSTMCell(const LSTMCellOptions& options, std::uint64_t seed = 0);
  LSTMCell(const LSTMCellOptions& options, Generator& generator);
  std::string type_name() const override { return "LSTMCell"; }

  // x (B, D); state (h, c) or undefined members for zeros; returns (h', c').
  LSTMState<T> forward(const Tensor<T>& x, const LSTMState<T>& state = {},
                       const VariationalMasks<T>& masks = {}) const;
  Tensor<T> input_projection(const Tensor<T>& x) const;  // (N, D) -> (N, 4H); no mask
  LSTMState<T> step(const Tensor<T>& projected, const LSTMState<T>& state,
                    const VariationalMasks<T>& masks = {}) const;

  // Fresh masks for one sequence of `batch` rows: undefined unless training with the
  // corresponding probability > 0.
  VariationalMasks<T> dropout_masks(std::size_t batch, Generator& generator) const;

  void reset_parameters(Generator& generator);

  const LSTMCellOptions& options() const { return options_; }
  std::size_t output_size() const {
    return options_.proj_size ? options_.proj_size : options_.hidden_size;
  }

  Tensor<T> weight_ih;  // (4H, D)
  Tensor<T> weight_hh;  // (4H, H), or (4H, P) with a projection
  Tensor<T> bias_ih;    // (4H)
  Tensor<T> bias_hh;    // (4H)
  // Peephole weights, (H) each.
  Tensor<T> weight_ci, weight_cf, weight_co;
  // Projection, (P, H).
  Tensor<T> weight_hr;
  // Layer-norm gain (ones) and bias (zeros), (4H) in gate order.
  Tensor<T> layer_norm_weight, layer_norm_bias;

 private:
  LSTMCellOptions options_;
};

// Where the reset gate acts in a GRU's candidate state.
enum class GRUVariant {
  // PyTorch's (and cuDNN's): after the recurrent product, n = tanh(W_in x + b_in + r ⊙ (W_hn h +
  // b_hn)).
  pytorch,
  // Cho et al. 2014 as Notes E writes it: before the product, n = tanh(W_in x + b_in + W_hn (r ⊙ h)
  // + b_hn).
  original,
};

struct GRUCellOptions {
  std::size_t input_size = 0;
  std::size_t hidden_size = 0;
  bool bias = true;
  GRUVariant variant = GRUVariant::pytorch;
};

// GRU cell, PyTorch's gate order (r, z, n) in the row blocks of weight_ih (3H, D),
// weight_hh (3H, H), bias_ih and bias_hh (3H):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)
//   z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))        pytorch
//   n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)        original
//   h' = (1 - z) ⊙ n + z ⊙ h
// (Notes E's update gate Γs multiplies the candidate, so Γs = 1 - z: the same model with the
// gate's sign flipped. Both variants here use PyTorch's z.)
template <class T>
class GRUCell : public Module<T> {
 public:
  explicit GRUCell(const GRUCellOptions& options, std::uint64_t seed = 0);
  GRUCell(const GRUCellOptions& options, Generator& generator);
  std::string type_name() const override { return "GRUCell"; }

  Tensor<T> forward(const Tensor<T>& x, const Tensor<T>& h = {}) const;
  Tensor<T> input_projection(const Tensor<T>& x) const;  // (N, D) -> (N, 3H)
  Tensor<T> step(const Tensor<T>& projected, const Tensor<T>& h) const;

  void reset_parameters(Generator& generator);

  const GRUCellOptions& options() const { return options_; }

  Tensor<T> weight_ih;  // (3H, D)
  Tensor<T> weight_hh;  // (3H, H)
  Tensor<T> bias_ih;    // (3H)
  Tensor<T> bias_hh;    // (3H)

 private:
  GRUCellOptions options_;
};

}  // namespace tapegrad
