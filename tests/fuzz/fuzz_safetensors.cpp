// libFuzzer target over the safetensors loader: the bytes are a whole file, read from memory by
// read_safetensors (the same code load_safetensors runs on a file) and loaded into a small model
// (load_checks.hpp). A tapegrad::Error is the expected outcome of a bad input; any other
// exception escapes and aborts, which libFuzzer reports as a crash, as it does ASan and UBSan
// reports. Built by TAPEGRAD_FUZZ=ON with clang; run by scripts/test.sh over corpus/.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "tests/fuzz/load_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    tapegrad::fuzz::load_into_model(in, "fuzz-input");
  } catch (const tapegrad::Error&) {
  }
  return 0;
}
