// Notes C's worked example, one step of an RNN with hidden size 2, computed step by step and
// differentiated twice: by the tape, and by hand (the chain rule written out below), which
// must agree.
//
//   h_1 = tanh(W_h h_0 + W_x x_1 + b),   y_1 = W_y h_1
//   h_0 = [0, 0],  W_h = [[0.4, 0.2], [0.3, 0.7]],  b = [0, 0],  W_x x_1 = [0.5, 0.1],
//   W_y = [1, -1]   =>   h_1 = tanh([0.5, 0.1]) = [0.4621, 0.0997],  y_1 = 0.3624
//
// Vectors are columns here, (2, 1), as in the notes.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/ops.hpp"
#include "cli_main.hpp"

using namespace tapegrad;

namespace {

using Matrix = Array<double>;

Matrix matrix(std::initializer_list<std::initializer_list<double>> rows) {
  Matrix m = xt::zeros<double>({rows.size(), rows.begin()->size()});
  std::size_t i = 0;
  for (const auto& row : rows) {
    std::size_t j = 0;
    for (double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

// The plain matrix product, for the hand derivation (no tape involved).
Matrix product(const Matrix& a, const Matrix& b) {
  Matrix c = xt::zeros<double>({a.shape()[0], b.shape()[1]});
  for (std::size_t i = 0; i < a.shape()[0]; ++i)
    for (std::size_t j = 0; j < b.shape()[1]; ++j)
      for (std::size_t k = 0; k < a.shape()[1]; ++k) c(i, j) += a(i, k) * b(k, j);
  return c;
}

void print_matrix(const char* name, const Matrix& m) {
  std::printf("  %-26s = [", name);
  for (std::size_t i = 0; i < m.shape()[0]; ++i) {
    if (m.shape()[1] == 1) {
      std::printf("%s%.4f", i ? ", " : "", m(i, 0));
    } else {
      std::printf("%s[", i ? ", " : "");
      for (std::size_t j = 0; j < m.shape()[1]; ++j) std::printf("%s%.4f", j ? ", " : "", m(i, j));
      std::printf("]");
    }
  }
  std::printf("]\n");
}

int run(const std::vector<double>& input_term, const std::vector<double>& initial_state) {
  const Matrix W_h_value = matrix({{0.4, 0.2}, {0.3, 0.7}});
  const Matrix W_y_value = matrix({{1.0, -1.0}});
  const Matrix b_value = matrix({{0.0}, {0.0}});
  const Matrix x_term_value = matrix({{input_term[0]}, {input_term[1]}});  // W_x x_1
  const Matrix h_0_value = matrix({{initial_state[0]}, {initial_state[1]}});

  std::printf("Notes C: one RNN step, hidden size 2\n");
  print_matrix("h_0", h_0_value);
  print_matrix("W_h", W_h_value);
  print_matrix("b", b_value);
  print_matrix("W_x x_1", x_term_value);
  print_matrix("W_y", W_y_value);

  // Forward on the tape; every quantity is a leaf we want the gradient of.
  Tensor<double> W_h(W_h_value, true), W_y(W_y_value, true), b(b_value, true);
  Tensor<double> x_term(x_term_value, true), h_0(h_0_value, true);
  Tensor<double> pre_activation = matmul(W_h, h_0) + x_term + b;
  Tensor<double> h_1 = tanh(pre_activation);
  Tensor<double> y_1 = matmul(W_y, h_1);

  std::printf("\nForward\n");
  print_matrix("W_h h_0", matmul(W_h, h_0).value());
  print_matrix("a = W_h h_0 + W_x x_1 + b", pre_activation.value());
  print_matrix("h_1 = tanh(a)", h_1.value());
  std::printf("  %-26s = %.4f   (notes: 0.362)\n", "y_1 = W_y h_1", y_1.item());

  y_1.backward();

  // By hand, the chain rule from y_1 back to every input:
  //   dy/dW_y = h_1^T                        (y = Σ_j W_y[j] h_1[j])
  //   dy/dh_1 = W_y^T
  //   dy/da   = dy/dh_1 ⊙ (1 − h_1²)         (tanh' = 1 − tanh²)
  //   dy/db   = dy/d(W_x x_1) = dy/da       (both enter a with coefficient 1)
  //   dy/dW_h = dy/da h_0^T                  (zero when h_0 = 0: W_h has not acted yet)
  //   dy/dh_0 = W_h^T dy/da                  (what BPTT would pass back to the step before)
  const Matrix h = h_1.value();
  const Matrix by_hand_W_y = xt::transpose(h);
  const Matrix by_hand_h_1 = xt::transpose(W_y_value);
  const Matrix by_hand_a = by_hand_h_1 * (1.0 - h * h);
  const Matrix by_hand_b = by_hand_a, by_hand_x_term = by_hand_a;
  const Matrix by_hand_W_h = product(by_hand_a, xt::transpose(h_0_value));
  const Matrix by_hand_h_0 = product(xt::transpose(W_h_value), by_hand_a);

  struct Row {
    const char* name;
    Matrix by_hand, by_tape;
  };
  const std::vector<Row> rows = {
      {"dy/dW_y", by_hand_W_y, W_y.grad().value()},
      {"dy/db", by_hand_b, b.grad().value()},
      {"dy/d(W_x x_1)", by_hand_x_term, x_term.grad().value()},
      {"dy/dW_h", by_hand_W_h, W_h.grad().value()},
      {"dy/dh_0", by_hand_h_0, h_0.grad().value()},
  };
  std::printf("\nBackward (by hand, then by tape)\n");
  print_matrix("dy/dh_1 = W_y^T", by_hand_h_1);
  print_matrix("dy/da = dy/dh_1(1-h^2)", by_hand_a);
  double worst = 0;
  for (const Row& row : rows) {
    print_matrix((std::string(row.name) + " by hand").c_str(), row.by_hand);
    print_matrix((std::string(row.name) + " by tape").c_str(), row.by_tape);
    if (row.by_hand.shape() != row.by_tape.shape())
      throw std::runtime_error(std::string(row.name) + ": by hand and by tape differ in shape");
    worst = std::max(worst, double(xt::amax(xt::abs(row.by_hand - row.by_tape))()));
  }
  const bool agree = worst <= 1e-12;
  std::printf("\nlargest |by hand - by tape| = %.3g: %s\n", worst, agree ? "agree" : "DISAGREE");
  return agree ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Notes C's worked example: h_1 = tanh(W_h h_0 + W_x x_1 + b), y_1 = W_y h_1, printed "
      "step by step, with the gradients of y_1 by tape and by hand (exit status 2 if they "
      "disagree). Writes no files."};
  std::vector<double> input_term = {0.5, 0.1}, initial_state = {0.0, 0.0};
  app.add_option("--input-term", input_term, "W_x x_1, two numbers")
      ->expected(2)
      ->capture_default_str();
  app.add_option("--h0", initial_state, "h_0, two numbers (nonzero makes dy/dW_h nonzero)")
      ->expected(2)
      ->capture_default_str();
  return run_cli("worked_example", app, argc, argv, [&] {
    for (double v : input_term)
      if (!std::isfinite(v)) throw std::invalid_argument("--input-term must be finite");
    for (double v : initial_state)
      if (!std::isfinite(v)) throw std::invalid_argument("--h0 must be finite");
    return run(input_term, initial_state);
  });
}
