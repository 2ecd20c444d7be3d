// actbench/harness/cuda/launch_thrust_f16.cu - every ElementOp of f16 through thrust::transform.
#include "harness/cuda/launch_thrust.cuh"

namespace actbench::cuda {
template void launch_thrust<f16_t>(const Launch&, const LaunchContext&);
}  // namespace actbench::cuda
