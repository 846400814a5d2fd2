#include "autodiff/tape.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <sstream>

#include "autodiff/ops.hpp"

namespace tapegrad {

namespace {
thread_local bool grad_mode = true;
// Epochs are unique across all tapes and resets, so a tensor can tell whether its slot is
// still live by comparing one number.
std::atomic<std::uint64_t> next_epoch{1};
}  // namespace

bool grad_enabled() { return grad_mode; }
void set_grad_enabled(bool enabled) { grad_mode = enabled; }

namespace detail {

namespace {
// Set while a node's backward closure runs with anomaly mode on (NOTE [anomaly mode]).
thread_local bool in_backward_closure = false;

// "nan" if `x` holds a NaN, else "inf" if it holds an infinity, else nullptr.
template <class T>
const char* non_finite(const Tensor<T>& x) {
  const T* data = x.value().data();
  const std::size_t n = x.size();
  bool finite = true;
  for (std::size_t i = 0; i < n; ++i) finite &= static_cast<bool>(std::isfinite(data[i]));
  if (finite) return nullptr;
  for (std::size_t i = 0; i < n; ++i)
    if (std::isnan(data[i])) return "nan";
  return "inf";
}

std::string recorded_at(const std::source_location& location) {
  return "recorded at " + std::string(location.file_name()) + ":" + std::to_string(location.line());
}

// "input (2,3)", "inputs (2,3), (3,)".
template <class Shapes>
std::string shape_list(const char* noun, const Shapes& shapes) {
  if (shapes.empty()) return std::string("no ") + noun + "s";
  std::string text = std::string(noun) + (shapes.size() == 1 ? " " : "s ");
  for (std::size_t i = 0; i < shapes.size(); ++i) text += (i ? ", " : "") + shape_str(shapes[i]);
  return text;
}
}  // namespace

BackwardCheckScope::BackwardCheckScope() : previous_(in_backward_closure) {
  in_backward_closure = true;
}
BackwardCheckScope::~BackwardCheckScope() { in_backward_closure = previous_; }

template <class T>
void check_forward(const char* op, std::span<const Tensor<T>> inputs,
                   std::span<const Tensor<T>> outputs, const std::source_location& location) {
  if (in_backward_closure) return;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const char* bad = non_finite(outputs[k]);
    if (!bad) continue;
    std::vector<Shape> input_shapes;
    std::string already;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      input_shapes.push_back(inputs[i].shape());
      if (const char* held = non_finite(inputs[i]); held && already.empty())
        already = "; input " + std::to_string(i) + " already holds " + held;
    }
    std::string output = outputs.size() == 1 ? "output" : "output " + std::to_string(k);
    throw AnomalyError("anomaly: " + std::string(op) + " produced " + bad + " in its forward " +
                       output + " of shape " + shape_str(outputs[k].shape()) + " (" +
                       shape_list("input", input_shapes) + ")" + already + "; " +
                       recorded_at(location));
  }
}

template <class T>
void check_gradients(const Node& node, Tape& tape, std::span<const std::uint32_t> in_slots,
                     std::span<const Tensor<T>> grads, std::span<const std::uint32_t> out_slots) {
  const auto& table = tape.slots<T>();
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (in_slots[i] == kNoSlot || !grads[i]) continue;
    const char* bad = non_finite(grads[i]);
    if (!bad) continue;
    std::vector<Shape> output_shapes;
    for (std::uint32_t slot : out_slots)
      if (slot != kNoSlot) output_shapes.push_back(table[slot].shape);
    throw AnomalyError("anomaly: the backward of " + std::string(node.op) + " produced " + bad +
                       " in the gradient of input " + std::to_string(i) + ", shape " +
                       shape_str(table[in_slots[i]].shape) + " (" +
                       shape_list("output", output_shapes) + "); " + recorded_at(node.location));
  }
}

template void check_forward<float>(const char*, std::span<const Tensor<float>>,
                                   std::span<const Tensor<float>>, const std::source_location&);
template void check_forward<double>(const char*, std::span<const Tensor<double>>,
                                    std::span<const Tensor<double>>, const std::source_location&);
template void check_gradients<float>(const Node&, Tape&, std::span<const std::uint32_t>,
                                     std::span<const Tensor<float>>,
                                     std::span<const std::uint32_t>);
template void check_gradients<double>(const Node&, Tape&, std::span<const std::uint32_t>,
                                      std::span<const Tensor<double>>,
                                      std::span<const std::uint32_t>);

void* Arena::allocate(std::size_t bytes, std::size_t alignment) {
  while (true) {
    if (block_ < blocks_.size()) {
      std::size_t start = (offset_ + alignment - 1) / alignment * alignment;
      if (start + bytes <= blocks_[block_].size) {
        used_ += start + bytes - offset_;
        offset_ = start + bytes;
        return blocks_[block_].data.get() + start;
      }
      if (block_ + 1 < blocks_.size()) {
        ++block_;
        offset_ = 0;
        continue;
      }
    }
    std::size_t size = std::max<std::size_t>(blocks_.empty() ? 64 * 1024 : 2 * blocks_.back().size,
                                             bytes + alignment);
    blocks_.push_back({std::unique_ptr<std::byte[]>(new std::byte[size]), size});
    capacity_ += size;
    block_ = blocks_.size() - 1;
    offset_ = 0;
  }
}

}  // namespace detail

Tape::Tape() : epoch_(next_epoch++) {}
Tape::~Tape() { destroy_nodes(0); }

Tape& Tape::current() {
  thread_local Tape tape;
  return tape;
}

void Tape::destroy_nodes(std::size_t from) {
  // Destroyed newest first: a flat loop, whatever the length of the recorded chain.
  for (std::size_t i = nodes_.size(); i-- > from;) nodes_[i]->~Node();
  nodes_.resize(from);
}

void Tape::release() {
  drop_packed_products();
  destroy_nodes(0);
  arena_.rewind();
  f32_.clear();
  f64_.clear();
  epoch_ = next_epoch++;
}

void Tape::reset() { release(); }

void Tape::clear_gradients() {
  for (auto& slot : f32_) slot.grad = Tensor<float>();
  for (auto& slot : f64_) slot.grad = Tensor<double>();
  drop_packed_products();
}

void Tape::drop_packed_products() {  // a pass that threw leaves its packs behind
  for (auto& pack : packed_f32_) pack = {};
  for (auto& pack : packed_f64_) pack = {};
}

void Tape::push_scope(std::string name) {
  auto found = std::find(scope_names_.begin(), scope_names_.end(), name);
  scope_stack_.push_back(static_cast<std::uint32_t>(found - scope_names_.begin()));
  if (found == scope_names_.end()) scope_names_.push_back(std::move(name));
}

void Tape::pop_scope() {
  if (scope_stack_.size() > 1) scope_stack_.pop_back();
}

MemoryReport Tape::memory_report() const {
  MemoryReport report;
  report.node_bytes = arena_.used_bytes();
  std::vector<std::size_t> per_scope(scope_names_.size(), 0);
  auto add = [&](const auto& table, std::size_t element_bytes) {
    for (const auto& slot : table)
      if (auto var = slot.result.lock()) {
        std::size_t bytes = var->value.size() * element_bytes;
        report.value_bytes += bytes;
        per_scope[slot.scope] += bytes;
      }
  };
  add(f32_, sizeof(float));
  add(f64_, sizeof(double));
  for (std::size_t i = 0; i < scope_names_.size(); ++i)
    if (per_scope[i]) report.per_scope.emplace_back(scope_names_[i], per_scope[i]);
  return report;
}

std::string MemoryReport::str() const {
  std::ostringstream out;
  out << "tape memory: " << total_bytes() << " bytes (" << value_bytes << " in saved values, "
      << node_bytes << " in node records)\n";
  for (const auto& [name, bytes] : per_scope) out << "  " << name << ": " << bytes << " bytes\n";
  return out.str();
}

template <class T>
std::uint32_t Tape::slot_of(const Tensor<T>& input, const char* op) {
  if (!input.requires_grad()) return detail::kNoSlot;
  auto& var = input.var();
  if (var.tape == this && var.epoch == epoch_) return var.slot;
  if (!var.is_leaf) {
    if (var.tape != this)
      throw Error(
          std::string(op) +
          ": an input was recorded on another thread's tape; each thread records on its own");
    throw Error(std::string(op) +
                ": an input was recorded before the tape was reset or consumed by backward(); "
                "detach() it to carry its value into a new recording");
  }
  auto& table = slots<T>();
  var.tape = this;
  var.epoch = epoch_;
  var.slot = static_cast<std::uint32_t>(table.size());
  table.push_back({.grad = {},
                   .shape = var.value.shape(),
                   .leaf = input.shared(),
                   .result = {},
                   .scope = scope_stack_.back(),
                   .keep = false});
  return var.slot;
}

template <class T>
void Tape::add_result(Tensor<T>& output) {
  auto& table = slots<T>();
  auto& var = output.var();
  var.requires_grad = true;
  var.is_leaf = false;
  var.tape = this;
  var.epoch = epoch_;
  var.slot = static_cast<std::uint32_t>(table.size());
  table.push_back({.grad = {},
                   .shape = var.value.shape(),
                   .leaf = {},
                   .result = output.shared(),
                   .scope = scope_stack_.back(),
                   .keep = false});
}

template <class T>
void Tape::accumulate(std::uint32_t slot, Tensor<T> gradient, const char* op) {
  auto& table = slots<T>();
  const Shape& shape = table[slot].shape;
  if (gradient.shape() != shape) {
    try {
      gradient = sum_to(gradient, shape);
    } catch (const Error&) {
      throw Error(std::string(op) + " backward: gradient of shape " + shape_str(gradient.shape()) +
                  " does not reduce to its input's shape " + shape_str(shape));
    }
  }
  if (grad_enabled() && table[slot].grad) {
    // Recorded: the add appends a slot, so no reference into the table is held across it.
    Tensor<T> total = table[slot].grad + gradient;
    table[slot].grad = std::move(total);
    return;
  }
  Tensor<T>& sum = table[slot].grad;
  if (!sum) {
    sum = std::move(gradient);
  } else if (sum.shared().use_count() == 1 && sum.is_leaf()) {
    sum.var().value += gradient.value();  // we own it: add in place
  } else {
    sum = Tensor<T>(Array<T>(sum.value() + gradient.value()));
  }
}

namespace {
// Products with fewer rows than this are packed (NOTE [packing weight gradients]): 256 rows is
// where OpenBLAS's sgemm reaches its full rate on these shapes.
constexpr std::size_t kPackRows = 256;

// A gathered gradient this pass may change in place: nothing else holds it, nothing recorded it.
template <class T>
bool owned_by_pass(const Tensor<T>& sum) {
  return sum && sum.shared().use_count() == 1 && sum.is_leaf() && !sum.requires_grad();
}
}  // namespace

template <class T>
void Tape::accumulate_product(std::uint32_t slot, const Array<T>& a, bool transpose_a,
                              const Array<T>& b, bool transpose_b, const char* op) {
  // Packed: a^T b with few rows, into a leaf's gradient of exactly the product's shape.
  const detail::Slot<T>& target = slots<T>()[slot];
  if (transpose_a && !transpose_b && target.leaf && !grad_enabled() && a.dimension() == 2 &&
      b.dimension() == 2 && a.shape()[0] == b.shape()[0] && a.shape()[0] > 0 &&
      2 * a.shape()[0] <= kPackRows && target.shape == Shape{a.shape()[1], b.shape()[1]} &&
      a.size() > 0 && b.size() > 0)
    return pack_product(slot, a, b, op);
  Tensor<T>& sum = slots<T>()[slot].grad;
  if (owned_by_pass(sum) && !grad_enabled()) {
    gemm(a, transpose_a, b, transpose_b, sum.var().value, T(1), T(1));
    return;
  }
  accumulate(slot, product(a, transpose_a, b, transpose_b), op);
}

template <class T>
void Tape::pack_product(std::uint32_t slot, const Array<T>& a, const Array<T>& b, const char* op) {
  auto& packs = packed<T>();
  auto pack = std::find_if(packs.begin(), packs.end(), [&](const auto& p) { return p.slot == slot; });
  if (pack == packs.end()) {
    pack = std::find_if(packs.begin(), packs.end(),
                        [](const auto& p) { return p.slot == detail::kNoSlot; });
    if (pack == packs.end()) pack = packs.emplace(packs.end());
    pack->slot = slot;
    pack->op = op;
    pack->a = Array<T>::from_shape({kPackRows, a.shape()[1]});
    pack->b = Array<T>::from_shape({kPackRows, b.shape()[1]});
  }
  const std::size_t rows = a.shape()[0];
  if (pack->rows + rows > kPackRows) flush(*pack);
  std::copy_n(a.data(), a.size(), pack->a.data() + pack->rows * a.shape()[1]);
  std::copy_n(b.data(), b.size(), pack->b.data() + pack->rows * b.shape()[1]);
  pack->rows += rows;
}

template <class T>
void Tape::flush(PackedProducts<T>& pack) {
  if (pack.rows == 0) return;
  Tensor<T>& sum = slots<T>()[pack.slot].grad;
  if (owned_by_pass(sum)) {  // of the slot's shape, which is the product's
    gemm_leading_rows(pack.a, pack.b, pack.rows, sum.var().value, T(1));
  } else {
    Array<T> product = Array<T>::from_shape({pack.a.shape()[1], pack.b.shape()[1]});
    gemm_leading_rows(pack.a, pack.b, pack.rows, product, T(0));
    accumulate(pack.slot, Tensor<T>(std::move(product)), pack.op);
  }
  pack.rows = 0;
}

void Tape::flush_packed_products() {
  // Every pack is multiplied out and its buffers go back to the pool; the list keeps its
  // capacity, so the next pass allocates nothing for it.
  auto flush_all = [this](auto& packs) {
    for (auto& pack : packs) {
      if (pack.slot == detail::kNoSlot) continue;
      flush(pack);
      pack = {};
    }
  };
  flush_all(packed_f32_);
  flush_all(packed_f64_);
}

template <class T>
Tensor<T> Tape::product(const Array<T>& a, bool transpose_a, const Array<T>& b, bool transpose_b) {
  Array<T> result;
  gemm(a, transpose_a, b, transpose_b, result);
  return Tensor<T>(std::move(result));
}

template <class T>
void Tape::run_backward(const Tensor<T>& root, const Tensor<T>& seed, BackwardOptions options,
                        std::span<const Tensor<T>> inputs, std::vector<Tensor<T>>* gradients) {
  auto& var = root.var();
  if (!var.is_leaf && (var.tape != this || var.epoch != epoch_))
    throw Error(
        "backward: this tensor's tape was already consumed by backward() or reset(); "
        "record the forward pass again (or pass retain_graph to the first backward)");
  if (seed.shape() != root.shape())
    throw Error("backward: seed of shape " + shape_str(seed.shape()) + " for a tensor of shape " +
                shape_str(root.shape()));
  const bool create_graph = options.create_graph;
  const bool retain = options.retain_graph || create_graph;
  std::uint32_t root_slot = slot_of(root, "backward");
  std::vector<std::uint32_t> input_slots;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad())
      throw Error("grad: input " + std::to_string(i) + " does not require grad");
    input_slots.push_back(slot_of(inputs[i], "grad"));
    slots<T>()[input_slots.back()].keep = true;
  }
  clear_gradients();
  slots<T>()[root_slot].grad = create_graph ? seed : Tensor<T>(Array<T>(seed.value()));

  {
    GradModeGuard mode(create_graph);
    // The backward pass may append nodes (create_graph): they are not part of this pass.
    for (std::size_t i = nodes_.size(); i-- > 0;) nodes_[i]->backward(*this);
  }
  flush_packed_products();

  auto& table = slots<T>();
  if (gradients) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      Tensor<T> g = table[input_slots[i]].grad;
      gradients->push_back(g ? g : Tensor<T>(Array<T>(xt::zeros<T>(inputs[i].shape()))));
      table[input_slots[i]].keep = false;
    }
  } else {
    deliver_leaf_gradients(f32_, 0, create_graph);
    deliver_leaf_gradients(f64_, 0, create_graph);
  }
  clear_gradients();
  if (!retain) release();
}

template <class T>
void Tape::deliver_leaf_gradients(detail::SlotTable<T>& table, std::size_t from,
                                  bool create_graph) {
  for (std::size_t s = from; s < table.size(); ++s) {
    if (!table[s].leaf || !table[s].grad) continue;
    auto& leaf_grad = table[s].leaf->grad;
    Tensor<T> g = std::move(table[s].grad);
    if (!leaf_grad) {
      bool owned = g.shared().use_count() == 1 && g.is_leaf();
      leaf_grad = (owned || create_graph) ? g.shared() : Tensor<T>(Array<T>(g.value())).shared();
    } else if (create_graph || leaf_grad->requires_grad) {
      GradModeGuard mode(create_graph);
      leaf_grad = (Tensor<T>(leaf_grad) + g).shared();
    } else {
      leaf_grad->value += g.value();
    }
  }
}

template <class T>
void Tape::backward(const Tensor<T>& root, const Tensor<T>& seed, BackwardOptions options) {
  run_backward<T>(root, seed, options, {}, nullptr);
}

template <class T>
std::vector<Tensor<T>> Tape::grad(const Tensor<T>& root, const Tensor<T>& seed,
                                  std::span<const Tensor<T>> inputs, BackwardOptions options) {
  std::vector<Tensor<T>> gradients;
  run_backward<T>(root, seed, options, inputs, &gradients);
  return gradients;
}

template <class T>
std::vector<Tensor<T>> Tape::backward_segment(const Mark& from, std::span<const Tensor<T>> outputs,
                                              std::span<const Tensor<T>> output_grads,
                                              std::span<const Tensor<T>> inputs) {
  auto& table = slots<T>();
  std::vector<std::uint32_t> input_slots;
  for (const auto& x : inputs) {
    input_slots.push_back(slot_of(x, "backward_segment"));
    if (input_slots.back() != detail::kNoSlot) table[input_slots.back()].keep = true;
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    std::uint32_t slot = slot_of(outputs[k], "backward_segment");
    if (slot != detail::kNoSlot && output_grads[k])
      accumulate<T>(slot, output_grads[k], "backward_segment");
  }
  for (std::size_t i = nodes_.size(); i-- > from.nodes;) nodes_[i]->backward(*this);
  flush_packed_products();
  std::vector<Tensor<T>> grads;
  for (std::uint32_t slot : input_slots)
    grads.push_back(slot == detail::kNoSlot ? Tensor<T>() : table[slot].grad);
  return grads;
}

void Tape::rollback(const Mark& mark) {
  flush_packed_products();
  // A leaf first used inside the rolled-back recording (a parameter used only in a checkpointed
  // segment) has its slot there: hand its gradient over now, and let it take a new slot later.
  deliver_leaf_gradients(f32_, mark.f32_slots, false);
  deliver_leaf_gradients(f64_, mark.f64_slots, false);
  for (std::size_t s = mark.f32_slots; s < f32_.size(); ++s)
    if (f32_[s].leaf) f32_[s].leaf->epoch = 0;
  for (std::size_t s = mark.f64_slots; s < f64_.size(); ++s)
    if (f64_[s].leaf) f64_[s].leaf->epoch = 0;
  destroy_nodes(mark.nodes);
  arena_.rewind(mark.arena);
  f32_.resize(mark.f32_slots);
  f64_.resize(mark.f64_slots);
}

#define TAPEGRAD_INSTANTIATE(T)                                                                    \
  template std::uint32_t Tape::slot_of<T>(const Tensor<T>&, const char*);                          \
  template void Tape::add_result<T>(Tensor<T>&);                                                   \
  template void Tape::accumulate<T>(std::uint32_t, Tensor<T>, const char*);                        \
  template void Tape::accumulate_product<T>(std::uint32_t, const Array<T>&, bool, const Array<T>&, \
                                            bool, const char*);                                    \
  template Tensor<T> Tape::product<T>(const Array<T>&, bool, const Array<T>&, bool);               \
  template void Tape::backward<T>(const Tensor<T>&, const Tensor<T>&, BackwardOptions);            \
  template std::vector<Tensor<T>> Tape::grad<T>(const Tensor<T>&, const Tensor<T>&,                \
                                                std::span<const Tensor<T>>, BackwardOptions);      \
  template std::vector<Tensor<T>> Tape::backward_segment<T>(                                       \
      const Mark&, std::span<const Tensor<T>>, std::span<const Tensor<T>>,                         \
      std::span<const Tensor<T>>);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad
