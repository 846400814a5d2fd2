// What adding_problem and timeseries share: one recurrent layer (tanh RNN, IRNN, LSTM or GRU
// from layers/recurrent.hpp) over (T, B, D) and a linear read-out of its hidden state.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/ops.hpp"
#include "layers/init.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"

namespace tapegrad::examples {

enum class CellChoice { rnn_tanh, irnn, lstm, gru };

inline const char* cell_choice_name(CellChoice cell) {
  switch (cell) {
    case CellChoice::rnn_tanh:
      return "rnn_tanh";
    case CellChoice::irnn:
      return "irnn";
    case CellChoice::lstm:
      return "lstm";
    case CellChoice::gru:
      return "gru";
  }
  return "?";
}

inline CellChoice parse_cell_choice(const std::string& name) {
  for (CellChoice cell :
       {CellChoice::rnn_tanh, CellChoice::irnn, CellChoice::lstm, CellChoice::gru})
    if (name == cell_choice_name(cell)) return cell;
  throw std::invalid_argument("unknown cell '" + name + "' (expected rnn_tanh, irnn, lstm or gru)");
}

class SequenceRegressor {
 public:
  // IRNN (Le, Jaitly & Hinton 2015; Notes B): relu RNN, W_hh = identity, biases zero. The LSTM
  // starts with forget-gate bias 1 (Gers et al. 2000), so that its cell remembers by default.
  SequenceRegressor(CellChoice cell, std::size_t input_size, std::size_t hidden_size,
                    std::size_t output_size, Generator& generator)
      : cell_(cell), head_(hidden_size, output_size, true, generator) {
    switch (cell) {
      case CellChoice::rnn_tanh:
      case CellChoice::irnn: {
        RNNOptions options;
        options.input_size = input_size, options.hidden_size = hidden_size;
        options.nonlinearity = cell == CellChoice::irnn ? Nonlinearity::relu : Nonlinearity::tanh;
        rnn_ = std::make_unique<RNN<float>>(options, generator);
        if (cell == CellChoice::irnn) init::irnn_(rnn_->cell(0));
        break;
      }
      case CellChoice::lstm: {
        LSTMOptions options;
        options.input_size = input_size, options.hidden_size = hidden_size;
        lstm_ = std::make_unique<LSTM<float>>(options, generator);
        init::forget_gate_bias_(lstm_->cell(0), 1.0);
        break;
      }
      case CellChoice::gru: {
        GRUOptions options;
        options.input_size = input_size, options.hidden_size = hidden_size;
        gru_ = std::make_unique<GRU<float>>(options, generator);
        break;
      }
    }
  }

  CellChoice cell() const { return cell_; }

  // The hidden states at every step, (T, B, H).
  Tensor<float> hidden_states(const Tensor<float>& x) {
    if (rnn_) return rnn_->forward(x).output;
    if (lstm_) return lstm_->forward(x).output;
    return gru_->forward(x).output;
  }

  // Many-to-one: the read-out of the last hidden state, (B, output_size).
  Tensor<float> predict_last(const Tensor<float>& x) {
    const Tensor<float> states = hidden_states(x);
    return head_.forward(select(states, 0, states.shape()[0] - 1));
  }

  // Many-to-many: the read-out at every step, (T, B, output_size).
  Tensor<float> predict_all(const Tensor<float>& x) { return head_.forward(hidden_states(x)); }

  std::vector<Tensor<float>> parameters() const {
    std::vector<Tensor<float>> all = rnn_    ? rnn_->parameters()
                                     : lstm_ ? lstm_->parameters()
                                             : gru_->parameters();
    for (const Tensor<float>& p : head_.parameters()) all.push_back(p);
    return all;
  }

 private:
  CellChoice cell_;
  std::unique_ptr<RNN<float>> rnn_;
  std::unique_ptr<LSTM<float>> lstm_;
  std::unique_ptr<GRU<float>> gru_;
  Linear<float> head_;
};

}  // namespace tapegrad::examples
