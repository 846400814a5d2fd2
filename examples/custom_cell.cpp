// Two cells a user writes themselves from tapegrad's public API, with no backward code: the
// Notes A LSTM (examples/notes_a_lstm.hpp) and a minimal gated unit (Zhou et al. 2016) defined
// below in a few lines. Both are gradchecked against finite differences in float64, then
// trained on the Notes A task, many-to-one classification with a softmax after the last step:
// which of k symbols occurs most often in a sequence (ties are never drawn).
//
//   custom_cell                      # defaults: k = 6 symbols, length 24, 800 steps
//   custom_cell --steps 50 --out runs/custom
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "cli_main.hpp"
#include "examples/notes_a_lstm.hpp"
#include "examples/progress.hpp"
#include "examples/svg_plot.hpp"
#include "optim/optim.hpp"

using namespace tapegrad;
using namespace tapegrad::examples;

// The minimal gated unit: one gate f does the work of the LSTM's forget and input gates and of
// the GRU's reset gate, and there is no separate cell state.
//   f_t  = σ(Wf x_t + Uf h_{t-1} + Bf)
//   h~_t = tanh(Wh x_t + Uh (f_t ⊙ h_{t-1}) + Bh)
//   h_t  = (1 − f_t) ⊙ h_{t-1} + f_t ⊙ h~_t
// then, as in Notes A, X_out = Wy h_T + By and a softmax cross-entropy.
template <class T>
class MinimalGatedUnit : public Module<T> {
 public:
  MinimalGatedUnit(std::size_t input_size, std::size_t hidden_size, std::size_t num_classes,
                   Generator&& generator)
      : forget_gate(input_size, hidden_size, generator),
        candidate(input_size, hidden_size, generator),
        Wy(Array<T>(xt::zeros<T>({num_classes, hidden_size}))),
        By(Array<T>(xt::zeros<T>({num_classes}))) {
    this->register_module("forget", forget_gate);
    this->register_module("candidate", candidate);
    this->register_parameter("Wy", Wy);
    this->register_parameter("By", By);
    init::xavier_uniform_(Wy, generator);
  }
  std::string type_name() const override { return "MinimalGatedUnit"; }

  Tensor<T> step(const Tensor<T>& x, const Tensor<T>& h) const {
    Tensor<T> f = sigmoid(forget_gate.pre_activation(x, h));
    Tensor<T> h_candidate = tanh(candidate.pre_activation(x, f * h));
    return (T(1) - f) * h + f * h_candidate;
  }

  Tensor<T> logits(const std::vector<Tensor<T>>& xs) const {
    Tensor<T> h = Tensor<T>::zeros({xs.at(0).shape()[0], Wy.shape()[1]});
    for (const Tensor<T>& x : xs) h = step(x, h);
    return matmul(h, Wy, false, true) + By;
  }

  notes_a::Gate<T> forget_gate, candidate;
  Tensor<T> Wy, By;
};

namespace {

// Every parameter slot of a model, so that gradcheck can put its own tensors in them.
std::vector<Tensor<double>*> slots(notes_a::LSTM<double>& m) {
  std::vector<Tensor<double>*> all;
  for (notes_a::Gate<double>* gate :
       {&m.content_gate, &m.remember_gate, &m.new_gate, &m.output_gate})
    all.insert(all.end(), {&gate->W, &gate->U, &gate->B});
  all.insert(all.end(), {&m.Wy, &m.By});
  return all;
}
std::vector<Tensor<double>*> slots(MinimalGatedUnit<double>& m) {
  return {&m.forget_gate.W,
          &m.forget_gate.U,
          &m.forget_gate.B,
          &m.candidate.W,
          &m.candidate.U,
          &m.candidate.B,
          &m.Wy,
          &m.By};
}

struct Task {
  std::size_t symbols, length;
};

// One-hot sequences as T tensors (N, k), and each sequence's most frequent symbol.
struct Data {
  std::vector<Tensor<float>> xs;
  std::vector<std::size_t> labels;
};

Data make_data(const Task& task, std::size_t count, std::mt19937_64& engine) {
  std::uniform_int_distribution<std::size_t> symbol(0, task.symbols - 1);
  std::vector<Array<float>> steps(task.length,
                                  Array<float>(xt::zeros<float>({count, task.symbols})));
  Data data;
  for (std::size_t n = 0; n < count; ++n) {
    std::vector<std::size_t> sequence(task.length), counts(task.symbols);
    for (;;) {  // redraw until one symbol is strictly the most frequent
      std::fill(counts.begin(), counts.end(), 0);
      for (std::size_t& s : sequence) ++counts[s = symbol(engine)];
      const std::size_t top = *std::max_element(counts.begin(), counts.end());
      if (std::count(counts.begin(), counts.end(), top) == 1) break;
    }
    for (std::size_t t = 0; t < task.length; ++t) steps[t](n, sequence[t]) = 1.0f;
    data.labels.push_back(
        std::size_t(std::max_element(counts.begin(), counts.end()) - counts.begin()));
  }
  for (Array<float>& step : steps) data.xs.emplace_back(std::move(step));
  return data;
}

double accuracy(const Tensor<float>& logits, const std::vector<std::size_t>& labels) {
  std::size_t correct = 0;
  for (std::size_t n = 0; n < labels.size(); ++n) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < logits.shape()[1]; ++c)
      if (logits.value()(n, c) > logits.value()(n, best)) best = c;
    correct += best == labels[n];
  }
  return double(correct) / double(labels.size());
}

// Gradcheck of the logits with respect to every parameter, on a tiny random problem.
template <class Model>
bool check_gradients(const char* name, Model& model, std::size_t input_size) {
  Generator generator(11);
  std::vector<Tensor<double>> xs;
  for (int t = 0; t < 4; ++t) xs.emplace_back(generator.uniform<double>({3, input_size}, -1, 1));
  std::vector<Tensor<double>*> parameters = slots(model);
  std::vector<Array<double>> values;
  for (Tensor<double>* p : parameters) values.push_back(p->value());
  const CheckedFunction logits = [&](const std::vector<Tensor<double>>& inputs) {
    for (std::size_t i = 0; i < inputs.size(); ++i) *parameters[i] = inputs[i];
    return model.logits(xs);
  };
  const GradcheckReport report = gradcheck(logits, values);
  tape().reset();
  const bool passed = report.passed(1e-6);
  std::printf("gradcheck %-16s %zu parameter tensors, max relative error %.2e: %s\n", name,
              values.size(), report.max_rel_error(), passed ? "passed" : "FAILED");
  return passed;
}

struct Flags {
  std::size_t symbols = 6, length = 24, hidden = 16, batch = 32, test_size = 1000;
  long steps = 800;
  double lr = 1e-2;
  std::uint64_t seed = 0;
  std::string out = "custom_cell_out";
};

template <class Model>
double train(const char* name, Model& model, const Flags& flags, const Data& test,
             std::vector<double>& curve_steps, std::vector<double>& curve_loss) {
  std::mt19937_64 engine(flags.seed * 31 + 5);
  const Task task{flags.symbols, flags.length};
  const std::vector<Tensor<float>> parameters = model.parameters();
  AdamOptions adam;
  adam.lr = flags.lr;
  Adam<float> optimizer(parameters, adam);
  std::printf("training %s (%zu parameters)\n", name, [&] {
    std::size_t n = 0;
    for (const Tensor<float>& p : parameters) n += p.size();
    return n;
  }());
  std::fflush(stdout);
  Progress progress(flags.steps, "seq/s");
  double loss_sum = 0, last_loss = 0;
  long loss_count = 0;
  const long interval = std::max(1L, flags.steps / 50);
  for (long step = 1; step <= flags.steps; ++step) {
    const Data batch = make_data(task, flags.batch, engine);
    Tensor<float> loss = cross_entropy(model.logits(batch.xs), batch.labels);
    last_loss = loss.item();
    loss.backward();
    clip_grad_norm(parameters, 5.0);
    optimizer.step();
    optimizer.zero_grad();
    tape().reset();
    loss_sum += last_loss, ++loss_count;
    if (step % interval == 0 || step == flags.steps) {
      curve_steps.push_back(double(step));
      curve_loss.push_back(loss_sum / double(loss_count));
      loss_sum = 0, loss_count = 0;
    }
    progress.update(step, last_loss, step * long(flags.batch));
  }
  progress.finish(flags.steps, last_loss, flags.steps * long(flags.batch));
  NoGradGuard no_grad;
  const double result = accuracy(model.logits(test.xs), test.labels);
  tape().reset();
  return result;
}

int run(const Flags& flags) {
  if (flags.symbols < 2) throw std::invalid_argument("--symbols must be at least 2");
  if (flags.length < 1 || flags.hidden < 1 || flags.batch < 1)
    throw std::invalid_argument("--length, --hidden and --batch must be positive");
  if (flags.steps < 1) throw std::invalid_argument("--steps must be positive");
  if (!(flags.lr > 0)) throw std::invalid_argument("--lr must be positive");

  examples::make_output_directory("--out", flags.out);  // fail before training, not after

  // Gradients first: small double-precision copies of both cells.
  notes_a::LSTM<double> lstm_check(3, 4, 3, 1);
  MinimalGatedUnit<double> mgu_check(3, 4, 3, Generator(1));
  bool all_passed = check_gradients("notes_a_lstm", lstm_check, 3);
  all_passed = check_gradients("minimal_gated", mgu_check, 3) && all_passed;
  if (!all_passed) throw std::runtime_error("a gradient check failed");

  const Task task{flags.symbols, flags.length};
  std::mt19937_64 test_engine(flags.seed * 131 + 1000003);
  const Data test = make_data(task, flags.test_size, test_engine);
  std::printf("task: the most frequent of %zu symbols in %zu steps; chance accuracy about %.2f\n",
              flags.symbols, flags.length, 1.0 / double(flags.symbols));

  notes_a::LSTM<float> lstm(flags.symbols, flags.hidden, flags.symbols, flags.seed);
  MinimalGatedUnit<float> mgu(flags.symbols, flags.hidden, flags.symbols, Generator(flags.seed));
  std::vector<double> lstm_steps, lstm_loss, mgu_steps, mgu_loss;
  const double lstm_accuracy = train("notes_a_lstm", lstm, flags, test, lstm_steps, lstm_loss);
  std::printf("notes_a_lstm test accuracy %.3f\n", lstm_accuracy);
  const double mgu_accuracy = train("minimal_gated", mgu, flags, test, mgu_steps, mgu_loss);
  std::printf("minimal_gated test accuracy %.3f\n", mgu_accuracy);

  SvgPlot plot;
  plot.title = "Most frequent of " + std::to_string(flags.symbols) + " symbols, length " +
               std::to_string(flags.length) + ": training loss";
  plot.x_label = "training step (batch " + std::to_string(flags.batch) + ")";
  plot.y_label = "cross-entropy (nats)";
  plot.reference_y = std::log(double(flags.symbols));
  plot.reference_label = "chance, ln k";
  plot.add("notes_a_lstm", lstm_steps, lstm_loss);
  plot.add("minimal_gated", mgu_steps, mgu_loss);
  const std::filesystem::path picture = std::filesystem::path(flags.out) / "custom_cell_loss.svg";
  plot.write(picture);
  std::fprintf(stderr, "wrote %s\n", picture.c_str());
  std::printf("accuracy notes_a_lstm: %.4f minimal_gated: %.4f\n", lstm_accuracy, mgu_accuracy);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "User-written cells: the Notes A LSTM and a minimal gated unit, gradchecked, then "
      "trained to name the most frequent symbol of a sequence (softmax after the last step). "
      "Writes DIR/custom_cell_loss.svg (training loss of both against steps, with chance "
      "ln k). Last line: 'accuracy notes_a_lstm: <float> minimal_gated: <float>'."};
  Flags flags;
  app.add_option("--symbols", flags.symbols, "alphabet size k")->capture_default_str();
  app.add_option("--length", flags.length, "sequence length")->capture_default_str();
  app.add_option("--hidden", flags.hidden, "hidden size")->capture_default_str();
  app.add_option("--batch", flags.batch, "sequences per step")->capture_default_str();
  app.add_option("--steps", flags.steps, "training steps per cell")->capture_default_str();
  app.add_option("--lr", flags.lr, "Adam learning rate")->capture_default_str();
  app.add_option("--test-size", flags.test_size, "held-out sequences")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", flags.seed, "random seed")->capture_default_str();
  app.add_option("--out", flags.out, "directory for the picture")->capture_default_str();
  return run_cli("custom_cell", app, argc, argv, [&] { return run(flags); });
}
