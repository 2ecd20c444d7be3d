// actbench/harness/session.hpp - runs a plan: Google Benchmark's filter and registration, the shard,
// progress and ETA, checkpoints, Ctrl-C, the summary, the exit code.
//
// The plan (harness/plan.hpp) says what to run; the session owns everything that happens while it runs.
// Nothing measured is lost: the report's name is claimed before the first case (a new file, never an
// existing one unless --force), checkpoints replace it atomically every 30 s (--checkpoint), an interrupt
// (SIGINT, SIGTERM) stops after the current case and writes what was measured, marked partial, and a
// report the destination cannot take at the end (a full disk) is written to $TMPDIR instead.
#pragma once

#include "harness/backend.hpp"
#include "harness/plan.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace actbench {

/// Bad input found while preparing the run (an empty selection, an existing --out without --force, an
/// unusable destination): one line, exit kExitUsage, nothing run.
struct SessionUsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Where the report goes.
struct Destination {
  std::string path;    ///< --out; empty: results/<host>-<device>-<date>[-K].json, a name no file has yet
  bool force = false;  ///< --force: replace an existing --out
};

struct SessionConfig {
  RunPlan plan;
  std::optional<Shard> shard;
  Destination destination;
  std::vector<std::string> argv;  ///< for the report's context
  double checkpoint_s = 30;       ///< seconds between the checkpoints that write the report while it runs
};

/// Runs `config.plan` on `backends` (one per device of the plan, in its order).  Google Benchmark must
/// have been initialised with the user's --benchmark_* flags.  Returns the process's exit code
/// (harness/exit_codes.hpp); throws SessionUsageError before anything runs when the input is unusable.
int run_session(const SessionConfig& config, const std::vector<std::unique_ptr<Backend>>& backends);

}  // namespace actbench
