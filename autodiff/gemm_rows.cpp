// NOTE [few-row GEMM]
// A recurrent time step multiplies a few rows (the batch, or one thread's slice of it) by a
// whole weight: h·W_hhᵀ forward, g·W_hh backward. OpenBLAS copies the weight into its packed
// layout at every call, and where the environment pins it to its AVX2 kernels (this project's
// machine: OPENBLAS_CORETYPE=Haswell on a CPU with two 512-bit FMA pipes) it runs at about half
// the core's rate. With AVX-512, float products with at most kMaxRows rows take this path
// instead: op(B) is copied into panels of 32 columns (K x 32, zero-padded), and blocks of up to
// 8 rows x 32 columns are accumulated in 16 registers over all of K. bench/step_gemm measured
// 0.57–0.86x OpenBLAS's time on the step shapes with the copy made at every call, and
// 0.37–0.55x with the weight packed once. The weight gradients gathered over 256 stacked rows
// (NOTE [packing weight gradients], autodiff/tape.hpp) take the same kernel: Aᵀ·B with B packed
// into panels and eight columns of A copied into rows at a time (gemm_transposed_rows).
//
// NOTE [packed weights]
// A weight is the same at every step of a sequence, forward and backward, so when op(B) is a
// float leaf (a parameter) its panels are made once and kept on this thread, for the last
// kPackedWeights (tensor, orientation) pairs used. They are kept while the tensor has the same
// version (Tensor::mutable_value starts a new one: an optimizer step, an initialiser, a load)
// and the tape the same epoch (a backward pass without retain_graph ends it), so a training
// step packs each weight once for h·W_hhᵀ and once for g·W_hh, and never reads a stale copy
// across steps. Without the per-call copy a slice of the batch costs in proportion to its rows,
// which is what lets two threads scale on medium-sized steps. Results that are not leaves
// (a slice of a weight) take the per-call copy, or BLAS.
#include "autodiff/linalg.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace tapegrad::detail {

#if defined(__AVX512F__)
namespace {

constexpr std::size_t kPanel = 32;  // columns per panel: two 16-float registers

// C[rows x cols of the panel] = (beta ? C : 0) + A[rows x K] · panel[K x 32], cols <= 32.
template <int Rows>
void panel_block(const float* a, std::size_t lda, const float* panel, std::size_t k, float* c,
                 std::size_t ldc, std::size_t cols, bool accumulate) {
  const __mmask16 low = cols >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << cols) - 1);
  const __mmask16 high = cols >= 32  ? 0xFFFF
                         : cols > 16 ? static_cast<__mmask16>((1u << (cols - 16)) - 1)
                                     : 0;
  __m512 acc[Rows][2];
  for (int r = 0; r < Rows; ++r) {
    acc[r][0] = accumulate ? _mm512_maskz_loadu_ps(low, c + r * ldc) : _mm512_setzero_ps();
    acc[r][1] = accumulate ? _mm512_maskz_loadu_ps(high, c + r * ldc + 16) : _mm512_setzero_ps();
  }
  for (std::size_t kk = 0; kk < k; ++kk) {
    const __m512 b0 = _mm512_loadu_ps(panel + kk * kPanel);
    const __m512 b1 = _mm512_loadu_ps(panel + kk * kPanel + 16);
    for (int r = 0; r < Rows; ++r) {
      const __m512 a_rk = _mm512_set1_ps(a[r * lda + kk]);
      acc[r][0] = _mm512_fmadd_ps(a_rk, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(a_rk, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < Rows; ++r) {
    _mm512_mask_storeu_ps(c + r * ldc, low, acc[r][0]);
    _mm512_mask_storeu_ps(c + r * ldc + 16, high, acc[r][1]);
  }
}

using Block = void (*)(const float*, std::size_t, const float*, std::size_t, float*, std::size_t,
                       std::size_t, bool);
constexpr Block kBlocks[9] = {nullptr,        panel_block<1>, panel_block<2>,
                              panel_block<3>, panel_block<4>, panel_block<5>,
                              panel_block<6>, panel_block<7>, panel_block<8>};

// op(B) into panels of 32 columns: panel p is (K, 32), columns p·32.. of op(B), zero-padded.
void pack_panels(std::size_t n, std::size_t k, const float* b, bool transpose_b, float* out) {
  const std::size_t panels = (n + kPanel - 1) / kPanel;
  for (std::size_t p = 0; p < panels; ++p) {
    const std::size_t first = p * kPanel, cols = std::min(kPanel, n - first);
    float* panel = out + p * k * kPanel;
    if (!transpose_b) {  // B is (K, N): row kk of the panel is B[kk, first:first+cols]
      for (std::size_t kk = 0; kk < k; ++kk) {
        std::memcpy(panel + kk * kPanel, b + kk * n + first, cols * sizeof(float));
        std::fill(panel + kk * kPanel + cols, panel + (kk + 1) * kPanel, 0.0f);
      }
    } else {  // B is (N, K): column j of the panel is row first + j of B
      if (cols < kPanel) std::fill(panel, panel + k * kPanel, 0.0f);
      for (std::size_t j = 0; j < cols; ++j) {
        const float* row = b + (first + j) * k;
        for (std::size_t kk = 0; kk < k; ++kk) panel[kk * kPanel + j] = row[kk];
      }
    }
  }
}

std::size_t panels_size(std::size_t n, std::size_t k) {
  return (n + kPanel - 1) / kPanel * k * kPanel;
}

// C (m, n) = A (m, k) · panels + (beta ? C : 0).
void multiply_panels(std::size_t m, std::size_t n, std::size_t k, const float* a,
                     const float* panels, float* c, float beta) {
  for (std::size_t p = 0; p * kPanel < n; ++p) {
    const std::size_t first = p * kPanel, cols = std::min(kPanel, n - first);
    for (std::size_t row = 0; row < m; row += 8) {
      const std::size_t rows = std::min<std::size_t>(8, m - row);
      kBlocks[rows](a + row * k, k, panels + p * k * kPanel, k, c + row * n + first, n, cols,
                    beta != 0.0f);
    }
  }
}

bool enabled() {
  // TAPEGRAD_FEW_ROW_GEMM=0 leaves every product to BLAS (to compare the two).
  static const bool on = [] {
    const char* setting = std::getenv("TAPEGRAD_FEW_ROW_GEMM");
    return !(setting && std::string_view(setting) == "0");
  }();
  return on;
}

// NOTE [packed weights]: this thread's panels of recently multiplied float leaves.
struct PackedWeight {
  std::weak_ptr<Variable<float>> source;  // weak: a dead tensor is never matched again
  bool transposed = false;
  std::uint64_t version = 0, epoch = 0, last_use = 0;
  Array<float> panels = Array<float>::from_shape({0});  // (a default Array is 0-d: one float)
};
struct PackedWeights {
  std::array<PackedWeight, kPackedWeights> entries;
  std::uint64_t uses = 0, packs = 0;
};
PackedWeights& packed_weights() {
  thread_local PackedWeights instance;
  return instance;
}

bool same_tensor(const std::weak_ptr<Variable<float>>& entry,
                 const std::shared_ptr<Variable<float>>& tensor) {
  return !entry.owner_before(tensor) && !tensor.owner_before(entry);
}

// The panels of op(b) as b's value is now, packed at the first use in this version and epoch.
const float* weight_panels(const Tensor<float>& b, bool transpose_b, std::size_t n, std::size_t k) {
  PackedWeights& cache = packed_weights();
  const std::uint64_t version = b.var().version, epoch = Tape::current().epoch();
  PackedWeight *entry = nullptr, *free = nullptr, *oldest = &cache.entries[0];
  for (PackedWeight& candidate : cache.entries) {
    if (candidate.transposed == transpose_b && same_tensor(candidate.source, b.shared())) {
      entry = &candidate;
    } else if (candidate.source.expired()) {
      if (candidate.panels.size() != 0) candidate.panels = Array<float>::from_shape({0});  // gone
      free = &candidate;
    } else if (candidate.last_use < oldest->last_use) {
      oldest = &candidate;
    }
  }
  if (!entry) {
    entry = free ? free : oldest;
    entry->source = b.shared();
    entry->transposed = transpose_b;
    entry->epoch = epoch + 1;  // not packed yet
  }
  entry->last_use = ++cache.uses;
  if (entry->version != version || entry->epoch != epoch) {
    entry->panels.resize({panels_size(n, k)});
    pack_panels(n, k, b.value().data(), transpose_b, entry->panels.data());
    entry->version = version;
    entry->epoch = epoch;
    ++cache.packs;
  }
  return entry->panels.data();
}

}  // namespace

bool gemm_few_rows(std::size_t m, std::size_t n, std::size_t k, const float* a, const float* b,
                   bool transpose_b, float* c, float beta) {
  // Below kMinRows rows, or above kMaxWeightBytes of op(B), the copy of op(B) at every call
  // costs more than the kernel gains: a batch of 1; the large LSTM's 4 MiB W_hh, copied by two
  // threads at once, made its two-thread step 15-25% slower.
  if (!enabled() || m < kMinRows || m > kMaxRows || n == 0 || k == 0 ||
      n * k * sizeof(float) > kMaxWeightBytes || (beta != 0.0f && beta != 1.0f))
    return false;
  Array<float> packed = Array<float>::from_shape({panels_size(n, k)});
  pack_panels(n, k, b, transpose_b, packed.data());
  multiply_panels(m, n, k, a, packed.data(), c, beta);
  return true;
}

bool gemm_packed_weight(const Array<float>& a, const Tensor<float>& b, bool transpose_b,
                        Array<float>& c, float beta) {
  if (!enabled() || !b.is_leaf() || a.dimension() != 2 || b.dim() != 2) return false;
  const std::size_t m = a.shape()[0], k = a.shape()[1];
  const std::size_t n = transpose_b ? b.shape()[0] : b.shape()[1];
  if ((transpose_b ? b.shape()[1] : b.shape()[0]) != k || m < kMinPackedRows || m > kMaxRows ||
      n == 0 || k == 0 || n * k * sizeof(float) > kMaxPackedBytes || (beta != 0.0f && beta != 1.0f))
    return false;
  if (c.dimension() != 2 || c.shape()[0] != m || c.shape()[1] != n) {
    if (beta != 0.0f) return false;  // gemm names the mismatch
    c.resize({m, n});
  }
  multiply_panels(m, n, k, a.data(), weight_panels(b, transpose_b, n, k), c.data(), beta);
  return true;
}

bool gemm_transposed_rows(std::size_t rows, std::size_t m, std::size_t n, const float* a,
                          const float* b, float* c, float beta) {
  if (!enabled() || rows == 0 || (beta != 0.0f && beta != 1.0f)) return false;
  // Read in place, the columns of A and the rows of B sit 4·m and 4·n bytes apart, and a step
  // over K hits the same few L1 sets (slower than OpenBLAS when tried). Packed, B's panels stay
  // in L2 for the whole product and eight columns of A, copied as eight rows, in L1.
  Array<float> panels = Array<float>::from_shape({panels_size(n, rows)});
  pack_panels(n, rows, b, false, panels.data());
  Array<float> strip_storage = Array<float>::from_shape({8 * rows});
  float* strip = strip_storage.data();
  for (std::size_t row = 0; row < m; row += 8) {
    const std::size_t count = std::min<std::size_t>(8, m - row);
    for (std::size_t kk = 0; kk < rows; ++kk)
      for (std::size_t r = 0; r < count; ++r) strip[r * rows + kk] = a[kk * m + row + r];
    for (std::size_t p = 0; p * kPanel < n; ++p) {
      const std::size_t first = p * kPanel;
      kBlocks[count](strip, rows, panels.data() + p * rows * kPanel, rows, c + row * n + first, n,
                     std::min(kPanel, n - first), beta != 0.0f);
    }
  }
  return true;
}

std::uint64_t packed_weight_packs() { return packed_weights().packs; }
std::size_t packed_weight_bytes() {
  std::size_t bytes = 0;
  for (const PackedWeight& entry : packed_weights().entries) bytes += entry.panels.size();
  return bytes * sizeof(float);
}

#else
bool gemm_few_rows(std::size_t, std::size_t, std::size_t, const float*, const float*, bool, float*,
                   float) {
  return false;
}
bool gemm_packed_weight(const Array<float>&, const Tensor<float>&, bool, Array<float>&, float) {
  return false;
}
bool gemm_transposed_rows(std::size_t, std::size_t, std::size_t, const float*, const float*, float*,
                          float) {
  return false;
}
std::uint64_t packed_weight_packs() { return 0; }
std::size_t packed_weight_bytes() { return 0; }
#endif

}  // namespace tapegrad::detail
