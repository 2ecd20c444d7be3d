// actbench/harness/cuda/launch_actbench_f16.cu - every ElementOp of f16 through our kernel.
#include "harness/cuda/launch_actbench.cuh"

namespace actbench::cuda {
template void launch_actbench<f16_t>(const Launch&, const LaunchContext&);
}  // namespace actbench::cuda
