// Notes E's intuition as a forecast: "the daily price of a metal predicts tomorrow's price;
// news of a tariff change long ago falls out of a plain RNN's short memory, while an LSTM's
// cell can keep it". A synthetic daily price is
//
//   price_t = cycle_t + drift_t + tariff_t + noise_t
//     cycle_t   0.3 sin(2π t / 60)                   a slow seasonal swing
//     drift_t   an AR(1) wander, 0.98 drift_{t-1} + N(0, 0.01²)
//     tariff_t  Σ over past events e: sign_e · A · min(t − e, D) / D
//               each rare event (about one in 150 days, the news channel carries ±1 on its day)
//               moves the price steadily for D days, then the new level persists for good
//     noise_t   N(0, 0.02²) on the observed price
//
// Forecasting tomorrow's price means knowing whether a tariff is still working its way in, that
// is remembering news up to D days old. Each cell reads (price_t, news_t) over a window of W
// days and predicts price_{t+1} − price_t at every step; the test range is the last 30% of
// the days, each forecast made from the W days before it.
//
//   timeseries                             # rnn, lstm and gru, defaults below
//   timeseries --cells lstm --steps 300 --out runs/ts
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
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
  std::string cells = "rnn_tanh,lstm,gru";
  std::size_t days = 3000, window = 120, hidden = 32, batch = 16;
  std::size_t tariff_days = 80;  // D
  double tariff_size = 2.0;      // A
  long steps = 600;
  double lr = 3e-3;
  std::uint64_t seed = 0;
  std::string out = "timeseries_out";
  std::size_t plot_days = 150;
};

struct Series {
  std::vector<double> price, news, level;  // observed price, news channel, noise-free price
};

Series make_series(const Flags& flags) {
  std::mt19937_64 engine(flags.seed * 2654435761u + 3);
  std::normal_distribution<double> unit(0.0, 1.0);
  std::bernoulli_distribution event(1.0 / 150.0), up(0.5);
  const double pi = 3.14159265358979323846;
  Series s;
  double drift = 0;
  std::vector<std::pair<std::size_t, double>> events;  // (day, sign)
  for (std::size_t t = 0; t < flags.days; ++t) {
    drift = 0.98 * drift + 0.01 * unit(engine);
    double news = 0;
    if (t > 0 && event(engine)) {
      news = up(engine) ? 1.0 : -1.0;
      events.emplace_back(t, news);
    }
    double tariff = 0;
    for (const auto& [day, sign] : events)
      tariff += sign * flags.tariff_size *
                double(std::min<std::size_t>(t - day, flags.tariff_days)) /
                double(flags.tariff_days);
    const double level = 0.3 * std::sin(2 * pi * double(t) / 60.0) + drift + tariff;
    s.level.push_back(level);
    s.price.push_back(level + 0.02 * unit(engine));
    s.news.push_back(news);
  }
  return s;
}

// Windows ending at each day in `ends` (inclusive): inputs (W, B, 2) of (price − price at the
// window's last day, news), so that only changes matter; targets (W, B, 1) of the next day's
// change divided by `scale`.
struct Windows {
  Tensor<float> inputs, targets;
};

Windows make_windows(const Series& s, const std::vector<std::size_t>& ends, std::size_t window,
                     double scale) {
  const std::size_t count = ends.size();
  Array<float> inputs = xt::zeros<float>({window, count, std::size_t(2)});
  Array<float> targets = xt::zeros<float>({window, count, std::size_t(1)});
  for (std::size_t b = 0; b < count; ++b) {
    const std::size_t start = ends[b] + 1 - window;
    const double anchor = s.price[ends[b]];
    for (std::size_t k = 0; k < window; ++k) {
      const std::size_t t = start + k;
      inputs(k, b, 0) = float(s.price[t] - anchor);
      inputs(k, b, 1) = float(s.news[t]);
      targets(k, b, 0) = float((s.price[t + 1] - s.price[t]) / scale);
    }
  }
  return {Tensor<float>(std::move(inputs)), Tensor<float>(std::move(targets))};
}

struct Result {
  std::string name;
  std::vector<double> forecast;  // one per test day
  double rmse = 0;
  std::vector<double> curve_steps, curve_loss;
};

Result train_and_forecast(CellChoice cell, const Flags& flags, const Series& s,
                          std::size_t test_start, double scale) {
  Generator generator(flags.seed + 1);
  SequenceRegressor model(cell, 2, flags.hidden, 1, generator);
  const std::vector<Tensor<float>> parameters = model.parameters();
  AdamOptions adam;
  adam.lr = flags.lr;
  Adam<float> optimizer(parameters, adam);
  std::mt19937_64 engine(flags.seed * 97 + 13);
  // Training windows end at most on test_start − 2, so their targets stay before the test range.
  std::uniform_int_distribution<std::size_t> end_day(flags.window - 1, test_start - 2);
  const std::size_t warmup = std::min<std::size_t>(flags.window / 4, 20);

  Result result{cell_choice_name(cell), {}, 0, {}, {}};
  Progress progress(flags.steps, "windows/s");
  double loss_sum = 0, last_loss = 0;
  long loss_count = 0;
  const long interval = std::max(1L, flags.steps / 60);
  for (long step = 1; step <= flags.steps; ++step) {
    std::vector<std::size_t> ends(flags.batch);
    for (std::size_t& e : ends) e = end_day(engine);
    const Windows w = make_windows(s, ends, flags.window, scale);
    // The first steps of a window have little history to go on: left out of the loss.
    const std::size_t scored = flags.window - warmup;
    Tensor<float> loss = mse_loss(narrow(model.predict_all(w.inputs), 0, warmup, scored),
                                  narrow(w.targets, 0, warmup, scored));
    last_loss = loss.item();
    if (!std::isfinite(last_loss))
      throw std::runtime_error(result.name + ": the loss became " + std::to_string(last_loss) +
                               "; try a smaller --lr");
    loss.backward();
    clip_grad_norm(parameters, 1.0);
    optimizer.step();
    optimizer.zero_grad();
    tape().reset();
    loss_sum += last_loss, ++loss_count;
    if (step % interval == 0 || step == flags.steps) {
      result.curve_steps.push_back(double(step));
      result.curve_loss.push_back(loss_sum / double(loss_count));
      loss_sum = 0, loss_count = 0;
    }
    progress.update(step, last_loss, step * long(flags.batch));
  }
  progress.finish(flags.steps, last_loss, flags.steps * long(flags.batch));

  // Forecast day t + 1 from the window ending on day t, for every test day t + 1.
  NoGradGuard no_grad;
  std::vector<std::size_t> ends;
  for (std::size_t t = test_start - 1; t + 1 < s.price.size(); ++t) ends.push_back(t);
  double squared = 0;
  for (std::size_t first = 0; first < ends.size(); first += 256) {
    const std::vector<std::size_t> chunk(ends.begin() + first,
                                         ends.begin() + std::min(ends.size(), first + 256));
    const Windows w = make_windows(s, chunk, flags.window, scale);
    const Tensor<float> change = model.predict_last(w.inputs);
    for (std::size_t b = 0; b < chunk.size(); ++b) {
      const double forecast = s.price[chunk[b]] + scale * double(change.value()(b, 0));
      result.forecast.push_back(forecast);
      squared += (forecast - s.price[chunk[b] + 1]) * (forecast - s.price[chunk[b] + 1]);
    }
    tape().reset();
  }
  result.rmse = std::sqrt(squared / double(ends.size()));
  return result;
}

int run(const Flags& flags) {
  std::vector<CellChoice> cells;
  std::stringstream list(flags.cells);
  for (std::string name; std::getline(list, name, ',');) cells.push_back(parse_cell_choice(name));
  if (cells.empty()) throw std::invalid_argument("--cells is empty");
  if (flags.window < 8) throw std::invalid_argument("--window must be at least 8");
  if (flags.days < 4 * flags.window)
    throw std::invalid_argument("--days must be at least 4 windows (" +
                                std::to_string(4 * flags.window) + ")");
  if (flags.hidden == 0 || flags.batch == 0 || flags.tariff_days == 0)
    throw std::invalid_argument("--hidden, --batch and --tariff-days must be positive");
  if (flags.steps < 1) throw std::invalid_argument("--steps must be positive");
  if (!(flags.lr > 0)) throw std::invalid_argument("--lr must be positive");

  examples::make_output_directory("--out", flags.out);  // fail before training, not after

  const Series s = make_series(flags);
  const std::size_t test_start = flags.days - flags.days * 3 / 10;
  if (test_start < flags.window + 2) throw std::invalid_argument("--days too small for --window");
  double sum_sq = 0;  // the scale of a day's change, from the training range
  for (std::size_t t = 0; t + 1 < test_start; ++t)
    sum_sq += (s.price[t + 1] - s.price[t]) * (s.price[t + 1] - s.price[t]);
  const double scale = std::sqrt(sum_sq / double(test_start - 1));
  std::size_t events = 0;
  for (double n : s.news) events += n != 0;
  double persistence = 0, oracle = 0;  // tomorrow = today; tomorrow = today's noise-free change
  for (std::size_t t = test_start; t < flags.days; ++t) {
    persistence += std::pow(s.price[t] - s.price[t - 1], 2);
    oracle += std::pow(s.level[t] - s.price[t], 2);
  }
  const double test_days = double(flags.days - test_start);
  persistence = std::sqrt(persistence / test_days), oracle = std::sqrt(oracle / test_days);
  std::printf("series: %zu days, %zu tariff events, test range days %zu..%zu\n", flags.days, events,
              test_start, flags.days - 1);
  std::printf("test RMSE of 'tomorrow = today': %.4f; of the noise alone (a floor): %.4f\n",
              persistence, oracle);
  std::fflush(stdout);

  std::vector<Result> results;
  for (CellChoice cell : cells) {
    std::printf("training %s\n", cell_choice_name(cell));
    std::fflush(stdout);
    results.push_back(train_and_forecast(cell, flags, s, test_start, scale));
    std::printf("%s test RMSE %.4f\n", results.back().name.c_str(), results.back().rmse);
    std::fflush(stdout);
  }

  // Forecasts against the truth over the first --plot-days of the test range.
  const std::size_t shown = std::min<std::size_t>(flags.plot_days, results[0].forecast.size());
  std::vector<double> days, truth, news_days, news_prices;
  for (std::size_t i = 0; i < shown; ++i) {
    const std::size_t day = test_start + i;
    days.push_back(double(day));
    truth.push_back(s.price[day]);
  }
  SvgPlot forecast_plot;
  forecast_plot.title = "One-day-ahead forecasts, test days " + std::to_string(test_start) + "-" +
                        std::to_string(test_start + shown - 1);
  forecast_plot.x_label = "day";
  forecast_plot.y_label = "price";
  forecast_plot.width = 1000;
  forecast_plot.add("truth", days, truth);
  for (const Result& r : results)
    forecast_plot.add(r.name + " (RMSE " + std::to_string(r.rmse).substr(0, 6) + ")", days,
                      std::vector<double>(r.forecast.begin(), r.forecast.begin() + shown), "5,3");
  SvgPlot loss_plot;
  loss_plot.title = "Training loss (scaled one-day change)";
  loss_plot.x_label = "training step (batch " + std::to_string(flags.batch) + ")";
  loss_plot.y_label = "MSE";
  loss_plot.log_y = true;
  loss_plot.reference_y = 1.0;
  loss_plot.reference_label = "predict no change";
  for (const Result& r : results) loss_plot.add(r.name, r.curve_steps, r.curve_loss);
  const std::filesystem::path dir(flags.out);
  forecast_plot.write(dir / "timeseries_forecast.svg");
  loss_plot.write(dir / "timeseries_loss.svg");
  std::fprintf(stderr, "wrote %s and %s\n", (dir / "timeseries_forecast.svg").c_str(),
               (dir / "timeseries_loss.svg").c_str());
  std::string last = "test_rmse:";
  for (const Result& r : results) last += " " + r.name + " " + std::to_string(r.rmse);
  std::printf("%s persistence %f\n", last.c_str(), persistence);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Notes E's time series: a synthetic daily price whose rare 'tariff' news moves it for "
      "--tariff-days days; one-day-ahead forecasts by a tanh RNN, an LSTM and a GRU over "
      "windows of --window days. Writes DIR/timeseries_forecast.svg (forecasts against the "
      "truth on the test range) and DIR/timeseries_loss.svg (training loss). Last line: "
      "'test_rmse: <cell> <float> ... persistence <float>'."};
  Flags flags;
  app.add_option("--cells", flags.cells, "comma-separated: rnn_tanh, irnn, lstm, gru")
      ->capture_default_str();
  app.add_option("--days", flags.days, "length of the series (last 30% is the test range)")
      ->capture_default_str();
  app.add_option("--window", flags.window, "days of history per forecast")->capture_default_str();
  app.add_option("--tariff-days", flags.tariff_days, "days a tariff keeps moving the price")
      ->capture_default_str();
  app.add_option("--tariff-size", flags.tariff_size, "total move of one tariff")
      ->capture_default_str();
  app.add_option("--hidden", flags.hidden, "hidden size")->capture_default_str();
  app.add_option("--batch", flags.batch, "windows per step")->capture_default_str();
  app.add_option("--steps", flags.steps, "training steps per cell")->capture_default_str();
  app.add_option("--lr", flags.lr, "Adam learning rate")->capture_default_str();
  app.add_option("--seed", flags.seed, "random seed (series, initialisation, batches)")
      ->capture_default_str();
  app.add_option("--plot-days", flags.plot_days, "test days shown in the forecast picture")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--out", flags.out, "directory for the pictures")->capture_default_str();
  return run_cli("timeseries", app, argc, argv, [&] { return run(flags); });
}
