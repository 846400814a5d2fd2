// Initialisers: in-place fills of a parameter's value, all drawn from a seeded Generator.
//
// Fan-in and fan-out are PyTorch's: for a weight (out, in, ...), fan_in = in · receptive field
// and fan_out = out · receptive field; a 1-d tensor has fan_in = fan_out = its size.
#pragma once

#include <cstddef>
#include <utility>

#include "autodiff/nn.hpp"

namespace tapegrad {

template <class T>
class RNNCell;
template <class T>
class LSTMCell;

namespace init {

std::pair<std::size_t, std::size_t> fan_in_and_out(const Shape& shape);

template <class T>
void uniform_(Tensor<T>& tensor, double low, double high, Generator& generator);
template <class T>
void normal_(Tensor<T>& tensor, double mean, double stddev, Generator& generator);
template <class T>
void constant_(Tensor<T>& tensor, double value);
template <class T>
void zeros_(Tensor<T>& tensor) {
  constant_(tensor, 0.0);
}

// PyTorch's default for its recurrent layers: uniform(-1/sqrt(H), 1/sqrt(H)) for every
// parameter, H the hidden size.
template <class T>
void recurrent_uniform_(Tensor<T>& tensor, std::size_t hidden_size, Generator& generator);

// Kaiming/He uniform for a leaky-ReLU slope a: bound = sqrt(2 / (1 + a²)) · sqrt(3 / fan_in).
// nn.Linear's default weight uses a = sqrt(5), which gives bound = 1/sqrt(fan_in).
template <class T>
void kaiming_uniform_(Tensor<T>& tensor, Generator& generator, double a = 0);

// Glorot & Bengio 2010: keeps the variance of activations and gradients across a layer.
//   uniform: bound = gain · sqrt(6 / (fan_in + fan_out));  normal: std = gain · sqrt(2 / (fan_in +
//   fan_out))
template <class T>
void xavier_uniform_(Tensor<T>& tensor, Generator& generator, double gain = 1);
template <class T>
void xavier_normal_(Tensor<T>& tensor, Generator& generator, double gain = 1);

// Saxe et al. 2014: a (semi-)orthogonal matrix times gain, from the QR decomposition of a
// Gaussian matrix with R's diagonal made positive (so the result is uniformly distributed).
// A tensor of more than 2 axes is treated as (shape[0], rest), as PyTorch does.
template <class T>
void orthogonal_(Tensor<T>& tensor, Generator& generator, double gain = 1);
// The same for each of `blocks` equal row blocks: a stacked gate matrix (4H, H) gets one
// orthogonal (H, H) per gate instead of orthonormal columns over all four.
template <class T>
void orthogonal_blocks_(Tensor<T>& tensor, std::size_t blocks, Generator& generator,
                        double gain = 1);

// scale · identity for a 2-d tensor (rectangular: ones on the main diagonal).
template <class T>
void eye_(Tensor<T>& tensor, double scale = 1);

// Le, Jaitly & Hinton 2015 (IRNN, Notes B): a relu RNN whose recurrent matrix starts as the
// identity (times `scale`) and whose biases start at zero, so that early on the state is
// carried unchanged and gradients neither vanish nor explode.
template <class T>
void irnn_(RNNCell<T>& cell, double scale = 1);

// Sets the forget-gate block (the second of i, f, g, o) of an LSTM's effective bias
// b_ih + b_hh to `value` (1 is Gers et al.'s and Jozefowicz et al.'s advice): bias_ih gets
// the value and bias_hh zeros in that block, the other blocks are left alone.
template <class T>
void forget_gate_bias_(LSTMCell<T>& cell, double value = 1);

}  // namespace init
}  // namespace tapegrad
