// The hand-derived BPTT (layers/bptt.hpp) against the tape, finite differences, its own
// recomputing variant and the tape's cells, for every cell kind.
//
// Relative error, here and in compare_gradients, is per gradient array:
//   max |manual - reference| / max(max |reference|, 1e-300)
// (comparison::relative_error), so an element near zero is judged against its array's scale.
// gradcheck's own error is elementwise, |analytic - numeric| / max(|analytic|, |numeric|, 1e-3).
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <xtensor/xoperation.hpp>

#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "examples/recurrent_comparison.hpp"
#include "layers/bptt.hpp"

using namespace tapegrad;
using namespace tapegrad::comparison;

namespace {

// The same computation as plain forward code on the tape, NOTE [cell equations] line by line.
SequenceOutputs<double> tape_loop(CellKind kind, const SequenceInputs<double>& in) {
  using Tensor = tapegrad::Tensor<double>;
  const std::size_t steps = in.x.shape()[0], B = in.x.shape()[1], H = in.weight_hh.shape()[1];
  const Tensor zeros(xt::zeros<double>({B, H}));
  Tensor h = in.h0.defined() ? in.h0 : zeros;
  Tensor c = in.c0.defined() ? in.c0 : zeros;
  std::vector<Tensor> hs;
  for (std::size_t t = 0; t < steps; ++t) {
    const Tensor x_t = select(in.x, 0, t);
    const Tensor gi = matmul(x_t, in.weight_ih, false, true) + in.bias_ih;  // x_t W_ih^T + b_ih
    switch (kind) {
      case CellKind::rnn_tanh:
        h = tanh(gi + matmul(h, in.weight_hh, false, true) + in.bias_hh);
        break;
      case CellKind::rnn_relu:
        h = relu(gi + matmul(h, in.weight_hh, false, true) + in.bias_hh);
        break;
      case CellKind::lstm: {
        auto gates = split(gi + matmul(h, in.weight_hh, false, true) + in.bias_hh, 4, 1);
        Tensor i = sigmoid(gates[0]), f = sigmoid(gates[1]), g = tanh(gates[2]);
        Tensor o = sigmoid(gates[3]);
        c = f * c + i * g;
        h = o * tanh(c);
        break;
      }
      case CellKind::gru: {
        auto input_part = split(gi, 3, 1);
        auto hidden_part = split(matmul(h, in.weight_hh, false, true) + in.bias_hh, 3, 1);
        Tensor r = sigmoid(input_part[0] + hidden_part[0]);
        Tensor z = sigmoid(input_part[1] + hidden_part[1]);
        Tensor n = tanh(input_part[2] + r * hidden_part[2]);
        h = (1.0 - z) * n + z * h;
        break;
      }
      case CellKind::gru_original: {
        auto input_part = split(gi, 3, 1);
        auto weight_hh = split(in.weight_hh, 3, 0), bias_hh = split(in.bias_hh, 3, 0);
        Tensor r = sigmoid(input_part[0] + matmul(h, weight_hh[0], false, true) + bias_hh[0]);
        Tensor z = sigmoid(input_part[1] + matmul(h, weight_hh[1], false, true) + bias_hh[1]);
        Tensor n = tanh(input_part[2] + matmul(r * h, weight_hh[2], false, true) + bias_hh[2]);
        h = (1.0 - z) * n + z * h;
        break;
      }
    }
    hs.push_back(h);
  }
  return {stack(hs, 0), h, kind == CellKind::lstm ? c : Tensor()};
}

using SequenceFunction =
    std::function<SequenceOutputs<double>(CellKind, const SequenceInputs<double>&)>;

// The problem's inputs in the order x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, with the
// absent states left out, and their names.
std::vector<Array<double>> inputs_of(const Problem<double>& p) {
  std::vector<Array<double>> in{p.x};
  if (p.h0) in.push_back(*p.h0);
  if (p.c0) in.push_back(*p.c0);
  for (const auto* a :
       {&p.weights.weight_ih, &p.weights.weight_hh, &p.weights.bias_ih, &p.weights.bias_hh})
    in.push_back(*a);
  return in;
}

std::vector<std::string> names_of(const Problem<double>& p) {
  std::vector<std::string> names{"x"};
  if (p.h0) names.push_back("h0");
  if (p.c0) names.push_back("c0");
  for (const char* name : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) names.push_back(name);
  return names;
}

// SequenceInputs from a list in inputs_of()'s order.
SequenceInputs<double> sequence_inputs(const Problem<double>& p,
                                       const std::vector<Tensor<double>>& xs) {
  std::size_t k = 0;
  SequenceInputs<double> in;
  in.x = xs[k++];
  if (p.h0) in.h0 = xs[k++];
  if (p.c0) in.c0 = xs[k++];
  in.weight_ih = xs[k++];
  in.weight_hh = xs[k++];
  in.bias_ih = xs[k++];
  in.bias_hh = xs[k++];
  return in;
}

// Gradients of L = sum(gy * y) + sum(grad_h_final * h_T) + sum(grad_c_final * c_T) on the tape.
std::vector<Array<double>> tape_gradients(const Problem<double>& p, const SequenceFunction& run) {
  std::vector<Tensor<double>> leaves;
  for (const auto& a : inputs_of(p)) leaves.emplace_back(a, true);
  SequenceOutputs<double> out = run(p.kind, sequence_inputs(p, leaves));
  Tensor<double> loss = sum(out.y * Tensor<double>(p.gy));
  if (p.grad_h_final) loss = loss + sum(out.h_final * Tensor<double>(*p.grad_h_final));
  if (p.grad_c_final) loss = loss + sum(out.c_final * Tensor<double>(*p.grad_c_final));
  std::vector<Array<double>> grads;
  for (const auto& g : grad(loss, leaves)) grads.push_back(g.value());
  tape().reset();
  return grads;
}

RecurrentGradients<double> manual_gradients(const Problem<double>& p, bool recompute_gates) {
  ManualBPTT<double> bptt(p.kind, p.weights, recompute_gates);
  bptt.forward(p.x, p.h0, p.c0);
  return bptt.backward(p.gy, p.grad_h_final, p.grad_c_final);
}

// The manual gradients in inputs_of()'s order.
std::vector<Array<double>> in_input_order(const Problem<double>& p,
                                          const RecurrentGradients<double>& g) {
  std::vector<Array<double>> out{g.grad_x};
  if (p.h0) out.push_back(g.grad_h0);
  if (p.c0) out.push_back(g.grad_c0);
  for (const auto* a : {&g.grad_weight_ih, &g.grad_weight_hh, &g.grad_bias_ih, &g.grad_bias_hh})
    out.push_back(*a);
  return out;
}

struct Size {
  std::size_t steps, batch, input, hidden;
};

std::string describe(const Problem<double>& p) {
  const auto& s = p.x.shape();
  return std::string(cell_kind_name(p.kind)) + " T=" + std::to_string(s[0]) +
         " B=" + std::to_string(s[1]) + " D=" + std::to_string(s[2]) +
         " H=" + std::to_string(p.weights.weight_hh.shape()[1]) +
         (p.h0 ? " with initial state" : " from zeros") +
         (p.grad_h_final ? ", final-state gradients" : "");
}

// Every configuration of the comparison tests: each cell, T in {1, 5, 50}, three shapes
// (one of them 1x1x1), with and without initial state and final-state gradients.
std::vector<Problem<double>> all_problems() {
  std::vector<Problem<double>> problems;
  std::uint64_t seed = 100;
  for (CellKind kind : kAllCellKinds)
    for (std::size_t steps : {1, 5, 50})
      for (auto [batch, input, hidden] :
           {std::array<std::size_t, 3>{1, 1, 1}, {2, 3, 4}, {3, 2, 5}})
        for (bool initial_state : {true, false})
          for (bool final_gradients : {true, false})
            problems.push_back(random_problem<double>(kind, steps, batch, input, hidden, ++seed,
                                                      initial_state, final_gradients));
  return problems;
}

void check_same(const std::vector<Array<double>>& manual,
                const std::vector<Array<double>>& reference, const std::vector<std::string>& names,
                double tolerance) {
  REQUIRE(manual.size() == reference.size());
  for (std::size_t k = 0; k < manual.size(); ++k) {
    INFO(names[k]);
    CHECK(manual[k].shape() == reference[k].shape());
    CHECK(relative_error(manual[k], reference[k]) <= tolerance);
  }
}

}  // namespace

TEST_CASE("manual BPTT equals the same computation written as plain forward code on the tape") {
  for (const auto& p : all_problems()) {
    INFO(describe(p));
    check_same(in_input_order(p, manual_gradients(p, false)), tape_gradients(p, tape_loop),
               names_of(p), 1e-10);
  }
}

TEST_CASE("manual BPTT equals the tape's cells (layers/cells.hpp) looped over time") {
  for (const auto& p : all_problems()) {
    INFO(describe(p));
    check_same(in_input_order(p, manual_gradients(p, false)),
               tape_gradients(p, cell_sequence<double>), names_of(p), 1e-10);
  }
}

TEST_CASE("manual BPTT's outputs equal the tape's") {
  for (const auto& p : all_problems()) {
    INFO(describe(p));
    ManualBPTT<double> bptt(p.kind, p.weights);
    Array<double> y = bptt.forward(p.x, p.h0, p.c0);
    NoGradGuard no_grad;
    SequenceOutputs<double> out = tape_loop(p.kind, SequenceInputs<double>::leaves(p, false));
    CHECK(relative_error(y, out.y.value()) <= 1e-12);
    CHECK(relative_error(bptt.final_hidden(), out.h_final.value()) <= 1e-12);
    if (has_cell_state(p.kind))
      CHECK(relative_error(bptt.final_cell(), out.c_final.value()) <= 1e-12);
  }
}

TEST_CASE(
    "recomputing the gates gives the caching pass's gradients bit for bit, from less memory") {
  for (const auto& p : all_problems()) {
    INFO(describe(p));
    auto cached = in_input_order(p, manual_gradients(p, false));
    auto recomputed = in_input_order(p, manual_gradients(p, true));
    for (std::size_t k = 0; k < cached.size(); ++k) {
      INFO(names_of(p)[k]);
      CHECK(cached[k] == recomputed[k]);
    }
  }
}

namespace {

// Both gradients against gradcheck's finite differences. The recomputing variant is not
// checked again here: it equals the caching one bit for bit (above).
void check_finite_differences(CellKind kind) {
  // T = 50 only with tiny shapes: each checked element costs six forward passes.
  const std::vector<Size> sizes{{1, 1, 1, 1}, {1, 2, 3, 4},  {5, 1, 1, 1},
                                {5, 2, 3, 2}, {50, 1, 1, 1}, {50, 1, 2, 2}};
  std::uint64_t seed = 1000;
  for (const Size& s : sizes)
    for (bool initial_state : {true, false}) {
      Problem<double> p =
          random_problem<double>(kind, s.steps, s.batch, s.input, s.hidden, ++seed, initial_state);
      GradcheckOptions options;
      if (kind == CellKind::rnn_relu) {
        // A smaller step, and a problem whose pre-activations stay clear of relu's kink.
        options.step = 1e-5;
        while (relu_margin(p) < 1e-3)
          p = random_problem<double>(kind, s.steps, s.batch, s.input, s.hidden, ++seed,
                                     initial_state);
      }
      INFO(describe(p));
      auto check = [&](const char* which, auto run) {
        INFO(which);
        GradcheckReport report = gradcheck(
            [&](const std::vector<Tensor<double>>& xs) {
              return joined(run(sequence_inputs(p, xs)));
            },
            inputs_of(p), options);
        INFO(report.str());
        CHECK(report.passed(1e-6));
      };
      check("tape", [&](const SequenceInputs<double>& in) { return tape_loop(kind, in); });
      check("manual", [&](const SequenceInputs<double>& in) { return manual_sequence(kind, in); });
    }
}

}  // namespace

TEST_CASE("rnn_tanh: tape and manual gradients equal finite differences") {
  check_finite_differences(CellKind::rnn_tanh);
}
TEST_CASE("rnn_relu: tape and manual gradients equal finite differences") {
  check_finite_differences(CellKind::rnn_relu);
}
TEST_CASE("lstm: tape and manual gradients equal finite differences") {
  check_finite_differences(CellKind::lstm);
}
TEST_CASE("gru: tape and manual gradients equal finite differences") {
  check_finite_differences(CellKind::gru);
}
TEST_CASE("gru_original: tape and manual gradients equal finite differences") {
  check_finite_differences(CellKind::gru_original);
}

TEST_CASE("Notes C's worked example: h_1 = tanh([0.5, 0.1]), y_1 = W_y h_1") {
  // Hidden size 2, x_1 = 1 with W_x = [0.5, 0.1]^T so that W_x x_1 = [0.5, 0.1], h_0 = 0, b = 0.
  // (Nested braces for one-element extents are ambiguous to xtensor: reshape flat lists.)
  auto shaped = [](Array<double> a, Shape shape) {
    a.reshape(shape);
    return a;
  };
  RecurrentWeights<double> w{shaped({0.5, 0.1}, {2, 1}), shaped({0.4, 0.2, 0.3, 0.7}, {2, 2}),
                             xt::zeros<double>({2}), xt::zeros<double>({2})};
  ManualBPTT<double> bptt(CellKind::rnn_tanh, w);
  const Array<double> x = shaped({1.0}, {1, 1, 1}), gy = shaped({1.0, -1.0}, {1, 1, 2});
  Array<double> y = bptt.forward(x);
  CHECK(y(0, 0, 0) == doctest::Approx(0.4621).epsilon(1e-4));
  CHECK(y(0, 0, 1) == doctest::Approx(0.0997).epsilon(1e-3));
  // y_1 = W_y h_1 with W_y = [1, -1] is L = sum(gy * h_1) for gy = W_y.
  CHECK(y(0, 0, 0) - y(0, 0, 1) == doctest::Approx(0.3624).epsilon(1e-4));
  // dL/dW_x = (W_y ⊙ (1 - h_1²))^T x_1, and dL/dh_0 = (W_y ⊙ (1 - h_1²)) W_h.
  RecurrentGradients<double> g = bptt.backward(gy);
  const double d0 = 1 - std::tanh(0.5) * std::tanh(0.5),
               d1 = -(1 - std::tanh(0.1) * std::tanh(0.1));
  CHECK(g.grad_weight_ih(0, 0) == doctest::Approx(d0).epsilon(1e-15));
  CHECK(g.grad_weight_ih(1, 0) == doctest::Approx(d1).epsilon(1e-15));
  CHECK(g.grad_h0(0, 0) == doctest::Approx(0.4 * d0 + 0.3 * d1).epsilon(1e-15));
  CHECK(g.grad_h0(0, 1) == doctest::Approx(0.2 * d0 + 0.7 * d1).epsilon(1e-15));
  CHECK(g.grad_x(0, 0, 0) == doctest::Approx(0.5 * d0 + 0.1 * d1).epsilon(1e-15));
}

TEST_CASE("cache_bytes counts x_t, h_t, c_t and, unless recomputing, each step's gates") {
  // T=5, B=2, D=3, H=4 in float64: x 5*2*3, h_0..h_5 6*2*4, c_0..c_5 6*2*4 elements.
  const std::size_t x = 5 * 2 * 3 * 8, states = 6 * 2 * 4 * 8, step = 2 * 4 * 8;
  auto bytes = [](CellKind kind, bool recompute) {
    Problem<double> p = random_problem<double>(kind, 5, 2, 3, 4, 1);
    ManualBPTT<double> bptt(kind, p.weights, recompute);
    bptt.forward(p.x, p.h0, p.c0);
    return bptt.cache_bytes();
  };
  for (CellKind rnn : {CellKind::rnn_tanh, CellKind::rnn_relu}) {
    CHECK(bytes(rnn, false) == x + states);  // h_t is all a plain RNN needs
    CHECK(bytes(rnn, true) == x + states);
  }
  CHECK(bytes(CellKind::lstm, false) == x + 2 * states + 5 * (4 + 1) * step);  // gates, tanh(c_t)
  CHECK(bytes(CellKind::lstm, true) == x + 2 * states);
  for (CellKind gru : {CellKind::gru, CellKind::gru_original}) {
    CHECK(bytes(gru, false) == x + states + 5 * (3 + 1) * step);  // gates, W_hn h + b_hn or r ⊙ h
    CHECK(bytes(gru, true) == x + states);
  }
}

TEST_CASE("manual BPTT in float agrees with float64") {
  for (CellKind kind : kAllCellKinds) {
    INFO(cell_kind_name(kind));
    Problem<double> p = random_problem<double>(kind, 5, 2, 3, 4, 3);
    auto f = [](const Array<double>& a) { return Array<float>(xt::cast<float>(a)); };
    auto opt = [&](const std::optional<Array<double>>& a) {
      return a ? std::optional<Array<float>>(f(*a)) : std::nullopt;
    };
    ManualBPTT<float> single(kind, {f(p.weights.weight_ih), f(p.weights.weight_hh),
                                    f(p.weights.bias_ih), f(p.weights.bias_hh)});
    single.forward(f(p.x), opt(p.h0), opt(p.c0));
    RecurrentGradients<float> g =
        single.backward(f(p.gy), opt(p.grad_h_final), opt(p.grad_c_final));
    RecurrentGradients<double> reference = manual_gradients(p, false);
    CHECK(relative_error(g.grad_x, reference.grad_x) <= 1e-5);
    CHECK(relative_error(g.grad_weight_hh, reference.grad_weight_hh) <= 1e-5);
    CHECK(relative_error(g.grad_bias_ih, reference.grad_bias_ih) <= 1e-5);
  }
}

TEST_CASE("bad shapes throw an Error naming the function and the shapes") {
  Problem<double> p = random_problem<double>(CellKind::lstm, 3, 2, 3, 4, 5);
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  RecurrentWeights<double> w = p.weights;
  w.weight_hh = xt::zeros<double>({12, 4});
  CHECK(message([&] { ManualBPTT<double>(CellKind::lstm, w); }) ==
        "ManualBPTT: lstm weight_hh of shape (12,4) must be (4*H,H) with H >= 1");
  w = p.weights;
  w.bias_hh = xt::zeros<double>({16, 1});
  CHECK(message([&] { ManualBPTT<double>(CellKind::lstm, w); }) ==
        "ManualBPTT: lstm bias_hh of shape (16,1) must be (16,)");
  CHECK(message([&] { ManualBPTT<double>(CellKind::gru, p.weights); }) ==
        "ManualBPTT: gru weight_hh of shape (16,4) must be (3*H,H) with H >= 1");

  ManualBPTT<double> bptt(CellKind::lstm, p.weights);
  CHECK(message([&] { bptt.backward(p.gy); }) ==
        "ManualBPTT::backward: no forward pass to differentiate; call forward first");
  CHECK(message([&] {
          bptt.forward(Array<double>(xt::zeros<double>({3, 2, 5})));
        }) == "ManualBPTT::forward: lstm x of shape (3,2,5) must be (T,B,3)");
  CHECK(message([&] {
          bptt.forward(p.x, Array<double>(xt::zeros<double>({4, 2})));
        }) == "ManualBPTT::forward: lstm h0 of shape (4,2) must be (2,4) for x of shape (3,2,3)");
  bptt.forward(p.x, p.h0, p.c0);
  CHECK(message([&] {
          bptt.backward(Array<double>(xt::zeros<double>({2, 2, 4})));
        }) == "ManualBPTT::backward: lstm gy of shape (2,2,4) must be (3,2,4), the shape of y");

  Problem<double> q = random_problem<double>(CellKind::gru, 3, 2, 3, 4, 5);
  ManualBPTT<double> gru(CellKind::gru, q.weights);
  CHECK(message([&] { gru.forward(q.x, q.h0, q.h0); }) ==
        "ManualBPTT::forward: gru has no cell state, but c0 of shape (2,4) was given");
  CHECK(message([] { parse_cell_kind("lstmm"); }) ==
        "parse_cell_kind: unknown cell 'lstmm' (expected rnn_tanh, rnn_relu, lstm, gru or "
        "gru_original)");
}
