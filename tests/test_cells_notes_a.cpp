// The LSTM of Notes A, written as a user-defined cell (examples/notes_a_lstm.hpp): the tape
// differentiates it with no help, and it is the library's LSTMCell under other names.
#include <doctest/doctest.h>

#include <xtensor/xview.hpp>

#include "autodiff/gradcheck.hpp"
#include "examples/notes_a_lstm.hpp"
#include "layers/cells.hpp"
#include "test_layers_support.hpp"

using namespace tapegrad;
using namespace tapegrad::testing;

TEST_CASE("Notes A LSTM: parameters named by gate, in the notes' shapes") {
  notes_a::LSTM<double> model(2, 3, 4);
  std::vector<std::pair<std::string, Shape>> shapes;
  for (const auto& [name, parameter] : model.named_parameters())
    shapes.emplace_back(name, parameter.shape());
  const std::vector<std::pair<std::string, Shape>> expected{
      {"Wy", {4, 3}},         {"By", {4}},         {"content.W", {3, 2}},
      {"content.U", {3, 3}},  {"content.B", {3}},  {"remember.W", {3, 2}},
      {"remember.U", {3, 3}}, {"remember.B", {3}}, {"new.W", {3, 2}},
      {"new.U", {3, 3}},      {"new.B", {3}},      {"output.W", {3, 2}},
      {"output.U", {3, 3}},   {"output.B", {3}}};
  CHECK(shapes == expected);
}

TEST_CASE("Notes A LSTM: gradcheck of the many-to-one cross-entropy loss") {
  struct Size {
    std::size_t steps, samples, input, hidden, classes;
  };
  for (Size size : {Size{1, 1, 1, 1, 2}, Size{4, 3, 2, 3, 2}, Size{5, 2, 3, 2, 3}}) {
    CAPTURE(size.steps);
    CAPTURE(size.samples);
    notes_a::LSTM<double> model(size.input, size.hidden, size.classes, 3);
    std::mt19937_64 engine(size.steps);
    std::vector<std::size_t> labels;
    for (std::size_t n = 0; n < size.samples; ++n) labels.push_back(n % size.classes);
    std::vector<Array<double>> inputs;
    for (std::size_t t = 0; t < size.steps; ++t)
      inputs.push_back(random_array({size.samples, size.input}, engine));
    const std::vector<std::string> names = parameter_names(model);
    for (auto& value : parameter_values(model)) inputs.push_back(value);
    auto loss = [&](const std::vector<Tensor<double>>& xs) {
      bind_parameters(model, names, xs, size.steps);
      return model.loss(std::vector<Tensor<double>>(xs.begin(), xs.begin() + size.steps), labels);
    };
    const auto report = gradcheck(loss, inputs);
    INFO(report.str());
    CHECK(report.passed(1e-6));
  }
}

TEST_CASE(
    "Notes A LSTM is LSTMCell with the gates renamed: new = i, remember = f, content = g, output = "
    "o") {
  const std::size_t N = 3, D = 2, H = 3;
  notes_a::LSTM<double> model(D, H, 2, 5);
  LSTMCell<double> cell({.input_size = D, .hidden_size = H});
  // PyTorch's row blocks in gate order i, f, g, o; the notes' B goes to bias_ih, bias_hh is 0.
  const std::vector<const notes_a::Gate<double>*> in_pytorch_order{
      &model.new_gate, &model.remember_gate, &model.content_gate, &model.output_gate};
  Array<double> weight_ih = xt::zeros<double>({4 * H, D}),
                weight_hh = xt::zeros<double>({4 * H, H});
  Array<double> bias_ih = xt::zeros<double>({4 * H});
  for (std::size_t k = 0; k < 4; ++k) {
    xt::view(weight_ih, xt::range(k * H, (k + 1) * H), xt::all()) = in_pytorch_order[k]->W.value();
    xt::view(weight_hh, xt::range(k * H, (k + 1) * H), xt::all()) = in_pytorch_order[k]->U.value();
    xt::view(bias_ih, xt::range(k * H, (k + 1) * H)) = in_pytorch_order[k]->B.value();
  }
  cell.set_parameter("weight_ih", weight_ih);
  cell.set_parameter("weight_hh", weight_hh);
  cell.set_parameter("bias_ih", bias_ih);
  cell.set_parameter("bias_hh", Array<double>(xt::zeros<double>({4 * H})));

  std::mt19937_64 engine(6);
  std::vector<Tensor<double>> xs;
  for (std::size_t t = 0; t < 4; ++t) xs.emplace_back(random_array({N, D}, engine));
  LSTMState<double> state;
  for (const auto& x : xs) state = cell.forward(x, state);
  CHECK(max_abs_diff(model.last_hidden(xs).value(), state.h.value()) < 1e-14);
}
