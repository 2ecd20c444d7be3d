// actbench/harness/exit_codes.hpp - what the process's exit status means (README lists them).
#pragma once

namespace actbench {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailures = 1,     ///< ran; one of actbench's own kernels (impl actbench or thrust) failed: a precise case
                         ///< outside its bound, or a timed launch whose output does not match the host
  kExitUsage = 2,        ///< bad input: unknown name, flag or value, an empty selection, an unusable --out
  kExitUnavailable = 3,  ///< asked for something this machine lacks (no GPU, no such device)
  kExitErrors = 4,       ///< cases failed with an error (a CUDA error, ...) or the device was lost: see not_run
  kExitInterrupted = 130,
};

}  // namespace actbench
