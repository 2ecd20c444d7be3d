// actbench/harness/cuda/check.hpp - CUDA errors become BackendError with the call that failed.
#pragma once

#include "harness/backend.hpp"

#include <cuda_runtime_api.h>

#include <string>

namespace actbench::cuda {

/// "cudaMalloc(1073741824 bytes) failed: out of memory (cudaErrorMemoryAllocation)".
inline std::string cuda_error_text(cudaError_t err, const std::string& what) {
  return what + " failed: " + cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")";
}

/// Throws BackendError when `err` is not cudaSuccess.
inline void check(cudaError_t err, const std::string& what) {
  if (err != cudaSuccess) throw BackendError(cuda_error_text(err, what));
}

/// After a kernel launch: launch-configuration errors are reported at once (not at the next sync).
inline void check_launch(const char* kernel) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw BackendError(cuda_error_text(err, std::string("launch of ") + kernel));
}

}  // namespace actbench::cuda
