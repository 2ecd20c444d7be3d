// actbench/kernels/catalog.hpp - the axes of a measurement and the activation catalog.
//
// Names here are the names used everywhere: CLI, JSON, file names, plots.
#pragma once

#include <array>
#include <limits>
#include <optional>
#include <string_view>

namespace actbench {

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

/// precise: stable formulas, accurate math · fast: the same formulas on hardware
/// approximations · textbook: the naive formulas, kept to show what the check catches.
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

/// One settable parameter: its CLI key ("alpha"), the member it sets, default, domain.
struct ParamSpec {
  const char* key;
  ParamMember member;  ///< nullptr for prelu_channels (an integer, handled by name)
  const char* domain;      ///< human-readable domain, e.g. "> 0"
};

struct ActivationInfo {
  Activation id;
  const char* name;
  const char* formula;     ///< f(x), as a user reads it
  const char* derivative;  ///< f'(x)
  const char* stable;      ///< the stable form the precise variant uses
  const char* textbook;    ///< what the textbook variant computes
  std::array<ParamSpec, 2> params;  ///< up to two; unused entries have key == nullptr
  bool cudnn;             ///< cuDNN's legacy activation API has it
  double deriv_zero;      ///< a zero of f' in the interior where relative error explodes (NaN: none)
};

inline constexpr double kNoZero = std::numeric_limits<double>::quiet_NaN();

// clang-format off
inline constexpr std::array<ActivationInfo, kNumActivations> kCatalog = {{
  {Activation::relu, "relu", "max(x, 0)", "x > 0 ? 1 : 0",
   "comparison", "same as precise", {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, true, kNoZero},
  {Activation::relu6, "relu6", "min(max(x, 0), 6)", "0 < x < 6 ? 1 : 0",
   "comparisons", "same as precise", {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, true, kNoZero},
  {Activation::leaky_relu, "leaky_relu", "x > 0 ? x : alpha*x", "x > 0 ? 1 : alpha",
   "comparison, one multiply", "same as precise",
   {{{"alpha", &Params::leaky_relu_alpha, "finite"}, {nullptr, nullptr, ""}}}, false, kNoZero},
  {Activation::prelu, "prelu", "x > 0 ? x : alpha[c]*x, c = index % channels", "x > 0 ? 1 : alpha[c]",
   "comparison, one multiply", "same as precise",
   {{{"alpha", &Params::prelu_alpha, "finite"}, {"channels", nullptr, "integer >= 1"}}}, false, kNoZero},
  {Activation::elu, "elu", "x > 0 ? x : alpha*(exp(x)-1)", "x > 0 ? 1 : alpha*exp(x)",
   "alpha*expm1(x)", "alpha*(exp(x)-1); derivative y+alpha from the output",
   {{{"alpha", &Params::elu_alpha, "finite"}, {nullptr, nullptr, ""}}}, true, kNoZero},
  {Activation::selu, "selu", "scale*(x > 0 ? x : alpha*(exp(x)-1)), alpha=1.6732632, scale=1.0507010",
   "scale*(x > 0 ? 1 : alpha*exp(x))", "scale*alpha*expm1(x)", "scale*alpha*(exp(x)-1)",
   {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, false, kNoZero},
  {Activation::celu, "celu", "x > 0 ? x : alpha*(exp(x/alpha)-1)", "x > 0 ? 1 : exp(x/alpha)",
   "alpha*expm1(x/alpha)", "alpha*(exp(x/alpha)-1)",
   {{{"alpha", &Params::celu_alpha, "!= 0"}, {nullptr, nullptr, ""}}}, false, kNoZero},
  {Activation::softplus, "softplus", "log(1+exp(beta*x))/beta", "sigmoid(beta*x)",
   "(max(z,0)+log1p(exp(-|z|)))/beta, z=beta*x", "log(1+exp(beta*x))/beta; derivative exp(z)/(1+exp(z))",
   {{{"beta", &Params::softplus_beta, "> 0"}, {nullptr, nullptr, ""}}}, false, kNoZero},
  {Activation::sigmoid, "sigmoid", "1/(1+exp(-x))", "sigmoid(x)*(1-sigmoid(x))",
   "x>=0 ? 1/(1+e^-x) : e^x/(1+e^x); derivative e^-|x|/(1+e^-|x|)^2", "1/(1+exp(-x)); derivative y*(1-y)",
   {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, true, kNoZero},
  {Activation::hardsigmoid, "hardsigmoid", "clamp(x/6 + 1/2, 0, 1)", "-3 < x < 3 ? 1/6 : 0",
   "(clamp(x, -3, 3) + 3)/6", "x/6 + 0.5 clamped",
   {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, false, kNoZero},
  {Activation::tanh, "tanh", "tanh(x)", "1 - tanh(x)^2",
   "tanh(x); derivative 4t/(1+t)^2, t=exp(-2|x|)", "2*sigmoid(2x)-1; derivative 1-y^2",
   {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, true, kNoZero},
  {Activation::softsign, "softsign", "x/(1+|x|)", "1/(1+|x|)^2",
   "x/(1+|x|)", "same as precise", {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, false, kNoZero},
  {Activation::swish, "swish", "x*sigmoid(beta*x)  (beta=1: silu)",
   "s + beta*x*s*(1-s), s=sigmoid(beta*x)", "x*sigmoid(beta*x) with the stable sigmoid",
   "x/(1+exp(-beta*x))", {{{"beta", &Params::swish_beta, "> 0"}, {nullptr, nullptr, ""}}}, true,
   -1.2784645427610738},
  {Activation::hardswish, "hardswish", "x*clamp(x+3, 0, 6)/6", "x<-3 ? 0 : x>3 ? 1 : (2x+3)/6",
   "x*clamp(x+3,0,6)/6 without overflow; derivative (2x+3)/6", "x*(x+3)/6; derivative x/3+0.5",
   {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, false, -1.5},
  {Activation::gelu, "gelu", "x*Phi(x) = 0.5*x*(1+erf(x/sqrt2))", "Phi(x) + x*phi(x)",
   "0.5*x*erfc(-x/sqrt2)", "0.5*x*(1+erf(x/sqrt2))",
   {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, false, -0.7517915241229171},
  {Activation::gelu_tanh, "gelu_tanh", "0.5*x*(1+tanh(u)), u=sqrt(2/pi)*(x+0.044715*x^3)",
   "0.5*(1+tanh u) + 0.5*x*(1-tanh(u)^2)*du/dx", "x*sigmoid(2u)", "0.5*x*(1+tanh(u))",
   {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, false, -0.7522},
  {Activation::mish, "mish", "x*tanh(softplus(x))", "tanh(sp) + x*sigmoid(x)*(1-tanh(sp)^2)",
   "x*n/(n+2), n=e^x(e^x+2)", "x*tanh(log(1+exp(x)))",
   {{{nullptr, nullptr, ""}, {nullptr, nullptr, ""}}}, false, -1.1920928955078125},
}};
// clang-format on

constexpr const ActivationInfo& info(Activation a) { return kCatalog[static_cast<int>(a)]; }
inline const char* to_string(Activation a) { return info(a).name; }

inline std::optional<Activation> parse_activation(std::string_view s) {
  if (s == "silu") return Activation::swish;  // silu is swish with beta = 1
  for (const auto& i : kCatalog)
    if (s == i.name) return i.id;
  return std::nullopt;
}

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
