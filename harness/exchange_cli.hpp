// actbench/harness/exchange_cli.hpp - the subcommands that exchange files with other implementations:
//   actbench inputs   writes the inputs actbench uses (harness/inputs_export.hpp)
//   actbench score    scores another implementation's outputs on them (harness/score.hpp)
// cli.cpp registers them; their options, checks and printing live here.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace actbench {

struct InputsArgs {
  std::string activation, direction = "fwd", dtype = "f32", accuracy = "sampled", range, x, dy;
  static constexpr std::int64_t kNotGiven = -1;
  std::int64_t n = kNotGiven;
  std::uint64_t seed = 20261127;
  bool raw = false;
};

struct ScoreArgs {
  std::string activation, direction = "fwd", dtype = "f32", x, y, dy, impl = "external", fragment;
  std::vector<std::string> params;
  bool json = false;
};

/// CLI11 2.1 reads "-1" or a number past 2^64 into an unsigned option without a word (as 2^64 - 1): this
/// validator refuses both (every seed option uses it).
extern const CLI::Validator kUint64;

CLI::App* add_inputs_command(CLI::App& app, InputsArgs& args);
CLI::App* add_score_command(CLI::App& app, ScoreArgs& args);

/// Run the subcommand: 0 when done; bad input (a name, a flag, a file) is one line on stderr and exit 2.
int run_inputs_command(const InputsArgs& args);
int run_score_command(const ScoreArgs& args);

}  // namespace actbench
