// char_lm: a character-level language model (Notes D), p(x_1..x_T) = Π_t p(x_t | x_<t):
//
//   characters -> Embedding -> RNN / LSTM / GRU -> Linear (decoder) -> softmax cross-entropy
//
// trained with truncated BPTT over --seq characters, Adam and gradient-norm clipping, on
// --text FILE or on the embedded default corpus (examples/char_lm_corpus.hpp). The first 90%
// of the text (by position) trains, the last 10% validates.
//
// Training batches (--batching):
//   stream  --batch streams over consecutive stripes of the train split; each step takes the
//           next --seq characters of every stream and the hidden state is carried from chunk
//           to chunk (detached: truncated BPTT).
//   random  --batch windows at uniformly random offsets, each from a zero state: the protocol
//           of the PyTorch peer (../shared/bench/peers/char_lm_torch.py), for a fair comparison.
//
// Validation follows the peer's protocol: consecutive windows of --seq characters over the
// whole validation split, each from a zero state, so every validation character after the first
// is predicted exactly once. The last line of stdout is
//   val_loss_nats: <float> chars_per_s: <float>
// where chars_per_s counts predicted training characters per second of training.
//
// Checkpoints (--save, --resume) are safetensors files (layers/safetensors.hpp) holding the
// parameters under PyTorch's names (embedding.weight, rnn.weight_ih_l0, ..., decoder.bias),
// Adam's state under "optimizer.", the carried stream state under "train_state.", and in the
// metadata the vocabulary, the model config, the step, Adam's scalars and every random
// generator's state, so that a resumed run continues exactly where it stopped.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "autodiff/ops.hpp"
#include "char_lm_corpus.hpp"
#include "cli_main.hpp"
#include "layers/bptt.hpp"
#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "layers/safetensors.hpp"
#include "optim/optim.hpp"
#include "progress.hpp"
#include "svg_plot.hpp"

extern "C" void openblas_set_num_threads(int);

using namespace tapegrad;
using Real = float;

namespace {

// ---- Text as code points ------------------------------------------------------------------

// UTF-8 to code points; a byte that does not start a valid sequence stands for itself (Latin-1),
// so any file can be read.
std::vector<char32_t> decode_utf8(const std::string& bytes) {
  std::vector<char32_t> out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = lead < 0x80         ? 1
                         : (lead >> 5) == 6  ? 2
                         : (lead >> 4) == 14 ? 3
                         : (lead >> 3) == 30 ? 4
                                             : 0;
    char32_t code = length == 1   ? lead
                    : length == 2 ? lead & 0x1f
                    : length == 3 ? lead & 0x0f
                                  : lead & 0x07;
    bool valid = length > 0 && i + length <= bytes.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = (byte(i + k) >> 6) == 2;
      code = (code << 6) | (byte(i + k) & 0x3f);
    }
    if (!valid) length = 1, code = lead;
    out.push_back(code);
    i += length;
  }
  return out;
}

std::string encode_utf8(const std::vector<char32_t>& codes) {
  std::string out;
  for (char32_t c : codes) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xe0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

// "U+005A": how Unicode names a code point.
std::string code_point_name(char32_t c) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(c));
  return buffer;
}

// The sorted distinct characters of a text (Python's sorted(set(text)), as the peer builds it).
struct Vocabulary {
  std::vector<char32_t> chars;

  std::size_t size() const { return chars.size(); }
  std::optional<std::size_t> index(char32_t c) const {
    auto found = std::lower_bound(chars.begin(), chars.end(), c);
    if (found == chars.end() || *found != c) return std::nullopt;
    return static_cast<std::size_t>(found - chars.begin());
  }
  std::vector<std::size_t> encode(const std::vector<char32_t>& text,
                                  const std::string& what) const {
    std::vector<std::size_t> out;
    out.reserve(text.size());
    for (char32_t c : text) {
      auto k = index(c);
      if (!k)
        throw Error(what + ": character " + code_point_name(c) + " '" + encode_utf8({c}) +
                    "' is not in the model's vocabulary");
      out.push_back(*k);
    }
    return out;
  }
  static Vocabulary of(const std::vector<char32_t>& text) {
    Vocabulary v{text};
    std::sort(v.chars.begin(), v.chars.end());
    v.chars.erase(std::unique(v.chars.begin(), v.chars.end()), v.chars.end());
    return v;
  }
};

// The recurrent state carried between chunks: h, and c for the LSTM; undefined means zeros.
struct RecurrentState {
  Tensor<Real> h, c;
  RecurrentState detach() const {
    return {h.defined() ? h.detach() : h, c.defined() ? c.detach() : c};
  }
};

// NOTE [fused sequence op]
// A single-layer model can run its whole recurrent layer as one tape op: ManualBPTT
// (layers/bptt.hpp) runs the forward pass over all steps and the hand-derived backward pass on
// plain arrays with one gemm per product, instead of a dozen recorded ops per time step. The
// values are the layer's own equations (tests/test_bptt.cpp checks the two against each other),
// and the parameters and their gradients are the same tensors, so checkpoints do not change.
// char_lm --fused turns it on; whether it is faster depends on the sizes (measured on a loaded
// 2-core machine: faster at hidden 256 in some runs, slower at 64-192), so it is not the default.
SequenceOutput<Real> fused_sequence(CellKind kind, Module<Real>& rnn, const Tensor<Real>& x,
                                    const RecurrentState& state) {
  const std::size_t batch = x.shape()[1];
  const Tensor<Real> weights[4] = {rnn.parameter("weight_ih_l0"), rnn.parameter("weight_hh_l0"),
                                   rnn.parameter("bias_ih_l0"), rnn.parameter("bias_hh_l0")};
  const std::size_t hidden = weights[1].shape()[1];
  const bool lstm = has_cell_state(kind);
  const Shape state_shape{batch, hidden};
  auto initial = [&](const Tensor<Real>& given) {
    return given.defined() ? reshape(given, state_shape) : Tensor<Real>::zeros(state_shape);
  };
  const Tensor<Real> h0 = initial(state.h), c0 = lstm ? initial(state.c) : Tensor<Real>();
  auto bptt = std::make_shared<ManualBPTT<Real>>(
      kind, RecurrentWeights<Real>{weights[0].value(), weights[1].value(), weights[2].value(),
                                   weights[3].value()});
  std::vector<Tensor<Real>> outputs{
      Tensor<Real>(bptt->forward(x.value(), h0.value(),
                                 lstm ? std::optional<Array<Real>>(c0.value()) : std::nullopt)),
      Tensor<Real>(bptt->final_hidden())};
  if (lstm) outputs.emplace_back(bptt->final_cell());
  std::vector<Tensor<Real>> inputs{x, h0, weights[0], weights[1], weights[2], weights[3]};
  if (lstm) inputs.push_back(c0);
  const Shape y_shape = outputs[0].shape();
  record_many<Real>(
      "fused_sequence", inputs, outputs, [bptt, lstm, y_shape](std::span<const Tensor<Real>> g) {
        auto optional = [](const Tensor<Real>& t) {
          return t.defined() ? std::optional<Array<Real>>(t.value()) : std::nullopt;
        };
        const Array<Real> gy =
            g[0].defined() ? g[0].value() : Array<Real>(xt::zeros<Real>(y_shape));
        RecurrentGradients<Real> d =
            bptt->backward(gy, optional(g[1]), lstm ? optional(g[2]) : std::nullopt);
        std::vector<Tensor<Real>> grads{
            Tensor<Real>(std::move(d.grad_x)),         Tensor<Real>(std::move(d.grad_h0)),
            Tensor<Real>(std::move(d.grad_weight_ih)), Tensor<Real>(std::move(d.grad_weight_hh)),
            Tensor<Real>(std::move(d.grad_bias_ih)),   Tensor<Real>(std::move(d.grad_bias_hh))};
        if (lstm) grads.emplace_back(std::move(d.grad_c0));
        return grads;
      });
  const Shape stacked{1, batch, hidden};
  return {outputs[0], reshape(outputs[1], stacked),
          lstm ? reshape(outputs[2], stacked) : Tensor<Real>()};
}

// ---- The model ----------------------------------------------------------------------------

struct ModelConfig {
  std::string cell = "lstm";
  std::size_t vocab = 0, embed = 64, hidden = 256, layers = 1;
  double dropout = 0;
};

// Submodules embedding / rnn / decoder, as a PyTorch module with those attributes names them.
class CharModel : public Module<Real> {
 public:
  CharModel(const ModelConfig& config, std::uint64_t seed)
      : config_(config),
        generator_(seed),
        embedding(config.vocab, config.embed, generator_),
        decoder(config.hidden, config.vocab, true, (build_rnn(), generator_)),
        dropout_generator(seed + 1) {
    register_module("embedding", embedding);
    register_module("rnn", *rnn_module_);
    register_module("decoder", decoder);
  }
  std::string type_name() const override { return "CharModel"; }
  const ModelConfig& config() const { return config_; }

  // indices: steps x batch, time-major -> logits (steps * batch, vocab); `state` is updated.
  Tensor<Real> forward(const std::vector<std::size_t>& indices, std::size_t steps,
                       std::size_t batch, RecurrentState& state) {
    Tensor<Real> x = reshape(embedding.forward(indices), Shape{steps, batch, config_.embed});
    SequenceOutput<Real> out;
    if (fused && config_.layers == 1) {
      const CellKind kind = lstm_ ? CellKind::lstm : gru_ ? CellKind::gru : CellKind::rnn_tanh;
      out = fused_sequence(kind, *rnn_module_, x, state);
    } else if (lstm_) {
      out = lstm_->forward(x, LSTMState<Real>{state.h, state.c});
    } else if (gru_) {
      out = gru_->forward(x, state.h);
    } else {
      out = rnn_->forward(x, state.h);
    }
    state = {out.h_n, out.c_n};
    Tensor<Real> features = reshape(out.output, Shape{steps * batch, config_.hidden});
    // Dropout before the decoder too, so that --dropout regularises a one-layer model as well.
    features = dropout(features, config_.dropout, dropout_generator, is_training());
    return decoder.forward(features);
  }

  // The generator behind the recurrent layer's inter-layer dropout.
  Generator& rnn_dropout_generator() {
    return lstm_  ? lstm_->dropout_generator()
           : gru_ ? gru_->dropout_generator()
                  : rnn_->dropout_generator();
  }

 private:
  // Built between the embedding and the decoder, so the initial values are drawn in the order
  // PyTorch's module would draw them.
  int build_rnn() {
    const StackOptions stack{config_.layers, false, config_.dropout};
    if (config_.cell == "lstm") {
      LSTMOptions options;
      options.input_size = config_.embed, options.hidden_size = config_.hidden;
      static_cast<StackOptions&>(options) = stack;
      lstm_ = std::make_unique<LSTM<Real>>(options, generator_);
      rnn_module_ = lstm_.get();
    } else if (config_.cell == "gru") {
      GRUOptions options;
      options.input_size = config_.embed, options.hidden_size = config_.hidden;
      static_cast<StackOptions&>(options) = stack;
      gru_ = std::make_unique<GRU<Real>>(options, generator_);
      rnn_module_ = gru_.get();
    } else if (config_.cell == "rnn") {
      RNNOptions options;
      options.input_size = config_.embed, options.hidden_size = config_.hidden;
      static_cast<StackOptions&>(options) = stack;
      rnn_ = std::make_unique<RNN<Real>>(options, generator_);
      rnn_module_ = rnn_.get();
    } else {
      throw Error("char_lm: unknown cell '" + config_.cell + "' (rnn, lstm or gru)");
    }
    return 0;
  }

  ModelConfig config_;
  Generator generator_;
  std::unique_ptr<RNN<Real>> rnn_;
  std::unique_ptr<LSTM<Real>> lstm_;
  std::unique_ptr<GRU<Real>> gru_;
  Module<Real>* rnn_module_ = nullptr;

 public:
  Embedding<Real> embedding;
  Linear<Real> decoder;
  Generator dropout_generator;
  // NOTE [fused sequence op]; off: the layer's step-by-step tape ops.
  bool fused = false;
};

// ---- Checkpoint helpers -------------------------------------------------------------------

std::string generator_state(Generator& generator) {
  std::ostringstream out;
  out << generator.engine();
  return out.str();
}

void set_generator_state(Generator& generator, const std::string& text, const std::string& what) {
  std::istringstream in(text);
  in >> generator.engine();
  if (!in) throw Error(what + " is not a random generator state");
}

std::string number_text(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

// A metadata value of a checkpoint, or an Error naming the file and the key.
struct Metadata {
  const std::map<std::string, std::string>& values;
  const std::string& path;
  const std::string& text(const std::string& key) const {
    auto found = values.find(key);
    if (found == values.end()) throw Error(path + ": metadata '" + key + "' is missing");
    return found->second;
  }
  double number(const std::string& key) const {
    const std::string& value = text(key);
    char* end = nullptr;
    const double result = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(result))
      throw Error(path + ": metadata '" + key + "' = '" + value + "' is not a number");
    return result;
  }
  std::size_t count(const std::string& key) const {
    const double value = number(key);
    if (value < 0 || value != std::floor(value) || value > 1e15)
      throw Error(path + ": metadata '" + key + "' = '" + text(key) + "' is not a count");
    return static_cast<std::size_t>(value);
  }
};

constexpr const char* kFormat = "tapegrad char_lm 1";

// ---- Evaluation and sampling --------------------------------------------------------------

// Mean nats per character over every character of `data` after the first: consecutive windows
// of `seq` characters, each from a zero state (the peer's evaluate()).
double evaluate(CharModel& model, const std::vector<std::size_t>& data, std::size_t seq,
                std::size_t windows_per_batch = 256) {
  NoGradGuard no_grad;
  model.eval();
  double total = 0;
  std::size_t count = 0;
  auto run = [&](const std::vector<std::size_t>& starts, std::size_t length) {
    std::vector<std::size_t> inputs(length * starts.size()), targets(length * starts.size());
    for (std::size_t t = 0; t < length; ++t)
      for (std::size_t b = 0; b < starts.size(); ++b) {
        inputs[t * starts.size() + b] = data[starts[b] + t];
        targets[t * starts.size() + b] = data[starts[b] + t + 1];
      }
    RecurrentState zero;
    Tensor<Real> logits = model.forward(inputs, length, starts.size(), zero);
    total += double(cross_entropy(logits, targets).item()) * double(targets.size());
    count += targets.size();
  };
  const std::size_t full = data.size() > 0 ? (data.size() - 1) / seq : 0;
  for (std::size_t first = 0; first < full; first += windows_per_batch) {
    std::vector<std::size_t> starts;
    for (std::size_t w = first; w < std::min(full, first + windows_per_batch); ++w)
      starts.push_back(w * seq);
    run(starts, seq);
  }
  const std::size_t tail = data.size() - full * seq;
  if (tail > 1) run({full * seq}, tail - 1);
  model.train();
  return count ? total / double(count) : std::nan("");
}

// Feeds `prompt` from a zero state and returns the logits after every prompt character.
Array<Real> prompt_logits(CharModel& model, const std::vector<std::size_t>& prompt) {
  NoGradGuard no_grad;
  model.eval();
  RecurrentState state;
  Array<Real> logits = model.forward(prompt, prompt.size(), 1, state).value();
  model.train();
  return logits;
}

// `length` characters after `prompt` (or after a newline with no prompt).
std::string sample(CharModel& model, const Vocabulary& vocabulary, std::vector<std::size_t> prompt,
                   std::size_t length, double temperature, Generator& generator) {
  NoGradGuard no_grad;
  model.eval();
  if (prompt.empty()) prompt.push_back(vocabulary.index(U'\n').value_or(0));
  RecurrentState state;
  Array<Real> logits = model.forward(prompt, prompt.size(), 1, state).value();
  std::size_t last_row = prompt.size() - 1;
  std::vector<char32_t> out;
  std::vector<double> weights(vocabulary.size());
  for (std::size_t i = 0; i < length; ++i) {
    const Real* row = logits.data() + last_row * vocabulary.size();
    std::size_t next = 0;
    if (temperature <= 0) {
      next = static_cast<std::size_t>(std::max_element(row, row + vocabulary.size()) - row);
    } else {
      const Real top = *std::max_element(row, row + vocabulary.size());
      for (std::size_t k = 0; k < vocabulary.size(); ++k)
        weights[k] = std::exp((double(row[k]) - top) / temperature);
      std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
      next = pick(generator.engine());
    }
    out.push_back(vocabulary.chars[next]);
    logits = model.forward({next}, 1, 1, state).value();
    last_row = 0;
  }
  model.train();
  return encode_utf8(out);
}

// ---- Options ------------------------------------------------------------------------------

struct Options {
  std::string text, cell = "lstm", batching = "stream";
  std::size_t embed = 64, hidden = 256, layers = 1, seq = 64, batch = 32;
  double dropout = 0, lr = 2e-3, clip = 5;
  std::size_t steps = 0;
  double seconds = 60;
  int threads = 2;
  std::uint64_t seed = 0;
  std::string save, resume, plot, dump_logits;
  std::size_t save_every = 0, sample = 400;
  std::string prompt;
  double temperature = 0.8;
  double log_every = 5;
  bool fused = false;
  // Model flags given on the command line, which a --resume checkpoint must agree with.
  std::vector<std::string> explicit_model_flags;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("--text " + path + ": cannot open (" + std::strerror(errno) + ")");
  // A directory opens, then reads as nothing: say so rather than call it empty.
  if (std::filesystem::is_directory(path)) throw Error("--text " + path + ": is a directory");
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) throw Error("--text " + path + ": cannot read (" + std::strerror(errno) + ")");
  return out.str();
}

std::string default_plot_path(const Options& options) {
  if (!options.plot.empty()) return options.plot;
  if (options.save.empty()) return "";
  std::filesystem::path path(options.save);
  path.replace_extension();
  return path.string() + "_loss.svg";
}

int run(const Options& options) {
  openblas_set_num_threads(options.threads);
  // Every file the run will write, checked before it trains.
  if (!options.save.empty()) examples::check_output_file("--save", options.save);
  if (!options.plot.empty()) examples::check_output_file("--plot", options.plot);
  if (!options.dump_logits.empty())
    examples::check_output_file("--dump-logits", options.dump_logits);

  // The text, its vocabulary, and where training resumes from.
  const std::string corpus_name =
      options.text.empty() ? "the default corpus" : "--text " + options.text;
  const std::string raw =
      options.text.empty() ? std::string(kDefaultCorpus) : read_file(options.text);
  const std::vector<char32_t> text = decode_utf8(raw);
  if (text.empty()) throw Error(corpus_name + " is empty");
  std::optional<SafetensorsFile<Real>> checkpoint;
  ModelConfig config;
  Vocabulary vocabulary;
  if (!options.resume.empty()) {
    checkpoint = load_safetensors<Real>(options.resume);
    const Metadata meta{checkpoint->metadata, options.resume};
    if (meta.text("format") != kFormat)
      throw Error(options.resume + ": not a char_lm checkpoint (format '" + meta.text("format") +
                  "', expected '" + kFormat + "')");
    vocabulary.chars = decode_utf8(meta.text("vocabulary"));
    if (vocabulary.size() == 0 || !std::is_sorted(vocabulary.chars.begin(), vocabulary.chars.end()))
      throw Error(options.resume + ": metadata 'vocabulary' is empty or not sorted");
    config.cell = meta.text("cell");
    config.embed = meta.count("embed");
    config.hidden = meta.count("hidden");
    config.layers = meta.count("layers");
    config.dropout = meta.number("dropout");
    // The checkpoint decides the model; a flag that asks for a different one is an error.
    for (const std::string& flag : options.explicit_model_flags) {
      const bool same = flag == "--cell"     ? options.cell == config.cell
                        : flag == "--hidden" ? options.hidden == config.hidden
                        : flag == "--layers" ? options.layers == config.layers
                        : flag == "--embed"  ? options.embed == config.embed
                                             : options.dropout == config.dropout;
      if (!same)
        throw Error(options.resume + " holds a model with cell " + config.cell + ", hidden " +
                    std::to_string(config.hidden) + ", layers " + std::to_string(config.layers) +
                    ", embed " + std::to_string(config.embed) + ", dropout " +
                    number_text(config.dropout) + ", not what " + flag + " asks for");
    }
  } else {
    vocabulary = Vocabulary::of(text);
    // One character would make a "model" that is certain of every next character.
    if (vocabulary.size() < 2)
      throw Error(corpus_name + " has only one distinct character (" +
                  code_point_name(vocabulary.chars[0]) + " '" + encode_utf8(vocabulary.chars) +
                  "'), a language model needs at least 2");
    config.cell = options.cell;
    config.embed = options.embed;
    config.hidden = options.hidden;
    config.layers = options.layers;
    config.dropout = options.dropout;
  }
  config.vocab = vocabulary.size();
  const std::vector<std::size_t> data = vocabulary.encode(text, corpus_name);
  const std::size_t split = static_cast<std::size_t>(0.9 * double(data.size()));
  const std::vector<std::size_t> train(data.begin(), data.begin() + split);
  const std::vector<std::size_t> val(data.begin() + split, data.end());
  const std::size_t seq = options.seq, batch = options.batch;
  if (seq == 0 || batch == 0) throw Error("--seq and --batch must be at least 1");
  if (train.size() < batch * (seq + 1))
    throw Error("the train split has " + std::to_string(train.size()) +
                " characters, too few for --batch " + std::to_string(batch) + " windows of --seq " +
                std::to_string(seq) + " + 1");

  // Checked before training, so that a typo does not cost a training run.
  const std::vector<std::size_t> prompt =
      vocabulary.encode(decode_utf8(options.prompt), "--prompt");
  CharModel model(config, options.seed);
  model.fused = options.fused;
  Adam<Real> optimizer(model.parameters(), AdamOptions{.lr = options.lr});
  Generator data_generator(options.seed + 2), sample_generator(options.seed + 3);
  std::size_t step = 0;
  RecurrentState stream_state;
  const bool stream = options.batching == "stream";

  if (checkpoint) {
    const std::string& path = options.resume;
    const Metadata meta{checkpoint->metadata, path};
    load_parameters(model, *checkpoint, path);
    OptimizerState<Real> state;
    for (const auto& [name, array] : checkpoint->tensors)
      if (name.rfind("optimizer.", 0) == 0) state.arrays.emplace_back(name.substr(10), array);
    for (const auto& [key, value] : checkpoint->metadata)
      if (key.rfind("optimizer.", 0) == 0 && key != "optimizer.name")
        state.scalars.emplace_back(key.substr(10), meta.number(key));
    try {
      optimizer.load_state(state);
    } catch (const Error& e) {
      throw Error(path + ": " + e.what());
    }
    step = meta.count("step");
    set_generator_state(data_generator, meta.text("rng.data"), path + ": metadata 'rng.data'");
    set_generator_state(model.dropout_generator, meta.text("rng.dropout"),
                        path + ": metadata 'rng.dropout'");
    set_generator_state(model.rnn_dropout_generator(), meta.text("rng.rnn_dropout"),
                        path + ": metadata 'rng.rnn_dropout'");
    const Array<Real>* h = checkpoint->find("train_state.h");
    const Array<Real>* c = checkpoint->find("train_state.c");
    const Shape state_shape{config.layers, batch, config.hidden};
    if (stream && h) {
      if (h->shape() != state_shape || (c && c->shape() != state_shape))
        throw Error(path + ": tensor 'train_state.h' has shape " + shape_str(h->shape()) +
                    ", this run's carried state is " + shape_str(state_shape) +
                    " (resume with the same --batch)");
      stream_state.h = Tensor<Real>(*h);
      if (c) stream_state.c = Tensor<Real>(*c);
    }
    std::printf("resumed %s at step %zu (%s, hidden %zu, layers %zu, embed %zu, vocab %zu)\n",
                path.c_str(), step, config.cell.c_str(), config.hidden, config.layers, config.embed,
                config.vocab);
  }
  checkpoint.reset();

  std::size_t parameter_count = 0;
  for (const auto& p : model.parameters()) parameter_count += p.size();
  std::printf(
      "%zu chars, vocab %zu, train %zu, val %zu; %s hidden %zu layers %zu embed %zu "
      "(%zu parameters); seq %zu batch %zu lr %g clip %g, %s batches, %d threads\n",
      data.size(), vocabulary.size(), train.size(), val.size(), config.cell.c_str(), config.hidden,
      config.layers, config.embed, parameter_count, seq, batch, options.lr, options.clip,
      options.batching.c_str(), options.threads);

  auto save = [&](const std::string& path) {
    std::vector<std::pair<std::string, Array<Real>>> tensors = parameter_arrays(model);
    const OptimizerState<Real> state = optimizer.state();
    for (const auto& [name, array] : state.arrays) tensors.emplace_back("optimizer." + name, array);
    if (stream && stream_state.h.defined()) {
      tensors.emplace_back("train_state.h", stream_state.h.value());
      if (stream_state.c.defined()) tensors.emplace_back("train_state.c", stream_state.c.value());
    }
    std::map<std::string, std::string> metadata{
        {"format", kFormat},
        {"vocabulary", encode_utf8(vocabulary.chars)},
        {"cell", config.cell},
        {"embed", std::to_string(config.embed)},
        {"hidden", std::to_string(config.hidden)},
        {"layers", std::to_string(config.layers)},
        {"dropout", number_text(config.dropout)},
        {"step", std::to_string(step)},
        {"optimizer.name", optimizer.name()},
        {"rng.data", generator_state(data_generator)},
        {"rng.dropout", generator_state(model.dropout_generator)},
        {"rng.rnn_dropout", generator_state(model.rnn_dropout_generator())}};
    for (const auto& [name, value] : state.scalars)
      metadata["optimizer." + name] = number_text(value);
    save_safetensors(path, tensors, metadata);
  };

  // Stream batching: stream b reads stripe b of the train split, chunk after chunk; at the end
  // of an epoch every stream starts over from a zero state.
  const std::size_t stripe = (train.size() - 1) / batch;
  const std::size_t chunks_per_epoch = std::max<std::size_t>(1, stripe / seq);
  std::uniform_int_distribution<std::size_t> window_start(0, train.size() - seq - 2);

  std::vector<std::size_t> inputs(seq * batch), targets(seq * batch);
  const std::vector<Tensor<Real>> parameters = model.parameters();
  std::vector<double> curve_steps, curve_losses;
  double window_loss = 0;
  std::size_t window_count = 0, chars_done = 0;
  const std::size_t first_step = step;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const long long total =
      options.steps ? static_cast<long long>(options.steps - std::min(options.steps, first_step))
                    : 0;
  examples::Progress progress(total, "chars/s", options.seconds, options.log_every);
  double last_loss = std::nan("");
  model.train();
  while ((options.steps == 0 || step < options.steps) &&
         (options.seconds <= 0 || elapsed() < options.seconds)) {
    if (stream) {
      const std::size_t chunk = step % chunks_per_epoch;
      if (chunk == 0) stream_state = {};
      for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t t = 0; t < seq; ++t) {
          const std::size_t position = b * stripe + chunk * seq + t;
          inputs[t * batch + b] = train[position];
          targets[t * batch + b] = train[position + 1];
        }
    } else {
      for (std::size_t b = 0; b < batch; ++b) {
        const std::size_t first = window_start(data_generator.engine());
        for (std::size_t t = 0; t < seq; ++t) {
          inputs[t * batch + b] = train[first + t];
          targets[t * batch + b] = train[first + t + 1];
        }
      }
      stream_state = {};
    }
    Tensor<Real> logits = model.forward(inputs, seq, batch, stream_state);
    Tensor<Real> loss = cross_entropy(logits, targets);
    loss.backward();
    const double norm = clip_grad_norm(parameters, options.clip);
    if (std::isfinite(norm)) optimizer.step();  // a non-finite gradient skips the update
    optimizer.zero_grad();
    stream_state = stream_state.detach();
    ++step;
    chars_done += seq * batch;
    last_loss = loss.item();
    window_loss += last_loss;
    ++window_count;
    if (window_count == 50 || step == options.steps) {
      curve_steps.push_back(double(step));
      curve_losses.push_back(window_loss / double(window_count));
      window_loss = 0, window_count = 0;
    }
    progress.update(static_cast<long long>(step - first_step), last_loss,
                    static_cast<long long>(chars_done));
    if (options.save_every && !options.save.empty() && step % options.save_every == 0)
      save(options.save);
  }
  const double train_seconds = elapsed();
  progress.finish(static_cast<long long>(step - first_step), last_loss,
                  static_cast<long long>(chars_done));
  if (window_count) {
    curve_steps.push_back(double(step));
    curve_losses.push_back(window_loss / double(window_count));
  }
  std::printf("trained to step %zu (%zu this run) in %.1f s\n", step, step - first_step,
              train_seconds);
  if (!options.save.empty()) {
    save(options.save);
    std::printf("saved %s\n", options.save.c_str());
  }

  if (!options.dump_logits.empty()) {
    if (prompt.empty()) throw Error("--dump-logits needs a --prompt");
    save_safetensors<Real>(options.dump_logits, {{"logits", prompt_logits(model, prompt)}},
                           {{"prompt", options.prompt}});
  }

  const double val_loss = evaluate(model, val, seq);
  std::printf("validation: %.4f nats/char, %.4f bits/char over %zu characters\n", val_loss,
              val_loss / std::log(2.0), val.size() > 0 ? val.size() - 1 : 0);
  const std::string plot_path = default_plot_path(options);
  if (!plot_path.empty() && !curve_steps.empty()) {
    examples::SvgPlot plot;
    plot.title = "char_lm: " + config.cell + " " + std::to_string(config.hidden) +
                 ", training loss (mean of 50 steps)";
    plot.x_label = "step";
    plot.y_label = "nats/char";
    plot.reference_y = val_loss;
    plot.reference_label = "final val loss";
    plot.add("train loss", curve_steps, curve_losses);
    plot.write(plot_path);
    std::printf("loss curve: %s\n", plot_path.c_str());
  }
  if (options.sample > 0) {
    std::printf(
        "--- sample (temperature %g) ---\n%s%s\n---\n", options.temperature, options.prompt.c_str(),
        sample(model, vocabulary, prompt, options.sample, options.temperature, sample_generator)
            .c_str());
  }
  const double chars_per_s = train_seconds > 0 ? double(chars_done) / train_seconds : 0;
  std::printf("val_loss_nats: %.4f chars_per_s: %.1f\n", val_loss, chars_per_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{
      "Character-level language model: embedding -> RNN/LSTM/GRU -> linear -> softmax, trained "
      "with truncated BPTT, Adam and gradient clipping. Trains on --text or on an embedded "
      "corpus of public-domain verse; prints validation loss, samples, and as its last line "
      "'val_loss_nats: <float> chars_per_s: <float>'.",
      "char_lm"};
  // Not CLI::ExistingFile: its error takes two lines; read_file's takes one.
  app.add_option("--text", options.text,
                 "Train on this UTF-8 text file (default: the embedded corpus)");
  app.add_option("--cell", options.cell, "Recurrent cell")
      ->check(CLI::IsMember({"rnn", "lstm", "gru"}))
      ->capture_default_str();
  app.add_option("--hidden", options.hidden, "Hidden size")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--layers", options.layers, "Stacked recurrent layers")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--embed", options.embed, "Embedding size")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--dropout", options.dropout, "Dropout between layers and before the decoder")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.99));
  app.add_option("--seq", options.seq, "Characters per truncated-BPTT chunk")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", options.batch, "Sequences per batch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--batching", options.batching,
                 "stream: consecutive chunks, state carried; random: random windows from a zero "
                 "state (the PyTorch peer's protocol)")
      ->check(CLI::IsMember({"stream", "random"}))
      ->capture_default_str();
  app.add_option("--lr", options.lr, "Adam learning rate")->capture_default_str();
  app.add_option("--clip", options.clip, "Gradient-norm clipping threshold")->capture_default_str();
  app.add_option("--steps", options.steps, "Train until this step (0: no step limit)")
      ->capture_default_str();
  app.add_option("--seconds", options.seconds, "Training time budget (0: no time limit)")
      ->capture_default_str();
  app.add_option("--threads", options.threads, "OpenBLAS threads")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", options.seed, "Seed for initialisation, batches, dropout, sampling")
      ->capture_default_str();
  app.add_option("--save", options.save, "Write a safetensors checkpoint here at the end");
  app.add_option("--save-every", options.save_every, "Also write --save every N steps");
  app.add_option("--resume", options.resume,
                 "Continue from a checkpoint (model config and vocabulary come from it)");
  app.add_option("--sample", options.sample, "Characters to sample after training")
      ->capture_default_str();
  app.add_option("--prompt", options.prompt, "Text the sample continues");
  app.add_option("--temperature", options.temperature,
                 "Sampling temperature (0: always the likeliest character)")
      ->capture_default_str();
  app.add_option("--plot", options.plot,
                 "Loss-curve SVG (default: next to --save, as <name>_loss.svg)");
  app.add_option("--log-every", options.log_every, "Seconds between progress lines in logs")
      ->capture_default_str();
  app.add_flag("--fused", options.fused,
               "Run a one-layer model's recurrent layer as one fused op with hand-derived BPTT "
               "(layers/bptt.hpp) instead of step-by-step tape ops: the same values");
  // For tests/pytorch/check_safetensors.py: the logits after each --prompt character.
  app.add_option("--dump-logits", options.dump_logits)->group("");
  return run_cli("char_lm", app, argc, argv, [&] {
    for (const char* flag : {"--cell", "--hidden", "--layers", "--embed", "--dropout"})
      if (app.count(flag)) options.explicit_model_flags.emplace_back(flag);
    if (options.steps == 0 && options.seconds <= 0)
      throw std::invalid_argument("give --steps or --seconds (or both)");
    return run(options);
  });
}
