#include "autodiff/nn.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xsort.hpp>

#include "autodiff/ops.hpp"

namespace tapegrad {

namespace {
// x - max along the axis, kept as extent 1: exp of it never overflows.
template <class T>
Array<T> shifted(const Array<T>& x, std::size_t axis) {
  Shape kept = x.shape();
  kept[axis] = 1;
  Array<T> row_max = xt::amax(x, {axis});
  row_max.reshape(kept);
  return x - row_max;
}
template <class T>
Array<T> sum_kept(const Array<T>& x, std::size_t axis) {
  Shape kept = x.shape();
  kept[axis] = 1;
  Array<T> s = xt::sum(x, {axis});
  s.reshape(kept);
  return s;
}
}  // namespace

template <class T>
Tensor<T> softmax(const Tensor<T>& x, int axis, std::source_location location) {
  const std::size_t a = normalize_axis("softmax", axis, x.dim(), x.shape());
  Array<T> e = xt::exp(shifted(x.value(), a));
  Tensor<T> out(Array<T>(e / sum_kept(e, a)));
  // dx = y * (g - sum(g * y)) along the axis.
  return record("softmax", {x}, out, [out, a](const Tensor<T>& g) {
    return out * (g - sum(g * out, static_cast<int>(a), true));
  }, location);
}

template <class T>
Tensor<T> log_softmax(const Tensor<T>& x, int axis, std::source_location location) {
  const std::size_t a = normalize_axis("log_softmax", axis, x.dim(), x.shape());
  Array<T> s = shifted(x.value(), a);
  Tensor<T> out(Array<T>(s - xt::log(sum_kept(Array<T>(xt::exp(s)), a))));
  // dx = g - softmax * sum(g) along the axis, with softmax = exp(output).
  return record("log_softmax", {x}, out, [out, a](const Tensor<T>& g) {
    return g - exp(out) * sum(g, static_cast<int>(a), true);
  }, location);
}

template <class T>
Tensor<T> cross_entropy(const Tensor<T>& logits, const std::vector<std::size_t>& targets,
                        std::source_location location) {
  if (logits.dim() != 2)
    throw Error("cross_entropy: logits must be (N, C), got " + shape_str(logits.shape()));
  const std::size_t n = logits.shape()[0], classes = logits.shape()[1];
  if (targets.size() != n)
    throw Error("cross_entropy: logits " + shape_str(logits.shape()) + " for " +
                std::to_string(targets.size()) + " targets");
  if (n == 0) throw Error("cross_entropy: empty batch, logits " + shape_str(logits.shape()));
  for (std::size_t t : targets)
    if (t >= classes)
      throw Error("cross_entropy: target " + std::to_string(t) + " is out of range for " +
                  std::to_string(classes) + " classes");
  Array<T> s = shifted(logits.value(), 1);
  Array<T> e = xt::exp(s);
  Array<T> row_sum = sum_kept(e, 1);
  T loss = 0;
  for (std::size_t i = 0; i < n; ++i) loss += std::log(row_sum(i, 0)) - s(i, targets[i]);
  Tensor<T> out(Array<T>(loss / static_cast<T>(n)));
  Array<T> probabilities = e / row_sum;
  Array<T> one_hot = xt::zeros<T>(logits.shape());
  for (std::size_t i = 0; i < n; ++i) one_hot(i, targets[i]) = 1;
  // dlogits = g * (softmax(logits) - one_hot) / N. Recording a second-order pass needs softmax
  // as a function of the logits; a first-order pass reuses the forward's probabilities.
  return record("cross_entropy", {logits}, out,
                [logits, probabilities = Tensor<T>(std::move(probabilities)),
                 one_hot = Tensor<T>(std::move(one_hot)), n](const Tensor<T>& g) {
                  Tensor<T> p = grad_enabled() ? softmax(logits, 1) : probabilities;
                  return g * (p - one_hot) * (T(1) / static_cast<T>(n));
                }, location);
}

template <class T>
Tensor<T> mse_loss(const Tensor<T>& prediction, const Tensor<T>& target,
                   std::source_location location) {
  if (prediction.shape() != target.shape())
    throw Error("mse_loss: prediction " + shape_str(prediction.shape()) + " and target " +
                shape_str(target.shape()) + " differ");
  Tensor<T> diff = sub(prediction, target, location);
  return mean(mul(diff, diff, location), location);
}

template <class T>
Array<T> dropout_mask(const Shape& shape, double p, Generator& generator) {
  if (!(p >= 0 && p < 1)) throw Error("dropout: probability " + std::to_string(p) + " is not in [0, 1)");
  std::bernoulli_distribution keep(1 - p);
  auto mask = Array<T>::from_shape(shape);
  const T scale = static_cast<T>(1 / (1 - p));
  for (auto& m : mask) m = keep(generator.engine()) ? scale : T(0);
  return mask;
}

template <class T>
Tensor<T> dropout(const Tensor<T>& x, double p, Generator& generator, bool training,
                  std::source_location location) {
  if (!(p >= 0 && p < 1)) throw Error("dropout: probability " + std::to_string(p) + " is not in [0, 1)");
  if (!training || p == 0) return x;
  return mul(x, Tensor<T>(dropout_mask<T>(x.shape(), p, generator)), location);
}

#define TAPEGRAD_INSTANTIATE(T)                                                                              \
  template Tensor<T> softmax(const Tensor<T>&, int, std::source_location);                                   \
  template Tensor<T> log_softmax(const Tensor<T>&, int, std::source_location);                               \
  template Tensor<T> cross_entropy(const Tensor<T>&, const std::vector<std::size_t>&, std::source_location); \
  template Tensor<T> mse_loss(const Tensor<T>&, const Tensor<T>&, std::source_location);                     \
  template Array<T> dropout_mask(const Shape&, double, Generator&);                                          \
  template Tensor<T> dropout(const Tensor<T>&, double, Generator&, bool, std::source_location);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
