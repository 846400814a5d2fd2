// Every built-in op, checked three ways from one table (DyNet's one test over every builder):
// its gradient against finite differences (gradcheck), its gradient's gradient the same way
// (gradgradcheck, which also checks that create_graph computes the same first-order gradient),
// and its errors on bad shapes or arguments, which must name the op and the shapes.
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "autodiff/gradcheck.hpp"
#include "autodiff/ops.hpp"
#include "test_ops_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

using Inputs = std::vector<Tensor<double>>;

// Every case reaches 1e-9 or better (the 6-point stencil's truncation error is O(h^6)); the
// margin absorbs rounding, which grows with the number of summed terms.
constexpr double kTolerance = 1e-8;

// Magnitudes in [0.2, 1) with alternating signs: both sides of a kink at 0, none near it
// (the finite-difference stencil reaches 3 steps, 0.003, from each point).
Array<double> away_from_zero(const Shape& shape, std::uint64_t seed) {
  Array<double> values = uniform(shape, seed, 0.2, 1.0);
  for (std::size_t k = 0; k < values.size(); k += 2) values.data()[k] *= -1;
  return values;
}

struct OpCase {
  std::string name;
  CheckedFunction function;
  std::vector<Array<double>> inputs;
};

std::vector<OpCase> op_cases() {
  std::vector<OpCase> cases;
  std::uint64_t seed = 0;
  auto any = [&](const Shape& shape) { return uniform(shape, ++seed); };
  auto positive = [&](const Shape& shape) { return uniform(shape, ++seed, 0.5, 1.5); };
  auto add_case = [&](std::string name, CheckedFunction function,
                      std::vector<Array<double>> inputs) {
    cases.push_back({std::move(name), std::move(function), std::move(inputs)});
  };

  // Broadcasting binary ops: the gradient of each operand is summed back to its own shape.
  using Binary = Tensor<double> (*)(const Tensor<double>&, const Tensor<double>&);
  const std::vector<std::pair<const char*, Binary>> binaries = {
      {"add", add<double>}, {"sub", sub<double>}, {"mul", mul<double>}, {"div", div<double>}};
  const std::vector<std::pair<Shape, Shape>> shape_pairs = {
      {{2, 3}, {2, 3}}, {{3, 1}, {1, 4}}, {{2, 3}, {3}},      {{3}, {2, 3}},
      {{2, 3}, {}},     {{}, {2, 3}},     {{4, 1, 3}, {2, 1}}};
  for (const auto& [op, fn] : binaries)
    for (const auto& [a, b] : shape_pairs)
      add_case(std::string(op) + " " + shape_str(a) + " x " + shape_str(b),
               [fn](const Inputs& x) { return fn(x[0], x[1]); },
               {any(a), std::string(op) == "div" ? positive(b) : any(b)});
  add_case("operators + - * / and unary -",
           [](const Inputs& x) { return -(x[0] + x[1]) * x[0] - x[1] / x[2]; },
           {any({2, 3}), any({3}), positive({2, 1})});
  add_case("mul of a tensor by itself", [](const Inputs& x) { return x[0] * x[0]; }, {any({2, 3})});
  add_case("div of a tensor by itself plus one",
           [](const Inputs& x) { return x[0] / (x[0] + x[1]); },
           {positive({2, 3}), positive({2, 3})});

  // Scalar ops, by name and through the operators.
  add_case("neg", [](const Inputs& x) { return neg(x[0]); }, {any({2, 3})});
  add_case("add_scalar", [](const Inputs& x) { return add_scalar(x[0], 2.5); }, {any({2, 3})});
  add_case("mul_scalar", [](const Inputs& x) { return mul_scalar(x[0], -1.5); }, {any({2, 3})});
  add_case("rsub_scalar", [](const Inputs& x) { return rsub_scalar(x[0], 2.0); }, {any({2, 3})});
  add_case("rdiv_scalar", [](const Inputs& x) { return rdiv_scalar(x[0], 3.0); },
           {positive({2, 3})});
  add_case("tensor + s, s + tensor", [](const Inputs& x) { return (x[0] + 2.0) * (0.5 + x[0]); },
           {any({2, 3})});
  add_case("tensor - s, s - tensor", [](const Inputs& x) { return (x[0] - 2.0) * (0.5 - x[0]); },
           {any({2, 3})});
  add_case("tensor * s, s * tensor", [](const Inputs& x) { return (x[0] * 2.0) * (-3.0 * x[0]); },
           {any({2, 3})});
  add_case("tensor / s, s / tensor",
           [](const Inputs& x) { return (x[0] / 4.0) * (2.0 / x[0]) + 1.0 / x[0]; },
           {positive({2, 3})});

  // matmul with each transpose flag: a is (3,4) or its transpose, b is (4,2) or its transpose.
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      add_case(std::string("matmul transpose_a=") + (ta ? "true" : "false") +
                   " transpose_b=" + (tb ? "true" : "false"),
               [ta, tb](const Inputs& x) { return matmul(x[0], x[1], ta, tb); },
               {any(ta ? Shape{4, 3} : Shape{3, 4}), any(tb ? Shape{2, 4} : Shape{4, 2})});
  add_case("matmul x x^T (one tensor on both sides)",
           [](const Inputs& x) { return matmul(x[0], x[0], false, true); }, {any({3, 2})});

  // A weight used at several steps: its gradient is gathered by GEMMs with beta = 1 (NOTE
  // [accumulating products]); added to a product of itself, the gathered gradient is shared
  // with the addition's and must not be written in place.
  add_case("matmul, one weight at three steps",
           [](const Inputs& x) {
             Tensor<double> h = x[0];
             for (int step = 0; step < 3; ++step) h = tanh(matmul(h, x[1], false, true));
             return h;
           },
           {any({2, 3}), any({3, 3})});
  add_case("matmul(x, w) + w", [](const Inputs& x) { return matmul(x[0], x[1]) + x[1]; },
           {any({3, 3}), any({3, 3})});
  // addmm: c + op(a)·op(b), c a full matrix, a bias row or a (1, n) row.
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      add_case(std::string("addmm transpose_a=") + (ta ? "true" : "false") +
                   " transpose_b=" + (tb ? "true" : "false"),
               [ta, tb](const Inputs& x) { return addmm(x[0], x[1], x[2], ta, tb); },
               {any({3, 2}), any(ta ? Shape{4, 3} : Shape{3, 4}), any(tb ? Shape{2, 4} : Shape{4, 2})});
  add_case("addmm bias row", [](const Inputs& x) { return addmm(x[0], x[1], x[2], false, true); },
           {any({2}), any({3, 4}), any({2, 4})});
  add_case("addmm (1, n) row, one weight at two steps",
           [](const Inputs& x) { return addmm(x[0], addmm(x[0], x[1], x[2]), x[2]); },
           {any({1, 3}), any({2, 3}), any({3, 3})});

  add_case("transpose 2-d", [](const Inputs& x) { return transpose(x[0]); }, {any({2, 3})});
  add_case("transpose 3-d reversed", [](const Inputs& x) { return transpose(x[0]); },
           {any({2, 3, 4})});
  add_case("transpose 3-d permutation (2,0,1)",
           [](const Inputs& x) {
             return transpose(x[0], {2, 0, 1});
           },
           {any({2, 3, 4})});
  add_case("reshape (2,3) to (3,2)",
           [](const Inputs& x) {
             return reshape(x[0], Shape{3, 2});
           },
           {any({2, 3})});
  add_case("reshape (2,3,2) to (3,-1)",
           [](const Inputs& x) {
             return reshape(x[0], std::vector<long>{3, -1});
           },
           {any({2, 3, 2})});
  add_case("reshape (2,3) to a braced {1, -1, 2}",
           [](const Inputs& x) {
             return reshape(x[0], {1, -1, 2});
           },
           {any({2, 3})});
  add_case("reshape (2,3) to (-1,)",
           [](const Inputs& x) { return reshape(x[0], std::vector<long>{-1}); }, {any({2, 3})});

  add_case("sum over all", [](const Inputs& x) { return sum(x[0]); }, {any({2, 3})});
  add_case("mean over all", [](const Inputs& x) { return mean(x[0]); }, {any({2, 3})});
  add_case("sum axis 0", [](const Inputs& x) { return sum(x[0], 0); }, {any({2, 3})});
  add_case("sum axis 1 keepdims", [](const Inputs& x) { return sum(x[0], 1, true); },
           {any({2, 3})});
  add_case("sum axis -2 of 3-d", [](const Inputs& x) { return sum(x[0], -2); }, {any({2, 3, 2})});
  add_case("sum axis 0 of 1-d (to 0-d)", [](const Inputs& x) { return sum(x[0], 0); }, {any({4})});
  add_case("mean axis 1", [](const Inputs& x) { return mean(x[0], 1); }, {any({2, 3})});
  add_case("mean axis -1 keepdims", [](const Inputs& x) { return mean(x[0], -1, true); },
           {any({2, 3, 2})});

  add_case("broadcast_to (3,1) to (2,3,4)",
           [](const Inputs& x) {
             return broadcast_to(x[0], Shape{2, 3, 4});
           },
           {any({3, 1})});
  add_case("broadcast_to () to (2,3)",
           [](const Inputs& x) {
             return broadcast_to(x[0], Shape{2, 3});
           },
           {any({})});
  add_case("broadcast_to (3,) to (2,3)",
           [](const Inputs& x) {
             return broadcast_to(x[0], Shape{2, 3});
           },
           {any({3})});
  add_case("sum_to (2,3,4) to (3,1)",
           [](const Inputs& x) {
             return sum_to(x[0], Shape{3, 1});
           },
           {any({2, 3, 4})});
  add_case("sum_to (2,3) to ()", [](const Inputs& x) { return sum_to(x[0], Shape{}); },
           {any({2, 3})});
  add_case("sum_to (2,3) to (3,)", [](const Inputs& x) { return sum_to(x[0], Shape{3}); },
           {any({2, 3})});
  add_case("sum_to its own shape",
           [](const Inputs& x) {
             return sum_to(x[0], Shape{2, 3});
           },
           {any({2, 3})});

  add_case("exp", [](const Inputs& x) { return exp(x[0]); }, {any({2, 3})});
  add_case("log", [](const Inputs& x) { return log(x[0]); }, {positive({2, 3})});
  add_case("tanh", [](const Inputs& x) { return tanh(x[0]); }, {any({2, 3})});
  add_case("sigmoid", [](const Inputs& x) { return sigmoid(x[0]); }, {uniform({2, 3}, 99, -4, 4)});
  add_case("tanh of tanh", [](const Inputs& x) { return tanh(tanh(x[0]) * 2.0); }, {any({2, 3})});
  add_case("sigmoid of sigmoid", [](const Inputs& x) { return sigmoid(sigmoid(x[0]) * 3.0); },
           {any({2, 3})});
  // The fused backward ops, as functions of both their inputs; `out` broadcasts against `grad`.
  add_case("tanh_backward", [](const Inputs& x) { return tanh_backward(x[0], x[1]); },
           {any({2, 3}), any({2, 3})});
  add_case("tanh_backward, out (3,)", [](const Inputs& x) { return tanh_backward(x[0], x[1]); },
           {any({2, 3}), any({3})});
  add_case("sigmoid_backward", [](const Inputs& x) { return sigmoid_backward(x[0], x[1]); },
           {any({2, 3}), uniform({2, 3}, ++seed, 0, 1)});
  add_case("sigmoid_backward, grad (3,)",
           [](const Inputs& x) { return sigmoid_backward(x[0], x[1]); },
           {any({3}), uniform({2, 3}, ++seed, 0, 1)});
  add_case("relu", [](const Inputs& x) { return relu(x[0]); }, {away_from_zero({2, 3}, ++seed)});
  add_case("sqrt", [](const Inputs& x) { return sqrt(x[0]); }, {positive({2, 3})});
  for (double exponent : {2.0, 3.0, 1.0, 0.0, -1.0})
    add_case("pow " + std::to_string(exponent),
             [exponent](const Inputs& x) { return pow(x[0], exponent); },
             {away_from_zero({2, 3}, ++seed)});
  for (double exponent : {0.5, -1.5, 2.5})
    add_case("pow " + std::to_string(exponent),
             [exponent](const Inputs& x) { return pow(x[0], exponent); }, {positive({2, 3})});
  // Inside, below and above [-0.5, 0.5], none within 0.05 of a bound.
  add_case("clamp", [](const Inputs& x) { return clamp(x[0], -0.5, 0.5); },
           {Array<double>{{-0.9, -0.3, 0.1}, {0.45, 0.7, -0.55}}});

  add_case(
      "where, same shapes",
      [](const Inputs& x) {
        return tapegrad::where(Array<bool>{{true, false, true}, {false, false, true}}, x[0], x[1]);
      },
      {any({2, 3}), any({2, 3})});
  add_case("where, condition (3,), b 0-d",
           [](const Inputs& x) {
             return tapegrad::where(Array<bool>{false, true, true}, x[0], x[1]);
           },
           {any({2, 3}), any({})});
  add_case("where, condition (2,1), a (1,3)",
           [](const Inputs& x) {
             Array<bool> column{true, false};
             column.reshape({2, 1});
             return tapegrad::where(column, x[0], x[1] * x[0]);
           },
           {any({1, 3}), any({2, 3})});

  add_case("softmax axis -1", [](const Inputs& x) { return softmax(x[0], -1); }, {any({2, 3})});
  add_case("softmax axis 0", [](const Inputs& x) { return softmax(x[0], 0); }, {any({2, 3})});
  add_case("softmax axis 1 of 3-d", [](const Inputs& x) { return softmax(x[0], 1); },
           {any({2, 3, 2})});
  add_case("log_softmax axis -1", [](const Inputs& x) { return log_softmax(x[0], -1); },
           {any({2, 3})});
  add_case("log_softmax axis 0", [](const Inputs& x) { return log_softmax(x[0], 0); },
           {any({2, 3})});
  add_case("log_softmax axis 1 of 3-d", [](const Inputs& x) { return log_softmax(x[0], 1); },
           {any({2, 3, 2})});
  add_case("cross_entropy",
           [](const Inputs& x) {
             return cross_entropy(x[0], {1, 0, 3});
           },
           {any({3, 4})});
  add_case("cross_entropy, one target for every row",
           [](const Inputs& x) {
             return cross_entropy(x[0], {2, 2, 2});
           },
           {any({3, 4})});
  add_case("mse_loss", [](const Inputs& x) { return mse_loss(x[0], x[1]); },
           {any({2, 3}), any({2, 3})});

  add_case("narrow axis 1", [](const Inputs& x) { return narrow(x[0], 1, 1, 2); }, {any({2, 4})});
  add_case("narrow axis -1 of 3-d", [](const Inputs& x) { return narrow(x[0], -1, 0, 1); },
           {any({2, 3, 2})});
  add_case("narrow axis 0, empty", [](const Inputs& x) { return narrow(x[0], 0, 1, 0) + 1.0; },
           {any({2, 3})});
  add_case("pad_axis axis 0", [](const Inputs& x) { return pad_axis(x[0], 0, 1, 2); },
           {any({2, 3})});
  add_case("pad_axis axis -1", [](const Inputs& x) { return pad_axis(x[0], -1, 0, 2); },
           {any({2, 3, 2})});
  add_case("select axis 0", [](const Inputs& x) { return select(x[0], 0, 1); }, {any({3, 2})});
  add_case("select axis 1 of 3-d", [](const Inputs& x) { return select(x[0], 1, 2); },
           {any({2, 3, 2})});
  add_case("select axis -1", [](const Inputs& x) { return select(x[0], -1, 0); }, {any({2, 3})});
  add_case("select of 1-d (to 0-d)", [](const Inputs& x) { return select(x[0], 0, 2); },
           {any({4})});
  add_case("concat axis 1",
           [](const Inputs& x) {
             return concat<double>({x[0], x[1], x[2]}, 1);
           },
           {any({2, 1}), any({2, 3}), any({2, 2})});
  add_case("concat axis 0, one part twice",
           [](const Inputs& x) {
             return concat<double>({x[0], x[1], x[0]}, 0);
           },
           {any({1, 3}), any({2, 3})});
  add_case("concat axis -1 of 3-d",
           [](const Inputs& x) {
             return concat<double>({x[0], x[1]}, -1);
           },
           {any({2, 2, 1}), any({2, 2, 3})});
  add_case("split axis 1, every part used",
           [](const Inputs& x) {
             auto parts = split(x[0], 3, 1);
             return parts[0] * parts[2] + parts[1];
           },
           {any({2, 6})});
  add_case("split axis 0, one part unused", [](const Inputs& x) { return split(x[0], 2, 0)[1]; },
           {any({4, 3})});
  add_case("split axis -1 of 3-d",
           [](const Inputs& x) {
             auto parts = split(x[0], 2, -1);
             return parts[1] - parts[0] * parts[0];
           },
           {any({2, 3, 4})});
  add_case("unbind axis 0, one slice unused",
           [](const Inputs& x) {
             auto slices = unbind(x[0], 0);
             return slices[0] * slices[2];
           },
           {any({3, 2, 2})});
  add_case("unbind axis 1 of 3-d",
           [](const Inputs& x) {
             auto slices = unbind(x[0], 1);
             return slices[1] - slices[0] * slices[2];
           },
           {any({2, 3, 4})});
  add_case("stack axis 0",
           [](const Inputs& x) {
             return stack<double>({x[0], x[1], x[2]}, 0);
           },
           {any({2, 3}), any({2, 3}), any({2, 3})});
  add_case("stack axis 1",
           [](const Inputs& x) {
             return stack<double>({x[0], x[1]}, 1);
           },
           {any({2, 3}), any({2, 3})});
  add_case("stack axis -1, one part twice",
           [](const Inputs& x) {
             return stack<double>({x[0], x[1], x[0]}, -1);
           },
           {any({2, 3}), any({2, 3})});
  add_case("gather_rows, repeated indices",
           [](const Inputs& x) {
             return gather_rows(x[0], {2, 0, 2, 3, 2});
           },
           {any({4, 3})});
  add_case("gather_rows of a 3-d table",
           [](const Inputs& x) {
             return gather_rows(x[0], {1, 1, 0});
           },
           {any({3, 2, 2})});
  add_case("scatter_add_rows, repeated indices",
           [](const Inputs& x) {
             return scatter_add_rows(x[0], {1, 0, 1, 3, 1}, 4);
           },
           {any({5, 3})});
  // A fresh generator with a fixed seed per call: every evaluation draws the same mask.
  add_case("dropout p=0.3",
           [](const Inputs& x) {
             Generator generator(42);
             return dropout(x[0], 0.3, generator);
           },
           {any({3, 4})});
  add_case("dropout p=0 and not training",
           [](const Inputs& x) {
             Generator generator(42);
             return dropout(x[0], 0.0, generator) * dropout(x[0], 0.5, generator, false);
           },
           {any({3, 4})});
  return cases;
}

}  // namespace

TEST_CASE("every op passes gradcheck and gradgradcheck in float64") {
  for (const auto& op : op_cases()) {
    SUBCASE(op.name.c_str()) {
      const GradcheckReport first = gradcheck(op.function, op.inputs);
      INFO("gradcheck:\n", first.str());
      CHECK(first.passed(kTolerance));
      const GradcheckReport second = gradgradcheck(op.function, op.inputs);
      INFO("gradgradcheck:\n", second.str());
      CHECK(second.passed(kTolerance));
      CHECK(second.graph_mismatch <= 1e-12);
    }
  }
}

namespace {

struct ErrorCase {
  std::string name;
  std::function<void()> action;
  std::string message;  // a substring of the error
};

Tensor<double> zeros(const Shape& shape) {
  return Tensor<double>(Array<double>(xt::zeros<double>(shape)));
}

std::vector<ErrorCase> error_cases() {
  const auto m23 = zeros({2, 3}), m32 = zeros({3, 2}), m34 = zeros({3, 4}), m52 = zeros({5, 2});
  const auto v3 = zeros({3}), v4 = zeros({4}), s = zeros({});
  return {
      {"add", [=] { add(m23, v4); }, "add: shapes (2,3) and (4,) do not broadcast"},
      {"sub", [=] { sub(m23, m32); }, "sub: shapes (2,3) and (3,2) do not broadcast"},
      {"mul", [=] { mul(v4, m23); }, "mul: shapes (4,) and (2,3) do not broadcast"},
      {"div", [=] { div(m34, m32); }, "div: shapes (3,4) and (3,2) do not broadcast"},
      {"operator+", [=] { (void)(m23 + m32); }, "add: shapes (2,3) and (3,2)"},
      {"operator/", [=] { (void)(m23 / v4); }, "div: shapes (2,3) and (4,)"},
      {"matmul inner", [=] { matmul(m34, m52); },
       "matmul: (3,4) x (5,2): inner dimensions 4 and 5 differ"},
      {"matmul inner, transpose_a", [=] { matmul(m34, m52, true); },
       "matmul: (3,4)^T x (5,2): inner dimensions 3 and 5 differ"},
      {"matmul inner, transpose_b", [=] { matmul(m34, m52, false, true); },
       "matmul: (3,4) x (5,2)^T: inner dimensions 4 and 2 differ"},
      {"matmul 1-d", [=] { matmul(v3, m32); }, "matmul: (3,) x (3,2): both operands must be 2-d"},
      {"addmm inner", [=] { addmm(m32, m34, m52); },
       "addmm: (3,4) x (5,2): inner dimensions 4 and 5 differ"},
      {"addmm c", [=] { addmm(v4, m34, zeros({4, 2})); },
       "addmm: shapes (4,) and (3,2) do not broadcast"},
      {"addmm c larger", [=] { addmm(zeros({2, 3, 2}), m34, zeros({4, 2})); },
       "addmm: (2,3,2) does not broadcast to the product's shape (3,2)"},
      {"matmul 0-d", [=] { matmul(m23, s); }, "matmul: (2,3) x (): both operands must be 2-d"},
      {"transpose repeated axis",
       [] {
         transpose(zeros({2, 3, 4}), {0, 0, 1});
       },
       "transpose: axes (0,0,1) are not a permutation of the axes of (2,3,4)"},
      {"transpose wrong count",
       [=] {
         transpose(m23, {1, 0, 2});
       },
       "transpose: axes (1,0,2) are not a permutation of the axes of (2,3)"},
      {"reshape count", [=] { reshape(m23, Shape{4}); },
       "reshape: cannot reshape (2,3) (6 elements) to (4,)"},
      {"reshape -1 inexact",
       [=] {
         reshape(m23, std::vector<long>{4, -1});
       },
       "reshape: cannot reshape (2,3) to (4,-1)"},
      {"reshape two -1",
       [=] {
         reshape(m23, std::vector<long>{-1, -1});
       },
       "reshape: bad target shape (-1,-1) for (2,3)"},
      {"reshape negative",
       [=] {
         reshape(m23, std::vector<long>{-2, -3});
       },
       "reshape: bad target shape (-2,-3) for (2,3)"},
      {"sum axis", [=] { sum(m23, 2); }, "sum: axis 2 is out of range for shape (2,3)"},
      {"sum negative axis", [=] { sum(m23, -3, true); },
       "sum: axis -3 is out of range for shape (2,3)"},
      {"sum axis of 0-d", [=] { sum(s, 0); }, "sum: axis 0 is out of range for shape ()"},
      {"mean axis", [=] { mean(m23, -3); }, "mean: axis -3 is out of range for shape (2,3)"},
      {"mean empty", [] { mean(zeros({0})); }, "mean: empty tensor of shape (0,)"},
      {"mean empty axis",
       [] {
         mean(zeros({2, 0}), 1);
       },
       "mean: empty axis in shape (2,0)"},
      {"broadcast_to mismatch",
       [=] {
         broadcast_to(v3, Shape{2, 4});
       },
       "broadcast_to: shapes (3,) and (2,4) do not broadcast"},
      {"broadcast_to fewer axes",
       [] {
         broadcast_to(zeros({3, 1}), Shape{3});
       },
       "broadcast_to: shape (3,1) does not broadcast to (3,)"},
      {"sum_to more axes",
       [=] {
         sum_to(v3, Shape{2, 3});
       },
       "sum_to: shape (3,) does not reduce to (2,3)"},
      {"sum_to mismatch",
       [=] {
         sum_to(m23, Shape{3, 2});
       },
       "sum_to: shapes (3,2) and (2,3) do not broadcast"},
      {"sum_to stretched target",
       [=] {
         sum_to(zeros({2, 1}), Shape{2, 3});
       },
       "sum_to: shape (2,1) does not reduce to (2,3)"},
      {"tanh_backward", [=] { tanh_backward(m23, m32); },
       "tanh_backward: shapes (2,3) and (3,2) do not broadcast"},
      {"sigmoid_backward", [=] { sigmoid_backward(v4, m23); },
       "sigmoid_backward: shapes (4,) and (2,3) do not broadcast"},
      {"clamp bounds", [=] { clamp(m23, 1.0, -1.0); }, "clamp: lower bound 1"},
      {"where shapes",
       [=] {
         tapegrad::where(Array<bool>{true, false}, m23, m23);
       },
       "where: shapes (2,) and (2,3) do not broadcast"},
      {"where operands", [=] { tapegrad::where(Array<bool>{true}, m23, m32); },
       "where: shapes (2,3) and (3,2) do not broadcast"},
      {"softmax axis", [=] { softmax(m23, 2); }, "softmax: axis 2 is out of range for shape (2,3)"},
      {"log_softmax axis", [=] { log_softmax(m23, -3); },
       "log_softmax: axis -3 is out of range for shape (2,3)"},
      {"cross_entropy 1-d", [=] { cross_entropy(v3, {0}); },
       "cross_entropy: logits must be (N, C), got (3,)"},
      {"cross_entropy targets",
       [=] {
         cross_entropy(m23, {0, 1, 2});
       },
       "cross_entropy: logits (2,3) for 3 targets"},
      {"cross_entropy class",
       [=] {
         cross_entropy(m23, {0, 3});
       },
       "cross_entropy: target 3 is out of range for 3 classes"},
      {"cross_entropy empty",
       [] {
         cross_entropy(zeros({0, 3}), {});
       },
       "cross_entropy: empty batch, logits (0,3)"},
      {"mse_loss", [=] { mse_loss(m23, m32); },
       "mse_loss: prediction (2,3) and target (3,2) differ"},
      {"mse_loss broadcastable", [=] { mse_loss(m23, v3); },
       "mse_loss: prediction (2,3) and target (3,) differ"},
      {"narrow range", [=] { narrow(m23, 1, 2, 3); },
       "narrow: [2, 5) is out of range for axis 1 of shape (2,3)"},
      {"narrow start", [=] { narrow(m23, -2, 3, 0); },
       "narrow: [3, 3) is out of range for axis 0 of shape (2,3)"},
      {"narrow axis", [=] { narrow(m23, 2, 0, 1); },
       "narrow: axis 2 is out of range for shape (2,3)"},
      {"pad_axis axis", [=] { pad_axis(m23, -3, 1, 1); },
       "pad_axis: axis -3 is out of range for shape (2,3)"},
      {"select index", [=] { select(m23, -1, 3); },
       "select: index 3 is out of range for axis 1 of shape (2,3)"},
      {"select axis", [=] { select(m23, 2, 0); }, "select: axis 2 is out of range for shape (2,3)"},
      {"concat shapes",
       [=] {
         concat<double>({m23, m32}, 1);
       },
       "concat: shapes (2,3) and (3,2) differ outside axis 1"},
      {"concat ranks",
       [=] {
         concat<double>({m23, v3}, 0);
       },
       "concat: shapes (2,3) and (3,) differ outside axis 0"},
      {"concat empty", [] { concat(std::vector<Tensor<double>>{}, 0); },
       "concat: no tensors to join"},
      {"concat axis",
       [=] {
         concat<double>({m23, m23}, 2);
       },
       "concat: axis 2 is out of range for shape (2,3)"},
      {"split chunks", [=] { split(m23, 2, 1); },
       "split: axis 1 of shape (2,3) does not split into 2 equal chunks"},
      {"split zero chunks", [=] { split(m23, 0, 0); },
       "split: axis 0 of shape (2,3) does not split into 0 equal chunks"},
      {"split axis", [=] { split(m23, 1, -3); }, "split: axis -3 is out of range for shape (2,3)"},
      {"stack shapes",
       [=] {
         stack<double>({m23, m32});
       },
       "stack: shapes (2,3) and (3,2) differ"},
      {"stack empty", [] { stack(std::vector<Tensor<double>>{}); }, "stack: no tensors to stack"},
      {"stack axis",
       [=] {
         stack<double>({m23, m23}, 3);
       },
       "stack: axis 3 is out of range"},
      {"gather_rows index",
       [=] {
         gather_rows(m32, {0, 3});
       },
       "gather_rows: index 3 is out of range for 3 rows of shape (3,2)"},
      {"gather_rows 0-d", [=] { gather_rows(s, {0}); },
       "gather_rows: table must have at least one axis"},
      {"scatter_add_rows count",
       [=] {
         scatter_add_rows(m23, {0, 1, 2}, 4);
       },
       "scatter_add_rows: source of shape (2,3) for 3 indices"},
      {"scatter_add_rows index",
       [=] {
         scatter_add_rows(m23, {0, 5}, 4);
       },
       "scatter_add_rows: index 5 is out of range for 4 rows"},
      {"dropout p=1",
       [=] {
         Generator generator(1);
         dropout(m23, 1.0, generator);
       },
       "dropout: probability 1.000000 is not in [0, 1)"},
      {"dropout p<0 even when not training",
       [=] {
         Generator generator(1);
         dropout(m23, -0.5, generator, false);
       },
       "dropout: probability -0.500000 is not in [0, 1)"},
      {"dropout_mask",
       [] {
         Generator generator(1);
         dropout_mask<double>(Shape{2}, 1.5, generator);
       },
       "dropout: probability 1.500000 is not in [0, 1)"},
  };
}

}  // namespace

// The elementwise ops of one tensor (neg, exp, log, tanh, sigmoid, relu, sqrt, pow and the
// scalar ops) accept every shape, so they have no shape errors to check.
TEST_CASE("bad shapes and arguments throw an Error naming the op and the shapes") {
  for (const auto& error : error_cases()) {
    SUBCASE(error.name.c_str()) {
      CHECK_THROWS_WITH_AS(error.action(), doctest::Contains(error.message.c_str()), Error);
    }
  }
}
