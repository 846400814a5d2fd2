#include <doctest/doctest.h>

#include "autodiff/checkpoint.hpp"
#include "autodiff/ops.hpp"

using namespace tapegrad;

namespace {

struct Lstm {
  Tensor<double> weight_ih, weight_hh, bias;  // (4H, D), (4H, H), (4H): gates i, f, g, o
};

// One LSTM step as plain forward code.
std::pair<Tensor<double>, Tensor<double>> lstm_step(const Lstm& p, const Tensor<double>& x,
                                                    const Tensor<double>& h, const Tensor<double>& c) {
  auto gates = split(matmul(x, p.weight_ih, false, true) + matmul(h, p.weight_hh, false, true) + p.bias, 4, 1);
  auto cell = sigmoid(gates[1]) * c + sigmoid(gates[0]) * tanh(gates[2]);
  return {sigmoid(gates[3]) * tanh(cell), cell};
}

double max_relative_difference(const Array<double>& a, const Array<double>& b) {
  return xt::amax(xt::abs(a - b))() / std::max(xt::amax(xt::abs(b))(), 1e-300);
}

}  // namespace

TEST_CASE("a checkpointed 1000-step LSTM gives plain BPTT's gradients from a quarter of the tape") {
  const std::size_t steps = 1000, segment = 32, batch = 2, input = 3, hidden = 4;
  Generator gen(11);
  Lstm p{Tensor<double>(gen.uniform<double>({4 * hidden, input}, -0.5, 0.5), true),
         Tensor<double>(gen.uniform<double>({4 * hidden, hidden}, -0.5, 0.5), true),
         Tensor<double>(gen.uniform<double>({4 * hidden}, -0.5, 0.5), true)};
  Tensor<double> xs(gen.uniform<double>({steps, batch, input}, -1.0, 1.0));
  auto params = std::vector{p.weight_ih, p.weight_hh, p.bias};

  auto run = [&](bool checkpointed) {
    tape().reset();
    Tensor<double> h = Tensor<double>::zeros({batch, hidden}), c = Tensor<double>::zeros({batch, hidden});
    Tensor<double> loss = Tensor<double>::scalar(0);
    for (std::size_t start = 0; start < steps; start += segment) {
      const std::size_t end = std::min(steps, start + segment);
      auto chunk = [&p, &xs, start, end](const std::vector<Tensor<double>>& state) {
        Tensor<double> h = state[0], c = state[1], total = Tensor<double>::scalar(0);
        for (std::size_t t = start; t < end; ++t) {
          std::tie(h, c) = lstm_step(p, select(xs, 0, t), h, c);
          total = total + sum(h * h);
        }
        return std::vector{h, c, total};
      };
      auto out = checkpointed ? checkpoint<double>(chunk, {h, c}) : chunk({h, c});
      h = out[0], c = out[1], loss = loss + out[2];
    }
    const std::size_t tape_bytes = tape().memory_report().total_bytes();
    for (auto& q : params) q.zero_grad();
    loss.backward();
    std::vector<Array<double>> grads;
    for (auto& q : params) grads.push_back(q.grad().value());
    return std::pair{grads, tape_bytes};
  };

  auto [plain, plain_bytes] = run(false);
  auto [recomputed, checkpoint_bytes] = run(true);
  MESSAGE("tape after forward: plain BPTT " << plain_bytes << " bytes, checkpointed every "
                                            << segment << " steps " << checkpoint_bytes << " bytes");
  for (std::size_t i = 0; i < plain.size(); ++i) CHECK(max_relative_difference(recomputed[i], plain[i]) < 1e-12);
  CHECK(checkpoint_bytes * 4 <= plain_bytes);
}

TEST_CASE("a parameter used only inside a checkpoint still gets its gradient") {
  Tensor<double> w(Array<double>{2.0}, true);
  Tensor<double> x(Array<double>{3.0}, true);
  auto out = checkpoint<double>([&w](const auto& in) { return std::vector{tanh(in[0] * w)}; }, {x});
  out[0].backward();
  const double d = 1 - std::tanh(6.0) * std::tanh(6.0);
  CHECK(w.grad().item() == doctest::Approx(3.0 * d).epsilon(1e-14));
  CHECK(x.grad().item() == doctest::Approx(2.0 * d).epsilon(1e-14));
  // The parameter takes a fresh slot afterwards and keeps accumulating correctly.
  (w * 5.0).backward();
  CHECK(w.grad().item() == doctest::Approx(3.0 * d + 5.0).epsilon(1e-14));
}

TEST_CASE("checkpoint refuses second order instead of silently giving wrong values") {
  Tensor<double> x(Array<double>{0.5}, true);
  auto out = checkpoint<double>([](const auto& in) { return std::vector{tanh(in[0])}; }, {x});
  CHECK_THROWS_WITH_AS(grad(out[0], {x}, {.create_graph = true}), doctest::Contains("checkpoint"), Error);
  tape().reset();
}
