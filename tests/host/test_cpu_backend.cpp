// The cpu backend end to end: launches match the functors, copies copy, the runner produces
// complete records, impossible sizes are skipped with a reason.
#include "harness/backend.hpp"
#include "harness/cpu/launch.hpp"
#include "harness/cpu/launch_impl.hpp"
#include "harness/params.hpp"
#include "harness/runner.hpp"
#include "harness/ulp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <utility>

using namespace actbench;

namespace {

std::vector<std::uint64_t> some_inputs(DType t, std::size_t n, std::uint64_t salt) {
  // Deterministic, varied patterns (every sign and exponent, NaN/inf patterns included).
  std::vector<std::uint64_t> v(n);
  std::uint64_t s = 0x1234567 + salt;
  const int bits = 8 * dtype_info(t).size_bytes;
  for (auto& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = bits == 64 ? s : (s >> 17) & ((1ull << bits) - 1);
  }
  return v;
}

/// The same ElementOp run here, element by element: what every backend must reproduce.
std::vector<std::uint64_t> host_expected(const Case& c, const Params& p, const std::vector<float>& slopes,
                                         const std::vector<std::uint64_t>& xs, const std::vector<std::uint64_t>& dys) {
  std::vector<std::uint64_t> out(xs.size());
  const OpSpec spec{c.activation, c.direction, c.variant, p, slopes.data()};
  visit_dtype(c.dtype, [&](auto tag) {
    using T = decltype(tag);
    dispatch_op<T>(spec, [&](const auto& op) {
      for (std::size_t i = 0; i < xs.size(); ++i) {
        T x, dy, y;
        std::memcpy(&x, &xs[i], sizeof(T));
        if constexpr (std::decay_t<decltype(op)>::direction == Direction::bwd) {
          std::memcpy(&dy, &dys[i], sizeof(T));
          y = op.at(static_cast<std::int64_t>(i), x, dy);
        } else {
          y = op.at(static_cast<std::int64_t>(i), x);
        }
        std::uint64_t b = 0;
        std::memcpy(&b, &y, sizeof(T));
        out[i] = b;
      }
    });
  });
  return out;
}

}  // namespace

TEST(CpuBackend, EveryOpMatchesTheHostFunctorAtAwkwardSizes) {
  auto backend = make_cpu_backend();
  Params p;
  p.prelu_channels = 7;
  const auto slopes = prelu_slopes(p);
  // awkward sizes, and exact tile multiples of the CUDA kernel (256 threads x 4 vectors x 16 bytes: 4096 f32, 8192 f16)
  for (std::size_t n : {0u, 1u, 15u, 17u, 129u, 4096u, 4097u, 8192u})
    for (const auto& info : kCatalog)
      for (Direction d : kAllDirections)
        for (DType t : kAllDTypes)
          for (Variant v : kAllVariants)
          for (Impl impl : {Impl::actbench, Impl::thrust}) {
            if (!combination_exists(info.id, d, t, v, impl, BackendKind::cpu)) continue;
            Case c{info.id, d, t, v, impl, BackendKind::cpu, 0, static_cast<std::int64_t>(n)};
            const auto xs = some_inputs(t, n, static_cast<std::uint64_t>(info.id));
            const auto dys = d == Direction::bwd ? some_inputs(t, n, 99) : std::vector<std::uint64_t>{};
            const auto got = run_on_inputs(*backend, c, p, xs, dys);
            const auto want = host_expected(c, p, slopes, xs, dys);
            ASSERT_EQ(got.size(), n);
            for (std::size_t i = 0; i < n; ++i) {
              // NaN payloads and signs may differ between vectorised and scalar code.
              if (std::isnan(decode(t, got[i])) && std::isnan(decode(t, want[i]))) continue;
              ASSERT_EQ(got[i], want[i]) << c.name() << " element " << i;
            }
          }
}

// The f32 precise functions run as a vectorized hot loop plus the slow path where cold (cpu::detail::run_split,
// kernels/f32/parts.hpp); with parameters other than the defaults too, the bits are the functor's.
// f32: the split hot/cold loops (cpu::detail::run_split); f16 and bf16: the block loops, run with the default
// functor as a folded constant where the parameters are the defaults (cpu::detail::use_default_functor) and with the
// launch's functor otherwise - the functor's bits either way.
TEST(CpuBackend, SplitAndBlockLoopsMatchTheFunctorForEveryParameterPath) {
  auto backend = make_cpu_backend();
  std::vector<Params> params(5);
  params[1].swish_beta = 1.5;
  params[1].softplus_beta = 2.0;
  params[1].celu_alpha = 0.5;
  params[1].elu_alpha = 0.7;
  params[2].swish_beta = 0.25;
  params[2].softplus_beta = 0.5;
  params[2].celu_alpha = 3.0;
  params[3].celu_alpha = -1.5;  // celu: alpha non-zero, any sign
  params[4].elu_alpha = 1.0;    // the defaults again, through an explicit value
  params[1].leaky_relu_alpha = 0.2;
  params[2].leaky_relu_alpha = -0.0;  // not the default's bits
  int checked = 0;
  for (DType t : {DType::f32, DType::f16, DType::bf16})
    for (const Params& p : params)
      for (std::size_t n : {1u, 1023u, 1025u, 5000u})
        for (const auto& info : kCatalog)
          for (Direction d : kAllDirections) {
            Case c{info.id, d, t, Variant::precise, Impl::actbench, BackendKind::cpu, 0, static_cast<std::int64_t>(n)};
            if (!combination_exists(info.id, d, t, Variant::precise, Impl::actbench, BackendKind::cpu)) continue;
            if (info.id == Activation::prelu) continue;
            auto xs = some_inputs(t, n, 7 + static_cast<std::uint64_t>(info.id));
            for (std::size_t i = 0; i < n; i += 3) {  // ordinary values too: most random patterns are huge or tiny
              const float v = -30.0f + 60.0f * static_cast<float>(i % 997) / 997.0f;
              visit_dtype(t, [&](auto tag) {
                using T = decltype(tag);
                const T tv = dtype_traits<T>::from_compute(static_cast<compute_t<T>>(v));
                xs[i] = 0;
                std::memcpy(&xs[i], &tv, sizeof tv);
              });
            }
            const auto dys = d == Direction::bwd ? some_inputs(t, n, 5) : std::vector<std::uint64_t>{};
            const auto got = run_on_inputs(*backend, c, p, xs, dys);
            const auto want = host_expected(c, p, {}, xs, dys);
            for (std::size_t i = 0; i < n; ++i) {
              if (std::isnan(decode(t, got[i])) && std::isnan(decode(t, want[i]))) continue;
              ASSERT_EQ(got[i], want[i]) << c.name() << " element " << i;
            }
            ++checked;
          }
  EXPECT_GT(checked, 3 * 5 * 4 * 10 * 3 - 1);
}

// The folded default functor stands in only for a functor whose parameters are, bit for bit, the defaults, and only
// for 16-bit data.
TEST(CpuBackend, DefaultFunctorStandsInOnlyForTheDefaults) {
  using Sw = Swish<Variant::precise>;
  using Op16 = ElementOp<Sw, Direction::fwd, f16_t>;
  Sw f;
  EXPECT_TRUE(cpu::detail::use_default_functor<Op16>(f));
  EXPECT_TRUE((cpu::detail::use_default_functor<ElementOp<Sw, Direction::bwd, bf16_t>>(f)));
  EXPECT_FALSE((cpu::detail::use_default_functor<ElementOp<Sw, Direction::fwd, float>>(f)));
  f.beta = 1.5;
  EXPECT_FALSE(cpu::detail::use_default_functor<Op16>(f));
  f.beta = std::nextafter(1.0, 2.0);
  EXPECT_FALSE(cpu::detail::use_default_functor<Op16>(f));
  // an activation without parameters has nothing to fold: its one loop
  EXPECT_FALSE((cpu::detail::use_default_functor<ElementOp<Sigmoid<Variant::precise>, Direction::fwd, f16_t>>(
      Sigmoid<Variant::precise>{})));
}

// celu at alpha = 1 on 16-bit data takes elu's code where the test folds (ACTBENCH_IF_KNOWN: a functor whose alpha is a
// constant, as the block loops' default functor) and the general path where alpha is a runtime value: the same bits,
// f and f', on every f16 and bf16 input, but for f16 f' where the folded e^x (narrow::exp's kNonPositive) leaves a
// result in [2^-126.5, 2^-126) unflushed and the general path flushes it to 0: the same stored f16 value, 0 (also
// times the largest gradient, 2^16: 2^-110).  Those inputs exist only where ACTBENCH_IF_KNOWN folds (an optimized
// build: __builtin_constant_p), so the count of them is checked there.
template <class S>
void expect_celu_paths_agree() {
  static constexpr Celu<Variant::precise> kFolded{};
  volatile double one = 1.0;
  Celu<Variant::precise> runtime;
  runtime.alpha = one;
  std::uint32_t unflushed = 0;
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const float x = dtype_traits<S>::to_compute(S{static_cast<std::uint16_t>(b)});
    const float pairs[2][2] = {{kFolded.template fwd_narrow<S>(x), runtime.template fwd_narrow<S>(x)},
                               {kFolded.template deriv_narrow<S>(x), runtime.template deriv_narrow<S>(x)}};
    for (int k = 0; k < 2; ++k) {
      const auto& p = pairs[k];
      if (std::isnan(p[0]) && std::isnan(p[1])) continue;
      if (std::is_same<S, f16_t>::value && k == 1 && p[1] == 0.0f && p[0] > 0.0f && p[0] < 0x1p-126f) {
        ++unflushed;
        ASSERT_GE(p[0], 0x1.6a09e6p-127f) << std::hex << b;  // 2^-126.5: +0 below it
        continue;
      }
      ASSERT_EQ(bit_cast<std::uint32_t>(p[0]), bit_cast<std::uint32_t>(p[1])) << std::hex << b;
    }
  }
#if defined(__OPTIMIZE__)
  if (std::is_same<S, f16_t>::value) {
    EXPECT_GT(unflushed, 0u);  // the case exists among the f16 inputs
  }
#endif
}
TEST(CpuBackend, CeluAtAlphaOneFoldedIsTheGeneralPath) {
  expect_celu_paths_agree<f16_t>();
  expect_celu_paths_agree<bf16_t>();
}

// The block loop's bf16 conversions by AVX2 or AVX-512 (cpu::detail::widen_bf16 / narrow_bf16) give dtype.hpp's bits:
// every bf16 widened, and f32 values with every high half and the low halves that decide the rounding (0, ties with
// an even and an odd high half, just below and above them, all ones) narrowed - NaNs (quiet, signalling, either
// sign), infinities and subnormals among them; odd lengths from 0, from +inf and from -inf run the scalar tails
// (widening 29: 16 + 8 + 5 lanes on AVX-512); each vector rounding (AVX2's 8 lanes, AVX-512's 16) on every value;
// and one vector of zeros, normal values, infinities and NaNs with no subnormal (vcvtneps2bf16's, where built for).
TEST(CpuBackend, Bf16VectorConversionsAreDtypeHppsBitForBit) {
#if defined(__AVX2__)
  using tr = dtype_traits<bf16_t>;
  std::vector<bf16_t> h(65536);
  for (std::uint32_t b = 0; b < 65536; ++b) h[b].bits = static_cast<std::uint16_t>(b);
  alignas(64) static float wide[65536];
  for (std::int64_t m : {std::int64_t{65536}, std::int64_t{29}}) {
    std::fill(wide, wide + 65536, 3.0f);
    cpu::detail::widen_bf16(h.data(), wide, m);
    for (std::uint32_t b = 0; b < m; ++b) {
      std::uint32_t got;
      std::memcpy(&got, &wide[b], 4);
      ASSERT_EQ(got, b << 16) << "widen " << b << " m " << m;
    }
    if (m < 65536) {
      EXPECT_EQ(wide[m], 3.0f) << "wrote past m";
    }
  }
  const std::uint32_t lows[] = {0x0000u, 0x0001u, 0x7fffu, 0x8000u, 0x8001u, 0xffffu, 0x4c3bu, 0xc001u};
  for (std::uint32_t low : lows) {
    alignas(64) static float f[65536 + 32];
    for (std::uint32_t b = 0; b < 65536; ++b) {
      const std::uint32_t u = b << 16 | low;
      std::memcpy(&f[b], &u, 4);
    }
    std::vector<bf16_t> out(65536);
    // (first, m): everything; 23 from 0 (zeros, subnormals), from 0x7f70 and 0xff70 (the largest finite values,
    // infinities and NaNs of either sign) through the scalar tail
    const std::pair<std::int64_t, std::int64_t> runs[] = {{0, 65536}, {0, 23}, {0x7f70, 23}, {0xff70, 23}};
    for (const auto& [first, m] : runs) {
      for (auto& o : out) o.bits = 0x1234;
      cpu::detail::narrow_bf16(f + first, out.data(), m);
      for (std::int64_t i = 0; i < m; ++i) {
        ASSERT_EQ(out[static_cast<std::size_t>(i)].bits, tr::from_compute(f[first + i]).bits)
            << std::hex << "narrow 0x" << (static_cast<std::uint32_t>(first + i) << 16 | low) << " m " << std::dec << m;
      }
      if (m < 65536) {
        EXPECT_EQ(out[static_cast<std::size_t>(m)].bits, 0x1234) << "wrote past m";
      }
    }
    // each vector rounding on its own, every value: narrow_bf16 runs only the widest the build has, and in a build
    // for AVX512-BF16 the AVX-512 integer code only for vectors holding an f32 subnormal
    for (std::uint32_t b = 0; b < 65536; b += 16) {
      alignas(64) std::uint32_t got8[16];
      __m256i lo, hi;
      std::memcpy(&lo, &f[b], 32);
      std::memcpy(&hi, &f[b + 8], 32);
      _mm256_store_si256(reinterpret_cast<__m256i*>(got8), cpu::detail::bf16_bits8(_mm256_castsi256_ps(lo)));
      _mm256_store_si256(reinterpret_cast<__m256i*>(got8 + 8), cpu::detail::bf16_bits8(_mm256_castsi256_ps(hi)));
#if defined(__AVX512F__)
      alignas(32) std::uint16_t got16[16];
      __m512i all;
      std::memcpy(&all, &f[b], 64);
      _mm256_store_si256(reinterpret_cast<__m256i*>(got16), cpu::detail::bf16_bits16(all));
#endif
      for (std::uint32_t k = 0; k < 16; ++k) {
        const std::uint16_t want = tr::from_compute(f[b + k]).bits;
        ASSERT_EQ(got8[k], want) << std::hex << "bf16_bits8 0x" << ((b + k) << 16 | low);
#if defined(__AVX512F__)
        ASSERT_EQ(got16[k], want) << std::hex << "bf16_bits16 0x" << ((b + k) << 16 | low);
#endif
      }
    }
  }
  // zeros, normal values (ties among them), infinities and NaNs with no subnormal beside them: in a build for
  // AVX512-BF16 the vector that vcvtneps2bf16 rounds (every vector above that holds a zero holds subnormals too)
  const std::uint32_t mixed[16] = {0x00000000u, 0x80000000u, 0x3f808000u, 0x3f818000u, 0xbf807fffu, 0x00800000u,
                                   0x80800000u, 0x7f7fffffu, 0xff7fffffu, 0x7f800000u, 0xff800000u, 0x7fc00001u,
                                   0xffa00000u, 0x7f800001u, 0x477fe000u, 0x3eaaaaabu};
  alignas(64) float mf[16];
  std::memcpy(mf, mixed, sizeof mf);
  bf16_t mout[16];
  cpu::detail::narrow_bf16(mf, mout, 16);
  for (int k = 0; k < 16; ++k) {
    ASSERT_EQ(mout[k].bits, tr::from_compute(mf[k]).bits) << std::hex << "narrow 0x" << mixed[k];
  }
#else
  GTEST_SKIP() << "this build has no AVX2: bf16 converts by dtype.hpp's scalar code (EveryOpMatchesTheHostFunctor...)";
#endif
}

// run_blocks' in-register step (AVX-512 builds) widens sixteen 16-bit elements into one vector and rounds one vector
// back (cpu::detail::widen16 / narrow16): every 16-bit pattern widens to dtype.hpp's float (an f16 NaN to a NaN of
// its sign: vcvtph2ps quiets a signalling one), and f32 values - every f32 pattern at a stride, and around each
// 16-bit value (the pattern b << 16 with low halves that make ties, values just off them, f32 subnormals and NaN
// payloads) - round back to dtype.hpp's bits, NaNs included.  The conversions only: the loop around them is
// EveryOpMatchesTheHostFunctorAtAwkwardSizes's.
TEST(CpuBackend, SixteenLaneConversionsAreDtypeHppsBitForBit) {
#if defined(__AVX512F__)
  const auto check = [](auto tag) {
    using T = decltype(tag);
    using tr = dtype_traits<T>;
    const char* name = std::is_same<T, f16_t>::value ? "f16" : "bf16";
    alignas(64) T h[16];
    alignas(64) float w[16];
    for (std::uint32_t b = 0; b < 65536; b += 16) {
      for (std::uint32_t k = 0; k < 16; ++k) h[k].bits = static_cast<std::uint16_t>(b + k);
      _mm512_store_ps(w, cpu::detail::widen16(h));
      for (std::uint32_t k = 0; k < 16; ++k) {
        const float want = tr::to_compute(h[k]);
        if (std::is_same<T, f16_t>::value && std::isnan(want)) {  // vcvtph2ps quiets a signalling NaN
          ASSERT_TRUE(std::isnan(w[k]) && std::signbit(w[k]) == std::signbit(want))
              << name << " widen 0x" << std::hex << b + k;
        } else {
          ASSERT_EQ(std::memcmp(&w[k], &want, 4), 0) << name << " widen 0x" << std::hex << b + k;
        }
      }
    }
    std::vector<std::uint32_t> patterns;
    for (std::uint64_t u = 0; u < (1ull << 32); u += 0x1003) patterns.push_back(static_cast<std::uint32_t>(u));
    for (std::uint32_t b = 0; b < 65536; ++b)
      for (std::uint32_t low : {0x0000u, 0x0001u, 0x1000u, 0x0fffu, 0x1001u, 0x7fffu, 0x8000u, 0x8001u, 0xffffu})
        patterns.push_back(b << 16 | low);
    while (patterns.size() % 16) patterns.push_back(0x3f800000u);
    for (std::size_t i = 0; i < patterns.size(); i += 16) {
      alignas(64) float f[16];
      std::memcpy(f, &patterns[i], sizeof f);
      cpu::detail::narrow16(_mm512_load_ps(f), h);
      for (std::size_t k = 0; k < 16; ++k) {
        ASSERT_EQ(h[k].bits, tr::from_compute(f[k]).bits) << name << " narrow 0x" << std::hex << patterns[i + k];
      }
    }
  };
  check(f16_t{});
  check(bf16_t{});
#else
  GTEST_SKIP() << "this build has no AVX-512: run_blocks takes 16-bit data in 32-element chunks through L1 "
                  "(Bf16VectorConversionsAreDtypeHppsBitForBit, EveryOpMatchesTheHostFunctor...)";
#endif
}

// relu and relu6 on 16-bit data run their own code on the storage bits (kernels/bits16.hpp, cpu::detail::run_bits):
// on every one of the 2^16 inputs, fwd and f' give the f32 path's bits (widen, compute in float, round back; its NaNs
// quiet, with their sign and payload), and bwd's dy * f'(x) gives them too for every x and a grid of dy: zeros,
// +-1, subnormals, the largest finite values, infinities, quiet and signalling NaNs of either sign, and ordinary
// values (only the payload of a NaN result may differ: x86 picks the operand whose NaN a product returns).
TEST(CpuBackend, SelectingFunctorsOnSixteenBitBitsMatchTheF32PathOnEveryInput) {
  static_assert(cpu::detail::kOnBits<ElementOp<Relu, Direction::bwd, f16_t>>, "relu f16 runs on the bits");
  static_assert(cpu::detail::kOnBits<ElementOp<Relu6, Direction::fwd, bf16_t>>, "relu6 bf16 runs on the bits");
  static_assert(!cpu::detail::kOnBits<ElementOp<Relu, Direction::fwd, float>>, "f32 keeps the float path");
  static_assert(!cpu::detail::kOnBits<ElementOp<LeakyRelu, Direction::fwd, f16_t>>, "leaky_relu multiplies");
  static_assert(!cpu::detail::kOnBits<ElementOp<LeakyRelu, Direction::bwd, bf16_t>>, "... in bwd too");
  // the functors' integer constants, exactly; one a type cannot hold is NaN
  static_assert(Bits16<f16_t>(6).bits == 0x4600 && Bits16<bf16_t>(6).bits == 0x40c0, "6");
  static_assert(Bits16<f16_t>(-1).bits == 0xbc00 && Bits16<bf16_t>(1).bits == 0x3f80, "1");
  static_assert(Bits16<bf16_t>(0).bits == 0 && Bits16<f16_t>(0).bits == 0, "0");
  static_assert(Bits16<f16_t>(2047).bits == 0x67ff && Bits16<bf16_t>(255).bits == 0x437f, "the largest exact");
  static_assert(Bits16<f16_t>::nan(Bits16<f16_t>(2049).bits), "inexact in f16");
  static_assert(Bits16<bf16_t>::nan(Bits16<bf16_t>(257).bits), "inexact in bf16");
  // every catalog functor that declares selects_only (relu and relu6 today): its contract - f' in {0, 1, NaN},
  // results the input, an exact constant or NaN - is what the comparison with the f32 path below holds it to
  std::vector<Activation> selecting;
  for (const auto& info : kCatalog)
    visit_activation(info.id, [&](auto d) {
      if (selects_only<typename decltype(d)::template functor<Variant::precise>>::value) selecting.push_back(info.id);
    });
  ASSERT_GE(selecting.size(), 2u) << "relu and relu6 at least";
  auto backend = make_cpu_backend();
  const Params p;
  const std::size_t n = 65536;
  std::vector<std::uint64_t> xs(n);
  std::iota(xs.begin(), xs.end(), std::uint64_t{0});
  int checked = 0;
  for (DType t : {DType::f16, DType::bf16}) {
    const bool h = t == DType::f16;
    const std::uint64_t inf = h ? 0x7c00 : 0x7f80, qnan = h ? 0x7e00 : 0x7fc0, snan = inf | 1;
    const std::uint64_t one = h ? 0x3c00 : 0x3f80;
    std::vector<std::uint64_t> grid = {0, 0x8000, one, one | 0x8000, 1, 0x8001, 0x3ff, inf - 1, (inf - 1) | 0x8000, inf,
                                       inf | 0x8000, qnan, qnan | 0x8000, snan, snan | 0x8000, qnan | 0x15};
    for (std::uint64_t b = 0x1234; grid.size() < 48; b = (b * 2654435761u + 12345) & 0xffff) grid.push_back(b);
    for (Activation a : selecting)
      for (Direction d : kAllDirections) {
        const Case c{a, d, t, Variant::precise, Impl::actbench, BackendKind::cpu, 0, static_cast<std::int64_t>(n)};
        for (std::size_t k = 0; k < (d == Direction::bwd ? grid.size() : 1); ++k) {
          const std::vector<std::uint64_t> dys(d == Direction::bwd ? n : 0, d == Direction::bwd ? grid[k] : 0);
          const auto got = run_on_inputs(*backend, c, p, xs, dys);
          const auto want = host_expected(c, p, {}, xs, dys);
          for (std::size_t i = 0; i < n; ++i) {
            if (d == Direction::bwd && std::isnan(decode(t, got[i])) && std::isnan(decode(t, want[i]))) continue;
            ASSERT_EQ(got[i], want[i]) << std::hex << c.name() << " x 0x" << i << (d == Direction::bwd ? " dy 0x" : "")
                                       << (d == Direction::bwd ? grid[k] : 0);
          }
          ++checked;
        }
      }
  }
  EXPECT_EQ(checked, static_cast<int>(2 * selecting.size() * (2 + 48)));
}

// f' of a functor whose f' alone selects (leaky_relu: 1, its slope or NaN; prelu's channels: the same with the
// channel's slope; hardsigmoid: 0, 1/6 or NaN) runs on the bits with that value rounded once to the storage type
// (a slope: per thread, or per channel of the table); on every one of the 2^16
// inputs it gives the f32 path's bits, for slopes that round (0.01, -0.3), one exact in both types (0.5), one below
// the types' normals and one past f16's range (inf there); prelu with 7 channels (on the bits, from the per-thread
// table) and with 5000 (more than the table holds: the float path).
TEST(CpuBackend, SlopeDerivativesOnSixteenBitBitsMatchTheF32PathOnEveryInput) {
  static_assert(cpu::detail::kOnBits<ElementOp<LeakyRelu, Direction::deriv, f16_t>>, "leaky_relu f' on the bits");
  static_assert(cpu::detail::kOnBits<ElementOp<Prelu, Direction::deriv, bf16_t>>, "prelu f' too");
  static_assert(!cpu::detail::kOnBits<ElementOp<LeakyRelu, Direction::deriv, float>>, "f32 keeps the float path");
  static_assert(!cpu::detail::kOnBits<ElementOp<Prelu, Direction::fwd, f16_t>>, "prelu multiplies");
  static_assert(cpu::detail::kOnBits<ElementOp<Hardsigmoid, Direction::deriv, f16_t>>, "hardsigmoid f': 0, 1/6");
  static_assert(cpu::detail::kOnBits<ElementOp<Hardsigmoid, Direction::deriv, bf16_t>>, "bf16 too");
  static_assert(!cpu::detail::kOnBits<ElementOp<Hardsigmoid, Direction::fwd, f16_t>>, "hardsigmoid f multiplies");
  static_assert(!cpu::detail::kOnBits<ElementOp<Hardsigmoid, Direction::bwd, bf16_t>>, "... and so does bwd");
  static_assert(!cpu::detail::kOnBits<ElementOp<Prelu, Direction::bwd, f16_t>>, "prelu bwd multiplies");
  auto backend = make_cpu_backend();
  const std::size_t n = 65536;
  std::vector<std::uint64_t> xs(n);
  std::iota(xs.begin(), xs.end(), std::uint64_t{0});
  int checked = 0;
  for (Activation a : {Activation::leaky_relu, Activation::prelu, Activation::hardsigmoid})
    for (std::int64_t channels : {7, 5000})
      for (double alpha : {0.01, -0.3, 0.5, 3e-39, 1e6})
        for (DType t : {DType::f16, DType::bf16}) {
          if (a != Activation::prelu && channels != 7) continue;
          if (a == Activation::hardsigmoid && alpha != 0.01) continue;  // no parameter
          Params p;
          p.leaky_relu_alpha = alpha;
          p.prelu_alpha = alpha;
          p.prelu_channels = channels;
          const Case c{a, Direction::deriv, t, Variant::precise, Impl::actbench, BackendKind::cpu, 0,
                       static_cast<std::int64_t>(n)};
          const auto got = run_on_inputs(*backend, c, p, xs, {});
          const auto want = host_expected(c, p, prelu_slopes(p), xs, {});
          for (std::size_t i = 0; i < n; ++i)
            ASSERT_EQ(got[i], want[i]) << std::hex << c.name() << " alpha " << alpha << " channels " << channels
                                       << " x 0x" << i;
          ++checked;
        }
  EXPECT_EQ(checked, 32);
}

// In place (y = x, and y = dy for bwd), the split loops still give the functor's bits: the slow path reads the
// inputs of its block, not the hot path's results written over them.
TEST(CpuBackend, SplitLoopsInPlace) {
  const std::size_t n = 3000;
  for (Activation a : {Activation::swish, Activation::gelu, Activation::sigmoid})
    for (Direction d : kAllDirections) {
      std::vector<float> x(n), dy(n);
      for (std::size_t i = 0; i < n; ++i) {
        x[i] = i % 7 == 0 ? -100.0f - static_cast<float>(i % 50) : -12.0f + 24.0f * static_cast<float>(i) / n;  // cold ones
        dy[i] = 0.5f + static_cast<float>(i % 5);
      }
      std::vector<std::uint64_t> xs(n), dys(n);
      for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t b, c;
        std::memcpy(&b, &x[i], 4);
        std::memcpy(&c, &dy[i], 4);
        xs[i] = b;
        dys[i] = c;
      }
      Case cs{a, d, DType::f32, Variant::precise, Impl::actbench, BackendKind::cpu, 0, static_cast<std::int64_t>(n)};
      const auto want = host_expected(cs, Params{}, {}, xs, d == Direction::bwd ? dys : std::vector<std::uint64_t>{});
      for (int target = 0; target < (d == Direction::bwd ? 2 : 1); ++target) {
        std::vector<float> xi = x, di = dy;
        Launch l;
        l.op = OpSpec{a, d, Variant::precise, Params{}, nullptr};
        l.dtype = DType::f32;
        l.impl = Impl::actbench;
        l.n = static_cast<std::int64_t>(n);
        l.x = xi.data();
        l.dy = d == Direction::bwd ? di.data() : nullptr;
        l.y = target == 0 ? xi.data() : di.data();
        cpu::launch<float>(l);
        const std::vector<float>& out = target == 0 ? xi : di;
        for (std::size_t i = 0; i < n; ++i) {
          std::uint32_t b;
          std::memcpy(&b, &out[i], 4);
          ASSERT_EQ(b, want[i]) << to_string(a) << " " << to_string(d) << (target ? " y = dy" : " y = x") << " element " << i;
        }
      }
    }
}

// Staged hot paths (kernels/f32/split.hpp) run their heads and tails over stages of 256 elements: one cold input in an
// otherwise hot block, at either end of a stage or of the block, must still send that element to the slow path - the
// functor's bits everywhere.  Each cold input is one whose hot path gives other bits (checked first:
// otherwise the test could not fail), and every staged piece is visited, at a non-default parameter too.
TEST(CpuBackend, OneColdInputInAStagedBlockTakesTheSlowPath) {
  struct Staged {
    Activation a;
    Params p;
    float cold;  // a finite input the hot path does not answer
  };
  Params swish15, softplus2;
  swish15.swish_beta = 1.5;
  softplus2.softplus_beta = 2.0;
  const std::vector<Staged> cases = {{Activation::sigmoid, {}, -100.0f},     {Activation::tanh, {}, -100.0f},
                                     {Activation::softplus, {}, -100.0f},    {Activation::softplus, softplus2, -100.0f},
                                     {Activation::swish, {}, -100.0f},       {Activation::swish, swish15, -100.0f},
                                     {Activation::mish, {}, -100.0f},        {Activation::gelu_tanh, {}, -20.0f}};
  auto backend = make_cpu_backend();
  int staged = 0, checked = 0;
  for (const Staged& sc : cases)
    for (Direction d : kAllDirections) {
      bool is_staged = false, cold = false, differs = false;
      const bool has = f32::visit_parts(sc.a, d != Direction::fwd, sc.p, [&](const auto& parts) {
        is_staged = std::decay_t<decltype(parts)>::kStages > 1;
        cold = parts.cold(sc.cold);
        differs = bit_cast<std::uint32_t>(parts.hot(sc.cold)) != bit_cast<std::uint32_t>(parts.slow(sc.cold));
      });
      ASSERT_TRUE(has) << to_string(sc.a);
      if (!is_staged || (sc.a == Activation::tanh && d == Direction::fwd)) continue;  // softplus f at beta = 2 is one
      ++staged;                                           // loop; tanh f has no cold input (every input is hot)
      ASSERT_TRUE(cold && differs) << to_string(sc.a) << " " << to_string(d) << ": the hot path answers " << sc.cold;
      for (std::size_t n : {255u, 256u, 1000u, 1024u, 1300u})
        for (std::size_t j : {std::size_t{0}, std::size_t{255}, std::size_t{256}, std::size_t{767}, n - 1}) {
          if (j >= n) continue;
          std::vector<std::uint64_t> xs(n), dys(n);
          for (std::size_t i = 0; i < n; ++i) {
            const float x = i == j ? sc.cold : -8.0f + 16.0f * static_cast<float>(i) / static_cast<float>(n);
            const float dy = 0.5f + static_cast<float>(i % 5);
            xs[i] = bit_cast<std::uint32_t>(x);
            dys[i] = bit_cast<std::uint32_t>(dy);
          }
          if (d != Direction::bwd) dys.clear();
          Case c{sc.a, d, DType::f32, Variant::precise, Impl::actbench, BackendKind::cpu, 0,
                 static_cast<std::int64_t>(n)};
          const auto got = run_on_inputs(*backend, c, sc.p, xs, dys);
          const auto want = host_expected(c, sc.p, {}, xs, dys);
          for (std::size_t i = 0; i < n; ++i)
            ASSERT_EQ(got[i], want[i]) << to_string(sc.a) << " " << to_string(d) << " n " << n << " cold at " << j
                                       << ": element " << i;
          ++checked;
        }
    }
  EXPECT_EQ(staged, 22);            // 8 cases x 3 directions, less tanh f and softplus f at beta = 2
  EXPECT_EQ(checked, staged * 20);  // (n, j): 2 + 3 + 5 + 5 + 5
}

// The same bits whichever way the results reach memory (plain stores, or a block buffer and non-temporal stores;
// cpu::StorePolicy), out of place (y aligned for the stores, or not) and in place (y = x, y = dy), nothing written past
// y, for every op of every dtype and variant - prelu with a
// channel count that does not divide a block, and with more channels than the per-thread table holds.
TEST(CpuBackend, StreamingAndPlainStoresGiveTheFunctorsBitsInAndOutOfPlace) {
  int checked = 0;
  for (long channels : {7L, 5000L}) {
    Params p;
    p.prelu_channels = channels;
    const auto slopes = prelu_slopes(p);
    for (std::size_t stream_above : {std::size_t{0}, std::numeric_limits<std::size_t>::max()})
      for (std::size_t n : {1u, 1000u, 3001u, 12000u})
        for (const auto& info : kCatalog)
          for (Direction d : kAllDirections)
            for (DType t : kAllDTypes)
              for (Variant v : kAllVariants) {
                if (!combination_exists(info.id, d, t, v, Impl::actbench, BackendKind::cpu)) continue;
                if (channels != 7 && info.id != Activation::prelu) continue;
                const Case c{info.id, d, t, v, Impl::actbench, BackendKind::cpu, 0, static_cast<std::int64_t>(n)};
                const auto xs = some_inputs(t, n, 31 + static_cast<std::uint64_t>(info.id));
                const auto dys = d == Direction::bwd ? some_inputs(t, n, 77) : std::vector<std::uint64_t>{};
                const auto want = host_expected(c, p, slopes, xs, dys);
                const std::size_t size = static_cast<std::size_t>(dtype_info(t).size_bytes);
                const auto pack = [&](const std::vector<std::uint64_t>& bits) {
                  std::vector<unsigned char> out(bits.size() * size + 64);  // + 64: an unaligned start below
                  for (std::size_t i = 0; i < bits.size(); ++i) std::memcpy(out.data() + i * size, &bits[i], size);
                  return out;
                };
                // Where y is: 64-byte aligned (the non-temporal stores run), one element past that (they fall back
                // to plain stores), x itself, and dy itself (bwd).
                enum class Where { aligned, unaligned, on_x, on_dy };
                for (Where where : {Where::aligned, Where::unaligned, Where::on_x, Where::on_dy}) {
                  if (where == Where::on_dy && d != Direction::bwd) continue;
                  const bool in_place = where == Where::on_x || where == Where::on_dy;
                  std::vector<unsigned char> x = pack(xs), dy = pack(dys), y(n * size + 192, 0xAB);
                  unsigned char* y64 = y.data() + (64 - reinterpret_cast<std::uintptr_t>(y.data()) % 64);
                  Launch l;
                  l.op = OpSpec{info.id, d, v, p, slopes.data()};
                  l.dtype = t;
                  l.impl = Impl::actbench;
                  l.n = static_cast<std::int64_t>(n);
                  l.x = x.data();
                  l.dy = d == Direction::bwd ? dy.data() : nullptr;
                  l.y = where == Where::on_x ? x.data() : where == Where::on_dy ? dy.data()
                        : where == Where::aligned ? y64 : y64 + size;
                  cpu::StorePolicy sp;
                  sp.stream_above_bytes = stream_above;
                  sp.compute_bound_too = stream_above == 0;  // every op through the streaming loop
                  visit_dtype(t, [&](auto tag) { cpu::launch<decltype(tag)>(l, sp); });
                  const auto* out = static_cast<const unsigned char*>(l.y);
                  for (std::size_t i = 0; i < n; ++i) {
                    std::uint64_t b = 0;
                    std::memcpy(&b, out + i * size, size);
                    if (std::isnan(decode(t, b)) && std::isnan(decode(t, want[i]))) continue;
                    ASSERT_EQ(b, want[i]) << c.name() << " placement " << static_cast<int>(where) << " stream_above "
                                          << stream_above << " channels " << channels << " element " << i;
                  }
                  if (!in_place) {  // nothing written past y's last element
                    for (std::size_t k = 0; k < 64; ++k) {
                      ASSERT_EQ(out[n * size + k], 0xAB) << c.name() << " wrote past y, stream_above " << stream_above;
                    }
                  }
                  ++checked;
                }
              }
  }
  EXPECT_GT(checked, 1000);
}

// prelu's bwd: dx, and dalpha summed per channel; f32, f64, f16 and bf16, by actbench's kernels (dalpha summed in
// the pass that writes dx where the channels fit the functor table, cpu::detail::dalpha_in_dx_pass; 5000 channels do
// not: prelu_dalpha's own pass, whose f16 inputs F16C widens in chunks - 1003 elements in rows of 65 leave a short
// chunk at every row's end) and by the thrust peer (the pass, then thrust::transform); out of place and in place
// over dy and over x; one block and less, and several blocks; plain and streaming stores (1 KB blocks).  The data are
// multiples of 1/2 and 1/4: every product and sum is exact, in any order.
TEST(CpuBackend, PreluBackwardProducesDalpha) {
  int checked = 0;
  for (long channels : {5L, 7L, 5000L})
    for (std::int64_t n : {std::int64_t{1003}, std::int64_t{70001}})
      for (Impl impl : {Impl::actbench, Impl::thrust})
        for (int where : {0, 1, 2})  // y apart, y on dy, y on x
          for (bool stream : {false, true}) {
          Params p;
          p.prelu_channels = channels;
          const auto slopes = prelu_slopes(p);
          const auto check = [&](auto tag, DType t) {
            using T = decltype(tag);
            using tr = dtype_traits<T>;
            std::vector<T> x(static_cast<std::size_t>(n)), dy(x.size()), y(x.size());
            std::vector<float> dalpha(static_cast<std::size_t>(channels), -1.f);
            for (std::int64_t i = 0; i < n; ++i) {
              x[i] = tr::from_compute(static_cast<compute_t<T>>((i % 13) - 6) * compute_t<T>(0.5));
              dy[i] = tr::from_compute(static_cast<compute_t<T>>((i % 7) - 3) * compute_t<T>(0.25));
            }
            const std::vector<T> x0 = x, dy0 = dy;
            Launch l;
            l.op = OpSpec{Activation::prelu, Direction::bwd, Variant::precise, p, slopes.data()};
            l.dtype = t;
            l.impl = impl;
            l.n = n;
            l.x = x.data();
            l.dy = dy.data();
            l.y = where == 1 ? dy.data() : where == 2 ? x.data() : y.data();
            l.prelu_dalpha = dalpha.data();
            cpu::StorePolicy sp;
            sp.stream_above_bytes = stream ? 0 : std::numeric_limits<std::size_t>::max();
            sp.compute_bound_too = stream;
            cpu::launch<T>(l, sp);
            const T* out = static_cast<const T*>(l.y);
            std::vector<double> want(static_cast<std::size_t>(channels), 0.0);
            for (std::int64_t i = 0; i < n; ++i) {
              const auto xi = tr::to_compute(x0[i]), di = tr::to_compute(dy0[i]);
              const auto slope = static_cast<compute_t<T>>(slopes[static_cast<std::size_t>(i % channels)]);
              if (xi < 0) want[static_cast<std::size_t>(i % channels)] += double(di) * double(xi);
              ASSERT_EQ(tr::to_compute(out[i]), tr::to_compute(tr::from_compute(xi > 0 ? di : di * slope)))
                  << to_string(t) << " element " << i << " channels " << channels;
            }
            for (long c = 0; c < channels; ++c) {
              ASSERT_EQ(dalpha[static_cast<std::size_t>(c)], static_cast<float>(want[static_cast<std::size_t>(c)]))
                  << to_string(t) << " channel " << c << " of " << channels << " n " << n << " impl "
                  << static_cast<int>(impl) << " y at " << where << " stream " << stream;
            }
            ++checked;
          };
          check(float{}, DType::f32);
          check(double{}, DType::f64);
          check(f16_t{}, DType::f16);
          check(bf16_t{}, DType::bf16);
        }
  EXPECT_EQ(checked, 3 * 2 * 2 * 3 * 2 * 4);
}

TEST(CpuBackend, CopiesCopy) {
  auto backend = make_cpu_backend();
  std::vector<double> src(10001), dst(10001, 0.0);
  std::iota(src.begin(), src.end(), 1.0);
  for (CopyKind k : {CopyKind::memcpy, CopyKind::kernel}) {
    std::fill(dst.begin(), dst.end(), 0.0);
    backend->copy(k, dst.data(), src.data(), src.size() * sizeof(double), DType::f64);
    EXPECT_EQ(dst, src);
  }
  // the copy kernel with non-temporal stores, into an unaligned destination too
  std::vector<std::uint16_t> a(5003), b(5004, 0);
  std::iota(a.begin(), a.end(), std::uint16_t{1});
  cpu::StorePolicy always;
  always.stream_above_bytes = 0;
  for (std::size_t off : {0u, 1u}) {
    std::fill(b.begin(), b.end(), 0);
    cpu::copy_kernel<bf16_t>(b.data() + off, a.data(), static_cast<std::int64_t>(a.size()), always);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin() + static_cast<std::ptrdiff_t>(off)));
  }
  EXPECT_TRUE(backend->facts().details.contains("stores"));
  EXPECT_TRUE(backend->time_batched([] {}, 4).has_value());
  EXPECT_GT(backend->free_memory(), 0u);
  EXPECT_GT(backend->facts().cache_bytes, 0u);
}

// flush_cache evicts the buffers the backend holds (line by line on x86-64): their contents stay; a buffer freed
// before it is no longer touched (64 MiB: glibc returns a block that large to the system at once, so a flush of its
// lines would fault); a flush with no buffer at all does nothing; a buffer may outlive the backend (its deleter holds
// the registry, not the backend: under ASan or valgrind a deleter that reached into the backend would be reported).
TEST(CpuBackend, CacheFlushKeepsLiveBuffersAndForgetsFreedOnes) {
  auto backend = make_cpu_backend();
  ASSERT_TRUE(backend->has_cache_flush());
  EXPECT_TRUE(backend->facts().details.contains("cold_flush"));
  backend->flush_cache();
  Buffer a = backend->allocate(3 * 4096 + 5);  // not a multiple of a line
  std::vector<unsigned char> pattern(a.bytes());
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<unsigned char>(i * 7 + 1);
  backend->upload(a, pattern.data(), pattern.size());
  {
    Buffer gone = backend->allocate(std::size_t{64} << 20);
    backend->fill(gone, 0xab);
    backend->flush_cache();
  }
  backend->flush_cache();
  std::vector<unsigned char> back(a.bytes());
  backend->download(back.data(), a, back.size());
  EXPECT_EQ(back, pattern);
  Buffer outlives = backend->allocate(64);
  backend.reset();
  outlives = Buffer();
}

TEST(CpuBackend, RunnerProducesACompleteRecord) {
  auto backend = make_cpu_backend();
  RunOptions opt;
  opt.rule = StopRule{1, 3, 20, 0.0, 0.05, 0.05};
  Runner runner(*backend, opt);
  const Case c{Activation::gelu, Direction::bwd, DType::bf16, Variant::precise, Impl::actbench, BackendKind::cpu, 0, 4096};
  const CaseOutcome o = runner.run(c, 0);
  ASSERT_TRUE(o.record) << (o.not_run ? o.not_run->reason : "");
  const nlohmann::json r = to_json(*o.record);
  for (const char* key : {"name", "run_type", "real_time", "cpu_time", "time_unit", "iterations", "activation",
                          "direction", "dtype", "variant", "impl", "backend", "device", "n", "bytes", "status",
                          "timing", "gbps", "elements_per_s", "pct_of_copy_bw", "pct_of_copy_kernel_bw",
                          "l2_resident", "accuracy", "params", "bytes_convention", "output_check"})
    EXPECT_TRUE(r.contains(key)) << key;
  EXPECT_EQ(r["bytes"], 3 * 4096 * 2);
  EXPECT_EQ(r["bytes_convention"], "x, dy read + dx written");
  // the timed output: first and last 64 and 4096 strided elements, against the host functor
  EXPECT_EQ(r["output_check"]["elements"], 64 + 4096 + 64);
  EXPECT_EQ(r["output_check"]["mismatches"], 0);
  EXPECT_TRUE(r["output_check"]["pass"].get<bool>());
  EXPECT_TRUE(r["output_check"]["first_mismatch"].is_null());
  EXPECT_GT(r["gbps"].get<double>(), 0.0);
  EXPECT_GT(r["pct_of_copy_bw"].get<double>(), 0.0);
  EXPECT_TRUE(r["accuracy"]["exhaustive"].get<bool>());
  EXPECT_EQ(r["accuracy"]["inputs_tested"], 65536);
  EXPECT_EQ(r["status"], "pass") << r["accuracy"].dump();
  EXPECT_FALSE(r["timing"]["cold"].is_null());
  const auto& roof = runner.roofline();
  ASSERT_EQ(roof.size(), 1u);
  EXPECT_GT(to_json(roof[0])["memcpy"]["gbps"].get<double>(), 0.0);
}

TEST(CpuBackend, TextbookFailureIsReportedAsFailing) {
  auto backend = make_cpu_backend();
  RunOptions opt;
  opt.rule = StopRule{0, 2, 5, 0.0, 0.02, 1.0};
  Runner runner(*backend, opt);
  const Case c{Activation::sigmoid, Direction::fwd, DType::f32, Variant::textbook, Impl::actbench, BackendKind::cpu, 0, 1024};
  const CaseOutcome o = runner.run(c, 0);
  ASSERT_TRUE(o.record);
  EXPECT_TRUE(o.record->accuracy_failed());
  EXPECT_STREQ(o.record->status(), "fail");
  EXPECT_GT(o.record->accuracy->max_ulp, 1e5);
}

TEST(CpuBackend, ImpossibleCasesAreSkippedWithAReason) {
  auto backend = make_cpu_backend();
  Runner runner(*backend, RunOptions{});
  const Case huge{Activation::relu, Direction::bwd, DType::f64, Variant::precise, Impl::actbench, BackendKind::cpu, 0,
                  std::int64_t{1} << 40};
  const CaseOutcome o = runner.run(huge, 0);
  ASSERT_TRUE(o.not_run);
  EXPECT_FALSE(o.not_run->error);
  EXPECT_NE(o.not_run->reason.find("does not fit"), std::string::npos) << o.not_run->reason;
  EXPECT_EQ(to_json(*o.not_run)["status"], "skipped");
  const Case dnn{Activation::relu, Direction::fwd, DType::f32, Variant::precise, Impl::cudnn, BackendKind::cpu, 0, 16};
  const CaseOutcome o2 = runner.run(dnn, 0);
  ASSERT_TRUE(o2.not_run);
  EXPECT_NE(o2.not_run->reason.find("cuDNN"), std::string::npos);
}

TEST(Plausibility, RecordsFasterThanTheCopyOrUnconvergedAreSuspect) {
  RooflineRecord roof;
  roof.dtype = DType::f32;
  roof.n = 1 << 20;
  roof.memcpy.median = static_cast<double>(roof.bytes()) / 100e9;  // 100 GB/s
  roof.copy_kernel.median = roof.memcpy.median;
  BenchmarkRecord r;
  r.c.dtype = DType::f32;
  r.c.n = roof.n;
  r.hot.converged = true;
  r.gbps = 90;
  apply_roofline(r, roof, Plausibility{});
  EXPECT_NEAR(r.pct_of_copy_bw, 90.0, 1e-9);
  EXPECT_TRUE(r.suspect.empty());
  r.gbps = 120;
  apply_roofline(r, roof, Plausibility{});
  ASSERT_EQ(r.suspect.size(), 1u);
  EXPECT_NE(r.suspect[0].find("105%"), std::string::npos) << r.suspect[0];
  EXPECT_EQ(r.suspect[0].rfind(kFasterThanCopyToken, 0), 0u) << r.suspect[0];  // the token the tools read
  r.gbps = 50;
  r.hot.converged = false;
  apply_roofline(r, roof, Plausibility{});
  ASSERT_EQ(r.suspect.size(), 1u);
  EXPECT_NE(r.suspect[0].find("converge"), std::string::npos);
  // the roofline's own reasons reach its records; % of copy uses its better copy
  roof.memcpy_after = roof.memcpy;
  roof.memcpy_after->median /= 4;  // 400 GB/s after the cases
  roof.suspect = {"roofline unstable: test"};
  r.hot.converged = true;
  apply_roofline(r, roof, Plausibility{});
  EXPECT_NEAR(r.pct_of_copy_bw, 12.5, 1e-9);
  EXPECT_EQ(r.suspect, std::vector<std::string>{"roofline unstable: test"});
  EXPECT_EQ(to_json(roof)["copy"]["source"], "memcpy");
  // ... and the copy kernel where it is the faster copy (on the cpu it streams out of cache, memcpy may not)
  roof.copy_kernel.median = roof.memcpy.median / 5;  // 500 GB/s
  apply_roofline(r, roof, Plausibility{});
  EXPECT_NEAR(r.pct_of_copy_bw, 10.0, 1e-9);
  EXPECT_NEAR(r.pct_of_copy_kernel_bw, 10.0, 1e-9);
  EXPECT_EQ(to_json(roof)["copy"]["source"], "copy_kernel");
  EXPECT_NEAR(to_json(roof)["copy"]["gbps"].get<double>(), 500.0, 1e-6);
}

TEST(Plausibility, FinishGroupMeasuresTheCopyAgain) {
  auto backend = make_cpu_backend();
  RunOptions opt;
  opt.rule = StopRule{0, 3, 10, 0.0, 0.02, 0.05};
  opt.accuracy = AccuracyMode::off;
  Runner runner(*backend, opt);
  EXPECT_FALSE(runner.finish_group().has_value());  // no group yet
  const Case a{Activation::relu, Direction::fwd, DType::f32, Variant::precise, Impl::actbench, BackendKind::cpu, 0, 4096};
  Case b = a;
  b.n = 8192;
  ASSERT_TRUE(runner.run(a, 0).record);
  const CaseOutcome ob = runner.run(b, 0);  // moving to another n finishes a's group
  ASSERT_TRUE(ob.finished_group);
  EXPECT_EQ(ob.finished_group->n, 4096);
  EXPECT_TRUE(ob.finished_group->memcpy_after.has_value());
  const auto last = runner.finish_group();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->n, 8192);
  EXPECT_TRUE(to_json(*last).contains("memcpy_after"));
}

namespace {

/// The cpu backend, except that launches of exactly `skip_n` elements leave element `skip_at` unwritten
/// (it keeps what the buffer held): a kernel with an indexing bug in the timed launches only.
class SkippingBackend final : public Backend {
 public:
  SkippingBackend(std::int64_t skip_n, std::int64_t skip_at) : b_(make_cpu_backend()), n_(skip_n), at_(skip_at) {}
  BackendKind kind() const override { return b_->kind(); }
  const DeviceFacts& facts() const override { return b_->facts(); }
  std::optional<std::string> unsupported(Impl i, const OpSpec& op, DType t) const override { return b_->unsupported(i, op, t); }
  std::size_t free_memory() const override { return b_->free_memory(); }
  Buffer allocate(std::size_t bytes) override { return b_->allocate(bytes); }
  void upload(Buffer& d, const void* s, std::size_t bytes) override { b_->upload(d, s, bytes); }
  void download(void* d, const Buffer& s, std::size_t bytes) override { b_->download(d, s, bytes); }
  void download_strided(void* d, const Buffer& s, std::size_t e, std::size_t f, std::size_t st, std::size_t c) override {
    b_->download_strided(d, s, e, f, st, c);
  }
  void fill(Buffer& d, std::uint8_t v) override { b_->fill(d, v); }
  void launch(const Launch& l) override {
    const std::size_t size = static_cast<std::size_t>(dtype_info(l.dtype).size_bytes);
    unsigned char keep[8];
    auto* y = static_cast<unsigned char*>(l.y) + static_cast<std::size_t>(at_) * size;
    const bool skip = l.n == n_;
    if (skip) std::memcpy(keep, y, size);
    b_->launch(l);
    if (skip) std::memcpy(y, keep, size);
  }
  void copy(CopyKind k, void* d, const void* s, std::size_t bytes, DType t) override { b_->copy(k, d, s, bytes, t); }
  void synchronize() override { b_->synchronize(); }
  void flush_cache() override { b_->flush_cache(); }
  bool has_cache_flush() const override { return b_->has_cache_flush(); }
  double time_once(const std::function<void()>& work) override { return b_->time_once(work); }
  std::unique_ptr<BatchedTimer> prepare_batched(const std::function<void()>& work, int reps) override {
    return b_->prepare_batched(work, reps);
  }

 private:
  std::unique_ptr<Backend> b_;
  std::int64_t n_, at_;
};

}  // namespace

// Issue 14 item 11: the timed launches' output is checked, not only the accuracy chunks.  An element the
// timed kernel leaves unwritten (in its scalar tail here) keeps the poison and fails the record.
TEST(CpuBackend, TimedOutputMismatchFailsTheRecord) {
  const std::int64_t n = 5000;
  for (const Activation a : {Activation::prelu, Activation::sigmoid}) {
    SkippingBackend backend(n, n - 1);
    RunOptions opt;
    opt.rule = StopRule{0, 2, 3, 0.0, 0.01, 1.0};
    Runner runner(backend, opt);
    const Case c{a, Direction::bwd, DType::f32, Variant::precise, Impl::actbench, BackendKind::cpu, 0, n};
    const CaseOutcome o = runner.run(c, 0);
    ASSERT_TRUE(o.record) << (o.not_run ? o.not_run->reason : "");
    ASSERT_TRUE(o.record->output_check.has_value());
    EXPECT_TRUE(o.record->output_failed());
    EXPECT_EQ(o.record->output_check->mismatches, 1);
    EXPECT_NE(o.record->output_check->first_mismatch.find("element 4999"), std::string::npos)
        << o.record->output_check->first_mismatch;
    EXPECT_FALSE(to_json(*o.record)["output_check"]["pass"].get<bool>());
    // the same case on a correct backend passes (prelu: the host evaluates each sampled element's channel)
    auto good = make_cpu_backend();
    Runner ok(*good, opt);
    const CaseOutcome o2 = ok.run(c, 0);
    ASSERT_TRUE(o2.record);
    EXPECT_FALSE(o2.record->output_failed()) << o2.record->output_check->first_mismatch;
  }
}

// Accuracy chunks: an element the kernel leaves unwritten is caught whatever its expected value (the poison
// is all-ones bytes, a NaN; a NaN input carried through looks the same, so a second run over zero bytes
// tells them apart).
TEST(CpuBackend, UnwrittenElementIsAnErrorNotAResult) {
  const Case c{Activation::relu, Direction::fwd, DType::f16, Variant::precise, Impl::actbench, BackendKind::cpu, 0, 8};
  std::vector<std::uint64_t> xs = {0x3c00, 0xFFFF, 0x7e00, 0xbc00, 0x0000, 0x8000, 0xFFFF, 0x4000};
  SkippingBackend broken(8, 6);  // element 6's input is the all-ones NaN: expected output all-ones too
  EXPECT_THROW(run_on_inputs(broken, c, Params{}, xs, {}), BackendError);
  auto good = make_cpu_backend();
  const auto ys = run_on_inputs(*good, c, Params{}, xs, {});
  EXPECT_TRUE(std::isnan(decode(DType::f16, ys[1])));  // NaN propagates: a result, not an unwritten element
  EXPECT_TRUE(std::isnan(decode(DType::f16, ys[6])));
  EXPECT_EQ(ys[0], 0x3c00u);
}
