// The loader's hardening list (issue #7), each item with its exact message: header length
// bounds, well-formed and shallow JSON, dtype and shape against the byte range, ranges inside
// the file, not overlapping and leaving no gap, unique names, every model parameter present
// with its shape.
// test_safetensors.cpp checks the same errors by their distinctive part; here the whole message
// is pinned, so a message that stops naming the file or the tensor fails.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>

#include "layers/linear.hpp"
#include "layers/safetensors.hpp"
#include "test_safetensors_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;
namespace fs = std::filesystem;

namespace {

struct TempFile {
  std::string path = (fs::temp_directory_path() /
                      ("tapegrad_hardening_" + std::to_string(::getpid()) + ".safetensors"))
                         .string();
  ~TempFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
};

}  // namespace

TEST_CASE("safetensors hardening: the header length is bounded by the file and by 100 MB") {
  TempFile file;
  const std::string& path = file.path;
  const std::string p = "safetensors " + path + ": ";
  auto load_error = [&] { return error_of([&] { load_safetensors<float>(path); }); };

  std::ofstream(path, std::ios::binary) << "abcdefg";
  CHECK(load_error() == p + "file of 7 bytes is too short for the 8-byte header length");
  write_raw(path, "{}", 0, 0);
  CHECK(load_error() == p + "header length 0 does not fit a file of 10 bytes (expected 2 to 2)");
  write_raw(path, "{}", 0, 3);
  CHECK(load_error() == p + "header length 3 does not fit a file of 10 bytes (expected 2 to 2)");
  write_raw(path, "{}", 0, UINT64_MAX - 1);
  CHECK(load_error() == p + "header length 18446744073709551614 does not fit a file of 10 bytes "
                            "(expected 2 to 2)");
  // A file (sparse, so it costs no disk) big enough that only the 100 MB cap refuses the length.
  write_raw(path, "{}", 0, 100'000'001);
  fs::resize_file(path, 100'000'100);
  CHECK(load_error() == p + "header length 100000001 does not fit a file of 100000100 bytes "
                            "(expected 2 to 100000000)");
  write_raw(path, "{}", 0);
  CHECK(load_safetensors<float>(path).tensors.empty());
}

TEST_CASE("safetensors hardening: the header is one well-formed, shallow JSON object") {
  TempFile file;
  const std::string& path = file.path;
  const std::string p = "safetensors " + path + ": ";
  auto load_error = [&] { return error_of([&] { load_safetensors<float>(path); }); };

  write_raw(path, "{\"a\": [1,", 0);
  CHECK(load_error() == p + "header is not valid JSON: [json.exception.parse_error.101] parse "
                            "error at line 1, column 10: syntax error while parsing value - "
                            "unexpected end of input; expected '[', '{', or a literal");
  write_raw(path, "{}}", 0);
  CHECK(load_error() == p + "header is not valid JSON: [json.exception.parse_error.101] parse "
                            "error at line 1, column 3: syntax error while parsing value - "
                            "unexpected '}'; expected end of input");
  write_raw(path, "[1, 2]", 0);
  CHECK(load_error() == p + "header is not a JSON object");
  write_raw(path, "\"text\"", 0);
  CHECK(load_error() == p + "header is not a JSON object");
  // Deep nesting is refused while parsing (nlohmann's dump() of it would recurse that deep).
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  write_raw(path, R"({"a":{"dtype":"F32","shape":)" + deep + R"(,"data_offsets":[0,0]}})", 0);
  CHECK(load_error() == p + "header nests deeper than 64 levels");
  write_raw(path, R"({"__metadata__":[1]})", 0);
  CHECK(load_error() == p + "__metadata__ is not an object");
  write_raw(path, R"({"__metadata__":{"step":3}})", 0);
  CHECK(load_error() == p + "__metadata__ value 'step' is not a string");
}

TEST_CASE("safetensors hardening: tensor names are unique") {
  TempFile file;
  const std::string entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  write_raw(file.path, "{" + entry + "," + entry + "}", 8);
  CHECK(error_of([&] { load_safetensors<float>(file.path); }) ==
        "safetensors " + file.path + ": tensor 'a' appears twice");
}

TEST_CASE("safetensors hardening: dtype and shape agree with the byte range") {
  TempFile file;
  const std::string& path = file.path;
  const std::string p = "safetensors " + path + ": tensor 'a': ";
  auto error_for = [&](const std::string& info, std::size_t data_bytes) {
    write_raw(path, R"({"a":)" + info + "}", data_bytes);
    return error_of([&] { load_safetensors<double>(path); });
  };
  CHECK(error_for(R"({"dtype":"F64","shape":[2],"data_offsets":[0,8]})", 16) ==
        p + "F64 shape [2] needs 16 bytes, data_offsets [0, 8] hold 8");
  CHECK(error_for(R"({"dtype":"F32","shape":[2,2],"data_offsets":[0,8]})", 16) ==
        p + "F32 shape [2,2] needs 16 bytes, data_offsets [0, 8] hold 8");
  CHECK(error_for(R"({"dtype":"F32","shape":[],"data_offsets":[0,0]})", 0) ==
        p + "F32 shape [] needs 4 bytes, data_offsets [0, 0] hold 0");
  CHECK(error_for(R"({"dtype":"BF16","shape":[2],"data_offsets":[0,4]})", 4) ==
        p + "dtype BF16 is not supported (F32 or F64)");
  CHECK(error_for(R"({"dtype":4,"shape":[1],"data_offsets":[0,4]})", 4) ==
        p + "dtype is not a string");
  CHECK(error_for(R"({"dtype":"F32","shape":4,"data_offsets":[0,16]})", 16) ==
        p + "shape is not an array");
  CHECK(error_for(R"({"dtype":"F32","shape":[2.0],"data_offsets":[0,8]})", 8) ==
        p + "shape [2.0] has an invalid extent");
  CHECK(error_for(R"({"dtype":"F32","shape":[[[2]]],"data_offsets":[0,8]})", 8) ==
        p + "shape [[[2]]] has an invalid extent");
  // Element counts that overflow, also behind a zero extent (an empty tensor whose other extents
  // would overflow xtensor's signed strides).
  CHECK(error_for(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]})", 0) ==
        p + "shape [4294967296,4294967296] is too large");
  CHECK(error_for(R"({"dtype":"F64","shape":[0,1099511627776,1099511627776],)"
                  R"("data_offsets":[0,0]})",
                  0) == p + "shape [0,1099511627776,1099511627776] is too large");
  // Long shapes are quoted in part.
  std::string long_shape = "[1.5";
  for (int i = 0; i < 50; ++i) long_shape += ",1";
  long_shape += "]";
  CHECK(error_for(R"({"dtype":"F32","shape":)" + long_shape + R"(,"data_offsets":[0,4]})", 4) ==
        p + "shape " + long_shape.substr(0, 80) + "... has an invalid extent");
  // An empty tensor with large extents is fine.
  write_raw(path, R"({"a":{"dtype":"F32","shape":[0,1048576,1048576],"data_offsets":[0,0]}})", 0);
  CHECK(load_safetensors<float>(path).find("a")->shape() == Shape{0, 1048576, 1048576});
}

TEST_CASE("safetensors hardening: ranges lie inside the data, do not overlap and leave no gap") {
  TempFile file;
  const std::string& path = file.path;
  const std::string p = "safetensors " + path + ": ";
  auto load_error = [&] { return error_of([&] { load_safetensors<float>(path); }); };
  auto f32 = [](const std::string& name, int begin, int end) {
    std::string entry = "\"";
    entry += name + R"(":{"dtype":"F32","shape":[)" + std::to_string((end - begin) / 4) +
             R"(],"data_offsets":[)" + std::to_string(begin) + "," + std::to_string(end) + "]}";
    return entry;
  };
  // The header object of these entries (built with +=: GCC 12 warns falsely, -Wrestrict, on
  // "literal" + a temporary string).
  auto object = [](std::initializer_list<std::string> entries) {
    std::string text = "{";
    for (const std::string& entry : entries) {
      if (text.size() > 1) text += ',';
      text += entry;
    }
    return text + "}";
  };

  write_raw(path, object({f32("a", 0, 8)}), 7);
  CHECK(load_error() ==
        p + "tensor 'a': data_offsets [0, 8] end past the 7 bytes of data in the file");
  write_raw(path, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8);
  CHECK(load_error() == p + "tensor 'a': data_offsets [8, 0] run backwards");
  write_raw(path, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8);
  CHECK(load_error() == p + "tensor 'a': data_offsets is not a pair of byte offsets");
  write_raw(path, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", 8);
  CHECK(load_error() == p + "tensor 'a': data_offsets is not a pair of byte offsets");
  write_raw(path, R"({"a":{"dtype":"F32","shape":[2]}})", 8);
  CHECK(load_error() ==
        p + "tensor 'a': expected an object with dtype, shape and data_offsets");

  write_raw(path, object({f32("a", 0, 8), f32("b", 4, 12)}), 12);
  CHECK(load_error() == p + "tensor 'b' overlaps tensor 'a' in the data");
  write_raw(path, object({f32("a", 0, 16), f32("b", 0, 4)}), 16);
  CHECK(load_error() == p + "tensor 'a' overlaps tensor 'b' in the data");
  // An empty tensor between two overlapping ones hides nothing.
  write_raw(path, object({f32("a", 0, 16), f32("e", 4, 4), f32("b", 8, 12)}), 16);
  CHECK(load_error() == p + "tensor 'b' overlaps tensor 'a' in the data");
  // The data must be indexed in full: no gap before, between or after the tensors.
  write_raw(path, object({f32("a", 0, 8), f32("b", 12, 16)}), 16);
  CHECK(load_error() == p + "bytes [8, 12) of the data belong to no tensor (before tensor 'b')");
  write_raw(path, object({f32("a", 4, 12)}), 12);
  CHECK(load_error() == p + "bytes [0, 4) of the data belong to no tensor (before tensor 'a')");
  write_raw(path, object({f32("a", 0, 8)}), 10);
  CHECK(load_error() == p + "bytes [8, 10) of the data belong to no tensor (after the last tensor)");
  write_raw(path, object({f32("e", 0, 0)}), 4);
  CHECK(load_error() == p + "bytes [0, 4) of the data belong to no tensor (after the last tensor)");
  // Adjacent ranges and empty tensors anywhere are fine.
  write_raw(path, object({f32("a", 0, 8), f32("e", 4, 4), f32("b", 8, 12)}), 12);
  const SafetensorsFile<float> loaded = load_safetensors<float>(path);
  CHECK(loaded.tensors.size() == 3);
  CHECK(loaded.tensors[0].first == "a");
}

TEST_CASE("safetensors hardening: every model parameter is present with its shape") {
  TempFile file;
  const std::string& path = file.path;
  const std::string p = "safetensors " + path + ": ";
  Linear<float> model(3, 2, true, 1);
  const Array<float> original = model.weight.value();

  save_safetensors<float>(path, {{"weight", Array<float>::from_shape({2, 3})}});
  CHECK(error_of([&] { load_parameters(model, load_safetensors<float>(path), path); }) ==
        p + "tensor 'bias' is missing (the Linear parameter 'bias')");
  save_safetensors<float>(path, {{"weight", Array<float>::from_shape({3, 2})},
                                 {"bias", Array<float>::from_shape({2})}});
  CHECK(error_of([&] { load_parameters(model, load_safetensors<float>(path), path); }) ==
        p + "tensor 'weight' has shape (3,2), the model's parameter has (2,3)");
  save_safetensors<float>(path, {{"weight", Array<float>::from_shape({2, 3})},
                                 {"bias", Array<float>::from_shape({1, 2})}});
  CHECK(error_of([&] { load_parameters(model, load_safetensors<float>(path), path); }) ==
        p + "tensor 'bias' has shape (1,2), the model's parameter has (2,)");
  CHECK(model.weight.value() == original);  // a failed load sets nothing
}

TEST_CASE("safetensors hardening: a stream reads like the file") {
  TempFile file;
  save_safetensors<float>(file.path, {{"w", Array<float>({1.0f, 2.0f})}}, {{"k", "v"}});
  std::ifstream bytes(file.path, std::ios::binary);
  std::stringstream in;
  in << bytes.rdbuf();
  const SafetensorsFile<float> loaded = read_safetensors<float>(in, "in memory");
  CHECK(*loaded.find("w") == Array<float>({1.0f, 2.0f}));
  CHECK(loaded.metadata.at("k") == "v");
  std::istringstream truncated(in.str().substr(0, 20));
  CHECK(error_of([&] { read_safetensors<float>(truncated, "in memory"); }) ==
        "safetensors in memory: header length 80 does not fit a file of 20 bytes "
        "(expected 2 to 12)");
}
