// Hand-derived backpropagation through time (BPTT) for single-layer RNN, LSTM and GRU: no tape.
//
// The forward pass runs the cell over the sequence and keeps what the backward pass needs; the
// backward pass walks back from t = T to 1 and applies the chain rule one equation at a time,
// on plain arrays, with BLAS (gemm) for the products. Read it beside `../shared/SEEDS.md`
// Notes A: the per-step gradients dh, dc are overwritten at each step back, and the parameter
// gradients accumulate over all steps.
//
// Layout: PyTorch's single-layer nn.RNN / nn.LSTM / nn.GRU. With G gates (1, 4, 3) and rows as
// samples (so inputs multiply transposed weights):
//   x (T,B,D), h0 and c0 (B,H), y (T,B,H) = [h_1, ..., h_T],
//   weight_ih (G*H,D), weight_hh (G*H,H), bias_ih (G*H,), bias_hh (G*H,),
// the gate blocks stacked along the first axis of each parameter in the cell's gate order.
//
// NOTE [cell equations]
// rnn_tanh, rnn_relu:
//   h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)                 act = tanh or relu
// lstm, gate order i, f, g, o (Notes A: i = "new", f = "remember", g = "content" c~):
//   [i, f, g, o] = [σ, σ, tanh, σ](x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
//   c_t = f ⊙ c_{t-1} + i ⊙ g
//   h_t = o ⊙ tanh(c_t)
// gru, PyTorch's variant, gate order r, z, n (reset applied after the product):
//   r = σ(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
//   z = σ(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
//   n = tanh(x_t W_in^T + b_in + r ⊙ (h_{t-1} W_hn^T + b_hn))
//   h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
// gru_original, Cho et al. 2014 and Notes E (reset applied to h before the product):
//   n = tanh(x_t W_in^T + b_in + (r ⊙ h_{t-1}) W_hn^T + b_hn)       (r, z, h_t as above)
//
// NOTE [what BPTT keeps]
// Caching (the default) keeps, per step, x_t, h_t (and c_t), the activated gates, and
// tanh(c_t) (lstm), h_{t-1} W_hn^T + b_hn (gru) or r ⊙ h_{t-1} (gru_original). With
// `recompute_gates` only x_t, h_t (and c_t) are kept, and the backward pass recomputes each
// step's gates from them with the same code as the forward pass, so the gradients are the same
// bit for bit. A plain RNN needs nothing beyond h_t (tanh' = 1 - h², relu' = [h > 0]), so both
// variants keep the same for it.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "autodiff/tensor.hpp"

namespace tapegrad {

enum class CellKind { rnn_tanh, rnn_relu, lstm, gru, gru_original };

inline constexpr CellKind kAllCellKinds[] = {CellKind::rnn_tanh, CellKind::rnn_relu, CellKind::lstm,
                                             CellKind::gru, CellKind::gru_original};

// Gate blocks stacked in the parameters: 1 (rnn), 4 (lstm), 3 (gru).
std::size_t gate_count(CellKind kind);
bool has_cell_state(CellKind kind);  // lstm only
// "rnn_tanh", "rnn_relu", "lstm", "gru", "gru_original", and back (an Error for any other name).
std::string_view cell_kind_name(CellKind kind);
CellKind parse_cell_kind(std::string_view name);

template <class T>
struct RecurrentWeights {
  Array<T> weight_ih;  // (G*H, D)
  Array<T> weight_hh;  // (G*H, H)
  Array<T> bias_ih;    // (G*H,)
  Array<T> bias_hh;    // (G*H,)
};

// dL/d of every input. grad_h0 and grad_c0 are the gradients of the initial state that was
// used (zeros when none was given); grad_c0 is empty (shape (0,)) for cells without one.
template <class T>
struct RecurrentGradients {
  Array<T> grad_x;          // (T,B,D)
  Array<T> grad_h0;         // (B,H)
  Array<T> grad_c0;         // (B,H), lstm
  Array<T> grad_weight_ih;  // (G*H,D)
  Array<T> grad_weight_hh;  // (G*H,H)
  Array<T> grad_bias_ih;    // (G*H,)
  Array<T> grad_bias_hh;    // (G*H,)
};

namespace detail {

// What one step saves for backward beyond x_t, h_t, c_t (NOTE [what BPTT keeps]).
template <class T>
struct StepCache {
  Array<T> gates;         // activated gates (B,G*H) in the cell's order; unused for rnn
  Array<T> tanh_cell;     // lstm: tanh(c_t)
  Array<T> hidden_n;      // gru: h_{t-1} W_hn^T + b_hn, which r multiplies
  Array<T> reset_hidden;  // gru_original: r ⊙ h_{t-1}, which W_hn multiplies
};

}  // namespace detail

template <class T>
class ManualBPTT {
 public:
  // Checks the parameter shapes against each other and the cell kind.
  ManualBPTT(CellKind kind, RecurrentWeights<T> weights, bool recompute_gates = false);

  // Runs the cell over x (T,B,D) from h0 (B,H) and, for lstm, c0 (B,H) (zeros when absent),
  // keeps what backward needs (replacing any previous forward), and returns y (T,B,H).
  Array<T> forward(const Array<T>& x, const std::optional<Array<T>>& h0 = std::nullopt,
                   const std::optional<Array<T>>& c0 = std::nullopt);

  // Gradients of L = sum(gy * y) + sum(grad_h_final * h_T) + sum(grad_c_final * c_T) for the
  // last forward pass. gy is (T,B,H); the final-state gradients are (B,H) or absent (zero).
  RecurrentGradients<T> backward(const Array<T>& gy,
                                 const std::optional<Array<T>>& grad_h_final = std::nullopt,
                                 const std::optional<Array<T>>& grad_c_final = std::nullopt) const;

  const Array<T>& final_hidden() const;  // h_T
  const Array<T>& final_cell() const;    // c_T (lstm)
  // Bytes of the arrays kept between forward and backward (NOTE [what BPTT keeps]); y, which
  // forward returns, is not counted.
  std::size_t cache_bytes() const;

  CellKind kind() const { return kind_; }
  bool recompute_gates() const { return recompute_gates_; }
  const RecurrentWeights<T>& weights() const { return weights_; }
  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }

 private:
  // One step: h_t (and c_t) from x_t, h_{t-1} (and c_{t-1}), and what backward needs.
  void step_forward(const Array<T>& x_t, const Array<T>& h_prev, const Array<T>& c_prev,
                    Array<T>& h, Array<T>& c, detail::StepCache<T>& saved) const;
  // One step back (t is 0-based): from dh = dL/dh_t and dc = dL/dc_t (from c_{t+1} only),
  // sets dh_prev = dL/dh_{t-1} and dc = dL/dc_{t-1}, adds into the parameter gradients and
  // writes grad_x[t].
  void step_backward(std::size_t t, const detail::StepCache<T>& saved, const Array<T>& dh,
                     Array<T>& dc, Array<T>& dh_prev, RecurrentGradients<T>& grads) const;
  void require_forward(const char* op) const;

  CellKind kind_;
  RecurrentWeights<T> weights_;
  bool recompute_gates_;
  std::size_t input_size_, hidden_size_;
  // gru_original: W_hh and b_hh split into the r,z rows (used with h) and the n rows (used
  // with r ⊙ h), so that each is one gemm.
  Array<T> weight_hh_rz_, weight_hh_n_, bias_hh_rz_, bias_hh_n_;

  // Kept by forward for backward.
  std::vector<Array<T>> x_;                  // x_1..x_T, each (B,D)
  std::vector<Array<T>> h_;                  // h_0..h_T, each (B,H)
  std::vector<Array<T>> c_;                  // lstm: c_0..c_T
  std::vector<detail::StepCache<T>> saved_;  // per step; empty when recomputing
};

extern template class ManualBPTT<float>;
extern template class ManualBPTT<double>;

}  // namespace tapegrad
