// Outputs and gradients of the cells and sequence layers against PyTorch 1.13's, from the
// reference files tests/pytorch/make_reference.py writes to tests/pytorch/data. Without those
// files, these test cases are skipped (with a message saying how to create them).
#include <doctest/doctest.h>

#include <filesystem>
#include <iostream>
#include <xtensor/xnpy.hpp>

#include "autodiff/ops.hpp"
#include "layers/cells.hpp"
#include "layers/recurrent.hpp"
#include "test_layers_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

const std::filesystem::path kDataDir =
    std::filesystem::path(__FILE__).parent_path() / "pytorch" / "data";

bool reference_data_missing() {
  const bool missing = !std::filesystem::exists(kDataDir / "lstm_layer" / "y.npy");
  if (missing)
    std::cerr << "layers_tests: no PyTorch reference data in " << kDataDir.string()
              << "; skipping the PyTorch cross-checks. Create it with: /usr/bin/python3 "
                 "tests/pytorch/make_reference.py\n";
  return missing;
}
const bool kSkipPytorch = reference_data_missing();

Array<double> load(const std::filesystem::path& dir, const std::string& name) {
  const std::filesystem::path file = dir / (name + ".npy");
  if (!std::filesystem::exists(file))
    throw Error("PyTorch reference: missing file " + file.string());
  return Array<double>(xt::load_npy<double>(file.string()));
}

// |ours - theirs| relative to the size of theirs (at least 1).
double relative_error(const Array<double>& ours, const Array<double>& theirs) {
  REQUIRE(ours.shape() == theirs.shape());
  const double scale = std::max(1.0, double(xt::amax(xt::abs(theirs))()));
  return max_abs_diff(ours, theirs) / scale;
}

template <class M>
void load_parameters(M& module, const std::filesystem::path& dir) {
  for (const auto& [name, parameter] : module.named_parameters())
    module.set_parameter(name, load(dir, name));
}

template <class M>
void check_parameter_gradients(const M& module, const std::filesystem::path& dir) {
  for (const auto& [name, parameter] : module.named_parameters()) {
    CAPTURE(name);
    CHECK(relative_error(parameter.grad().value(), load(dir, "grad_" + name)) < 1e-12);
  }
}

template <class Cell>
void check_cell(const std::string& case_name, Cell& cell) {
  constexpr bool is_lstm = std::is_same_v<Cell, LSTMCell<double>>;
  const std::filesystem::path dir = kDataDir / case_name;
  CAPTURE(case_name);
  load_parameters(cell, dir);
  const Tensor<double> x(load(dir, "x"), true), h0(load(dir, "h0"), true);
  Tensor<double> c0;
  if constexpr (is_lstm) c0 = Tensor<double>(load(dir, "c0"), true);

  std::vector<Tensor<double>> hs;
  if constexpr (is_lstm) {
    LSTMState<double> state{h0, c0};
    for (std::size_t t = 0; t < x.shape()[0]; ++t)
      hs.push_back((state = cell.forward(select(x, 0, t), state)).h);
  } else {
    Tensor<double> h = h0;
    for (std::size_t t = 0; t < x.shape()[0]; ++t)
      hs.push_back(h = cell.forward(select(x, 0, t), h));
  }
  const Tensor<double> y = stack(hs, 0);
  CHECK(relative_error(y.value(), load(dir, "y")) < 1e-12);

  sum(y * Tensor<double>(load(dir, "gy"))).backward();
  CHECK(relative_error(x.grad().value(), load(dir, "grad_x")) < 1e-12);
  CHECK(relative_error(h0.grad().value(), load(dir, "grad_h0")) < 1e-12);
  if constexpr (is_lstm) CHECK(relative_error(c0.grad().value(), load(dir, "grad_c0")) < 1e-12);
  check_parameter_gradients(cell, dir);
  tape().reset();
}

template <class Layer>
void check_layer(const std::string& case_name, Layer& layer) {
  constexpr bool is_lstm = std::is_same_v<Layer, LSTM<double>>;
  const std::filesystem::path dir = kDataDir / case_name;
  CAPTURE(case_name);
  load_parameters(layer, dir);
  const Tensor<double> x(load(dir, "x"), true), h0(load(dir, "h0"), true);
  std::vector<std::size_t> lengths;
  for (auto length : xt::load_npy<std::int64_t>((dir / "lengths.npy").string()))
    lengths.push_back(static_cast<std::size_t>(length));

  SequenceOutput<double> out;
  Tensor<double> c0;
  if constexpr (is_lstm) {
    c0 = Tensor<double>(load(dir, "c0"), true);
    out = layer.forward(x, {h0, c0}, lengths);
  } else {
    out = layer.forward(x, h0, lengths);
  }
  CHECK(relative_error(out.output.value(), load(dir, "y")) < 1e-12);
  CHECK(relative_error(out.h_n.value(), load(dir, "h_n")) < 1e-12);
  if constexpr (is_lstm) CHECK(relative_error(out.c_n.value(), load(dir, "c_n")) < 1e-12);

  Tensor<double> loss = sum(out.output * Tensor<double>(load(dir, "gy"))) +
                        sum(out.h_n * Tensor<double>(load(dir, "gh")));
  if constexpr (is_lstm) loss = loss + sum(out.c_n * Tensor<double>(load(dir, "gc")));
  loss.backward();
  CHECK(relative_error(x.grad().value(), load(dir, "grad_x")) < 1e-12);
  CHECK(relative_error(h0.grad().value(), load(dir, "grad_h0")) < 1e-12);
  if constexpr (is_lstm) CHECK(relative_error(c0.grad().value(), load(dir, "grad_c0")) < 1e-12);
  check_parameter_gradients(layer, dir);
  tape().reset();
}

}  // namespace

TEST_CASE("PyTorch cross-check: cells unrolled over 4 steps, outputs and gradients" *
          doctest::skip(kSkipPytorch)) {
  RNNCell<double> rnn_tanh({.input_size = 2, .hidden_size = 3});
  RNNCell<double> rnn_relu({.input_size = 2, .hidden_size = 3, .nonlinearity = Nonlinearity::relu});
  LSTMCell<double> lstm({.input_size = 2, .hidden_size = 3});
  GRUCell<double> gru({.input_size = 2, .hidden_size = 3});
  check_cell("rnn_tanh_cell", rnn_tanh);
  check_cell("rnn_relu_cell", rnn_relu);
  check_cell("lstm_cell", lstm);
  check_cell("gru_cell", gru);
}

TEST_CASE("PyTorch cross-check: 2-layer sequence layers over packed variable-length batches" *
          doctest::skip(kSkipPytorch)) {
  LSTM<double> lstm({{.input_size = 2, .hidden_size = 3, .proj_size = 2},
                     {.num_layers = 2, .bidirectional = true}});
  GRU<double> gru({{.input_size = 2, .hidden_size = 3}, {.num_layers = 2, .bidirectional = true}});
  RNN<double> rnn(
      {{.input_size = 2, .hidden_size = 3, .nonlinearity = Nonlinearity::relu}, {.num_layers = 2}});
  check_layer("lstm_layer", lstm);
  check_layer("gru_layer", gru);
  check_layer("rnn_relu_layer", rnn);
}
