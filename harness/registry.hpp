// actbench/harness/registry.hpp - the cases: the cartesian product of the axes, filtered.
//
// One registry drives timing and accuracy: a case's accuracy key is the case without n, so
// every size of one (activation, direction, dtype, variant, impl, backend, device) shares one
// accuracy record, computed through the same launch path that is timed.
#pragma once

#include "kernels/axes.hpp"
#include "kernels/dtype.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace actbench {

struct Case {
  Activation activation = Activation::relu;
  Direction direction = Direction::fwd;
  DType dtype = DType::f32;
  Variant variant = Variant::precise;
  Impl impl = Impl::actbench;
  BackendKind backend = BackendKind::cpu;
  int device = 0;
  std::int64_t n = 0;

  /// "gelu/fwd/f16/precise/actbench/cpu:0/1048576" - for people and Google Benchmark only.
  std::string name() const;
  /// The nominal bytes of one launch: fwd/deriv 2·n·size, bwd 3·n·size (what an impl really moves:
  /// bytes_moved).
  std::int64_t bytes() const;
  /// Everything but n (the accuracy record is shared by all sizes).
  auto accuracy_key() const { return std::make_tuple(activation, direction, dtype, variant, impl, backend, device); }
};

/// The device-memory traffic of one launch of `c` as its impl runs it, each stream counted once, and how it
/// was counted (the report's `bytes` and `bytes_convention`).  fwd/deriv: x read + y written; bwd: x, dy
/// read + dx written; prelu bwd (with dalpha, as the runner launches it): + its reduction reads x and dy
/// again and zeroes and writes `prelu_channels` floats; cudnn bwd: + y read (cuDNN's backward takes x, y and
/// dy).  The one place these rules live.
struct BytesMoved {
  std::int64_t bytes = 0;
  std::string convention;
};
BytesMoved bytes_moved(const Case& c, std::int64_t prelu_channels);

/// What the user asked for (every list non-empty after defaults are applied).
struct Selection {
  std::vector<Activation> activations;
  std::vector<Direction> directions;
  std::vector<DType> dtypes;
  std::vector<Variant> variants;
  std::vector<Impl> impls;
  std::vector<std::int64_t> sizes;
};

/// Whether the case (a, d, t, v, impl) can exist on `backend` at all: the variant is distinct code for
/// (a, t) (kernels/catalog.hpp: variant_exists); cuDNN only for its activations, only fwd and bwd, only on
/// cuda, one math of its own reported under `precise`; thrust runs the precise functor only, since the
/// peer compares launch shapes, not math.  Combinations that exist but cannot run here are the backend's
/// business (skipped with a reason).  The one place these rules live.
bool combination_exists(Activation a, Direction d, DType t, Variant v, Impl impl, BackendKind backend);

/// The cases of `sel` on `backend` for each of `devices`, in a stable order
/// (device, dtype, n, activation, direction, variant, impl) so that buffers and the roofline
/// for one (dtype, n) are reused by consecutive cases.
std::vector<Case> make_cases(const Selection& sel, BackendKind backend, const std::vector<int>& devices);

/// The default suite (and the --quick subset) of a backend.
Selection default_selection(BackendKind backend, bool quick);

/// Parses "2^10:2^24:2" (powers of two from 2^10 to 2^24, exponent step 2), "1000,4096,2^20",
/// or a mix ("2^10:2^14:2,100003").  Throws std::invalid_argument with the offending part.
std::vector<std::int64_t> parse_sizes(std::string_view spec);

}  // namespace actbench
