// compare_gradients: the hand-derived BPTT (layers/bptt.hpp) against the tape's cells
// (layers/cells.hpp looped over time), finite differences, and, through .npy files, PyTorch.
//
//   compare_gradients [--cell CELL]
//       For each cell (or CELL), on a small seeded random problem: the worst relative error of
//       tape vs manual vs numeric gradients, and the time and memory of tape vs manual BPTT.
//   compare_gradients --cell {rnn_tanh,rnn_relu,lstm,gru} --npy-in DIR --npy-out DIR
//       The file contract of issue #3 (gru is PyTorch's variant). DIR in holds float64 C-order
//       x.npy (T,B,D), h0.npy (B,H), c0.npy (B,H) for lstm, weight_ih.npy (G*H,D),
//       weight_hh.npy (G*H,H), bias_ih.npy (G*H), bias_hh.npy (G*H) in PyTorch's single-layer
//       layout, and gy.npy (T,B,H). With L = sum(gy * y), it writes to DIR out y.npy and the
//       tape's grad_x.npy, grad_h0.npy, grad_c0.npy (lstm), grad_weight_ih.npy,
//       grad_weight_hh.npy, grad_bias_ih.npy, grad_bias_hh.npy, and the hand-derived ones under
//       the same names prefixed manual_ (manual_y.npy too). Each file is written to a temporary
//       name in DIR out and renamed. A missing or mis-shaped input exits with status 1 and one
//       line naming the file, the expected and the actual shape.
#include <fmt/core.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <xtensor/xnpy.hpp>

#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "cli_main.hpp"
#include "examples/recurrent_comparison.hpp"
#include "layers/bptt.hpp"

using namespace tapegrad;
using namespace tapegrad::comparison;
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------------
// .npy files

// An input file that cannot be used; the message is one line.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What an .npy header says. Parsed here rather than by xt::load_npy, so that every way a file
// can be wrong (dtype, order, shape, truncation) gets a message naming it instead of a crash.
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
  std::size_t data_offset = 0;
};

std::string dict_value(const std::string& header, const std::string& key) {
  const std::size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) throw std::runtime_error("no '" + key + "' in its header");
  const std::size_t colon = header.find(':', at);
  if (colon == std::string::npos) throw std::runtime_error("bad header");
  std::size_t begin = header.find_first_not_of(' ', colon + 1), end;
  if (begin == std::string::npos) throw std::runtime_error("bad header");
  if (header[begin] == '\'') {
    end = header.find('\'', begin + 1);
    if (end == std::string::npos) throw std::runtime_error("bad header");
    return header.substr(begin + 1, end - begin - 1);
  }
  if (header[begin] == '(') {
    end = header.find(')', begin);
    if (end == std::string::npos) throw std::runtime_error("bad header");
    return header.substr(begin, end - begin + 1);
  }
  end = header.find_first_of(",}", begin);
  return header.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

NpyHeader read_npy_header(std::istream& in) {
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw std::runtime_error("not an .npy file");
  const int major = static_cast<unsigned char>(magic[6]);
  std::size_t length = 0, prefix = 0;
  unsigned char bytes[4] = {0, 0, 0, 0};
  if (major == 1) {
    if (!in.read(reinterpret_cast<char*>(bytes), 2)) throw std::runtime_error("truncated header");
    length = bytes[0] | (bytes[1] << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (!in.read(reinterpret_cast<char*>(bytes), 4)) throw std::runtime_error("truncated header");
    length = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (std::size_t(bytes[3]) << 24);
    prefix = 12;
  } else {
    throw std::runtime_error("unsupported .npy version " + std::to_string(major));
  }
  if (length > (1u << 20)) throw std::runtime_error("implausible header length");
  std::string header(length, '\0');
  if (!in.read(header.data(), std::streamsize(length)))
    throw std::runtime_error("truncated header");
  NpyHeader h;
  h.descr = dict_value(header, "descr");
  const std::string order = dict_value(header, "fortran_order");
  if (order != "False" && order != "True") throw std::runtime_error("bad fortran_order " + order);
  h.fortran_order = order == "True";
  const std::string shape = dict_value(header, "shape");  // "(3, 4)", "(3,)", "()"
  std::size_t i = 1;
  while (i < shape.size()) {
    i = shape.find_first_of("0123456789)", i);
    if (i == std::string::npos || shape[i] == ')') break;
    std::size_t used = 0;
    h.shape.push_back(std::stoull(shape.substr(i), &used));
    i += used;
  }
  h.data_offset = prefix + length;
  return h;
}

// Reads DIR/name, a float64 C-order array whose shape `fits`; `expected` says which in words,
// e.g. "(5,3,4)" or "(T,B,D)".
Array<double> read_npy(const fs::path& dir, const std::string& name, const std::string& expected,
                       const std::function<bool(const Shape&)>& fits) {
  const fs::path file = dir / name;
  auto fail = [&](const std::string& actual) {
    throw InputError(file.string() + ": expected float64 C-order array of shape " + expected +
                     ", got " + actual);
  };
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) fail("no such file");
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("a file that cannot be opened");
  NpyHeader h;
  try {
    h = read_npy_header(in);
  } catch (const std::exception& e) {
    fail(std::string("an unreadable file (") + e.what() + ")");
  }
  const std::string shape = shape_str(h.shape);
  if (h.descr != "<f8") fail("dtype '" + h.descr + "' of shape " + shape);
  if (h.fortran_order && h.shape.size() > 1) fail("a Fortran-order array of shape " + shape);
  if (!fits(h.shape)) fail(shape);
  std::size_t count = 1;
  for (std::size_t extent : h.shape) count *= extent;
  const std::size_t size = fs::file_size(file, ec);
  if (ec || size != h.data_offset + count * sizeof(double))
    fail(shape + " with " + std::to_string(ec ? 0 : size - std::min(size, h.data_offset)) +
         " data bytes instead of " + std::to_string(count * sizeof(double)));
  Array<double> a = Array<double>::from_shape(h.shape);
  if (!in.read(reinterpret_cast<char*>(a.data()), std::streamsize(count * sizeof(double))))
    fail(shape + " with truncated data");
  return a;
}

// Writes DIR/name atomically: the whole file under a temporary name in DIR, then a rename, so
// that a reader never sees half a file.
void write_npy(const fs::path& dir, const std::string& name, const Array<double>& a) {
  const fs::path file = dir / name;
  const fs::path temporary = dir / ("." + name + ".tmp." + std::to_string(::getpid()));
  const std::string bytes = xt::dump_npy(a);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw std::runtime_error(file.string() + ": cannot write " + temporary.string());
    }
  }
  fs::rename(temporary, file);
}

// ---------------------------------------------------------------------------------------------
// The two computations of one problem

struct Gradients {
  Array<double> y;
  // grad_x, grad_h0, grad_c0 (lstm), grad_weight_ih, grad_weight_hh, grad_bias_ih, grad_bias_hh
  std::vector<std::pair<std::string, Array<double>>> named;
};

// The tape: the cells looped over time, L = sum(gy * y) (+ final-state terms), then backward.
// `peak_bytes` gets the tape's memory report after the forward pass, the most it holds.
Gradients tape_gradients(const Problem<double>& p, std::size_t* peak_bytes = nullptr) {
  SequenceInputs<double> in = SequenceInputs<double>::leaves(p);
  SequenceOutputs<double> out = cell_sequence(p.kind, in);
  Tensor<double> loss = sum(out.y * Tensor<double>(p.gy));
  if (p.grad_h_final) loss = loss + sum(out.h_final * Tensor<double>(*p.grad_h_final));
  if (p.grad_c_final) loss = loss + sum(out.c_final * Tensor<double>(*p.grad_c_final));
  if (peak_bytes) *peak_bytes = tape().memory_report().total_bytes();
  std::vector<std::pair<std::string, Tensor<double>>> inputs{{"grad_x", in.x}};
  if (in.h0.defined()) inputs.emplace_back("grad_h0", in.h0);
  if (in.c0.defined()) inputs.emplace_back("grad_c0", in.c0);
  inputs.insert(inputs.end(), {{"grad_weight_ih", in.weight_ih},
                               {"grad_weight_hh", in.weight_hh},
                               {"grad_bias_ih", in.bias_ih},
                               {"grad_bias_hh", in.bias_hh}});
  std::vector<Tensor<double>> leaves;
  for (const auto& [name, leaf] : inputs) leaves.push_back(leaf);
  std::vector<Tensor<double>> grads = grad(loss, leaves);
  Gradients result{out.y.value(), {}};
  for (std::size_t k = 0; k < inputs.size(); ++k)
    result.named.emplace_back(inputs[k].first, grads[k].value());
  tape().reset();
  return result;
}

Gradients manual_gradients(const Problem<double>& p, bool recompute_gates = false,
                           std::size_t* cache_bytes = nullptr) {
  ManualBPTT<double> bptt(p.kind, p.weights, recompute_gates);
  Gradients result{bptt.forward(p.x, p.h0, p.c0), {}};
  if (cache_bytes) *cache_bytes = bptt.cache_bytes();
  RecurrentGradients<double> g = bptt.backward(p.gy, p.grad_h_final, p.grad_c_final);
  result.named.emplace_back("grad_x", std::move(g.grad_x));
  if (p.h0) result.named.emplace_back("grad_h0", std::move(g.grad_h0));
  if (p.c0) result.named.emplace_back("grad_c0", std::move(g.grad_c0));
  result.named.emplace_back("grad_weight_ih", std::move(g.grad_weight_ih));
  result.named.emplace_back("grad_weight_hh", std::move(g.grad_weight_hh));
  result.named.emplace_back("grad_bias_ih", std::move(g.grad_bias_ih));
  result.named.emplace_back("grad_bias_hh", std::move(g.grad_bias_hh));
  return result;
}

// ---------------------------------------------------------------------------------------------
// --npy-in / --npy-out

int run_files(CellKind kind, const fs::path& in_dir, const fs::path& out_dir) {
  const std::size_t G = gate_count(kind);
  const std::string g = std::to_string(G), cell(cell_kind_name(kind));
  Problem<double> p;
  p.kind = kind;
  p.x = read_npy(in_dir, "x.npy", "(T,B,D)", [](const Shape& s) { return s.size() == 3; });
  const std::size_t T = p.x.shape()[0], B = p.x.shape()[1], D = p.x.shape()[2];
  p.weights.weight_hh =
      read_npy(in_dir, "weight_hh.npy", "(" + g + "*H,H) for " + cell,
               [&](const Shape& s) { return s.size() == 2 && s[1] > 0 && s[0] == G * s[1]; });
  const std::size_t H = p.weights.weight_hh.shape()[1], rows = G * H;
  auto exactly = [](std::initializer_list<std::size_t> shape) {
    std::vector<std::size_t> expected(shape);
    return std::pair{shape_str(expected), [expected](const Shape& s) {
                       return std::equal(s.begin(), s.end(), expected.begin(), expected.end());
                     }};
  };
  auto read_exact = [&](const std::string& name, std::initializer_list<std::size_t> shape) {
    auto [text, fits] = exactly(shape);
    return read_npy(in_dir, name, text, fits);
  };
  p.weights.weight_ih = read_exact("weight_ih.npy", {rows, D});
  p.weights.bias_ih = read_exact("bias_ih.npy", {rows});
  p.weights.bias_hh = read_exact("bias_hh.npy", {rows});
  p.h0 = read_exact("h0.npy", {B, H});
  if (has_cell_state(kind)) p.c0 = read_exact("c0.npy", {B, H});
  p.gy = read_exact("gy.npy", {T, B, H});

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (!fs::is_directory(out_dir))
    throw InputError(out_dir.string() + ": cannot create the output directory");
  const Gradients tape_side = tape_gradients(p);
  const Gradients manual_side = manual_gradients(p);
  write_npy(out_dir, "y.npy", tape_side.y);
  for (const auto& [name, g] : tape_side.named) write_npy(out_dir, name + ".npy", g);
  write_npy(out_dir, "manual_y.npy", manual_side.y);
  for (const auto& [name, g] : manual_side.named) write_npy(out_dir, "manual_" + name + ".npy", g);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The table

struct TableOptions {
  std::size_t steps = 8, batch = 2, input = 3, hidden = 5;
  std::uint64_t seed = 7;
  int repeats = 20;
};

double worst_error(const Gradients& a, const Gradients& reference) {
  double worst = relative_error(a.y, reference.y);
  for (std::size_t k = 0; k < a.named.size(); ++k)
    worst = std::max(worst, relative_error(a.named[k].second, reference.named[k].second));
  return worst;
}

// Median wall time of `run` in milliseconds.
double median_ms(int repeats, const std::function<void()>& run) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::string gradcheck_error(const Problem<double>& p, const GradcheckOptions& options,
                            bool manual) {
  std::vector<Array<double>> inputs{p.x};
  if (p.h0) inputs.push_back(*p.h0);
  if (p.c0) inputs.push_back(*p.c0);
  for (const auto* a :
       {&p.weights.weight_ih, &p.weights.weight_hh, &p.weights.bias_ih, &p.weights.bias_hh})
    inputs.push_back(*a);
  auto f = [&](const std::vector<Tensor<double>>& xs) {
    std::size_t k = 0;
    SequenceInputs<double> in;
    in.x = xs[k++];
    if (p.h0) in.h0 = xs[k++];
    if (p.c0) in.c0 = xs[k++];
    in.weight_ih = xs[k++];
    in.weight_hh = xs[k++];
    in.bias_ih = xs[k++];
    in.bias_hh = xs[k++];
    return joined(manual ? manual_sequence(p.kind, in) : cell_sequence(p.kind, in));
  };
  return fmt::format("{:.1e}", gradcheck(f, inputs, options).max_rel_error());
}

int run_table(const std::vector<CellKind>& kinds, const TableOptions& o) {
  fmt::print(
      "Gradients of L = sum(gy*y) + sum(gh*h_T) [+ sum(gc*c_T)], T={} B={} D={} H={}, float64, "
      "seed {}.\n",
      o.steps, o.batch, o.input, o.hidden, o.seed);
  fmt::print(
      "tape = layers/cells.hpp looped over time; manual = layers/bptt.hpp (recompute: gates "
      "recomputed in backward).\n"
      "Errors: tape~manual is max|a-b|/max|b| per array, worst array (y included); ~numeric is "
      "gradcheck's worst elementwise\n"
      "|a-n|/max(|a|,|n|,1e-3) against 6-point finite differences. Time: median of {} "
      "forward+backward runs.\n"
      "Memory: the tape's memory_report() after forward (saved values and node records) vs the "
      "arrays ManualBPTT keeps.\n\n",
      o.repeats);
  fmt::print("{:<13}{:>12}{:>14}{:>16}{:>14}{:>10}{:>11}{:>14}{:>12}{:>14}{:>17}\n", "cell",
             "tape~manual", "tape~numeric", "manual~numeric", "recompute~man", "tape ms",
             "manual ms", "recompute ms", "tape bytes", "manual bytes", "recompute bytes");
  for (CellKind kind : kinds) {
    std::uint64_t seed = o.seed;
    Problem<double> p = random_problem<double>(kind, o.steps, o.batch, o.input, o.hidden, seed);
    GradcheckOptions check;
    if (kind == CellKind::rnn_relu) {  // stay clear of relu's kink at 0
      check.step = 1e-5;
      while (relu_margin(p) < 1e-3)
        p = random_problem<double>(kind, o.steps, o.batch, o.input, o.hidden, ++seed);
    }
    std::size_t tape_bytes = 0, manual_bytes = 0, recompute_bytes = 0;
    const Gradients tape_side = tape_gradients(p, &tape_bytes);
    const Gradients manual_side = manual_gradients(p, false, &manual_bytes);
    const Gradients recompute_side = manual_gradients(p, true, &recompute_bytes);
    const double tape_ms = median_ms(o.repeats, [&] { tape_gradients(p); });
    const double manual_ms = median_ms(o.repeats, [&] { manual_gradients(p); });
    const double recompute_ms = median_ms(o.repeats, [&] { manual_gradients(p, true); });
    fmt::print(
        "{:<13}{:>12.1e}{:>14}{:>16}{:>14.1e}{:>10.3f}{:>11.3f}{:>14.3f}{:>12}{:>14}{:>17}\n",
        cell_kind_name(kind), worst_error(manual_side, tape_side), gradcheck_error(p, check, false),
        gradcheck_error(p, check, true), worst_error(recompute_side, manual_side), tape_ms,
        manual_ms, recompute_ms, tape_bytes, manual_bytes, recompute_bytes);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Hand-derived BPTT vs the tape vs finite differences; with --npy-in/--npy-out, the "
      "PyTorch file contract."};
  std::string cell, in_dir, out_dir;
  TableOptions table;
  app.add_option("--cell", cell, "rnn_tanh, rnn_relu, lstm, gru (PyTorch's) or gru_original")
      ->check(CLI::IsMember({"rnn_tanh", "rnn_relu", "lstm", "gru", "gru_original"}));
  auto* npy_in = app.add_option("--npy-in", in_dir, "directory of the input .npy files");
  auto* npy_out = app.add_option("--npy-out", out_dir, "directory for the output .npy files");
  npy_in->needs(npy_out);
  npy_out->needs(npy_in);
  app.add_option("--steps", table.steps, "table: sequence length T")->capture_default_str();
  app.add_option("--batch", table.batch, "table: batch size B")->capture_default_str();
  app.add_option("--input-size", table.input, "table: input size D")->capture_default_str();
  app.add_option("--hidden-size", table.hidden, "table: hidden size H")->capture_default_str();
  app.add_option("--seed", table.seed, "table: random seed")->capture_default_str();
  app.add_option("--repeats", table.repeats, "table: timed runs per measurement")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return run_cli("compare_gradients", app, argc, argv, [&] {
    if (!in_dir.empty()) {
      if (cell.empty()) throw InputError("--npy-in needs --cell");
      return run_files(parse_cell_kind(cell), in_dir, out_dir);
    }
    std::vector<CellKind> kinds(std::begin(kAllCellKinds), std::end(kAllCellKinds));
    if (!cell.empty()) kinds = {parse_cell_kind(cell)};
    return run_table(kinds, table);
  });
}
