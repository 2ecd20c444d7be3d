// actbench/kernels/elementwise.cuh - the device kernels that run any ElementOp.
//
// Device code only: no CUDA runtime calls, no I/O, nothing of the harness.  The launch
// configuration (grid size from SM count and occupancy) lives in harness/cuda/.
//
// Shape of the kernel (elementwise_kernel), modelled on the vectorized elementwise kernels of
// PyTorch (aten/src/ATen/native/cuda/CUDALoops.cuh) and CUB's DeviceTransform:
//  * 16-byte vector accesses: 8 x 16-bit, 4 x f32 or 2 x f64 elements per load/store
//    (LDG.E.128.CONSTANT / STG.E.128), coalesced across the warp.
//  * Each thread loads kUnroll vectors per input before it computes anything, so a thread has
//    kUnroll (fwd, deriv) or 2 x kUnroll (bwd) independent 16-byte loads in flight.  One block's
//    tile is blockDim.x x kUnroll vectors; vector u of thread t is tile_base + u x blockDim.x + t,
//    so every load instruction of a warp covers one contiguous 512-byte segment.
//  * Grid-stride over full tiles: the host picks the grid (one tile per block up to a few waves
//    of resident blocks, then each block loops).
//  * The pointers may be offset by any whole number of elements: the head (elements before the
//    first 16-byte boundary of y) and what follows the last full tile go through one scalar
//    grid-stride loop.  When x, dy and y do not share their offset modulo 16 bytes there is no
//    common vectorization, and that scalar loop does everything (correct, not fast).
//  * The element index passed to op.at(i, ...) is the global index 0..n-1, so per-channel
//    activations (prelu) see the right channel whatever the head.
#pragma once

#include "bits16.hpp"
#include "dtype.hpp"
#include "elementwise.hpp"

#include <cstdint>
#include <type_traits>

namespace actbench {
namespace kernels {

/// Threads per block of every kernel here (the launch helpers use the same constant).
inline constexpr int kBlockThreads = 256;
/// 16-byte vectors each thread loads per input before computing.
inline constexpr int kUnroll = 4;

/// One 16-byte vector of storage elements.
template <class T>
struct alignas(16) Vec {
  static constexpr int width = 16 / static_cast<int>(sizeof(T));
  T v[width];
};

template <class T>
inline constexpr int vec_width = Vec<T>::width;

/// Copies a value unchanged: the roofline's "copy_kernel" runs through the same kernel shape.
template <class T>
struct CopyOp {
  using storage_t = T;
  static constexpr Direction direction = Direction::fwd;
  static constexpr bool per_channel = false;
  ACTBENCH_HD T at(std::int64_t, T x) const { return x; }
};

#if defined(__CUDACC__)

namespace detail {

template <class T>
__device__ __forceinline__ Vec<T> load_vec(const T* p) {
  // Read-only path (LDG.E.128.CONSTANT); every element is read once, before any write of it,
  // so this is also right when the harness runs in place (y == x).
  const uint4 u = __ldg(reinterpret_cast<const uint4*>(p));
  return actbench::bit_cast<Vec<T>>(u);
}

/// 32-bit word j (0..3) of a vector, built from its elements.
template <class T>
__device__ __forceinline__ unsigned int vec_word(const Vec<T>& v, int j) {
  if constexpr (sizeof(T) == 2) {
    return static_cast<unsigned int>(actbench::bit_cast<std::uint16_t>(v.v[2 * j])) |
           (static_cast<unsigned int>(actbench::bit_cast<std::uint16_t>(v.v[2 * j + 1])) << 16);
  } else if constexpr (sizeof(T) == 4) {
    return actbench::bit_cast<unsigned int>(v.v[j]);
  } else {
    static_assert(sizeof(T) == 8, "16-, 32- or 64-bit elements");
    const auto w = actbench::bit_cast<unsigned long long>(v.v[j / 2]);
    return static_cast<unsigned int>(j % 2 == 0 ? w : w >> 32);
  }
}

template <class T>
__device__ __forceinline__ void store_vec(T* p, const Vec<T>& v) {
  // One st.global.v4 (STG.E.128).  A plain uint4 assignment is split by NVVM into four 32-bit stores
  // here, and __stwb gives a .STRONG store.  No "memory" clobber: the operands already order the store
  // after the loads it depends on, and no other load here reads what it writes.
  asm volatile("st.global.v4.u32 [%0], {%1, %2, %3, %4};" ::"l"(p), "r"(vec_word(v, 0)), "r"(vec_word(v, 1)),
               "r"(vec_word(v, 2)), "r"(vec_word(v, 3)));
}

/// One element of `op` at global index i.
template <class Op>
__device__ __forceinline__ void apply_one(const Op& op, const typename Op::storage_t* x,
                                          const typename Op::storage_t* dy, typename Op::storage_t* y,
                                          std::int64_t i) {
  if constexpr (Op::direction == Direction::bwd) {
    y[i] = op.at(i, x[i], dy[i]);
  } else {
    (void)dy;
    y[i] = op.at(i, x[i]);
  }
}

/// Whether an op takes its inputs in the compute type too (ElementOp::at_compute; the copies do not).
template <class Op, class = void>
struct takes_compute : std::false_type {};
template <class Op>
struct takes_compute<Op, std::void_t<decltype(std::declval<const Op&>().at_compute(
                             std::int64_t{}, std::declval<typename Op::compute_t>()))>> : std::true_type {};

/// Element k of a bf16 vector as a float, from the 32-bit words of the load itself (a word rebuilt from the
/// vector's 16-bit elements, as vec_word does, reaches ptxas as two halves, and the high one is widened by a PRMT
/// and a shift): half an instruction per element fewer in every bf16 op (tools/sass/sass_model.py).
__device__ __forceinline__ float bf16_lane(const Vec<bf16_t>& v, int k) {
  const uint4 u = actbench::bit_cast<uint4>(v);
  const unsigned int w[4] = {u.x, u.y, u.z, u.w};
  return actbench::detail::bf16_word_lane(w[k / 2], k % 2);
}

/// Whether an op clamps its input to a range first (ElementOp::clamps_input; the copies do not) and this architecture
/// can do it on the 16-bit storage values, two per instruction (max.NaN and min.NaN on f16x2 / bf16x2: sm_80 on).
template <class Op, class = void>
struct clamps_in_storage : std::false_type {};
template <class Op>
struct clamps_in_storage<Op, std::void_t<decltype(Op::clamps_input)>>
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    : std::bool_constant<Op::clamps_input && sizeof(typename Op::storage_t) == 2> {
};
#else
    : std::false_type {
};
#endif

/// A vector of 16-bit inputs clamped to the op's input range, NaN kept (the values that ElementOp's f32 clamp gives,
/// for the bounds are the storage type's values): 2 instructions per 32-bit word, where the f32 clamp after widening
/// takes 2 per element.
/// (Bits16::exactly and ElementOp::input_range are constexpr host functions evaluated at compile time here: the
/// CUDA targets build with --expt-relaxed-constexpr.)
template <class Op, class T = typename Op::storage_t>
__device__ __forceinline__ Vec<T> clamp_inputs(const Vec<T>& a) {
  constexpr std::uint16_t lo = Bits16<T>::exactly(Op::input_range().lo).bits;
  constexpr std::uint16_t hi = Bits16<T>::exactly(Op::input_range().hi).bits;
  static_assert(!Bits16<T>::nan(lo) && !Bits16<T>::nan(hi), "an input range bound that T does not hold exactly");
  const unsigned int lo2 = lo | static_cast<unsigned int>(lo) << 16, hi2 = hi | static_cast<unsigned int>(hi) << 16;
  const uint4 u = actbench::bit_cast<uint4>(a);
  unsigned int w[4] = {u.x, u.y, u.z, u.w};
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    if constexpr (std::is_same<T, f16_t>::value) {
      asm("max.NaN.f16x2 %0, %1, %2;" : "=r"(w[j]) : "r"(w[j]), "r"(lo2));
      asm("min.NaN.f16x2 %0, %1, %2;" : "=r"(w[j]) : "r"(w[j]), "r"(hi2));
    } else {
      asm("max.NaN.bf16x2 %0, %1, %2;" : "=r"(w[j]) : "r"(w[j]), "r"(lo2));
      asm("min.NaN.bf16x2 %0, %1, %2;" : "=r"(w[j]) : "r"(w[j]), "r"(hi2));
    }
  }
#else
  (void)lo2;
  (void)hi2;
#endif
  return actbench::bit_cast<Vec<T>>(uint4{w[0], w[1], w[2], w[3]});
}

/// The kW elements of one vector whose first element has global index i0.
template <class Op, class T = typename Op::storage_t>
__device__ __forceinline__ Vec<T> apply_vec(const Op& op, const Vec<T>& a, const Vec<T>& b, std::int64_t i0) {
  constexpr bool kWords = std::is_same<T, bf16_t>::value && takes_compute<Op>::value;
  Vec<T> r;
  if constexpr (clamps_in_storage<Op>::value) {
    r = apply_vec(op.in_range(), clamp_inputs<Op>(a), b, i0);  // x clamped in storage, then the op without its clamp
  } else {
#pragma unroll
    for (int k = 0; k < Vec<T>::width; ++k) {
      if constexpr (Op::direction == Direction::bwd && kWords) {
        r.v[k] = op.at_compute(i0 + k, bf16_lane(a, k), bf16_lane(b, k));
      } else if constexpr (Op::direction == Direction::bwd) {
        r.v[k] = op.at(i0 + k, a.v[k], b.v[k]);
      } else if constexpr (kWords) {
        (void)b;
        r.v[k] = op.at_compute(i0 + k, bf16_lane(a, k));
      } else {
        (void)b;
        r.v[k] = op.at(i0 + k, a.v[k]);
      }
    }
  }
  return r;
}

/// Whether an op splits its elements into cold and hot ones (ElementOp::split; copies and the rest do not).
template <class Op, class = void>
struct splits : std::false_type {};
template <class Op>
struct splits<Op, std::void_t<decltype(Op::split)>> : std::bool_constant<Op::split> {};

/// The kW results of one vector through the op's hot path alone (Op::split, no element cold).
template <class Op, class T = typename Op::storage_t>
__device__ __forceinline__ Vec<T> apply_vec_hot(const Op& op, const Vec<T>& a, const Vec<T>& b) {
  Vec<T> r;
#pragma unroll
  for (int k = 0; k < Vec<T>::width; ++k) {
    if constexpr (Op::direction == Direction::bwd) {
      r.v[k] = op.at_hot(a.v[k], b.v[k]);
    } else {
      (void)b;
      r.v[k] = op.at_hot(a.v[k]);
    }
  }
  return r;
}

/// apply_vec out of line: the vectors of a tile that holds a cold element (Op::split).
template <class Op, class T = typename Op::storage_t>
__device__ __noinline__ Vec<T> apply_vec_out_of_line(const Op op, const Vec<T> a, const Vec<T> b, std::int64_t i0) {
  return apply_vec(op, a, b, i0);
}

}  // namespace detail

/// The kernel.  When `vectorized` (the host checks that x, dy (bwd) and y share their address modulo
/// 16), `head` (< vec_width<T>, <= n) elements bring y to a 16-byte boundary, the full tiles after
/// them go through 16-byte vectors, and the leftovers (the head, and the elements after the last full
/// tile: fewer than one tile plus one vector) through one scalar grid-stride loop.  When not
/// vectorized, that scalar loop does all n elements (head must be 0).
///
/// The op is inlined kUnroll x width times in the full tile and once in the scalar loop; an op that splits
/// (Op::split) also width times in apply_vec_out_of_line (compile time: 17 activations x 3 variants x 3 directions
/// x 4 dtypes x 2 archs).
template <class Op>
__global__ void __launch_bounds__(kBlockThreads)
    elementwise_kernel(Op op, const typename Op::storage_t* x, const typename Op::storage_t* dy,
                       typename Op::storage_t* y, std::int64_t n, int head, bool vectorized) {
  using T = typename Op::storage_t;
  constexpr int kW = Vec<T>::width;
  constexpr bool kBwd = Op::direction == Direction::bwd;
  const std::int64_t tile = static_cast<std::int64_t>(blockDim.x) * kUnroll;  // vectors per tile
  const std::int64_t full_tiles = vectorized ? (n - head) / kW / tile : 0;

  // Full tiles: all loads first (kUnroll, or 2 x kUnroll for bwd, 16-byte loads in flight), then math.
  const T* xv = x + head;
  const T* dyv = kBwd ? dy + head : nullptr;
  T* yv = y + head;
  for (std::int64_t t = blockIdx.x; t < full_tiles; t += gridDim.x) {
    const std::int64_t base = t * tile + threadIdx.x;
    Vec<T> a[kUnroll];
    Vec<T> b[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const std::int64_t v = base + static_cast<std::int64_t>(u) * blockDim.x;
      a[u] = detail::load_vec(xv + v * kW);
      if constexpr (kBwd) b[u] = detail::load_vec(dyv + v * kW);
    }
    // Then the math and the store of each vector, unrolled: vector u stays in its own registers.  (A
    // rolled loop here, shifting a[] down after each vector so as to inline the op only width times,
    // cost 3-4 register moves per element - 16-bit halves even moved one PRMT at a time - which is
    // a tenth of a 16-bit op's whole issue budget: tools/sass/sass_model.py counted it.)
    if constexpr (detail::splits<Op>::value) {
      // An op whose elements split into cold and hot ones (f32 precise, kernels/f32/split.hpp): when none of the
      // thread's kUnroll x kW elements is cold (the benchmark's data never are), the hot path for all of them,
      // straight-line: no data-dependent branch, call or register saving between elements, constants set up once
      // (a parameter's choice of pieces, swish at beta = 1, stays a uniform branch).  Otherwise the whole tile goes
      // out of line, element by element.
      bool cold = false;
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
#pragma unroll
        for (int k = 0; k < kW; ++k) cold |= op.cold(a[u].v[k]);
      }
      Vec<T> r[kUnroll];
      if (!cold) {
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) r[u] = detail::apply_vec_hot(op, a[u], b[u]);
      } else {
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
          const std::int64_t v = base + static_cast<std::int64_t>(u) * blockDim.x;
          if constexpr (kBwd) {
            r[u] = detail::apply_vec_out_of_line(op, a[u], b[u], head + v * kW);
          } else {
            r[u] = detail::apply_vec_out_of_line(op, a[u], Vec<T>{}, head + v * kW);  // b: unused, never read
          }
        }
      }
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const std::int64_t v = base + static_cast<std::int64_t>(u) * blockDim.x;
        detail::store_vec(yv + v * kW, r[u]);
      }
    } else {
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const std::int64_t v = base + static_cast<std::int64_t>(u) * blockDim.x;
        detail::store_vec(yv + v * kW, detail::apply_vec(op, a[u], b[u], head + v * kW));
      }
    }
  }

  // Leftovers, scalar: [0, head) and [rest, n).
  const std::int64_t rest = head + full_tiles * tile * kW;
  const std::int64_t leftovers = head + (n - rest);
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
#pragma unroll 1
  for (std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < leftovers; j += step)
    detail::apply_one(op, x, dy, y, j < head ? j : rest + (j - head));
}

/// prelu's dalpha[c] += sum of dy*x over the elements of channel c = i % channels with x < 0.
///
/// Two regimes, picked by the host:
///  * `stride` > 0 (a multiple of `channels`, at most the grid's thread count): thread t handles
///    elements t, t + stride, t + 2 stride, ... which all belong to channel t % channels, so it sums
///    in a register; then one atomic per thread (into shared memory first when channels < 32, so a
///    block sends at most `channels` atomics to global memory).
///  * `stride` == 0 (more channels than threads): grid-stride over elements, one global atomic per
///    non-zero term (neighbouring threads hit different channels).
/// Sums run in compute_t<T> (f32, or f64 for f64 data) and land in a float array.
template <class T>
__global__ void __launch_bounds__(kBlockThreads)
    prelu_dalpha_kernel(const T* x, const T* dy, std::int64_t n, std::int64_t channels, std::int64_t stride,
                        float* dalpha) {
  using Acc = compute_t<T>;
  constexpr int kSharedChannels = 32;
  __shared__ Acc partial[kSharedChannels];
  const std::int64_t gtid = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;

  if (stride == 0) {
    const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = gtid; i < n; i += step) {
      const Acc t = prelu_dalpha_term(x[i], dy[i]);
      if (t != Acc(0)) atomicAdd(&dalpha[i % channels], static_cast<float>(t));
    }
    return;
  }

  const bool use_shared = channels < kSharedChannels;
  if (use_shared && threadIdx.x < kSharedChannels) partial[threadIdx.x] = Acc(0);
  if (use_shared) __syncthreads();

  Acc acc(0);
  if (gtid < stride) {
    std::int64_t i = gtid;
    // Four independent loads in flight per thread.
    for (; i + 3 * stride < n; i += 4 * stride) {
      const T x0 = x[i], x1 = x[i + stride], x2 = x[i + 2 * stride], x3 = x[i + 3 * stride];
      const T d0 = dy[i], d1 = dy[i + stride], d2 = dy[i + 2 * stride], d3 = dy[i + 3 * stride];
      acc += (prelu_dalpha_term(x0, d0) + prelu_dalpha_term(x1, d1)) +
             (prelu_dalpha_term(x2, d2) + prelu_dalpha_term(x3, d3));
    }
    for (; i < n; i += stride) acc += prelu_dalpha_term(x[i], dy[i]);
  }
  const std::int64_t c = gtid % channels;
  if (use_shared) {
    if (gtid < stride && acc != Acc(0)) atomicAdd(&partial[c], acc);
    __syncthreads();
    if (threadIdx.x < channels && partial[threadIdx.x] != Acc(0))
      atomicAdd(&dalpha[threadIdx.x], static_cast<float>(partial[threadIdx.x]));
  } else if (gtid < stride && acc != Acc(0)) {
    atomicAdd(&dalpha[c], static_cast<float>(acc));
  }
}

#endif  // __CUDACC__

}  // namespace kernels
}  // namespace actbench
