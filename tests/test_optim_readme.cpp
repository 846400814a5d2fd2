// The README's training snippet, compiled and run so that it cannot rot.
#include <doctest/doctest.h>

#include <cmath>

#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "optim/optim.hpp"

using namespace tapegrad;

TEST_CASE("the README's training loop trains") {
  Generator gen(3);
  Tensor<float> inputs(gen.uniform<float>({6, 4, 8}, -1.f, 1.f));
  Tensor<float> targets(gen.uniform<float>({6, 4, 1}, -0.5f, 0.5f));
  const int steps = 60;
  float first = 0, last = 0;

  LSTM<float> lstm({{.input_size = 8, .hidden_size = 64}, {.num_layers = 1}}, /*seed=*/1);
  Linear<float> head(64, 1, true, 2);
  auto params = lstm.parameters();
  for (auto& p : head.parameters()) params.push_back(p);
  Adam<float> adam(params, {.lr = 5e-3});
  for (int step = 0; step < steps; ++step) {
    auto out = lstm.forward(inputs);  // (T, B, 64)
    Tensor<float> loss = mse_loss(head.forward(out.output), targets);
    adam.zero_grad();
    loss.backward();
    if (std::isfinite(clip_grad_norm(params, 1.0))) adam.step();
    (step == 0 ? first : last) = loss.item();
  }
  CHECK(last < 0.5f * first);
}
