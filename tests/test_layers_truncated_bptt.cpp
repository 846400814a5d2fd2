// Truncated BPTT: a long sequence run in chunks of k steps, the hidden state carried forward
// (detached) and the gradient cut between chunks.
#include <doctest/doctest.h>

#include <xtensor/xview.hpp>

#include "autodiff/ops.hpp"
#include "layers/bptt.hpp"
#include "layers/recurrent.hpp"

using namespace tapegrad;

TEST_CASE("truncated BPTT over chunks equals hand-derived BPTT restarted at every chunk") {
  const std::size_t steps = 12, chunk = 4, batch = 2, input = 3, hidden = 5;
  Generator gen(5);
  LSTM<double> lstm({{.input_size = input, .hidden_size = hidden}, {.num_layers = 1}}, 7);
  Tensor<double> xs(gen.uniform<double>({steps, batch, input}, -1.0, 1.0));
  Array<double> gy = gen.uniform<double>({steps, batch, hidden}, -1.0, 1.0);

  // The tape: each chunk starts from the previous chunk's final state, detached.
  LSTMState<double> state;
  auto chunks = split(xs, steps / chunk, 0);
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    auto out = lstm.forward(chunks[k], state);
    Tensor<double> gy_chunk(Array<double>(xt::view(gy, xt::range(k * chunk, (k + 1) * chunk))));
    sum(out.output * gy_chunk).backward();
    state = LSTMState<double>{out.h_n.detach(), out.c_n.detach()};
  }

  // By hand: the same chunks, each a separate BPTT from the carried state.
  const auto& cell = lstm.cell(0, 0);
  ManualBPTT<double> manual(CellKind::lstm, {cell.weight_ih.value(), cell.weight_hh.value(),
                                             cell.bias_ih.value(), cell.bias_hh.value()});
  Array<double> h = xt::zeros<double>({batch, hidden}), c = xt::zeros<double>({batch, hidden});
  Array<double> grad_weight_hh = xt::zeros<double>({4 * hidden, hidden});
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    manual.forward(chunks[k].value(), h, c);
    auto grads = manual.backward(Array<double>(xt::view(gy, xt::range(k * chunk, (k + 1) * chunk))));
    grad_weight_hh += grads.grad_weight_hh;
    h = manual.final_hidden();
    c = manual.final_cell();
  }
  const Array<double>& tape_grad = cell.weight_hh.grad().value();
  CHECK(xt::amax(xt::abs(tape_grad - grad_weight_hh))() <= 1e-10 * xt::amax(xt::abs(grad_weight_hh))());

  // And the cut is real: full BPTT over the whole sequence gives a different gradient.
  manual.forward(xs.value());
  auto full = manual.backward(gy);
  CHECK(xt::amax(xt::abs(full.grad_weight_hh - grad_weight_hh))() > 1e-6);
}
