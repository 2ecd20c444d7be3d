// actbench/harness/cuda/launch.hpp - the launch helpers of the CUDA backend (internal).
//
// The element kernels are instantiated for every (activation, variant, direction) by
// dispatch_op<T>; to keep each translation unit small (and the build parallel) the
// instantiation is split one file per (impl, dtype): launch_actbench_f32.cu, launch_thrust_f16.cu ...
#pragma once

#include "harness/backend.hpp"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace actbench::cuda {

/// What a launch needs to know about the device and where to enqueue.
struct LaunchContext {
  cudaStream_t stream = nullptr;
  int device = 0;
  int sm_count = 1;
};

/// Our vectorized kernel (kernels/elementwise.cuh) for l.op at storage type T; for prelu bwd also
/// dα (zeroed, then summed) when l.prelu_dalpha is set.
template <class T>
void launch_actbench(const Launch& l, const LaunchContext& ctx);

/// thrust::transform with the same ElementOp on ctx.stream (par_nosync: no hidden synchronization,
/// so it can be captured into a graph).  prelu's dα comes from the same reduction kernel as ours.
template <class T>
void launch_thrust(const Launch& l, const LaunchContext& ctx);

/// Our copy kernel: the vectorized kernel's shape with an identity op over bytes / sizeof(T) elements.
void launch_copy_kernel(DType dtype, void* dst, const void* src, std::size_t bytes, const LaunchContext& ctx);

/// dα[c] = sum over elements of channel c (= i % channels) of dy*x where x < 0; zeroes dα first.
void launch_prelu_dalpha(DType dtype, const void* x, const void* dy, std::int64_t n, std::int64_t channels,
                         float* dalpha, const LaunchContext& ctx);

/// Reads `bytes` (a multiple of 16) from `scratch` so that L2 holds only clean scratch lines.
void launch_l2_flush(const void* scratch, std::size_t bytes, unsigned int* sink, const LaunchContext& ctx);

/// Grid size for a kernel with kBlockThreads threads, `work_blocks` blocks' worth of work, and
/// `blocks_per_sm` resident blocks per SM: one tile per block up to kMaxWaves full waves of the
/// device, grid-stride beyond.  Always >= 1.
unsigned int grid_for(std::int64_t work_blocks, int blocks_per_sm, const LaunchContext& ctx);

/// Resident blocks per SM of `kernel` at kBlockThreads threads (cudaOccupancyMaxActiveBlocksPerMultiprocessor),
/// cached per kernel and device so the timed path makes no query.
int blocks_per_sm(const void* kernel, int device);

}  // namespace actbench::cuda
