// Per-operation overhead of tapegrad's tape on tiny tensors, the same workload and table as
// ../shared/bench/peers/torch_op_overhead.cpp:
//
//   op_overhead [--n 10000] [--reps 11]
//
// Records a chain of n links y = tanh(y * a + b) (3 ops per link) on 1-element and on 2x2
// float tensors that require grad, then runs backward. Prints ns per recorded op (median over
// reps) for the chain under no_grad, the recorded forward, the backward (including releasing
// the tape) and forward + backward. Then it times elementwise math on a 32x256 float tensor
// against the plain xtensor expression of the same math.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include "autodiff/ops.hpp"

using namespace tapegrad;
using Clock = std::chrono::steady_clock;

namespace {

double ns_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Tensor<float> chain(Tensor<float> y, const Tensor<float>& a, const Tensor<float>& b, int n) {
  for (int i = 0; i < n; ++i) y = tanh(y * a + b);
  return y;
}

void measure(const Shape& shape, const char* label, int n, int reps) {
  auto x = Tensor<float>::full(shape, 0.3f, true), a = Tensor<float>::full(shape, 0.5f, true);
  auto b = Tensor<float>::full(shape, 0.1f, true);
  std::vector<double> nograd, fwd, bwd, total;
  for (int r = 0; r < reps; ++r) {
    for (auto* p : {&x, &a, &b}) p->zero_grad();
    auto t0 = Clock::now();
    {
      NoGradGuard no_grad;
      chain(x, a, b, n);
    }
    nograd.push_back(ns_since(t0));

    t0 = Clock::now();
    Tensor<float> y = chain(x, a, b, n);
    fwd.push_back(ns_since(t0));
    t0 = Clock::now();
    y.backward(Tensor<float>::ones(shape));
    y = Tensor<float>();
    bwd.push_back(ns_since(t0));
    total.push_back(fwd.back() + bwd.back());
  }
  const double ops = 3.0 * n;
  std::printf("| tapegrad | %s | %.0f | %.0f | %.0f | %.0f |\n", label, median(nograd) / ops,
              median(fwd) / ops, median(bwd) / ops, median(total) / ops);
}

// tanh(x * w + b) on 32x256 floats: recorded ops, no_grad ops, and one plain xtensor
// expression. The first two allocate a result per op; the last is the vectorised floor.
void measure_elementwise(int reps) {
  const Shape shape{32, 256};
  auto x = Tensor<float>::full(shape, 0.3f, true), w = Tensor<float>::full(shape, 0.5f, true);
  auto bias = Tensor<float>::full(shape, 0.1f, true);
  const int inner = 200;
  std::vector<double> recorded, nograd, plain;
  Array<float> out = Array<float>::from_shape(shape);
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    for (int i = 0; i < inner; ++i) {
      Tensor<float> y = tanh(x * w + bias);
      tape().reset();
    }
    recorded.push_back(ns_since(t0) / inner);
    t0 = Clock::now();
    {
      NoGradGuard no_grad;
      for (int i = 0; i < inner; ++i) Tensor<float> y = tanh(x * w + bias);
    }
    nograd.push_back(ns_since(t0) / inner);
    t0 = Clock::now();
    for (int i = 0; i < inner; ++i) xt::noalias(out) = xt::tanh(x.value() * w.value() + bias.value());
    plain.push_back(ns_since(t0) / inner);
  }
  std::printf("\nelementwise tanh(x * w + b) on 32x256 float32, ns per call (median of %d reps)\n", reps);
  std::printf("| impl | ns | ns per element |\n|---|---:|---:|\n");
  for (auto [label, v] : {std::pair{"tapegrad recorded (3 ops)", median(recorded)},
                          std::pair{"tapegrad no_grad (3 ops)", median(nograd)},
                          std::pair{"plain xtensor expression", median(plain)}})
    std::printf("| %s | %.0f | %.3f |\n", label, v, v / (32 * 256));
  if (out(0, 0) == 42.f) std::printf(" ");  // keep the plain loop's result alive
}

}  // namespace

int main(int argc, char** argv) {
  int n = 10000, reps = 11;
  for (int i = 1; i < argc; ++i) {
    auto value = [&]() -> int {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "op_overhead: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      return std::stoi(argv[++i]);
    };
    if (!std::strcmp(argv[i], "--n")) n = value();
    else if (!std::strcmp(argv[i], "--reps")) reps = value();
    else return std::fprintf(stderr, "op_overhead: unknown option %s (use --n N --reps R)\n", argv[i]), 2;
  }
  if (n < 1 || reps < 1) return std::fprintf(stderr, "op_overhead: --n and --reps must be positive\n"), 2;
  std::printf("n %d links (%d ops), median of %d reps; ns per op\n", n, 3 * n, reps);
  std::printf("| impl | shape | fwd no_grad | fwd recorded | bwd (+free) | fwd+bwd |\n");
  std::printf("|---|---|---:|---:|---:|---:|\n");
  measure({1}, "1", n, reps);
  measure({2, 2}, "2x2", n, reps);
  measure_elementwise(reps);
}
