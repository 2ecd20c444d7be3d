// actbench/harness/cuda/launch_actbench.cuh - impl "actbench": our kernel for every ElementOp of T.
// Instantiated once per dtype by launch_actbench_<dtype>.cu.
#pragma once

#include "harness/cuda/launch_elementwise.cuh"

namespace actbench::cuda {

template <class T>
void launch_actbench(const Launch& l, const LaunchContext& ctx) {
  // dα first: it reads x and dy, which dx may overwrite (in place)
  if (wants_prelu_dalpha(l))
    launch_prelu_dalpha(l.dtype, l.x, l.dy, l.n, l.op.params.prelu_channels, l.prelu_dalpha, ctx);
  dispatch_op<T>(l.op, [&](const auto& op) {
    launch_elementwise(op, static_cast<const T*>(l.x), static_cast<const T*>(l.dy), static_cast<T*>(l.y), l.n, ctx);
  });
}

}  // namespace actbench::cuda
