#include "layers/cells.hpp"

#include <array>
#include <utility>

#include "autodiff/fused.hpp"
#include "autodiff/ops.hpp"
#include "layers/init.hpp"
#include "layers/layer_norm.hpp"

namespace tapegrad {

namespace {

// For the constructors that take a seed: the temporary Generator lives until the constructor they
// delegate to returns.
Generator& as_lvalue(Generator&& generator) { return generator; }

template <class T>
Tensor<T> zeros(std::size_t rows, std::size_t cols) {
  return Tensor<T>(Array<T>(xt::zeros<T>({rows, cols})));
}

template <class T>
Tensor<T> parameter_of_shape(std::initializer_list<std::size_t> shape) {
  return Tensor<T>(Array<T>(xt::zeros<T>(Shape(shape))), true);
}

// weight_ih (rows, input_size), weight_hh (rows, recurrent_size) and, with bias, bias_ih and
// bias_hh (rows): what every cell has first. Returned with their names in PyTorch's order, for
// the cell to register (register_parameter is the cell's own).
template <class T, class Cell>
std::array<std::pair<const char*, Tensor<T>*>, 4> add_recurrent_weights(
    Cell& cell, std::size_t rows, std::size_t input_size, std::size_t recurrent_size, bool bias) {
  cell.weight_ih = parameter_of_shape<T>({rows, input_size});
  cell.weight_hh = parameter_of_shape<T>({rows, recurrent_size});
  if (bias) {
    cell.bias_ih = parameter_of_shape<T>({rows});
    cell.bias_hh = parameter_of_shape<T>({rows});
  }
  return {{{"weight_ih", &cell.weight_ih},
           {"weight_hh", &cell.weight_hh},
           {"bias_ih", &cell.bias_ih},
           {"bias_hh", &cell.bias_hh}}};
}

void check_sizes(const std::string& layer, std::size_t input_size, std::size_t hidden_size) {
  if (input_size == 0 || hidden_size == 0)
    throw Error(layer + ": input_size " + std::to_string(input_size) + " and hidden_size " +
                std::to_string(hidden_size) + " must both be positive");
}

// x must be (rows, columns); says which argument and what was expected.
template <class T>
void check_matrix(const std::string& layer, const char* what, const Tensor<T>& x, std::size_t rows,
                  std::size_t columns) {
  if (!x.defined() || x.dim() != 2 || x.shape()[1] != columns || (rows && x.shape()[0] != rows))
    throw Error(layer + ": " + what + " has shape " +
                (x.defined() ? shape_str(x.shape()) : std::string("(undefined)")) + ", expected (" +
                (rows ? std::to_string(rows) : std::string("B")) + "," + std::to_string(columns) +
                ")");
}

// The state a step starts from: the given one, checked, or zeros.
template <class T>
Tensor<T> state_or_zeros(const std::string& layer, const char* what, const Tensor<T>& state,
                         std::size_t batch, std::size_t size) {
  if (!state.defined()) return zeros<T>(batch, size);
  check_matrix(layer, what, state, batch, size);
  return state;
}

template <class T>
Tensor<T> project(const std::string& layer, const Tensor<T>& x, const Tensor<T>& weight_ih,
                  const Tensor<T>& bias, std::size_t input_size) {
  check_matrix(layer, "input x", x, 0, input_size);
  return bias.defined() ? addmm(bias, x, weight_ih, false, true)
                        : matmul(x, weight_ih, false, true);
}

// b_ih + b_hh: both biases of a cell whose state enters only through h W_hh^T join the input
// projection, computed once for all the steps of a sequence instead of added at every step.
template <class T>
Tensor<T> both_biases(const Tensor<T>& bias_ih, const Tensor<T>& bias_hh) {
  if (!bias_ih.defined() || !bias_hh.defined()) return bias_ih.defined() ? bias_ih : bias_hh;
  return bias_ih + bias_hh;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RNNCell

template <class T>
RNNCell<T>::RNNCell(const RNNCellOptions& options, std::uint64_t seed)
    : RNNCell(options, as_lvalue(Generator(seed))) {}

template <class T>
RNNCell<T>::RNNCell(const RNNCellOptions& options, Generator& generator) : options_(options) {
  check_sizes(type_name(), options.input_size, options.hidden_size);
  const std::size_t H = options.hidden_size, D = options.input_size;
  for (auto [name, tensor] : add_recurrent_weights<T>(*this, H, D, H, options.bias))
    this->register_parameter(name, *tensor);
  reset_parameters(generator);
}

template <class T>
void RNNCell<T>::reset_parameters(Generator& generator) {
  for (auto& [name, slot] : this->named_parameters())
    init::recurrent_uniform_(slot, options_.hidden_size, generator);
}

template <class T>
Tensor<T> RNNCell<T>::input_projection(const Tensor<T>& x) const {
  return project(type_name(), x, weight_ih, both_biases(bias_ih, bias_hh), options_.input_size);
}

template <class T>
Tensor<T> RNNCell<T>::step(const Tensor<T>& projected, const Tensor<T>& h_prev) const {
  const std::size_t H = options_.hidden_size;
  check_matrix(type_name(), "input projection", projected, 0, H);
  const Tensor<T> h =
      state_or_zeros(type_name(), "hidden state h", h_prev, projected.shape()[0], H);
  // h' = act(x W_ih^T + b_ih + b_hh + h W_hh^T)
  const Tensor<T> pre_activation = addmm(projected, h, weight_hh, false, true);
  return options_.nonlinearity == Nonlinearity::tanh ? tanh(pre_activation) : relu(pre_activation);
}

template <class T>
Tensor<T> RNNCell<T>::forward(const Tensor<T>& x, const Tensor<T>& h) const {
  return step(input_projection(x), h);
}

// ---------------------------------------------------------------------------------------------
// LSTMCell

template <class T>
LSTMCell<T>::LSTMCell(const LSTMCellOptions& options, std::uint64_t seed)
    : LSTMCell(options, as_lvalue(Generator(seed))) {}

template <class T>
LSTMCell<T>::LSTMCell(const LSTMCellOptions& options, Generator& generator) : options_(options) {
  check_sizes(type_name(), options.input_size, options.hidden_size);
  const std::size_t H = options.hidden_size, D = options.input_size, P = options.proj_size;
  if (P >= H && P != 0)
    throw Error("LSTMCell: proj_size " + std::to_string(P) + " must be smaller than hidden_size " +
                std::to_string(H));
  for (double p : {options.input_dropout, options.hidden_dropout})
    if (!(p >= 0 && p < 1))
      throw Error("LSTMCell: dropout probability " + std::to_string(p) + " is not in [0, 1)");
  for (auto [name, tensor] : add_recurrent_weights<T>(*this, 4 * H, D, output_size(), options.bias))
    this->register_parameter(name, *tensor);
  if (options.peephole) {
    weight_ci = parameter_of_shape<T>({H});
    weight_cf = parameter_of_shape<T>({H});
    weight_co = parameter_of_shape<T>({H});
  }
  if (P) weight_hr = parameter_of_shape<T>({P, H});
  if (options.layer_norm) {
    layer_norm_weight = parameter_of_shape<T>({4 * H});
    layer_norm_bias = parameter_of_shape<T>({4 * H});
  }
  // PyTorch's order (weight_ih, weight_hh, bias_ih, bias_hh, weight_hr), then the extras.
  this->register_parameter("weight_hr", weight_hr);
  this->register_parameter("weight_ci", weight_ci);
  this->register_parameter("weight_cf", weight_cf);
  this->register_parameter("weight_co", weight_co);
  this->register_parameter("layer_norm_weight", layer_norm_weight);
  this->register_parameter("layer_norm_bias", layer_norm_bias);
  reset_parameters(generator);
}

template <class T>
void LSTMCell<T>::reset_parameters(Generator& generator) {
  for (auto& [name, slot] : this->named_parameters())
    init::recurrent_uniform_(slot, options_.hidden_size, generator);
  // A layer norm starts as the plain normalisation.
  if (options_.layer_norm) {
    init::constant_(layer_norm_weight, 1.0);
    init::zeros_(layer_norm_bias);
  }
}

template <class T>
VariationalMasks<T> LSTMCell<T>::dropout_masks(std::size_t batch, Generator& generator) const {
  VariationalMasks<T> masks;
  if (!this->is_training()) return masks;
  if (options_.input_dropout > 0)
    masks.input =
        Tensor<T>(dropout_mask<T>({batch, options_.input_size}, options_.input_dropout, generator));
  if (options_.hidden_dropout > 0)
    masks.hidden =
        Tensor<T>(dropout_mask<T>({batch, output_size()}, options_.hidden_dropout, generator));
  return masks;
}

template <class T>
Tensor<T> LSTMCell<T>::input_projection(const Tensor<T>& x) const {
  return project(type_name(), x, weight_ih, both_biases(bias_ih, bias_hh), options_.input_size);
}

template <class T>
LSTMState<T> LSTMCell<T>::step(const Tensor<T>& projected, const LSTMState<T>& state,
                               const VariationalMasks<T>& masks) const {
  const std::size_t H = options_.hidden_size;
  check_matrix(type_name(), "input projection", projected, 0, 4 * H);
  const std::size_t batch = projected.shape()[0];
  Tensor<T> h = state_or_zeros(type_name(), "hidden state h", state.h, batch, output_size());
  const Tensor<T> c = state_or_zeros(type_name(), "cell state c", state.c, batch, H);
  if (masks.hidden.defined()) {
    check_matrix(type_name(), "hidden dropout mask", masks.hidden, batch, output_size());
    h = h * masks.hidden;
  }

  // [i, f, g, o] = x W_ih^T + b_ih + b_hh + h W_hh^T, one (B, 4H) product for all four gates.
  Tensor<T> gates = addmm(projected, h, weight_hh, false, true);
  if (options_.layer_norm) {
    // Each gate normalised over its own H features: (B, 4H) viewed as (B, 4, H).
    const long gate_size = static_cast<long>(H);
    const std::vector<long> per_gate{4, gate_size}, stacked{-1, 4, gate_size},
        flat{-1, 4 * gate_size};
    gates = layer_norm(reshape(gates, stacked), reshape(layer_norm_weight, per_gate),
                       reshape(layer_norm_bias, per_gate), options_.layer_norm_eps);
    gates = reshape(gates, flat);
  }
  if (!options_.peephole) {
    // The equations below, without peepholes, as one fused op (autodiff/fused.hpp) whose
    // gradient is tested against them.
    LSTMGatesOutput<T> next = lstm_gates(gates, c);
    if (weight_hr.defined()) next.h = matmul(next.h, weight_hr, false, true);
    return {next.h, next.c};
  }
  std::vector<Tensor<T>> gate = split(gates, 4, 1);
  Tensor<T>& input_gate = gate[0];
  Tensor<T>& forget_gate = gate[1];
  Tensor<T>& candidate = gate[2];
  Tensor<T>& output_gate = gate[3];
  if (options_.peephole) {
    input_gate = input_gate + weight_ci * c;
    forget_gate = forget_gate + weight_cf * c;
  }
  input_gate = sigmoid(input_gate);
  forget_gate = sigmoid(forget_gate);
  candidate = tanh(candidate);

  // c' = f ⊙ c + i ⊙ g
  Tensor<T> c_next = forget_gate * c + input_gate * candidate;
  if (options_.peephole) output_gate = output_gate + weight_co * c_next;
  output_gate = sigmoid(output_gate);
  // h' = o ⊙ tanh(c'), projected to P features if asked
  Tensor<T> h_next = output_gate * tanh(c_next);
  if (weight_hr.defined()) h_next = matmul(h_next, weight_hr, false, true);
  return {h_next, c_next};
}

template <class T>
LSTMState<T> LSTMCell<T>::forward(const Tensor<T>& x, const LSTMState<T>& state,
                                  const VariationalMasks<T>& masks) const {
  if (masks.input.defined()) {
    check_matrix(type_name(), "input dropout mask", masks.input, x.dim() == 2 ? x.shape()[0] : 0,
                 options_.input_size);
    return step(input_projection(x * masks.input), state, masks);
  }
  return step(input_projection(x), state, masks);
}

// ---------------------------------------------------------------------------------------------
// GRUCell

template <class T>
GRUCell<T>::GRUCell(const GRUCellOptions& options, std::uint64_t seed)
    : GRUCell(options, as_lvalue(Generator(seed))) {}

template <class T>
GRUCell<T>::GRUCell(const GRUCellOptions& options, Generator& generator) : options_(options) {
  check_sizes(type_name(), options.input_size, options.hidden_size);
  const std::size_t H = options.hidden_size, D = options.input_size;
  for (auto [name, tensor] : add_recurrent_weights<T>(*this, 3 * H, D, H, options.bias))
    this->register_parameter(name, *tensor);
  reset_parameters(generator);
}

template <class T>
void GRUCell<T>::reset_parameters(Generator& generator) {
  for (auto& [name, slot] : this->named_parameters())
    init::recurrent_uniform_(slot, options_.hidden_size, generator);
}

template <class T>
Tensor<T> GRUCell<T>::input_projection(const Tensor<T>& x) const {
  return project(type_name(), x, weight_ih, bias_ih, options_.input_size);
}

template <class T>
Tensor<T> GRUCell<T>::step(const Tensor<T>& projected, const Tensor<T>& h_prev) const {
  const std::size_t H = options_.hidden_size;
  check_matrix(type_name(), "input projection", projected, 0, 3 * H);
  const Tensor<T> h =
      state_or_zeros(type_name(), "hidden state h", h_prev, projected.shape()[0], H);
  if (options_.variant == GRUVariant::pytorch) {
    // The class comment's equations as one fused op (autodiff/fused.hpp, its gradient tested
    // against them); the recurrent terms W_h* h + b_h* of all three gates are one product.
    const Tensor<T> recurrent = bias_hh.defined() ? addmm(bias_hh, h, weight_hh, false, true)
                                                  : matmul(h, weight_hh, false, true);
    return gru_gates(projected, recurrent, h);
  }
  // The original variant. The input terms W_i* x + b_i* of the three gates.
  std::vector<Tensor<T>> input_part = split(projected, 3, 1);
  Tensor<T> reset_gate, update_gate, candidate;
  // r and z from the first 2H rows of W_hh; n needs r first, so its rows get their own product.
  Tensor<T> recurrent = matmul(h, narrow(weight_hh, 0, 0, 2 * H), false, true);
  if (bias_hh.defined()) recurrent = recurrent + narrow(bias_hh, 0, 0, 2 * H);
  std::vector<Tensor<T>> hidden_part = split(recurrent, 2, 1);
  reset_gate = sigmoid(input_part[0] + hidden_part[0]);
  update_gate = sigmoid(input_part[1] + hidden_part[1]);
  // n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
  Tensor<T> candidate_pre =
      input_part[2] + matmul(reset_gate * h, narrow(weight_hh, 0, 2 * H, H), false, true);
  if (bias_hh.defined()) candidate_pre = candidate_pre + narrow(bias_hh, 0, 2 * H, H);
  candidate = tanh(candidate_pre);
  // h' = (1 - z) ⊙ n + z ⊙ h
  return (T(1) - update_gate) * candidate + update_gate * h;
}

template <class T>
Tensor<T> GRUCell<T>::forward(const Tensor<T>& x, const Tensor<T>& h) const {
  return step(input_projection(x), h);
}

template class RNNCell<float>;
template class RNNCell<double>;
template class LSTMCell<float>;
template class LSTMCell<double>;
template class GRUCell<float>;
template class GRUCell<double>;

}  // namespace tapegrad
