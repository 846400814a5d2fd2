// The adding problem (Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015), a test of long
// memory. Each sequence has T steps of two channels: a value uniform in [0, 1] and a marker
// that is 1 at exactly two steps, one in each half of the sequence (Arjovsky et al. 2016), and
// 0 elsewhere. The target is the sum of the two marked values, read out after the last step;
// the loss is the mean squared error. Always answering 1 scores Var(U + U') = 1/6 ≈ 0.167, so
// a model has learned something only once its test MSE falls well below that baseline.
//
//   adding_problem --cell lstm --T 100 --seconds 300
//   adding_problem --cell all --T 100 --steps 3000 --out runs/adding
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/ops.hpp"
#include "cli_main.hpp"
#include "examples/progress.hpp"
#include "examples/sequence_regressor.hpp"
#include "examples/svg_plot.hpp"
#include "optim/optim.hpp"

using namespace tapegrad;
using namespace tapegrad::examples;

namespace {

struct Flags {
  std::string cell = "lstm";
  std::size_t length = 100;  // --T
  std::size_t hidden = 100;
  std::size_t batch = 32;
  double lr = 1e-3;
  double clip = 1.0;
  long steps = 6000;
  double seconds = 0;
  std::uint64_t seed = 0;
  std::string out = "adding_problem_out";
  std::size_t eval_every = 250;
  std::size_t test_size = 1000;
};

struct Batch {
  Tensor<float> inputs;   // (T, B, 2): value, marker
  Tensor<float> targets;  // (B, 1)
};

// `count` sequences of `length` steps, deterministic in the engine's state.
Batch make_batch(std::size_t length, std::size_t count, std::mt19937_64& engine) {
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  const std::size_t half = length / 2;
  std::uniform_int_distribution<std::size_t> first(0, half - 1), second(half, length - 1);
  Array<float> inputs = xt::zeros<float>({length, count, std::size_t(2)});
  Array<float> targets = xt::zeros<float>({count, std::size_t(1)});
  for (std::size_t b = 0; b < count; ++b) {
    for (std::size_t t = 0; t < length; ++t) inputs(t, b, 0) = value(engine);
    const std::size_t a = first(engine), c = second(engine);
    inputs(a, b, 1) = inputs(c, b, 1) = 1.0f;
    targets(b, 0) = inputs(a, b, 0) + inputs(c, b, 0);
  }
  return {Tensor<float>(std::move(inputs)), Tensor<float>(std::move(targets))};
}

double test_mse(SequenceRegressor& model, const Batch& test) {
  NoGradGuard no_grad;
  const double mse = mse_loss(model.predict_last(test.inputs), test.targets).item();
  tape().reset();
  return mse;
}

struct Curve {
  std::vector<double> steps, test_mse, train_steps, train_loss;
  double final_mse = 0, seconds = 0;
  long steps_done = 0;
};

Curve train(CellChoice cell, const Flags& flags, const Batch& test) {
  Generator generator(flags.seed);
  std::mt19937_64 data_engine(flags.seed * 7919 + 17);
  SequenceRegressor model(cell, 2, flags.hidden, 1, generator);
  const std::vector<Tensor<float>> parameters = model.parameters();
  AdamOptions adam;
  adam.lr = flags.lr;
  Adam<float> optimizer(parameters, adam);

  Curve curve;
  Progress progress(flags.steps == std::numeric_limits<long>::max() ? 0 : flags.steps, "seq/s",
                    flags.seconds);
  double loss_sum = 0;  // training loss averaged over each evaluation interval
  long loss_count = 0;
  auto evaluate = [&](long step) {
    curve.steps.push_back(double(step));
    curve.test_mse.push_back(test_mse(model, test));
    if (loss_count > 0) {
      curve.train_steps.push_back(double(step));
      curve.train_loss.push_back(loss_sum / loss_count);
    }
    loss_sum = 0, loss_count = 0;
  };
  evaluate(0);
  double last_loss = curve.test_mse.back();
  long step = 0;
  while (step < flags.steps && (flags.seconds <= 0 || progress.elapsed_seconds() < flags.seconds)) {
    const Batch batch = make_batch(flags.length, flags.batch, data_engine);
    Tensor<float> loss = mse_loss(model.predict_last(batch.inputs), batch.targets);
    last_loss = loss.item();
    if (!std::isfinite(last_loss))
      throw std::runtime_error(std::string(cell_choice_name(cell)) + ": the loss became " +
                               std::to_string(last_loss) + " at step " + std::to_string(step + 1) +
                               "; try a smaller --lr or --clip");
    loss.backward();
    if (flags.clip > 0) clip_grad_norm(parameters, flags.clip);
    optimizer.step();
    optimizer.zero_grad();
    tape().reset();
    ++step;
    loss_sum += last_loss, ++loss_count;
    if (step % long(flags.eval_every) == 0) evaluate(step);
    progress.update(step, last_loss, step * long(flags.batch));
  }
  if (curve.steps.back() != double(step)) evaluate(step);
  progress.finish(step, last_loss, step * long(flags.batch));
  curve.final_mse = curve.test_mse.back();
  curve.seconds = progress.elapsed_seconds();
  curve.steps_done = step;
  return curve;
}

int run(const Flags& flags) {
  if (flags.length < 2) throw std::invalid_argument("--T must be at least 2 (one marker per half)");
  if (flags.hidden == 0 || flags.batch == 0)
    throw std::invalid_argument("--hidden and --batch must be positive");
  if (!(flags.lr > 0)) throw std::invalid_argument("--lr must be positive");
  if (flags.steps <= 0 && flags.seconds <= 0)
    throw std::invalid_argument("give a positive --steps or --seconds");
  const long steps_limit = flags.steps;
  Flags effective = flags;
  if (steps_limit <= 0) effective.steps = std::numeric_limits<long>::max();

  std::vector<CellChoice> cells;
  if (flags.cell == "all")
    cells = {CellChoice::rnn_tanh, CellChoice::irnn, CellChoice::lstm, CellChoice::gru};
  else
    cells = {parse_cell_choice(flags.cell)};

  examples::make_output_directory("--out", flags.out);  // fail before training, not after

  // The held-out set: fixed by the seed, independent of the training stream.
  std::mt19937_64 test_engine(flags.seed * 104729 + 1000003);
  const Batch test = make_batch(flags.length, flags.test_size, test_engine);
  const double baseline = xt::mean(xt::square(test.targets.value() - 1.0f))();
  std::printf(
      "adding problem: T=%zu hidden=%zu batch=%zu lr=%g clip=%g; baseline (always 1) "
      "test MSE %.4f\n",
      flags.length, flags.hidden, flags.batch, flags.lr, flags.clip, baseline);

  const std::string stem = "adding_problem_" + flags.cell + "_T" + std::to_string(flags.length);
  std::ofstream csv(std::filesystem::path(flags.out) / (stem + ".csv"));
  if (!csv)
    throw std::runtime_error("cannot write " +
                             (std::filesystem::path(flags.out) / (stem + ".csv")).string());
  csv << "cell,step,test_mse\n";

  SvgPlot plot;
  plot.title = "Adding problem, T = " + std::to_string(flags.length) + ": test MSE";
  plot.x_label = "training step (batch " + std::to_string(flags.batch) + ")";
  plot.y_label = "MSE";
  plot.log_y = true;
  plot.reference_y = baseline;
  plot.reference_label = "always 1";
  const std::filesystem::path picture = std::filesystem::path(flags.out) / (stem + ".svg");

  for (CellChoice cell : cells) {
    std::printf("== %s ==\n", cell_choice_name(cell));
    std::fflush(stdout);
    const Curve curve = train(cell, effective, test);
    for (std::size_t i = 0; i < curve.steps.size(); ++i) {
      csv << cell_choice_name(cell) << ',' << curve.steps[i] << ',' << curve.test_mse[i] << '\n';
      std::printf("  step %6.0f  test MSE %.5f\n", curve.steps[i], curve.test_mse[i]);
    }
    plot.add(std::string(cell_choice_name(cell)) + " test", curve.steps, curve.test_mse);
    if (cells.size() == 1)
      plot.add("train (interval mean)", curve.train_steps, curve.train_loss, "4,3");
    plot.write(picture);  // rewritten after every cell, so a long --cell all run shows progress
    std::printf("test_mse: %.6f steps: %ld seconds: %.1f\n", curve.final_mse, curve.steps_done,
                curve.seconds);
    std::fflush(stdout);
  }
  std::fprintf(stderr, "wrote %s and %s\n", picture.c_str(),
               (std::filesystem::path(flags.out) / (stem + ".csv")).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "The adding problem: two channels (values in [0,1], a marker with one 1 in each half); "
      "predict the sum of the two marked values after the last step. Trains with Adam and "
      "global-norm clipping, evaluates a fixed held-out set of 1000 sequences every 250 steps. "
      "Writes DIR/adding_problem_<cell>_T<T>.svg (test MSE against steps, log scale, with the "
      "always-1 baseline) and .csv next to it. Stdout's last line: "
      "'test_mse: <float> steps: <int> seconds: <float>' (with --cell all, one such line "
      "after each cell)."};
  Flags flags;
  app.add_option("--cell", flags.cell,
                 "rnn_tanh, irnn (relu, identity W_hh, zero bias), lstm, gru or all")
      ->check(CLI::IsMember({"rnn_tanh", "irnn", "lstm", "gru", "all"}))
      ->capture_default_str();
  app.add_option("--T", flags.length, "sequence length")->capture_default_str();
  app.add_option("--hidden", flags.hidden, "hidden size")->capture_default_str();
  app.add_option("--batch", flags.batch, "sequences per training step")->capture_default_str();
  app.add_option("--lr", flags.lr, "Adam learning rate")->capture_default_str();
  app.add_option("--clip", flags.clip, "global gradient-norm limit, 0 for none")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--steps", flags.steps, "training steps per cell, 0 for no limit")
      ->capture_default_str();
  app.add_option("--seconds", flags.seconds, "training time limit per cell, 0 for none")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", flags.seed, "seed of the initialisation, data and test set")
      ->capture_default_str();
  app.add_option("--out", flags.out, "directory for the picture and the CSV")
      ->capture_default_str();
  app.add_option("--eval-every", flags.eval_every, "steps between test evaluations")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--test-size", flags.test_size, "held-out sequences")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return run_cli("adding_problem", app, argc, argv, [&] { return run(flags); });
}
