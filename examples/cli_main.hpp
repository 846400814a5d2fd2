// What every example's main does around its work: parse the flags with CLI11 (its message and
// exit code for bad flags, on one line like every other error), run, and turn any exception
// into one line on stderr and exit status 1, never a crash.
#pragma once

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

template <class Run>
int run_cli(const char* program, CLI::App& app, int argc, char** argv, Run&& run) {
  // CLI11's own failure message adds a second line ("Run with --help ...").
  app.failure_message([program](const CLI::App*, const CLI::Error& e) {
    return std::string(program) + ": " + e.what() + " (--help lists the flags)\n";
  });
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    return run();
  } catch (const std::exception& e) {
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::fprintf(stderr, "%s: %s\n", program, message.c_str());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "%s: unknown error\n", program);
    return 1;
  }
}

namespace tapegrad::examples {

// Output locations are checked before any work, so that a typo in a path does not cost a
// training run; the errors name the flag and the path.

// Creates the directory `flag` names (and its parents) and checks that it can be written in.
inline void make_output_directory(const std::string& flag, const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error)
    throw std::runtime_error(flag + " " + directory.string() + ": cannot create the directory (" +
                             error.message() + ")");
  if (::access(directory.c_str(), W_OK) != 0)
    throw std::runtime_error(flag + " " + directory.string() + ": cannot write in the directory (" +
                             std::strerror(errno) + ")");
}

// Checks that the file `flag` names can be written: its directory exists and is writable.
inline void check_output_file(const std::string& flag, const std::filesystem::path& file) {
  const std::filesystem::path directory =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::error_code error;
  const auto status = std::filesystem::status(directory, error);
  const std::string where = flag + " " + file.string() + ": ";
  if (status.type() == std::filesystem::file_type::not_found)
    throw std::runtime_error(where + "directory " + directory.string() + " does not exist");
  if (status.type() != std::filesystem::file_type::directory)
    throw std::runtime_error(where + directory.string() + " is not a directory");
  if (::access(directory.c_str(), W_OK) != 0)
    throw std::runtime_error(where + "cannot write in " + directory.string() + " (" +
                             std::strerror(errno) + ")");
}

}  // namespace tapegrad::examples
