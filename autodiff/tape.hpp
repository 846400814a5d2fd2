// The tape: a linear record of the differentiable operations run on this thread.
//
// NOTE [linear tape]
// Creation order is a topological order, so backward is one reverse loop over the nodes:
// no graph walk, no sort, no recursion (a chain of a million ops is just a longer loop). Each
// recorded result owns a gradient slot; a node reads the gradient of its output slot(s) and
// adds its inputs' gradients into theirs. Nodes live in an arena that is rewound, not freed, by
// reset(), so a training loop reuses the same memory step after step.
//
// NOTE [saved values]
// A node's backward is a closure. It captures exactly what it needs (tanh keeps its output,
// add keeps nothing), as evaluated Tensors or arrays, never lazy xtensor expressions. The
// backward is written with Tensor ops, so running it with grad mode on records it on the tape
// too: that is how gradients of gradients work (create_graph) for every op at once.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "autodiff/tensor.hpp"

namespace tapegrad {

// Grad mode: when off, ops compute values and record nothing (inference, optimizer updates).
bool grad_enabled();
void set_grad_enabled(bool enabled);

class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : previous_(grad_enabled()) { set_grad_enabled(enabled); }
  ~GradModeGuard() { set_grad_enabled(previous_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

struct NoGradGuard : GradModeGuard {
  NoGradGuard() : GradModeGuard(false) {}
};

// NOTE [anomaly mode]
// Off by default. When on, the first op whose forward output, or whose backward's gradient for
// an input, holds a NaN or an infinity throws AnomalyError naming the op, its shapes and the
// file:line of the user's code that recorded it (every op takes a defaulted
// std::source_location). The forward check runs in record() before anything else, so ops under
// no_grad and ops on constants are checked too. While a node's backward closure runs, the ops
// it calls are not checked one by one: the node checks the gradients it returns, so a bad
// gradient is blamed on the op whose derivative produced it. The switch is process-wide (one
// relaxed atomic load per op when off), unlike grad mode, so that it also covers worker
// threads; guards on different threads therefore see each other's changes.
namespace detail {
inline std::atomic<bool> anomaly_mode{false};
}  // namespace detail
inline bool anomaly_mode_enabled() { return detail::anomaly_mode.load(std::memory_order_relaxed); }
inline void set_anomaly_mode(bool enabled) {
  detail::anomaly_mode.store(enabled, std::memory_order_relaxed);
}

class AnomalyModeGuard {
 public:
  explicit AnomalyModeGuard(bool enabled = true) : previous_(anomaly_mode_enabled()) {
    set_anomaly_mode(enabled);
  }
  ~AnomalyModeGuard() { set_anomaly_mode(previous_); }
  AnomalyModeGuard(const AnomalyModeGuard&) = delete;
  AnomalyModeGuard& operator=(const AnomalyModeGuard&) = delete;

 private:
  bool previous_;
};

// Sums a broadcast gradient back to the shape of the tensor it belongs to (defined with the
// reductions in ops). Declared here because gradient accumulation needs it.
template <class T>
Tensor<T> sum_to(const Tensor<T>& x, const Shape& shape,
                 std::source_location location = std::source_location::current());

namespace detail {

struct Node {
  Node(const char* name, std::source_location where) : op(name), location(where) {}
  virtual ~Node() = default;
  // Reads this node's output gradient(s) from the tape and accumulates its inputs'.
  virtual void backward(Tape& tape) = 0;
  const char* op;
  std::source_location location;  // of the code that recorded it, for NOTE [anomaly mode]
};

// NOTE [anomaly mode]: out of line, reached only when the mode is on. check_forward throws if an
// output is not finite (and says whether an input already was); check_gradients throws if a
// gradient an input will receive is not finite. BackwardCheckScope marks a backward closure
// running, which check_forward skips.
template <class T>
void check_forward(const char* op, std::span<const Tensor<T>> inputs,
                   std::span<const Tensor<T>> outputs, const std::source_location& location);
template <class T>
void check_gradients(const Node& node, Tape& tape, std::span<const std::uint32_t> in_slots,
                     std::span<const Tensor<T>> grads, std::span<const std::uint32_t> out_slots);
class BackwardCheckScope {
 public:
  BackwardCheckScope();
  ~BackwardCheckScope();
  BackwardCheckScope(const BackwardCheckScope&) = delete;
  BackwardCheckScope& operator=(const BackwardCheckScope&) = delete;

 private:
  bool previous_;
};

// Bump allocator for nodes: grows by doubling, rewound (not freed) on reset.
struct ArenaMark {
  std::size_t block = 0, offset = 0, used = 0;
};

class Arena {
 public:
  using Mark = ArenaMark;
  void* allocate(std::size_t bytes, std::size_t alignment);
  void rewind(Mark mark = {}) { block_ = mark.block, offset_ = mark.offset, used_ = mark.used; }
  Mark mark() const { return {block_, offset_, used_}; }
  std::size_t used_bytes() const { return used_; }
  std::size_t capacity_bytes() const { return capacity_; }

 private:
  struct Block {
    std::unique_ptr<std::byte[]> data;
    std::size_t size;
  };
  std::vector<Block> blocks_;
  std::size_t block_ = 0, offset_ = 0, used_ = 0, capacity_ = 0;
};

// One per recorded result (and per leaf used this epoch).
template <class T>
struct Slot {
  Tensor<T> grad;                       // gathered during backward
  Shape shape;                          // of the tensor the slot belongs to
  std::shared_ptr<Variable<T>> leaf;    // set for leaves: where the gradient goes
  std::weak_ptr<Variable<T>> result;    // set for results: for the memory report
  std::uint32_t scope = 0;
  bool keep = false;  // gradient asked for by Tape::grad: not released during the pass
};

template <class T>
using SlotTable = std::vector<Slot<T>>;

}  // namespace detail

// Bytes a tape keeps alive for backward: recorded results that are still referenced (by a
// node's saved values or by the caller), and the node records themselves.
struct MemoryReport {
  std::size_t value_bytes = 0;
  std::size_t node_bytes = 0;
  std::vector<std::pair<std::string, std::size_t>> per_scope;  // value bytes, in scope order
  std::size_t total_bytes() const { return value_bytes + node_bytes; }
  std::string str() const;
};

class Tape {
 public:
  Tape();
  ~Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // This thread's tape. Every thread records on its own.
  static Tape& current();

  // Drops every recorded node (and the values only they kept alive); keeps the memory.
  // Results recorded before cannot be recorded on again (detach() them to carry values over).
  void reset();
  std::size_t num_nodes() const { return nodes_.size(); }
  std::uint64_t epoch() const { return epoch_; }

  MemoryReport memory_report() const;
  void push_scope(std::string name);
  void pop_scope();

  // Gradients of `root` (seeded with `seed`) into every leaf that requires grad.
  template <class T>
  void backward(const Tensor<T>& root, const Tensor<T>& seed, BackwardOptions options);
  // Gradients of `root` with respect to `inputs` (leaves or results), returned instead of
  // accumulated; an input that `root` does not depend on gets zeros.
  template <class T>
  std::vector<Tensor<T>> grad(const Tensor<T>& root, const Tensor<T>& seed,
                              std::span<const Tensor<T>> inputs, BackwardOptions options);

  // --- the recording interface used by ops (see record() below) ---
  template <class T>
  std::uint32_t slot_of(const Tensor<T>& input, const char* op);
  template <class T>
  void add_result(Tensor<T>& output);
  template <class T>
  void accumulate(std::uint32_t slot, Tensor<T> gradient, const char* op);
  // Adds op(a)·op(b) to a slot's gradient (NOTE [accumulating products]).
  template <class T>
  void accumulate_product(std::uint32_t slot, const Array<T>& a, bool transpose_a,
                          const Array<T>& b, bool transpose_b, const char* op);
  template <class T>
  static Tensor<T> product(const Array<T>& a, bool transpose_a, const Array<T>& b, bool transpose_b);
  template <class T>
  detail::SlotTable<T>& slots() {
    if constexpr (std::is_same_v<T, float>) return f32_;
    else return f64_;
  }
  // A node's list of slots, from the node arena: rewound with the node, never freed alone.
  std::span<std::uint32_t> allocate_slots(std::size_t count) {
    void* memory = arena_.allocate(count * sizeof(std::uint32_t), alignof(std::uint32_t));
    return {static_cast<std::uint32_t*>(memory), count};
  }
  template <class NodeType, class... Args>
  void add_node(Args&&... args) {
    void* memory = arena_.allocate(sizeof(NodeType), alignof(NodeType));
    nodes_.push_back(new (memory) NodeType(std::forward<Args>(args)...));
  }

  // Nested recording (checkpointing, as Stan's nested scopes): what is recorded after mark()
  // can be backpropagated on its own, then rolled back, memory included.
  struct Mark {
    std::size_t nodes = 0, f32_slots = 0, f64_slots = 0;
    detail::Arena::Mark arena;
  };
  Mark mark() const { return {nodes_.size(), f32_.size(), f64_.size(), arena_.mark()}; }
  // Gradients of `outputs` (recorded after `from`, seeded with `output_grads`) with respect to
  // `inputs`, from the nodes recorded after `from` only.
  template <class T>
  std::vector<Tensor<T>> backward_segment(const Mark& from, std::span<const Tensor<T>> outputs,
                                          std::span<const Tensor<T>> output_grads,
                                          std::span<const Tensor<T>> inputs);
  void rollback(const Mark& mark);

 private:
  template <class T>
  void run_backward(const Tensor<T>& root, const Tensor<T>& seed, BackwardOptions options,
                    std::span<const Tensor<T>> inputs, std::vector<Tensor<T>>* gradients);
  void destroy_nodes(std::size_t from);
  void release();
  void clear_gradients();
  // NOTE [packing weight gradients]
  template <class T>
  struct PackedProducts {
    std::uint32_t slot = detail::kNoSlot;
    const char* op = nullptr;
    std::size_t rows = 0;
    Array<T> a, b;  // (kPackRows, M) and (kPackRows, N): the factors, stacked by rows
  };
  template <class T>
  std::vector<PackedProducts<T>>& packed() {
    if constexpr (std::is_same_v<T, float>) return packed_f32_;
    else return packed_f64_;
  }
  template <class T>
  void pack_product(std::uint32_t slot, const Array<T>& a, const Array<T>& b, const char* op);
  template <class T>
  void flush(PackedProducts<T>& pack);
  void flush_packed_products();
  void drop_packed_products();
  template <class T>
  void deliver_leaf_gradients(detail::SlotTable<T>& table, std::size_t from, bool create_graph);

  std::vector<detail::Node*> nodes_;
  detail::Arena arena_;
  detail::SlotTable<float> f32_;
  detail::SlotTable<double> f64_;
  std::vector<PackedProducts<float>> packed_f32_;
  std::vector<PackedProducts<double>> packed_f64_;
  std::uint64_t epoch_;
  std::vector<std::string> scope_names_{"(top)"};
  std::vector<std::uint32_t> scope_stack_{0};
};

// Attributes what is recorded inside it to a named scope of the memory report.
class MemoryScope {
 public:
  explicit MemoryScope(std::string name) { Tape::current().push_scope(std::move(name)); }
  ~MemoryScope() { Tape::current().pop_scope(); }
  MemoryScope(const MemoryScope&) = delete;
  MemoryScope& operator=(const MemoryScope&) = delete;
};

inline Tape& tape() { return Tape::current(); }

namespace detail {

template <class T, std::size_t N>
using Needs = std::array<bool, N>;

// NOTE [accumulating products]
// In BPTT the same weight multiplies at every step, so its gradient is a sum of T products
// (dW_hh = sum_t g_t^T h_t). Making each product in a new array and then adding it in costs two
// passes over the weight per step beyond the GEMM itself (BLAS zeroes the new array, the tape
// adds it); a GEMM with beta = 1 adds the product straight into the gradient gathered so far.
// A backward closure that takes a third argument gets a ProductSink and may hand it a gradient
// as a product, returning an undefined Tensor for that input. The sink falls back to a new
// product when the gathered gradient is not this pass's to change (shared, or recorded).
//
// NOTE [packing weight gradients]
// Each of those T products has a small inner dimension (the batch: K = 32, or 16 on each of two
// threads), and a GEMM with small K spends its time reading and writing the (4H, H) gradient,
// not multiplying: medium's dW_hh takes 19 ms as 64 per-step GEMMs and 10.5 ms as 8 GEMMs over
// 256 stacked rows (sum_t g_t^T h_t = [g_1; ...; g_T]^T [h_1; ...; h_T]). So a product of the
// form a^T b with a small K, into a leaf's gradient, is not multiplied at once: the tape copies
// the rows of a and b into two (kPackRows, ·) buffers for that slot, and multiplies them when the
// buffers are full, and at the end of the pass, before anything reads the gradient.
template <class T, std::size_t N>
class ProductSink {
 public:
  ProductSink(Tape& tape, const std::array<std::uint32_t, N>& slots, const char* op, bool direct)
      : tape_(tape), slots_(slots), op_(op), direct_(direct) {}
  // Adds op(a)·op(b) to the gradient of input i.
  void add_product(std::size_t i, const Array<T>& a, bool transpose_a, const Array<T>& b,
                   bool transpose_b) {
    if (direct_) return tape_.accumulate_product<T>(slots_[i], a, transpose_a, b, transpose_b, op_);
    Tensor<T> product = Tape::product<T>(a, transpose_a, b, transpose_b);
    collected_[i] = collected_[i] ? Tensor<T>(Array<T>(collected_[i].value() + product.value()))
                                  : std::move(product);
  }
  // Without `direct`, the products were kept: adds them to the closure's gradients.
  void add_collected(std::array<Tensor<T>, N>& grads) {
    for (std::size_t i = 0; i < N; ++i) {
      if (!collected_[i]) continue;
      grads[i] = grads[i] ? Tensor<T>(Array<T>(grads[i].value() + collected_[i].value()))
                          : std::move(collected_[i]);
    }
  }

 private:
  Tape& tape_;
  const std::array<std::uint32_t, N>& slots_;
  const char* op_;
  bool direct_;
  std::array<Tensor<T>, N> collected_;
};

template <class T, std::size_t N, class Backward>
struct OpNode final : Node {
  OpNode(const char* name, std::source_location where, const std::array<std::uint32_t, N>& in,
         std::uint32_t out, Backward&& fn)
      : Node(name, where), in_slots(in), out_slot(out), backward_fn(std::move(fn)) {}

  void backward(Tape& tape) override {
    auto& table = tape.slots<T>();
    Slot<T>& out = table[out_slot];
    Tensor<T> grad_out = out.keep ? out.grad : std::move(out.grad);
    if (!grad_out) return;
    std::array<Tensor<T>, N> grads =
        anomaly_mode_enabled() ? call_checked(tape, grad_out) : call(tape, grad_out);
    grad_out = Tensor<T>();  // so that accumulation may reuse a gradient passed straight through
    for (std::size_t i = 0; i < N; ++i)
      if (in_slots[i] != kNoSlot && grads[i]) tape.accumulate<T>(in_slots[i], std::move(grads[i]), op);
  }

  std::array<Tensor<T>, N> call(Tape& tape, const Tensor<T>& grad_out) {
    Needs<T, N> needs;
    for (std::size_t i = 0; i < N; ++i) needs[i] = in_slots[i] != kNoSlot;
    if constexpr (std::is_invocable_v<Backward&, const Tensor<T>&, const Needs<T, N>&,
                                      ProductSink<T, N>&>) {
      // Under anomaly mode the products are made as gradients of their own, to be checked.
      ProductSink<T, N> sink(tape, in_slots, op, !anomaly_mode_enabled());
      std::array<Tensor<T>, N> grads = wrap(backward_fn(grad_out, needs, sink));
      sink.add_collected(grads);
      return grads;
    } else if constexpr (std::is_invocable_v<Backward&, const Tensor<T>&, const Needs<T, N>&>)
      return wrap(backward_fn(grad_out, needs));
    else
      return wrap(backward_fn(grad_out));
  }
  std::array<Tensor<T>, N> call_checked(Tape& tape, const Tensor<T>& grad_out) {
    std::array<Tensor<T>, N> grads;
    {
      BackwardCheckScope checking;
      grads = call(tape, grad_out);
    }
    check_gradients<T>(*this, tape, in_slots, grads, std::span<const std::uint32_t>(&out_slot, 1));
    return grads;
  }
  template <class R>
  static std::array<Tensor<T>, N> wrap(R&& r) {
    if constexpr (std::is_same_v<std::decay_t<R>, Tensor<T>>) return {std::forward<R>(r)};
    else return std::forward<R>(r);
  }

  std::array<std::uint32_t, N> in_slots;
  std::uint32_t out_slot;
  Backward backward_fn;
};

template <class T, class Backward>
struct ManyNode final : Node {
  ManyNode(const char* name, std::source_location where, std::span<const std::uint32_t> in,
           std::span<const std::uint32_t> out, Backward&& fn)
      : Node(name, where), in_slots(in), out_slots(out), backward_fn(std::move(fn)) {}

  void backward(Tape& tape) override {
    auto& table = tape.slots<T>();
    // The output gradients, on the stack for up to kInline outputs (an LSTM's h and c, its
    // four gates), else in a scratch list (a split into T steps): NOTE [scratch lists].
    constexpr std::size_t kInline = 8;
    std::array<Tensor<T>, kInline> inline_grads;
    ScratchVector<Tensor<T>> many_grads(out_slots.size() > kInline ? out_slots.size() : 0);
    const std::span<Tensor<T>> grads_out =
        many_grads->empty() ? std::span<Tensor<T>>(inline_grads).first(out_slots.size())
                            : std::span<Tensor<T>>(*many_grads);
    bool any = false;
    for (std::size_t k = 0; k < out_slots.size(); ++k) {
      if (out_slots[k] == kNoSlot) continue;
      Slot<T>& out = table[out_slots[k]];
      grads_out[k] = out.keep ? out.grad : std::move(out.grad);
      any = any || grads_out[k].defined();
    }
    if (!any) return;
    // The input gradients: returned as a vector, or written into a span that, like grads_out,
    // lives on the stack for up to kInline inputs.
    std::array<Tensor<T>, kInline> inline_in;
    ScratchVector<Tensor<T>> many_in;
    std::span<Tensor<T>> grads;
    const bool checking = anomaly_mode_enabled();
    {
      std::optional<BackwardCheckScope> scope;
      if (checking) scope.emplace();
      const std::span<const Tensor<T>> given(grads_out);
      if constexpr (std::is_invocable_v<Backward&, std::span<const Tensor<T>>, std::span<Tensor<T>>>) {
        if (in_slots.size() > kInline) many_in->resize(in_slots.size());
        grads = many_in->empty() ? std::span<Tensor<T>>(inline_in).first(in_slots.size())
                                 : std::span<Tensor<T>>(*many_in);
        backward_fn(given, grads);
      } else {
        *many_in = backward_fn(given);
        grads = *many_in;
      }
    }
    for (auto& g : grads_out) g = Tensor<T>();  // so that accumulation may reuse a gradient
    if (grads.size() != in_slots.size())
      throw Error(std::string(op) + ": backward returned " + std::to_string(grads.size()) +
                  " gradients for " + std::to_string(in_slots.size()) + " inputs");
    if (checking) check_gradients<T>(*this, tape, in_slots, grads, out_slots);
    for (std::size_t i = 0; i < grads.size(); ++i)
      if (in_slots[i] != kNoSlot && grads[i]) tape.accumulate<T>(in_slots[i], std::move(grads[i]), op);
  }

  std::span<const std::uint32_t> in_slots, out_slots;  // in the node arena
  Backward backward_fn;
};

}  // namespace detail

// NOTE [the extension point]
// record() is how every op, built-in or user-written, joins the tape. Compute the output value
// first, then call record with the inputs, the output and a backward closure that maps the
// output's gradient to one gradient per input (a Tensor, or std::array of them; an undefined
// Tensor for "none"). The closure may take a second argument, std::array<bool, N>, telling
// which inputs need a gradient at all. Gradients may keep a broadcast shape: they are summed
// back to each input's shape when accumulated. When no input requires grad, or grad mode is
// off, nothing is recorded and the output is returned as a plain value. `location` is the
// user's code that recorded the op, for anomaly mode: an op passes its own caller's location on.
template <class T, std::size_t N, class Backward>
Tensor<T> record(const char* op, const Tensor<T> (&inputs)[N], Tensor<T> output, Backward&& backward,
                 std::source_location location = std::source_location::current()) {
  if (anomaly_mode_enabled()) [[unlikely]]
    detail::check_forward<T>(op, inputs, std::span<const Tensor<T>>(&output, 1), location);
  if (!grad_enabled()) return output;
  Tape& tape = Tape::current();
  std::array<std::uint32_t, N> slots;
  bool any = false;
  for (std::size_t i = 0; i < N; ++i) {
    slots[i] = tape.slot_of(inputs[i], op);
    any = any || slots[i] != detail::kNoSlot;
  }
  if (!any) return output;
  tape.add_result(output);
  tape.add_node<detail::OpNode<T, N, std::decay_t<Backward>>>(op, location, slots, output.var().slot,
                                                              std::forward<Backward>(backward));
  return output;
}

// The same for ops with a run-time number of inputs or outputs (concat, stack, split). The
// closure maps a span of output gradients (undefined where an output got none) to a vector
// with one gradient per input; or, to allocate no vector, takes as a second argument a span
// with one (undefined) Tensor per input and assigns the gradients there.
// `depends_on_captured` records the op even when no input requires grad, for an op whose
// outputs depend on leaves its closure captures (a checkpointed segment's parameters).
template <class T, class Backward>
void record_many(const char* op, std::span<const Tensor<T>> inputs, std::span<Tensor<T>> outputs,
                 Backward&& backward, bool depends_on_captured = false,
                 std::source_location location = std::source_location::current()) {
  if (anomaly_mode_enabled()) [[unlikely]]
    detail::check_forward<T>(op, inputs, outputs, location);
  if (!grad_enabled()) return;
  bool any = depends_on_captured;
  for (const auto& input : inputs) any = any || input.requires_grad();
  if (!any) return;
  Tape& tape = Tape::current();
  std::span<std::uint32_t> in_slots = tape.allocate_slots(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) in_slots[i] = tape.slot_of(inputs[i], op);
  std::span<std::uint32_t> out_slots = tape.allocate_slots(outputs.size());
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    tape.add_result(outputs[k]);
    out_slots[k] = outputs[k].var().slot;
  }
  tape.add_node<detail::ManyNode<T, std::decay_t<Backward>>>(op, location, in_slots, out_slots,
                                                             std::forward<Backward>(backward));
}

// Gradients of a one-element `output` (or with `seed`) with respect to `inputs`, without
// touching any leaf's grad(). With create_graph the results can be differentiated again.
template <class T>
std::vector<Tensor<T>> grad(const Tensor<T>& output, const std::vector<Tensor<T>>& inputs,
                            BackwardOptions options = {}, Tensor<T> seed = {}) {
  if (!output.requires_grad())
    throw Error("grad: the output does not require grad (no input requires grad, or it was computed under no_grad)");
  if (!seed) {
    if (output.size() != 1)
      throw Error("grad: output of shape " + shape_str(output.shape()) + " needs an explicit seed");
    seed = Tensor<T>(xt::ones<T>(output.shape()));
  }
  return output.var().tape->grad(output, seed, std::span<const Tensor<T>>(inputs), options);
}

template <class T>
void Tensor<T>::backward(BackwardOptions options) const {
  if (size() != 1)
    throw Error("backward: tensor of shape " + shape_str(shape()) +
                " is not one element; pass a seed of the same shape");
  backward(Tensor<T>(xt::ones<T>(shape())), options);
}

template <class T>
void Tensor<T>::backward(const Tensor<T>& seed, BackwardOptions options) const {
  if (!requires_grad())
    throw Error("backward: the tensor does not require grad (no input requires grad, or it was computed under no_grad)");
  Tape* tape = var().tape ? var().tape : &Tape::current();
  tape->backward(*this, seed, options);
}

}  // namespace tapegrad
