#include "layers/safetensors.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace tapegrad {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; big-endian hosts are not supported");

namespace {

using json = nlohmann::json;

// The safetensors library refuses headers above 100 MB; so do we.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// A valid header nests three levels (header, tensor, shape). Anything much deeper is refused
// while parsing, before nlohmann's recursive dump() could overflow the stack on it.
constexpr int kMaxHeaderDepth = 64;
// Error messages quote at most this much of a JSON value from the file.
constexpr std::size_t kMaxQuotedJson = 80;

template <class T>
constexpr const char* dtype_name() {
  return sizeof(T) == 4 ? "F32" : "F64";
}

std::string in_quotes(const std::string& name) { return "'" + name + "'"; }

Error file_error(const std::string& path, const std::string& what) {
  return Error("safetensors " + path + ": " + what);
}

std::string errno_text() { return std::strerror(errno); }

// Writes all of [data, data + size) to fd, or returns false.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A JSON value from the file, for an error message: compact, and cut short if long.
std::string quoted_json(const json& value) {
  std::string text = value.dump();
  if (text.size() > kMaxQuotedJson) text = text.substr(0, kMaxQuotedJson) + "...";
  return text;
}

std::string temporary_prefix(const std::string& path) {
  const auto slash = path.rfind('/');
  return (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp-";
}

// NOTE [stale temporaries]
// A writer killed between creating `path`.tmp-PID and renaming it leaves that file behind (the
// previous `path` is intact; NOTE [safetensors layout]). The next save of `path` removes every
// `path`.tmp-PID regular file whose process PID no longer exists on this host, so repeated
// crashes do not pile up checkpoint-sized files. A live writer's temporary is never touched.
void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string prefix = temporary_prefix(path);
  std::error_code error;
  for (fs::directory_iterator it(directory_of(path), error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(),
                                          [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    const pid_t writer = static_cast<pid_t>(std::stol(digits));
    std::error_code ignored;
    if (writer > 0 && ::kill(writer, 0) != 0 && errno == ESRCH &&
        it->is_regular_file(ignored))
      fs::remove(it->path(), ignored);
  }
}

}  // namespace

namespace detail {
void (*safetensors_write_hook)(std::size_t tensors_written) = nullptr;
}  // namespace detail

template <class T>
const Array<T>* SafetensorsFile<T>::find(const std::string& name) const {
  for (const auto& [tensor_name, array] : tensors)
    if (tensor_name == name) return &array;
  return nullptr;
}

template <class T>
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Array<T>>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // Everything that can be wrong with the input is checked before a file is touched.
  json header = json::object();
  std::set<std::string> names;
  std::uint64_t offset = 0;
  for (const auto& [name, array] : tensors) {
    if (name.empty() || name == "__metadata__")
      throw file_error(path, "cannot write a tensor named " + in_quotes(name));
    if (!names.insert(name).second)
      throw file_error(path, "tensor " + in_quotes(name) + " is given twice");
    const std::uint64_t bytes = array.size() * sizeof(T);
    header[name] = {{"dtype", dtype_name<T>()},
                    {"shape", std::vector<std::size_t>(array.shape().begin(), array.shape().end())},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    throw file_error(path,
                     std::string("cannot encode the header (metadata must be UTF-8): ") + e.what());
  }
  // The data starts 8-byte aligned, as the safetensors library writes it.
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::uint64_t header_size = text.size();

  remove_stale_temporaries(path);
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw file_error(path, "cannot create " + temporary + ": " + errno_text());
  bool ok = write_all(fd, reinterpret_cast<const char*>(&header_size), 8) &&
            write_all(fd, text.data(), text.size());
  std::size_t written = 0;
  for (const auto& [name, array] : tensors) {
    if (!ok) break;
    if (detail::safetensors_write_hook) detail::safetensors_write_hook(written);
    // Arrays are contiguous and row-major (tapegrad's Array type), so the storage is the data.
    ok = write_all(fd, reinterpret_cast<const char*>(array.data()), array.size() * sizeof(T));
    ++written;
  }
  if (ok && detail::safetensors_write_hook) detail::safetensors_write_hook(written);
  ok = ok && ::fsync(fd) == 0;
  const std::string failure = ok ? "" : errno_text();
  if (::close(fd) != 0 && ok) ok = false;
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = failure.empty() ? errno_text() : failure;
    ::unlink(temporary.c_str());
    throw file_error(path, "writing failed (" + reason + "); any previous file is unchanged");
  }
  // Makes the rename itself durable.
  const int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

template <class T>
SafetensorsFile<T> load_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, "cannot open: " + errno_text());
  return read_safetensors<T>(in, path);
}

template <class T>
SafetensorsFile<T> read_safetensors(std::istream& in, const std::string& path) {
  in.seekg(0, std::ios::end);
  const std::streamoff end_position = in.tellg();
  if (!in || end_position < 0) throw file_error(path, "cannot find the size (not seekable)");
  const std::uint64_t file_size = static_cast<std::uint64_t>(end_position);
  in.seekg(0);
  if (file_size < 8)
    throw file_error(path, "file of " + std::to_string(file_size) +
                               " bytes is too short for the 8-byte header length");
  std::uint64_t header_size = 0;
  in.read(reinterpret_cast<char*>(&header_size), 8);
  if (header_size < 2 || header_size > kMaxHeaderBytes || header_size > file_size - 8)
    throw file_error(path, "header length " + std::to_string(header_size) +
                               " does not fit a file of " + std::to_string(file_size) +
                               " bytes (expected 2 to " +
                               std::to_string(std::min(kMaxHeaderBytes, file_size - 8)) + ")");
  std::string text(header_size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_size));
  if (!in) throw file_error(path, "cannot read the header");

  // nlohmann keeps the last of duplicate keys; the callback sees every top-level key first.
  std::set<std::string> seen;
  std::string duplicate;
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if ((event == json::parse_event_t::object_start ||
         event == json::parse_event_t::array_start) &&
        depth >= kMaxHeaderDepth)
      throw file_error(path, "header nests deeper than " + std::to_string(kMaxHeaderDepth) +
                                 " levels");
    if (event == json::parse_event_t::key && depth == 1) {
      const std::string key = parsed.get<std::string>();
      if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(text, on_event);
  } catch (const json::exception& e) {
    throw file_error(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty())
    throw file_error(path, "tensor " + in_quotes(duplicate) + " appears twice");
  if (!header.is_object()) throw file_error(path, "header is not a JSON object");

  SafetensorsFile<T> file;
  const std::uint64_t data_size = file_size - 8 - header_size;
  struct Entry {
    std::string name;
    std::string dtype;
    Shape shape;
    std::uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) throw file_error(path, "__metadata__ is not an object");
      for (const auto& [key, value] : info.items()) {
        if (!value.is_string())
          throw file_error(path, "__metadata__ value " + in_quotes(key) + " is not a string");
        file.metadata[key] = value.template get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor " + in_quotes(name) + ": ";
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") ||
        !info.contains("data_offsets"))
      throw file_error(path, where + "expected an object with dtype, shape and data_offsets");
    Entry entry{name, {}, {}, 0, 0};
    if (!info["dtype"].is_string()) throw file_error(path, where + "dtype is not a string");
    entry.dtype = info["dtype"].template get<std::string>();
    std::uint64_t item_size = 0;
    if (entry.dtype == "F32") item_size = 4;
    if (entry.dtype == "F64") item_size = 8;
    if (item_size == 0)
      throw file_error(path, where + "dtype " + entry.dtype + " is not supported (F32 or F64)");
    const json& shape = info["shape"];
    if (!shape.is_array()) throw file_error(path, where + "shape is not an array");
    // Counted in elements, with an overflow check on every multiplication. The product of the
    // non-zero extents is bounded too: with a zero extent the tensor is empty, but xtensor still
    // multiplies the other extents into (signed) strides.
    std::uint64_t elements = 1, nonzero_elements = 1;
    const std::uint64_t max_elements = std::numeric_limits<std::int64_t>::max() / item_size;
    for (const json& extent : shape) {
      if (!extent.is_number_unsigned())
        throw file_error(path, where + "shape " + quoted_json(shape) + " has an invalid extent");
      const std::uint64_t n = extent.get<std::uint64_t>();
      if (n != 0 && nonzero_elements > max_elements / n)
        throw file_error(path, where + "shape " + quoted_json(shape) + " is too large");
      if (n != 0) nonzero_elements *= n;
      elements *= n;
      entry.shape.push_back(static_cast<std::size_t>(n));
    }
    const json& offsets = info["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      throw file_error(path, where + "data_offsets is not a pair of byte offsets");
    entry.begin = offsets[0].get<std::uint64_t>();
    entry.end = offsets[1].get<std::uint64_t>();
    if (entry.begin > entry.end)
      throw file_error(path, where + "data_offsets [" + std::to_string(entry.begin) + ", " +
                                 std::to_string(entry.end) + "] run backwards");
    if (entry.end - entry.begin != elements * item_size)
      throw file_error(path, where + entry.dtype + " shape " + quoted_json(shape) + " needs " +
                                 std::to_string(elements * item_size) + " bytes, data_offsets [" +
                                 std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                                 "] hold " + std::to_string(entry.end - entry.begin));
    if (entry.end > data_size)
      throw file_error(path, where + "data_offsets [" + std::to_string(entry.begin) + ", " +
                                 std::to_string(entry.end) + "] end past the " +
                                 std::to_string(data_size) + " bytes of data in the file");
    entries.push_back(std::move(entry));
  }
  // In order of their start, each non-empty range must begin at or after the furthest end of
  // the ones before it (not only the one just before: an empty tensor in between hides nothing),
  // and exactly there: the format wants the data fully indexed, so that no bytes that belong to
  // no tensor (a gap, a tail) can carry something else.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const Entry* furthest = nullptr;
  auto unindexed = [&](std::uint64_t from, std::uint64_t to) {
    return "bytes [" + std::to_string(from) + ", " + std::to_string(to) +
           ") of the data belong to no tensor";
  };
  for (const Entry& entry : entries) {
    if (entry.begin == entry.end) continue;
    const std::uint64_t covered = furthest ? furthest->end : 0;
    if (entry.begin < covered)
      throw file_error(path, "tensor " + in_quotes(entry.name) + " overlaps tensor " +
                                 in_quotes(furthest->name) + " in the data");
    if (entry.begin > covered)
      throw file_error(path, unindexed(covered, entry.begin) + " (before tensor " +
                                 in_quotes(entry.name) + ")");
    furthest = &entry;
  }
  const std::uint64_t covered = furthest ? furthest->end : 0;
  if (covered < data_size)
    throw file_error(path, unindexed(covered, data_size) + " (after the last tensor)");

  const std::uint64_t data_start = 8 + header_size;
  std::vector<char> bytes;
  for (const Entry& entry : entries) {
    bytes.resize(entry.end - entry.begin);
    in.seekg(static_cast<std::streamoff>(data_start + entry.begin));
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!in) throw file_error(path, "tensor " + in_quotes(entry.name) + ": cannot read its data");
    Array<T> array = Array<T>::from_shape(entry.shape);
    if (entry.dtype == "F32") {
      const float* source = reinterpret_cast<const float*>(bytes.data());
      std::copy(source, source + array.size(), array.data());
    } else {
      const double* source = reinterpret_cast<const double*>(bytes.data());
      std::transform(source, source + array.size(), array.data(),
                     [](double v) { return static_cast<T>(v); });
    }
    file.tensors.emplace_back(entry.name, std::move(array));
  }
  return file;
}

template <class T>
std::vector<std::pair<std::string, Array<T>>> parameter_arrays(const Module<T>& module,
                                                               const std::string& prefix) {
  std::vector<std::pair<std::string, Array<T>>> out;
  for (const auto& [name, parameter] : module.named_parameters())
    out.emplace_back(prefix + name, parameter.value());
  return out;
}

template <class T>
void load_parameters(Module<T>& module, const SafetensorsFile<T>& file, const std::string& path,
                     const std::string& prefix) {
  const auto parameters = module.named_parameters();
  for (const auto& [name, parameter] : parameters) {
    const Array<T>* array = file.find(prefix + name);
    if (!array)
      throw file_error(path, "tensor " + in_quotes(prefix + name) + " is missing (the " +
                                 module.type_name() + " parameter " + in_quotes(name) + ")");
    if (array->shape() != parameter.shape())
      throw file_error(path, "tensor " + in_quotes(prefix + name) + " has shape " +
                                 shape_str(array->shape()) + ", the model's parameter has " +
                                 shape_str(parameter.shape()));
  }
  for (const auto& [name, parameter] : parameters)
    module.set_parameter(name, *file.find(prefix + name));
}

#define TAPEGRAD_INSTANTIATE(T)                                                                   \
  template struct SafetensorsFile<T>;                                                             \
  template void save_safetensors<T>(const std::string&,                                           \
                                    const std::vector<std::pair<std::string, Array<T>>>&,         \
                                    const std::map<std::string, std::string>&);                   \
  template SafetensorsFile<T> load_safetensors<T>(const std::string&);                            \
  template SafetensorsFile<T> read_safetensors<T>(std::istream&, const std::string&);             \
  template std::vector<std::pair<std::string, Array<T>>> parameter_arrays<T>(const Module<T>&,    \
                                                                             const std::string&); \
  template void load_parameters<T>(Module<T>&, const SafetensorsFile<T>&, const std::string&,     \
                                   const std::string&);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
