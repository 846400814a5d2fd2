// Safetensors files: named tensors and string metadata, the format PyTorch and its ecosystem
// read (https://github.com/huggingface/safetensors).
//
// NOTE [safetensors layout]
//   bytes [0, 8)        N, the header's length, an unsigned 64-bit little-endian integer
//   bytes [8, 8 + N)    a JSON object: for each tensor, "name": {"dtype": "F32", "shape": [2, 3],
//                       "data_offsets": [begin, end]}, and optionally "__metadata__", an object
//                       of string values
//   bytes [8 + N, ...)  the data: each tensor's elements, row-major and little-endian, at
//                       [begin, end) counted from the start of the data
// Float arrays are written as F32 and double arrays as F64; either is read into either.
//
// Writing is atomic: the file is written under a temporary name in the same directory
// (`path`.tmp-PID), flushed, fsync'ed and renamed over `path`, so a failure, or the writer being
// killed, leaves any previous file intact (tests/test_safetensors_kill.cpp). A temporary left by
// a killed writer is removed by the next save of `path` (NOTE [stale temporaries]).
//
// Reading validates everything before returning: the header length against the file size
// (at most 100 MB), well-formed JSON nested at most 64 deep, unique tensor names, known dtypes,
// shapes whose byte size equals the tensor's range, ranges inside the data, not
// overlapping and covering it with no gap (the format's rule: no bytes that belong to no tensor).
// Each violation is an Error that names the file and, where there is one, the tensor; nothing
// else is thrown for any input (tests/fuzz/ fuzzes this).
#pragma once

#include <cstddef>
#include <istream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/tensor.hpp"
#include "layers/module.hpp"

namespace tapegrad {

template <class T>
struct SafetensorsFile {
  std::vector<std::pair<std::string, Array<T>>> tensors;  // in the order of their data offsets
  std::map<std::string, std::string> metadata;

  // The tensor called `name`, or nullptr.
  const Array<T>* find(const std::string& name) const;
};

// Writes `tensors` (unique, non-empty names other than "__metadata__") and `metadata` to `path`.
template <class T>
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Array<T>>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

template <class T>
SafetensorsFile<T> load_safetensors(const std::string& path);

// The same from a seekable stream holding the file's bytes; errors name `path`.
template <class T>
SafetensorsFile<T> read_safetensors(std::istream& in, const std::string& path);

// The module's parameters by their names, each prefixed with `prefix`.
template <class T>
std::vector<std::pair<std::string, Array<T>>> parameter_arrays(const Module<T>& module,
                                                               const std::string& prefix = "");

// Copies `prefix` + name of every parameter of `module` from `file`. Checks first that every
// parameter is there with its shape (an Error naming `path` and the tensor otherwise), so a
// failed load changes nothing. Tensors without the prefix, or that the module lacks, are ignored.
template <class T>
void load_parameters(Module<T>& module, const SafetensorsFile<T>& file, const std::string& path,
                     const std::string& prefix = "");

namespace detail {
// For tests only: when set, save_safetensors calls it with the number of tensors written so far,
// before each tensor's data and once after the last, all while the temporary file is open.
extern void (*safetensors_write_hook)(std::size_t tensors_written);
}  // namespace detail

}  // namespace tapegrad
