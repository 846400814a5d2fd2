// A gradient penalty on an LSTM: the loss includes the norm of the loss's own gradient with
// respect to the input sequence, so training differentiates through backward itself
// (create_graph). Here it keeps the model smooth in its inputs while it fits a target:
//
//   L = mse(head(LSTM(x)), y) + lambda * ||dmse/dx||^2
//
// Before training, one weight's gradient of L is compared with a central finite difference, to
// show the second-order gradient is exact.
#include <CLI/CLI.hpp>

#include <cstdio>

#include <xtensor/xsort.hpp>

#include "autodiff/ops.hpp"
#include "cli_main.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "optim/optim.hpp"

using namespace tapegrad;

namespace {

struct Model {
  LSTM<double> lstm;
  Linear<double> head;
  Model(std::size_t input, std::size_t hidden)
      : lstm({{.input_size = input, .hidden_size = hidden}, {.num_layers = 1}}, 1), head(hidden, 1, true, 2) {}
  std::vector<Tensor<double>> parameters() {
    auto params = lstm.parameters();
    for (auto& p : head.parameters()) params.push_back(p);
    return params;
  }
};

// Returns {L, the penalty}; L is recorded so that backward reaches the weights through the
// input gradient too.
std::pair<Tensor<double>, double> penalised_loss(Model& model, const Array<double>& x_value,
                                                 const Tensor<double>& target, double lambda) {
  Tensor<double> x(x_value, true);
  Tensor<double> fit = mse_loss(model.head.forward(model.lstm.forward(x).output), target);
  Tensor<double> grad_x = grad(fit, {x}, {.create_graph = true})[0];
  Tensor<double> penalty = sum(grad_x * grad_x);
  return {fit + lambda * penalty, penalty.item()};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train an LSTM with a penalty on the norm of its input gradient (second order)."};
  std::size_t steps = 200, seq = 10, batch = 8, hidden = 16;
  double lambda = 1.0, lr = 1e-2;
  app.add_option("--steps", steps, "training steps")->capture_default_str();
  app.add_option("--seq", seq, "sequence length")->capture_default_str();
  app.add_option("--batch", batch, "batch size")->capture_default_str();
  app.add_option("--hidden", hidden, "LSTM hidden size")->capture_default_str();
  app.add_option("--lambda", lambda, "weight of the gradient penalty")->capture_default_str();
  app.add_option("--lr", lr, "Adam learning rate")->capture_default_str();
  return run_cli("gradient_penalty", app, argc, argv, [&] {
    if (seq == 0 || batch == 0 || hidden == 0) throw Error("--seq, --batch and --hidden must be positive");
    Generator gen(0);
    const std::size_t input = 3;
    Array<double> x = gen.uniform<double>({seq, batch, input}, -1.0, 1.0);
    // Target: a smooth function of the running mean of the first input channel.
    Array<double> target_value = Tensor<double>::zeros({seq, batch, 1}).value();
    for (std::size_t b = 0; b < batch; ++b) {
      double running = 0;
      for (std::size_t t = 0; t < seq; ++t) {
        running += x(t, b, 0);
        target_value(t, b, 0) = std::sin(running / double(t + 1));
      }
    }
    Tensor<double> target(target_value);
    Model model(input, hidden);
    auto params = model.parameters();

    // The weight gradient of L against finite differences, through the create_graph pass, at
    // the element with the largest gradient.
    Tensor<double>& weight = params[1];  // weight_hh_l0
    penalised_loss(model, x, target, lambda).first.backward();
    const Array<double> gradient = weight.grad().value();
    const std::size_t k = xt::argmax(xt::abs(gradient))();
    const double analytic = gradient.data()[k], h = 1e-4, original = weight.value().data()[k];
    auto loss_at = [&](double offset) {
      weight.mutable_value().data()[k] = original + offset;
      double l = penalised_loss(model, x, target, lambda).first.item();
      tape().reset();
      return l;
    };
    const double numeric = (8 * (loss_at(h) - loss_at(-h)) - (loss_at(2 * h) - loss_at(-2 * h))) / (12 * h);
    weight.mutable_value().data()[k] = original;
    weight.zero_grad();
    std::printf("dL/dweight_hh_l0[%zu]: backward %.10e, finite difference %.10e, relative error %.1e\n",
                k, analytic, numeric, std::abs(analytic - numeric) / std::abs(numeric));

    Adam<double> adam(params, {.lr = lr});
    for (std::size_t step = 0; step <= steps; ++step) {
      adam.zero_grad();
      auto [loss, penalty] = penalised_loss(model, x, target, lambda);
      loss.backward();
      clip_grad_norm(params, 5.0);
      adam.step();
      if (step % 50 == 0 || step == steps)
        std::printf("step %4zu  loss %.5f  penalty %.5f\n", step, loss.item(), penalty);
    }
    return 0;
  });
}
