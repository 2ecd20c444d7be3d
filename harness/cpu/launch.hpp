// actbench/harness/cpu/launch.hpp - the cpu backend's launches: the same ElementOps as the GPU,
// run by an OpenMP loop (impl actbench) or by thrust::transform on Thrust's OpenMP backend
// (impl thrust).  One explicit instantiation per dtype (launch_*.cpp) keeps builds parallel.
#pragma once

#include "harness/backend.hpp"

namespace actbench::cpu {

/// Runs `l` (l.dtype must be T's dtype) synchronously on the calling thread's OpenMP team.
template <class T>
void launch(const Launch& l);

/// The host's results of l's functor (as l.impl runs it) at global element indices: y[k] = f(x[k][, dy[k]])
/// for element index[k] (prelu's channel), k < l.n.  For checking a device's output against the host.
template <class T>
void evaluate_at(const Launch& l, const std::int64_t* index);

/// evaluate_at for l.dtype.
void evaluate_at_dtype(const Launch& l, const std::int64_t* index);

extern template void launch<float>(const Launch&);
extern template void launch<double>(const Launch&);
extern template void launch<f16_t>(const Launch&);
extern template void launch<bf16_t>(const Launch&);
extern template void evaluate_at<float>(const Launch&, const std::int64_t*);
extern template void evaluate_at<double>(const Launch&, const std::int64_t*);
extern template void evaluate_at<f16_t>(const Launch&, const std::int64_t*);
extern template void evaluate_at<bf16_t>(const Launch&, const std::int64_t*);

}  // namespace actbench::cpu
