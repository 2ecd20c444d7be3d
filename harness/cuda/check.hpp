// actbench/harness/cuda/check.hpp - CUDA errors become BackendError (recoverable, cleared) or DeviceLost
// (sticky) with the call that failed (harness/cuda/errors.hpp says which is which).
#pragma once

#include "harness/backend.hpp"
#include "harness/cuda/errors.hpp"

#include <cuda_runtime_api.h>

#include <string>

namespace actbench::cuda {

// errors.hpp lists codes by number: they are the runtime's names.
static_assert(error_severity(cudaSuccess) == ErrorSeverity::none);
static_assert(error_severity(cudaErrorIllegalAddress) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorLaunchFailure) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorLaunchTimeout) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorAssert) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorHardwareStackError) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorIllegalInstruction) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorMisalignedAddress) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorInvalidAddressSpace) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorInvalidPc) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorECCUncorrectable) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorContextIsDestroyed) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorUnknown) == ErrorSeverity::sticky);
static_assert(error_severity(cudaErrorMemoryAllocation) == ErrorSeverity::recoverable);
static_assert(error_severity(cudaErrorInvalidValue) == ErrorSeverity::recoverable);
static_assert(error_severity(cudaErrorStreamCaptureInvalidated) == ErrorSeverity::recoverable);
static_assert(error_severity(cudaErrorLaunchOutOfResources) == ErrorSeverity::recoverable);

/// "cudaMalloc(1073741824 bytes) failed: out of memory (cudaErrorMemoryAllocation)".
inline std::string cuda_error_text(cudaError_t err, const std::string& what) {
  return cuda_error_text(what, cudaGetErrorString(err), cudaGetErrorName(err));
}

/// Throws when `err` is not cudaSuccess: DeviceLost for a sticky error; otherwise the error is cleared
/// (so that the next case does not inherit it) and BackendError is thrown.
inline void check(cudaError_t err, const std::string& what) {
  if (err == cudaSuccess) return;
  throw_cuda_error(static_cast<int>(err), what, cudaGetErrorString(err), cudaGetErrorName(err),
                   [] { (void)cudaGetLastError(); });
}

/// After a kernel launch: launch-configuration errors are reported at once (not at the next sync).
inline void check_launch(const char* kernel) { check(cudaGetLastError(), std::string("launch of ") + kernel); }

/// After a library (thrust, cuDNN) reported a failure in its own terms: DeviceLost when the CUDA context
/// behind it is dead (the library's error then hides a sticky CUDA error); otherwise clears the last error.
inline void check_context_after_library_error(const std::string& what) {
  const cudaError_t err = cudaGetLastError();
  if (error_severity(static_cast<int>(err)) == ErrorSeverity::sticky) check(err, what);
}

}  // namespace actbench::cuda
