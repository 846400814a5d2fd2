#include "layers/init.hpp"

#include <cmath>
#include <random>
#include <xtensor/xview.hpp>

#include "autodiff/ops.hpp"
#include "layers/cells.hpp"

namespace tapegrad::init {

namespace {

template <class T, class Draw>
void fill(Tensor<T>& tensor, Draw&& draw) {
  for (auto& v : tensor.mutable_value()) v = static_cast<T>(draw());
}

// A (rows, columns) matrix with orthonormal columns (rows >= columns) or rows (rows < columns),
// by modified Gram-Schmidt on a Gaussian matrix: the Q of its QR decomposition with R's
// diagonal positive, which makes Q uniformly (Haar) distributed.
Array<double> random_orthogonal(std::size_t rows, std::size_t columns, Generator& generator) {
  const bool transposed = rows < columns;
  const std::size_t n = transposed ? columns : rows, k = transposed ? rows : columns;
  std::normal_distribution<double> normal;
  Array<double> q = xt::empty<double>({k, n});  // the k vectors to orthonormalise, as rows
  for (auto& v : q) v = normal(generator.engine());
  for (std::size_t i = 0; i < k; ++i) {
    auto vector_i = xt::row(q, i);
    for (std::size_t j = 0; j < i; ++j) {
      auto vector_j = xt::row(q, j);
      vector_i -= xt::sum(vector_i * vector_j)() * vector_j;
    }
    const double norm = std::sqrt(xt::sum(vector_i * vector_i)());
    if (norm < 1e-12)
      throw Error("orthogonal_: degenerate random matrix (draw again with another seed)");
    vector_i /= norm;
  }
  if (transposed) return q;  // (rows, columns) with orthonormal rows
  return xt::transpose(q);
}

std::size_t rows_of(const char* op, const Shape& shape) {
  if (shape.size() < 2)
    throw Error(std::string(op) + ": needs a tensor of at least 2 axes, got shape " +
                shape_str(shape));
  return shape[0];
}

}  // namespace

std::pair<std::size_t, std::size_t> fan_in_and_out(const Shape& shape) {
  if (shape.empty()) throw Error("fan_in_and_out: a 0-d tensor has no fan-in or fan-out");
  if (shape.size() == 1) return {shape[0], shape[0]};
  std::size_t receptive_field = 1;
  for (std::size_t i = 2; i < shape.size(); ++i) receptive_field *= shape[i];
  return {shape[1] * receptive_field, shape[0] * receptive_field};
}

template <class T>
void uniform_(Tensor<T>& tensor, double low, double high, Generator& generator) {
  if (!(low <= high))
    throw Error("uniform_: low " + std::to_string(low) + " exceeds high " + std::to_string(high));
  std::uniform_real_distribution<double> uniform(low, high);
  fill(tensor, [&] { return uniform(generator.engine()); });
}

template <class T>
void normal_(Tensor<T>& tensor, double mean, double stddev, Generator& generator) {
  if (!(stddev >= 0))
    throw Error("normal_: standard deviation " + std::to_string(stddev) + " is negative");
  std::normal_distribution<double> normal(mean, stddev);
  fill(tensor, [&] { return normal(generator.engine()); });
}

template <class T>
void constant_(Tensor<T>& tensor, double value) {
  tensor.mutable_value().fill(static_cast<T>(value));
}

template <class T>
void recurrent_uniform_(Tensor<T>& tensor, std::size_t hidden_size, Generator& generator) {
  if (hidden_size == 0) throw Error("recurrent_uniform_: hidden_size is 0");
  const double bound = 1 / std::sqrt(static_cast<double>(hidden_size));
  uniform_(tensor, -bound, bound, generator);
}

template <class T>
void kaiming_uniform_(Tensor<T>& tensor, Generator& generator, double a) {
  const double fan_in = static_cast<double>(fan_in_and_out(tensor.shape()).first);
  const double gain = std::sqrt(2 / (1 + a * a));
  const double bound = gain * std::sqrt(3 / fan_in);
  uniform_(tensor, -bound, bound, generator);
}

template <class T>
void xavier_uniform_(Tensor<T>& tensor, Generator& generator, double gain) {
  const auto [fan_in, fan_out] = fan_in_and_out(tensor.shape());
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  uniform_(tensor, -bound, bound, generator);
}

template <class T>
void xavier_normal_(Tensor<T>& tensor, Generator& generator, double gain) {
  const auto [fan_in, fan_out] = fan_in_and_out(tensor.shape());
  normal_(tensor, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), generator);
}

template <class T>
void orthogonal_(Tensor<T>& tensor, Generator& generator, double gain) {
  orthogonal_blocks_(tensor, 1, generator, gain);
}

template <class T>
void orthogonal_blocks_(Tensor<T>& tensor, std::size_t blocks, Generator& generator, double gain) {
  const std::size_t rows = rows_of("orthogonal_", tensor.shape());
  if (blocks == 0 || rows % blocks != 0)
    throw Error("orthogonal_blocks_: " + std::to_string(rows) + " rows of shape " +
                shape_str(tensor.shape()) + " do not split into " + std::to_string(blocks) +
                " blocks");
  const std::size_t block_rows = rows / blocks, columns = tensor.size() / rows;
  Array<T>& value = tensor.mutable_value();
  for (std::size_t b = 0; b < blocks; ++b) {
    Array<double> q = random_orthogonal(block_rows, columns, generator);
    std::copy(q.begin(), q.end(), value.begin() + b * block_rows * columns);
    for (std::size_t i = 0; i < block_rows * columns; ++i)
      value.data()[b * block_rows * columns + i] *= static_cast<T>(gain);
  }
}

template <class T>
void eye_(Tensor<T>& tensor, double scale) {
  if (tensor.dim() != 2)
    throw Error("eye_: needs a 2-d tensor, got shape " + shape_str(tensor.shape()));
  Array<T>& value = tensor.mutable_value();
  value.fill(T(0));
  for (std::size_t i = 0; i < std::min(value.shape()[0], value.shape()[1]); ++i)
    value(i, i) = static_cast<T>(scale);
}

template <class T>
void irnn_(RNNCell<T>& cell, double scale) {
  eye_(cell.weight_hh, scale);
  if (cell.bias_ih.defined()) zeros_(cell.bias_ih);
  if (cell.bias_hh.defined()) zeros_(cell.bias_hh);
}

template <class T>
void forget_gate_bias_(LSTMCell<T>& cell, double value) {
  if (!cell.bias_ih.defined())
    throw Error("forget_gate_bias_: the LSTMCell was built without biases (bias = false)");
  const std::size_t H = cell.options().hidden_size;
  // Gate order i, f, g, o: the forget gate is the second block of H.
  for (std::size_t j = H; j < 2 * H; ++j) {
    cell.bias_ih.mutable_value()(j) = static_cast<T>(value);
    cell.bias_hh.mutable_value()(j) = T(0);
  }
}

#define TAPEGRAD_INSTANTIATE(T)                                                  \
  template void uniform_(Tensor<T>&, double, double, Generator&);                \
  template void normal_(Tensor<T>&, double, double, Generator&);                 \
  template void constant_(Tensor<T>&, double);                                   \
  template void recurrent_uniform_(Tensor<T>&, std::size_t, Generator&);         \
  template void kaiming_uniform_(Tensor<T>&, Generator&, double);                \
  template void xavier_uniform_(Tensor<T>&, Generator&, double);                 \
  template void xavier_normal_(Tensor<T>&, Generator&, double);                  \
  template void orthogonal_(Tensor<T>&, Generator&, double);                     \
  template void orthogonal_blocks_(Tensor<T>&, std::size_t, Generator&, double); \
  template void eye_(Tensor<T>&, double);                                        \
  template void irnn_(RNNCell<T>&, double);                                      \
  template void forget_gate_bias_(LSTMCell<T>&, double);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad::init
