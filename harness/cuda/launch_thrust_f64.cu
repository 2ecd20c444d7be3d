// actbench/harness/cuda/launch_thrust_f64.cu - every ElementOp of f64 through thrust::transform.
#include "harness/cuda/launch_thrust.cuh"

namespace actbench::cuda {
template void launch_thrust<double>(const Launch&, const LaunchContext&);
}  // namespace actbench::cuda
