// Memory of BPTT with and without checkpoints, as T grows (issue #5: "with checkpoints, memory
// growing as about sqrt(T)").
//
//   checkpoint_memory [--batch 32 --input 64 --hidden 256 --seqs 64,256,1024]
//
// One training step of an LSTMCell run over x (T,B,D) from a zero state, loss = mean(h_T^2):
// plain, every step on the tape; and checkpointed, segments of k = round(sqrt(T)) steps, each one
// tape node that keeps only its input state (autodiff/checkpoint.hpp) and reruns its steps
// during backward. The loss reads only the last state, so nothing but BPTT itself needs memory
// that grows with T. Each run happens on a fresh thread, whose tensor pool then holds exactly
// the storage the step ever needed at once: "peak MiB" is that pool's size (the input sequence
// and the parameters live on the main thread and are not counted). Plain BPTT keeps O(T) gate
// activations; checkpointed BPTT keeps T/k states and, while a segment reruns, k steps of
// activations: O(sqrt(T)).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "autodiff/checkpoint.hpp"
#include "autodiff/ops.hpp"
#include "layers/cells.hpp"

using namespace tapegrad;

namespace {

struct Run {
  double peak_mib = 0, tape_mib = 0, ms = 0;
  std::vector<Array<float>> grads;
};

Run train_step(LSTMCell<float>& cell, const Tensor<float>& x, std::size_t segment_steps) {
  Run run;
  std::thread worker([&] {
    const auto t0 = std::chrono::steady_clock::now();
    cell.zero_grad();
    const std::size_t T = x.shape()[0], B = x.shape()[1], H = cell.options().hidden_size;
    auto segment = [&cell](const std::vector<Tensor<float>>& in) {
      LSTMState<float> state{in[1], in[2]};
      for (const auto& x_t : unbind(in[0], 0)) state = cell.forward(x_t, state);
      return std::vector<Tensor<float>>{state.h, state.c};
    };
    std::vector<Tensor<float>> state{Tensor<float>::zeros({B, H}), Tensor<float>::zeros({B, H})};
    for (std::size_t start = 0; start < T; start += segment_steps) {
      const std::size_t steps = std::min(segment_steps, T - start);
      std::vector<Tensor<float>> in{narrow(x, 0, start, steps), state[0], state[1]};
      state = segment_steps < T ? checkpoint<float>(segment, in) : segment(in);
    }
    Tensor<float> loss = mean(state[0] * state[0]);
    run.tape_mib = tape().memory_report().total_bytes() / 1048576.0;
    loss.backward();
    run.ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    for (const auto& p : cell.parameters()) run.grads.push_back(p.grad().value());
    run.peak_mib = pool_reserved_bytes() / 1048576.0;
    release_cached_memory();
  });
  worker.join();
  return run;
}

double max_relative_difference(const std::vector<Array<float>>& a,
                               const std::vector<Array<float>>& b) {
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < a[i].size(); ++j) {
      worst = std::max(worst, static_cast<double>(std::abs(a[i].flat(j) - b[i].flat(j))));
      scale = std::max(scale, static_cast<double>(std::abs(b[i].flat(j))));
    }
  return worst / scale;
}

}  // namespace

int main(int argc, char** argv) try {
  std::size_t batch = 32, input = 64, hidden = 256;
  std::vector<std::size_t> seqs{64, 256, 1024};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--batch")
      batch = std::stoul(value);
    else if (key == "--input")
      input = std::stoul(value);
    else if (key == "--hidden")
      hidden = std::stoul(value);
    else if (key == "--seqs") {
      seqs.clear();
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');) seqs.push_back(std::stoul(item));
    } else
      throw Error("unknown option " + key + " (--batch, --input, --hidden, --seqs)");
  }
  if (argc % 2 == 0) throw Error("options come in pairs: --name value");

  LSTMCellOptions options;
  options.input_size = input, options.hidden_size = hidden;
  LSTMCell<float> cell(options, 1);
  std::printf("LSTMCell B %zu D %zu H %zu, loss = mean(h_T^2), float32\n", batch, input, hidden);
  std::printf("%6s %4s | %10s %10s %9s | %10s %10s %9s | %s\n", "T", "k", "plain MiB", "tape MiB",
              "ms", "ckpt MiB", "tape MiB", "ms", "ckpt vs plain grads");
  double first_plain = 0, first_ckpt = 0;
  for (std::size_t T : seqs) {
    Generator data(T);
    const Tensor<float> x(data.normal<float>({T, batch, input}));
    const auto k = static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(T))));
    const Run plain = train_step(cell, x, T), ckpt = train_step(cell, x, k);
    std::printf("%6zu %4zu | %10.2f %10.2f %9.1f | %10.2f %10.2f %9.1f | %.1e\n", T, k,
                plain.peak_mib, plain.tape_mib, plain.ms, ckpt.peak_mib, ckpt.tape_mib, ckpt.ms,
                max_relative_difference(ckpt.grads, plain.grads));
    if (T == seqs.front())
      first_plain = plain.peak_mib, first_ckpt = ckpt.peak_mib;
    else
      std::printf(
          "%6s growth since T=%zu: plain %.2fx, checkpointed %.2fx (T grew %.0fx, sqrt %.2fx)\n",
          "", seqs.front(), plain.peak_mib / first_plain, ckpt.peak_mib / first_ckpt,
          double(T) / seqs.front(), std::sqrt(double(T) / seqs.front()));
  }
} catch (const std::exception& e) {
  std::fprintf(stderr, "checkpoint_memory: %s\n", e.what());
  return 1;
}
