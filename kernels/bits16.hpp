// actbench/kernels/bits16.hpp - a 16-bit float held as its storage bits, as a compute type.
//
// Some functors only ever select: every result of f is the input, a small integer constant or NaN, and every
// value of f' is 0, 1 or NaN (relu, relu6; they say so with `static constexpr bool selects_only = true`).
// Instantiated with C = Bits16<S>, their own fwd / deriv code then runs on 16-bit data as it is stored:
// IEEE comparisons done on the bits, integer constants exact, and the products dy * f'(x) of bwd done exactly for
// the factors such a derivative has.  The results are the bits the f32 path gives (widen, compute in float, round
// back), NaNs returned quiet as that path returns them (bwd: a NaN where that path gives one, with x86's default
// NaN's sign and payload); tests/host/test_cpu_backend.cpp checks all 2^16 inputs of fwd and f', and bwd over a
// grid of dy.  The contract is the functor's: an f' with another value (6, say) would make operator* wrong.  On
// the cpu a 16-bit relu then moves 16 elements per AVX2 vector with no conversion at all, where the f32 path
// widened, computed and rounded back 8 at a time.
#pragma once

#include "config.hpp"
#include "dtype.hpp"

#include <cstdint>
#include <type_traits>

namespace actbench {

/// Whether F declares `static constexpr bool selects_only = true` (see above).
template <class F, class = void>
struct selects_only : std::false_type {};
template <class F>
struct selects_only<F, std::void_t<decltype(F::selects_only)>> : std::integral_constant<bool, F::selects_only> {};

/// Whether F declares `static constexpr bool deriv_selects_only = true`: its f' alone selects, among NaN, small
/// integers and one other value (leaky_relu's and prelu's slope; hardsigmoid's 1/6), and F provides
/// `template <class B> auto on_bits() const`: an object with F's f' alone (detail::DerivOnBits in activations.hpp)
/// holding that value as B = Bits16<S>, rounded as the f32 path rounds its result (Bits16::rounded).  Its f' then
/// runs on the bits; its fwd and bwd multiply by the value and keep the float path.
template <class F, class = void>
struct deriv_selects_only : std::false_type {};
template <class F>
struct deriv_selects_only<F, std::void_t<decltype(F::deriv_selects_only)>>
    : std::integral_constant<bool, F::deriv_selects_only> {};

/// A value of the 16-bit type S (f16_t or bf16_t) as its bits.
template <class S>
struct Bits16 {
  static_assert(std::is_same<S, f16_t>::value || std::is_same<S, bf16_t>::value, "16-bit float storage only");
  // The layout, from dtype_traits' precision: 1 sign bit, the exponent, kMantissa stored significand bits.
  static constexpr int kMantissa = dtype_traits<S>::precision - 1;
  static constexpr int kExponentBits = 15 - kMantissa;
  static constexpr int kBias = (1 << (kExponentBits - 1)) - 1;
  static constexpr std::uint16_t kInf = static_cast<std::uint16_t>(((1u << kExponentBits) - 1) << kMantissa);
  static constexpr std::uint16_t kQuiet = static_cast<std::uint16_t>(1u << (kMantissa - 1));
  static constexpr std::uint16_t kSign = 0x8000;

  std::uint16_t bits;

  ACTBENCH_HOT static constexpr Bits16 of(std::uint16_t b) { return Bits16(Raw{}, b); }
  /// The integer v as S, exactly: the f32 path's C(v), which compares and rounds back to the same value.  |v| of
  /// 2^11 (f16) or 2^8 (bf16) and more is refused, even where S holds it (2048): it gives NaN, every comparison
  /// with it fails, and a functor written with one shows up in the tests rather than comparing against a rounded
  /// constant.  constexpr: the loops see a constant (a rounding call left in bf16's loop kept it from vectorizing).
  ACTBENCH_HOT constexpr explicit Bits16(int v) : bits(bits_of(v)) {}
  Bits16(float) = delete;
  Bits16(double) = delete;
  /// v as S, for a v that S holds exactly as a normal number (a constant range's bound); any other v (a zero too,
  /// whose sign a constant expression cannot read) gives NaN, as Bits16(int) does, which a caller's
  /// static_assert(!nan(...)) refuses at compile time.
  static constexpr Bits16 exactly(float v) {
    const auto sign = static_cast<std::uint16_t>(v < 0.0f ? kSign : 0);
    float m = v < 0.0f ? -v : v;
    if (!(m > 0.0f && m <= 0x1.fffffep127f)) return of(static_cast<std::uint16_t>(kInf | kQuiet));  // 0, inf, NaN
    int e = 0;
    for (; m >= 2.0f; m *= 0.5f) ++e;  // exact scalings: at most 127 steps up, 149 down
    for (; m < 1.0f; m *= 2.0f) --e;
    const float f = (m - 1.0f) * static_cast<float>(1u << kMantissa);
    const auto fi = static_cast<unsigned>(f);
    if (static_cast<float>(fi) != f || e + kBias <= 0 || e + kBias >= 2 * kBias + 1)
      return of(static_cast<std::uint16_t>(kInf | kQuiet));
    return of(static_cast<std::uint16_t>(sign | static_cast<unsigned>(e + kBias) << kMantissa | fi));
  }
  /// v rounded to S as the f32 path rounds a float result back to S (dtype_traits<S>::from_compute): a parameter
  /// that a deriv_selects_only functor's f' returns.  Not for the loops: a functor's on_bits() rounds once.
  static Bits16 rounded(float v) { return of(dtype_traits<S>::from_compute(v).bits); }

 private:
  struct Raw {};
  ACTBENCH_HOT constexpr Bits16(Raw, std::uint16_t b) : bits(b) {}
  static constexpr int floor_log2(unsigned m) {  // m >= 1; no loop: GCC folds a constant through it in the loops
    int e = 0;
    e += (m >> e) >= (1u << 16) ? 16 : 0;
    e += (m >> e) >= (1u << 8) ? 8 : 0;
    e += (m >> e) >= (1u << 4) ? 4 : 0;
    e += (m >> e) >= (1u << 2) ? 2 : 0;
    e += (m >> e) >= (1u << 1) ? 1 : 0;
    return e;
  }
  static constexpr std::uint16_t bits_of(int v) {
    const auto sign = static_cast<std::uint16_t>(v < 0 ? kSign : 0);
    const unsigned m = v < 0 ? 0u - static_cast<unsigned>(v) : static_cast<unsigned>(v);
    if (m == 0) return sign;
    const int e = floor_log2(m);
    if (e > kMantissa) return static_cast<std::uint16_t>(kInf | kQuiet);
    return static_cast<std::uint16_t>(sign | static_cast<unsigned>(e + kBias) << kMantissa |
                                      (m - (1u << e)) << (kMantissa - e));
  }

 public:
  /// The bits as a signed integer (the sign bit is its sign), and the magnitude (the bits without the sign): a
  /// non-negative integer whose order is the order of |value| for non-NaN values.
  ACTBENCH_HOT static constexpr std::int16_t signed_of(std::uint16_t b) { return static_cast<std::int16_t>(b); }
  ACTBENCH_HOT static constexpr std::int16_t mag(std::uint16_t b) { return static_cast<std::int16_t>(b & 0x7fff); }
  ACTBENCH_HOT static constexpr bool nan(std::uint16_t b) { return mag(b) > static_cast<std::int16_t>(kInf); }
  /// a > b for non-NaN a, b, with -0 == +0.  Each rule below holds for every value of the other side, so that a
  /// constant on either side (a functor's 0, 6 or -3) folds the test to one integer compare:
  ///   a > +0 or b >= +0: the signed order of the bits is the order (every negative, -0 included, is below +0's
  ///     bits as a signed integer);
  ///   b < -0, or a <= -0 (its sign bit set): the unsigned order is the reverse (the non-negatives lie below 0x8000,
  ///     the negatives above it by magnitude), taken where that side is a constant;
  ///   otherwise a <= +0 and b <= -0: a with its sign bit set (+0 taken as -0) is above b if its bits are below.
  ACTBENCH_HOT static constexpr bool greater(std::uint16_t a, std::uint16_t b) {
    // a constant b < -0 (hardsigmoid's x > -3) or a constant a <= -0 (x < -3; no functor on the bits yet)
    if (ACTBENCH_IF_KNOWN(b > kSign) || ACTBENCH_IF_KNOWN(a >= kSign)) return a < b;
    if (signed_of(a) > 0 || signed_of(b) >= 0) return signed_of(a) > signed_of(b);
    return (a | kSign) < b;
  }
  /// a == b for non-NaN a, b.
  ACTBENCH_HOT static constexpr bool equal(std::uint16_t a, std::uint16_t b) {
    return a == b || (mag(a) | mag(b)) == 0;
  }

  // IEEE comparisons: false when either side is NaN (!= true).
  ACTBENCH_HOT friend bool operator>(Bits16 a, Bits16 b) {
    return !nan(a.bits) && !nan(b.bits) && greater(a.bits, b.bits);
  }
  ACTBENCH_HOT friend bool operator<(Bits16 a, Bits16 b) { return b > a; }
  ACTBENCH_HOT friend bool operator>=(Bits16 a, Bits16 b) {
    return !nan(a.bits) && !nan(b.bits) && !greater(b.bits, a.bits);
  }
  ACTBENCH_HOT friend bool operator<=(Bits16 a, Bits16 b) { return b >= a; }
  ACTBENCH_HOT friend bool operator==(Bits16 a, Bits16 b) {
    return !nan(a.bits) && !nan(b.bits) && equal(a.bits, b.bits);
  }
  ACTBENCH_HOT friend bool operator!=(Bits16 a, Bits16 b) { return !(a == b); }

  /// a * b where b is +-0, +-1 or NaN (the values of a selecting functor's f'): exact, as the f32 product is,
  /// and NaN where it is (a NaN factor, inf * 0), as the quiet NaN with the sign bit (x86's default NaN; the f32
  /// path's NaN results may carry a factor's payload instead).  Not a product for any other b.
  ACTBENCH_HOT friend Bits16 operator*(Bits16 a, Bits16 b) {
    const bool b_zero = mag(b.bits) == 0;
    const std::uint16_t r = static_cast<std::uint16_t>((a.bits ^ (b.bits & kSign)) & (b_zero ? kSign : 0xffff));
    const std::int16_t nan_above = static_cast<std::int16_t>(kInf - static_cast<std::int16_t>(b_zero));
    const bool r_nan = nan(b.bits) || mag(a.bits) > nan_above;
    return of(r_nan ? static_cast<std::uint16_t>(kSign | kInf | kQuiet) : r);
  }

  /// The bits to store for r, the result of a selecting functor at x: NaN made quiet, as the f32 path's rounding
  /// back returns it, for a functor that returns its input where that is NaN (IEEE's propagation; every other
  /// result is an integer constant or a parameter's stored bits, already quiet): x quieted where x is NaN, r
  /// elsewhere.  The NaN test is then x's, which the functor made already; a test of r (a stored() of the result,
  /// removed) took relu's and relu6's f and f' loops to 15-21 instructions per 32 elements, 11-17 without (objdump
  /// of the cpu backend's build; results/cpu-inregister/stored/).
  ACTBENCH_HOT static std::uint16_t stored_at(Bits16 x, Bits16 r) {
    return nan(x.bits) ? static_cast<std::uint16_t>(x.bits | kQuiet) : r.bits;
  }
};

}  // namespace actbench
