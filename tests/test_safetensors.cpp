// Safetensors files: round trip, the exact byte layout, every validation error (each naming the
// file and the tensor), atomic writes, module parameters, and an exactly resumed training run.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "autodiff/ops.hpp"
#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "layers/safetensors.hpp"
#include "optim/adam.hpp"
#include "optim/clip.hpp"
#include "test_safetensors_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Array<double> iota_array(const Shape& shape, double start = 0.5) {
  Array<double> a = Array<double>::from_shape(shape);
  double v = start;
  for (auto& x : a) x = v, v += 1.25;
  return a;
}

}  // namespace

TEST_CASE("safetensors: round trip of shapes, dtypes and metadata") {
  TempDir dir;
  const std::string path = dir.file("a.safetensors");
  const std::vector<std::pair<std::string, Array<double>>> tensors{
      {"matrix", iota_array({2, 3})},
      {"scalar", Array<double>(3.25)},
      {"empty", Array<double>::from_shape({0, 4})},
      {"cube", iota_array({2, 1, 2}, -7.0)}};
  const std::map<std::string, std::string> metadata{{"vocabulary", "\n !abcé\"\\"}, {"step", "12"}};
  save_safetensors(path, tensors, metadata);

  const SafetensorsFile<double> loaded = load_safetensors<double>(path);
  REQUIRE(loaded.tensors.size() == 4);
  for (const auto& [name, array] : tensors) {
    const Array<double>* found = loaded.find(name);
    REQUIRE(found != nullptr);
    CHECK(found->shape() == array.shape());
    CHECK(*found == array);
  }
  CHECK(loaded.metadata == metadata);
  CHECK(loaded.find("missing") == nullptr);

  // Doubles are F64 and read into floats by conversion; floats are F32.
  const SafetensorsFile<float> as_float = load_safetensors<float>(path);
  CHECK((*as_float.find("matrix"))(1, 2) == 6.75f);
  save_safetensors<float>(path, {{"x", Array<float>({1.5f, -2.0f})}});
  const SafetensorsFile<double> widened = load_safetensors<double>(path);
  CHECK(*widened.find("x") == Array<double>({1.5, -2.0}));
  CHECK(widened.metadata.empty());
}

TEST_CASE("safetensors: the bytes are the documented layout") {
  TempDir dir;
  const std::string path = dir.file("layout.safetensors");
  save_safetensors<float>(path, {{"w", Array<float>({1.0f, 2.0f, 3.0f})}}, {{"k", "v"}});
  const std::string bytes = read_bytes(path);
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n % 8 == 0);  // the data starts 8-byte aligned
  CHECK(bytes.size() == 8 + n + 12);
  const std::string header = bytes.substr(8, n);
  CHECK(contains(header, R"("w":{"data_offsets":[0,12],"dtype":"F32","shape":[3]})"));
  CHECK(contains(header, R"("__metadata__":{"k":"v"})"));
  float last = 0;
  std::memcpy(&last, bytes.data() + 8 + n + 8, 4);
  CHECK(last == 3.0f);
}

TEST_CASE("safetensors: every malformed file is an Error naming the file and the tensor") {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  auto load_error = [&] { return error_of([&] { load_safetensors<float>(path); }); };
  const std::string ok_entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

  SUBCASE("missing file") {
    CHECK(contains(error_of([&] { load_safetensors<float>(dir.file("none")); }), "cannot open"));
  }
  SUBCASE("shorter than the length field") {
    std::ofstream(path) << "abc";
    CHECK(contains(load_error(), path + ": file of 3 bytes is too short"));
  }
  SUBCASE("header length past the end of the file") {
    write_raw(path, "{" + ok_entry + "}", 8, 1000);
    CHECK(contains(load_error(), path + ": header length 1000 does not fit"));
  }
  SUBCASE("header length too small") {
    write_raw(path, "{}", 0, 1);
    CHECK(contains(load_error(), "header length 1 does not fit"));
  }
  SUBCASE("header is not JSON") {
    write_raw(path, "{\"a\": [1,", 0);
    CHECK(contains(load_error(), path + ": header is not valid JSON"));
  }
  SUBCASE("header is not an object") {
    write_raw(path, "[1, 2]", 0);
    CHECK(contains(load_error(), "header is not a JSON object"));
  }
  SUBCASE("a name appears twice") {
    write_raw(path, "{" + ok_entry + "," + ok_entry + "}", 8);
    CHECK(contains(load_error(), path + ": tensor 'a' appears twice"));
  }
  SUBCASE("unknown dtype") {
    write_raw(path, R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8);
    CHECK(contains(load_error(), "tensor 'a': dtype I64 is not supported"));
  }
  SUBCASE("missing field") {
    write_raw(path, R"({"a":{"dtype":"F32","shape":[2]}})", 8);
    CHECK(contains(load_error(), "tensor 'a': expected an object with dtype, shape"));
  }
  SUBCASE("negative extent") {
    write_raw(path, R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8);
    CHECK(contains(load_error(), "tensor 'a': shape [-2] has an invalid extent"));
  }
  SUBCASE("shape disagrees with the byte range") {
    write_raw(path, R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 12);
    CHECK(contains(load_error(),
                   "tensor 'a': F32 shape [3] needs 12 bytes, data_offsets [0, 8] "
                   "hold 8"));
  }
  SUBCASE("offsets run backwards") {
    write_raw(path, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8);
    CHECK(contains(load_error(), "tensor 'a': data_offsets [8, 0] run backwards"));
  }
  SUBCASE("range past the end of the data") {
    write_raw(path, "{" + ok_entry + "}", 4);
    CHECK(contains(load_error(), path + ": tensor 'a': data_offsets [0, 8] end past the 4 bytes"));
  }
  SUBCASE("ranges overlap") {
    write_raw(path,
              R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
              R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
              12);
    CHECK(contains(load_error(), path + ": tensor 'b' overlaps tensor 'a'"));
  }
  SUBCASE("metadata value is not a string") {
    write_raw(path, R"({"__metadata__":{"step":3}})", 0);
    CHECK(contains(load_error(), "__metadata__ value 'step' is not a string"));
  }
  SUBCASE("a truncated real file") {
    save_safetensors<float>(path, {{"w", Array<float>::from_shape({10})}});
    const std::string bytes = read_bytes(path);
    std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 4);
    CHECK(contains(load_error(), "tensor 'w': data_offsets [0, 40] end past the 36 bytes"));
  }
}

TEST_CASE("safetensors: writing refuses bad names before touching any file") {
  TempDir dir;
  const std::string path = dir.file("w.safetensors");
  const Array<float> x({1.0f});
  CHECK(contains(error_of([&] {
                   save_safetensors<float>(path, {{"a", x}, {"a", x}});
                 }),
                 "tensor 'a' is given twice"));
  CHECK(contains(error_of([&] {
                   save_safetensors<float>(path, {{"__metadata__", x}});
                 }),
                 "cannot write a tensor named '__metadata__'"));
  CHECK(contains(error_of([&] {
                   save_safetensors<float>(path, {{"", x}});
                 }),
                 "cannot write a tensor named ''"));
  CHECK(!fs::exists(path));
}

TEST_CASE("safetensors: a failed write leaves the previous file intact") {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  save_safetensors<float>(path, {{"w", Array<float>({1.0f, 2.0f})}}, {{"step", "1"}});
  const std::string before = read_bytes(path);
  // No temporary file is left behind by a successful write.
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}) == 1);

  SUBCASE("bad input") {
    CHECK_THROWS_AS(save_safetensors<float>(path, {{"w", Array<float>({9.0f})}, {"w", {}}}), Error);
  }
  SUBCASE("the temporary file cannot be created") {
    // The writer's temporary name is taken by a directory, so writing fails midway.
    fs::create_directory(path + ".tmp-" + std::to_string(::getpid()));
    const std::string message = error_of([&] {
      save_safetensors<float>(path, {{"w", Array<float>({9.0f, 9.0f})}});
    });
    CHECK(contains(message, path + ": cannot create"));
  }
  SUBCASE("the destination cannot be replaced") {
    // rename() cannot put a file over a non-empty directory: the data is written, the swap fails.
    const std::string target = dir.file("occupied");
    fs::create_directories(fs::path(target) / "inside");
    const std::string message = error_of([&] {
      save_safetensors<float>(target, {{"w", Array<float>({9.0f})}});
    });
    CHECK(contains(message, "writing failed"));
    CHECK(fs::is_directory(target));
    CHECK(!fs::exists(target + ".tmp-" + std::to_string(::getpid())));
  }
  CHECK(read_bytes(path) == before);
  CHECK(*load_safetensors<float>(path).find("w") == Array<float>({1.0f, 2.0f}));
}

TEST_CASE("safetensors: module parameters by name, all checked before any is set") {
  TempDir dir;
  const std::string path = dir.file("linear.safetensors");
  Linear<float> source(3, 2, true, 1), target(3, 2, true, 2);
  save_safetensors(path, parameter_arrays(source, "decoder."));
  const SafetensorsFile<float> file = load_safetensors<float>(path);
  CHECK(file.find("decoder.weight") != nullptr);
  CHECK(file.find("decoder.bias") != nullptr);

  load_parameters(target, file, path, "decoder.");
  CHECK(target.weight.value() == source.weight.value());
  CHECK(target.bias.value() == source.bias.value());

  Linear<float> other(3, 2, true, 3), wider(4, 2, true, 3);
  const Array<float> original = other.weight.value();
  CHECK(contains(error_of([&] { load_parameters(other, file, path, "head."); }),
                 path + ": tensor 'head.weight' is missing (the Linear parameter 'weight')"));
  CHECK(contains(error_of([&] { load_parameters(wider, file, path, "decoder."); }),
                 path + ": tensor 'decoder.weight' has shape (2,3), the model's parameter has "
                        "(2,4)"));
  save_safetensors<float>(path, {{"decoder.weight", source.weight.value()}});
  CHECK(contains(
      error_of([&] { load_parameters(other, load_safetensors<float>(path), path, "decoder."); }),
      "tensor 'decoder.bias' is missing"));
  CHECK(other.weight.value() == original);  // nothing was set
}

namespace {

// Embedding -> LSTM -> Linear on a fixed token stream, as char_lm trains it.
struct TinyLM : Module<float> {
  explicit TinyLM(std::uint64_t seed)
      : generator(seed),
        embedding(7, 5, generator),
        rnn(make_options(), generator),
        decoder(6, 7, true, generator) {
    register_module("embedding", embedding);
    register_module("rnn", rnn);
    register_module("decoder", decoder);
  }
  static LSTMOptions make_options() {
    LSTMOptions options;
    options.input_size = 5, options.hidden_size = 6, options.num_layers = 2, options.dropout = 0.3;
    return options;
  }
  std::string type_name() const override { return "TinyLM"; }
  Generator generator;
  Embedding<float> embedding;
  LSTM<float> rnn;
  Linear<float> decoder;
};

void train_steps(TinyLM& model, Adam<float>& optimizer, std::size_t first, std::size_t count) {
  const std::size_t steps = 4, batch = 3;
  for (std::size_t step = first; step < first + count; ++step) {
    std::vector<std::size_t> inputs, targets;
    for (std::size_t i = 0; i < steps * batch; ++i) {
      inputs.push_back((step * 5 + i * 3) % 7);
      targets.push_back((step + i * 2) % 7);
    }
    Tensor<float> x = reshape(model.embedding.forward(inputs), Shape{steps, batch, 5});
    Tensor<float> h = reshape(model.rnn.forward(x).output, Shape{steps * batch, 6});
    cross_entropy(model.decoder.forward(h), targets).backward();
    clip_grad_norm(model.parameters(), 0.5);
    optimizer.step();
    optimizer.zero_grad();
  }
}

}  // namespace

TEST_CASE("safetensors: N steps straight equal N/2 + save + load + N/2, bitwise") {
  TempDir dir;
  const std::string path = dir.file("resume.safetensors");
  const std::size_t n = 10;

  TinyLM straight(7);
  Adam<float> straight_optimizer(straight.parameters(), AdamOptions{.lr = 0.01});
  train_steps(straight, straight_optimizer, 0, n);

  {
    TinyLM first_half(7);
    Adam<float> optimizer(first_half.parameters(), AdamOptions{.lr = 0.01});
    train_steps(first_half, optimizer, 0, n / 2);
    auto tensors = parameter_arrays(first_half);
    const OptimizerState<float> state = optimizer.state();
    for (const auto& [name, array] : state.arrays) tensors.emplace_back("optimizer." + name, array);
    std::map<std::string, std::string> metadata;
    for (const auto& [name, value] : state.scalars) {
      char text[40];
      std::snprintf(text, sizeof text, "%.17g", value);
      metadata["optimizer." + name] = text;
    }
    std::ostringstream rng;
    rng << first_half.rnn.dropout_generator().engine();
    metadata["rng.rnn_dropout"] = rng.str();
    save_safetensors(path, tensors, metadata);
  }

  TinyLM resumed(99);  // different initial values: everything must come from the file
  Adam<float> optimizer(resumed.parameters(), AdamOptions{.lr = 0.01});
  const SafetensorsFile<float> file = load_safetensors<float>(path);
  load_parameters(resumed, file, path);
  OptimizerState<float> state;
  for (const auto& [name, array] : file.tensors)
    if (name.rfind("optimizer.", 0) == 0) state.arrays.emplace_back(name.substr(10), array);
  for (const auto& [key, value] : file.metadata)
    if (key.rfind("optimizer.", 0) == 0)
      state.scalars.emplace_back(key.substr(10), std::stod(value));
  optimizer.load_state(state);
  std::istringstream rng(file.metadata.at("rng.rnn_dropout"));
  rng >> resumed.rnn.dropout_generator().engine();
  train_steps(resumed, optimizer, n / 2, n / 2);

  const auto expected = straight.named_parameters();
  const auto actual = resumed.named_parameters();
  REQUIRE(expected.size() == actual.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(expected[i].first);
    CHECK(actual[i].first == expected[i].first);
    const auto& a = expected[i].second.value();
    const auto& b = actual[i].second.value();
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  }
  CHECK(optimizer.step_count() == straight_optimizer.step_count());
}
