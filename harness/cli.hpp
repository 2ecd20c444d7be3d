// actbench/harness/cli.hpp - the command line: `actbench [run]`, `actbench list`, `actbench eval`.
#pragma once

#include "harness/backend.hpp"
#include "harness/exit_codes.hpp"

namespace actbench {

/// The whole program.  `cuda` is what a CUDA build plugs in (all null otherwise).  Never calls
/// exit(); every error becomes one line on stderr and an exit code.
int cli_main(int argc, char** argv, const CudaEntry& cuda);

}  // namespace actbench
