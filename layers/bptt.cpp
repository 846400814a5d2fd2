#include "layers/bptt.hpp"

#include <string>

#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xview.hpp>

#include "autodiff/linalg.hpp"

namespace tapegrad {

std::size_t gate_count(CellKind kind) {
  switch (kind) {
    case CellKind::rnn_tanh:
    case CellKind::rnn_relu:
      return 1;
    case CellKind::lstm:
      return 4;
    case CellKind::gru:
    case CellKind::gru_original:
      return 3;
  }
  throw Error("gate_count: unknown cell kind");
}

bool has_cell_state(CellKind kind) { return kind == CellKind::lstm; }

std::string_view cell_kind_name(CellKind kind) {
  switch (kind) {
    case CellKind::rnn_tanh:
      return "rnn_tanh";
    case CellKind::rnn_relu:
      return "rnn_relu";
    case CellKind::lstm:
      return "lstm";
    case CellKind::gru:
      return "gru";
    case CellKind::gru_original:
      return "gru_original";
  }
  throw Error("cell_kind_name: unknown cell kind");
}

CellKind parse_cell_kind(std::string_view name) {
  for (CellKind kind : kAllCellKinds)
    if (cell_kind_name(kind) == name) return kind;
  throw Error("parse_cell_kind: unknown cell '" + std::string(name) +
              "' (expected rnn_tanh, rnn_relu, lstm, gru or gru_original)");
}

namespace {

// Columns [k*H, (k+1)*H) of a (B, G*H) array: gate k of every sample.
template <class A>
auto gate(A& a, std::size_t k, std::size_t hidden_size) {
  return xt::view(a, xt::all(), xt::range(k * hidden_size, (k + 1) * hidden_size));
}

template <class T, class E>
Array<T> sigmoid(const E& x) {
  return T(1) / (T(1) + xt::exp(-x));
}

// input W^T + b, for input (B, in) and W (out, in): (B, out).
template <class T>
Array<T> affine(const Array<T>& input, const Array<T>& weight, const Array<T>& bias) {
  Array<T> out = xt::broadcast(bias, std::vector<std::size_t>{input.shape()[0], weight.shape()[0]});
  gemm(input, false, weight, true, out, T(1), T(1));
  return out;
}

template <class T>
std::size_t bytes(const Array<T>& a) {
  return a.dimension() == 0 ? 0 : a.size() * sizeof(T);  // a default-constructed array is unused
}

template <class T>
Array<T> empty_array() {
  return Array<T>::from_shape({0});
}

}  // namespace

template <class T>
ManualBPTT<T>::ManualBPTT(CellKind kind, RecurrentWeights<T> weights, bool recompute_gates)
    : kind_(kind), weights_(std::move(weights)), recompute_gates_(recompute_gates) {
  const std::size_t gates = gate_count(kind_);
  const std::string cell(cell_kind_name(kind_));
  const std::string g = std::to_string(gates);
  const auto& w = weights_;
  if (w.weight_hh.dimension() != 2 || w.weight_hh.shape()[1] == 0 ||
      w.weight_hh.shape()[0] != gates * w.weight_hh.shape()[1])
    throw Error("ManualBPTT: " + cell + " weight_hh of shape " + shape_str(w.weight_hh.shape()) +
                " must be (" + g + "*H,H) with H >= 1");
  hidden_size_ = w.weight_hh.shape()[1];
  const std::size_t rows = gates * hidden_size_;
  if (w.weight_ih.dimension() != 2 || w.weight_ih.shape()[0] != rows)
    throw Error("ManualBPTT: " + cell + " weight_ih of shape " + shape_str(w.weight_ih.shape()) +
                " must be (" + std::to_string(rows) + ",D) for hidden size " +
                std::to_string(hidden_size_));
  input_size_ = w.weight_ih.shape()[1];
  for (const auto* bias : {&w.bias_ih, &w.bias_hh})
    if (bias->dimension() != 1 || bias->shape()[0] != rows)
      throw Error("ManualBPTT: " + cell + (bias == &w.bias_ih ? " bias_ih" : " bias_hh") +
                  " of shape " + shape_str(bias->shape()) + " must be (" + std::to_string(rows) +
                  ",)");
  if (kind_ == CellKind::gru_original) {
    const std::size_t H = hidden_size_;
    weight_hh_rz_ = xt::view(w.weight_hh, xt::range(0, 2 * H), xt::all());
    weight_hh_n_ = xt::view(w.weight_hh, xt::range(2 * H, 3 * H), xt::all());
    bias_hh_rz_ = xt::view(w.bias_hh, xt::range(0, 2 * H));
    bias_hh_n_ = xt::view(w.bias_hh, xt::range(2 * H, 3 * H));
  }
}

// NOTE [cell equations], one line each.
template <class T>
void ManualBPTT<T>::step_forward(const Array<T>& x_t, const Array<T>& h_prev,
                                 const Array<T>& c_prev, Array<T>& h, Array<T>& c,
                                 detail::StepCache<T>& saved) const {
  const auto& w = weights_;
  const std::size_t H = hidden_size_, B = x_t.shape()[0];
  switch (kind_) {
    case CellKind::rnn_tanh:
    case CellKind::rnn_relu: {
      Array<T> pre = affine(x_t, w.weight_ih, w.bias_ih) + affine(h_prev, w.weight_hh, w.bias_hh);
      if (kind_ == CellKind::rnn_tanh)
        h = xt::tanh(pre);
      else
        h = xt::maximum(pre, T(0));
      return;
    }
    case CellKind::lstm: {
      Array<T>& gates = saved.gates;
      gates = affine(x_t, w.weight_ih, w.bias_ih) + affine(h_prev, w.weight_hh, w.bias_hh);
      auto i = gate(gates, 0, H), f = gate(gates, 1, H), g = gate(gates, 2, H),
           o = gate(gates, 3, H);
      i = sigmoid<T>(i);
      f = sigmoid<T>(f);
      g = xt::tanh(g);
      o = sigmoid<T>(o);
      c = f * c_prev + i * g;
      saved.tanh_cell = xt::tanh(c);
      h = o * saved.tanh_cell;
      return;
    }
    case CellKind::gru: {
      Array<T> gi = affine(x_t, w.weight_ih, w.bias_ih);     // x_t W_ih^T + b_ih
      Array<T> gh = affine(h_prev, w.weight_hh, w.bias_hh);  // h_{t-1} W_hh^T + b_hh
      Array<T>& gates = saved.gates;
      gates = xt::empty<T>({B, 3 * H});
      auto r = gate(gates, 0, H), z = gate(gates, 1, H), n = gate(gates, 2, H);
      r = sigmoid<T>(gate(gi, 0, H) + gate(gh, 0, H));
      z = sigmoid<T>(gate(gi, 1, H) + gate(gh, 1, H));
      saved.hidden_n = gate(gh, 2, H);
      n = xt::tanh(gate(gi, 2, H) + r * saved.hidden_n);
      h = (T(1) - z) * n + z * h_prev;
      return;
    }
    case CellKind::gru_original: {
      Array<T> gi = affine(x_t, w.weight_ih, w.bias_ih);            // x_t W_ih^T + b_ih
      Array<T> gh_rz = affine(h_prev, weight_hh_rz_, bias_hh_rz_);  // h_{t-1} W_h{r,z}^T + b_h{r,z}
      Array<T>& gates = saved.gates;
      gates = xt::empty<T>({B, 3 * H});
      auto r = gate(gates, 0, H), z = gate(gates, 1, H), n = gate(gates, 2, H);
      r = sigmoid<T>(gate(gi, 0, H) + gate(gh_rz, 0, H));
      z = sigmoid<T>(gate(gi, 1, H) + gate(gh_rz, 1, H));
      saved.reset_hidden = r * h_prev;
      n = xt::tanh(gate(gi, 2, H) + affine(saved.reset_hidden, weight_hh_n_, bias_hh_n_));
      h = (T(1) - z) * n + z * h_prev;
      return;
    }
  }
}

// NOTE [the backward step]
// Every cell ends in two affine maps, a = x_t W_ih^T + b_ih and a' = h_{t-1} W_hh^T + b_hh
// (for plain RNN and LSTM the pre-activation is a + a', so da = da'). Given da and da':
//   dW_ih += da^T x_t     db_ih += Σ_rows da     dx_t = da W_ih
//   dW_hh += da'^T h_{t-1} db_hh += Σ_rows da'    dh_{t-1} += da' W_hh
// Everything above those maps is the cell's own chain rule, written out per cell below.
template <class T>
void ManualBPTT<T>::step_backward(std::size_t t, const detail::StepCache<T>& saved,
                                  const Array<T>& dh, Array<T>& dc, Array<T>& dh_prev,
                                  RecurrentGradients<T>& grads) const {
  const auto& w = weights_;
  const std::size_t H = hidden_size_, B = dh.shape()[0];
  const Array<T>& x_t = x_[t];
  const Array<T>& h_prev = h_[t];
  const Array<T>& h = h_[t + 1];

  auto input_affine_backward = [&](const Array<T>& da) {
    gemm(da, true, x_t, false, grads.grad_weight_ih, T(1), T(1));  // dW_ih += da^T x_t
    grads.grad_bias_ih += xt::sum(da, {0});                        // db_ih += Σ_rows da
    Array<T> dx_t;
    gemm(da, false, w.weight_ih, false, dx_t);  // dx_t = da W_ih
    xt::view(grads.grad_x, t) = dx_t;
  };
  // beta = 0 sets dh_{t-1}, beta = 1 adds to it.
  auto hidden_affine_backward = [&](const Array<T>& da, T beta) {
    gemm(da, true, h_prev, false, grads.grad_weight_hh, T(1), T(1));  // dW_hh += da^T h_{t-1}
    grads.grad_bias_hh += xt::sum(da, {0});                           // db_hh += Σ_rows da
    gemm(da, false, w.weight_hh, false, dh_prev, T(1), beta);         // dh_{t-1} (+)= da W_hh
  };

  switch (kind_) {
    case CellKind::rnn_tanh:
    case CellKind::rnn_relu: {
      // h_t = act(a): tanh' = 1 - h_t², relu' = [h_t > 0]
      Array<T> da = kind_ == CellKind::rnn_tanh ? Array<T>(dh * (T(1) - h * h))
                                                : Array<T>(dh * xt::cast<T>(h > T(0)));
      input_affine_backward(da);
      hidden_affine_backward(da, T(0));
      return;
    }
    case CellKind::lstm: {
      const Array<T>& gates = saved.gates;
      const Array<T>& tanh_c = saved.tanh_cell;
      const Array<T>& c_prev = c_[t];
      auto i = gate(gates, 0, H), f = gate(gates, 1, H), g = gate(gates, 2, H),
           o = gate(gates, 3, H);
      Array<T> d_o = dh * tanh_c;               // h_t = o ⊙ tanh(c_t)
      dc += dh * o * (T(1) - tanh_c * tanh_c);  // dc: dL/dc_t, from c_{t+1} and from h_t
      Array<T> d_i = dc * g;                    // c_t = f ⊙ c_{t-1} + i ⊙ g
      Array<T> d_f = dc * c_prev;
      Array<T> d_g = dc * i;
      Array<T> d_gates = xt::empty<T>({B, 4 * H});  // through σ' = σ(1-σ), tanh' = 1 - tanh²
      gate(d_gates, 0, H) = d_i * i * (T(1) - i);
      gate(d_gates, 1, H) = d_f * f * (T(1) - f);
      gate(d_gates, 2, H) = d_g * (T(1) - g * g);
      gate(d_gates, 3, H) = d_o * o * (T(1) - o);
      dc = dc * f;  // dL/dc_{t-1}
      input_affine_backward(d_gates);
      hidden_affine_backward(d_gates, T(0));
      return;
    }
    case CellKind::gru: {
      const Array<T>& gates = saved.gates;
      const Array<T>& hidden_n = saved.hidden_n;
      auto r = gate(gates, 0, H), z = gate(gates, 1, H), n = gate(gates, 2, H);
      dh_prev = dh * z;  // h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
      Array<T> d_n = dh * (T(1) - z);
      Array<T> d_z = dh * (h_prev - n);
      Array<T> d_n_pre = d_n * (T(1) - n * n);  // n = tanh(n_pre)
      Array<T> d_r = d_n_pre * hidden_n;        // n_pre = gi_n + r ⊙ hidden_n
      Array<T> d_hidden_n = d_n_pre * r;
      Array<T> d_gi = xt::empty<T>({B, 3 * H});  // dL/d(x_t W_ih^T + b_ih)
      gate(d_gi, 0, H) = d_r * r * (T(1) - r);   // r = σ(gi_r + gh_r)
      gate(d_gi, 1, H) = d_z * z * (T(1) - z);   // z = σ(gi_z + gh_z)
      gate(d_gi, 2, H) = d_n_pre;
      Array<T> d_gh = d_gi;  // dL/d(h_{t-1} W_hh^T + b_hh)
      gate(d_gh, 2, H) = d_hidden_n;
      input_affine_backward(d_gi);
      hidden_affine_backward(d_gh, T(1));
      return;
    }
    case CellKind::gru_original: {
      const Array<T>& gates = saved.gates;
      const Array<T>& reset_hidden = saved.reset_hidden;
      auto r = gate(gates, 0, H), z = gate(gates, 1, H), n = gate(gates, 2, H);
      dh_prev = dh * z;  // h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
      Array<T> d_n = dh * (T(1) - z);
      Array<T> d_z = dh * (h_prev - n);
      Array<T> d_n_pre = d_n * (T(1) - n * n);  // n = tanh(n_pre)
      // n_pre = gi_n + reset_hidden W_hn^T + b_hn, so d_reset_hidden = d_n_pre W_hn
      Array<T> d_reset_hidden;
      gemm(d_n_pre, false, weight_hh_n_, false, d_reset_hidden);
      Array<T> d_r = d_reset_hidden * h_prev;  // reset_hidden = r ⊙ h_{t-1}
      dh_prev += d_reset_hidden * r;
      Array<T> d_gi = xt::empty<T>({B, 3 * H});  // dL/d(x_t W_ih^T + b_ih)
      gate(d_gi, 0, H) = d_r * r * (T(1) - r);   // r = σ(gi_r + gh_r)
      gate(d_gi, 1, H) = d_z * z * (T(1) - z);   // z = σ(gi_z + gh_z)
      gate(d_gi, 2, H) = d_n_pre;
      input_affine_backward(d_gi);
      // The hidden side, split: rows r, z see h_{t-1}; rows n see r ⊙ h_{t-1}. b_hh gets
      // the same gradient as b_ih, since each of its blocks is added where b_ih's is.
      Array<T> d_gh_rz = xt::view(d_gi, xt::all(), xt::range(0, 2 * H));
      Array<T> d_weight_hh_rz, d_weight_hh_n;
      gemm(d_gh_rz, true, h_prev, false, d_weight_hh_rz);       // d_gh_rz^T h_{t-1}
      gemm(d_n_pre, true, reset_hidden, false, d_weight_hh_n);  // d_n_pre^T (r ⊙ h_{t-1})
      auto grad_weight_hh_rz = xt::view(grads.grad_weight_hh, xt::range(0, 2 * H), xt::all());
      auto grad_weight_hh_n = xt::view(grads.grad_weight_hh, xt::range(2 * H, 3 * H), xt::all());
      grad_weight_hh_rz += d_weight_hh_rz;  // dW_h{r,z}
      grad_weight_hh_n += d_weight_hh_n;    // dW_hn
      grads.grad_bias_hh += xt::sum(d_gi, {0});
      gemm(d_gh_rz, false, weight_hh_rz_, false, dh_prev, T(1), T(1));  // dh_{t-1} += da W_h{r,z}
      return;
    }
  }
}

template <class T>
Array<T> ManualBPTT<T>::forward(const Array<T>& x, const std::optional<Array<T>>& h0,
                                const std::optional<Array<T>>& c0) {
  const std::string cell(cell_kind_name(kind_));
  const std::size_t H = hidden_size_;
  if (x.dimension() != 3 || x.shape()[2] != input_size_)
    throw Error("ManualBPTT::forward: " + cell + " x of shape " + shape_str(x.shape()) +
                " must be (T,B," + std::to_string(input_size_) + ")");
  const std::size_t steps = x.shape()[0], B = x.shape()[1];
  const Shape state_shape{B, H};
  if (h0 && h0->shape() != state_shape)
    throw Error("ManualBPTT::forward: " + cell + " h0 of shape " + shape_str(h0->shape()) +
                " must be " + shape_str(state_shape) + " for x of shape " + shape_str(x.shape()));
  if (c0 && !has_cell_state(kind_))
    throw Error("ManualBPTT::forward: " + cell + " has no cell state, but c0 of shape " +
                shape_str(c0->shape()) + " was given");
  if (c0 && c0->shape() != state_shape)
    throw Error("ManualBPTT::forward: " + cell + " c0 of shape " + shape_str(c0->shape()) +
                " must be " + shape_str(state_shape) + " for x of shape " + shape_str(x.shape()));

  x_.assign(steps, Array<T>());
  h_.assign(steps + 1, Array<T>());
  c_.clear();
  saved_.assign(recompute_gates_ ? 0 : steps, detail::StepCache<T>());
  h_[0] = h0 ? *h0 : Array<T>(xt::zeros<T>(state_shape));
  const bool cell_state = has_cell_state(kind_);
  if (cell_state) {
    c_.assign(steps + 1, Array<T>());
    c_[0] = c0 ? *c0 : Array<T>(xt::zeros<T>(state_shape));
  }
  Array<T> no_cell, scratch_cell;
  detail::StepCache<T> scratch;  // what a recomputing pass does not keep
  Array<T> y = xt::empty<T>({steps, B, H});
  for (std::size_t t = 0; t < steps; ++t) {
    x_[t] = xt::view(x, t);
    step_forward(x_[t], h_[t], cell_state ? c_[t] : no_cell, h_[t + 1],
                 cell_state ? c_[t + 1] : scratch_cell, recompute_gates_ ? scratch : saved_[t]);
    xt::view(y, t) = h_[t + 1];
  }
  return y;
}

template <class T>
RecurrentGradients<T> ManualBPTT<T>::backward(const Array<T>& gy,
                                              const std::optional<Array<T>>& grad_h_final,
                                              const std::optional<Array<T>>& grad_c_final) const {
  require_forward("ManualBPTT::backward");
  const std::string cell(cell_kind_name(kind_));
  const std::size_t steps = x_.size(), B = h_[0].shape()[0], H = hidden_size_;
  const Shape y_shape{steps, B, H}, state_shape{B, H};
  if (gy.shape() != y_shape)
    throw Error("ManualBPTT::backward: " + cell + " gy of shape " + shape_str(gy.shape()) +
                " must be " + shape_str(y_shape) + ", the shape of y");
  if (grad_h_final && grad_h_final->shape() != state_shape)
    throw Error("ManualBPTT::backward: " + cell + " grad_h_final of shape " +
                shape_str(grad_h_final->shape()) + " must be " + shape_str(state_shape));
  if (grad_c_final && !has_cell_state(kind_))
    throw Error("ManualBPTT::backward: " + cell + " has no cell state, but grad_c_final of shape " +
                shape_str(grad_c_final->shape()) + " was given");
  if (grad_c_final && grad_c_final->shape() != state_shape)
    throw Error("ManualBPTT::backward: " + cell + " grad_c_final of shape " +
                shape_str(grad_c_final->shape()) + " must be " + shape_str(state_shape));

  const auto& w = weights_;
  RecurrentGradients<T> grads;
  grads.grad_x = xt::zeros<T>({steps, B, input_size_});
  grads.grad_weight_ih = xt::zeros<T>(w.weight_ih.shape());
  grads.grad_weight_hh = xt::zeros<T>(w.weight_hh.shape());
  grads.grad_bias_ih = xt::zeros<T>(w.bias_ih.shape());
  grads.grad_bias_hh = xt::zeros<T>(w.bias_hh.shape());

  // NOTE [what is overwritten, what accumulates] (Notes A): dh and dc hold dL/dh_t and
  // dL/dc_t for the step being visited and are overwritten at every step back; the parameter
  // gradients in `grads` accumulate over all steps.
  const bool cell_state = has_cell_state(kind_);
  Array<T> dh = grad_h_final ? *grad_h_final : Array<T>(xt::zeros<T>(state_shape));
  Array<T> dc = cell_state ? (grad_c_final ? *grad_c_final : Array<T>(xt::zeros<T>(state_shape)))
                           : empty_array<T>();
  detail::StepCache<T> recomputed;
  Array<T> scratch_h, scratch_c, no_cell, dh_prev;
  for (std::size_t t = steps; t-- > 0;) {
    if (recompute_gates_)  // NOTE [what BPTT keeps]: the same code as forward, same values
      step_forward(x_[t], h_[t], cell_state ? c_[t] : no_cell, scratch_h, scratch_c, recomputed);
    Array<T> dh_t = dh + xt::view(gy, t);  // dL/dh_t: through y_t and through h_{t+1}
    step_backward(t, recompute_gates_ ? recomputed : saved_[t], dh_t, dc, dh_prev, grads);
    std::swap(dh, dh_prev);
  }
  grads.grad_h0 = std::move(dh);
  grads.grad_c0 = cell_state ? std::move(dc) : empty_array<T>();
  return grads;
}

template <class T>
void ManualBPTT<T>::require_forward(const char* op) const {
  if (h_.empty())
    throw Error(std::string(op) + ": no forward pass to differentiate; call forward first");
}

template <class T>
const Array<T>& ManualBPTT<T>::final_hidden() const {
  require_forward("ManualBPTT::final_hidden");
  return h_.back();
}

template <class T>
const Array<T>& ManualBPTT<T>::final_cell() const {
  require_forward("ManualBPTT::final_cell");
  if (!has_cell_state(kind_))
    throw Error("ManualBPTT::final_cell: " + std::string(cell_kind_name(kind_)) +
                " has no cell state");
  return c_.back();
}

template <class T>
std::size_t ManualBPTT<T>::cache_bytes() const {
  std::size_t total = 0;
  for (const auto* arrays : {&x_, &h_, &c_})
    for (const auto& a : *arrays) total += bytes(a);
  for (const auto& s : saved_)
    total += bytes(s.gates) + bytes(s.tanh_cell) + bytes(s.hidden_n) + bytes(s.reset_hidden);
  return total;
}

template class ManualBPTT<float>;
template class ManualBPTT<double>;

}  // namespace tapegrad
