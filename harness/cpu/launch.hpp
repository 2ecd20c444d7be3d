// actbench/harness/cpu/launch.hpp - the cpu backend's launches: the same ElementOps as the GPU,
// run by an OpenMP loop (impl actbench) or by thrust::transform on Thrust's OpenMP backend
// (impl thrust).  One explicit instantiation per dtype (launch_*.cpp) keeps builds parallel.
#pragma once

#include "harness/backend.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>

namespace actbench::cpu {

/// How results reach memory.  A launch whose working set (inputs + output) exceeds stream_above_bytes writes its
/// output with non-temporal stores: no read-for-ownership of the output's lines (a third of the traffic of a
/// plain-store loop out of cache) and no eviction of what the cache holds - what the platform's memcpy does for
/// large copies.  Below it, plain stores: the next launch finds the output in the cache.  The cpu backend sets it
/// to the last-level cache's size; the default never streams.  Streaming pays only where memory is the limit: a
/// compute-bound launch - the f32 exp family's split path, and any op on 16-bit data (the widening and rounding
/// cost more than the memory does) - stores plainly unless compute_bound_too is set: the A/B behind the rule is
/// in results/cpu-stores/ (docs/DESIGN.md, "The cpu backend's loop").
struct StorePolicy {
  std::size_t stream_above_bytes = std::numeric_limits<std::size_t>::max();
  bool compute_bound_too = false;
};

/// Runs `l` (l.dtype must be T's dtype) synchronously on the calling thread's OpenMP team.
template <class T>
void launch(const Launch& l, const StorePolicy& sp = {});

/// The roofline's own copy of n elements of T: the activations' loop (threads, blocks, stores) with a copy as
/// the body.
template <class T>
void copy_kernel(void* dst, const void* src, std::int64_t n, const StorePolicy& sp);

/// The host's results of l's functor (as l.impl runs it) at global element indices: y[k] = f(x[k][, dy[k]])
/// for element index[k] (prelu's channel), k < l.n.  For checking a device's output against the host.
template <class T>
void evaluate_at(const Launch& l, const std::int64_t* index);

/// evaluate_at for l.dtype.
void evaluate_at_dtype(const Launch& l, const std::int64_t* index);

extern template void launch<float>(const Launch&, const StorePolicy&);
extern template void copy_kernel<float>(void*, const void*, std::int64_t, const StorePolicy&);
extern template void launch<double>(const Launch&, const StorePolicy&);
extern template void copy_kernel<double>(void*, const void*, std::int64_t, const StorePolicy&);
extern template void launch<f16_t>(const Launch&, const StorePolicy&);
extern template void copy_kernel<f16_t>(void*, const void*, std::int64_t, const StorePolicy&);
extern template void launch<bf16_t>(const Launch&, const StorePolicy&);
extern template void copy_kernel<bf16_t>(void*, const void*, std::int64_t, const StorePolicy&);
extern template void evaluate_at<float>(const Launch&, const std::int64_t*);
extern template void evaluate_at<double>(const Launch&, const std::int64_t*);
extern template void evaluate_at<f16_t>(const Launch&, const std::int64_t*);
extern template void evaluate_at<bf16_t>(const Launch&, const std::int64_t*);

}  // namespace actbench::cpu
