// actbench/harness/params.hpp - setting activation parameters from "key=value" strings.
#pragma once

#include "kernels/axes.hpp"

#include <string_view>
#include <vector>

namespace actbench {

/// Applies "key=value" to `p`.  key is a parameter name ("alpha", "beta", "channels"), which sets
/// it for every activation in `selected` that has it, or "activation.key" ("leaky_relu.alpha").
/// Throws std::invalid_argument naming the valid keys, or the domain a value falls outside
/// (a negative beta, celu's alpha = 0, a non-integer channel count, a non-finite value).
void apply_param(Params& p, std::string_view assignment, const std::vector<Activation>& selected);

/// Checks every parameter of `p` against its domain (throws std::invalid_argument).
void validate_params(const Params& p);

/// The slopes of prelu's channels as actbench sets them: channel c gets alpha*(1 + c/C), so that a kernel
/// reading the wrong channel shows up in the accuracy check (PyTorch initialises every channel to alpha).
std::vector<float> prelu_slopes(const Params& p);

}  // namespace actbench
