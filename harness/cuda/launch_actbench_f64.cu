// actbench/harness/cuda/launch_actbench_f64.cu - every ElementOp of f64 through our kernel.
#include "harness/cuda/launch_actbench.cuh"

namespace actbench::cuda {
template void launch_actbench<double>(const Launch&, const LaunchContext&);
}  // namespace actbench::cuda
