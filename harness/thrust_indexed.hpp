// actbench/harness/thrust_indexed.hpp - the adapter that lets thrust::transform run an index-aware
// ElementOp (prelu's channel is index % channels): thrust zips a counting iterator with the inputs and
// hands the functor (index, x) or (index, x, dy).  Used by the cpu backend (Thrust's OpenMP system) and
// the CUDA backend alike.
#pragma once

#include "kernels/config.hpp"
#include "kernels/elementwise.hpp"

#include <thrust/tuple.h>

#include <cstdint>

namespace actbench {

template <class Op>
struct ThrustIndexed {
  Op op;
  using T = typename Op::storage_t;
  ACTBENCH_HD T operator()(const thrust::tuple<std::int64_t, T>& t) const {
    return op.at(thrust::get<0>(t), thrust::get<1>(t));
  }
  ACTBENCH_HD T operator()(const thrust::tuple<std::int64_t, T, T>& t) const {
    return op.at(thrust::get<0>(t), thrust::get<1>(t), thrust::get<2>(t));
  }
};

}  // namespace actbench
