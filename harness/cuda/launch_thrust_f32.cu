// actbench/harness/cuda/launch_thrust_f32.cu - every ElementOp of f32 through thrust::transform.
#include "harness/cuda/launch_thrust.cuh"

namespace actbench::cuda {
template void launch_thrust<float>(const Launch&, const LaunchContext&);
}  // namespace actbench::cuda
