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

  if (vectorizable) {
    const std::int64_t head = std::min<std::int64_t>(n, ((16u - mis(y)) % 16u) / sizeof(T));
    const std::int64_t nvec = (n - head) / kW;
    const std::int64_t tile = static_cast<std::int64_t>(kernels::kBlockThreads) * kernels::kUnroll;
    const auto kernel = &kernels::elementwise_vec_kernel<Op>;
    const unsigned int grid =
        grid_for((nvec + tile - 1) / tile, blocks_per_sm(reinterpret_cast<const void*>(kernel), ctx.device), ctx);
    kernel<<<grid, kernels::kBlockThreads, 0, ctx.stream>>>(op, x, dy, y, n, static_cast<int>(head));
    check_launch("elementwise_vec_kernel");
  } else {
    const std::int64_t tile = static_cast<std::int64_t>(kernels::kBlockThreads) * kernels::kScalarUnroll;
    const auto kernel = &kernels::elementwise_scalar_kernel<Op>;
    const unsigned int grid =
        grid_for((n + tile - 1) / tile, blocks_per_sm(reinterpret_cast<const void*>(kernel), ctx.device), ctx);
    kernel<<<grid, kernels::kBlockThreads, 0, ctx.stream>>>(op, x, dy, y, n);
    check_launch("elementwise_scalar_kernel");
  }
}

}  // namespace actbench::cuda
