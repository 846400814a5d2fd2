#include "layers/dropout.hpp"

namespace tapegrad {

template <class T>
Dropout<T>::Dropout(double p, std::uint64_t seed) : p_(p), generator_(seed) {
  if (!(p >= 0 && p < 1))
    throw Error("Dropout: probability " + std::to_string(p) + " is not in [0, 1)");
}

template <class T>
Tensor<T> Dropout<T>::forward(const Tensor<T>& x) {
  return dropout(x, p_, generator_, this->is_training());
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace tapegrad
