// actbench/harness/cpu/launch_impl.hpp - definition of cpu::launch<T>; included by launch_*.cpp only.
#pragma once

#include "harness/cpu/launch.hpp"
#include "harness/thrust_indexed.hpp"
#include "kernels/f32/parts.hpp"

#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/system/omp/execution_policy.h>
#include <thrust/transform.h>
#include <thrust/tuple.h>

#include <omp.h>
#if defined(__F16C__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <type_traits>
#include <vector>

namespace actbench::cpu {

namespace detail {

template <class Op>
void run_openmp(const Op& op_in, const Launch& l) {
  using T = typename Op::storage_t;
  const T* x = static_cast<const T*>(l.x);
  T* y = static_cast<T*>(l.y);
  const std::int64_t n = l.n;
  // A private copy: its parameters (alpha, ...) are then locals the stores to y cannot touch, so the compiler
  // keeps them in registers and if-converts / vectorizes the loop (else it reloads them per element and
  // branches: leaky_relu ran at 3 GB/s).
  const Op op = op_in;
  if constexpr (Op::direction == Direction::bwd) {
    const T* dy = static_cast<const T*>(l.dy);
#pragma omp parallel for simd schedule(static) firstprivate(op)
    for (std::int64_t i = 0; i < n; ++i) y[i] = op.at(i, x[i], dy[i]);
  } else {
#pragma omp parallel for simd schedule(static) firstprivate(op)
    for (std::int64_t i = 0; i < n; ++i) y[i] = op.at(i, x[i]);
  }
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

/// f32 precise functions with kernels/f32 pieces: per block of elements the branch-free hot path in one loop
/// (vectorized: the same code as the functor's, always inlined), then the out-of-line slow path where the cold
/// predicate holds - the functor's cold(x) ? slow(x) : hot(x), the same bits, many lanes at a time.  In place
/// (y is x or dy) each block's inputs are copied first, so the slow path still reads them.
template <class P>
void run_split(const P& parts, const Launch& l) {
  constexpr std::int64_t kBlock = 1024;
  const float* x = static_cast<const float*>(l.x);
  const float* dy = l.op.direction == Direction::bwd ? static_cast<const float*>(l.dy) : nullptr;
  float* y = static_cast<float*>(l.y);
  const bool in_place = static_cast<const void*>(y) == x || (dy && static_cast<const void*>(y) == dy);
  const std::int64_t n = l.n;
#pragma omp parallel
  {
    alignas(64) float xs[kBlock];
    alignas(64) float ds[kBlock];
#pragma omp for schedule(static)
    for (std::int64_t b = 0; b < n; b += kBlock) {
      const std::int64_t m = std::min(kBlock, n - b);
      const float* xb = x + b;
      const float* db = dy ? dy + b : nullptr;
      if (in_place) {
        std::copy(xb, xb + m, xs);
        xb = xs;
        if (db) {
          std::copy(db, db + m, ds);
          db = ds;
        }
      }
      float* yb = y + b;
      // The cold predicate is evaluated in the vector loop too; the scalar fix-up pass runs only for a block
      // with a cold input (a scalar scan of every block cost as much as the hot path itself).
      int any_cold = 0;
      if (db) {
#pragma omp simd reduction(| : any_cold)
        for (std::int64_t i = 0; i < m; ++i) {
          yb[i] = db[i] * parts.hot(xb[i]);
          any_cold |= parts.cold(xb[i]) ? 1 : 0;
        }
        if (any_cold)
          for (std::int64_t i = 0; i < m; ++i)
            if (parts.cold(xb[i])) yb[i] = db[i] * parts.slow(xb[i]);
      } else {
#pragma omp simd reduction(| : any_cold)
        for (std::int64_t i = 0; i < m; ++i) {
          yb[i] = parts.hot(xb[i]);
          any_cold |= parts.cold(xb[i]) ? 1 : 0;
        }
        if (any_cold)
          for (std::int64_t i = 0; i < m; ++i)
            if (parts.cold(xb[i])) yb[i] = parts.slow(xb[i]);
      }
    }
  }
}

#if defined(__F16C__)
/// f16 data on a CPU with F16C: per block, the inputs widened to f32 by the hardware (vcvtph2ps, 8 at a time),
/// the functor's f32 math in one vectorized loop, the results rounded back by vcvtps2ph (round to nearest even).
/// GCC 12 vectorizes neither _Float16 casts nor these intrinsics inside the element loop (no AVX512-FP16), and
/// the portable bit-twiddling conversion costs more than a relu; the hardware's conversions are IEEE's, the same
/// bits as dtype.hpp's (tests/host/test_dtype.cpp holds that one to IEEE; the cpu backend tests compare every op
/// with the functor bit for bit).  Not for per-channel activations (prelu: the functor depends on the index).
template <class Op>
void run_f16c(const Op& op_in, const Launch& l) {
  constexpr std::int64_t kBlock = 1024;
  const std::uint16_t* x = static_cast<const std::uint16_t*>(l.x);
  const std::uint16_t* dy = Op::direction == Direction::bwd ? static_cast<const std::uint16_t*>(l.dy) : nullptr;
  std::uint16_t* y = static_cast<std::uint16_t*>(l.y);
  const std::int64_t n = l.n;
  const auto widen = [](const std::uint16_t* src, float* dst, std::int64_t m) {
    std::int64_t i = 0;
    for (; i + 8 <= m; i += 8)
      _mm256_store_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
    for (; i < m; ++i) dst[i] = _cvtsh_ss(src[i]);
  };
#pragma omp parallel
  {
    // A private copy of the functor: its parameters are then locals no store can touch (see run_openmp).
    const std::decay_t<decltype(op_in.functor(0))> f = op_in.functor(0);
    alignas(64) float xf[kBlock];
    alignas(64) float df[kBlock];
#pragma omp for schedule(static)
    for (std::int64_t b = 0; b < n; b += kBlock) {
      const std::int64_t m = std::min(kBlock, n - b);
      widen(x + b, xf, m);  // read before y is written: in place is safe
      if constexpr (Op::direction == Direction::bwd) {
        widen(dy + b, df, m);
#pragma omp simd
        for (std::int64_t i = 0; i < m; ++i) xf[i] = df[i] * ::actbench::detail::apply<Op::direction, f16_t>(f, xf[i]);
      } else {
#pragma omp simd
        for (std::int64_t i = 0; i < m; ++i) xf[i] = ::actbench::detail::apply<Op::direction, f16_t>(f, xf[i]);
      }
      std::int64_t i = 0;
      for (; i + 8 <= m; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + b + i),
                         _mm256_cvtps_ph(_mm256_load_ps(xf + i), _MM_FROUND_TO_NEAREST_INT));
      for (; i < m; ++i) y[b + i] = _cvtss_sh(xf[i], _MM_FROUND_TO_NEAREST_INT);
    }
  }
}
#endif

/// dalpha[c] = sum over i with i % C == c of dy*x where x < 0; per-thread partial sums.
template <class T>
void prelu_dalpha(const Launch& l) {
  const long channels = l.op.params.prelu_channels;
  const T* x = static_cast<const T*>(l.x);
  const T* dy = static_cast<const T*>(l.dy);
  std::vector<double> total(static_cast<std::size_t>(channels), 0.0);
#pragma omp parallel
  {
    std::vector<double> part(static_cast<std::size_t>(channels), 0.0);
#pragma omp for schedule(static) nowait
    for (std::int64_t i = 0; i < l.n; ++i) part[static_cast<std::size_t>(i % channels)] += prelu_dalpha_term(x[i], dy[i]);
#pragma omp critical
    for (long c = 0; c < channels; ++c) total[static_cast<std::size_t>(c)] += part[static_cast<std::size_t>(c)];
  }
  for (long c = 0; c < channels; ++c) l.prelu_dalpha[c] = static_cast<float>(total[static_cast<std::size_t>(c)]);
}

}  // namespace detail

template <class T>
void launch(const Launch& l) {
  if (wants_prelu_dalpha(l)) detail::prelu_dalpha<T>(l);  // first: dx may overwrite x or dy (in place)
  if (l.impl == Impl::thrust) {
    require_thrust_peer_variant(l);  // instantiates the precise functors only (as on the GPU)
    dispatch_op_as<T, Variant::precise>(l.op, [&](const auto& op) { detail::run_thrust(op, l); });
  } else {
    if constexpr (std::is_same<T, float>::value) {
      if (l.op.variant == Variant::precise &&
          f32::visit_parts(l.op.activation, l.op.direction != Direction::fwd, l.op.params,
                           [&](const auto& parts) { detail::run_split(parts, l); }))
        return;
    }
    dispatch_op<T>(l.op, [&](const auto& op) {
#if defined(__F16C__)
      if constexpr (std::is_same<T, f16_t>::value && !std::decay_t<decltype(op)>::per_channel) {
        detail::run_f16c(op, l);
        return;
      }
#endif
      detail::run_openmp(op, l);
    });
  }
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
