// Each thread records on its own tape: two models trained concurrently give exactly the results
// they give one after the other.
#include <doctest/doctest.h>

#include <thread>

#include "autodiff/ops.hpp"

using namespace tapegrad;

namespace {

// 50 SGD steps of a small tanh RNN written as plain forward code; returns the final weights.
Array<double> train(std::uint64_t seed) {
  Generator gen(seed);
  Tensor<double> weight_ih(gen.uniform<double>({3, 8}, -0.5, 0.5), true);
  Tensor<double> weight_hh(gen.uniform<double>({8, 8}, -0.5, 0.5), true);
  Tensor<double> xs(gen.uniform<double>({6, 4, 3}, -1.0, 1.0));
  for (int step = 0; step < 50; ++step) {
    Tensor<double> h = Tensor<double>::zeros({4, 8});
    for (const auto& x : unbind(xs, 0)) h = tanh(matmul(x, weight_ih) + matmul(h, weight_hh));
    mean(h * h).backward();
    for (Tensor<double>* p : {&weight_ih, &weight_hh}) {
      p->mutable_value() -= 0.1 * p->grad().value();
      p->zero_grad();
    }
  }
  return weight_hh.value();
}

}  // namespace

TEST_CASE("two models trained in two threads match sequential training bitwise") {
  const Array<double> first = train(1), second = train(2);
  Array<double> concurrent_first, concurrent_second;
  std::thread a([&] { concurrent_first = train(1); });
  std::thread b([&] { concurrent_second = train(2); });
  a.join();
  b.join();
  CHECK(concurrent_first == first);
  CHECK(concurrent_second == second);
  CHECK(first != second);
}

TEST_CASE("a result recorded on another thread's tape is refused with a clear error") {
  Tensor<double> x(Array<double>{1.0}, true);
  Tensor<double> y = tanh(x);
  std::string message;
  std::thread other([&] {
    try {
      tanh(y);
    } catch (const Error& e) {
      message = e.what();
    }
  });
  other.join();
  CHECK(message.find("another thread's tape") != std::string::npos);
  tape().reset();
}
