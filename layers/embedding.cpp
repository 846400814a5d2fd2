#include "layers/embedding.hpp"

#include "autodiff/ops.hpp"
#include "layers/init.hpp"

namespace tapegrad {

namespace {
Generator& as_lvalue(Generator&& generator) { return generator; }
}  // namespace

template <class T>
Embedding<T>::Embedding(std::size_t num_embeddings, std::size_t embedding_dim, std::uint64_t seed)
    : Embedding(num_embeddings, embedding_dim, as_lvalue(Generator(seed))) {}

template <class T>
Embedding<T>::Embedding(std::size_t num_embeddings, std::size_t embedding_dim,
                        Generator& generator) {
  if (num_embeddings == 0 || embedding_dim == 0)
    throw Error("Embedding: num_embeddings " + std::to_string(num_embeddings) +
                " and embedding_dim " + std::to_string(embedding_dim) + " must both be positive");
  weight = Tensor<T>(Array<T>(xt::zeros<T>({num_embeddings, embedding_dim})), true);
  this->register_parameter("weight", weight);
  reset_parameters(generator);
}

template <class T>
void Embedding<T>::reset_parameters(Generator& generator) {
  init::normal_(weight, 0.0, 1.0, generator);
}

template <class T>
Tensor<T> Embedding<T>::forward(const std::vector<std::size_t>& indices) const {
  for (std::size_t index : indices)
    if (index >= num_embeddings())
      throw Error("Embedding: index " + std::to_string(index) + " is out of range for weight " +
                  shape_str(weight.shape()));
  return gather_rows(weight, indices);
}

template <class T>
Tensor<T> Embedding<T>::forward_one_hot(const Tensor<T>& one_hot_rows) const {
  if (one_hot_rows.dim() != 2 || one_hot_rows.shape()[1] != num_embeddings())
    throw Error("Embedding: one-hot input of shape " + shape_str(one_hot_rows.shape()) +
                ", expected (N, " + std::to_string(num_embeddings()) + ")");
  return matmul(one_hot_rows, weight);
}

template <class T>
Array<T> one_hot(const std::vector<std::size_t>& indices, std::size_t num_classes) {
  Array<T> rows = xt::zeros<T>({indices.size(), num_classes});
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] >= num_classes)
      throw Error("one_hot: index " + std::to_string(indices[i]) + " is out of range for " +
                  std::to_string(num_classes) + " classes");
    rows(i, indices[i]) = T(1);
  }
  return rows;
}

template class Embedding<float>;
template class Embedding<double>;
template Array<float> one_hot(const std::vector<std::size_t>&, std::size_t);
template Array<double> one_hot(const std::vector<std::size_t>&, std::size_t);

}  // namespace tapegrad
