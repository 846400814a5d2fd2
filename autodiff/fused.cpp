#include "autodiff/fused.hpp"

#include <array>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include "autodiff/ops.hpp"

namespace tapegrad {

namespace {

// [σ(i), σ(f), tanh(g), σ(o)] of the (B, 4H) pre-activations, each vectorised by xsimd.
template <class T>
Array<T> lstm_activations(const Array<T>& gates, std::size_t hidden) {
  Array<T> act = Array<T>::from_shape(gates.shape());
  xt::noalias(act) = T(1) / (T(1) + xt::exp(-gates));
  const std::array<std::size_t, 1> block{hidden};
  for (std::size_t row = 0; row < gates.shape()[0]; ++row) {
    const std::size_t g = row * 4 * hidden + 2 * hidden;
    auto candidate = xt::adapt(act.data() + g, hidden, xt::no_ownership(), block);
    xt::noalias(candidate) =
        xt::tanh(xt::adapt(gates.data() + g, hidden, xt::no_ownership(), block));
  }
  return act;
}

template <class T>
void check_lstm_gates(const Tensor<T>& gates, const Tensor<T>& c) {
  if (gates.dim() != 2 || c.dim() != 2 || gates.shape()[0] != c.shape()[0] ||
      gates.shape()[1] != 4 * c.shape()[1])
    throw Error("lstm_gates: gates of shape " + shape_str(gates.shape()) + " and c of shape " +
                shape_str(c.shape()) + ", expected (B, 4H) and (B, H)");
}

template <class T>
void check_gru_gates(const Tensor<T>& input_part, const Tensor<T>& hidden_part,
                     const Tensor<T>& h) {
  if (input_part.dim() != 2 || hidden_part.shape() != input_part.shape() || h.dim() != 2 ||
      input_part.shape()[0] != h.shape()[0] || input_part.shape()[1] != 3 * h.shape()[1])
    throw Error("gru_gates: input terms of shape " + shape_str(input_part.shape()) +
                ", recurrent terms of shape " + shape_str(hidden_part.shape()) +
                " and h of shape " + shape_str(h.shape()) +
                ", expected (B, 3H), (B, 3H) and (B, H)");
}

// The workspace W = [r, z, n, hidden_n] (B, 4H) of a GRU step, row by row, the activations
// vectorised by xsimd.
template <class T>
Array<T> gru_workspace(const Array<T>& input_part, const Array<T>& hidden_part) {
  const std::size_t batch = input_part.shape()[0], hidden = input_part.shape()[1] / 3;
  Array<T> workspace = Array<T>::from_shape({batch, 4 * hidden});
  const std::array<std::size_t, 1> reset_update_block{2 * hidden}, candidate_block{hidden};
  for (std::size_t row = 0; row < batch; ++row) {
    const T* x = input_part.data() + row * 3 * hidden;
    const T* h = hidden_part.data() + row * 3 * hidden;
    T* w = workspace.data() + row * 4 * hidden;
    for (std::size_t j = 0; j < 2 * hidden; ++j) w[j] = x[j] + h[j];
    auto reset_update = xt::adapt(w, 2 * hidden, xt::no_ownership(), reset_update_block);
    xt::noalias(reset_update) = T(1) / (T(1) + xt::exp(-reset_update));
    T* n = w + 2 * hidden;
    T* hidden_n = w + 3 * hidden;
    for (std::size_t j = 0; j < hidden; ++j) {
      hidden_n[j] = h[2 * hidden + j];
      n[j] = x[2 * hidden + j] + w[j] * hidden_n[j];
    }
    auto candidate = xt::adapt(n, hidden, xt::no_ownership(), candidate_block);
    xt::noalias(candidate) = xt::tanh(candidate);
  }
  return workspace;
}

}  // namespace

template <class T>
LSTMGatesOutput<T> lstm_gates(const Tensor<T>& gates, const Tensor<T>& c,
                              std::source_location location) {
  check_lstm_gates(gates, c);
  const std::size_t batch = c.shape()[0], hidden = c.shape()[1];
  const Array<T> act = lstm_activations(gates.value(), hidden);
  Array<T> c_next = Array<T>::from_shape(c.shape()), h_next = Array<T>::from_shape(c.shape());
  const T* a = act.data();
  const T* c_prev = c.value().data();
  // c' = f ⊙ c + i ⊙ g
  for (std::size_t row = 0; row < batch; ++row, a += 4 * hidden)
    for (std::size_t j = 0; j < hidden; ++j) {
      const std::size_t k = row * hidden + j;
      c_next.data()[k] = a[hidden + j] * c_prev[k] + a[j] * a[2 * hidden + j];
    }
  // h' = o ⊙ tanh(c')
  xt::noalias(h_next) = xt::tanh(c_next);
  a = act.data();
  for (std::size_t row = 0; row < batch; ++row, a += 4 * hidden)
    for (std::size_t j = 0; j < hidden; ++j) h_next.data()[row * hidden + j] *= a[3 * hidden + j];

  std::array<Tensor<T>, 2> inputs{gates, c};
  std::array<Tensor<T>, 2> outputs{Tensor<T>(std::move(h_next)), Tensor<T>(std::move(c_next))};
  const Tensor<T> saved_c_next = outputs[1];
  record_many<T>(
      "lstm_gates", inputs, outputs,
      [gates, c, saved_c_next](std::span<const Tensor<T>> grads_out, std::span<Tensor<T>> grads) {
        const Tensor<T>& grad_h = grads_out[0];
        const Tensor<T>& grad_c = grads_out[1];
        const std::size_t batch = c.shape()[0], hidden = c.shape()[1];
        if (grad_enabled()) {  // create_graph: NOTE [fused backward]
          std::vector<Tensor<T>> gate = split(gates, 4, 1);
          const Tensor<T> i = sigmoid(gate[0]), f = sigmoid(gate[1]);
          const Tensor<T> g = tanh(gate[2]), o = sigmoid(gate[3]);
          const Tensor<T> tc = tanh(f * c + i * g);
          const Tensor<T> dh = grad_h ? grad_h : Tensor<T>::zeros(c.shape());
          Tensor<T> dc = dh * o * (T(1) - tc * tc);
          if (grad_c) dc = grad_c + dc;
          grads[0] = concat<T>({dc * g * i * (T(1) - i), dc * c * f * (T(1) - f),
                                dc * i * (T(1) - g * g), dh * tc * o * (T(1) - o)},
                               1);
          grads[1] = dc * f;
          return;
        }
        const Array<T> act = lstm_activations(gates.value(), hidden);
        const Array<T> tanh_c = xt::tanh(saved_c_next.value());
        Array<T> grad_gates = Array<T>::from_shape(gates.shape());
        Array<T> grad_c_prev = Array<T>::from_shape(c.shape());
        const T* dh = grad_h ? grad_h.value().data() : nullptr;
        const T* dc_next = grad_c ? grad_c.value().data() : nullptr;
        const T* c_prev = c.value().data();
        for (std::size_t row = 0; row < batch; ++row) {
          const T* a = act.data() + row * 4 * hidden;
          T* d = grad_gates.data() + row * 4 * hidden;
          for (std::size_t j = 0; j < hidden; ++j) {
            const std::size_t k = row * hidden + j;
            const T i = a[j], f = a[hidden + j], g = a[2 * hidden + j], o = a[3 * hidden + j];
            const T tc = tanh_c.data()[k], grad_hk = dh ? dh[k] : T(0);
            // dc = dL/dc' through c' directly and through h' = o ⊙ tanh(c')
            const T dc = (dc_next ? dc_next[k] : T(0)) + grad_hk * o * (T(1) - tc * tc);
            d[j] = dc * g * i * (T(1) - i);                     // i: σ' = σ(1 - σ)
            d[hidden + j] = dc * c_prev[k] * f * (T(1) - f);    // f
            d[2 * hidden + j] = dc * i * (T(1) - g * g);        // g: tanh' = 1 - tanh²
            d[3 * hidden + j] = grad_hk * tc * o * (T(1) - o);  // o
            grad_c_prev.data()[k] = dc * f;
          }
        }
        grads[0] = Tensor<T>(std::move(grad_gates));
        grads[1] = Tensor<T>(std::move(grad_c_prev));
      }, false, location);
  return {outputs[0], outputs[1]};
}

template <class T>
Tensor<T> gru_gates(const Tensor<T>& input_part, const Tensor<T>& hidden_part, const Tensor<T>& h,
                    std::source_location location) {
  check_gru_gates(input_part, hidden_part, h);
  const std::size_t batch = h.shape()[0], hidden = h.shape()[1];
  Array<T> workspace = gru_workspace(input_part.value(), hidden_part.value());
  // h' = (1 - z) ⊙ n + z ⊙ h
  Array<T> h_next = Array<T>::from_shape(h.shape());
  for (std::size_t row = 0; row < batch; ++row) {
    const T* z = workspace.data() + row * 4 * hidden + hidden;
    const T* n = z + hidden;
    const T* h_prev = h.value().data() + row * hidden;
    T* out = h_next.data() + row * hidden;
    for (std::size_t j = 0; j < hidden; ++j) out[j] = (T(1) - z[j]) * n[j] + z[j] * h_prev[j];
  }

  // NOTE [GRU workspace]: W is the node's second output, never returned.
  std::array<Tensor<T>, 3> inputs{input_part, hidden_part, h};
  std::array<Tensor<T>, 2> outputs{Tensor<T>(std::move(h_next)), Tensor<T>(std::move(workspace))};
  const Tensor<T> saved_workspace = outputs[1];
  record_many<T>(
      "gru_gates", inputs, outputs,
      [h, saved_workspace](std::span<const Tensor<T>> grads_out, std::span<Tensor<T>> grads) {
        const Tensor<T>& grad_h_next = grads_out[0];
        // Defined only in a higher-order backward, which differentiates through W.
        const Tensor<T>& grad_workspace = grads_out[1];
        if (grad_enabled()) {  // create_graph: NOTE [fused backward]
          std::vector<Tensor<T>> w = split(saved_workspace, 4, 1);
          const Tensor<T> r = w[0], z = w[1], n = w[2], hidden_n = w[3];
          std::vector<Tensor<T>> g;
          if (grad_workspace) g = split(grad_workspace, 4, 1);
          const Tensor<T> dh = grad_h_next ? grad_h_next : Tensor<T>::zeros(h.shape());
          // dL/dn, then through tanh to n's pre-activation x_n + r ⊙ hidden_n
          Tensor<T> grad_n = dh * (T(1) - z);
          if (grad_workspace) grad_n = grad_n + g[2];
          const Tensor<T> grad_n_pre = grad_n * (T(1) - n * n);
          Tensor<T> grad_r = grad_n_pre * hidden_n, grad_z = dh * (h - n);
          Tensor<T> grad_hidden_n = grad_n_pre * r;
          if (grad_workspace) {
            grad_r = grad_r + g[0];
            grad_z = grad_z + g[1];
            grad_hidden_n = grad_hidden_n + g[3];
          }
          const Tensor<T> grad_r_pre = grad_r * r * (T(1) - r);
          const Tensor<T> grad_z_pre = grad_z * z * (T(1) - z);
          grads[0] = concat<T>({grad_r_pre, grad_z_pre, grad_n_pre}, 1);
          grads[1] = concat<T>({grad_r_pre, grad_z_pre, grad_hidden_n}, 1);
          if (grad_h_next) grads[2] = grad_h_next * z;
          return;
        }
        const std::size_t batch = h.shape()[0], hidden = h.shape()[1];
        Array<T> grad_input = Array<T>::from_shape({batch, 3 * hidden});
        Array<T> grad_hidden = Array<T>::from_shape({batch, 3 * hidden});
        Array<T> grad_h;
        if (grad_h_next) grad_h = Array<T>::from_shape(h.shape());
        for (std::size_t row = 0; row < batch; ++row) {
          const T* r = saved_workspace.value().data() + row * 4 * hidden;
          const T* z = r + hidden;
          const T* n = z + hidden;
          const T* hidden_n = n + hidden;
          const T* h_prev = h.value().data() + row * hidden;
          const T* dh = grad_h_next ? grad_h_next.value().data() + row * hidden : nullptr;
          const T* dw = grad_workspace ? grad_workspace.value().data() + row * 4 * hidden : nullptr;
          T* dx = grad_input.data() + row * 3 * hidden;
          T* dhh = grad_hidden.data() + row * 3 * hidden;
          for (std::size_t j = 0; j < hidden; ++j) {
            const T dh_j = dh ? dh[j] : T(0);
            T grad_n = dh_j * (T(1) - z[j]), grad_z = dh_j * (h_prev[j] - n[j]);
            T grad_r = T(0), grad_hidden_n = T(0);
            if (dw) {
              grad_r = dw[j];
              grad_z += dw[hidden + j];
              grad_n += dw[2 * hidden + j];
              grad_hidden_n = dw[3 * hidden + j];
            }
            const T grad_n_pre = grad_n * (T(1) - n[j] * n[j]);  // n = tanh(n_pre)
            grad_r += grad_n_pre * hidden_n[j];                  // n_pre = x_n + r ⊙ hidden_n
            grad_hidden_n += grad_n_pre * r[j];
            dx[j] = dhh[j] = grad_r * r[j] * (T(1) - r[j]);  // σ' = σ(1 - σ)
            dx[hidden + j] = dhh[hidden + j] = grad_z * z[j] * (T(1) - z[j]);
            dx[2 * hidden + j] = grad_n_pre;
            dhh[2 * hidden + j] = grad_hidden_n;
          }
          if (dh) {
            T* dh_prev = grad_h.data() + row * hidden;
            for (std::size_t j = 0; j < hidden; ++j) dh_prev[j] = dh[j] * z[j];
          }
        }
        grads[0] = Tensor<T>(std::move(grad_input));
        grads[1] = Tensor<T>(std::move(grad_hidden));
        if (grad_h_next) grads[2] = Tensor<T>(std::move(grad_h));
      },
      false, location);
  return outputs[0];
}

// NOTE [ops as values]: the plain template and the overloads calls pick.
template <class T>
LSTMGatesOutput<T> lstm_gates(const Tensor<T>& gates, const Tensor<T>& c) {
  return lstm_gates<T>(gates, c, std::source_location::current());
}
LSTMGatesOutput<float> lstm_gates(const Tensor<float>& gates, const Tensor<float>& c,
                                  std::source_location location) {
  return lstm_gates<float>(gates, c, location);
}
LSTMGatesOutput<double> lstm_gates(const Tensor<double>& gates, const Tensor<double>& c,
                                   std::source_location location) {
  return lstm_gates<double>(gates, c, location);
}

template LSTMGatesOutput<float> lstm_gates(const Tensor<float>&, const Tensor<float>&);
template LSTMGatesOutput<double> lstm_gates(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> gru_gates(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                 std::source_location);
template Tensor<double> gru_gates(const Tensor<double>&, const Tensor<double>&,
                                  const Tensor<double>&, std::source_location);

}  // namespace tapegrad
