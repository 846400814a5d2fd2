// Resume exactness (issue #7): N steps straight and N/2 + save + load + N/2 give bitwise-equal
// parameters, for every optimizer, through a safetensors file and a freshly built model and
// optimizer, as a restarted training program would do it.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "autodiff/ops.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "layers/safetensors.hpp"
#include "optim/optim.hpp"

using namespace tapegrad;

namespace {

// A GRU or an LSTM, then a Linear head on every step's output: a sequence regressor.
struct Regressor : Module<float> {
  Regressor(bool use_lstm, std::uint64_t seed) : generator(seed), head(5, 2, true, generator) {
    if (use_lstm) {
      LSTMOptions options;
      options.input_size = 3, options.hidden_size = 5;
      lstm = std::make_unique<LSTM<float>>(options, generator);
      register_module("rnn", *lstm);
    } else {
      GRUOptions options;
      options.input_size = 3, options.hidden_size = 5;
      gru = std::make_unique<GRU<float>>(options, generator);
      register_module("rnn", *gru);
    }
    register_module("head", head);
  }
  std::string type_name() const override { return "Regressor"; }

  Tensor<float> forward(const Tensor<float>& x) {
    return head.forward(lstm ? lstm->forward(x).output : gru->forward(x).output);
  }

  Generator generator;
  std::unique_ptr<LSTM<float>> lstm;
  std::unique_ptr<GRU<float>> gru;
  Linear<float> head;
};

// Fixed data, a different batch at every step (a function of the step number only), so the
// second half of a resumed run sees what the straight run saw.
void train_steps(Regressor& model, Optimizer<float>& optimizer, std::size_t first,
                 std::size_t count) {
  const std::size_t steps = 6, batch = 4;
  for (std::size_t step = first; step < first + count; ++step) {
    Generator data(1000 + step);
    const Tensor<float> x(data.normal<float>({steps, batch, 3}));
    const Tensor<float> target(data.normal<float>({steps, batch, 2}));
    optimizer.zero_grad();
    mse_loss(model.forward(x), target).backward();
    optimizer.step();
  }
}

using MakeOptimizer = std::function<std::unique_ptr<Optimizer<float>>(std::vector<Tensor<float>>)>;

struct Case {
  const char* name;
  MakeOptimizer make;
};

std::vector<Case> cases() {
  using P = std::vector<Tensor<float>>;
  return {
      {"SGD", [](P p) { return std::make_unique<SGD<float>>(p, SGDOptions{.lr = 0.05}); }},
      {"SGD momentum, weight decay",
       [](P p) {
         return std::make_unique<SGD<float>>(
             p, SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 1e-3});
       }},
      {"SGD nesterov",
       [](P p) {
         return std::make_unique<SGD<float>>(
             p, SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
       }},
      {"Adam", [](P p) { return std::make_unique<Adam<float>>(p, AdamOptions{.lr = 0.01}); }},
      {"Adam amsgrad",
       [](P p) {
         return std::make_unique<Adam<float>>(p, AdamOptions{.lr = 0.01, .amsgrad = true});
       }},
      {"AdamW", [](P p) { return std::make_unique<AdamW<float>>(p, AdamWOptions{.lr = 0.01}); }},
      {"RMSprop centered, momentum",
       [](P p) {
         return std::make_unique<RMSprop<float>>(
             p, RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
       }},
      {"Adagrad", [](P p) {
         return std::make_unique<Adagrad<float>>(p, AdagradOptions{.lr = 0.05, .lr_decay = 0.01});
       }}};
}

std::string number_text(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// Parameters under their names, the optimizer's arrays under "optimizer.", its scalars as
// metadata (%.17g: a double survives the text exactly).
void save_checkpoint(const std::string& path, const Regressor& model,
                     const Optimizer<float>& optimizer) {
  auto tensors = parameter_arrays(model);
  const OptimizerState<float> state = optimizer.state();
  for (const auto& [name, array] : state.arrays) tensors.emplace_back("optimizer." + name, array);
  std::map<std::string, std::string> metadata;
  for (const auto& [name, value] : state.scalars)
    metadata["optimizer." + name] = number_text(value);
  save_safetensors(path, tensors, metadata);
}

void load_checkpoint(const std::string& path, Regressor& model, Optimizer<float>& optimizer) {
  const SafetensorsFile<float> file = load_safetensors<float>(path);
  load_parameters(model, file, path);
  OptimizerState<float> state;
  for (const auto& [name, array] : file.tensors)
    if (name.rfind("optimizer.", 0) == 0) state.arrays.emplace_back(name.substr(10), array);
  for (const auto& [key, value] : file.metadata)
    if (key.rfind("optimizer.", 0) == 0)
      state.scalars.emplace_back(key.substr(10), std::stod(value));
  optimizer.load_state(state);
}

}  // namespace

TEST_CASE("resume: N steps straight equal N/2 + save + load + N/2, bitwise, for every optimizer") {
  const std::size_t n = 20;
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("tapegrad_resume_" + std::to_string(::getpid()) + ".safetensors"))
                               .string();
  for (const bool use_lstm : {false, true}) {
    for (const Case& c : cases()) {
      CAPTURE(use_lstm);
      CAPTURE(c.name);
      Regressor straight(use_lstm, 7);
      auto straight_optimizer = c.make(straight.parameters());
      train_steps(straight, *straight_optimizer, 0, n);

      {
        Regressor first_half(use_lstm, 7);
        auto optimizer = c.make(first_half.parameters());
        train_steps(first_half, *optimizer, 0, n / 2);
        save_checkpoint(path, first_half, *optimizer);
      }  // the process "exits": nothing of the first half survives but the file

      Regressor resumed(use_lstm, 99);  // other initial values: all must come from the file
      auto optimizer = c.make(resumed.parameters());
      load_checkpoint(path, resumed, *optimizer);
      CHECK(optimizer->step_count() == static_cast<std::int64_t>(n / 2));
      train_steps(resumed, *optimizer, n / 2, n / 2);

      const auto expected = straight.named_parameters();
      const auto actual = resumed.named_parameters();
      REQUIRE(expected.size() == actual.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        CAPTURE(expected[i].first);
        CHECK(actual[i].first == expected[i].first);
        const Array<float>& a = expected[i].second.value();
        const Array<float>& b = actual[i].second.value();
        REQUIRE(a.shape() == b.shape());
        CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
      }
      // The optimizer state too: the next step would otherwise diverge.
      const OptimizerState<float> s = straight_optimizer->state(), r = optimizer->state();
      REQUIRE(s.arrays.size() == r.arrays.size());
      for (std::size_t i = 0; i < s.arrays.size(); ++i) {
        CAPTURE(s.arrays[i].first);
        CHECK(std::memcmp(s.arrays[i].second.data(), r.arrays[i].second.data(),
                          s.arrays[i].second.size() * sizeof(float)) == 0);
      }
      CHECK(s.scalars == r.scalars);
      // And training did move the parameters (a test of nothing would pass too).
      Regressor initial(use_lstm, 7);
      CHECK(initial.named_parameters()[0].second.value() != expected[0].second.value());
    }
  }
  std::filesystem::remove(path);
}
