// actbench/harness/cli.hpp - the command line: `actbench [run]`, `actbench list`, `actbench eval`.
#pragma once

#include "harness/backend.hpp"

namespace actbench {

/// Exit codes.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailures = 1,     ///< ran, but a precise case failed its accuracy bound, or a case errored
  kExitUsage = 2,        ///< bad input: unknown name, flag or value
  kExitUnavailable = 3,  ///< asked for something this machine lacks (no GPU, no such device)
  kExitInterrupted = 130,
};

/// The whole program.  `cuda` is what a CUDA build plugs in (all null otherwise).  Never calls
/// exit(); every error becomes one line on stderr and an exit code.
int cli_main(int argc, char** argv, const CudaEntry& cuda);

}  // namespace actbench
