// The host's f16 <-> f32 conversions (kernels/dtype.hpp), branch-free so that the cpu backend's loops
// vectorize, against the plain algorithm they replaced (branches, a normalising loop): every f16 bit
// pattern, and f32 values on and next to every f16 rounding boundary, the special values, and a
// pseudo-random sweep of f32 bit patterns; and the device's bf16 widening from packed words.
#include "kernels/bits16.hpp"
#include "kernels/dtype.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace actbench {
namespace {

/// The reference: round to nearest even by the dropped bits, subnormals by an explicit shift.
std::uint16_t ref_f32_to_f16(float f) {
  const std::uint32_t u = bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t absu = u & 0x7fffffffu;
  if (absu > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u | ((absu >> 13) & 0x3ffu));
  if (absu >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (absu < 0x38800000u) {
    if (absu < 0x33000000u) return static_cast<std::uint16_t>(sign);
    const std::uint32_t exp = absu >> 23;
    const std::uint32_t mant = (absu & 0x7fffffu) | 0x800000u;
    const std::uint32_t shift = 126u - exp;
    std::uint32_t q = mant >> shift;
    const std::uint32_t rem = mant & ((1u << shift) - 1u);
    const std::uint32_t half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (q & 1u))) ++q;
    return static_cast<std::uint16_t>(sign | q);
  }
  std::uint32_t v = absu - 0x38000000u;
  const std::uint32_t rem = v & 0x1fffu;
  v >>= 13;
  if (rem > 0x1000u || (rem == 0x1000u && (v & 1u))) ++v;
  return static_cast<std::uint16_t>(sign | v);
}

/// The reference: exact, subnormals normalised by a loop, NaN payloads kept.
std::uint32_t ref_f16_to_f32_bits(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  if (exp == 0x1fu) return sign | 0x7f800000u | (mant << 13);
  if (exp != 0) return sign | ((exp + 112u) << 23) | (mant << 13);
  if (mant == 0) return sign;
  std::uint32_t e = 113u;
  while ((mant & 0x400u) == 0) {
    mant <<= 1;
    --e;
  }
  return sign | (e << 23) | ((mant & 0x3ffu) << 13);
}

TEST(DType, F16ToF32EveryBitPattern) {
  for (std::uint32_t h = 0; h < 0x10000u; ++h) {
    const auto b = static_cast<std::uint16_t>(h);
    ASSERT_EQ(bit_cast<std::uint32_t>(detail::f16_bits_to_f32(b)), ref_f16_to_f32_bits(b)) << std::hex << h;
  }
}

// The device kernel widens bf16 elements two at a time from 32-bit words (elementwise.cuh: bf16_lane): each lane
// of every word whose other half is a few patterns, bit for bit the element widened on its own.
TEST(DType, Bf16WordLanesAreTheElements) {
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const std::uint32_t want = bit_cast<std::uint32_t>(detail::bf16_bits_to_f32(static_cast<std::uint16_t>(b)));
    for (const std::uint32_t other : {0x0000u, 0x0001u, 0x8000u, 0x7fc0u, 0xffffu, b ^ 0x5a5au}) {
      ASSERT_EQ(bit_cast<std::uint32_t>(detail::bf16_word_lane(b | (other << 16), 0)), want) << std::hex << b;
      ASSERT_EQ(bit_cast<std::uint32_t>(detail::bf16_word_lane(other | (b << 16), 1)), want) << std::hex << b;
    }
  }
}

TEST(DType, F16RoundTripEveryBitPattern) {
  for (std::uint32_t h = 0; h < 0x10000u; ++h) {
    const auto b = static_cast<std::uint16_t>(h);
    const bool nan = (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0;
    // a NaN comes back quiet with its payload: h with the quiet bit set
    ASSERT_EQ(detail::f32_to_f16_bits(detail::f16_bits_to_f32(b)), nan ? (h | 0x200u) : h) << std::hex << h;
  }
}

TEST(DType, F32ToF16MatchesTheReference) {
  std::vector<std::uint32_t> us;
  // every f16 value (as f32) and the f32 values on and next to the midpoints between neighbours, both signs:
  // ties to even, the carries into the exponent and into inf, the subnormal range and its bottom
  for (std::uint32_t h = 0; h < 0x7c00u; ++h) {
    const std::uint32_t a = ref_f16_to_f32_bits(static_cast<std::uint16_t>(h));
    const std::uint32_t b = h + 1 < 0x7c00u ? ref_f16_to_f32_bits(static_cast<std::uint16_t>(h + 1)) : 0x47800000u;
    const std::uint32_t mid = bit_cast<std::uint32_t>(0.5f * (bit_cast<float>(a) + bit_cast<float>(b)));
    for (std::uint32_t u : {a, a + 1, mid - 1, mid, mid + 1, b - 1}) us.push_back(u);
  }
  // below the smallest subnormal's half, 2^-25 itself, and the top of f32
  for (std::uint32_t u : {0x00000000u, 0x00000001u, 0x007fffffu, 0x00800000u, 0x32ffffffu, 0x33000000u, 0x33000001u,
                          0x477fefffu, 0x477ff000u, 0x477ff001u, 0x7f7fffffu, 0x7f800000u})
    us.push_back(u);
  // NaNs: quiet and signalling, payloads in the kept and in the dropped bits
  for (std::uint32_t u : {0x7f800001u, 0x7fc00000u, 0x7fffffffu, 0x7fa00000u, 0x7f802000u, 0x7f801fffu, 0x7fe01234u})
    us.push_back(u);
  // a pseudo-random sweep of bit patterns (a fixed LCG)
  std::uint32_t r = 12345u;
  for (int k = 0; k < (1 << 22); ++k) {
    r = r * 1664525u + 1013904223u;
    us.push_back(r & 0x7fffffffu);
  }
  for (std::uint32_t u : us) {
    for (std::uint32_t s : {0u, 0x80000000u}) {
      const float f = bit_cast<float>(u | s);
      ASSERT_EQ(detail::f32_to_f16_bits(f), ref_f32_to_f16(f)) << std::hex << (u | s);
    }
  }
}

// Bits16 (kernels/bits16.hpp), the compute type of relu and relu6 on 16-bit data: its comparisons are the float
// comparisons of the values, for every value a against a grid of b (zeros, +-1, 6, subnormals, the extremes,
// infinities, NaNs of either sign, and a sweep), and its product by +-0, +-1 and NaN is the float product rounded
// back (a NaN for a NaN, quiet).
template <class S>
void check_bits16() {
  using B = Bits16<S>;
  using tr = dtype_traits<S>;
  const auto value = [](std::uint32_t b) { return tr::to_compute(S{static_cast<std::uint16_t>(b)}); };
  std::vector<std::uint32_t> grid = {0, 0x8000, B(1).bits, B(-1).bits, B(6).bits, B(-6).bits, 1, 0x8001,
                                     B::kInf - 1, 0xffffu & (B::kInf - 1 + 0x8000), B::kInf, B::kInf | 0x8000u,
                                     B::kInf | 1, B::kInf | B::kQuiet | 0x8000u};
  for (std::uint32_t b = 7; grid.size() < 64; b = (b * 40503u + 2531u) & 0xffff) grid.push_back(b);
  for (std::uint32_t b : grid)
    for (std::uint32_t a = 0; a < 65536; ++a) {
      const float fa = value(a), fb = value(b);
      const B ba = B::of(static_cast<std::uint16_t>(a)), bb = B::of(static_cast<std::uint16_t>(b));
      ASSERT_EQ(ba > bb, fa > fb) << std::hex << a << " > " << b;
      ASSERT_EQ(ba < bb, fa < fb) << std::hex << a << " < " << b;
      ASSERT_EQ(ba >= bb, fa >= fb) << std::hex << a << " >= " << b;
      ASSERT_EQ(ba <= bb, fa <= fb) << std::hex << a << " <= " << b;
      ASSERT_EQ(ba == bb, fa == fb) << std::hex << a << " == " << b;
      ASSERT_EQ(ba != bb, fa != fb) << std::hex << a << " != " << b;
    }
  const std::uint32_t factors[] = {0u, 0x8000u, B(1).bits, B(-1).bits, B::kInf + 1u, 0x8000u | B::kInf | B::kQuiet};
  for (std::uint32_t b : factors)
    for (std::uint32_t a = 0; a < 65536; ++a) {
      const std::uint16_t got = (B::of(static_cast<std::uint16_t>(a)) * B::of(static_cast<std::uint16_t>(b))).bits;
      const std::uint16_t want = tr::from_compute(value(a) * value(b)).bits;
      if (std::isnan(value(want))) {
        ASSERT_TRUE(B::nan(got) && (got & B::kQuiet)) << std::hex << a << " * " << b;
      } else {
        ASSERT_EQ(got, want) << std::hex << a << " * " << b;
      }
    }
}

// The layout Bits16 derives from dtype_traits' precision.
static_assert(Bits16<f16_t>::kInf == 0x7c00 && Bits16<bf16_t>::kInf == 0x7f80, "infinity");
static_assert(Bits16<f16_t>::kQuiet == 0x0200 && Bits16<bf16_t>::kQuiet == 0x0040, "the quiet bit");

// greater() with both sides constants (the compile-time evaluation, where ACTBENCH_IF_KNOWN's constant test holds,
// as it does in the loops for a functor's constant): -3 against values below, at and above it, the zeros of both
// signs, +-inf, on either side of the comparison.  The runtime grid above runs the general rules.
constexpr bool f16_greater(std::uint16_t a, std::uint16_t b) { return Bits16<f16_t>::greater(a, b); }
constexpr std::uint16_t kM3 = 0xc200, kM4 = 0xc400, kM2 = 0xc000, kP3 = 0x4200, kPz = 0x0000, kNz = 0x8000;
static_assert(f16_greater(kM2, kM3) && !f16_greater(kM3, kM3) && !f16_greater(kM4, kM3) && f16_greater(kPz, kM3) &&
                  f16_greater(kNz, kM3) && f16_greater(kP3, kM3) && !f16_greater(0xfc00, kM3) &&
                  f16_greater(0x7c00, kM3),
              "x > -3");
static_assert(f16_greater(kM3, kM4) && !f16_greater(kM3, kM3) && !f16_greater(kM3, kM2) && !f16_greater(kM3, kPz) &&
                  !f16_greater(kM3, kNz) && !f16_greater(kM3, kP3) && f16_greater(kM3, 0xfc00) &&
                  !f16_greater(kM3, 0x7c00),
              "-3 > x");
static_assert(!f16_greater(kNz, kPz) && !f16_greater(kPz, kNz) && !f16_greater(kNz, kNz) && f16_greater(kNz, kM3) &&
                  !f16_greater(kNz, 0x0001) && f16_greater(0x0001, kNz) && f16_greater(kPz, 0x8001),
              "the zeros");

TEST(Bits16, ComparisonsAndProductsAreTheFloatOnes) {
  check_bits16<f16_t>();
  check_bits16<bf16_t>();
}

}  // namespace
}  // namespace actbench
