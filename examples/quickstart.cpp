// The README's example: a tanh RNN written as plain forward code learns to predict the next
// value of a sine wave; one backward() over the tape gives every gradient (BPTT included).
#include <cmath>
#include <cstdio>

#include "autodiff/ops.hpp"

using namespace tapegrad;

int main() {
  const std::size_t hidden = 16, steps = 20;
  Generator gen(0);
  auto parameter = [&](std::size_t rows, std::size_t cols) {
    return Tensor<float>(gen.uniform<float>({rows, cols}, -0.3f, 0.3f), true);
  };
  Tensor<float> weight_ih = parameter(1, hidden), weight_hh = parameter(hidden, hidden);
  Tensor<float> weight_out = parameter(hidden, 1), bias = Tensor<float>::zeros({hidden}, true);

  for (int iteration = 0; iteration <= 300; ++iteration) {
    const float phase = 0.1f * iteration;
    Tensor<float> h = Tensor<float>::zeros({1, hidden});
    Tensor<float> loss = Tensor<float>::scalar(0);
    for (std::size_t t = 0; t < steps; ++t) {
      Tensor<float> x = Tensor<float>::full({1, 1}, std::sin(phase + 0.3f * t));
      Tensor<float> target = Tensor<float>::full({1, 1}, std::sin(phase + 0.3f * (t + 1)));
      h = tanh(matmul(x, weight_ih) + matmul(h, weight_hh) + bias);
      loss = loss + mse_loss(matmul(h, weight_out), target);
    }
    loss = loss / float(steps);
    loss.backward();  // BPTT through all 20 steps in one reverse pass over the tape
    for (Tensor<float>* p : {&weight_ih, &weight_hh, &weight_out, &bias}) {
      p->mutable_value() -= 0.1f * p->grad().value();  // plain SGD
      p->zero_grad();
    }
    if (iteration % 50 == 0) std::printf("iteration %3d  loss %.5f\n", iteration, loss.item());
  }
}
