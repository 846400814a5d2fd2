// optimizer_trace: replays a gradient sequence through one optimizer and writes the
// trajectory, to compare tapegrad's update rules with another framework's on identical
// gradients (bench/check_optimizer_trace.py does this against torch.optim).
//
//   optimizer_trace --optimizer adam --npy-in DIR --npy-out DIR [--lr 1e-3 --amsgrad ...]
//
// DIR in holds float64 p0.npy (P) and grads.npy (N, P). The tool sets grads[n] as the
// parameter's gradient, clips it with clip_grad_norm when --clip-norm is given, steps, and
// writes row n of params.npy (N, P) in the output directory. Every flag's default and meaning
// are torch.optim's; a flag the chosen optimizer does not take is an error.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>
#include <CLI/CLI.hpp>
#include <xtensor/xnpy.hpp>
#include <xtensor/xview.hpp>

#include "cli_main.hpp"
#include "optim/optim.hpp"

namespace fs = std::filesystem;
using tapegrad::Array;
using tapegrad::Error;

namespace {

struct Flags {
  std::string optimizer, npy_in, npy_out;
  std::map<std::string, double> numbers;  // the numeric flags given, by name ("lr", "beta1")
  std::set<std::string> switches;         // the boolean flags set ("nesterov")
};

// What an .npy header says, read without trusting it (xt::load_npy assumes a well-formed file).
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

std::string shape_string(const std::vector<std::size_t>& shape) {
  return tapegrad::shape_str(shape);
}

// Reads the magic, version and header dictionary of `path`, and checks that the file holds
// exactly the data the header announces.
NpyHeader read_npy_header(const fs::path& path) {
  const std::string name = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(name + ": cannot open " + path.string());
  char magic[8];
  if (!in.read(magic, 8) || std::string(magic, 6) != "\x93NUMPY")
    throw Error(name + ": not an .npy file (bad magic bytes)");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_length = 0;
  unsigned char length_bytes[4] = {0, 0, 0, 0};
  const int length_size = major == 1 ? 2 : 4;
  if (major < 1 || major > 3)
    throw Error(name + ": unsupported .npy version " + std::to_string(major));
  if (!in.read(reinterpret_cast<char*>(length_bytes), length_size))
    throw Error(name + ": truncated header");
  for (int i = length_size - 1; i >= 0; --i) header_length = header_length * 256 + length_bytes[i];
  std::string header(header_length, '\0');
  if (!in.read(header.data(), header_length)) throw Error(name + ": truncated header");

  NpyHeader result;
  auto value_of = [&](const std::string& key) {
    const std::size_t at = header.find("'" + key + "'");
    if (at == std::string::npos) throw Error(name + ": header has no '" + key + "' entry");
    std::size_t colon = header.find(':', at);
    if (colon == std::string::npos) throw Error(name + ": malformed header");
    std::size_t start = header.find_first_not_of(' ', colon + 1);
    if (start == std::string::npos) throw Error(name + ": malformed header");
    return start;
  };
  std::size_t at = value_of("descr");
  const std::size_t close = header[at] == '\'' ? header.find('\'', at + 1) : std::string::npos;
  if (close == std::string::npos) throw Error(name + ": header's 'descr' is not a dtype string");
  result.descr = header.substr(at + 1, close - at - 1);
  at = value_of("fortran_order");
  result.fortran_order = header.compare(at, 4, "True") == 0;
  if (!result.fortran_order && header.compare(at, 5, "False") != 0)
    throw Error(name + ": header's 'fortran_order' is neither True nor False");
  at = value_of("shape");
  const std::size_t end = header.find(')', at);
  if (header[at] != '(' || end == std::string::npos)
    throw Error(name + ": header's 'shape' is not a tuple");
  std::size_t count = 1;
  for (std::size_t i = at + 1; i < end;) {
    if (header[i] == ' ' || header[i] == ',') {
      ++i;
      continue;
    }
    std::size_t extent = 0, digits = 0;
    for (; i < end && header[i] >= '0' && header[i] <= '9'; ++i, ++digits) {
      if (extent > (SIZE_MAX - 9) / 10) throw Error(name + ": header's 'shape' is too large");
      extent = extent * 10 + static_cast<std::size_t>(header[i] - '0');
    }
    if (digits == 0) throw Error(name + ": header's 'shape' is not a tuple of integers");
    if (extent != 0 && count > SIZE_MAX / 8 / extent)
      throw Error(name + ": header's 'shape' is too large");
    count *= extent;
    result.shape.push_back(extent);
  }
  if (result.descr != "<f8")
    throw Error(name + ": dtype is '" + result.descr + "', expected float64 ('<f8')");
  const auto data_start = static_cast<std::uintmax_t>(in.tellg());
  const std::uintmax_t file_size = fs::file_size(path);
  const std::uintmax_t expected = data_start + count * sizeof(double);
  if (file_size != expected)
    throw Error(name + ": holds " + std::to_string(file_size - data_start) +
                " data bytes, but shape " + shape_string(result.shape) + " of float64 needs " +
                std::to_string(count * sizeof(double)));
  return result;
}

// The file's array, once its dtype, shape rank and size are known to be right.
Array<double> load_npy(const fs::path& path, std::size_t rank, const std::string& expected_shape) {
  const NpyHeader header = read_npy_header(path);
  if (header.shape.size() != rank)
    throw Error(path.filename().string() + ": shape is " + shape_string(header.shape) +
                ", expected " + expected_shape);
  return Array<double>(xt::load_npy<double>(path.string()));
}

// Writes to a temporary file in the same directory, then renames it over `path`, so that a
// reader never sees a half-written file.
void save_npy_atomically(const fs::path& path, const Array<double>& array) {
  const std::string bytes = xt::dump_npy(array);
  const fs::path temporary =
      path.parent_path() / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.filename().string() + ": cannot write " + temporary.string());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw Error(path.filename().string() + ": writing " + temporary.string() + " failed");
    }
  }
  std::error_code code;
  fs::rename(temporary, path, code);
  if (code) {
    fs::remove(temporary, code);
    throw Error(path.filename().string() + ": cannot rename into " + path.string());
  }
}

// The flags each optimizer takes, as torch.optim's keyword arguments do (plus --clip-norm).
const std::map<std::string, std::vector<std::string>>& accepted_flags() {
  static const std::map<std::string, std::vector<std::string>> flags{
      {"sgd", {"lr", "momentum", "dampening", "weight-decay", "nesterov"}},
      {"adagrad", {"lr", "lr-decay", "weight-decay", "initial-accumulator", "eps"}},
      {"rmsprop", {"lr", "alpha", "eps", "weight-decay", "momentum", "centered"}},
      {"adam", {"lr", "beta1", "beta2", "eps", "weight-decay", "amsgrad"}},
      {"adamw", {"lr", "beta1", "beta2", "eps", "weight-decay", "amsgrad"}},
  };
  return flags;
}

std::unique_ptr<tapegrad::Optimizer<double>> make_optimizer(
    const Flags& flags, std::vector<tapegrad::Tensor<double>> parameters) {
  const std::vector<std::string>& accepted = accepted_flags().at(flags.optimizer);
  auto check = [&](const std::string& flag) {
    if (std::find(accepted.begin(), accepted.end(), flag) != accepted.end()) return;
    std::string list;
    for (const std::string& name : accepted) list += " --" + name;
    throw Error("--" + flag + " is not an option of " + flags.optimizer + " (it takes" + list +
                " --clip-norm)");
  };
  for (const auto& entry : flags.numbers)
    if (entry.first != "clip-norm") check(entry.first);
  for (const std::string& name : flags.switches) check(name);
  // A flag's value, or PyTorch's default when it was not given.
  auto number = [&](const std::string& flag, double fallback) {
    auto found = flags.numbers.find(flag);
    return found == flags.numbers.end() ? fallback : found->second;
  };
  auto on = [&](const std::string& flag) { return flags.switches.count(flag) > 0; };

  const std::string& kind = flags.optimizer;
  if (kind == "sgd") {
    if (!flags.numbers.count("lr")) throw Error("sgd needs --lr (torch.optim.SGD has no default)");
    return std::make_unique<tapegrad::SGD<double>>(
        std::move(parameters), tapegrad::SGDOptions{.lr = number("lr", 0),
                                                    .momentum = number("momentum", 0),
                                                    .dampening = number("dampening", 0),
                                                    .weight_decay = number("weight-decay", 0),
                                                    .nesterov = on("nesterov")});
  }
  if (kind == "adagrad")
    return std::make_unique<tapegrad::Adagrad<double>>(
        std::move(parameters),
        tapegrad::AdagradOptions{.lr = number("lr", 1e-2),
                                 .lr_decay = number("lr-decay", 0),
                                 .weight_decay = number("weight-decay", 0),
                                 .initial_accumulator_value = number("initial-accumulator", 0),
                                 .eps = number("eps", 1e-10)});
  if (kind == "rmsprop")
    return std::make_unique<tapegrad::RMSprop<double>>(
        std::move(parameters), tapegrad::RMSpropOptions{.lr = number("lr", 1e-2),
                                                        .alpha = number("alpha", 0.99),
                                                        .eps = number("eps", 1e-8),
                                                        .weight_decay = number("weight-decay", 0),
                                                        .momentum = number("momentum", 0),
                                                        .centered = on("centered")});
  if (kind == "adam")
    return std::make_unique<tapegrad::Adam<double>>(
        std::move(parameters), tapegrad::AdamOptions{.lr = number("lr", 1e-3),
                                                     .beta1 = number("beta1", 0.9),
                                                     .beta2 = number("beta2", 0.999),
                                                     .eps = number("eps", 1e-8),
                                                     .weight_decay = number("weight-decay", 0),
                                                     .amsgrad = on("amsgrad")});
  return std::make_unique<tapegrad::AdamW<double>>(
      std::move(parameters), tapegrad::AdamWOptions{.lr = number("lr", 1e-3),
                                                    .beta1 = number("beta1", 0.9),
                                                    .beta2 = number("beta2", 0.999),
                                                    .eps = number("eps", 1e-8),
                                                    .weight_decay = number("weight-decay", 1e-2),
                                                    .amsgrad = on("amsgrad")});
}

int run(const Flags& flags) {
  const fs::path in(flags.npy_in), out(flags.npy_out);
  if (!fs::is_directory(in)) throw Error("--npy-in: " + in.string() + " is not a directory");
  const Array<double> p0 = load_npy(in / "p0.npy", 1, "(P,): the initial parameters");
  const std::size_t size = p0.size();
  const std::string row = "(N," + std::to_string(size) + "): one gradient of p0.npy's shape " +
                          tapegrad::shape_str(p0.shape()) + " per step";
  const Array<double> grads = load_npy(in / "grads.npy", 2, row);
  if (grads.shape()[1] != size)
    throw Error("grads.npy: shape is " + tapegrad::shape_str(grads.shape()) + ", expected " + row);
  std::optional<double> clip_norm;
  if (flags.numbers.count("clip-norm")) clip_norm = flags.numbers.at("clip-norm");

  tapegrad::Tensor<double> parameter(p0, true);
  const std::vector<tapegrad::Tensor<double>> parameters{parameter};
  auto optimizer = make_optimizer(flags, parameters);
  const std::size_t steps = grads.shape()[0];
  Array<double> trajectory = xt::zeros<double>({steps, size});
  for (std::size_t n = 0; n < steps; ++n) {
    parameter.set_grad(tapegrad::Tensor<double>(Array<double>(xt::view(grads, n, xt::all()))));
    bool skip = false;
    if (clip_norm) {
      const double norm = tapegrad::clip_grad_norm(parameters, *clip_norm);
      skip = !std::isfinite(norm);
      if (skip)
        std::cerr << "optimizer_trace: step " << n << ": gradient norm is " << norm
                  << ", step skipped\n";
    }
    if (!skip) optimizer->step();
    xt::view(trajectory, n, xt::all()) = parameter.value();
  }
  std::error_code code;
  fs::create_directories(out, code);
  if (!fs::is_directory(out)) throw Error("--npy-out: cannot create directory " + out.string());
  save_npy_atomically(out / "params.npy", trajectory);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Replays grads.npy through one optimizer from p0.npy; writes params.npy."};
  Flags flags;
  app.add_option("--optimizer", flags.optimizer, "The update rule")
      ->required()
      ->check(CLI::IsMember({"sgd", "adagrad", "rmsprop", "adam", "adamw"}));
  app.add_option("--npy-in", flags.npy_in, "Directory holding p0.npy (P) and grads.npy (N, P)")
      ->required();
  app.add_option("--npy-out", flags.npy_out, "Directory to write params.npy (N, P) into")
      ->required();
  // Defaults are torch.optim's, per optimizer; they are filled in by make_optimizer.
  const std::vector<std::pair<std::string, std::string>> numeric{
      {"lr", "Learning rate (sgd: required; adagrad, rmsprop: 1e-2; adam, adamw: 1e-3)"},
      {"momentum", "Momentum factor (sgd, rmsprop; default 0)"},
      {"dampening", "Dampening for momentum (sgd; default 0)"},
      {"weight-decay", "Weight decay (default 0; adamw: 1e-2, decoupled)"},
      {"beta1", "First-moment decay (adam, adamw; default 0.9)"},
      {"beta2", "Second-moment decay (adam, adamw; default 0.999)"},
      {"eps", "Term added to the denominator (adagrad: 1e-10; others: 1e-8)"},
      {"alpha", "Smoothing constant (rmsprop; default 0.99)"},
      {"lr-decay", "Learning-rate decay (adagrad; default 0)"},
      {"initial-accumulator", "Initial accumulator value (adagrad; default 0)"},
      {"clip-norm", "Clip each gradient to this global L2 norm before the step"},
  };
  std::map<std::string, double> values;
  std::map<std::string, CLI::Option*> numeric_options;
  for (const auto& [name, help] : numeric) {
    values[name] = 0;
    numeric_options[name] = app.add_option("--" + name, values[name], help);
  }
  const std::vector<std::pair<std::string, std::string>> boolean{
      {"nesterov", "Nesterov momentum (sgd)"},
      {"amsgrad", "AMSGrad variant (adam, adamw)"},
      {"centered", "Centered RMSprop (rmsprop)"},
  };
  std::map<std::string, bool> switches;
  for (const auto& [name, help] : boolean) {
    switches[name] = false;
    app.add_flag("--" + name, switches[name], help);
  }

  return run_cli("optimizer_trace", app, argc, argv, [&] {
    for (const auto& [name, option] : numeric_options)
      if (option->count() > 0) flags.numbers[name] = values[name];
    for (const auto& [name, on] : switches)
      if (on) flags.switches.insert(name);
    return run(flags);
  });
}
