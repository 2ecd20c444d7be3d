// actbench/harness/cuda/launch_thrust.cuh - impl "thrust": thrust::transform with the same ElementOp.
// Instantiated once per dtype by launch_thrust_<dtype>.cu.
//
// Policy thrust::cuda::par_nosync.on(stream): the work goes on the backend's stream and thrust adds
// no synchronization of its own (thrust::cuda::par synchronizes after each algorithm, which would both
// serialize the timing loop and break graph capture).  Per-channel ops (prelu) need the element index:
// a zip of a counting iterator with the inputs.
#pragma once

#include "harness/cuda/check.hpp"
#include "harness/cuda/launch.hpp"
#include "harness/thrust_indexed.hpp"
#include "kernels/elementwise.hpp"

#include <thrust/execution_policy.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/transform.h>
#include <thrust/tuple.h>

#include <cstdint>

namespace actbench::cuda {
namespace detail {

template <class Op>
void thrust_transform(const Op& op, const typename Op::storage_t* x, const typename Op::storage_t* dy,
                      typename Op::storage_t* y, std::int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  const auto policy = thrust::cuda::par_nosync.on(stream);
  if constexpr (Op::per_channel) {
    const thrust::counting_iterator<std::int64_t> index(0);
    if constexpr (Op::direction == Direction::bwd) {
      const auto first = thrust::make_zip_iterator(thrust::make_tuple(index, x, dy));
      thrust::transform(policy, first, first + n, y, ThrustIndexed<Op>{op});
    } else {
      const auto first = thrust::make_zip_iterator(thrust::make_tuple(index, x));
      thrust::transform(policy, first, first + n, y, ThrustIndexed<Op>{op});
    }
  } else if constexpr (Op::direction == Direction::bwd) {
    thrust::transform(policy, x, x + n, dy, y, op);
  } else {
    (void)dy;
    thrust::transform(policy, x, x + n, y, op);
  }
  check_launch("thrust::transform");
}

}  // namespace detail

template <class T>
void launch_thrust(const Launch& l, const LaunchContext& ctx) {
  if (l.n > 0 && (l.x == nullptr || l.y == nullptr || (l.op.direction == Direction::bwd && l.dy == nullptr)))
    throw BackendError("launch: null buffer (x, y, or dy for bwd)");
  require_thrust_peer_variant(l);  // instantiates the precise functors only (shorter builds)
  // dα first: it reads x and dy, which dx may overwrite (in place)
  if (wants_prelu_dalpha(l))
    launch_prelu_dalpha(l.dtype, l.x, l.dy, l.n, l.op.params.prelu_channels, l.prelu_dalpha, ctx);
  dispatch_op_as<T, Variant::precise>(l.op, [&](const auto& op) {
    detail::thrust_transform(op, static_cast<const T*>(l.x), static_cast<const T*>(l.dy), static_cast<T*>(l.y), l.n,
                             ctx.stream);
  });
}

}  // namespace actbench::cuda
