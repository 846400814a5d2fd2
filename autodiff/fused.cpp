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

// r and z (B, 2H) and n (B, H) of a GRU step, the activations vectorised by xsimd.
template <class T>
struct GRUActivations {
  Array<T> reset_update, candidate;
};

template <class T>
GRUActivations<T> gru_activations(const Array<T>& input_part, const Array<T>& hidden_part) {
  const std::size_t batch = input_part.shape()[0], hidden = input_part.shape()[1] / 3;
  GRUActivations<T> act{Array<T>::from_shape({batch, 2 * hidden}),
                        Array<T>::from_shape({batch, hidden})};
  for (std::size_t row = 0; row < batch; ++row) {
    const T* x = input_part.data() + row * 3 * hidden;
    const T* h = hidden_part.data() + row * 3 * hidden;
    T* rz = act.reset_update.data() + row * 2 * hidden;
    for (std::size_t j = 0; j < 2 * hidden; ++j) rz[j] = x[j] + h[j];
  }
  xt::noalias(act.reset_update) = T(1) / (T(1) + xt::exp(-act.reset_update));
  for (std::size_t row = 0; row < batch; ++row) {
    const T* x = input_part.data() + row * 3 * hidden + 2 * hidden;
    const T* h = hidden_part.data() + row * 3 * hidden + 2 * hidden;
    const T* r = act.reset_update.data() + row * 2 * hidden;
    T* n = act.candidate.data() + row * hidden;
    for (std::size_t j = 0; j < hidden; ++j) n[j] = x[j] + r[j] * h[j];
  }
  xt::noalias(act.candidate) = xt::tanh(act.candidate);
  return act;
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
  const GRUActivations<T> act = gru_activations(input_part.value(), hidden_part.value());
  // h' = (1 - z) ⊙ n + z ⊙ h
  Array<T> h_next = Array<T>::from_shape(h.shape());
  for (std::size_t row = 0; row < batch; ++row) {
    const T* z = act.reset_update.data() + row * 2 * hidden + hidden;
    const T* n = act.candidate.data() + row * hidden;
    const T* h_prev = h.value().data() + row * hidden;
    T* out = h_next.data() + row * hidden;
    for (std::size_t j = 0; j < hidden; ++j) out[j] = (T(1) - z[j]) * n[j] + z[j] * h_prev[j];
  }
  return record(
      "gru_gates", {input_part, hidden_part, h}, Tensor<T>(std::move(h_next)),
      [input_part, hidden_part, h](const Tensor<T>& grad_out) -> std::array<Tensor<T>, 3> {
        if (grad_enabled()) {  // create_graph: NOTE [fused backward]
          std::vector<Tensor<T>> x = split(input_part, 3, 1), hh = split(hidden_part, 3, 1);
          const Tensor<T> r = sigmoid(x[0] + hh[0]), z = sigmoid(x[1] + hh[1]);
          const Tensor<T> n = tanh(x[2] + r * hh[2]);
          const Tensor<T> grad_n = grad_out * (T(1) - z) * (T(1) - n * n);
          const Tensor<T> grad_r = grad_n * hh[2] * r * (T(1) - r);
          const Tensor<T> grad_z = grad_out * (h - n) * z * (T(1) - z);
          return {concat<T>({grad_r, grad_z, grad_n}, 1),
                  concat<T>({grad_r, grad_z, grad_n * r}, 1), grad_out * z};
        }
        const std::size_t batch = h.shape()[0], hidden = h.shape()[1];
        const GRUActivations<T> act = gru_activations(input_part.value(), hidden_part.value());
        Array<T> grad_input = Array<T>::from_shape(input_part.shape());
        Array<T> grad_hidden = Array<T>::from_shape(hidden_part.shape());
        Array<T> grad_h = Array<T>::from_shape(h.shape());
        for (std::size_t row = 0; row < batch; ++row) {
          const T* r = act.reset_update.data() + row * 2 * hidden;
          const T* z = r + hidden;
          const T* n = act.candidate.data() + row * hidden;
          const T* hidden_n = hidden_part.value().data() + row * 3 * hidden + 2 * hidden;
          const T* h_prev = h.value().data() + row * hidden;
          const T* dh = grad_out.value().data() + row * hidden;
          T* dx = grad_input.data() + row * 3 * hidden;
          T* dhh = grad_hidden.data() + row * 3 * hidden;
          T* dh_prev = grad_h.data() + row * hidden;
          for (std::size_t j = 0; j < hidden; ++j) {
            const T grad_n = dh[j] * (T(1) - z[j]) * (T(1) - n[j] * n[j]);  // through tanh
            const T grad_r = grad_n * hidden_n[j] * r[j] * (T(1) - r[j]);
            const T grad_z = dh[j] * (h_prev[j] - n[j]) * z[j] * (T(1) - z[j]);
            dx[j] = dhh[j] = grad_r;
            dx[hidden + j] = dhh[hidden + j] = grad_z;
            dx[2 * hidden + j] = grad_n;
            dhh[2 * hidden + j] = grad_n * r[j];
            dh_prev[j] = dh[j] * z[j];
          }
        }
        return {Tensor<T>(std::move(grad_input)), Tensor<T>(std::move(grad_hidden)),
                Tensor<T>(std::move(grad_h))};
      }, location);
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
