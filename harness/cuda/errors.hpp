// actbench/harness/cuda/errors.hpp - what a failed CUDA call means for the rest of the run.
//
// No CUDA runtime call here (host tests include it with made-up codes): check.hpp passes in the error's
// name and text and the runtime's cudaGetLastError.
//   sticky       the context is corrupted (an illegal address in a kernel, a hardware exception, a
//                kernel assert, an uncorrectable ECC error ...): every later call in this process returns
//                the same error.  DeviceLost: the session stops and writes a partial report saying so.
//   recoverable  the call failed, the context is fine (out of memory, an invalid argument, a capture
//                that could not be instantiated ...).  The error is cleared (cudaGetLastError) so that
//                the next case does not inherit it; BackendError: this case is recorded as an error.
#pragma once

#include "harness/backend.hpp"

#include <string>

namespace actbench::cuda {

enum class ErrorSeverity { none, recoverable, sticky };

/// The severity of a cudaError_t value.  Sticky: the codes CUDA's runtime documentation describes as
/// leaving "the process in an inconsistent state" (any further CUDA work returns the same error),
/// plus an uncorrectable ECC error, a destroyed context, and cudaErrorUnknown (seen as the first
/// allocation's error where the device is not usable at all).  Numeric values, so that an older
/// toolkit's headers (without the newest names) build too.
constexpr ErrorSeverity error_severity(int code) {
  switch (code) {
    case 0: return ErrorSeverity::none;       // cudaSuccess
    case 214:                                 // cudaErrorECCUncorrectable
    case 226:                                 // cudaErrorContained
    case 700:                                 // cudaErrorIllegalAddress
    case 702:                                 // cudaErrorLaunchTimeout
    case 709:                                 // cudaErrorContextIsDestroyed
    case 710:                                 // cudaErrorAssert
    case 714:                                 // cudaErrorHardwareStackError
    case 715:                                 // cudaErrorIllegalInstruction
    case 716:                                 // cudaErrorMisalignedAddress
    case 717:                                 // cudaErrorInvalidAddressSpace
    case 718:                                 // cudaErrorInvalidPc
    case 719:                                 // cudaErrorLaunchFailure
    case 721:                                 // cudaErrorTensorMemoryLeak
    case 810:                                 // cudaErrorMpsClientTerminated
    case 911:                                 // cudaErrorExternalDevice
    case 999: return ErrorSeverity::sticky;   // cudaErrorUnknown
    default: return ErrorSeverity::recoverable;
  }
}

/// "cudaMalloc(1073741824 bytes) failed: out of memory (cudaErrorMemoryAllocation)".
inline std::string cuda_error_text(const std::string& what, const char* text, const char* name) {
  return what + " failed: " + (text ? text : "?") + " (" + (name ? name : "?") + ")";
}

/// Throws for a failed call (code != 0): DeviceLost when the error is sticky, else BackendError after
/// `clear_last_error()` (cudaGetLastError, which resets a recoverable error; a sticky one cannot be reset).
template <class Clear>
void throw_cuda_error(int code, const std::string& what, const char* text, const char* name, Clear&& clear_last_error) {
  const std::string message = cuda_error_text(what, text, name);
  if (error_severity(code) == ErrorSeverity::sticky)
    throw DeviceLost(message + "; the CUDA context is unusable, nothing more can run in this process");
  clear_last_error();
  throw BackendError(message);
}

}  // namespace actbench::cuda
