// Sequence layers: PyTorch's parameter names and shapes, agreement with the cells they stack,
// variable-length batches, dropout between layers, gradcheck through layers and directions.
#include <doctest/doctest.h>

#include <algorithm>

#include <xtensor/xview.hpp>

#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "layers/recurrent.hpp"
#include "test_layers_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

using NamedShapes = std::vector<std::pair<std::string, Shape>>;

template <class M>
NamedShapes named_shapes(const M& module) {
  NamedShapes out;
  for (const auto& [name, parameter] : module.named_parameters())
    out.emplace_back(name, parameter.shape());
  return out;
}

// The hidden outputs of one cell over x (T, B, D), forward or in reverse (outputs stay at
// their own time index), with the final state.
struct Run {
  std::vector<Tensor<double>> outputs;
  LSTMState<double> final_state;
};

Run run_cell(const LSTMCell<double>& cell, const Tensor<double>& x, LSTMState<double> state,
             bool reverse) {
  const std::size_t steps = x.shape()[0];
  Run run{std::vector<Tensor<double>>(steps), {}};
  for (std::size_t k = 0; k < steps; ++k) {
    const std::size_t t = reverse ? steps - 1 - k : k;
    state = cell.forward(select(x, 0, t), state);
    run.outputs[t] = state.h;
  }
  run.final_state = state;
  return run;
}

Run run_cell(const GRUCell<double>& cell, const Tensor<double>& x, LSTMState<double> state,
             bool reverse) {
  const std::size_t steps = x.shape()[0];
  Run run{std::vector<Tensor<double>>(steps), {}};
  for (std::size_t k = 0; k < steps; ++k) {
    const std::size_t t = reverse ? steps - 1 - k : k;
    state.h = cell.forward(select(x, 0, t), state.h);
    run.outputs[t] = state.h;
  }
  run.final_state = state;
  return run;
}

// The sequence layer written out by hand from its cells: layer by layer, both directions,
// the next layer reading the concatenated outputs.
template <class Layer>
SequenceOutput<double> by_hand(Layer& layer, const Tensor<double>& x, const Tensor<double>& h0,
                               const Tensor<double>& c0) {
  Tensor<double> input = x;
  std::vector<Tensor<double>> hs, cs;
  for (std::size_t l = 0; l < layer.num_layers(); ++l) {
    std::vector<Tensor<double>> per_step(x.shape()[0]);
    std::vector<std::vector<Tensor<double>>> directions;
    for (std::size_t d = 0; d < layer.num_directions(); ++d) {
      const std::size_t row = l * layer.num_directions() + d;
      LSTMState<double> initial{select(h0, 0, row),
                                c0.defined() ? select(c0, 0, row) : Tensor<double>()};
      Run run = run_cell(layer.cell(l, d), input, initial, d == 1);
      directions.push_back(run.outputs);
      hs.push_back(run.final_state.h);
      if (c0.defined()) cs.push_back(run.final_state.c);
    }
    for (std::size_t t = 0; t < per_step.size(); ++t) {
      std::vector<Tensor<double>> parts;
      for (const auto& outputs : directions) parts.push_back(outputs[t]);
      per_step[t] = concat(parts, 1);
    }
    input = stack(per_step, 0);
  }
  return {input, stack(hs, 0), c0.defined() ? stack(cs, 0) : Tensor<double>()};
}

}  // namespace

TEST_CASE("named_parameters: PyTorch's names and shapes for multi-layer bidirectional layers") {
  // Printed by PyTorch 1.13: [(n, tuple(p.shape)) for n, p in module.named_parameters()].
  LSTM<double> lstm(
      {{.input_size = 3, .hidden_size = 4}, {.num_layers = 2, .bidirectional = true}});
  CHECK(named_shapes(lstm) == NamedShapes{{"weight_ih_l0", {16, 3}},
                                          {"weight_hh_l0", {16, 4}},
                                          {"bias_ih_l0", {16}},
                                          {"bias_hh_l0", {16}},
                                          {"weight_ih_l0_reverse", {16, 3}},
                                          {"weight_hh_l0_reverse", {16, 4}},
                                          {"bias_ih_l0_reverse", {16}},
                                          {"bias_hh_l0_reverse", {16}},
                                          {"weight_ih_l1", {16, 8}},
                                          {"weight_hh_l1", {16, 4}},
                                          {"bias_ih_l1", {16}},
                                          {"bias_hh_l1", {16}},
                                          {"weight_ih_l1_reverse", {16, 8}},
                                          {"weight_hh_l1_reverse", {16, 4}},
                                          {"bias_ih_l1_reverse", {16}},
                                          {"bias_hh_l1_reverse", {16}}});

  LSTM<double> projected({{.input_size = 3, .hidden_size = 4, .proj_size = 2},
                          {.num_layers = 2, .bidirectional = true}});
  CHECK(named_shapes(projected) == NamedShapes{{"weight_ih_l0", {16, 3}},
                                               {"weight_hh_l0", {16, 2}},
                                               {"bias_ih_l0", {16}},
                                               {"bias_hh_l0", {16}},
                                               {"weight_hr_l0", {2, 4}},
                                               {"weight_ih_l0_reverse", {16, 3}},
                                               {"weight_hh_l0_reverse", {16, 2}},
                                               {"bias_ih_l0_reverse", {16}},
                                               {"bias_hh_l0_reverse", {16}},
                                               {"weight_hr_l0_reverse", {2, 4}},
                                               {"weight_ih_l1", {16, 4}},
                                               {"weight_hh_l1", {16, 2}},
                                               {"bias_ih_l1", {16}},
                                               {"bias_hh_l1", {16}},
                                               {"weight_hr_l1", {2, 4}},
                                               {"weight_ih_l1_reverse", {16, 4}},
                                               {"weight_hh_l1_reverse", {16, 2}},
                                               {"bias_ih_l1_reverse", {16}},
                                               {"bias_hh_l1_reverse", {16}},
                                               {"weight_hr_l1_reverse", {2, 4}}});

  GRU<double> gru({{.input_size = 3, .hidden_size = 4}, {.num_layers = 2, .bidirectional = true}});
  CHECK(named_shapes(gru) == NamedShapes{{"weight_ih_l0", {12, 3}},
                                         {"weight_hh_l0", {12, 4}},
                                         {"bias_ih_l0", {12}},
                                         {"bias_hh_l0", {12}},
                                         {"weight_ih_l0_reverse", {12, 3}},
                                         {"weight_hh_l0_reverse", {12, 4}},
                                         {"bias_ih_l0_reverse", {12}},
                                         {"bias_hh_l0_reverse", {12}},
                                         {"weight_ih_l1", {12, 8}},
                                         {"weight_hh_l1", {12, 4}},
                                         {"bias_ih_l1", {12}},
                                         {"bias_hh_l1", {12}},
                                         {"weight_ih_l1_reverse", {12, 8}},
                                         {"weight_hh_l1_reverse", {12, 4}},
                                         {"bias_ih_l1_reverse", {12}},
                                         {"bias_hh_l1_reverse", {12}}});

  RNN<double> rnn({{.input_size = 3, .hidden_size = 4, .bias = false}, {.num_layers = 3}});
  CHECK(named_shapes(rnn) == NamedShapes{{"weight_ih_l0", {4, 3}},
                                         {"weight_hh_l0", {4, 4}},
                                         {"weight_ih_l1", {4, 4}},
                                         {"weight_hh_l1", {4, 4}},
                                         {"weight_ih_l2", {4, 4}},
                                         {"weight_hh_l2", {4, 4}}});
}

TEST_CASE(
    "sequence layers equal their cells written out by hand, layer by layer and direction by "
    "direction") {
  std::mt19937_64 engine(5);
  const std::size_t T = 4, B = 3, D = 2;
  const Tensor<double> x(random_array({T, B, D}, engine));
  SUBCASE("LSTM, 2 layers, bidirectional, projection") {
    LSTM<double> lstm({{.input_size = D, .hidden_size = 3, .proj_size = 2},
                       {.num_layers = 2, .bidirectional = true}},
                      1);
    const Tensor<double> h0(random_array({4, B, 2}, engine)), c0(random_array({4, B, 3}, engine));
    const SequenceOutput<double> layer = lstm.forward(x, {h0, c0});
    const SequenceOutput<double> hand = by_hand(lstm, x, h0, c0);
    CHECK(layer.output.shape() == Shape{T, B, 4});
    CHECK(layer.h_n.shape() == Shape{4, B, 2});
    CHECK(layer.c_n.shape() == Shape{4, B, 3});
    CHECK(max_abs_diff(layer.output.value(), hand.output.value()) < 1e-14);
    CHECK(max_abs_diff(layer.h_n.value(), hand.h_n.value()) < 1e-14);
    CHECK(max_abs_diff(layer.c_n.value(), hand.c_n.value()) < 1e-14);
  }
  SUBCASE("GRU, 3 layers, bidirectional, original variant") {
    GRU<double> gru({{.input_size = D, .hidden_size = 3, .variant = GRUVariant::original},
                     {.num_layers = 3, .bidirectional = true}},
                    2);
    const Tensor<double> h0(random_array({6, B, 3}, engine));
    const SequenceOutput<double> layer = gru.forward(x, h0);
    const SequenceOutput<double> hand = by_hand(gru, x, h0, {});
    CHECK(max_abs_diff(layer.output.value(), hand.output.value()) < 1e-14);
    CHECK(max_abs_diff(layer.h_n.value(), hand.h_n.value()) < 1e-14);
    CHECK(!layer.c_n.defined());
  }
  SUBCASE("no initial state means zeros") {
    RNN<double> rnn({{.input_size = D, .hidden_size = 3}, {.num_layers = 2, .bidirectional = true}},
                    3);
    const Tensor<double> zeros(Array<double>(xt::zeros<double>(Shape{4, B, 3})));
    CHECK(max_abs_diff(rnn.forward(x).output.value(), rnn.forward(x, zeros).output.value()) == 0);
  }
  tape().reset();
}

TEST_CASE("h_n is the last step of each direction: t = T-1 forward, t = 0 in reverse") {
  std::mt19937_64 engine(6);
  GRU<double> gru({{.input_size = 2, .hidden_size = 3}, {.bidirectional = true}}, 4);
  const SequenceOutput<double> out = gru.forward(Tensor<double>(random_array({5, 2, 2}, engine)));
  const Array<double>& y = out.output.value();
  CHECK(max_abs_diff(Array<double>(xt::view(out.h_n.value(), 0)),
                     Array<double>(xt::view(y, 4, xt::all(), xt::range(0, 3)))) == 0);
  CHECK(max_abs_diff(Array<double>(xt::view(out.h_n.value(), 1)),
                     Array<double>(xt::view(y, 0, xt::all(), xt::range(3, 6)))) == 0);
}

TEST_CASE("variable lengths: each sequence gives what it gives alone, zeros after its end") {
  std::mt19937_64 engine(7);
  const std::size_t T = 5, B = 4, D = 2, H = 3;
  const std::vector<std::size_t> lengths{5, 2, 3, 1};
  LSTM<double> lstm({{.input_size = D, .hidden_size = H}, {.num_layers = 2, .bidirectional = true}},
                    8);
  const Array<double> x = random_array({T, B, D}, engine);
  const Array<double> h0 = random_array({4, B, H}, engine), c0 = random_array({4, B, H}, engine);
  const SequenceOutput<double> batched =
      lstm.forward(Tensor<double>(x), {Tensor<double>(h0), Tensor<double>(c0)}, lengths);
  for (std::size_t b = 0; b < B; ++b) {
    CAPTURE(b);
    const std::size_t length = lengths[b];
    const Array<double> alone_x = xt::view(x, xt::range(0, length), xt::range(b, b + 1), xt::all());
    const Array<double> alone_h0 = xt::view(h0, xt::all(), xt::range(b, b + 1), xt::all());
    const Array<double> alone_c0 = xt::view(c0, xt::all(), xt::range(b, b + 1), xt::all());
    const SequenceOutput<double> alone =
        lstm.forward(Tensor<double>(alone_x), {Tensor<double>(alone_h0), Tensor<double>(alone_c0)});
    const Array<double> valid =
        xt::view(batched.output.value(), xt::range(0, length), xt::range(b, b + 1), xt::all());
    CHECK(max_abs_diff(valid, alone.output.value()) < 1e-14);
    const Array<double> padded =
        xt::view(batched.output.value(), xt::range(length, T), b, xt::all());
    // On the storage, not xt::all: a full-length sequence leaves `padded` empty, and xtensor 0.24
    // then offsets a null pointer (UBSan).
    CHECK(std::all_of(padded.storage().begin(), padded.storage().end(),
                      [](double v) { return v == 0.0; }));
    CHECK(max_abs_diff(Array<double>(xt::view(batched.h_n.value(), xt::all(), xt::range(b, b + 1),
                                              xt::all())),
                       alone.h_n.value()) < 1e-14);
    CHECK(max_abs_diff(Array<double>(xt::view(batched.c_n.value(), xt::all(), xt::range(b, b + 1),
                                              xt::all())),
                       alone.c_n.value()) < 1e-14);
  }
  tape().reset();
}

TEST_CASE("variable lengths: padding contents change neither outputs nor gradients") {
  std::mt19937_64 engine(9);
  const std::size_t T = 6, B = 3, D = 2, H = 2;
  const std::vector<std::size_t> lengths{3, 6, 1};
  LSTM<double> lstm({{.input_size = D, .hidden_size = H, .peephole = true},
                     {.num_layers = 2, .bidirectional = true}},
                    10);
  GRU<double> gru({{.input_size = D, .hidden_size = H}, {.num_layers = 2, .bidirectional = true}},
                  11);
  RNN<double> rnn(
      {{.input_size = D, .hidden_size = H, .nonlinearity = Nonlinearity::relu}, {.num_layers = 2}},
      12);

  const Array<double> x = random_array({T, B, D}, engine);
  Array<double> garbage = x;
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t t = lengths[b]; t < T; ++t)
      for (std::size_t d = 0; d < D; ++d) garbage(t, b, d) = 1e3 * (engine() % 7 + 1.0);
  REQUIRE(max_abs_diff(x, garbage) > 0);

  // Outputs, final states, and every gradient of L = <w, output> + <v, h_n> (+ <u, c_n>).
  auto run = [&](auto& layer, const Array<double>& input) {
    layer.zero_grad();
    Tensor<double> leaf(input, true);
    SequenceOutput<double> out = layer.forward(leaf, {}, lengths);
    std::mt19937_64 weights(1);
    Tensor<double> loss =
        sum(out.output * Tensor<double>(random_array(out.output.shape(), weights))) +
        sum(out.h_n * Tensor<double>(random_array(out.h_n.shape(), weights)));
    if (out.c_n.defined())
      loss = loss + sum(out.c_n * Tensor<double>(random_array(out.c_n.shape(), weights)));
    loss.backward();
    std::vector<Array<double>> results{out.output.value(), out.h_n.value(), leaf.grad().value()};
    for (const auto& parameter : layer.parameters()) results.push_back(parameter.grad().value());
    tape().reset();
    return results;
  };
  auto check = [&](auto& layer) {
    const auto clean = run(layer, x), dirty = run(layer, garbage);
    REQUIRE(clean.size() == dirty.size());
    for (std::size_t i = 0; i < clean.size(); ++i) {
      CAPTURE(i);
      CHECK(max_abs_diff(clean[i], dirty[i]) == 0);
    }
    // The input's gradient is zero at padded steps.
    const Array<double>& grad_x = clean[2];
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t t = lengths[b]; t < T; ++t)
        CHECK(xt::all(xt::equal(xt::view(grad_x, t, b), 0.0)));
  };
  SUBCASE("lstm") { check(lstm); }
  SUBCASE("gru") { check(gru); }
  SUBCASE("rnn") { check(rnn); }
}

TEST_CASE("gradcheck through layers, directions, initial states and variable lengths") {
  std::mt19937_64 engine(13);
  const std::size_t T = 3, B = 2, D = 2, H = 2;
  const std::vector<std::size_t> lengths{3, 2};
  auto check = [&](auto& layer, std::size_t state_rows, bool lstm) {
    const std::vector<std::string> names = parameter_names(layer);
    std::vector<Array<double>> inputs{random_array({T, B, D}, engine),
                                      random_array({state_rows, B, H}, engine, 0.5)};
    if (lstm) inputs.push_back(random_array({state_rows, B, H}, engine, 0.5));
    const std::size_t first = inputs.size();
    for (auto& value : parameter_values(layer)) inputs.push_back(value);
    auto f = [&](const std::vector<Tensor<double>>& xs) {
      bind_parameters(layer, names, xs, first);
      SequenceOutput<double> out;
      if constexpr (std::is_same_v<std::decay_t<decltype(layer)>, LSTM<double>>)
        out = layer.forward(xs[0], {xs[1], xs[2]}, lengths);
      else
        out = layer.forward(xs[0], xs[1], lengths);
      std::vector<Tensor<double>> parts{reshape(out.output, std::vector<long>{-1}),
                                        reshape(out.h_n, std::vector<long>{-1})};
      if (out.c_n.defined()) parts.push_back(reshape(out.c_n, std::vector<long>{-1}));
      return concat(parts, 0);
    };
    const auto report = gradcheck(f, inputs);
    INFO(report.str());
    CHECK(report.passed(1e-6));
  };
  SUBCASE("lstm with every option but dropout") {
    LSTM<double> lstm({{.input_size = D, .hidden_size = H, .peephole = true, .layer_norm = true},
                       {.num_layers = 2, .bidirectional = true}},
                      14);
    check(lstm, 4, true);
  }
  SUBCASE("gru") {
    GRU<double> gru({{.input_size = D, .hidden_size = H}, {.num_layers = 2, .bidirectional = true}},
                    15);
    check(gru, 4, false);
  }
  SUBCASE("rnn") {
    RNN<double> rnn({{.input_size = D, .hidden_size = H}, {.num_layers = 2, .bidirectional = true}},
                    16);
    check(rnn, 4, false);
  }
}

TEST_CASE("dropout between layers: only in training, only between layers, seeded") {
  std::mt19937_64 engine(17);
  const Tensor<double> x(random_array({4, 3, 2}, engine));
  const LSTMOptions options{{.input_size = 2, .hidden_size = 5}, {.num_layers = 2, .dropout = 0.5}};
  LSTMOptions no_dropout = options;
  no_dropout.dropout = 0;
  LSTM<double> a(options, 18), b(options, 18), plain(no_dropout, 18);
  const Array<double> ya = a.forward(x).output.value(), yb = b.forward(x).output.value();
  const Array<double> y_plain = plain.forward(x).output.value();
  CHECK(max_abs_diff(ya, yb) == 0);
  CHECK(max_abs_diff(ya, y_plain) > 1e-3);
  a.eval();
  CHECK(max_abs_diff(a.forward(x).output.value(), y_plain) == 0);
  // One layer: nothing to drop between.
  LSTM<double> single({{.input_size = 2, .hidden_size = 5}, {.num_layers = 1, .dropout = 0.5}}, 18);
  LSTM<double> single_plain({{.input_size = 2, .hidden_size = 5}, {.num_layers = 1}}, 18);
  CHECK(max_abs_diff(single.forward(x).output.value(), single_plain.forward(x).output.value()) ==
        0);
}

TEST_CASE("variational dropout in the LSTM layer: one mask per sequence, reused at every step") {
  std::mt19937_64 engine(19);
  const std::size_t T = 6, B = 3, D = 4, H = 5;
  const Tensor<double> x(random_array({T, B, D}, engine));
  LSTM<double> lstm(
      {{.input_size = D, .hidden_size = H, .input_dropout = 0.5, .hidden_dropout = 0.5}, {}}, 20);
  Generator replay = lstm.dropout_generator();  // the state the layer's masks will be drawn from
  const Array<double> y = lstm.forward(x).output.value();

  const VariationalMasks<double> masks = lstm.cell(0).dropout_masks(B, replay);
  LSTMState<double> state;
  for (std::size_t t = 0; t < T; ++t) {
    state = lstm.cell(0).forward(select(x, 0, t), state, masks);
    CHECK(max_abs_diff(Array<double>(xt::view(y, t)), state.h.value()) < 1e-14);
  }
  lstm.eval();
  LSTM<double> plain({{.input_size = D, .hidden_size = H}, {}}, 20);
  CHECK(max_abs_diff(lstm.forward(x).output.value(), plain.forward(x).output.value()) == 0);
}

TEST_CASE("float instantiation agrees with double") {
  std::mt19937_64 engine(21);
  const Array<double> x = random_array({3, 2, 2}, engine);
  LSTM<double> in_double(
      {{.input_size = 2, .hidden_size = 3}, {.num_layers = 2, .bidirectional = true}}, 22);
  LSTM<float> in_float(
      {{.input_size = 2, .hidden_size = 3}, {.num_layers = 2, .bidirectional = true}}, 22);
  for (const auto& [name, parameter] : in_double.named_parameters())
    in_float.set_parameter(name, xt::cast<float>(parameter.value()));
  const Array<double> y_double = in_double.forward(Tensor<double>(x)).output.value();
  const Array<float> y_float =
      in_float.forward(Tensor<float>(Array<float>(xt::cast<float>(x)))).output.value();
  CHECK(max_abs_diff(y_double, Array<double>(xt::cast<double>(y_float))) < 1e-5);
}

TEST_CASE("sequence layers reject bad shapes and lengths, naming the layer and the shapes") {
  LSTM<double> lstm({{.input_size = 3, .hidden_size = 4}, {.num_layers = 2}});
  const Tensor<double> x(Array<double>(xt::zeros<double>({5, 2, 3})));
  CHECK_THROWS_WITH_AS(lstm.forward(Tensor<double>(Array<double>(xt::zeros<double>({5, 2, 4})))),
                       "LSTM: input of shape (5,2,4), expected (T, B, 3) with T >= 1", Error);
  CHECK_THROWS_WITH_AS(
      lstm.forward(x, {Tensor<double>(Array<double>(xt::zeros<double>({1, 2, 4}))), {}}),
      "LSTM: h0 of shape (1,2,4), expected (2,2,4) (layers * directions, B, hidden)", Error);
  CHECK_THROWS_WITH_AS(lstm.forward(x, {}, {5, 6}),
                       "LSTM: sequence length 6 exceeds T = 5 of input (5,2,3)", Error);
  CHECK_THROWS_WITH_AS(lstm.forward(x, {}, {5}), "LSTM: 1 lengths for a batch of 2 (input (5,2,3))",
                       Error);
  CHECK_THROWS_AS(lstm.cell(2), Error);
}
