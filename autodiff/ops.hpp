// Every built-in op. Each is defined with its backward beside it in the matching .cpp.
#pragma once

#include "autodiff/linalg.hpp"
#include "autodiff/math.hpp"
#include "autodiff/nn.hpp"
#include "autodiff/reduce.hpp"
#include "autodiff/shape.hpp"
