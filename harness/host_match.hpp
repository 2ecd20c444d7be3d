// actbench/harness/host_match.hpp - how closely a device's result must match the host running the same
// functor on the same input.  Used by the GPU tests (every kernel at awkward sizes and offsets) and by the
// runner's check of each timed launch's output (a strided sample of y).
//
// Host and device differ only where their math differs: libdevice vs libm, the SFU vs its host stand-ins,
// FMA contraction.  So:
//   bit-exact   relu, relu6, leaky_relu, prelu: comparisons and at most one multiply, the same IEEE
//               operations on both sides (every dtype, every variant; the sign of zero too);
//   precise     2 x accuracy_bound(precise) + 1 ulp, or 2 x its absolute term: each side is within the
//               bound of the true value;
//   fast        bound(fast) + bound(precise) + 1 ulp (the host's fast math is the precise math);
//   textbook    as precise, or 8 eps (1 + |x|)(1 + |dy|): the textbook formulas amplify a 1-ulp libm
//               difference where they cancel;
//   cudnn       64 ulp, or 64 eps (1 + |x|)(1 + |dy|): cuDNN's own math, its derivatives taken from its
//               rounded output (1 - y^2, y(1 - y)); this checks its plumbing, the report its accuracy.
// Whatever the tolerance: NaN matches NaN only, an infinity only itself, a zero only the zero of its sign.
#pragma once

#include "kernels/axes.hpp"
#include "kernels/dtype.hpp"

#include <cstdint>
#include <string>

namespace actbench {

struct HostMatch {
  bool bit_exact = false;
  double ulp = 0;         ///< within this many ulp of the host's result (distance in representable values)
  double abs = 0;         ///< or within this absolute difference
  double scaled_abs = 0;  ///< or within scaled_abs (1 + |x|)(1 + |dy|)
  std::string why;        ///< "bit-exact (...)", "2 x bound(precise) + 1 ulp = 5 ulp" ...
};

/// The tolerance of (activation, direction, dtype, variant) run by `impl`.
HostMatch host_match(Activation a, Direction d, DType t, Variant v, Impl impl, const Params& params = Params{});

/// Whether the device's `got` matches the host's `want` (bit patterns of dtype t) under `m`; x and dy (0
/// for fwd/deriv) scale `scaled_abs`.
bool matches_host(DType t, std::uint64_t got, std::uint64_t want, const HostMatch& m, std::uint64_t x,
                  std::uint64_t dy);

/// Distance of two finite bit patterns of dtype t in representable values (-0 and +0 at distance 0).
double ulp_distance(DType t, std::uint64_t a, std::uint64_t b);

}  // namespace actbench
