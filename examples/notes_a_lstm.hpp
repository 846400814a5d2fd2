// The LSTM of Notes A (../shared/SEEDS.md), written as a user would write their own cell:
// only public tapegrad API (Tensor, ops, Module, init), nothing from the library's internals.
// Differentiation comes from the tape, with no backward code here.
//
// Shapes: samples are rows here (the notes put them in columns), so x_t is (N, d_in) and h_t,
// c_t are (N, d_h). Every gate keeps the notes' parameters W (d_h, d_in), U (d_h, d_h) and
// B (d_h), applied as x W^T + h U^T + B. The classifier has Wy (d_y, d_h) and By (d_y).
//
//   content   c~_t = tanh(Wc x_t + Uc h_{t-1} + Bc)
//   remember  r_t  = σ(Wr x_t + Ur h_{t-1} + Br)        (a forget gate)
//   new       n_t  = σ(Wn x_t + Un h_{t-1} + Bn)        (an input gate)
//   cell      c_t  = r_t ⊙ c_{t-1} + n_t ⊙ c~_t
//   output    o_t  = σ(Wo x_t + Uo h_{t-1} + Bo)
//   hidden    h_t  = o_t ⊙ tanh(c_t)
// then, after the last step (many-to-one): X_out = Wy h_T + By, ŷ = softmax(X_out), and the
// categorical cross-entropy averaged over the N samples.
#pragma once

#include <cstdint>
#include <vector>

#include "autodiff/ops.hpp"
#include "layers/init.hpp"
#include "layers/module.hpp"

namespace notes_a {

using tapegrad::Tensor;

// One gate's W, U, B; its parameters are named "<gate>.W", "<gate>.U", "<gate>.B".
template <class T>
class Gate : public tapegrad::Module<T> {
 public:
  Gate(std::size_t input_size, std::size_t hidden_size, tapegrad::Generator& generator)
      : W(tapegrad::Array<T>(xt::zeros<T>({hidden_size, input_size}))),
        U(tapegrad::Array<T>(xt::zeros<T>({hidden_size, hidden_size}))),
        B(tapegrad::Array<T>(xt::zeros<T>({hidden_size}))) {
    this->register_parameter("W", W);
    this->register_parameter("U", U);
    this->register_parameter("B", B);
    for (auto& [name, parameter] : this->named_parameters())
      tapegrad::init::recurrent_uniform_(parameter, hidden_size, generator);
  }
  std::string type_name() const override { return "notes_a::Gate"; }

  // W x + U h + B, with samples as rows.
  Tensor<T> pre_activation(const Tensor<T>& x, const Tensor<T>& h) const {
    return matmul(x, W, false, true) + matmul(h, U, false, true) + B;
  }

  Tensor<T> W, U, B;
};

template <class T>
struct State {
  Tensor<T> h, c;
};

template <class T>
class LSTM : public tapegrad::Module<T> {
 public:
  LSTM(std::size_t input_size, std::size_t hidden_size, std::size_t num_classes,
       std::uint64_t seed = 0)
      : LSTM(input_size, hidden_size, num_classes, tapegrad::Generator(seed)) {}
  std::string type_name() const override { return "notes_a::LSTM"; }

  State<T> step(const Tensor<T>& x, const State<T>& previous) const {
    Tensor<T> content = tanh(content_gate.pre_activation(x, previous.h));
    Tensor<T> remember = sigmoid(remember_gate.pre_activation(x, previous.h));
    Tensor<T> new_ = sigmoid(new_gate.pre_activation(x, previous.h));
    Tensor<T> c = remember * previous.c + new_ * content;
    Tensor<T> output = sigmoid(output_gate.pre_activation(x, previous.h));
    Tensor<T> h = output * tanh(c);
    return {h, c};
  }

  // h_T after running every x_t (N, d_in) from h_0 = c_0 = 0.
  Tensor<T> last_hidden(const std::vector<Tensor<T>>& xs) const {
    const std::size_t samples = xs.at(0).shape()[0], hidden_size = Wy.shape()[1];
    State<T> state{Tensor<T>(tapegrad::Array<T>(xt::zeros<T>({samples, hidden_size}))),
                   Tensor<T>(tapegrad::Array<T>(xt::zeros<T>({samples, hidden_size})))};
    for (const Tensor<T>& x : xs) state = step(x, state);
    return state.h;
  }

  // X_out = Wy h_T + By, (N, d_y).
  Tensor<T> logits(const std::vector<Tensor<T>>& xs) const {
    return matmul(last_hidden(xs), Wy, false, true) + By;
  }

  // Mean over the N samples of -log softmax(X_out)[label].
  Tensor<T> loss(const std::vector<Tensor<T>>& xs, const std::vector<std::size_t>& labels) const {
    return cross_entropy(logits(xs), labels);
  }

  Gate<T> content_gate, remember_gate, new_gate, output_gate;
  Tensor<T> Wy, By;

 private:
  LSTM(std::size_t input_size, std::size_t hidden_size, std::size_t num_classes,
       tapegrad::Generator&& generator)
      : content_gate(input_size, hidden_size, generator),
        remember_gate(input_size, hidden_size, generator),
        new_gate(input_size, hidden_size, generator),
        output_gate(input_size, hidden_size, generator),
        Wy(tapegrad::Array<T>(xt::zeros<T>({num_classes, hidden_size}))),
        By(tapegrad::Array<T>(xt::zeros<T>({num_classes}))) {
    this->register_module("content", content_gate);
    this->register_module("remember", remember_gate);
    this->register_module("new", new_gate);
    this->register_module("output", output_gate);
    this->register_parameter("Wy", Wy);
    this->register_parameter("By", By);
    tapegrad::init::xavier_uniform_(Wy, generator);
  }
};

}  // namespace notes_a
