// Every cell against finite differences (first and second order), the cells' equations against
// plain array arithmetic, and the worked example of Notes C.
#include <doctest/doctest.h>

#include <cmath>
#include <xtensor/xview.hpp>

#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "layers/cells.hpp"
#include "layers/linear.hpp"
#include "test_layers_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

// The hidden outputs h_1..h_T (T, B, H) of a cell run over x (T, B, D) from `initial`
// (empty: zeros; else h0, and c0 for the LSTM).
Tensor<double> unroll(const RNNCell<double>& cell, const Tensor<double>& x,
                      const std::vector<Tensor<double>>& initial) {
  Tensor<double> h = initial.empty() ? Tensor<double>() : initial[0];
  std::vector<Tensor<double>> hs;
  for (std::size_t t = 0; t < x.shape()[0]; ++t) hs.push_back(h = cell.forward(select(x, 0, t), h));
  return stack(hs, 0);
}

Tensor<double> unroll(const GRUCell<double>& cell, const Tensor<double>& x,
                      const std::vector<Tensor<double>>& initial) {
  Tensor<double> h = initial.empty() ? Tensor<double>() : initial[0];
  std::vector<Tensor<double>> hs;
  for (std::size_t t = 0; t < x.shape()[0]; ++t) hs.push_back(h = cell.forward(select(x, 0, t), h));
  return stack(hs, 0);
}

Tensor<double> unroll(const LSTMCell<double>& cell, const Tensor<double>& x,
                      const std::vector<Tensor<double>>& initial,
                      const VariationalMasks<double>& masks = {}) {
  LSTMState<double> state;
  if (!initial.empty()) state = {initial[0], initial[1]};
  std::vector<Tensor<double>> hs;
  for (std::size_t t = 0; t < x.shape()[0]; ++t) {
    state = cell.forward(select(x, 0, t), state, masks);
    hs.push_back(state.h);
  }
  return stack(hs, 0);
}

std::vector<std::size_t> state_sizes(const RNNCell<double>& cell) {
  return {cell.options().hidden_size};
}
std::vector<std::size_t> state_sizes(const GRUCell<double>& cell) {
  return {cell.options().hidden_size};
}
std::vector<std::size_t> state_sizes(const LSTMCell<double>& cell) {
  return {cell.output_size(), cell.options().hidden_size};
}

struct CheckSetup {
  std::size_t steps = 1, batch = 1;
  bool with_state = false;
  bool second_order = false;
  double step = 1e-3;  // of the finite differences
};

// gradcheck (or gradgradcheck) of the stacked hidden outputs with respect to x, the initial
// state (if given) and every parameter of the cell.
template <class Cell, class... Masks>
GradcheckReport check_cell(Cell& cell, const CheckSetup& setup, const Masks&... masks) {
  std::mt19937_64 engine(1000 * setup.steps + 10 * setup.batch + setup.with_state);
  std::vector<Array<double>> inputs{
      random_array({setup.steps, setup.batch, cell.options().input_size}, engine)};
  std::size_t state_count = 0;
  if (setup.with_state)
    for (std::size_t size : state_sizes(cell)) {
      inputs.push_back(random_array({setup.batch, size}, engine, 0.5));
      ++state_count;
    }
  const std::vector<std::string> names = parameter_names(cell);
  for (auto& value : parameter_values(cell)) inputs.push_back(value);
  auto f = [&](const std::vector<Tensor<double>>& xs) {
    bind_parameters(cell, names, xs, 1 + state_count);
    std::vector<Tensor<double>> initial(xs.begin() + 1, xs.begin() + 1 + state_count);
    return unroll(cell, xs[0], initial, masks...);
  };
  GradcheckOptions options;
  options.step = setup.step;
  return setup.second_order ? gradgradcheck(f, inputs, options) : gradcheck(f, inputs, options);
}

// Every shape and length the issue asks for, with and without an initial state.
template <class MakeCell>
void check_all_shapes(MakeCell&& make_cell, double step = 1e-3) {
  struct Size {
    std::size_t batch, input, hidden;
  };
  for (Size size : {Size{1, 1, 1}, Size{2, 3, 4}, Size{3, 2, 2}})
    for (std::size_t steps : {1, 5})
      for (bool with_state : {false, true}) {
        auto cell = make_cell(size.input, size.hidden);
        CAPTURE(size.batch);
        CAPTURE(size.input);
        CAPTURE(size.hidden);
        CAPTURE(steps);
        CAPTURE(with_state);
        const auto report = check_cell(*cell, {steps, size.batch, with_state, false, step});
        INFO(report.str());
        CHECK(report.passed(1e-6));
      }
}

template <class Cell, class Options>
auto maker(Options options) {
  return [options](std::size_t input, std::size_t hidden) mutable {
    options.input_size = input;
    options.hidden_size = hidden;
    return std::make_unique<Cell>(options, 42);
  };
}

// x W^T for x (N, K) and W (M, K), in plain loops: an independent reference for matmul.
Array<double> times_transpose(const Array<double>& x, const Array<double>& w) {
  Array<double> out = xt::zeros<double>({x.shape()[0], w.shape()[0]});
  for (std::size_t n = 0; n < x.shape()[0]; ++n)
    for (std::size_t m = 0; m < w.shape()[0]; ++m)
      for (std::size_t k = 0; k < x.shape()[1]; ++k) out(n, m) += x(n, k) * w(m, k);
  return out;
}
Array<double> sigma(const Array<double>& x) { return 1.0 / (1.0 + xt::exp(-x)); }
Array<double> block(const Array<double>& a, std::size_t index, std::size_t size) {
  return a.dimension() == 1
             ? Array<double>(xt::view(a, xt::range(index * size, (index + 1) * size)))
             : Array<double>(xt::view(a, xt::all(), xt::range(index * size, (index + 1) * size)));
}
Array<double> rows(const Array<double>& a, std::size_t index, std::size_t size) {
  return xt::view(a, xt::range(index * size, (index + 1) * size), xt::all());
}

}  // namespace

TEST_CASE("Notes C worked example: h_1 = tanh([0.5, 0.1]), y_1 = W_y h_1") {
  RNNCell<double> cell({.input_size = 2, .hidden_size = 2});
  // W_x = I, so that the input term W_x x_1 is x_1 = [0.5, 0.1] itself.
  cell.set_parameter("weight_ih", Array<double>{{1, 0}, {0, 1}});
  cell.set_parameter("weight_hh", Array<double>{{0.4, 0.2}, {0.3, 0.7}});
  cell.set_parameter("bias_ih", Array<double>{0, 0});
  cell.set_parameter("bias_hh", Array<double>{0, 0});
  Linear<double> readout(2, 1);
  readout.set_parameter("weight", Array<double>{{1, -1}});
  readout.set_parameter("bias", Array<double>{0});

  const Tensor<double> h1 = cell.forward(Tensor<double>(Array<double>{{0.5, 0.1}}),
                                         Tensor<double>(Array<double>{{0, 0}}));
  CHECK(std::abs(h1.value()(0, 0) - 0.4621) < 1e-4);
  CHECK(std::abs(h1.value()(0, 1) - 0.0997) < 1e-4);
  const Tensor<double> y1 = readout.forward(h1);
  CHECK(std::abs(y1.item() - 0.3624) < 1e-4);
}

TEST_CASE("RNNCell tanh: gradcheck for T in {1, 5}, several shapes, with and without h0") {
  check_all_shapes(maker<RNNCell<double>>(RNNCellOptions{}));
}

TEST_CASE("RNNCell relu: gradcheck for T in {1, 5}, several shapes, with and without h0") {
  // A small step keeps every perturbation on one side of relu's kink.
  check_all_shapes(maker<RNNCell<double>>(RNNCellOptions{.nonlinearity = Nonlinearity::relu}),
                   1e-5);
}

TEST_CASE("LSTMCell: gradcheck for T in {1, 5}, several shapes, with and without (h0, c0)") {
  check_all_shapes(maker<LSTMCell<double>>(LSTMCellOptions{}));
}

TEST_CASE(
    "GRUCell, PyTorch's variant: gradcheck for T in {1, 5}, several shapes, with and without h0") {
  check_all_shapes(maker<GRUCell<double>>(GRUCellOptions{.variant = GRUVariant::pytorch}));
}

TEST_CASE(
    "GRUCell, original variant: gradcheck for T in {1, 5}, several shapes, with and without h0") {
  check_all_shapes(maker<GRUCell<double>>(GRUCellOptions{.variant = GRUVariant::original}));
}

TEST_CASE("cells without biases: gradcheck, and no bias parameters") {
  RNNCell<double> rnn({.input_size = 2, .hidden_size = 3, .bias = false});
  LSTMCell<double> lstm({.input_size = 2, .hidden_size = 3, .bias = false});
  GRUCell<double> gru(
      {.input_size = 2, .hidden_size = 3, .bias = false, .variant = GRUVariant::original});
  CHECK(parameter_names(rnn) == std::vector<std::string>{"weight_ih", "weight_hh"});
  CHECK(parameter_names(lstm) == std::vector<std::string>{"weight_ih", "weight_hh"});
  CHECK(parameter_names(gru) == std::vector<std::string>{"weight_ih", "weight_hh"});
  CHECK(check_cell(rnn, {3, 2, true}).passed(1e-6));
  CHECK(check_cell(lstm, {3, 2, true}).passed(1e-6));
  CHECK(check_cell(gru, {3, 2, true}).passed(1e-6));
}

TEST_CASE("T = 50: gradcheck through a long unroll") {
  RNNCell<double> rnn({.input_size = 2, .hidden_size = 3}, 3);
  auto report = check_cell(rnn, {50, 2, true});
  INFO(report.str());
  CHECK(report.passed(1e-6));
  LSTMCell<double> lstm({.input_size = 1, .hidden_size = 1}, 3);
  report = check_cell(lstm, {50, 1, true});
  INFO(report.str());
  CHECK(report.passed(1e-6));
}

TEST_CASE("second order: gradgradcheck of every cell at T = 3") {
  RNNCell<double> rnn_tanh({.input_size = 2, .hidden_size = 3}, 5);
  RNNCell<double> rnn_relu({.input_size = 2, .hidden_size = 3, .nonlinearity = Nonlinearity::relu},
                           5);
  LSTMCell<double> lstm({.input_size = 2, .hidden_size = 3}, 5);
  LSTMCell<double> lstm_options(
      {.input_size = 2, .hidden_size = 3, .peephole = true, .proj_size = 2, .layer_norm = true}, 5);
  GRUCell<double> gru_pytorch({.input_size = 2, .hidden_size = 3}, 5);
  GRUCell<double> gru_original({.input_size = 2, .hidden_size = 3, .variant = GRUVariant::original},
                               5);
  const CheckSetup setup{.steps = 3, .batch = 2, .with_state = true, .second_order = true};
  GradcheckReport report;
  SUBCASE("rnn tanh") { report = check_cell(rnn_tanh, setup); }
  SUBCASE("rnn relu") {
    CheckSetup small_step = setup;
    small_step.step = 1e-5;
    report = check_cell(rnn_relu, small_step);
  }
  SUBCASE("lstm") { report = check_cell(lstm, setup); }
  SUBCASE("lstm with peephole, projection and layer norm") {
    report = check_cell(lstm_options, setup);
  }
  SUBCASE("gru pytorch") { report = check_cell(gru_pytorch, setup); }
  SUBCASE("gru original") { report = check_cell(gru_original, setup); }
  INFO(report.str());
  CHECK(report.passed(1e-6));
}

TEST_CASE("LSTMCell options: gradcheck of each option and all together") {
  struct Option {
    const char* name;
    LSTMCellOptions options;
    bool masks = false;
  };
  const std::vector<Option> variants{
      {"peephole", {.peephole = true}},
      {"projection", {.proj_size = 1}},
      {"layer norm", {.layer_norm = true}},
      {"variational dropout", {.input_dropout = 0.3, .hidden_dropout = 0.4}, true},
      {"all",
       {.peephole = true,
        .proj_size = 1,
        .layer_norm = true,
        .input_dropout = 0.3,
        .hidden_dropout = 0.4},
       true},
  };
  struct Size {
    std::size_t batch, input, hidden;
  };
  for (const auto& variant : variants)
    for (Size size : {Size{1, 1, 2}, Size{2, 3, 4}})
      for (std::size_t steps : {1, 5})
        for (bool with_state : {false, true}) {
          LSTMCellOptions options = variant.options;
          options.input_size = size.input;
          options.hidden_size = size.hidden;
          LSTMCell<double> cell(options, 11);
          // Fixed masks: gradcheck needs the same function at every evaluation.
          Generator generator(3);
          const VariationalMasks<double> masks = variant.masks
                                                     ? cell.dropout_masks(size.batch, generator)
                                                     : VariationalMasks<double>{};
          const std::string name = variant.name;
          CAPTURE(name);
          CAPTURE(size.batch);
          CAPTURE(size.hidden);
          CAPTURE(steps);
          CAPTURE(with_state);
          // A smaller step than the default: layer norm over H = 2 features is nearly a sign
          // function, whose high derivatives make the 1e-3 stencil err by a few 1e-6.
          const auto report = check_cell(cell, {steps, size.batch, with_state, false, 1e-4}, masks);
          INFO(report.str());
          CHECK(report.passed(1e-6));
        }
}

TEST_CASE("LSTMCell options add their parameters, named and shaped") {
  LSTMCell<double> cell(
      {.input_size = 3, .hidden_size = 4, .peephole = true, .proj_size = 2, .layer_norm = true});
  std::vector<std::pair<std::string, Shape>> expected{
      {"weight_ih", {16, 3}},      {"weight_hh", {16, 2}},   {"bias_ih", {16}},  {"bias_hh", {16}},
      {"weight_hr", {2, 4}},       {"weight_ci", {4}},       {"weight_cf", {4}}, {"weight_co", {4}},
      {"layer_norm_weight", {16}}, {"layer_norm_bias", {16}}};
  std::vector<std::pair<std::string, Shape>> actual;
  for (const auto& [name, parameter] : cell.named_parameters())
    actual.emplace_back(name, parameter.shape());
  CHECK(actual == expected);
  CHECK(xt::all(xt::equal(cell.layer_norm_weight.value(), 1.0)));
  CHECK(xt::all(xt::equal(cell.layer_norm_bias.value(), 0.0)));
  const LSTMState<double> state =
      cell.forward(Tensor<double>(Array<double>(xt::ones<double>({5, 3}))));
  CHECK(state.h.shape() == Shape{5, 2});
  CHECK(state.c.shape() == Shape{5, 4});
}

TEST_CASE("LSTMCell equations, every option on, against plain array arithmetic") {
  const std::size_t B = 2, D = 3, H = 4, P = 2;
  LSTMCell<double> cell({.input_size = D,
                         .hidden_size = H,
                         .peephole = true,
                         .proj_size = P,
                         .layer_norm = true,
                         .input_dropout = 0.5,
                         .hidden_dropout = 0.5},
                        9);
  std::mt19937_64 engine(4);
  // Layer-norm gain and bias away from their identity start, so that both matter.
  cell.set_parameter("layer_norm_weight", random_array({4 * H}, engine));
  cell.set_parameter("layer_norm_bias", random_array({4 * H}, engine));
  const Array<double> x = random_array({B, D}, engine), h = random_array({B, P}, engine),
                      c = random_array({B, H}, engine);
  Generator generator(1);
  const VariationalMasks<double> masks = cell.dropout_masks(B, generator);
  REQUIRE(masks.input.defined());
  REQUIRE(masks.hidden.defined());

  const LSTMState<double> next =
      cell.forward(Tensor<double>(x), {Tensor<double>(h), Tensor<double>(c)}, masks);

  Array<double> gates = times_transpose(x * masks.input.value(), cell.weight_ih.value()) +
                        times_transpose(h * masks.hidden.value(), cell.weight_hh.value()) +
                        cell.bias_ih.value() + cell.bias_hh.value();
  for (std::size_t k = 0; k < 4; ++k) {
    Array<double> z = block(gates, k, H);
    for (std::size_t b = 0; b < B; ++b) {
      double mu = 0, variance = 0;
      for (std::size_t j = 0; j < H; ++j) mu += z(b, j) / H;
      for (std::size_t j = 0; j < H; ++j) variance += (z(b, j) - mu) * (z(b, j) - mu) / H;
      for (std::size_t j = 0; j < H; ++j) z(b, j) = (z(b, j) - mu) / std::sqrt(variance + 1e-5);
    }
    xt::view(gates, xt::all(), xt::range(k * H, (k + 1) * H)) =
        z * block(cell.layer_norm_weight.value(), k, H) + block(cell.layer_norm_bias.value(), k, H);
  }
  const Array<double> i = sigma(block(gates, 0, H) + cell.weight_ci.value() * c);
  const Array<double> f = sigma(block(gates, 1, H) + cell.weight_cf.value() * c);
  const Array<double> g = xt::tanh(block(gates, 2, H));
  const Array<double> c_next = f * c + i * g;
  const Array<double> o = sigma(block(gates, 3, H) + cell.weight_co.value() * c_next);
  const Array<double> h_next = times_transpose(o * xt::tanh(c_next), cell.weight_hr.value());

  CHECK(max_abs_diff(next.c.value(), c_next) < 1e-12);
  CHECK(max_abs_diff(next.h.value(), h_next) < 1e-12);
}

TEST_CASE("GRUCell equations, both variants, against plain array arithmetic") {
  const std::size_t B = 3, D = 2, H = 3;
  std::mt19937_64 engine(8);
  const Array<double> x = random_array({B, D}, engine), h = random_array({B, H}, engine);
  GRUCell<double> pytorch({.input_size = D, .hidden_size = H, .variant = GRUVariant::pytorch}, 2);
  GRUCell<double> original({.input_size = D, .hidden_size = H, .variant = GRUVariant::original}, 2);
  REQUIRE(max_abs_diff(pytorch.weight_hh.value(), original.weight_hh.value()) == 0);

  const Array<double> input_part =
      times_transpose(x, pytorch.weight_ih.value()) + pytorch.bias_ih.value();
  const Array<double>& w_hh = pytorch.weight_hh.value();
  const Array<double>& b_hh = pytorch.bias_hh.value();
  const Array<double> r =
      sigma(block(input_part, 0, H) + times_transpose(h, rows(w_hh, 0, H)) + block(b_hh, 0, H));
  const Array<double> z =
      sigma(block(input_part, 1, H) + times_transpose(h, rows(w_hh, 1, H)) + block(b_hh, 1, H));
  // PyTorch: the reset gate scales W_hn h + b_hn; original: it scales h before W_hn.
  const Array<double> n_pytorch = xt::tanh(
      block(input_part, 2, H) + r * (times_transpose(h, rows(w_hh, 2, H)) + block(b_hh, 2, H)));
  const Array<double> n_original = xt::tanh(
      block(input_part, 2, H) + times_transpose(r * h, rows(w_hh, 2, H)) + block(b_hh, 2, H));

  const Array<double> h_pytorch = pytorch.forward(Tensor<double>(x), Tensor<double>(h)).value();
  const Array<double> h_original = original.forward(Tensor<double>(x), Tensor<double>(h)).value();
  CHECK(max_abs_diff(h_pytorch, Array<double>((1.0 - z) * n_pytorch + z * h)) < 1e-12);
  CHECK(max_abs_diff(h_original, Array<double>((1.0 - z) * n_original + z * h)) < 1e-12);
  // The variants are different functions.
  CHECK(max_abs_diff(h_pytorch, h_original) > 1e-3);
}

TEST_CASE("cells reject mis-shaped inputs and states, naming the cell and the shapes") {
  LSTMCell<double> cell({.input_size = 3, .hidden_size = 4});
  const Tensor<double> x(Array<double>(xt::zeros<double>({2, 5})));
  CHECK_THROWS_WITH_AS(cell.forward(x), "LSTMCell: input x has shape (2,5), expected (B,3)", Error);
  const Tensor<double> good_x(Array<double>(xt::zeros<double>({2, 3})));
  const Tensor<double> bad_h(Array<double>(xt::zeros<double>({3, 4})));
  CHECK_THROWS_WITH_AS(cell.forward(good_x, {bad_h, {}}),
                       "LSTMCell: hidden state h has shape (3,4), expected (2,4)", Error);
  CHECK_THROWS_AS(LSTMCell<double>({.input_size = 3, .hidden_size = 4, .proj_size = 4}), Error);
  CHECK_THROWS_AS(RNNCell<double>({.input_size = 0, .hidden_size = 4}), Error);
}

TEST_CASE("default initialisation is uniform(-1/sqrt(H), 1/sqrt(H)) and seeded") {
  LSTMCell<double> a({.input_size = 5, .hidden_size = 16}, 1),
      b({.input_size = 5, .hidden_size = 16}, 1), c({.input_size = 5, .hidden_size = 16}, 2);
  for (const auto& [name, parameter] : a.named_parameters()) {
    CHECK(xt::amax(xt::abs(parameter.value()))() <= 0.25);
    CHECK(xt::amax(xt::abs(parameter.value()))() > 0.2);  // the bound is reached closely
    CHECK(max_abs_diff(parameter.value(), b.parameter(name).value()) == 0);
    CHECK(max_abs_diff(parameter.value(), c.parameter(name).value()) > 0);
  }
}
