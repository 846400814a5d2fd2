// The library's exception type and the shape formatting every error message uses.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace tapegrad {

// Every error tapegrad raises on bad input: a shape mismatch, a misused tape, a bad file.
// The message names the operation (or file) and what was expected.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Raised by anomaly mode (NOTE [anomaly mode] in tape.hpp): an op's forward output or backward
// gradient is not finite. The message names the op, its shapes and where it was recorded.
class AnomalyError : public Error {
 public:
  using Error::Error;
};

// NumPy's notation: "(3,4)", "(3,)" for one axis, "()" for a 0-d array.
template <class Shape>
std::string shape_str(const Shape& shape) {
  std::ostringstream out;
  out << '(';
  bool first = true;
  for (auto extent : shape) {
    if (!first) out << ',';
    out << extent;
    first = false;
  }
  if (shape.size() == 1) out << ',';
  out << ')';
  return out.str();
}

}  // namespace tapegrad
