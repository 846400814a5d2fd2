// What every example's main does around its work: parse the flags with CLI11 (its own message
// and exit code for bad flags), run, and turn any exception into one line on stderr and exit
// status 1, never a crash.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

template <class Run>
int run_cli(const char* program, CLI::App& app, int argc, char** argv, Run&& run) {
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
