// Helpers shared by the checkpoint and bad-input tests: a scratch directory, raw file bytes,
// hand-made files, the message an Error carries.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "autodiff/error.hpp"

namespace tapegrad::testing {

// A fresh directory per test case, removed at the end.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("tapegrad_safetensors_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A file with this header text (its length written in front, unless `length` overrides it) and
// `data_bytes` zero bytes after it.
inline void write_raw(const std::string& path, const std::string& header, std::size_t data_bytes,
                      std::uint64_t length = UINT64_MAX) {
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t n = length == UINT64_MAX ? header.size() : length;
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << header << std::string(data_bytes, '\0');
}

// The message of the tapegrad::Error that `call` throws, or what happened instead.
inline std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a tapegrad::Error: ") + e.what();
  }
  return "no error";
}

}  // namespace tapegrad::testing
