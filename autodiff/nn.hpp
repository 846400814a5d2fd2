// Neural-network ops: softmax family, losses, dropout.
#pragma once

#include <cstdint>
#include <vector>

#include "autodiff/random.hpp"
#include "autodiff/tape.hpp"

namespace tapegrad {

template <class T> Tensor<T> softmax(const Tensor<T>& x, int axis = -1,
    std::source_location location = std::source_location::current());
template <class T> Tensor<T> log_softmax(const Tensor<T>& x, int axis = -1,
    std::source_location location = std::source_location::current());

// Mean over the N rows of -log softmax(logits)[row, target[row]], for logits (N, C).
// One fused op, stable for any logit magnitude (log-sum-exp with the row max taken out).
template <class T>
Tensor<T> cross_entropy(const Tensor<T>& logits, const std::vector<std::size_t>& targets,
    std::source_location location = std::source_location::current());

// Mean of (prediction - target)^2 over all elements; the shapes must match.
template <class T> Tensor<T> mse_loss(const Tensor<T>& prediction, const Tensor<T>& target,
    std::source_location location = std::source_location::current());


// Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p);
// identity when not training or p == 0.
template <class T> Tensor<T> dropout(const Tensor<T>& x, double p, Generator& generator, bool training = true,
    std::source_location location = std::source_location::current());
// The mask dropout multiplies by, for masks shared across time steps (variational dropout).
template <class T> Array<T> dropout_mask(const Shape& shape, double p, Generator& generator);

}  // namespace tapegrad
