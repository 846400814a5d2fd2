// DataParallel (layers/data_parallel.hpp): a batch split over threads gives the full batch's
// gradients, and the model trains as it would on one thread.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "autodiff/ops.hpp"
#include "layers/data_parallel.hpp"
#include "layers/recurrent.hpp"

using namespace tapegrad;

namespace {

constexpr std::size_t kSeq = 4, kBatch = 5, kInput = 3, kHidden = 6;

std::unique_ptr<LSTM<double>> make_lstm(std::uint64_t seed) {
  LSTMOptions options;
  options.input_size = kInput, options.hidden_size = kHidden, options.num_layers = 2;
  return std::make_unique<LSTM<double>>(options, seed);
}

struct Problem {
  Tensor<double> x, target;
  Problem() {
    Generator data(7);
    x = Tensor<double>(data.normal<double>({kSeq, kBatch, kInput}));
    target = Tensor<double>(data.normal<double>({kSeq, kBatch, kHidden}));
  }
  // The mean squared error of the shard's rows, weighted to its share of the full batch's mean.
  Tensor<double> shard_loss(LSTM<double>& lstm, const Shard& shard) const {
    Tensor<double> y = lstm.forward(narrow(x, 1, shard.begin, shard.rows())).output;
    return mse_loss(y, narrow(target, 1, shard.begin, shard.rows())) * shard.weight();
  }
};

double max_relative_error(const Array<double>& a, const Array<double>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst =
        std::max(worst, std::abs(a.flat(i) - b.flat(i)) / std::max(1e-300, std::abs(b.flat(i))));
  return worst;
}

}  // namespace

TEST_CASE("DataParallel over 1, 2, 3 and 5 threads gives the full batch's loss and gradients") {
  const Problem problem;
  auto reference = make_lstm(1);
  Tensor<double> full_loss = mse_loss(reference->forward(problem.x).output, problem.target);
  full_loss.backward();

  for (std::size_t threads : {1, 2, 3, 5, 8}) {
    CAPTURE(threads);
    auto model = make_lstm(1);
    DataParallel<LSTM<double>> parallel(*model, threads, [] { return make_lstm(99); });
    const double loss = parallel.backward(kBatch, [&](LSTM<double>& lstm, const Shard& shard) {
      return problem.shard_loss(lstm, shard);
    });
    CHECK(loss == doctest::Approx(full_loss.item()).epsilon(1e-14));
    const auto expected = reference->named_parameters();
    const auto got = model->named_parameters();
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CAPTURE(got[i].first);
      REQUIRE(got[i].second.grad());
      CHECK(max_relative_error(got[i].second.grad().value(), expected[i].second.grad().value()) <
            1e-12);
    }
  }
}

TEST_CASE("DataParallel on one thread is plain backward, bit for bit") {
  const Problem problem;
  auto plain = make_lstm(3), model = make_lstm(3);
  problem.shard_loss(*plain, Shard{0, 0, kBatch, kBatch}).backward();
  DataParallel<LSTM<double>> parallel(*model, 1, [] { return make_lstm(4); });
  parallel.backward(kBatch, [&](LSTM<double>& lstm, const Shard& shard) {
    return problem.shard_loss(lstm, shard);
  });
  const auto a = plain->parameters(), b = model->parameters();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].grad().value() == b[i].grad().value());
}

TEST_CASE("DataParallel follows the model's values and accumulates like backward") {
  const Problem problem;
  auto model = make_lstm(5), reference = make_lstm(5);
  DataParallel<LSTM<double>> parallel(*model, 2, [] { return make_lstm(6); });
  auto loss = [&](LSTM<double>& lstm, const Shard& shard) {
    return problem.shard_loss(lstm, shard);
  };
  for (int step = 0; step < 3; ++step) {
    // Two backward passes without zero_grad add up, as they do for loss.backward().
    model->zero_grad(), reference->zero_grad();
    for (int pass = 0; pass < 2; ++pass) {
      parallel.backward(kBatch, loss);
      problem.shard_loss(*reference, Shard{0, 0, kBatch, kBatch}).backward();
    }
    // A plain SGD update of the model: the replicas must pick up the new values.
    auto p = model->parameters(), r = reference->parameters();
    for (std::size_t i = 0; i < p.size(); ++i) {
      CHECK(max_relative_error(p[i].grad().value(), r[i].grad().value()) < 1e-12);
      p[i].mutable_value() -= 0.1 * p[i].grad().value();
      r[i].mutable_value() -= 0.1 * r[i].grad().value();
    }
  }
}

TEST_CASE("DataParallel errors: a mismatched replica, an empty batch, a failing shard") {
  auto model = make_lstm(1);
  LSTMOptions other;
  other.input_size = kInput, other.hidden_size = kHidden + 1, other.num_layers = 2;
  CHECK_THROWS_WITH_AS(
      DataParallel<LSTM<double>>(*model, 2,
                                 [&] { return std::make_unique<LSTM<double>>(other, 0); }),
      "DataParallel: replica parameter weight_ih_l0 (28,3) does not match the model's "
      "weight_ih_l0 (24,3)",
      Error);

  DataParallel<LSTM<double>> parallel(*model, 2, [] { return make_lstm(2); });
  auto fails_on_second = [](LSTM<double>& lstm, const Shard& shard) -> Tensor<double> {
    if (shard.index == 1) throw Error("shard 1 failed");
    return sum(lstm.forward(Tensor<double>::ones({2, 2, kInput})).output);
  };
  CHECK_THROWS_WITH_AS(parallel.backward(0, fails_on_second),
                       "DataParallel::backward: the batch is empty", Error);
  CHECK_THROWS_WITH_AS(parallel.backward(2, fails_on_second), "shard 1 failed", Error);
  // The pool is still usable after a failure.
  const Problem problem;
  CHECK(parallel.backward(kBatch, [&](LSTM<double>& lstm, const Shard& shard) {
    return problem.shard_loss(lstm, shard);
  }) > 0);
}

// In float, each thread's slice of 16 rows multiplies by its own packed copies of the weights
// (NOTE [packed weights], autodiff/gemm_rows.cpp), which an SGD step between passes must renew:
// checked against the same model and steps in float64, where nothing is packed.
TEST_CASE("DataParallel in float on packed weights follows float64 over SGD steps") {
  constexpr std::size_t seq = 3, batch = 32, input = 5, hidden = 40;
  LSTMOptions options;
  options.input_size = input, options.hidden_size = hidden;
  LSTM<float> model(options, 8);
  LSTM<double> reference(options, 8);
  auto p = model.parameters();
  auto r = reference.parameters();
  for (std::size_t i = 0; i < p.size(); ++i) r[i].mutable_value() = xt::cast<double>(p[i].value());
  Generator data(11);
  const Array<double> x = data.normal<double>({seq, batch, input});
  const Array<double> target = data.normal<double>({seq, batch, hidden});
  const Tensor<float> x32(xt::cast<float>(x)), target32(xt::cast<float>(target));
  DataParallel<LSTM<float>> parallel(model, 2,
                                     [&] { return std::make_unique<LSTM<float>>(options, 9); });
  const std::uint64_t packs_before = detail::packed_weight_packs();
  for (int step = 0; step < 3; ++step) {
    CAPTURE(step);
    model.zero_grad(), reference.zero_grad();
    parallel.backward(batch, [&](LSTM<float>& lstm, const Shard& shard) {
      const Tensor<float> y = lstm.forward(narrow(x32, 1, shard.begin, shard.rows())).output;
      return mse_loss(y, narrow(target32, 1, shard.begin, shard.rows())) *
             static_cast<float>(shard.weight());
    });
    mse_loss(reference.forward(Tensor<double>(x)).output, Tensor<double>(target)).backward();
    for (std::size_t i = 0; i < p.size(); ++i) {
      // Float rounding, measured against the gradient's largest element.
      const Array<double> expected = r[i].grad().value();
      const Array<double> difference = xt::cast<double>(p[i].grad().value()) - expected;
      CHECK(xt::amax(xt::abs(difference))() <= 1e-4 * xt::amax(xt::abs(expected))());
      p[i].mutable_value() -= 0.5f * p[i].grad().value();
      r[i].mutable_value() -= 0.5 * r[i].grad().value();
    }
  }
#if defined(__AVX512F__)
  CHECK(detail::packed_weight_packs() > packs_before);  // the calling thread took the path
#endif
}
