// actbench/harness/cuda/launch_actbench_bf16.cu - every ElementOp of bf16 through our kernel.
#include "harness/cuda/launch_actbench.cuh"

namespace actbench::cuda {
template void launch_actbench<bf16_t>(const Launch&, const LaunchContext&);
}  // namespace actbench::cuda
