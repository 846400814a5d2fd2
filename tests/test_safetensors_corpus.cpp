// The fuzzer's seed corpus and every crash it ever found (tests/fuzz/corpus, tests/fuzz/crashes),
// loaded the way the fuzz target loads them (tests/fuzz/load_checks.hpp), in the ordinary test
// builds, including the ASan + UBSan one: each file either loads or is refused with a
// tapegrad::Error whose message names the file. Nothing else may come out of the loader.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/fuzz/load_checks.hpp"

using namespace tapegrad;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const std::string& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(TAPEGRAD_FUZZ_DIR) / folder))
    if (entry.is_regular_file() && entry.path().filename() != "README.md")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

enum class Outcome { loaded, refused, other };

// Loads `path` from the file (load_safetensors) and through the fuzz target's stream reader.
Outcome load(const fs::path& path, std::string& message) {
  try {
    const SafetensorsFile<float> file = load_safetensors<float>(path.string());
    std::ifstream in(path, std::ios::binary);
    fuzz::load_into_model(in, path.string());
    return Outcome::loaded;
  } catch (const Error& e) {
    message = e.what();
    return Outcome::refused;
  } catch (const std::exception& e) {
    message = std::string("not a tapegrad::Error: ") + e.what();
    return Outcome::other;
  }
}

void check_folder(const std::string& folder, std::size_t at_least) {
  const std::vector<fs::path> files = files_in(folder);
  CHECK(files.size() >= at_least);
  for (const fs::path& path : files) {
    const std::string name = path.filename().string();
    CAPTURE(name);
    std::string message;
    const Outcome outcome = load(path, message);
    CAPTURE(message);
    CHECK(outcome != Outcome::other);
    if (outcome == Outcome::refused)
      CHECK(message.rfind("safetensors " + path.string() + ": ", 0) == 0);
    if (name.rfind("valid_", 0) == 0) CHECK(outcome == Outcome::loaded);
    if (name.rfind("bad_", 0) == 0) CHECK(outcome == Outcome::refused);
  }
}

}  // namespace

TEST_CASE("safetensors: every file of the fuzz seed corpus loads or is an Error naming it") {
  check_folder("corpus", 30);
}

TEST_CASE("safetensors: every crash the fuzzer found loads or is an Error naming it") {
  check_folder("crashes", 0);
}
