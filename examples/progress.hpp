// A progress line for the examples' training loops, written to stderr so that stdout keeps only
// results (the examples' last stdout line is machine-readable):
//
//   step 1200/5000  loss 0.04213  1830 seq/s  elapsed 0:21  ETA 1:07
//
// On a terminal the line is redrawn in place with a carriage return (at most ~10 times a
// second); otherwise (CI logs, pipes) a plain line is printed every `plain_interval` seconds.
//
//   tapegrad::examples::Progress progress(total_steps, "seq/s", time_budget_seconds);
//   for (...) { ...; progress.update(step, loss, sequences_so_far); }
//   progress.finish();
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include <unistd.h>

namespace tapegrad::examples {

class Progress {
 public:
  // total_steps <= 0 means unknown; time_budget_seconds <= 0 means no time limit. The ETA is the
  // sooner of "remaining steps at the current rate" and "remaining time budget".
  explicit Progress(std::int64_t total_steps, std::string unit = "items/s",
                    double time_budget_seconds = 0, double plain_interval = 5.0,
                    std::FILE* stream = stderr)
      : total_steps_(total_steps),
        unit_(std::move(unit)),
        time_budget_(time_budget_seconds),
        plain_interval_(plain_interval),
        stream_(stream),
        is_tty_(isatty(fileno(stream)) != 0),
        start_(Clock::now()) {}

  double elapsed_seconds() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }

  // step: steps done so far; loss: the latest (or smoothed) loss; items: items done so far
  // (sequences, characters, ...), for the throughput.
  void update(std::int64_t step, double loss, std::int64_t items, bool force = false) {
    const double now = elapsed_seconds();
    const double interval = is_tty_ ? 0.1 : plain_interval_;
    if (!force && now - last_print_ < interval) return;
    last_print_ = now;
    print(step, loss, items, now);
  }

  // Prints the final state and ends the line on a terminal.
  void finish(std::int64_t step, double loss, std::int64_t items) {
    print(step, loss, items, elapsed_seconds());
    if (is_tty_) std::fputc('\n', stream_);
    std::fflush(stream_);
    finished_ = true;
  }

  ~Progress() {
    if (is_tty_ && printed_ && !finished_) std::fputc('\n', stream_);
  }

  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  static std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long total = std::lround(seconds);
    char buffer[32];
    if (total >= 3600)
      std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60,
                    total % 60);
    else
      std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
    return buffer;
  }

 private:
  using Clock = std::chrono::steady_clock;

  void print(std::int64_t step, double loss, std::int64_t items, double now) {
    double eta = -1;
    if (step > 0 && total_steps_ > 0) eta = now / double(step) * double(total_steps_ - step);
    if (time_budget_ > 0) eta = eta < 0 ? time_budget_ - now : std::min(eta, time_budget_ - now);
    const double rate = now > 0 ? double(items) / now : 0.0;
    char line[256];
    const std::string total = total_steps_ > 0 ? "/" + std::to_string(total_steps_) : "";
    std::snprintf(line, sizeof line, "step %lld%s  loss %.5g  %.0f %s  elapsed %s  ETA %s",
                  static_cast<long long>(step), total.c_str(), loss, rate, unit_.c_str(),
                  format_duration(now).c_str(), format_duration(std::max(eta, 0.0)).c_str());
    if (is_tty_)
      std::fprintf(stream_, "\r%s\033[K", line);  // \033[K clears what a longer line left
    else
      std::fprintf(stream_, "%s\n", line);
    std::fflush(stream_);
    printed_ = true;
  }

  std::int64_t total_steps_;
  std::string unit_;
  double time_budget_;
  double plain_interval_;
  std::FILE* stream_;
  bool is_tty_;
  Clock::time_point start_;
  double last_print_ = -1e9;
  bool printed_ = false, finished_ = false;
};

}  // namespace tapegrad::examples
