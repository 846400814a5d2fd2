// RNN training benchmark, the same workload, flags and output as the LibTorch peer
// ../shared/bench/peers/torch_rnn_bench.cpp:
//
//   rnn_bench --cell {rnn_tanh,lstm,gru} --batch B --seq T --input D --hidden H
//             --steps N --warmup W --threads K --impl {autodiff,manual}
//
// --threads K: for --impl autodiff with a batch of at least K, K threads each train a slice of
// the batch (DataParallel, layers/data_parallel.hpp) with a one-thread OpenBLAS; otherwise (and
// with --parallel blas) one thread records and OpenBLAS gets K threads.
//
// One training step: zero grads; forward a one-layer recurrent net over x (T,B,D) from a zero
// state; loss = mean((y - target)^2) with y the (T,B,H) stack of hidden outputs; backward; one
// Adam step (lr 1e-3); float32. --impl autodiff records tapegrad's RNN/LSTM/GRU layer on the
// tape; --impl manual runs ManualBPTT (layers/bptt.hpp) on the same parameters and hands its
// gradients to the same Adam.
//
// Memory: for autodiff, the tape's report (values kept for backward plus node records) taken
// after the loss of one extra untimed step; for manual, ManualBPTT::cache_bytes(). Peak RSS is
// the process's (getrusage), so it includes everything else too.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "autodiff/ops.hpp"
#include "layers/bptt.hpp"
#include "layers/data_parallel.hpp"
#include "layers/recurrent.hpp"
#include "optim/adam.hpp"

extern "C" {  // OpenBLAS
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
}

using namespace tapegrad;

namespace {

struct Args {
  std::string cell = "lstm", impl = "autodiff", parallel = "batch";
  long batch = 32, seq = 64, input = 64, hidden = 256;
  int steps = 20, warmup = 3, threads = 1;
};

Args parse(int argc, char** argv) {
  std::map<std::string, std::string> kv;
  for (int i = 1; i < argc; i += 2) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc)
      throw std::invalid_argument("bad argument: " + key);
    kv[key.substr(2)] = argv[i + 1];
  }
  Args a;
  auto take = [&](const char* name, auto& field) {
    auto it = kv.find(name);
    if (it == kv.end()) return;
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, std::string>)
      field = it->second;
    else
      field = std::stoll(it->second);
    kv.erase(it);
  };
  take("cell", a.cell), take("impl", a.impl), take("batch", a.batch), take("seq", a.seq);
  take("input", a.input), take("hidden", a.hidden), take("steps", a.steps);
  take("warmup", a.warmup), take("threads", a.threads), take("parallel", a.parallel);
  if (!kv.empty()) throw std::invalid_argument("unknown option: --" + kv.begin()->first);
  if (a.cell != "rnn_tanh" && a.cell != "lstm" && a.cell != "gru")
    throw std::invalid_argument("bad --cell " + a.cell + " (rnn_tanh, lstm or gru)");
  if (a.impl != "autodiff" && a.impl != "manual")
    throw std::invalid_argument("bad --impl " + a.impl + " (autodiff or manual)");
  if (a.parallel != "batch" && a.parallel != "blas")
    throw std::invalid_argument("bad --parallel " + a.parallel + " (batch or blas)");
  if (a.steps < 1 || a.threads < 1 || a.batch < 1 || a.seq < 1 || a.input < 1 || a.hidden < 1)
    throw std::invalid_argument("--steps, --threads and the sizes must be >= 1");
  return a;
}

// Threads that each train a slice of the batch; 1 when OpenBLAS gets the threads instead.
std::size_t data_parallel_threads(const Args& a) {
  const bool sliced = a.impl == "autodiff" && a.parallel == "batch" && a.batch >= a.threads;
  return sliced ? static_cast<std::size_t>(a.threads) : 1;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // KiB on Linux
}

// A one-layer recurrent net: its parameters and one training step returning the loss.
struct Net {
  std::vector<Tensor<float>> parameters;
  // Runs forward and the loss; returns the loss and, if asked, the bytes kept for backward.
  std::function<float(std::size_t* kept_bytes)> train_step;
};

// The sequence layer on the tape; with threads > 1, each thread takes a slice of the batch.
template <class Layer>
Net autodiff_net(const std::function<std::unique_ptr<Layer>()>& make_layer, std::size_t threads,
                 const Tensor<float>& x, const Tensor<float>& target,
                 std::shared_ptr<Adam<float>>& adam) {
  std::shared_ptr<Layer> layer = make_layer();
  Net net{layer->parameters(), {}};
  adam = std::make_shared<Adam<float>>(net.parameters, AdamOptions{.lr = 1e-3});
  if (threads == 1) {
    net.train_step = [layer, x, target, &adam](std::size_t* kept_bytes) {
      adam->zero_grad();
      Tensor<float> loss = mse_loss(layer->forward(x).output, target);
      if (kept_bytes) *kept_bytes = tape().memory_report().total_bytes();
      loss.backward();
      adam->step();
      return loss.item();
    };
    return net;
  }
  // Each slice's input and target are cut once: the data is the same every step.
  const std::size_t batch = x.shape()[1];
  auto slices = std::make_shared<std::vector<std::pair<Tensor<float>, Tensor<float>>>>();
  for (std::size_t k = 0; k < threads; ++k) {
    const std::size_t begin = batch * k / threads, rows = batch * (k + 1) / threads - begin;
    slices->emplace_back(narrow(x, 1, begin, rows).detach(), narrow(target, 1, begin, rows).detach());
  }
  auto parallel = std::make_shared<DataParallel<Layer>>(*layer, threads, make_layer);
  net.train_step = [layer, parallel, slices, batch, &adam](std::size_t* kept_bytes) {
    adam->zero_grad();
    const float loss = parallel->backward(batch, [&](Layer& module, const Shard& shard) {
      const auto& [x_slice, target_slice] = (*slices)[shard.index];
      Tensor<float> slice_loss = mse_loss(module.forward(x_slice).output, target_slice) *
                                 static_cast<float>(shard.weight());
      // The calling thread's tape holds slice 0 only: the report is per thread.
      if (kept_bytes && shard.index == 0) *kept_bytes = tape().memory_report().total_bytes();
      return slice_loss;
    });
    adam->step();
    return loss;
  };
  return net;
}

Net make_autodiff(const Args& a, const Tensor<float>& x, const Tensor<float>& target,
                  std::shared_ptr<Adam<float>>& adam) {
  const auto D = static_cast<std::size_t>(a.input), H = static_cast<std::size_t>(a.hidden);
  const std::size_t threads = data_parallel_threads(a);
  auto build = [&](auto options, auto* layer_type) {
    using Layer = std::remove_pointer_t<decltype(layer_type)>;
    options.input_size = D, options.hidden_size = H;
    return autodiff_net<Layer>([options] { return std::make_unique<Layer>(options, 0); },
                               threads, x, target, adam);
  };
  if (a.cell == "lstm") return build(LSTMOptions{}, static_cast<LSTM<float>*>(nullptr));
  if (a.cell == "gru") return build(GRUOptions{}, static_cast<GRU<float>*>(nullptr));
  return build(RNNOptions{}, static_cast<RNN<float>*>(nullptr));
}

// ManualBPTT on the parameters of the same layer (same initialisation), the gradients handed
// to Adam through set_grad. ManualBPTT keeps its own copy of the weights, so it is rebuilt from
// the current parameters every step (a copy of the weights, counted in the step's time).
Net make_manual(const Args& a, const Tensor<float>& x, const Tensor<float>& target,
                std::shared_ptr<Adam<float>>& adam) {
  Net net = make_autodiff(a, x, target, adam);  // for its parameters, in PyTorch's order
  const CellKind kind = parse_cell_kind(a.cell);
  std::vector<Tensor<float>> p = net.parameters;  // weight_ih, weight_hh, bias_ih, bias_hh
  net.train_step = [kind, p, x, target, &adam](std::size_t* kept_bytes) mutable {
    adam->zero_grad();
    ManualBPTT<float> bptt(kind, {p[0].value(), p[1].value(), p[2].value(), p[3].value()});
    const Array<float> y = bptt.forward(x.value());
    if (kept_bytes) *kept_bytes = bptt.cache_bytes();
    Array<float> diff = y - target.value();
    const float loss = xt::sum(diff * diff)() / static_cast<float>(diff.size());
    // d mean((y - target)^2) / dy = 2 (y - target) / N
    diff *= 2.0f / static_cast<float>(diff.size());
    RecurrentGradients<float> grads = bptt.backward(diff);
    p[0].set_grad(Tensor<float>(std::move(grads.grad_weight_ih)));
    p[1].set_grad(Tensor<float>(std::move(grads.grad_weight_hh)));
    p[2].set_grad(Tensor<float>(std::move(grads.grad_bias_ih)));
    p[3].set_grad(Tensor<float>(std::move(grads.grad_bias_hh)));
    adam->step();
    return loss;
  };
  return net;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  std::printf("defaults: openblas threads %d\n", openblas_get_num_threads());
  const std::size_t slices = data_parallel_threads(a);
  openblas_set_num_threads(slices > 1 ? 1 : a.threads);
  std::printf("cell %s impl %s B %ld T %ld D %ld H %ld | batch slices on threads %zu, openblas "
              "threads %d\n",
              a.cell.c_str(), a.impl.c_str(), a.batch, a.seq, a.input, a.hidden, slices,
              openblas_get_num_threads());

  const auto T = static_cast<std::size_t>(a.seq), B = static_cast<std::size_t>(a.batch);
  Generator data(1);
  const Tensor<float> x(data.normal<float>({T, B, static_cast<std::size_t>(a.input)}));
  const Tensor<float> target(data.normal<float>({T, B, static_cast<std::size_t>(a.hidden)}));
  std::shared_ptr<Adam<float>> adam;
  Net net =
      a.impl == "manual" ? make_manual(a, x, target, adam) : make_autodiff(a, x, target, adam);

  // Analytic FLOPs, as the peer counts them: the forward GEMMs of each time step,
  // [x_t, h_{t-1}] (B, D+H) times the (D+H, G*H) gate weights, x3 for forward + backward.
  const long gates = a.cell == "lstm" ? 4 : a.cell == "gru" ? 3 : 1;
  const double flops = 3.0 * a.seq * 2.0 * a.batch * (a.input + a.hidden) * gates * a.hidden;

  using clock = std::chrono::steady_clock;
  for (int i = 0; i < a.warmup; ++i) net.train_step(nullptr);
  std::vector<double> ms, losses;
  for (int i = 0; i < a.steps; ++i) {
    auto t0 = clock::now();
    const float loss = net.train_step(nullptr);
    ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    losses.push_back(loss);
    std::printf("step %d: %.3f ms\n", i, ms.back());
  }
  std::size_t kept_bytes = 0;
  net.train_step(&kept_bytes);  // untimed: the memory report walks the tape

  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  std::printf("loss: first timed step %.5f, last %.5f\n", losses.front(), losses.back());
  std::printf("min_ms %.3f max_ms %.3f\n", sorted.front(), sorted.back());
  std::printf("flops_per_step: %.4g (forward GEMMs x3)\n", flops);
  std::printf("gflops_per_s: %.2f\n", flops / (median * 1e-3) / 1e9);
  std::printf("%s: %.3f\n", a.impl == "manual" ? "manual_cache_mib" : "peak_tape_mib",
              kept_bytes / 1048576.0);
  std::printf("pool_reserved_mib: %.3f\n", pool_reserved_bytes() / 1048576.0);
  std::printf("peak_rss_mib: %.1f\n", peak_rss_mib());
  std::printf("median_ms_per_step: %.3f\n", median);
} catch (const std::exception& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 2;
}
