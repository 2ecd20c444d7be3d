// actbench/harness/cuda/launch_thrust_bf16.cu - every ElementOp of bf16 through thrust::transform.
#include "harness/cuda/launch_thrust.cuh"

namespace actbench::cuda {
template void launch_thrust<bf16_t>(const Launch&, const LaunchContext&);
}  // namespace actbench::cuda
