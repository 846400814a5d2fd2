// d/dx sum(tanh(x * w)) through the installed library; exits non-zero if it is wrong.
#include <cmath>
#include <cstdio>

#include "autodiff/ops.hpp"

int main() {
  using namespace tapegrad;
  Tensor<double> x(Array<double>{0.5, -1.0}, true);
  Tensor<double> w(Array<double>{2.0, 0.25}, true);
  sum(tanh(x * w)).backward();
  double expected = 2.0 * (1 - std::tanh(1.0) * std::tanh(1.0));
  bool ok = std::abs(x.grad().value()(0) - expected) < 1e-12;
  std::printf("consumer: dL/dx0 = %.12f (expected %.12f): %s\n", x.grad().value()(0), expected,
              ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
