// actbench/harness/cuda/launch_actbench_f32.cu - every ElementOp of f32 through our kernel.
#include "harness/cuda/launch_actbench.cuh"

namespace actbench::cuda {
template void launch_actbench<float>(const Launch&, const LaunchContext&);
}  // namespace actbench::cuda
