// Bad input (issue #7): each row of these tables is a wrong call and the exact message of the
// tapegrad::Error it raises. A shape error names the layer and both shapes, the given one and
// the expected one; a file error names the file. The decisions for empty inputs are
// NOTE [empty inputs] in layers/recurrent.hpp: T = 0 is an error, B = 0 gives empty outputs.
//
// One more row of the table, NaN in the inputs with anomaly mode on, is tested with
// anomaly mode itself, in tests/test_tape_anomaly.cpp.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "autodiff/ops.hpp"
#include "layers/cells.hpp"
#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "layers/safetensors.hpp"
#include "optim/adam.hpp"
#include "test_safetensors_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;
namespace fs = std::filesystem;

namespace {

struct Row {
  std::string what;
  std::function<void()> call;
  std::string message;
};

void check_table(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CHECK(error_of(row.call) == row.message);
    tape().reset();  // a call that threw halfway may have recorded some ops
  }
}

Tensor<double> zeros(const Shape& shape) {
  return Tensor<double>(Array<double>(xt::zeros<double>(shape)));
}

LSTMOptions lstm_options(std::size_t hidden, std::size_t layers = 1, bool bidirectional = false) {
  LSTMOptions options;
  options.input_size = 3, options.hidden_size = hidden;
  options.num_layers = layers, options.bidirectional = bidirectional;
  return options;
}

}  // namespace

// Input (T, B, D) = (5, 2, 3) is right for all of these; hidden size 4.
TEST_CASE("bad input: sequence layers (RNN, LSTM, GRU)") {
  RNN<double> rnn({{.input_size = 3, .hidden_size = 4}, {}});
  LSTM<double> lstm(lstm_options(4));
  GRU<double> gru({{.input_size = 3, .hidden_size = 4}, {}});
  LSTM<double> deep(lstm_options(4, 2, true));
  LSTMOptions projected_options = lstm_options(4);
  projected_options.proj_size = 2;
  LSTM<double> projected(projected_options);
  const Tensor<double> x = zeros({5, 2, 3});
  // One row per entry, kept as a table.
  // clang-format off
  check_table({
      {"empty sequence, T = 0", [&] { rnn.forward(zeros({0, 2, 3})); },
       "RNN: input of shape (0,2,3) has no time steps, expected (T, B, 3) with T >= 1"},
      {"empty sequence, T = 0", [&] { lstm.forward(zeros({0, 2, 3})); },
       "LSTM: input of shape (0,2,3) has no time steps, expected (T, B, 3) with T >= 1"},
      {"empty sequence, T = 0", [&] { gru.forward(zeros({0, 2, 3})); },
       "GRU: input of shape (0,2,3) has no time steps, expected (T, B, 3) with T >= 1"},
      {"wrong input width", [&] { lstm.forward(zeros({5, 2, 7})); },
       "LSTM: input of shape (5,2,7), expected (T, B, 3) with T >= 1"},
      {"wrong input width", [&] { rnn.forward(zeros({5, 2, 1})); },
       "RNN: input of shape (5,2,1), expected (T, B, 3) with T >= 1"},
      {"no time axis", [&] { gru.forward(zeros({2, 3})); },
       "GRU: input of shape (2,3), expected (T, B, 3) with T >= 1"},
      {"undefined input", [&] { lstm.forward(Tensor<double>()); },
       "LSTM: input is undefined, expected (T, B, 3) with T >= 1"},
      {"h0 of the wrong hidden size", [&] { rnn.forward(x, zeros({1, 2, 5})); },
       "RNN: h0 of shape (1,2,5), expected (1,2,4) (layers * directions, B, hidden)"},
      {"h0 of the wrong batch", [&] { gru.forward(x, zeros({1, 3, 4})); },
       "GRU: h0 of shape (1,3,4), expected (1,2,4) (layers * directions, B, hidden)"},
      {"h0 without its layer axis", [&] { gru.forward(x, zeros({2, 4})); },
       "GRU: h0 of shape (2,4), expected (1,2,4) (layers * directions, B, hidden)"},
      {"c0 of the wrong hidden size",
       [&] { lstm.forward(x, {zeros({1, 2, 4}), zeros({1, 2, 5})}); },
       "LSTM: c0 of shape (1,2,5), expected (1,2,4) (layers * directions, B, hidden)"},
      {"h0 of one layer for 2 bidirectional layers",
       [&] { deep.forward(x, {zeros({2, 2, 4}), {}}); },
       "LSTM: h0 of shape (2,2,4), expected (4,2,4) (layers * directions, B, hidden)"},
      {"h0 of the hidden size, not proj_size",
       [&] { projected.forward(x, {zeros({1, 2, 4}), {}}); },
       "LSTM: h0 of shape (1,2,4), expected (1,2,2) (layers * directions, B, hidden)"},
      {"a length per sequence", [&] { lstm.forward(x, {}, {5, 4, 3}); },
       "LSTM: 3 lengths for a batch of 2 (input (5,2,3))"},
      {"a length beyond T", [&] { gru.forward(x, {}, {5, 9}); },
       "GRU: sequence length 9 exceeds T = 5 of input (5,2,3)"},
  });
  // clang-format on
}

// x (B, D) = (2, 3) is right; hidden size 4.
TEST_CASE("bad input: cells (RNNCell, LSTMCell, GRUCell)") {
  RNNCell<double> rnn({.input_size = 3, .hidden_size = 4});
  LSTMCell<double> lstm({.input_size = 3, .hidden_size = 4});
  GRUCell<double> gru({.input_size = 3, .hidden_size = 4});
  const Tensor<double> x = zeros({2, 3});
  // One row per entry, kept as a table.
  // clang-format off
  check_table({
      {"wrong input width", [&] { rnn.forward(zeros({2, 7})); },
       "RNNCell: input x has shape (2,7), expected (B,3)"},
      {"a sequence given to a cell", [&] { lstm.forward(zeros({5, 2, 3})); },
       "LSTMCell: input x has shape (5,2,3), expected (B,3)"},
      {"undefined input", [&] { gru.forward(Tensor<double>()); },
       "GRUCell: input x has shape (undefined), expected (B,3)"},
      {"h of the wrong hidden size", [&] { rnn.forward(x, zeros({2, 5})); },
       "RNNCell: hidden state h has shape (2,5), expected (2,4)"},
      {"h of the wrong batch", [&] { gru.forward(x, zeros({3, 4})); },
       "GRUCell: hidden state h has shape (3,4), expected (2,4)"},
      {"h of a sequence layer's shape", [&] { lstm.forward(x, {zeros({1, 2, 4}), {}}); },
       "LSTMCell: hidden state h has shape (1,2,4), expected (2,4)"},
      {"c of the wrong hidden size", [&] { lstm.forward(x, {zeros({2, 4}), zeros({2, 3})}); },
       "LSTMCell: cell state c has shape (2,3), expected (2,4)"},
  });
  // clang-format on
}

TEST_CASE("bad input: Linear and Embedding") {
  Linear<double> linear(3, 2);
  Embedding<double> embedding(10, 4);
  // One row per entry, kept as a table.
  // clang-format off
  check_table({
      {"wrong input width", [&] { linear.forward(zeros({2, 7})); },
       "Linear: input of shape (2,7), expected (..., 3) with at least 2 axes"},
      {"one axis", [&] { linear.forward(zeros({3})); },
       "Linear: input of shape (3,), expected (..., 3) with at least 2 axes"},
      {"undefined input", [&] { linear.forward(Tensor<double>()); },
       "Linear: input is undefined, expected (..., 3) with at least 2 axes"},
      {"index out of range", [&] { embedding.forward({1, 10, 2}); },
       "Embedding: index 10 is out of range for weight (10,4)"},
      {"one-hot rows of the wrong width", [&] { embedding.forward_one_hot(zeros({2, 9})); },
       "Embedding: one-hot input of shape (2,9), expected (N, 10)"},
  });
  // clang-format on
}

TEST_CASE("bad input: checkpoints of another model, unreadable and unwritable paths") {
  TempDir dir;
  const std::string path = dir.file("lstm.safetensors");
  LSTM<double> saved(lstm_options(4));
  save_safetensors(path, parameter_arrays(saved));
  LSTM<double> wider(lstm_options(5));
  LSTM<double> deeper(lstm_options(4, 2));
  Adam<double> saved_adam(saved.parameters());
  Adam<double> wider_adam(wider.parameters());

  // A regular file where a directory should be: unwritable even for root, unlike chmod.
  const std::string regular_file = dir.file("not_a_directory");
  std::ofstream(regular_file) << "x";
  const std::string under_file = regular_file + "/model.safetensors";
  const std::string no_dir = dir.file("no_such_directory") + "/model.safetensors";
  const std::string pid = std::to_string(::getpid());
  const Array<double> before = wider.parameter("weight_ih_l0").value();

  // One row per entry, kept as a table.
  // clang-format off
  check_table({
      {"parameters of a wider model",
       [&] { load_parameters(wider, load_safetensors<double>(path), path); },
       "safetensors " + path +
           ": tensor 'weight_ih_l0' has shape (16,3), the model's parameter has (20,3)"},
      {"parameters of a shallower model",
       [&] { load_parameters(deeper, load_safetensors<double>(path), path); },
       "safetensors " + path +
           ": tensor 'weight_ih_l1' is missing (the LSTM parameter 'weight_ih_l1')"},
      {"optimizer state of a wider model", [&] { wider_adam.load_state(saved_adam.state()); },
       "Adam: load_state: array 'state.0.exp_avg' has shape (16,3) but parameter 0 has shape "
       "(20,3)"},
      {"a checkpoint that does not exist", [&] { load_safetensors<double>(no_dir); },
       "safetensors " + no_dir + ": cannot open: No such file or directory"},
      {"saving into a directory that does not exist",
       [&] { save_safetensors(no_dir, parameter_arrays(saved)); },
       "safetensors " + no_dir + ": cannot create " + no_dir + ".tmp-" + pid +
           ": No such file or directory"},
      {"saving under a regular file",
       [&] { save_safetensors(under_file, parameter_arrays(saved)); },
       "safetensors " + under_file + ": cannot create " + under_file + ".tmp-" + pid +
           ": Not a directory"},
  });
  // clang-format on
  // A failed load changes nothing.
  CHECK(wider.parameter("weight_ih_l0").value() == before);
}

// NOTE [empty inputs]: B = 0 is not an error anywhere; outputs and gradients have 0 rows.
TEST_CASE("empty batch: B = 0 gives outputs with 0 rows and zero gradients, as in PyTorch") {
  LSTM<double> lstm(lstm_options(4, 2, true));
  const SequenceOutput<double> out = lstm.forward(zeros({5, 0, 3}));
  CHECK(out.output.shape() == Shape{5, 0, 8});
  CHECK(out.h_n.shape() == Shape{4, 0, 4});
  CHECK(out.c_n.shape() == Shape{4, 0, 4});
  sum(out.output).backward();
  for (const auto& [name, parameter] : lstm.named_parameters()) {
    CAPTURE(name);
    REQUIRE(parameter.grad().defined());
    CHECK(parameter.grad().shape() == parameter.shape());
    CHECK(xt::all(xt::equal(parameter.grad().value(), 0.0)));
  }
  tape().reset();

  GRU<double> gru({{.input_size = 3, .hidden_size = 4}, {}});
  CHECK(gru.forward(zeros({5, 0, 3}), zeros({1, 0, 4})).h_n.shape() == Shape{1, 0, 4});
  RNNCell<double> rnn_cell({.input_size = 3, .hidden_size = 4});
  CHECK(rnn_cell.forward(zeros({0, 3})).shape() == Shape{0, 4});
  LSTMCell<double> lstm_cell({.input_size = 3, .hidden_size = 4});
  CHECK(lstm_cell.forward(zeros({0, 3})).c.shape() == Shape{0, 4});
  Linear<double> linear(3, 2);
  CHECK(linear.forward(zeros({0, 3})).shape() == Shape{0, 2});
  CHECK(linear.forward(zeros({5, 0, 3})).shape() == Shape{5, 0, 2});
  Embedding<double> embedding(10, 4);
  CHECK(embedding.forward(std::vector<std::size_t>{}).shape() == Shape{0, 4});
  tape().reset();
}
