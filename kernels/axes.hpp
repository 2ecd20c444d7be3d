// actbench/kernels/axes.hpp - the axes of a measurement, the activation parameters, and the shape of
// one activation's catalog row.
//
// Names here are the names used everywhere: CLI, JSON, file names, plots.  The rows themselves sit
// next to their functors (kernels/activations.hpp); kernels/catalog.hpp folds them into the catalog.
#pragma once

#include <array>
#include <limits>
#include <optional>
#include <string_view>

namespace actbench {

/// The runtime tag of an activation; its position is the index of its row in kernels/catalog.hpp's
/// type list (a static_assert there keeps the two in step).
enum class Activation {
  relu,
  relu6,
  leaky_relu,
  prelu,
  elu,
  selu,
  celu,
  softplus,
  sigmoid,
  hardsigmoid,
  tanh,
  softsign,
  swish,
  hardswish,
  gelu,
  gelu_tanh,
  mish,
};
inline constexpr int kNumActivations = 17;

/// fwd: y = f(x) · deriv: f'(x) · bwd: dx = dy·f'(x)
enum class Direction { fwd, deriv, bwd };
inline constexpr Direction kAllDirections[] = {Direction::fwd, Direction::deriv, Direction::bwd};

/// precise: stable formulas, accurate math · fast: the same formulas on hardware approximations
/// (f32 data only) · textbook: the naive formulas, kept to show what the accuracy check catches.
enum class Variant { precise, fast, textbook };
inline constexpr Variant kAllVariants[] = {Variant::precise, Variant::fast, Variant::textbook};

/// Whose code computes it: our kernel, thrust::transform with the same functor, cuDNN.
enum class Impl { actbench, thrust, cudnn };
inline constexpr Impl kAllImpls[] = {Impl::actbench, Impl::thrust, Impl::cudnn};

/// Where it runs.
enum class BackendKind { cpu, cuda };

/// Activation parameters, PyTorch's defaults.  Each is used by the activations named.
struct Params {
  double leaky_relu_alpha = 0.01;  ///< leaky_relu negative slope
  double prelu_alpha = 0.25;       ///< prelu: initial slope of every channel
  long prelu_channels = 64;        ///< prelu: C of the [N, C] layout (channel = index % C)
  double elu_alpha = 1.0;          ///< elu alpha
  double celu_alpha = 1.0;         ///< celu alpha (non-zero)
  double softplus_beta = 1.0;      ///< softplus beta (> 0)
  double swish_beta = 1.0;         ///< swish beta (> 0); beta = 1 is silu
};

/// Pointer to a double member of Params.
using ParamMember = double Params::*;

/// What values a parameter may take.
enum class Domain { finite, positive, nonzero, count };

/// One settable parameter: its CLI key ("alpha"), the member it sets, its domain.
struct ParamSpec {
  const char* key = nullptr;
  ParamMember member = nullptr;  ///< nullptr for prelu_channels (an integer, Domain::count)
  Domain domain = Domain::finite;
};

inline const char* to_string(Domain d) {
  switch (d) {
    case Domain::finite: return "finite";
    case Domain::positive: return "> 0";
    case Domain::nonzero: return "!= 0";
    case Domain::count: return "integer >= 1";
  }
  return "?";
}

inline constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

/// The inputs of the accuracy bounds (harness/bounds.cpp) that differ between activations.
struct BoundInputs {
  /// f64 precise: the maximum measured on the host against the long-double reference, rounded up,
  /// plus what CUDA's double functions may add over glibc's (fwd and deriv; bwd derives from deriv).
  double f64_ulp = 3.0;
  /// fast (f32 data): the worst relative error of the intrinsics this function uses, in f32 ulps
  /// (fwd, deriv), from CUDA's documented errors; 0 where fast uses no approximation.
  double fast_rel_ulp_fwd = 0, fast_rel_ulp_deriv = 0;
  /// An absolute allowance next to an interior zero of f', where a dtype's formula cannot keep the
  /// relative error small (0: none).  Only where a parameter moves the zero or a dtype has no
  /// expansion there; harness/bounds.cpp states why for each.
  double zero_abs_f16 = 0, zero_abs_f32 = 0, zero_abs_f64 = 0;
};

/// One activation's catalog row: everything the harness, the tests and the tools need to know about it
/// besides its code.  Lives beside the functor (kernels/activations.hpp).
struct ActivationInfo {
  Activation id;
  const char* name;
  const char* alias;       ///< another accepted name (silu), or nullptr
  const char* formula;     ///< f(x), as a user reads it
  const char* derivative;  ///< f'(x)
  const char* stable;      ///< what the precise variant computes
  const char* textbook;    ///< what the textbook variant computes; nullptr when it has none
  std::array<ParamSpec, 2> params;  ///< up to two; unused entries have key == nullptr
  bool cudnn;       ///< cuDNN's legacy activation API has it
  bool has_fast;    ///< a fast variant that differs from precise exists (f32 data)
  std::array<double, 2> kinks;  ///< points where f or f' is not smooth (kNone: unused)
  double deriv_zero;            ///< an interior zero of f' (kNone: none)
  BoundInputs bounds;
};

inline const char* to_string(Direction d) {
  switch (d) {
    case Direction::fwd: return "fwd";
    case Direction::deriv: return "deriv";
    case Direction::bwd: return "bwd";
  }
  return "?";
}
inline std::optional<Direction> parse_direction(std::string_view s) {
  for (Direction d : kAllDirections)
    if (s == to_string(d)) return d;
  return std::nullopt;
}

inline const char* to_string(Variant v) {
  switch (v) {
    case Variant::precise: return "precise";
    case Variant::fast: return "fast";
    case Variant::textbook: return "textbook";
  }
  return "?";
}
inline std::optional<Variant> parse_variant(std::string_view s) {
  for (Variant v : kAllVariants)
    if (s == to_string(v)) return v;
  return std::nullopt;
}

inline const char* to_string(Impl i) {
  switch (i) {
    case Impl::actbench: return "actbench";
    case Impl::thrust: return "thrust";
    case Impl::cudnn: return "cudnn";
  }
  return "?";
}
inline std::optional<Impl> parse_impl(std::string_view s) {
  for (Impl i : kAllImpls)
    if (s == to_string(i)) return i;
  return std::nullopt;
}

inline const char* to_string(BackendKind b) { return b == BackendKind::cpu ? "cpu" : "cuda"; }
inline std::optional<BackendKind> parse_backend(std::string_view s) {
  if (s == "cpu") return BackendKind::cpu;
  if (s == "cuda") return BackendKind::cuda;
  return std::nullopt;
}

}  // namespace actbench
