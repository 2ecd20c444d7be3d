// actbench/harness/cuda/entry.hpp - what the CUDA backend plugs into main().
//
// main() calls actbench::cuda::entry() explicitly under #ifdef ACTBENCH_HAVE_CUDA (no static-init
// registration).  No CUDA type appears here.
#pragma once

#include "harness/backend.hpp"

namespace actbench::cuda {

/// device_count: cudaGetDeviceCount, 0 with the CUDA error text when there is no driver or device
/// (never throws, never aborts).  make: the CUDA backend on device `index` (throws BackendError).
CudaEntry entry();

}  // namespace actbench::cuda
