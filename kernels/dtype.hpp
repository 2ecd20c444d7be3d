// actbench/kernels/dtype.hpp - element types and their traits.
//
// f16 and bf16 are stored as their 16-bit patterns (no CUDA header needed, so the
// same code builds in a host-only test).  16-bit types load and store 16 bits and
// compute in f32, rounding once (round to nearest, ties to even) on the way out.
#pragma once

#include "config.hpp"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#if defined(__CUDACC__)
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

namespace actbench {

/// Bit-exact reinterpretation (std::bit_cast is C++20).
template <class To, class From>
ACTBENCH_HD To bit_cast(const From& from) {
  static_assert(sizeof(To) == sizeof(From), "bit_cast needs equal sizes");
  To to;
  std::memcpy(&to, &from, sizeof(To));
  return to;
}

/// IEEE binary16 storage.
struct f16_t {
  std::uint16_t bits;
};
/// bfloat16 storage (the upper half of an f32).
struct bf16_t {
  std::uint16_t bits;
};

namespace detail {

/// c ? a : b for bit patterns, without a branch (the host's conversions below: a loop over them vectorizes).
ACTBENCH_HD std::uint32_t blend_bits(bool c, std::uint32_t a, std::uint32_t b) {
  const std::uint32_t m = 0u - static_cast<std::uint32_t>(c);
  return (a & m) | (b & ~m);
}

/// f32 -> f16 bits, round to nearest even, overflow to inf, subnormals kept, NaN kept quiet
/// (sign | 0x7e00 | the payload's top 10 bits).  On the host every case is computed and one selected: no
/// branch, so that the cpu backend's loops over f16 data vectorize (GCC 12 does not vectorize _Float16 or
/// F16C conversions without AVX512-FP16); tests/host/test_dtype.cpp checks it against the plain algorithm.
ACTBENCH_HD std::uint16_t f32_to_f16_bits(float f) {
#if ACTBENCH_DEVICE_PASS
  return __half_as_ushort(__float2half_rn(f));
#else
  const std::uint32_t u = bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t absu = u & 0x7fffffffu;
  const std::uint32_t nan = 0x7e00u | ((absu >> 13) & 0x3ffu);
  // normal f16 (|f| >= 2^-14): rebias the exponent 127 -> 15 and round the 13 dropped bits to nearest even
  // (a carry may reach the exponent, and from 65520 on, inf)
  const std::uint32_t normal = (absu - 0x38000000u + 0xfffu + ((absu >> 13) & 1u)) >> 13;
  // subnormal f16 (|f| < 2^-14): 0.5 + |f| has ulp 2^-24, the f16 subnormal's, so the addition rounds |f| to
  // it (to nearest even) and the low bits are the result (0x400 where it rounds up to 2^-14)
  const std::uint32_t sub = bit_cast<std::uint32_t>(bit_cast<float>(absu) + 0.5f) - 0x3f000000u;
  std::uint32_t h = blend_bits(absu < 0x38800000u, sub, normal);
  h = blend_bits(absu >= 0x477ff000u, 0x7c00u, h);  // rounds to >= 65520: inf
  h = blend_bits(absu > 0x7f800000u, nan, h);
  return static_cast<std::uint16_t>(sign | h);
#endif
}

/// f16 bits -> f32, exact (NaN payloads kept).  Branch-free on the host, as f32_to_f16_bits.
ACTBENCH_HD float f16_bits_to_f32(std::uint16_t h) {
#if ACTBENCH_DEVICE_PASS
  return __half2float(__ushort_as_half(h));
#else
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t em = static_cast<std::uint32_t>(h & 0x7fffu) << 13;  // exponent and mantissa, f32 place
  const std::uint32_t exp = em & 0x0f800000u;
  // normal: rebias the exponent 15 -> 127; inf and NaN: exponent 255, the mantissa (payload) kept
  const std::uint32_t normal = em + (112u << 23);
  const std::uint32_t infnan = em + (224u << 23);
  // zero and subnormal (mantissa m): 2^-14 (1 + m/1024) - 2^-14 = m 2^-24, exact
  const std::uint32_t sub = bit_cast<std::uint32_t>(bit_cast<float>(em + (113u << 23)) - 0x1p-14f);
  const std::uint32_t u = blend_bits(exp == 0x0f800000u, infnan, blend_bits(exp == 0u, sub, normal));
  return bit_cast<float>(sign | u);
#endif
}

/// f32 -> bf16 bits, round to nearest even, NaN kept quiet.
ACTBENCH_HD std::uint16_t f32_to_bf16_bits(float f) {
#if ACTBENCH_DEVICE_PASS
  return __bfloat16_as_ushort(__float2bfloat16_rn(f));
#else
  const std::uint32_t u = bit_cast<std::uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
  const std::uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>((u + rounding) >> 16);
#endif
}

ACTBENCH_HD float bf16_bits_to_f32(std::uint16_t b) {
  return bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

/// Lane k of two bf16 values packed in a 32-bit word (k = 0: the low half, the element at the lower address) as a
/// float: a shift, or for k = 1 a mask, one instruction each (elementwise.cuh; widened from 16-bit halves, the
/// high one took a PRMT and a shift on sm_90).
ACTBENCH_HD float bf16_word_lane(std::uint32_t w, int k) {
  return bit_cast<float>(k == 0 ? w << 16 : w & 0xffff0000u);
}

}  // namespace detail

/// Runtime tag of an element type; codes ("f32", "bf16", ...) are used everywhere.
enum class DType { f32, f16, bf16, f64 };
inline constexpr DType kAllDTypes[] = {DType::f32, DType::f16, DType::bf16, DType::f64};

/// Compile-time facts about a storage type T.
///  compute_t      the type the math runs in (f32 for 16-bit types)
///  bits_t         unsigned integer of the same width (for bit patterns)
///  precision      significand bits p (including the implicit one)
///  emin           exponent of the smallest normal number
template <class T>
struct dtype_traits;

template <>
struct dtype_traits<float> {
  using compute_t = float;
  using bits_t = std::uint32_t;
  static constexpr DType dtype = DType::f32;
  static constexpr const char* code = "f32";
  static constexpr int precision = 24;
  static constexpr int emin = -126;
  static ACTBENCH_HD compute_t to_compute(float x) { return x; }
  static ACTBENCH_HD float from_compute(compute_t x) { return x; }
};

template <>
struct dtype_traits<double> {
  using compute_t = double;
  using bits_t = std::uint64_t;
  static constexpr DType dtype = DType::f64;
  static constexpr const char* code = "f64";
  static constexpr int precision = 53;
  static constexpr int emin = -1022;
  static ACTBENCH_HD compute_t to_compute(double x) { return x; }
  static ACTBENCH_HD double from_compute(compute_t x) { return x; }
};

template <>
struct dtype_traits<f16_t> {
  using compute_t = float;
  using bits_t = std::uint16_t;
  static constexpr DType dtype = DType::f16;
  static constexpr const char* code = "f16";
  static constexpr int precision = 11;
  static constexpr int emin = -14;
  static ACTBENCH_HD compute_t to_compute(f16_t x) { return detail::f16_bits_to_f32(x.bits); }
  static ACTBENCH_HD f16_t from_compute(compute_t x) { return f16_t{detail::f32_to_f16_bits(x)}; }
};

template <>
struct dtype_traits<bf16_t> {
  using compute_t = float;
  using bits_t = std::uint16_t;
  static constexpr DType dtype = DType::bf16;
  static constexpr const char* code = "bf16";
  static constexpr int precision = 8;
  static constexpr int emin = -126;
  static ACTBENCH_HD compute_t to_compute(bf16_t x) { return detail::bf16_bits_to_f32(x.bits); }
  static ACTBENCH_HD bf16_t from_compute(compute_t x) { return bf16_t{detail::f32_to_bf16_bits(x)}; }
};

template <class T>
using compute_t = typename dtype_traits<T>::compute_t;

/// Runtime facts about a dtype (derived from dtype_traits).
struct DTypeInfo {
  DType dtype;
  const char* code;
  int size_bytes;
  int precision;
  int emin;
};

namespace detail {
template <class T>
constexpr DTypeInfo info_of() {
  using tr = dtype_traits<T>;
  return {tr::dtype, tr::code, static_cast<int>(sizeof(T)), tr::precision, tr::emin};
}
/// The runtime table, built from dtype_traits (the one place the numbers are written), in DType order.
inline constexpr DTypeInfo kDTypeInfo[] = {info_of<float>(), info_of<f16_t>(), info_of<bf16_t>(), info_of<double>()};
static_assert(kDTypeInfo[0].dtype == DType::f32 && kDTypeInfo[1].dtype == DType::f16 &&
                  kDTypeInfo[2].dtype == DType::bf16 && kDTypeInfo[3].dtype == DType::f64,
              "kDTypeInfo follows the order of DType");
}  // namespace detail

constexpr DTypeInfo dtype_info(DType t) { return detail::kDTypeInfo[static_cast<int>(t)]; }

inline const char* to_string(DType t) { return dtype_info(t).code; }

inline std::optional<DType> parse_dtype(std::string_view s) {
  for (DType t : kAllDTypes)
    if (s == dtype_info(t).code) return t;
  return std::nullopt;
}

/// Calls f(T{}) with the storage type that `t` names.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::f16: return f(f16_t{});
    case DType::bf16: return f(bf16_t{});
    case DType::f64: return f(double{});
    case DType::f32: break;
  }
  return f(float{});
}

}  // namespace actbench
