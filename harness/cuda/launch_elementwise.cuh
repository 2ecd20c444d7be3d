// actbench/harness/cuda/launch_elementwise.cuh - launches kernels/elementwise.cuh for one ElementOp.
//
// Included by the per-(impl, dtype) translation units; not a public header.
#pragma once

#include "harness/cuda/check.hpp"
#include "harness/cuda/launch.hpp"
#include "kernels/elementwise.cuh"

#include <algorithm>
#include <cstdint>

namespace actbench::cuda {

/// Picks the kernel for the pointers' alignment and the grid for the device, and launches it.
/// x, dy (bwd only) and y hold n elements of Op::storage_t each.
template <class Op>
void launch_elementwise(const Op& op, const typename Op::storage_t* x, const typename Op::storage_t* dy,
                        typename Op::storage_t* y, std::int64_t n, const LaunchContext& ctx) {
  using T = typename Op::storage_t;
  constexpr int kW = kernels::vec_width<T>;
  constexpr bool kBwd = Op::direction == Direction::bwd;
  if (n <= 0) return;
  if (x == nullptr || y == nullptr || (kBwd && dy == nullptr))
    throw BackendError("launch: null buffer (x, y, or dy for bwd)");

  const auto mis = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16u; };
  if (mis(y) % sizeof(T) != 0 || mis(x) % sizeof(T) != 0 || (kBwd && mis(dy) % sizeof(T) != 0))
    throw BackendError("launch: a pointer is not aligned to its element size");
  const bool vectorizable = mis(x) == mis(y) && (!kBwd || mis(dy) == mis(y));

  const auto kernel = &kernels::elementwise_kernel<Op>;
  const std::int64_t threads = kernels::kBlockThreads;
  std::int64_t head = 0, work_blocks = 0;
  if (vectorizable) {
    head = std::min<std::int64_t>(n, ((16u - mis(y)) % 16u) / sizeof(T));
    const std::int64_t tile = threads * kernels::kUnroll;  // vectors per block and tile
    const std::int64_t full_tiles = (n - head) / kW / tile;
    const std::int64_t leftovers = n - full_tiles * tile * kW;  // head + what follows the last full tile
    work_blocks = std::max(full_tiles, (leftovers + threads - 1) / threads);
  } else {
    work_blocks = (n + threads - 1) / threads;  // scalar: one element per thread per pass
  }
  const unsigned int grid = grid_for(work_blocks, blocks_per_sm(reinterpret_cast<const void*>(kernel), ctx.device), ctx);
  kernel<<<grid, kernels::kBlockThreads, 0, ctx.stream>>>(op, x, dy, y, n, static_cast<int>(head), vectorizable);
  check_launch(vectorizable ? "elementwise_kernel (vectorized)" : "elementwise_kernel (scalar)");
}

}  // namespace actbench::cuda
