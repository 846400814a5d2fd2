// What the fuzz target and the corpus regression test do with one input: read it as F32 and as
// F64 tensors, then load it into a fixed small model with the parameters of a Linear 3 -> 2
// ("weight" (2,3), "bias" (2)), so the checks that every parameter is there with its shape run
// too. Every problem must be a tapegrad::Error; anything else (another exception, a crash, a
// sanitizer report) is a bug in the loader.
//
// The model is a bare Module rather than Linear so the fuzz target needs only the loader's own
// sources (tests/fuzz/CMakeLists.txt), which keeps the clang build short in CI.
#pragma once

#include <istream>
#include <string>

#include "layers/module.hpp"
#include "layers/safetensors.hpp"

namespace tapegrad::fuzz {

struct LoaderModel : Module<float> {
  LoaderModel() : weight(zeros({2, 3})), bias(zeros({2})) {
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
  std::string type_name() const override { return "LoaderModel"; }
  static Array<float> zeros(const Shape& shape) {
    Array<float> array = Array<float>::from_shape(shape);
    array.fill(0.0f);
    return array;
  }
  Tensor<float> weight, bias;
};

// Throws Error on a bad input; returns normally when the file loads into the model.
inline void load_into_model(std::istream& in, const std::string& name) {
  const SafetensorsFile<double> as_double = read_safetensors<double>(in, name);
  in.clear();
  const SafetensorsFile<float> as_float = read_safetensors<float>(in, name);
  LoaderModel model;
  load_parameters(model, as_float, name);
}

}  // namespace tapegrad::fuzz
