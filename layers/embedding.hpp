// Embedding: a learned lookup table from token indices to vectors.
#pragma once

#include <cstdint>
#include <vector>

#include "autodiff/nn.hpp"
#include "layers/module.hpp"

namespace tapegrad {

// Rows of weight (num_embeddings, embedding_dim), PyTorch's nn.Embedding; initialised N(0, 1)
// as PyTorch does. Looking up index k is multiplying the one-hot row e_k by the weight, which
// forward_one_hot does literally (Notes B: "either one-hot or a learned embedding"); both give
// the same values and the same gradients, the lookup without the (N, num_embeddings) product.
template <class T>
class Embedding : public Module<T> {
 public:
  Embedding(std::size_t num_embeddings, std::size_t embedding_dim, std::uint64_t seed = 0);
  Embedding(std::size_t num_embeddings, std::size_t embedding_dim, Generator& generator);
  std::string type_name() const override { return "Embedding"; }

  // (N) indices -> (N, embedding_dim).
  Tensor<T> forward(const std::vector<std::size_t>& indices) const;
  // (N, num_embeddings) one-hot rows (any rows, in fact) -> (N, embedding_dim).
  Tensor<T> forward_one_hot(const Tensor<T>& one_hot_rows) const;

  void reset_parameters(Generator& generator);

  std::size_t num_embeddings() const { return weight.shape()[0]; }
  std::size_t embedding_dim() const { return weight.shape()[1]; }

  Tensor<T> weight;  // (num_embeddings, embedding_dim)
};

// (N, num_classes) rows with a 1 at each index and zeros elsewhere.
template <class T>
Array<T> one_hot(const std::vector<std::size_t>& indices, std::size_t num_classes);

}  // namespace tapegrad
