// Where tensor storage comes from: a per-thread cache of freed blocks by size class.
//
// NOTE [steady-state allocation]
// A training step creates and frees the same sequence of arrays every time. Served from the
// system allocator that costs two calls per array (the malloc/free pair was most of the time
// of a tiny op) and leaves fragmentation behind; served from this cache it costs a vector pop
// and push, and after the first step no memory is requested from the system at all. Blocks are
// 64-byte aligned (a cache line, a full AVX-512 register) and sized in quarter steps between
// powers of two, so at most a fifth of a block is slack.
#pragma once

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace tapegrad {

namespace detail {
void* pool_allocate(std::size_t bytes);
void pool_deallocate(void* block, std::size_t bytes) noexcept;
}  // namespace detail

// Returns this thread's cached free blocks to the system.
void release_cached_memory();
// Bytes this thread has requested from the system for tensor storage and not given back.
std::size_t pool_reserved_bytes();
// Blocks this thread has requested from the system so far (for allocation-counting tests).
std::size_t pool_system_allocations();

namespace detail {
// In detail, not tapegrad: xtensor expressions over Array carry this type, and argument-dependent
// lookup would otherwise find tapegrad::sum and friends for xt::mean(array).
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(detail::pool_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { detail::pool_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept { return true; }
};
}  // namespace detail

using detail::PoolAllocator;

// NOTE [scratch lists]
// The lists a call needs only while it runs (a sequence layer's step outputs, a split's parts
// in backward) would cost a heap allocation per call. A ScratchVector takes an empty vector,
// with the capacity it had, from a per-thread free list and gives it back, emptied, when it goes
// out of scope. Taken and returned in LIFO order, the same sequence of calls in every training
// step gets the same vectors back, so after the first step these lists allocate nothing either.
// Nested or recursive use is safe: an inner user simply takes another vector.
template <class V>
class ScratchVector {
 public:
  explicit ScratchVector(std::size_t size = 0) {
    if (!destroyed_) {
      auto& free = free_list().vectors;
      if (!free.empty()) {
        items_ = std::move(free.back());
        free.pop_back();
      }
    }
    items_.resize(size);
  }
  ScratchVector(const ScratchVector&) = delete;
  ScratchVector& operator=(const ScratchVector&) = delete;
  ~ScratchVector() {
    items_.clear();  // releases the elements (tensors) now, keeps the capacity
    if (destroyed_ || items_.capacity() == 0) return;
    try {
      free_list().vectors.push_back(std::move(items_));
    } catch (...) {  // no room to keep it: let it go
    }
  }

  std::vector<V>& operator*() { return items_; }
  std::vector<V>* operator->() { return &items_; }
  V& operator[](std::size_t i) { return items_[i]; }

 private:
  struct FreeList {
    std::vector<std::vector<V>> vectors;
    ~FreeList() { destroyed_ = true; }
  };
  static FreeList& free_list() {
    thread_local FreeList instance;
    return instance;
  }
  static inline thread_local bool destroyed_ = false;
  std::vector<V> items_;
};

}  // namespace tapegrad
