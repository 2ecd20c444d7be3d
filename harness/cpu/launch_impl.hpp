// actbench/harness/cpu/launch_impl.hpp - definition of cpu::launch<T>; included by launch_*.cpp (and the cpu
// backend's tests, for cpu::detail).
#pragma once

#include "harness/cpu/launch.hpp"
#include "harness/thrust_indexed.hpp"
#include "kernels/bits16.hpp"
#include "kernels/f32/parts.hpp"

#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/system/omp/execution_policy.h>
#include <thrust/transform.h>
#include <thrust/tuple.h>

#include <omp.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace actbench::cpu {

namespace detail {

/// Elements per block: the unit of every loop below (a few KB, L1-resident).  A multiple of 64, so that blocks
/// of 16-bit data stay 64-byte aligned when y is.
constexpr std::int64_t kBlock = 1024;
/// Bytes of output per block when a launch streams: small, so that the non-temporal stores of one block drain
/// while the next one computes (a whole 4 KB block at once stalled compute-bound kernels on the write-combining
/// buffers), and the same for every dtype (256 16-bit elements a block lost ~10% to the per-block overhead).
constexpr std::int64_t kStreamBlockBytes = 1024;
template <class T>
constexpr std::int64_t kStreamBlock = kStreamBlockBytes / static_cast<std::int64_t>(sizeof(T));
static_assert(kStreamBlockBytes % 64 == 0 && kStreamBlockBytes / 2 <= kBlock, "64-byte aligned blocks, in out[kBlock]");

/// Whether a launch writes its output with non-temporal stores (see StorePolicy): its working set (inputs and
/// output) exceeds the policy's threshold.
inline bool streams(const StorePolicy& sp, std::int64_t n, std::size_t elem_bytes, int inputs) {
  return static_cast<std::size_t>(n) * elem_bytes * static_cast<std::size_t>(inputs + 1) > sp.stream_above_bytes;
}

/// Copies `bytes` bytes from a 64-byte aligned block buffer to dst by non-temporal stores (AVX 32 bytes or SSE2
/// 16 bytes at a time where dst is aligned for them), the rest by plain stores.
inline void stream_out(void* dst, const void* src, std::size_t bytes) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  std::size_t i = 0;
#if defined(__AVX__)
  if (reinterpret_cast<std::uintptr_t>(d) % 32 == 0)
    for (; i + 32 <= bytes; i += 32)
      _mm256_stream_si256(reinterpret_cast<__m256i*>(d + i), _mm256_load_si256(reinterpret_cast<const __m256i*>(s + i)));
#elif defined(__SSE2__)
  if (reinterpret_cast<std::uintptr_t>(d) % 16 == 0)
    for (; i + 16 <= bytes; i += 16)
      _mm_stream_si128(reinterpret_cast<__m128i*>(d + i), _mm_load_si128(reinterpret_cast<const __m128i*>(s + i)));
#endif
  if (i < bytes) std::memcpy(d + i, s + i, bytes - i);
}

/// Orders this thread's non-temporal stores before whatever follows the parallel region.
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

/// The parallel loop every cpu kernel shares (the activations and the roofline's copy kernel alike): OpenMP
/// threads take contiguous runs of blocks (schedule static: the same partition as the buffers' first touch,
/// CpuBackend::allocate); `body(state, b, m, out)` computes elements [b, b + m) into `out`, which is y + b, or,
/// when the launch streams, a per-thread block buffer then written to y + b by non-temporal stores - no
/// read-for-ownership of y's lines, the way the platform's memcpy writes large copies.  `make_state()` builds each
/// thread's private state (a functor copy, block buffers) inside the parallel region.
/// `finish(state)` runs on each thread after its last block (prelu's dalpha: the thread's sums); by default nothing.
struct NoFinish {
  template <class State>
  void operator()(State&) const {}
};
template <class T, class MakeState, class Body, class Finish = NoFinish>
void for_blocks(T* y, std::int64_t n, bool stream, MakeState make_state, Body body, Finish finish = {}) {
#pragma omp parallel
  {
    auto state = make_state();
    alignas(64) T out[kBlock];
    const std::int64_t step = stream ? kStreamBlock<T> : kBlock;
#pragma omp for schedule(static) nowait
    for (std::int64_t b = 0; b < n; b += step) {
      const std::int64_t m = std::min(step, n - b);
      body(state, b, m, stream ? out : y + b);
      if (stream) stream_out(y + b, out, static_cast<std::size_t>(m) * sizeof(T));
    }
    if (stream) stream_fence();
    finish(state);
  }
}

/// The functors of a block's elements, indexed by the element's offset j in the block (fs.block(b)[j]).
/// An index-free op: one private copy of its functor (its parameters are then locals the stores to y cannot
/// touch, so the compiler keeps them in registers and vectorizes; reloaded per element, leaky_relu ran at
/// 3 GB/s).  A per-channel op (prelu): a per-thread table of the channel functors, ext[k] = functor(k) for
/// k < channels + kBlock, and element b + j uses ext[b % channels + j] - a unit-stride load where the index
/// form costs a remainder per element.  Above kMaxTableChannels channels such a table would not stay in the
/// cache: the block's own functors are then written into a block-sized table first.
/// Conv::apply(op.functor(i)) is what the table holds: the functor as built (AsBuilt), or run_bits' copy of it with
/// its parameter as storage bits (OnBits).
constexpr std::int64_t kMaxTableChannels = 4096;
struct AsBuilt {
  template <class F>
  static F apply(const F& f) {
    return f;
  }
};
template <class Op, bool PerChannel = Op::per_channel, class Conv = AsBuilt>
class BlockFunctors {
 public:
  using F = std::decay_t<decltype(Conv::apply(std::declval<const Op&>().functor(0)))>;
  explicit BlockFunctors(const Op& op) : f_(Conv::apply(op.functor(0))) {}
  struct View {
    F f;
    const F& operator[](std::int64_t) const { return f; }
  };
  View block(std::int64_t) const { return View{f_}; }

 private:
  F f_;
};
template <class Op, class Conv>
class BlockFunctors<Op, true, Conv> {
 public:
  using F = std::decay_t<decltype(Conv::apply(std::declval<const Op&>().functor(0)))>;
  explicit BlockFunctors(const Op& op) : op_(op), channels_(op.act.channels) {
    const bool whole = channels_ <= kMaxTableChannels;
    for (std::int64_t k = 0; k < (whole ? channels_ + kBlock : kBlock); ++k)
      table_.push_back(Conv::apply(op.functor(k)));
  }
  const F* block(std::int64_t b) {
    if (channels_ <= kMaxTableChannels) return table_.data() + b % channels_;
    for (std::int64_t j = 0; j < kBlock; ++j) table_[static_cast<std::size_t>(j)] = Conv::apply(op_.functor(b + j));
    return table_.data();
  }

 private:
  Op op_;
  std::int64_t channels_;
  std::vector<F> table_;
};

/// prelu's channel count, as its functor and prelu_dalpha take it.
inline std::int64_t prelu_channels(const Launch& l) { return std::max<std::int64_t>(1, l.op.params.prelu_channels); }
/// prelu's dalpha per channel, summed in double from each thread's partial sums (index k of a part holds channel
/// k % channels: prelu_dalpha's rows, run_blocks' table-indexed sums), then written to l.prelu_dalpha as float.
class DalphaTotal {
 public:
  explicit DalphaTotal(std::int64_t channels) : sum_(static_cast<std::size_t>(channels), 0.0) {}
  /// From inside the parallel region, once per thread.
  void add(const std::vector<double>& part) {
#pragma omp critical(actbench_dalpha)
    for (std::size_t k = 0; k < part.size(); ++k) sum_[k % sum_.size()] += part[k];
  }
  void write(const Launch& l) const {
    for (std::size_t c = 0; c < sum_.size(); ++c) l.prelu_dalpha[c] = static_cast<float>(sum_[c]);
  }

 private:
  std::vector<double> sum_;
};
/// Whether prelu's dalpha is summed in the pass that writes dx (run_blocks: x and dy read once) rather than by
/// prelu_dalpha's own pass first: where the per-channel functor table holds every channel (its indexing is the
/// sums'), for actbench's kernels (the thrust peer runs thrust::transform and the pass).  Every per-channel bwd of
/// actbench's runs through run_blocks: kOnBits admits prelu's f' only, and run_split takes the f32 exp family only.
/// Whether BlockFunctors' per-thread table holds every one of prelu's channels (its whole-table form).
inline bool table_holds_all_channels(const Launch& l) { return prelu_channels(l) <= kMaxTableChannels; }
inline bool dalpha_in_dx_pass(const Launch& l) {
  return wants_prelu_dalpha(l) && l.impl == Impl::actbench && table_holds_all_channels(l);
}

/// Whether F{} is a constant expression (the functors of the catalog: parameters with default initializers).
template <class F, class = void>
struct ConstexprDefault : std::false_type {};
template <class F>
struct ConstexprDefault<F, std::void_t<std::integral_constant<int, (F{}, 0)>>> : std::true_type {};
template <class F>
inline constexpr F kDefaultFunctor{};
/// The functor of every element when a launch's functor is the default one (its parameters, bit for bit, the
/// catalog's defaults: swish's beta = 1, elu's alpha = 1, ...): a constant the compiler folds into the loop, which
/// then leaves out what only other parameters need (the loop is too large for GCC to unswitch on them itself).
template <class F>
struct DefaultFunctorView {
  const F& operator[](std::int64_t) const { return kDefaultFunctor<F>; }
};
/// Whether the default functor stands in for f: the same object representation (memcmp: -0 and NaN parameters
/// are not the default's), only for functors with parameters (an empty one has nothing to fold, and its one byte
/// is padding) and only for 16-bit data, whose loops it speeds up: a second loop is instantiated for those alone.
template <class Op, class F>
constexpr bool kMayUseDefaultFunctor = !Op::per_channel && sizeof(typename Op::storage_t) == 2 &&
                                       !std::is_empty<F>::value && std::is_trivially_copyable<F>::value &&
                                       ConstexprDefault<F>::value;
template <class Op, class F>
bool use_default_functor(const F& f) {
  if constexpr (kMayUseDefaultFunctor<Op, F>)
    return std::memcmp(&f, &kDefaultFunctor<F>, sizeof(F)) == 0;
  else
    return false;
}

/// 16-bit elements per widen-compute-narrow step of run_blocks (four AVX2 vectors of f32, two AVX-512 ones).
constexpr std::int64_t kChunk = 32;
/// Store forwarding.  The f32 chunk passes through memory between the three loops, and the element loop's vector
/// width is the compiler's choice (256 or 512 bits on an AVX-512 machine, by its tuning).  A load that spans two
/// stores cannot take its data from the store buffer and waits for them to reach the cache: widening with 256-bit
/// stores in front of a 512-bit element loop held leaky_relu f16 fwd to 13.2 GB/s at 2^22 on an AVX-512 Xeon, 33
/// after (results/peers/vm-cpu-comparison-2026-12-05-4, -12-06).  So the widening stores the widest vector the
/// build has (a narrower load inside one store forwards), and the rounding back loads 256 bits at a time (inside
/// whatever the element loop stored; with 128-bit loads the rounding itself cost ~20% more in an uncommitted
/// micro-benchmark).  Every full chunk's element loop is vectorized at 256 or 512 bits; a partial chunk's scalar
/// epilogue may still wait, once per block at most.  In a build for AVX-512, run_blocks takes sixteen elements a
/// step in registers instead (widen16 / narrow16) and the chunks only a block's last few elements (fewer than 16:
/// narrow_bf16 then rounds them by its scalar tail) and prelu's dalpha pass.

#if defined(__AVX512F__)
/// The AVX-512 code below writes every intrinsic whose plain form passes an undefined source vector in its
/// zero-masking form with all lanes on (the same instruction): GCC 12's plain forms trip -Wmaybe-uninitialized once
/// inlined (GCC bug 105593).
constexpr __mmask16 kAll16 = 0xffff;
#endif

#if defined(__F16C__)
constexpr bool kHaveF16c = true;
/// f16 <-> f32 by the hardware (vcvtph2ps 16 at a time with AVX-512, else 8; vcvtps2ph 8 at a time; round to
/// nearest even): IEEE's conversions, the same bits as dtype.hpp's (tests/host/test_dtype.cpp holds that one to
/// IEEE; the cpu backend tests compare every op with the functor bit for bit).  GCC 12 vectorizes neither _Float16
/// casts nor these intrinsics inside an element loop, and the portable bit-twiddling costs more than a relu.
#if defined(__AVX512F__)
/// Sixteen f16 to f32 in one vector, and back (round to nearest even): run_blocks' in-register step, widen_f16.
inline __m512 widen16(const f16_t* src) {
  return _mm512_maskz_cvtph_ps(kAll16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
}
inline void narrow16(__m512 v, f16_t* dst) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_maskz_cvtps_ph(kAll16, v, _MM_FROUND_TO_NEAREST_INT));
}
#endif
inline void widen_f16(const f16_t* src, float* dst, std::int64_t m) {
  const auto* s = reinterpret_cast<const std::uint16_t*>(src);
  std::int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= m; i += 16) _mm512_storeu_ps(dst + i, widen16(src + i));  // the widest stores (store forwarding)
#endif
  for (; i + 8 <= m; i += 8)
    _mm256_store_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i))));
  for (; i < m; ++i) dst[i] = _cvtsh_ss(s[i]);
}
inline void narrow_f16(const float* src, f16_t* dst, std::int64_t m) {
  auto* d = reinterpret_cast<std::uint16_t*>(dst);
  std::int64_t i = 0;
  for (; i + 8 <= m; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), _mm256_cvtps_ph(_mm256_load_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < m; ++i) d[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}
#else
constexpr bool kHaveF16c = false;
#endif

#if defined(__AVX2__)
constexpr bool kHaveAvx2 = true;
/// bf16 <-> f32 eight or sixteen at a time: a widening shift, and dtype.hpp's f32_to_bf16_bits (round to nearest
/// even, a NaN kept quiet with its sign and high payload) on eight lanes (sixteen with AVX-512, or vcvtneps2bf16 in
/// a build for AVX512-BF16), packed back to 16 bits.  The f32 side (dst of widen, src of narrow) is 32-byte
/// aligned, as for widen_f16 / narrow_f16 (the 512-bit stores are unaligned ones).
#if defined(__AVX512F__)
/// Sixteen bf16 to f32 in one vector (a shift): run_blocks' in-register step (narrow16 below rounds back), widen_bf16.
inline __m512 widen16(const bf16_t* src) {
  const __m512i w = _mm512_maskz_cvtepu16_epi32(kAll16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
  return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAll16, w, 16));
}
#endif
inline void widen_bf16(const bf16_t* src, float* dst, std::int64_t m) {
  const auto* s = reinterpret_cast<const std::uint16_t*>(src);
  std::int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= m; i += 16) _mm512_storeu_ps(dst + i, widen16(src + i));  // the widest stores (store forwarding)
#endif
  for (; i + 8 <= m; i += 8) {
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
    _mm256_store_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
  }
  for (; i < m; ++i) dst[i] = dtype_traits<bf16_t>::to_compute(src[i]);
}
inline __m256i bf16_bits8(__m256 v) {  // eight f32_to_bf16_bits in the low halves of the lanes
  const __m256i u = _mm256_castps_si256(v);
  const __m256i hi = _mm256_srli_epi32(u, 16);
  const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
                                         _mm256_set1_epi32(0x7f800000));
  const __m256i rounding = _mm256_add_epi32(_mm256_set1_epi32(0x7fff), _mm256_and_si256(hi, _mm256_set1_epi32(1)));
  const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(u, rounding), 16);
  return _mm256_blendv_epi8(rounded, _mm256_or_si256(hi, _mm256_set1_epi32(0x40)), nan);
}
#if defined(__AVX512F__)
inline __m256i bf16_bits16(__m512i u) {  // bf16_bits8 on sixteen lanes (f32 bits), packed to 16 bits (vpmovdw)
  const __m512i hi = _mm512_maskz_srli_epi32(kAll16, u, 16);
  const __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                                _mm512_set1_epi32(0x7f800000));
  const __m512i rounding = _mm512_add_epi32(_mm512_set1_epi32(0x7fff), _mm512_and_si512(hi, _mm512_set1_epi32(1)));
  const __m512i rounded = _mm512_maskz_srli_epi32(kAll16, _mm512_add_epi32(u, rounding), 16);
  const __m512i quiet = _mm512_or_si512(hi, _mm512_set1_epi32(0x40));
  return _mm512_maskz_cvtepi32_epi16(kAll16, _mm512_mask_mov_epi32(rounded, nan, quiet));
}
/// Sixteen f32 back to bf16: bf16_bits16, or in a build for AVX512-BF16 vcvtneps2bf16,
/// which rounds a zero, a normal value, an infinity and a NaN as bf16_bits16 does (Intel SDM) but flushes f32
/// subnormals to zero, which bf16 keeps: a vector holding one (|u| - 1 < 2^23 - 1 unsigned) takes the integer code.
inline void narrow16(__m512 v, bf16_t* dst) {
  const __m512i u = _mm512_castps_si512(v);
  auto* d = reinterpret_cast<__m256i*>(dst);
#if defined(__AVX512BF16__)
#if defined(__AVX512DQ__)
  const bool subnormal = _mm512_fpclass_ps_mask(v, 0x20) != 0;  // class 0x20: a denormal lane
#else
  const __m512i mag = _mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff));
  const bool subnormal =
      _mm512_cmplt_epu32_mask(_mm512_sub_epi32(mag, _mm512_set1_epi32(1)), _mm512_set1_epi32(0x007fffff)) != 0;
#endif
  if (!subnormal) {
    const __m256bh r = _mm512_cvtneps_pbh(v);
    _mm256_storeu_si256(d, reinterpret_cast<const __m256i&>(r));
    return;
  }
#endif
  _mm256_storeu_si256(d, bf16_bits16(u));
}
#endif
inline void narrow_bf16(const float* src, bf16_t* dst, std::int64_t m) {
  auto* d = reinterpret_cast<std::uint16_t*>(dst);
  std::int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= m; i += 16) {  // two 256-bit loads (store forwarding, at kChunk), rounded as one vector
    const auto* h = reinterpret_cast<const __m256i*>(src + i);
    const __m512i lo = _mm512_maskz_inserti64x4(0xff, _mm512_setzero_si512(), _mm256_load_si256(h), 0);
    narrow16(_mm512_castsi512_ps(_mm512_maskz_inserti64x4(0xff, lo, _mm256_load_si256(h + 1), 1)), dst + i);
  }
#endif
  for (; i + 16 <= m; i += 16) {  // packus interleaves the 128-bit lanes: the permute puts them back in order
    const __m256i p = _mm256_packus_epi32(bf16_bits8(_mm256_load_ps(src + i)), bf16_bits8(_mm256_load_ps(src + i + 8)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), _mm256_permute4x64_epi64(p, 0xd8));
  }
  for (; i < m; ++i) dst[i] = dtype_traits<bf16_t>::from_compute(src[i]);
}
#else
constexpr bool kHaveAvx2 = false;
#endif

/// Whether this build converts T <-> f32 by vector code (f16: F16C, bf16: AVX2): run_blocks then takes such data
/// kChunk elements at a time.
template <class T>
constexpr bool kVectorConversions =
    (kHaveF16c && std::is_same<T, f16_t>::value) || (kHaveAvx2 && std::is_same<T, bf16_t>::value);
/// k elements of T to and from f32 (k: an int64, or an integral_constant for a full chunk): the vector code where
/// the build has it, dtype.hpp's conversions else - the same bits.
template <class T, class K>
void widen_chunk(const T* src, compute_t<T>* dst, K k) {
#if defined(__F16C__)
  if constexpr (std::is_same<T, f16_t>::value) return widen_f16(src, dst, k);
#endif
#if defined(__AVX2__)
  if constexpr (std::is_same<T, bf16_t>::value) return widen_bf16(src, dst, k);
#endif
  for (std::int64_t j = 0; j < k; ++j) dst[j] = dtype_traits<T>::to_compute(src[j]);
}
template <class T, class K>
void narrow_chunk(const compute_t<T>* src, T* dst, K k) {
#if defined(__F16C__)
  if constexpr (std::is_same<T, f16_t>::value) return narrow_f16(src, dst, k);
#endif
#if defined(__AVX2__)
  if constexpr (std::is_same<T, bf16_t>::value) return narrow_bf16(src, dst, k);
#endif
  for (std::int64_t j = 0; j < k; ++j) dst[j] = dtype_traits<T>::from_compute(src[j]);
}

/// Every op but the f32 split ones: per block, the element op over the block's functors (or the default functor,
/// use_default_functor).  16-bit data in a build with vector conversions for them (f16: F16C, bf16: AVX2) go
/// kChunk elements at a time through three short loops: widen to f32 (F16C; bf16 by a shift), the element op
/// (vectorized), round back (F16C; bf16 by AVX2 or AVX-512 integer code, or vcvtneps2bf16 in a build for
/// AVX512-BF16) - the same bits as dtype.hpp's conversions; a build for AVX-512 takes sixteen at a time in
/// registers instead (below), the chunk code only a block's last few.  Else
/// (f32, f64, 16-bit data in a build without those ISA extensions) the conversions stay inside the one vectorized
/// element loop.  A chunk in registers or L1 is the fast shape: on a Zen 3, a whole block per pass (4 KB of f32
/// written and read back twice) ran relu f16 at 0.24-0.36x of the speed, the conversions inside the element loop
/// ran bf16 relu at 0.59-0.70x (results/cpu-chunks/, fwd, f' and bwd).
template <class Op>
void run_blocks(const Op& op, const Launch& l, const StorePolicy& sp) {
  using T = typename Op::storage_t;
  using C = typename Op::compute_t;
  using tr = dtype_traits<T>;
  using F = typename BlockFunctors<Op>::F;
  constexpr bool kBwd = Op::direction == Direction::bwd;
  // 16-bit data whose conversions the build has vector code for in chunks: widened, computed and rounded back
  // while in registers or L1
  constexpr bool kChunked = kVectorConversions<T>;
  // prelu's bwd with dalpha_in_dx_pass(l): each thread sums dy * x (x < 0) in acc[b % channels + j], the indexing
  // of the per-channel functor table, then folds acc into dalpha's channels (finish below)
  constexpr bool kMayFuseDalpha = Op::per_channel && kBwd;
  const bool fuse_dalpha = kMayFuseDalpha && dalpha_in_dx_pass(l);
  const std::int64_t channels = fuse_dalpha ? prelu_channels(l) : 1;
  DalphaTotal dalpha(fuse_dalpha ? channels : 0);  // nothing allocated for the other ops
  const T* x = static_cast<const T*>(l.x);
  const T* dy = kBwd ? static_cast<const T*>(l.dy) : nullptr;
  T* y = static_cast<T*>(l.y);
  const bool by_default = use_default_functor<Op>(F(op.functor(0)));
  struct State {
    BlockFunctors<Op> fs;
    std::vector<double> acc;
    alignas(64) C xc[kChunked ? kChunk : 1];
    alignas(64) C dc[kChunked && kBwd ? kChunk : 1];
  };
  // The block [b, b + m) with the functors fn[j]; with Fuse (std::true_type), dalpha's terms added to acc[j].
  const auto block = [&](State& s, const auto& fn, double* acc, auto fuse, std::int64_t b, std::int64_t m, T* out) {
    constexpr bool kFuse = decltype(fuse)::value;
    const T* xb = x + b;
    const T* db = kBwd ? dy + b : nullptr;
    // Element c + j of the block from its inputs in f32, t[j] (and d[j]: dy), into t[j]; dalpha's term where fused.
    // The one element step of the loops below (each keeps its own simd pragma; inlined, as the loops must have it
    // to vectorize).  Forced inline by the GNU attribute (a C++11 attribute in this place would appertain to the
    // lambda's type): left to GCC 12, a build for AVX2 without AVX-512 warns of a 2^62-iteration loop in narrow_bf16
    // (-Waggressive-loop-optimizations, spurious), which fails a build with ACTBENCH_WERROR.
    const auto step = [&](C* t, const C* d, std::int64_t c, std::int64_t j) __attribute__((always_inline)) {
      if constexpr (kBwd) {
        if constexpr (kFuse) acc[c + j] += static_cast<double>(prelu_dalpha_term_of(t[j], d[j]));
        t[j] = Op::eval(fn[c + j], t[j], d[j]);
      } else {
        (void)d;
        t[j] = Op::eval(fn[c + j], t[j]);
      }
    };
    if constexpr (kChunked) {
      // k elements from c: a full chunk has a constant trip count
      const auto chunk = [&](std::int64_t c, auto k) {
        widen_chunk(xb + c, s.xc, k);  // read before y is written: in place is safe
        if constexpr (kBwd) {
          widen_chunk(db + c, s.dc, k);
#pragma omp simd
          for (std::int64_t j = 0; j < k; ++j) step(s.xc, s.dc, c, j);
        } else {
#pragma omp simd
          for (std::int64_t j = 0; j < k; ++j) step(s.xc, nullptr, c, j);
        }
        narrow_chunk(s.xc, out + c, k);
      };
      std::int64_t c = 0;
#if defined(__AVX512F__)
      // Sixteen elements a step in registers: widened into one vector, the element loop at exactly that width
      // (simdlen: one iteration of 512-bit code, whatever width the compiler prefers elsewhere), rounded back from
      // it.  The arrays are locals that the compiler keeps in the vector registers (no store, no reload): 7 or 8
      // instructions per 16 elements for leaky_relu f16, where the chunk above passes through L1 (DESIGN.md).
      for (; c + 16 <= m; c += 16) {
        alignas(64) C t[16];
        alignas(64) C d[kBwd ? 16 : 1];
        _mm512_store_ps(t, widen16(xb + c));
        if constexpr (kBwd) _mm512_store_ps(d, widen16(db + c));
#pragma omp simd simdlen(16)
        for (std::int64_t j = 0; j < 16; ++j) step(t, d, c, j);
        narrow16(_mm512_load_ps(t), out + c);
      }
#else
      for (; c + kChunk <= m; c += kChunk) chunk(c, std::integral_constant<std::int64_t, kChunk>{});
#endif
      if (c < m) chunk(c, m - c);
    } else {
#pragma omp simd
      for (std::int64_t j = 0; j < m; ++j) {
        C t = tr::to_compute(xb[j]), d = kBwd ? tr::to_compute(db[j]) : C(0);  // read before out[j] is written
        step(&t, &d, j, 0);
        out[j] = tr::from_compute(t);
      }
    }
  };
  const auto make_state = [&] {
    return State{BlockFunctors<Op>(op), std::vector<double>(fuse_dalpha ? channels + kBlock : 0, 0.0), {}, {}};
  };
  const auto body = [&](State& s, std::int64_t b, std::int64_t m, T* out) {
    if constexpr (kMayFuseDalpha) {
      if (fuse_dalpha) return block(s, s.fs.block(b), s.acc.data() + b % channels, std::true_type{}, b, m, out);
    }
    if constexpr (kMayUseDefaultFunctor<Op, F>) {
      if (by_default) return block(s, DefaultFunctorView<F>{}, nullptr, std::false_type{}, b, m, out);
    }
    block(s, s.fs.block(b), nullptr, std::false_type{}, b, m, out);
  };
  const auto finish = [&](State& s) {
    if (fuse_dalpha) dalpha.add(s.acc);
  };
  for_blocks(y, l.n, streams(sp, l.n, sizeof(T), Op::num_inputs), make_state, body, finish);
  if (fuse_dalpha) dalpha.write(l);
}

/// Whether Op runs on the storage bits (kernels/bits16.hpp) on 16-bit data: every direction of a selecting functor
/// (relu, relu6), and f' of one whose element functor's f' alone selects (leaky_relu, hardsigmoid; prelu, whose
/// channels' functors are leaky_relu's; launch() keeps prelu with more channels than the table holds on run_blocks).
template <class Op, class F = std::decay_t<decltype(std::declval<const Op&>().functor(0))>>
constexpr bool kOnBits = sizeof(typename Op::storage_t) == 2 &&
                         ((selects_only<F>::value && !Op::per_channel) ||
                          (Op::direction == Direction::deriv && deriv_selects_only<F>::value));

/// run_bits' functors for a deriv_selects_only functor: its on_bits<B>() (f' alone, its value rounded to the bits B),
/// once per thread, or per channel of the thread's table.
template <class B>
struct OnBits {
  template <class F>
  static auto apply(const F& f) {
    return f.template on_bits<B>();
  }
};

/// A selecting functor on 16-bit data: its own fwd / f' on Bits16, the storage bits, in one vectorized loop (16
/// elements per AVX2 vector, nothing to convert), and bwd's dy * f'(x) exactly on the bits (a NaN product is
/// already quiet: nothing to quiet, where a test of the result cost a second NaN test; f and f' quiet a NaN
/// input, which they return, by Bits16::stored_at).  Memory-bound, so
/// the store policy is the copy's.  Loops over the bits as integers: GCC vectorizes no loop of 16-bit structs.
/// f' of a deriv_selects_only functor runs here too, from functors holding its value as bits (OnBits): one for the
/// op, or prelu's per-channel table (BlockFunctors, as run_blocks indexes it; at most kMaxTableChannels channels).
template <class Op>
void run_bits(const Op& op, const Launch& l, const StorePolicy& sp) {
  using T = typename Op::storage_t;
  using B = Bits16<T>;
  using U = typename dtype_traits<T>::bits_t;
  constexpr Direction kDir = Op::direction;
  const U* x = static_cast<const U*>(l.x);
  const U* dy = static_cast<const U*>(l.dy);
  using F = std::decay_t<decltype(op.functor(0))>;
  static_assert(selects_only<F>::value || kDir == Direction::deriv, "Bits16's product is exact for 0, +-1, NaN only");
  using Conv = std::conditional_t<selects_only<F>::value, AsBuilt, OnBits<B>>;
  for_blocks(static_cast<U*>(l.y), l.n, streams(sp, l.n, sizeof(T), Op::num_inputs),
             [&] { return BlockFunctors<Op, Op::per_channel, Conv>(op); },
             [&](auto& s, std::int64_t b, std::int64_t m, U* out) {
               const auto fs = s.block(b);
               const U* xb = x + b;
               if constexpr (kDir == Direction::fwd) {
#pragma omp simd
                 for (std::int64_t j = 0; j < m; ++j) out[j] = B::stored_at(B::of(xb[j]), fs[j].fwd(B::of(xb[j])));
               } else if constexpr (kDir == Direction::deriv) {
#pragma omp simd
                 for (std::int64_t j = 0; j < m; ++j) out[j] = B::stored_at(B::of(xb[j]), fs[j].deriv(B::of(xb[j])));
               } else {
                 const U* db = dy + b;
#pragma omp simd
                 for (std::int64_t j = 0; j < m; ++j) out[j] = (B::of(db[j]) * fs[j].deriv(B::of(xb[j]))).bits;  // quiet
               }
             });
}

template <class Op>
void run_thrust(const Op& op, const Launch& l) {
  using T = typename Op::storage_t;
  const T* x = static_cast<const T*>(l.x);
  T* y = static_cast<T*>(l.y);
  const auto pol = thrust::omp::par;
  if constexpr (Op::per_channel) {
    const thrust::counting_iterator<std::int64_t> idx(0);
    if constexpr (Op::direction == Direction::bwd) {
      const T* dy = static_cast<const T*>(l.dy);
      auto first = thrust::make_zip_iterator(thrust::make_tuple(idx, x, dy));
      thrust::transform(pol, first, first + l.n, y, ThrustIndexed<Op>{op});
    } else {
      auto first = thrust::make_zip_iterator(thrust::make_tuple(idx, x));
      thrust::transform(pol, first, first + l.n, y, ThrustIndexed<Op>{op});
    }
  } else if constexpr (Op::direction == Direction::bwd) {
    thrust::transform(pol, x, x + l.n, static_cast<const T*>(l.dy), y, op);
  } else {
    thrust::transform(pol, x, x + l.n, y, op);
  }
}

/// The hot path of f32 pieces over m elements: y[i] = hot(x[i]) (times dy[i] where kBwd); returns whether any x[i] is
/// cold.  Staged pieces (kernels/f32/split.hpp) run over kStage elements at a time: their heads into the columns hc
/// (for three stages, the first stage into pc and the heads from it), then the tails - loops of a part of the
/// dependency chain each, the same operations on the same values.
constexpr std::int64_t kStage = 256;
using HeadBuffer = float[f32::kMaxHeadFloats][kStage];
template <bool kBwd, class P>
bool hot_pass(const P parts, const float* xb, const float* db, float* yb, std::int64_t m, HeadBuffer& pc,
              HeadBuffer& hc) {
  int any_cold = 0;
  if constexpr (P::kStages > 1) {
    using HeadCols = f32::HeadColumns<typename P::Head>;
    for (std::int64_t q = 0; q < m; q += kStage) {
      const std::int64_t k = std::min(kStage, m - q);
      const float* xq = xb + q;
      if constexpr (P::kStages == 3) {
        using PreCols = f32::HeadColumns<typename P::Pre>;
#pragma omp simd
        for (std::int64_t i = 0; i < k; ++i) PreCols::put(pc, i, parts.pre(xq[i]));
#pragma omp simd
        for (std::int64_t i = 0; i < k; ++i) HeadCols::put(hc, i, parts.head(PreCols::get(pc, i)));
      } else {
#pragma omp simd
        for (std::int64_t i = 0; i < k; ++i) HeadCols::put(hc, i, parts.head(xq[i]));
      }
#pragma omp simd reduction(| : any_cold)
      for (std::int64_t i = 0; i < k; ++i) {
        const float v = parts.tail(xq[i], HeadCols::get(hc, i));
        if constexpr (kBwd) {
          yb[q + i] = db[q + i] * v;
        } else {
          yb[q + i] = v;
        }
        any_cold |= parts.cold(xq[i]) ? 1 : 0;
      }
    }
  } else {
#pragma omp simd reduction(| : any_cold)
    for (std::int64_t i = 0; i < m; ++i) {
      if constexpr (kBwd) {
        yb[i] = db[i] * parts.hot(xb[i]);
      } else {
        yb[i] = parts.hot(xb[i]);
      }
      any_cold |= parts.cold(xb[i]) ? 1 : 0;
    }
  }
  return any_cold != 0;
}

/// f32 precise functions with kernels/f32 pieces: per block the branch-free hot path (hot_pass: vectorized, the same
/// code as the functor's, always inlined), then the out-of-line slow path where the cold predicate holds - the
/// functor's cold(x) ? slow(x) : hot(x), the same bits, many lanes at a time.  The cold predicate is evaluated in the
/// vector loop too; the scalar fix-up pass runs only for a block with a cold input (a scalar scan of every block cost
/// as much as the hot path itself).  In place without streaming (out is x or dy) each block's inputs are copied
/// first, so the slow path still reads them.
template <class P>
void run_split(const P& parts_in, const Launch& l, const StorePolicy& sp) {
  const bool bwd = l.op.direction == Direction::bwd;
  const float* x = static_cast<const float*>(l.x);
  const float* dy = bwd ? static_cast<const float*>(l.dy) : nullptr;
  float* y = static_cast<float*>(l.y);
  const bool stream = streams(sp, l.n, sizeof(float), bwd ? 2 : 1);
  const bool in_place = !stream && (static_cast<const void*>(y) == x || (dy && static_cast<const void*>(y) == dy));
  struct State {
    alignas(64) float xs[kBlock];
    alignas(64) float ds[kBlock];
    alignas(64) HeadBuffer pc;  // a staged hot path's first stage (three stages)
    alignas(64) HeadBuffer hc;  // its heads
  };
  for_blocks(y, l.n, stream, [] { return State{}; }, [&](State& s, std::int64_t b, std::int64_t m, float* yb) {
    // A local copy of the pieces.  Read through the reference (a parameter such as elu's alpha may alias the float
    // stores), the loop that ran for elu' and celu' f32 on an AVX-512 Xeon was scalar (perf), although GCC's report
    // calls it vectorized; the exact cause is not established.  With the copy: 512-bit, 2.49 -> 33.6 GB/s for elu'
    // at 2^22 (results/peers/vm-cpu-comparison-2026-12-05-4, vm-cpu-elu-f32-2026-12-05).
    const P parts = parts_in;
    const float* xb = x + b;
    const float* db = dy ? dy + b : nullptr;
    if (in_place) {
      std::copy(xb, xb + m, s.xs);
      xb = s.xs;
      if (db) {
        std::copy(db, db + m, s.ds);
        db = s.ds;
      }
    }
    if (db) {
      if (hot_pass<true>(parts, xb, db, yb, m, s.pc, s.hc))
        for (std::int64_t i = 0; i < m; ++i)
          if (parts.cold(xb[i])) yb[i] = db[i] * parts.slow(xb[i]);
    } else {
      if (hot_pass<false>(parts, xb, db, yb, m, s.pc, s.hc))
        for (std::int64_t i = 0; i < m; ++i)
          if (parts.cold(xb[i])) yb[i] = parts.slow(xb[i]);
    }
  });
}

/// dalpha[c] = sum over i with i % C == c of dy*x where x < 0.  The elements taken as rows of P = C * ceil(64 / C)
/// (channel of row offset p: p % C): per thread, partial sums per row offset in a vectorized inner loop over the
/// row (no remainder per element), folded into the channels at the end.
template <class T>
void prelu_dalpha(const Launch& l) {
  const std::int64_t channels = prelu_channels(l);
  const std::int64_t period = channels * ((64 + channels - 1) / channels);
  const std::int64_t rows = (l.n + period - 1) / period;
  const T* x = static_cast<const T*>(l.x);
  const T* dy = static_cast<const T*>(l.dy);
  DalphaTotal total(channels);
#pragma omp parallel
  {
    std::vector<double> part(static_cast<std::size_t>(period), 0.0);
    double* pp = part.data();
#pragma omp for schedule(static) nowait
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t first = r * period, m = std::min(period, l.n - first);
      // f16 widened by F16C kChunk at a time (1.73x on a Zen 3, results/cpu-dalpha/); bf16's widening is a shift the
      // element loop does inline, and its chunked form measured slower
      if constexpr (kHaveF16c && std::is_same<T, f16_t>::value) {
        for (std::int64_t q = 0; q < m; q += kChunk) {
          const std::int64_t k = std::min(kChunk, m - q);
          alignas(64) float xf[kChunk], df[kChunk];
          widen_chunk(x + first + q, xf, k);
          widen_chunk(dy + first + q, df, k);
#pragma omp simd
          for (std::int64_t j = 0; j < k; ++j) pp[q + j] += prelu_dalpha_term_of(xf[j], df[j]);
        }
      } else {
#pragma omp simd
        for (std::int64_t p = 0; p < m; ++p) pp[p] += prelu_dalpha_term(x[first + p], dy[first + p]);
      }
    }
    total.add(part);  // period is a multiple of channels: index p holds channel p % channels
  }
  total.write(l);
}

}  // namespace detail

template <class T>
void launch(const Launch& l, const StorePolicy& sp) {
  // first: dx may overwrite x or dy (in place)
  if (wants_prelu_dalpha(l) && !detail::dalpha_in_dx_pass(l)) detail::prelu_dalpha<T>(l);
  if (l.impl == Impl::thrust) {
    require_thrust_peer_variant(l);  // instantiates the precise functors only (as on the GPU)
    dispatch_op_as<T, Variant::precise>(l.op, [&](const auto& op) { detail::run_thrust(op, l); });
    return;
  }
  const StorePolicy compute_bound = sp.compute_bound_too ? sp : StorePolicy{};  // see StorePolicy
  if constexpr (std::is_same<T, float>::value) {
    if (l.op.variant == Variant::precise &&
        f32::visit_parts(l.op.activation, l.op.direction != Direction::fwd, l.op.params,
                         [&](const auto& parts) { detail::run_split(parts, l, compute_bound); }))
      return;
  }
  dispatch_op<T>(l.op, [&](const auto& op) {
    using Op = std::decay_t<decltype(op)>;
    // prelu beyond the per-thread table would round each block's slopes anew: the float path's table is cheaper
    if constexpr (detail::kOnBits<Op>) {
      if (!Op::per_channel || detail::table_holds_all_channels(l))
        return detail::run_bits(op, l, sp);  // memory-bound: stores as the copy does
    }
    detail::run_blocks(op, l, sizeof(T) == 2 ? compute_bound : sp);
  });
}

template <class T>
void copy_kernel(void* dst, const void* src, std::int64_t n, const StorePolicy& sp) {
  using B = typename dtype_traits<T>::bits_t;  // copied as integers: GCC vectorizes no loop of 16-bit structs
  const B* x = static_cast<const B*>(src);
  B* y = static_cast<B*>(dst);
  detail::for_blocks(y, n, detail::streams(sp, n, sizeof(T), 1), [] { return 0; },
                     [&](int, std::int64_t b, std::int64_t m, B* out) {
                       const B* xb = x + b;
#pragma omp simd
                       for (std::int64_t j = 0; j < m; ++j) out[j] = xb[j];
                     });
}

template <class T>
void evaluate_at(const Launch& l, const std::int64_t* index) {
  const auto run = [&](const auto& op) {
    using Op = std::decay_t<decltype(op)>;
    const T* x = static_cast<const T*>(l.x);
    T* y = static_cast<T*>(l.y);
    for (std::int64_t k = 0; k < l.n; ++k) {
      if constexpr (Op::direction == Direction::bwd)
        y[k] = op.at(index[k], x[k], static_cast<const T*>(l.dy)[k]);
      else
        y[k] = op.at(index[k], x[k]);
    }
  };
  if (l.impl == Impl::thrust || l.impl == Impl::cudnn)
    dispatch_op_as<T, Variant::precise>(l.op, run);  // the peers are measured as the precise variant
  else
    dispatch_op<T>(l.op, run);
}

}  // namespace actbench::cpu
