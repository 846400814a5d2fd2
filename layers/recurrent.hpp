// Sequence layers: stacked, optionally bidirectional RNN, LSTM and GRU over (T, B, D) inputs,
// PyTorch's nn.RNN / nn.LSTM / nn.GRU with batch_first = false.
//
// Each layer and direction is one cell from layers/cells.hpp, run as a plain loop over time.
// Shapes and names are PyTorch's:
//   input (T, B, D)  ->  output (T, B, dirs * H_out)      H_out = proj_size or hidden_size
//   h0, h_n (layers * dirs, B, H_out),  c0, c_n (layers * dirs, B, H) for the LSTM,
//   row k * dirs + d holds layer k, direction d (0 forward, 1 reverse);
//   parameters weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (weight_hr_l{k}),
//   with the suffix _reverse for the reverse direction. Layer k > 0 reads dirs * H_out features.
//
// NOTE [variable-length batches]
// forward takes optional per-sequence lengths (B of them, each at most T; the rest of a
// sequence is padding). A sequence's state stops updating after its last step, and its outputs
// at padded steps are zero, which is what PyTorch's packed sequences give: h_n holds each
// sequence's state after its own last step, the reverse direction starts at that step, and
// neither the outputs nor any gradient depend on what the padding contains.
//
// NOTE [empty inputs]
// An input with no time steps (T = 0) is an Error, as in PyTorch's nn.RNN / nn.LSTM / nn.GRU:
// running a layer over nothing is almost always an empty chunk from a data pipeline. An empty
// batch (B = 0) is not an error: the output is (T, 0, dirs * H_out) and h_n, c_n have 0 rows, as
// in PyTorch, which accepts a 0-batch in every nn module; the same holds for the cells, Linear
// and Embedding (an empty index list gives (0, embedding_dim)). Mind that a loss averaged over
// no elements is NaN.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "autodiff/nn.hpp"
#include "layers/cells.hpp"
#include "layers/module.hpp"

namespace tapegrad {

template <class T>
struct SequenceOutput {
  Tensor<T> output;  // (T, B, dirs * H_out)
  Tensor<T> h_n;     // (layers * dirs, B, H_out)
  Tensor<T> c_n;     // (layers * dirs, B, H), LSTM only
};

// What every sequence layer has besides its cell's options.
struct StackOptions {
  std::size_t num_layers = 1;
  bool bidirectional = false;
  // Dropout on the output of every layer but the last, in training mode (as PyTorch's).
  double dropout = 0;
};

struct RNNOptions : RNNCellOptions, StackOptions {};
struct LSTMOptions : LSTMCellOptions, StackOptions {};
struct GRUOptions : GRUCellOptions, StackOptions {};

namespace detail {

// The loop over layers, directions and time steps that RNN, LSTM and GRU share.
template <class T, class Cell>
class StackedRecurrent : public Module<T> {
 public:
  std::size_t num_layers() const { return stack_.num_layers; }
  std::size_t num_directions() const { return stack_.bidirectional ? 2 : 1; }
  // The cell of one layer and direction; its members are the parameters named
  // weight_ih_l{layer}[_reverse], ...
  Cell& cell(std::size_t layer, std::size_t direction = 0);
  const Cell& cell(std::size_t layer, std::size_t direction = 0) const;
  std::vector<Cell*> cells();

  void train(bool on = true) override;
  // Draws the inter-layer dropout masks (and the LSTM's variational masks).
  Generator& dropout_generator() { return dropout_generator_; }

 protected:
  StackedRecurrent(const StackOptions& stack, std::uint64_t dropout_seed)
      : stack_(stack), dropout_generator_(dropout_seed) {}
  // Builds layers * dirs cells, make_cell(input size of the layer), and registers their
  // parameters under PyTorch's names.
  template <class MakeCell>
  void build(std::size_t input_size, std::size_t output_size, MakeCell&& make_cell);
  SequenceOutput<T> run(const Tensor<T>& input, const Tensor<T>& h0, const Tensor<T>& c0,
                        const std::vector<std::size_t>& lengths);

 private:
  StackOptions stack_;
  std::size_t input_size_ = 0, output_size_ = 0;
  std::vector<std::unique_ptr<Cell>> cells_;  // layer-major: index layer * dirs + direction
  Generator dropout_generator_;
};

}  // namespace detail

// h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) per layer and direction (RNNCell).
template <class T>
class RNN : public detail::StackedRecurrent<T, RNNCell<T>> {
 public:
  explicit RNN(const RNNOptions& options, std::uint64_t seed = 0);
  RNN(const RNNOptions& options, Generator& generator);
  std::string type_name() const override { return "RNN"; }

  // input (T, B, D); h0 (layers * dirs, B, H) or undefined for zeros; lengths empty or (B).
  SequenceOutput<T> forward(const Tensor<T>& input, const Tensor<T>& h0 = {},
                            const std::vector<std::size_t>& lengths = {});

  const RNNOptions& options() const { return options_; }

 private:
  RNNOptions options_;
};

// LSTMCell per layer and direction, with all of its options (peephole, proj_size, layer_norm,
// variational dropout: masks drawn once per call of forward, per layer and direction).
template <class T>
class LSTM : public detail::StackedRecurrent<T, LSTMCell<T>> {
 public:
  explicit LSTM(const LSTMOptions& options, std::uint64_t seed = 0);
  LSTM(const LSTMOptions& options, Generator& generator);
  std::string type_name() const override { return "LSTM"; }

  // input (T, B, D); initial.h (layers * dirs, B, H_out) and initial.c (layers * dirs, B, H),
  // either undefined for zeros; lengths empty or (B).
  SequenceOutput<T> forward(const Tensor<T>& input, const LSTMState<T>& initial = {},
                            const std::vector<std::size_t>& lengths = {});

  const LSTMOptions& options() const { return options_; }

 private:
  LSTMOptions options_;
};

// GRUCell per layer and direction, in either variant.
template <class T>
class GRU : public detail::StackedRecurrent<T, GRUCell<T>> {
 public:
  explicit GRU(const GRUOptions& options, std::uint64_t seed = 0);
  GRU(const GRUOptions& options, Generator& generator);
  std::string type_name() const override { return "GRU"; }

  SequenceOutput<T> forward(const Tensor<T>& input, const Tensor<T>& h0 = {},
                            const std::vector<std::size_t>& lengths = {});

  const GRUOptions& options() const { return options_; }

 private:
  GRUOptions options_;
};

}  // namespace tapegrad
