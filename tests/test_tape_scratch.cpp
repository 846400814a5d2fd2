// ScratchVector (autodiff/memory.hpp, NOTE [scratch lists]): per-call lists that keep their
// capacity between calls, hand their elements back at once, and nest.
#include <doctest/doctest.h>

#include "autodiff/ops.hpp"

using namespace tapegrad;

TEST_CASE("a scratch list comes back with its capacity, and empty") {
  const int* storage = nullptr;
  {
    ScratchVector<int> list(1000);
    storage = list->data();
    list[999] = 7;
  }
  ScratchVector<int> again;
  CHECK(again->empty());
  CHECK(again->capacity() >= 1000);
  again->resize(1000);
  CHECK(again->data() == storage);  // the same buffer: no new allocation
}

TEST_CASE("a scratch list releases its elements when it goes out of scope") {
  Tensor<double> x(Array<double>(xt::ones<double>({3})));
  {
    ScratchVector<Tensor<double>> list(2);
    list[0] = x;
    list[1] = x;
    CHECK(x.shared().use_count() == 3);
  }
  CHECK(x.shared().use_count() == 1);
}

TEST_CASE("nested scratch lists are distinct") {
  ScratchVector<int> outer(4);
  outer[0] = 1;
  {
    ScratchVector<int> inner(4);
    inner[0] = 2;
    CHECK(inner->data() != outer->data());
  }
  CHECK(outer[0] == 1);
}
