#include <doctest/doctest.h>
#include "autodiff/ops.hpp"
#include "autodiff/gradcheck.hpp"
using namespace tapegrad;
TEST_CASE("smoke") {
  auto r = gradcheck([](const auto& x) { return tanh(x[0]); }, {Array<double>{0.1, 0.2}});
  CHECK(r.passed());
}
