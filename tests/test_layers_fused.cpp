// autodiff/fused.hpp: lstm_gates and gru_gates against the composition of primitives it replaces,
// in value, gradient (direct comparison and gradcheck) and second derivatives (gradgradcheck),
// and what gru_gates keeps on the tape.
#include <doctest/doctest.h>

#include <xtensor/xmath.hpp>

#include "autodiff/fused.hpp"
#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "layers/cells.hpp"

using namespace tapegrad;

namespace {

// LSTMCell's equations without peepholes, from the (B, 4H) pre-activations and c.
template <class T>
LSTMGatesOutput<T> composed(const Tensor<T>& gates, const Tensor<T>& c) {
  std::vector<Tensor<T>> gate = split(gates, 4, 1);
  const Tensor<T> i = sigmoid(gate[0]), f = sigmoid(gate[1]), g = tanh(gate[2]);
  const Tensor<T> o = sigmoid(gate[3]);
  Tensor<T> c_next = f * c + i * g;
  return {o * tanh(c_next), c_next};
}

// <w_h, h'> + <w_c, c'> with fixed weights, so that both outputs carry a gradient.
template <class T, class F>
Tensor<T> scalar_of(F&& f, const Tensor<T>& gates, const Tensor<T>& c, const Tensor<T>& w_h,
                    const Tensor<T>& w_c) {
  const LSTMGatesOutput<T> out = f(gates, c);
  return sum(out.h * w_h) + sum(out.c * w_c);
}

bool close(const Array<double>& a, const Array<double>& b, double tolerance) {
  return a.shape() == b.shape() && xt::amax(xt::abs(a - b))() <= tolerance;
}

}  // namespace

TEST_CASE("lstm_gates equals the composition it replaces: values and gradients") {
  Generator generator(3);
  const std::size_t B = 3, H = 5;
  Tensor<double> gates(generator.normal<double>({B, 4 * H}, 0, 2), true);
  Tensor<double> c(generator.normal<double>({B, H}), true);
  const Tensor<double> w_h(generator.normal<double>({B, H})), w_c(generator.normal<double>({B, H}));

  const LSTMGatesOutput<double> fused = lstm_gates(gates, c), reference = composed(gates, c);
  CHECK(close(fused.h.value(), reference.h.value(), 1e-14));
  CHECK(close(fused.c.value(), reference.c.value(), 1e-14));

  const auto fused_grads =
      grad(scalar_of(lstm_gates<double>, gates, c, w_h, w_c), std::vector{gates, c});
  const auto reference_grads =
      grad(scalar_of(composed<double>, gates, c, w_h, w_c), std::vector{gates, c});
  CHECK(close(fused_grads[0].value(), reference_grads[0].value(), 1e-14));
  CHECK(close(fused_grads[1].value(), reference_grads[1].value(), 1e-14));

  // Only h' used, and only c' used: the missing output gradient counts as zero.
  const auto only_h = grad(sum(lstm_gates(gates, c).h * w_h), std::vector{gates, c});
  const auto only_h_reference = grad(sum(composed(gates, c).h * w_h), std::vector{gates, c});
  CHECK(close(only_h[0].value(), only_h_reference[0].value(), 1e-14));
  const auto only_c = grad(sum(lstm_gates(gates, c).c * w_c), std::vector{gates, c});
  const auto only_c_reference = grad(sum(composed(gates, c).c * w_c), std::vector{gates, c});
  CHECK(close(only_c[1].value(), only_c_reference[1].value(), 1e-14));
  tape().reset();
}

TEST_CASE("lstm_gates passes gradcheck and gradgradcheck") {
  Generator generator(4);
  const std::size_t B = 2, H = 3;
  const Tensor<double> w_h(generator.normal<double>({B, H})), w_c(generator.normal<double>({B, H}));
  const CheckedFunction f = [&](const std::vector<Tensor<double>>& in) {
    const LSTMGatesOutput<double> out = lstm_gates(in[0], in[1]);
    return out.h * w_h + out.c * w_c;
  };
  const std::vector<Array<double>> inputs{generator.normal<double>({B, 4 * H}),
                                          generator.normal<double>({B, H})};
  const GradcheckReport first = gradcheck(f, inputs);
  CHECK_MESSAGE(first.passed(1e-6), first.str());
  const GradcheckReport second = gradgradcheck(f, inputs);
  CHECK_MESSAGE(second.passed(1e-6), second.str());
}

TEST_CASE("lstm_gates names the shapes it expected") {
  const Tensor<float> gates = Tensor<float>::zeros({2, 8}), c = Tensor<float>::zeros({2, 3});
  CHECK_THROWS_WITH_AS(lstm_gates(gates, c),
                       "lstm_gates: gates of shape (2,8) and c of shape (2,3), expected (B, 4H) "
                       "and (B, H)",
                       Error);
}

namespace {

// GRUCell's pytorch-variant equations from the input terms, the recurrent terms and h.
template <class T>
Tensor<T> gru_composed(const Tensor<T>& input_part, const Tensor<T>& hidden_part,
                       const Tensor<T>& h) {
  std::vector<Tensor<T>> x = split(input_part, 3, 1), hh = split(hidden_part, 3, 1);
  const Tensor<T> r = sigmoid(x[0] + hh[0]), z = sigmoid(x[1] + hh[1]);
  const Tensor<T> n = tanh(x[2] + r * hh[2]);
  return (T(1) - z) * n + z * h;
}

}  // namespace

TEST_CASE("gru_gates equals the composition it replaces: values, gradients, gradcheck") {
  Generator generator(5);
  const std::size_t B = 3, H = 4;
  Tensor<double> input_part(generator.normal<double>({B, 3 * H}), true);
  Tensor<double> hidden_part(generator.normal<double>({B, 3 * H}), true);
  Tensor<double> h(generator.normal<double>({B, H}), true);
  const Tensor<double> w(generator.normal<double>({B, H}));
  const Tensor<double> fused = gru_gates(input_part, hidden_part, h);
  CHECK(close(fused.value(), gru_composed(input_part, hidden_part, h).value(), 1e-14));
  const std::vector<Tensor<double>> inputs{input_part, hidden_part, h};
  const auto fused_grads = grad(sum(gru_gates(input_part, hidden_part, h) * w), inputs);
  const auto reference_grads = grad(sum(gru_composed(input_part, hidden_part, h) * w), inputs);
  for (std::size_t k = 0; k < 3; ++k)
    CHECK(close(fused_grads[k].value(), reference_grads[k].value(), 1e-14));
  tape().reset();

  const CheckedFunction f = [&](const std::vector<Tensor<double>>& in) {
    return gru_gates(in[0], in[1], in[2]) * w;
  };
  const std::vector<Array<double>> values{generator.normal<double>({B, 3 * H}),
                                          generator.normal<double>({B, 3 * H}),
                                          generator.normal<double>({B, H})};
  const GradcheckReport first = gradcheck(f, values);
  CHECK_MESSAGE(first.passed(1e-6), first.str());
  const GradcheckReport second = gradgradcheck(f, values);
  CHECK_MESSAGE(second.passed(1e-6), second.str());
}

namespace {

// Gradients of orders one to three of L = sum(w ⊙ f(inputs)), each order differentiating
// a directional derivative of the one before. The second order's root also uses f's output
// itself, so that the op's backward gets the gradient of h' and of what it saved together.
template <class F>
std::vector<std::vector<Array<double>>> derivatives_to_third_order(
    F&& f, const std::vector<Tensor<double>>& inputs, std::uint64_t seed) {
  Generator generator(seed);
  const std::size_t B = inputs[2].shape()[0], H = inputs[2].shape()[1];
  const Tensor<double> w(generator.normal<double>({B, H})), w2(generator.normal<double>({B, H}));
  auto dot = [&generator](const std::vector<Tensor<double>>& gs) {
    Tensor<double> total = Tensor<double>::scalar(0);
    for (const auto& g : gs)
      total = total + sum(g * Tensor<double>(generator.normal<double>(g.shape())));
    return total;
  };
  auto values = [](const std::vector<Tensor<double>>& gs) {
    std::vector<Array<double>> out;
    for (const auto& g : gs) out.push_back(g.value());
    return out;
  };
  const Tensor<double> out = f(inputs[0], inputs[1], inputs[2]);
  const auto first = grad(sum(out * w), inputs, {.create_graph = true});
  const Tensor<double> second_root = sum(out * w2) + dot(first);
  const auto second_plain = grad(second_root, inputs, {.retain_graph = true});
  const auto second = grad(second_root, inputs, {.create_graph = true});
  const auto third = grad(dot(second), inputs);
  tape().reset();
  return {values(first), values(second_plain), values(second), values(third)};
}

}  // namespace

TEST_CASE("gru_gates second and third derivatives equal the composition's") {
  Generator generator(6);
  const std::size_t B = 3, H = 4;
  const std::vector<Tensor<double>> inputs{
      Tensor<double>(generator.normal<double>({B, 3 * H}), true),
      Tensor<double>(generator.normal<double>({B, 3 * H}), true),
      Tensor<double>(generator.normal<double>({B, H}), true)};
  const auto fused = derivatives_to_third_order(
      [](const auto& input_part, const auto& hidden_part, const auto& h) {
        return gru_gates(input_part, hidden_part, h);
      },
      inputs, 8);
  const auto reference = derivatives_to_third_order(gru_composed<double>, inputs, 8);
  // first, second (plain backward over the create_graph gradient), second (create_graph), third
  for (std::size_t order = 0; order < 4; ++order)
    for (std::size_t k = 0; k < 3; ++k) {
      CAPTURE(order);
      CAPTURE(k);
      CHECK(xt::amax(xt::abs(reference[order][k]))() > 1e-3);  // a derivative that can differ
      CHECK(close(fused[order][k], reference[order][k], 1e-10));
    }
}

TEST_CASE("a GRU step keeps h' and the (B, 4H) workspace on the tape, not the gate terms") {
  // NOTE [GRU workspace]: after two steps the tape keeps W of each step (4H a row), h_1 (an
  // input of step 2) and h_2 (held here): 10H a row. Keeping each step's (B, 3H) input and
  // recurrent terms instead of W would make it 14H.
  const std::size_t B = 3, D = 5, H = 4;
  const GRUCell<double> cell(GRUCellOptions{.input_size = D, .hidden_size = H}, 9);
  Generator generator(10);
  const Tensor<double> x(generator.normal<double>({B, D}));
  const Tensor<double> h0(generator.normal<double>({B, H}));
  tape().reset();
  const Tensor<double> h2 = cell.forward(x, cell.forward(x, h0));
  CHECK(tape().memory_report().value_bytes == (2 * 4 * H + 2 * H) * B * sizeof(double));
  tape().reset();
}
