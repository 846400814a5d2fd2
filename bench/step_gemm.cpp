// The GEMMs of one recurrent time step, OpenBLAS against a weight packed once (issue #5):
//
//   step_gemm [--calls 64] [--reps 7]
//
// A time step multiplies a few rows (the batch, or a slice of it) by the recurrent weight:
// h·W_hhᵀ forward and g·W_hh backward. OpenBLAS copies the whole weight into its packed layout
// at every call, and on this machine it runs its AVX2 (Haswell) kernels (OPENBLAS_CORETYPE is
// set so, see bench/RESULTS.md). This times `calls` such products per shape with cblas_sgemm
// and with a plain AVX-512 kernel over the weight packed once into 32-column panels, the way a
// step GEMM could keep it for a whole sequence, and checks that both give the same result.
// Not used by the library: a measurement of what a step GEMM of its own would gain.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

extern "C" {
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                 const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc);
void openblas_set_num_threads(int);
}

namespace {

constexpr int kRowMajor = 101, kNoTrans = 111;
constexpr int kPanel = 32;  // columns per packed panel: two 16-float AVX-512 registers
constexpr int kRows = 8;    // rows per block: 16 accumulators

#if defined(__AVX512F__)
// B (K x N, row-major) as N / 32 panels of K x 32, each contiguous.
std::vector<float> pack_panels(const std::vector<float>& b, int k, int n) {
  std::vector<float> packed(static_cast<std::size_t>(k) * n);
  for (int p = 0; p < n / kPanel; ++p)
    for (int row = 0; row < k; ++row)
      std::memcpy(&packed[(static_cast<std::size_t>(p) * k + row) * kPanel],
                  &b[static_cast<std::size_t>(row) * n + p * kPanel], kPanel * sizeof(float));
  return packed;
}

// C (M x N) += A (M x K) · B, B packed by pack_panels; M a multiple of 8, N of 32.
void packed_gemm(int m, int n, int k, const float* a, const float* packed, float* c) {
  for (int p = 0; p < n / kPanel; ++p) {
    const float* panel = packed + static_cast<std::size_t>(p) * k * kPanel;
    for (int i0 = 0; i0 < m; i0 += kRows) {
      __m512 acc[kRows][2];
      for (int r = 0; r < kRows; ++r) {
        float* row = c + static_cast<std::size_t>(i0 + r) * n + p * kPanel;
        acc[r][0] = _mm512_loadu_ps(row);
        acc[r][1] = _mm512_loadu_ps(row + 16);
      }
      for (int kk = 0; kk < k; ++kk) {
        const __m512 b0 = _mm512_loadu_ps(panel + kk * kPanel);
        const __m512 b1 = _mm512_loadu_ps(panel + kk * kPanel + 16);
        for (int r = 0; r < kRows; ++r) {
          const __m512 a_rk = _mm512_set1_ps(a[static_cast<std::size_t>(i0 + r) * k + kk]);
          acc[r][0] = _mm512_fmadd_ps(a_rk, b0, acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps(a_rk, b1, acc[r][1]);
        }
      }
      for (int r = 0; r < kRows; ++r) {
        float* row = c + static_cast<std::size_t>(i0 + r) * n + p * kPanel;
        _mm512_storeu_ps(row, acc[r][0]);
        _mm512_storeu_ps(row + 16, acc[r][1]);
      }
    }
  }
}
#endif

template <class F>
double best_ms(int reps, F&& run) {
  double best = 1e300;
  for (int rep = 0; rep < reps; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    best = std::min(
        best,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 64, reps = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--calls")
      calls = std::stoi(argv[i + 1]);
    else if (flag == "--reps")
      reps = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "step_gemm: unknown flag %s (flags: --calls N --reps N)\n", argv[i]);
      return 2;
    }
  }
#if !defined(__AVX512F__)
  std::fprintf(stderr,
               "step_gemm: built without AVX-512 (TAPEGRAD_NATIVE=OFF?), nothing to compare\n");
  return 1;
#else
  openblas_set_num_threads(1);
  std::printf("%d calls per shape, best of %d; C (M x N) += A (M x K) · B\n", calls, reps);
  std::printf(
      "| step product | M | K | N | OpenBLAS ms | packed AVX-512 ms | ratio | max rel diff |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  struct Shape {
    const char* what;
    int k, n;
  };
  // medium GRU (H = 256, 3 gates) and large LSTM (H = 512, 4 gates), forward and backward
  for (const Shape& shape :
       {Shape{"h·W_hhᵀ medium GRU", 256, 768}, Shape{"g·W_hh medium GRU", 768, 256},
        Shape{"h·W_hhᵀ large LSTM", 512, 2048}, Shape{"g·W_hh large LSTM", 2048, 512}})
    for (int m : {16, 32, 64}) {
      std::vector<float> a(static_cast<std::size_t>(m) * shape.k),
          b(static_cast<std::size_t>(shape.k) * shape.n);
      for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 7) * 0.1f - 0.3f;
      for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 13) * 0.01f - 0.06f;
      const std::vector<float> packed = pack_panels(b, shape.k, shape.n);
      std::vector<float> c_blas(static_cast<std::size_t>(m) * shape.n), c_packed(c_blas.size());
      const double blas_ms = best_ms(reps, [&] {
        std::fill(c_blas.begin(), c_blas.end(), 0.0f);
        for (int call = 0; call < calls; ++call)
          cblas_sgemm(kRowMajor, kNoTrans, kNoTrans, m, shape.n, shape.k, 1.0f, a.data(), shape.k,
                      b.data(), shape.n, 1.0f, c_blas.data(), shape.n);
      });
      const double packed_ms = best_ms(reps, [&] {
        std::fill(c_packed.begin(), c_packed.end(), 0.0f);
        for (int call = 0; call < calls; ++call)
          packed_gemm(m, shape.n, shape.k, a.data(), packed.data(), c_packed.data());
      });
      double diff = 0;
      for (std::size_t i = 0; i < c_blas.size(); ++i)
        diff = std::max(
            diff, std::abs(double(c_packed[i]) - c_blas[i]) / (1 + std::abs(double(c_blas[i]))));
      std::printf("| %s | %d | %d | %d | %.2f | %.2f | %.2f | %.1e |\n", shape.what, m, shape.k,
                  shape.n, blas_ms, packed_ms, packed_ms / blas_ms, diff);
    }
  return 0;
#endif
}
