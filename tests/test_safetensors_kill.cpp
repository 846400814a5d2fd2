// Atomic checkpoints (issue #7): a writer killed part-way leaves the previous checkpoint intact
// and loadable, bit for bit; a writer that finishes replaces it; the temporary a killed writer
// leaves behind is removed by the next save (NOTE [stale temporaries] in layers/safetensors.cpp).
//
// The writer is a forked child. The test process may have OpenBLAS threads, and after fork()
// only the forking thread exists in the child, so any lock another thread held stays locked
// there. The child therefore only writes: the arrays are built before fork(), save_safetensors
// needs only malloc (fork-safe in glibc), JSON and file system calls, and the child leaves with
// _exit() (no doctest, no atexit handlers, no leak check of a half-done process). Exec'ing a
// helper program instead would need a second executable for no gain.
//
// The kill is deterministic: the child's write hook (detail::safetensors_write_hook) reports over
// a pipe once the header and the first tensor are in the temporary file, then waits; the parent
// checks the temporary is there, non-empty and shorter than the finished file, and SIGKILLs it.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "layers/safetensors.hpp"
#include "test_safetensors_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> directory_listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

using Tensors = std::vector<std::pair<std::string, Array<float>>>;

// Four tensors of `elements` floats each, all equal to `value`.
Tensors checkpoint(float value, std::size_t elements) {
  Tensors tensors;
  for (const char* name : {"layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"}) {
    Array<float> array = Array<float>::from_shape({elements});
    array.fill(value);
    tensors.emplace_back(name, std::move(array));
  }
  return tensors;
}

int report_fd = -1;  // the child's end of the pipe to the parent

// In the child: after the first tensor is written, tell the parent and wait to be killed.
void report_and_wait(std::size_t tensors_written) {
  if (tensors_written != 1) return;
  const char byte = 'w';
  if (::write(report_fd, &byte, 1) != 1) ::_exit(3);
  for (;;) ::pause();
}

struct Child {
  pid_t pid = -1;
  int from_child = -1;  // reads the child's report
};

// Forks a child that saves `tensors` to `path` and _exits with 0 (1 on an Error). With
// `stop_part_way`, the child reports and waits once the first tensor is written.
Child spawn_writer(const std::string& path, const Tensors& tensors, bool stop_part_way) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    report_fd = fds[1];
    if (stop_part_way) detail::safetensors_write_hook = report_and_wait;
    try {
      save_safetensors(path, tensors);
    } catch (const Error&) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

TEST_CASE("safetensors: a writer killed part-way leaves the previous checkpoint loadable") {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  // A: small. B: 4 x 256 KiB, so the kill falls well inside the file.
  const Tensors a = checkpoint(1.5f, 3), b = checkpoint(-2.25f, 65536);
  save_safetensors(path, a, {{"step", "100"}});
  const std::string a_bytes = read_bytes(path);
  save_safetensors(dir.file("b_reference.safetensors"), b);
  const std::uintmax_t b_size = fs::file_size(dir.file("b_reference.safetensors"));
  fs::remove(dir.file("b_reference.safetensors"));

  Child child = spawn_writer(path, b, /*stop_part_way=*/true);
  char byte = 0;
  const ssize_t got = ::read(child.from_child, &byte, 1);
  ::close(child.from_child);
  const std::string temporary = path + ".tmp-" + std::to_string(child.pid);
  // Taken while the child is stopped inside its write: header and one tensor of four are there.
  const bool temporary_exists = fs::exists(temporary);
  const std::uintmax_t partial_size = temporary_exists ? fs::file_size(temporary) : 0;
  REQUIRE(::kill(child.pid, SIGKILL) == 0);
  const int status = wait_for(child.pid);

  REQUIRE(got == 1);  // the child did reach the hook
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  REQUIRE(temporary_exists);
  CHECK(partial_size > 8);
  CHECK(partial_size < b_size);

  // The checkpoint is still A, byte for byte, and loads.
  CHECK(read_bytes(path) == a_bytes);
  const SafetensorsFile<float> loaded = load_safetensors<float>(path);
  REQUIRE(loaded.tensors.size() == a.size());
  for (const auto& [name, array] : a) CHECK(*loaded.find(name) == array);
  CHECK(loaded.metadata.at("step") == "100");

  // The killed writer's temporary is still there until the next save, which removes it. A
  // temporary whose process is alive (this test's parent, ctest or a shell) is left alone.
  CHECK(directory_listing(dir.path) ==
        std::vector<std::string>{"ckpt.safetensors", fs::path(temporary).filename()});
  const std::string live = path + ".tmp-" + std::to_string(::getppid());
  std::ofstream(live) << "another writer's file";
  save_safetensors(path, a);
  CHECK(!fs::exists(temporary));
  CHECK(read_bytes(live) == "another writer's file");
  CHECK(directory_listing(dir.path) ==
        std::vector<std::string>{"ckpt.safetensors", fs::path(live).filename()});
}

TEST_CASE("safetensors: a writer that finishes replaces the checkpoint") {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  const Tensors a = checkpoint(1.5f, 3), b = checkpoint(-2.25f, 65536);
  save_safetensors(path, a);
  save_safetensors(dir.file("b_reference.safetensors"), b);
  const std::string b_bytes = read_bytes(dir.file("b_reference.safetensors"));
  fs::remove(dir.file("b_reference.safetensors"));

  Child child = spawn_writer(path, b, /*stop_part_way=*/false);
  ::close(child.from_child);
  const int status = wait_for(child.pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  CHECK(read_bytes(path) == b_bytes);
  CHECK(*load_safetensors<float>(path).find("layer1.weight") == b[2].second);
  CHECK(directory_listing(dir.path) == std::vector<std::string>{"ckpt.safetensors"});
}
