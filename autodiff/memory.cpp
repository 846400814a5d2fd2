#include "autodiff/memory.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <vector>

namespace tapegrad {

namespace {

constexpr std::size_t kAlignment = 64;

// Under AddressSanitizer a freed block goes straight back to the system, so that ASan's
// quarantine reports a use after free of tensor storage; the cache would hand the block to the
// next tensor of its size and hide it. The counters still count what is held.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheBlocks = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kCacheBlocks = false;
#else
constexpr bool kCacheBlocks = true;
#endif
#else
constexpr bool kCacheBlocks = true;
#endif
constexpr std::size_t kClasses = 4 * 58 + 1;

// Class 0 holds blocks of up to 64 bytes; above that, four classes per power of two.
std::size_t size_class(std::size_t bytes) {
  if (bytes <= kAlignment) return 0;
  const std::size_t power = std::bit_width(bytes - 1) - 1;  // 2^power < bytes <= 2^(power+1)
  const std::size_t step = std::size_t{1} << (power - 2);
  const std::size_t quarter = (bytes - (std::size_t{1} << power) + step - 1) / step;  // 1..4
  return (power - 6) * 4 + quarter;
}

std::size_t class_bytes(std::size_t cls) {
  if (cls == 0) return kAlignment;
  const std::size_t power = (cls - 1) / 4 + 6, quarter = (cls - 1) % 4 + 1;
  return (std::size_t{1} << power) + quarter * (std::size_t{1} << (power - 2));
}

struct Cache {
  std::vector<void*> free_blocks[kClasses];
  std::size_t reserved = 0, system_allocations = 0;
  void release() {
    for (std::size_t c = 0; c < kClasses; ++c) {
      for (void* block : free_blocks[c]) {
        ::operator delete(block, std::align_val_t(kAlignment));
        reserved -= std::min(reserved, class_bytes(c));
      }
      free_blocks[c].clear();
      free_blocks[c].shrink_to_fit();
    }
  }
  ~Cache() {
    release();
    destroyed = true;
  }
  static thread_local bool destroyed;
};
thread_local bool Cache::destroyed = false;

Cache& cache() {
  thread_local Cache instance;
  return instance;
}

}  // namespace

namespace detail {

void* pool_allocate(std::size_t bytes) {
  const std::size_t cls = size_class(bytes);
  if (!Cache::destroyed) {
    Cache& c = cache();
    auto& list = c.free_blocks[cls];
    if (!list.empty()) {
      void* block = list.back();
      list.pop_back();
      return block;
    }
    c.reserved += class_bytes(cls);
    ++c.system_allocations;
  }
  return ::operator new(class_bytes(cls), std::align_val_t(kAlignment));
}

void pool_deallocate(void* block, std::size_t bytes) noexcept {
  if (!block) return;
  const std::size_t cls = size_class(bytes);
  if (!Cache::destroyed) {
    try {
      if (kCacheBlocks) {
        cache().free_blocks[cls].push_back(block);
        return;
      }
    } catch (...) {  // no room to cache it: give it back instead
    }
    Cache& c = cache();
    c.reserved -= std::min(c.reserved, class_bytes(cls));
  }
  ::operator delete(block, std::align_val_t(kAlignment));
}

}  // namespace detail

void release_cached_memory() {
  if (!Cache::destroyed) cache().release();
}
std::size_t pool_reserved_bytes() { return Cache::destroyed ? 0 : cache().reserved; }
std::size_t pool_system_allocations() { return Cache::destroyed ? 0 : cache().system_allocations; }

}  // namespace tapegrad
