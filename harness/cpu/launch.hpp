// actbench/harness/cpu/launch.hpp - the cpu backend's launches: the same ElementOps as the GPU,
// run by an OpenMP loop (impl actbench) or by thrust::transform on Thrust's OpenMP backend
// (impl thrust).  One explicit instantiation per dtype (launch_*.cpp) keeps builds parallel.
#pragma once

#include "harness/backend.hpp"

namespace actbench::cpu {

/// Runs `l` (l.dtype must be T's dtype) synchronously on the calling thread's OpenMP team.
template <class T>
void launch(const Launch& l);

extern template void launch<float>(const Launch&);
extern template void launch<double>(const Launch&);
extern template void launch<f16_t>(const Launch&);
extern template void launch<bf16_t>(const Launch&);

}  // namespace actbench::cpu
