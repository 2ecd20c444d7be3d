// One loop over sigmoid's whole hot path against two loops (the exponential, then the rest) and against the three of
// its staged form (kernels/f32/split.hpp: the reduction and polynomial, the exponential's pair, the rest), from L1, one
// core: TSC cycles per 16 elements (the best of 200 repetitions), and whether the outputs are the same bits.
//
//   g++ -O3 -march=native -fopenmp-simd -ffp-contract=off -std=c++17 -I. results/cpu-staged/chain.cpp -o /tmp/chain
//   /tmp/chain
#include "kernels/f32/activations.hpp"

#include <x86intrin.h>

#include <algorithm>
#include <cstdio>

namespace {
using namespace actbench;
constexpr int kN = 4096, kStage = 256;
alignas(64) float xs[kN], one[kN], two[kN], three[kN];

__attribute__((noinline)) void one_loop(const float* __restrict x, float* __restrict y) {
#pragma omp simd
  for (int i = 0; i < kN; ++i) y[i] = f32::sigmoid_hot(x[i]);
}

__attribute__((noinline)) void two_loops(const float* __restrict x, float* __restrict y) {
  alignas(64) float hh[kStage], hl[kStage];
  for (int b = 0; b < kN; b += kStage) {
#pragma omp simd
    for (int i = 0; i < kStage; ++i) {
      const f32::Pair h = f32::exp_sigma_pair(f32::sigmoid_pre(x[b + i]));
      hh[i] = h.hi;
      hl[i] = h.lo;
    }
#pragma omp simd
    for (int i = 0; i < kStage; ++i) y[b + i] = f32::sigmoid_tail(x[b + i], f32::Pair{hh[i], hl[i]});
  }
}

__attribute__((noinline)) void three_loops(const float* __restrict x, float* __restrict y) {
  alignas(64) float pt[kStage], pr[kStage], pq[kStage], hh[kStage], hl[kStage];
  for (int b = 0; b < kN; b += kStage) {
#pragma omp simd
    for (int i = 0; i < kStage; ++i) {
      const f32::ExpSigmaPre p = f32::sigmoid_pre(x[b + i]);
      pt[i] = p.t;
      pr[i] = p.r;
      pq[i] = p.q;
    }
#pragma omp simd
    for (int i = 0; i < kStage; ++i) {
      const f32::Pair h = f32::exp_sigma_pair(f32::ExpSigmaPre{pt[i], pr[i], pq[i]});
      hh[i] = h.hi;
      hl[i] = h.lo;
    }
#pragma omp simd
    for (int i = 0; i < kStage; ++i) y[b + i] = f32::sigmoid_tail(x[b + i], f32::Pair{hh[i], hl[i]});
  }
}

template <class F>
double cycles_per_16(F f, float* y) {
  double best = 1e30;
  for (int r = 0; r < 200; ++r) {
    const unsigned long long t0 = __rdtsc();
    for (int k = 0; k < 20; ++k) f(xs, y);
    best = std::min(best, double(__rdtsc() - t0) / (20.0 * kN / 16));
  }
  return best;
}
}  // namespace

int main() {
  for (int i = 0; i < kN; ++i) xs[i] = -20.0f + 40.0f * static_cast<float>(i) / kN;
  const double a = cycles_per_16(one_loop, one), b = cycles_per_16(two_loops, two),
               c = cycles_per_16(three_loops, three);
  int differ = 0;
  for (int i = 0; i < kN; ++i) differ += bit_cast<std::uint32_t>(one[i]) != bit_cast<std::uint32_t>(two[i]);
  for (int i = 0; i < kN; ++i) differ += bit_cast<std::uint32_t>(one[i]) != bit_cast<std::uint32_t>(three[i]);
  std::printf("sigmoid f32 hot path, TSC cycles per 16 elements: one loop %.2f, two %.2f (%.2fx), three %.2f (%.2fx); "
              "%d outputs of %d differ in their bits\n", a, b, a / b, c, a / c, differ, 2 * kN);
  return differ != 0;
}
