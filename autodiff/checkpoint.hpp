// Gradient checkpointing: a segment of forward code whose intermediates are not kept, but
// recomputed during backward (the notes' "store only x_t and h_t and recompute the gates").
#pragma once

#include <vector>

#include "autodiff/tape.hpp"

namespace tapegrad {

// Runs segment(inputs) -> outputs, recording a single node instead of the segment's ops. Its
// backward reruns the segment on copies of the inputs, on the tape, backpropagates through that
// recording alone and rolls it back. So the tape keeps only the segment's inputs and outputs;
// the price is a second forward pass of the segment.
//
// The segment must be a pure function of its inputs (and of parameters it captures): a dropout
// mask drawn inside it would differ on the rerun, so pass masks in as inputs. Differentiating
// through a checkpoint a second time (create_graph) is not supported and throws.
template <class T, class Segment>
std::vector<Tensor<T>> checkpoint(Segment segment, const std::vector<Tensor<T>>& inputs,
                                  std::source_location location = std::source_location::current()) {
  // The first run is recorded and at once rolled back: that frees the intermediates and tells
  // whether the outputs depend on anything that requires grad, the segment's parameters included.
  Tape& tape = Tape::current();
  const Tape::Mark mark = tape.mark();
  std::vector<Tensor<T>> outputs = segment(inputs);
  bool depends = false;
  for (const auto& out : outputs) depends = depends || out.requires_grad();
  tape.rollback(mark);
  for (auto& out : outputs)  // plain values now; a leaf (an input passed through) is copied
    out = out.is_leaf() ? Tensor<T>(Array<T>(out.value())) : Tensor<T>(std::move(out.var().value));
  if (!depends) return outputs;
  record_many<T>("checkpoint", inputs, outputs, [segment, inputs](std::span<const Tensor<T>> grads) {
    if (grad_enabled())
      throw Error("checkpoint: differentiating through a checkpointed segment twice (create_graph) is not supported");
    Tape& tape = Tape::current();
    const Tape::Mark mark = tape.mark();
    std::vector<Tensor<T>> leaves;
    for (const auto& x : inputs) leaves.emplace_back(Array<T>(x.value()), x.requires_grad());
    std::vector<Tensor<T>> recomputed;
    {
      GradModeGuard recording(true);
      recomputed = segment(leaves);
    }
    std::vector<Tensor<T>> input_grads = tape.backward_segment<T>(mark, recomputed, grads, leaves);
    tape.rollback(mark);
    return input_grads;
  }, true, location);
  return outputs;
}

}  // namespace tapegrad
