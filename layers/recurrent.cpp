#include "layers/recurrent.hpp"

#include <type_traits>

#include "autodiff/ops.hpp"

namespace tapegrad {

namespace {

Generator& as_lvalue(Generator&& generator) { return generator; }

template <class T>
Tensor<T> zeros(const Shape& shape) {
  return Tensor<T>(Array<T>(xt::zeros<T>(shape)));
}

// A cell's state and what its step needs besides the input, uniform over the three cells.
template <class T, class Cell>
struct Recurrence {
  using State = Tensor<T>;
  static Tensor<T> hidden(const State& state) { return state; }
  static State initial(const Tensor<T>& h0, const Tensor<T>&) { return h0; }
  static State blend(const Array<bool>& valid, const State& next, const State& previous) {
    return tapegrad::where(valid, next, previous);
  }
  static VariationalMasks<T> masks(const Cell&, std::size_t, Generator&) { return {}; }
  static State step(const Cell& cell, const Tensor<T>& projected, const State& state,
                    const VariationalMasks<T>&) {
    return cell.step(projected, state);
  }
  static Tensor<T> cell_state(const State&) { return {}; }
};

template <class T>
struct Recurrence<T, LSTMCell<T>> {
  using State = LSTMState<T>;
  static Tensor<T> hidden(const State& state) { return state.h; }
  static State initial(const Tensor<T>& h0, const Tensor<T>& c0) { return {h0, c0}; }
  static State blend(const Array<bool>& valid, const State& next, const State& previous) {
    return {tapegrad::where(valid, next.h, previous.h), tapegrad::where(valid, next.c, previous.c)};
  }
  static VariationalMasks<T> masks(const LSTMCell<T>& cell, std::size_t batch,
                                   Generator& generator) {
    return cell.dropout_masks(batch, generator);
  }
  static State step(const LSTMCell<T>& cell, const Tensor<T>& projected, const State& state,
                    const VariationalMasks<T>& masks) {
    return cell.step(projected, state, masks);
  }
  static Tensor<T> cell_state(const State& state) { return state.c; }
};

std::string suffix(std::size_t layer, std::size_t direction) {
  return "_l" + std::to_string(layer) + (direction ? "_reverse" : "");
}

}  // namespace

namespace detail {

template <class T, class Cell>
Cell& StackedRecurrent<T, Cell>::cell(std::size_t layer, std::size_t direction) {
  return const_cast<Cell&>(std::as_const(*this).cell(layer, direction));
}

template <class T, class Cell>
const Cell& StackedRecurrent<T, Cell>::cell(std::size_t layer, std::size_t direction) const {
  if (layer >= num_layers() || direction >= num_directions())
    throw Error(this->type_name() + ": no cell for layer " + std::to_string(layer) +
                ", direction " + std::to_string(direction) + " (" + std::to_string(num_layers()) +
                " layers, " + std::to_string(num_directions()) + " directions)");
  return *cells_[layer * num_directions() + direction];
}

template <class T, class Cell>
std::vector<Cell*> StackedRecurrent<T, Cell>::cells() {
  std::vector<Cell*> out;
  for (auto& cell : cells_) out.push_back(cell.get());
  return out;
}

template <class T, class Cell>
void StackedRecurrent<T, Cell>::train(bool on) {
  Module<T>::train(on);
  for (auto& cell : cells_) cell->train(on);
}

template <class T, class Cell>
template <class MakeCell>
void StackedRecurrent<T, Cell>::build(std::size_t input_size, std::size_t output_size,
                                      MakeCell&& make_cell) {
  if (stack_.num_layers == 0) throw Error(this->type_name() + ": num_layers must be at least 1");
  if (!(stack_.dropout >= 0 && stack_.dropout < 1))
    throw Error(this->type_name() + ": dropout " + std::to_string(stack_.dropout) +
                " is not in [0, 1)");
  input_size_ = input_size;
  output_size_ = output_size;
  for (std::size_t layer = 0; layer < num_layers(); ++layer)
    for (std::size_t direction = 0; direction < num_directions(); ++direction) {
      cells_.push_back(make_cell(layer == 0 ? input_size : num_directions() * output_size));
      Cell& cell = *cells_.back();
      // The cell's own names (weight_ih, ...), in its order, which is PyTorch's per layer.
      for (const auto& [name, parameter] : cell.named_parameters())
        this->register_parameter(name + suffix(layer, direction), cell.parameter(name));
    }
}

template <class T, class Cell>
SequenceOutput<T> StackedRecurrent<T, Cell>::run(const Tensor<T>& input, const Tensor<T>& h0,
                                                 const Tensor<T>& c0,
                                                 const std::vector<std::size_t>& lengths) {
  using R = Recurrence<T, Cell>;
  constexpr bool is_lstm = std::is_same_v<Cell, LSTMCell<T>>;
  const std::string layer_name = this->type_name();
  // NOTE [empty inputs]
  auto expected = [&] {
    return "expected (T, B, " + std::to_string(input_size_) + ") with T >= 1";
  };
  if (!input.defined()) throw Error(layer_name + ": input is undefined, " + expected());
  if (input.dim() != 3 || input.shape()[2] != input_size_)
    throw Error(layer_name + ": input of shape " + shape_str(input.shape()) + ", " + expected());
  if (input.shape()[0] == 0)
    throw Error(layer_name + ": input of shape " + shape_str(input.shape()) +
                " has no time steps, " + expected());
  const std::size_t steps = input.shape()[0], batch = input.shape()[1];
  const std::size_t stacked = num_layers() * num_directions();
  const std::size_t cell_size = cells_[0]->options().hidden_size;
  auto check_state = [&](const Tensor<T>& state, const char* what, std::size_t size) {
    if (state.defined() && state.shape() != Shape{stacked, batch, size})
      throw Error(layer_name + ": " + what + " of shape " + shape_str(state.shape()) +
                  ", expected " + shape_str(Shape{stacked, batch, size}) +
                  " (layers * directions, B, hidden)");
  };
  check_state(h0, "h0", output_size_);
  if constexpr (is_lstm) check_state(c0, "c0", cell_size);

  // The per-call lists are scratch lists, reused from call to call: NOTE [scratch lists].
  // valid[t] (B, 1): which sequences are still running at step t. Empty if none is padded.
  ScratchVector<Array<bool>> valid;
  if (!lengths.empty()) {
    if (lengths.size() != batch)
      throw Error(layer_name + ": " + std::to_string(lengths.size()) + " lengths for a batch of " +
                  std::to_string(batch) + " (input " + shape_str(input.shape()) + ")");
    bool any_padded = false;
    for (std::size_t length : lengths) {
      if (length > steps)
        throw Error(layer_name + ": sequence length " + std::to_string(length) + " exceeds T = " +
                    std::to_string(steps) + " of input " + shape_str(input.shape()));
      any_padded = any_padded || length < steps;
    }
    if (any_padded)
      for (std::size_t t = 0; t < steps; ++t) {
        auto running = Array<bool>::from_shape({batch, std::size_t{1}});
        for (std::size_t b = 0; b < batch; ++b) running(b, 0) = t < lengths[b];
        valid->push_back(std::move(running));
      }
  }
  const bool padded = !valid->empty();
  const Tensor<T> zero_output = !padded ? Tensor<T>() : zeros<T>({batch, output_size_});

  Tensor<T> layer_input = input;
  ScratchVector<Tensor<T>> final_h, final_c;
  for (std::size_t layer = 0; layer < num_layers(); ++layer) {
    ScratchVector<Tensor<T>> direction_outputs;
    for (std::size_t direction = 0; direction < num_directions(); ++direction) {
      const Cell& cell = this->cell(layer, direction);
      const std::size_t row = layer * num_directions() + direction;
      // An explicit zero state when none is given: padded steps carry it unchanged.
      Tensor<T> h = h0.defined() ? select(h0, 0, row) : zeros<T>({batch, output_size_});
      Tensor<T> c;
      if constexpr (is_lstm) c = c0.defined() ? select(c0, 0, row) : zeros<T>({batch, cell_size});
      typename R::State state = R::initial(h, c);
      const VariationalMasks<T> masks = R::masks(cell, batch, dropout_generator_);

      // x_t W_ih^T + b_ih for all T steps as one (T*B, D) product, then one slice per step.
      const Shape rows{steps * batch, layer_input.shape()[2]};
      Tensor<T> x = masks.input.defined() ? layer_input * masks.input : layer_input;
      Tensor<T> projected = cell.input_projection(reshape(x, rows));
      // Rows t*B .. t*B + B-1 are step t; split has one node for all steps, where T selects
      // would each pad their gradient back to (T*B, G) in backward.
      ScratchVector<Tensor<T>> projected_steps(steps);
      split(projected, std::span<Tensor<T>>(*projected_steps), 0);

      ScratchVector<Tensor<T>> outputs(steps);
      for (std::size_t k = 0; k < steps; ++k) {
        const std::size_t t = direction == 0 ? k : steps - 1 - k;
        typename R::State next = R::step(cell, projected_steps[t], state, masks);
        if (!padded) {
          state = next;
          outputs[t] = R::hidden(state);
        } else {  // NOTE [variable-length batches]
          state = R::blend(valid[t], next, state);
          outputs[t] = tapegrad::where(valid[t], R::hidden(next), zero_output);
        }
      }
      direction_outputs->push_back(stack(*outputs, 0));
      final_h->push_back(R::hidden(state));
      if constexpr (is_lstm) final_c->push_back(R::cell_state(state));
    }
    Tensor<T> layer_output =
        direction_outputs->size() == 1 ? direction_outputs[0] : concat(*direction_outputs, 2);
    if (layer + 1 < num_layers())
      layer_output = dropout(layer_output, stack_.dropout, dropout_generator_, this->is_training());
    layer_input = layer_output;
  }
  SequenceOutput<T> result{layer_input, stack(*final_h, 0), {}};
  if constexpr (is_lstm) result.c_n = stack(*final_c, 0);
  return result;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------

template <class T>
RNN<T>::RNN(const RNNOptions& options, std::uint64_t seed)
    : RNN(options, as_lvalue(Generator(seed))) {}

template <class T>
RNN<T>::RNN(const RNNOptions& options, Generator& generator)
    : detail::StackedRecurrent<T, RNNCell<T>>(options, generator.engine()()), options_(options) {
  this->build(options.input_size, options.hidden_size, [&](std::size_t input_size) {
    RNNCellOptions cell = options;
    cell.input_size = input_size;
    return std::make_unique<RNNCell<T>>(cell, generator);
  });
}

template <class T>
SequenceOutput<T> RNN<T>::forward(const Tensor<T>& input, const Tensor<T>& h0,
                                  const std::vector<std::size_t>& lengths) {
  return this->run(input, h0, {}, lengths);
}

template <class T>
LSTM<T>::LSTM(const LSTMOptions& options, std::uint64_t seed)
    : LSTM(options, as_lvalue(Generator(seed))) {}

template <class T>
LSTM<T>::LSTM(const LSTMOptions& options, Generator& generator)
    : detail::StackedRecurrent<T, LSTMCell<T>>(options, generator.engine()()), options_(options) {
  const std::size_t output_size = options.proj_size ? options.proj_size : options.hidden_size;
  this->build(options.input_size, output_size, [&](std::size_t input_size) {
    LSTMCellOptions cell = options;
    cell.input_size = input_size;
    return std::make_unique<LSTMCell<T>>(cell, generator);
  });
}

template <class T>
SequenceOutput<T> LSTM<T>::forward(const Tensor<T>& input, const LSTMState<T>& initial,
                                   const std::vector<std::size_t>& lengths) {
  return this->run(input, initial.h, initial.c, lengths);
}

template <class T>
GRU<T>::GRU(const GRUOptions& options, std::uint64_t seed)
    : GRU(options, as_lvalue(Generator(seed))) {}

template <class T>
GRU<T>::GRU(const GRUOptions& options, Generator& generator)
    : detail::StackedRecurrent<T, GRUCell<T>>(options, generator.engine()()), options_(options) {
  this->build(options.input_size, options.hidden_size, [&](std::size_t input_size) {
    GRUCellOptions cell = options;
    cell.input_size = input_size;
    return std::make_unique<GRUCell<T>>(cell, generator);
  });
}

template <class T>
SequenceOutput<T> GRU<T>::forward(const Tensor<T>& input, const Tensor<T>& h0,
                                  const std::vector<std::size_t>& lengths) {
  return this->run(input, h0, {}, lengths);
}

template class detail::StackedRecurrent<float, RNNCell<float>>;
template class detail::StackedRecurrent<double, RNNCell<double>>;
template class detail::StackedRecurrent<float, LSTMCell<float>>;
template class detail::StackedRecurrent<double, LSTMCell<double>>;
template class detail::StackedRecurrent<float, GRUCell<float>>;
template class detail::StackedRecurrent<double, GRUCell<double>>;
template class RNN<float>;
template class RNN<double>;
template class LSTM<float>;
template class LSTM<double>;
template class GRU<float>;
template class GRU<double>;

}  // namespace tapegrad
