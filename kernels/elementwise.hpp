// actbench/kernels/elementwise.hpp - what one element of a case computes, and the dispatch
// from runtime axes (activation, variant, direction) to a compile-time ElementOp.
//
// An ElementOp is all a kernel (CUDA, thrust, or the host loop) needs: it maps storage
// values to storage values, computing in compute_t<T> and rounding once.
//   fwd:   y  = f(x)
//   deriv: y  = f'(x)
//   bwd:   dx = dy * f'(x)            (the product in compute_t<T>, rounded once)
// Per-channel activations (prelu) need the element index: use op.at(i, x[, dy]) everywhere;
// op(x[, dy]) exists only for activations that do not depend on the index.
#pragma once

#include "catalog.hpp"
#include "config.hpp"
#include "dtype.hpp"
#include "narrow.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace actbench {

/// An activation whose behaviour depends on the element's channel exposes
///   ACTBENCH_HD <functor> channel(std::int64_t index) const;
///   std::int64_t channels;   (the period: channel(i) is channel(i % channels))
template <class Act, class = void>
struct is_per_channel : std::false_type {};
template <class Act>
struct is_per_channel<Act, std::void_t<decltype(std::declval<const Act&>().channel(std::int64_t{}))>>
    : std::true_type {};

/// An activation may offer a cheaper precise path for 16-bit data, where f32 math whose error is
/// far below a 16-bit ulp already rounds correctly:
///   template <class S> ACTBENCH_HD float fwd_narrow(float x) const;   (S: the storage type, f16_t / bf16_t)
///   template <class S> ACTBENCH_HD float deriv_narrow(float x) const;
/// ElementOp calls them for f16/bf16 storage (f32 data keeps fwd/deriv), except for textbook functors.
template <class Act, class = void>
struct has_narrow : std::false_type {};
template <class Act>
struct has_narrow<Act, std::void_t<decltype(std::declval<const Act&>().template fwd_narrow<f16_t>(0.0f)),
                                   decltype(std::declval<const Act&>().template deriv_narrow<f16_t>(0.0f))>>
    : std::true_type {};

/// 16-bit data take the narrow path where the functor has one (textbook forms have none).
template <class T, class F>
inline constexpr bool kNarrow = sizeof(T) == 2 && has_narrow<F>::value;

/// A functor's narrow f' may declare the range it takes its input in:
///   template <class S> static constexpr narrow::Range deriv_range = {lo, hi};   (lo, hi: values S holds exactly)
/// deriv_narrow<S>(x) is then written for x in [lo, hi] or NaN, and ElementOp clamps x to it first (NaN kept), in f32;
/// a kernel that clamps the storage values itself (elementwise.cuh: two 16-bit values per instruction) runs the op's
/// in_range() form, which does not clamp again.  The clamped values are the f32 clamp's: the bounds are S's values.
template <class F, class S, class = void>
struct has_deriv_range : std::false_type {};
template <class F, class S>
struct has_deriv_range<F, S, std::void_t<decltype(F::template deriv_range<S>)>> : std::true_type {};

/// Whether functor F's precise f32 function comes as pieces (f32_parts: cold, hot, slow; kernels/f32/split.hpp).
template <class F, class = void>
struct has_f32_parts : std::false_type {};
template <class F>
struct has_f32_parts<F, std::void_t<decltype(std::declval<const F&>().template f32_parts<false>())>> : std::true_type {};
/// Whether F is an activation's precise functor (Name<Variant::precise>): the one whose f32 fwd/deriv run its pieces.
template <class F>
struct is_precise_functor : std::false_type {};
template <template <Variant> class F, Variant V>
struct is_precise_functor<F<V>> : std::bool_constant<V == Variant::precise> {};

/// Whether the op of (F, D, T) clamps its input to F's deriv_range<T> (16-bit data, f' and bwd; see has_deriv_range).
template <class F, Direction D, class T>
inline constexpr bool kClampsInput = D != Direction::fwd && kNarrow<T, F> && has_deriv_range<F, T>::value;

namespace detail {
/// f(x) (D = fwd) or f'(x) (deriv, bwd) for storage type T, through the narrow path where kNarrow; kInRange: x is
/// already inside F's deriv_range<T> (or NaN).
template <Direction D, class T, bool kInRange, class F>
ACTBENCH_HOT compute_t<T> apply(const F& f, compute_t<T> x) {
  constexpr bool kFwd = D == Direction::fwd;
  if constexpr (kClampsInput<F, D, T> && !kInRange) {
    constexpr narrow::Range r = F::template deriv_range<T>;
    return f.template deriv_narrow<T>(narrow::clamp_keep_nan(x, r.lo, r.hi));
  } else if constexpr (kNarrow<T, F>) {
    if constexpr (kFwd) return f.template fwd_narrow<T>(x); else return f.template deriv_narrow<T>(x);
  } else {
    if constexpr (kFwd) return f.fwd(x); else return f.deriv(x);
  }
}
}  // namespace detail

/// kInRange: the in_range() form of an op that clamps its input (kClampsInput), for x already inside the range.
template <class Act, Direction D, class T, bool kInRange = false>
struct ElementOp {
  using activation_t = Act;
  using storage_t = T;
  using compute_t = actbench::compute_t<T>;
  using traits = dtype_traits<T>;
  static constexpr Direction direction = D;
  static constexpr bool per_channel = is_per_channel<Act>::value;
  static constexpr int num_inputs = D == Direction::bwd ? 2 : 1;  ///< x (and dy)

  Act act;

  /// Whether the op clamps its 16-bit input x to the functor's deriv_range before f' (in f32, NaN kept), and that
  /// range: a kernel may clamp the storage values to it itself and run in_range() on them.
  static constexpr bool clamps_input = kClampsInput<Act, D, T> && !kInRange;
  static_assert(!(per_channel && kClampsInput<Act, D, T>), "an input range of a per-channel functor (apply reads the "
                                                            "channel's functor, clamps_input the activation's)");
  template <bool C = clamps_input, std::enable_if_t<C, int> = 0>
  static constexpr narrow::Range input_range() {
    return Act::template deriv_range<T>;
  }
  template <bool C = clamps_input, std::enable_if_t<C, int> = 0>
  ACTBENCH_HD ElementOp<Act, D, T, true> in_range() const {
    return {act};
  }

  /// The functor that element i uses: act itself, or its channel's for per-channel activations.
  ACTBENCH_HD decltype(auto) functor(std::int64_t i) const {
    if constexpr (per_channel) {
      return act.channel(i);
    } else {
      (void)i;
      return (act);  // a reference, no copy
    }
  }
  /// What an element computes, before the rounding to T, with the element's functor f (functor(i)) and its
  /// inputs already in compute_t: f(x) or f'(x) ...
  template <class F>
  ACTBENCH_HOT static compute_t eval(const F& f, compute_t x) {
    static_assert(D != Direction::bwd, "bwd takes dy too");
    return detail::apply<D, T, kInRange>(f, x);
  }
  /// ... or dy * f'(x) (bwd).  Loops that widen a block of inputs themselves call these; at() is the same.
  template <class F>
  ACTBENCH_HOT static compute_t eval(const F& f, compute_t x, compute_t dy) {
    static_assert(D == Direction::bwd, "only bwd takes dy");
    return dy * detail::apply<D, T, kInRange>(f, x);
  }
  /// Whether a loop may split this op's elements into cold and hot ones (f32 data, precise functors with pieces): at()
  /// is then cold(x) ? (the slow path) : at_hot(x), and at_hot() is the branch-free, call-free hot path alone.
  static constexpr bool split =
      std::is_same<T, float>::value && !per_channel && has_f32_parts<Act>::value && is_precise_functor<Act>::value;
  template <bool S = split, std::enable_if_t<S, int> = 0>
  ACTBENCH_HOT bool cold(T x) const {
    return parts().cold(x);
  }
  template <bool S = split, std::enable_if_t<S, int> = 0>
  ACTBENCH_HOT T at_hot(T x) const {
    static_assert(D != Direction::bwd, "bwd takes dy too");
    return parts().hot(x);
  }
  template <bool S = split, std::enable_if_t<S, int> = 0>
  ACTBENCH_HOT T at_hot(T x, T dy) const {
    static_assert(D == Direction::bwd, "only bwd takes dy");
    return dy * parts().hot(x);  // as eval()
  }
  /// fwd / deriv of element i.
  ACTBENCH_HOT T at(std::int64_t i, T x) const { return at_compute(i, traits::to_compute(x)); }
  /// bwd of element i: dx = dy * f'(x).
  ACTBENCH_HOT T at(std::int64_t i, T x, T dy) const {
    return at_compute(i, traits::to_compute(x), traits::to_compute(dy));
  }
  /// The same from inputs already in compute_t (a loop that widens its storage words itself, elementwise.cuh).
  ACTBENCH_HOT T at_compute(std::int64_t i, compute_t x) const { return traits::from_compute(eval(functor(i), x)); }
  ACTBENCH_HOT T at_compute(std::int64_t i, compute_t x, compute_t dy) const {
    return traits::from_compute(eval(functor(i), x, dy));
  }
  // Index-free forms for thrust::transform (not for per-channel activations).
  template <bool PC = per_channel, std::enable_if_t<!PC, int> = 0>
  ACTBENCH_HD T operator()(T x) const { return at(0, x); }
  template <bool PC = per_channel, std::enable_if_t<!PC, int> = 0>
  ACTBENCH_HD T operator()(T x, T dy) const { return at(0, x, dy); }

 private:
  ACTBENCH_HOT auto parts() const { return act.template f32_parts<D != Direction::fwd>(); }
};

/// prelu's dalpha[c] = sum over elements of channel c of dy * x where x < 0 (one term), from x and dy in the
/// compute type ...
template <class C>
ACTBENCH_HD C prelu_dalpha_term_of(C x, C dy) {
  return x < C(0) ? dy * x : C(0);
}
/// ... or in storage.
template <class T>
ACTBENCH_HD compute_t<T> prelu_dalpha_term(T x, T dy) {
  using tr = dtype_traits<T>;
  return prelu_dalpha_term_of(tr::to_compute(x), tr::to_compute(dy));
}

/// Everything that picks an ElementOp at run time.
struct OpSpec {
  Activation activation = Activation::relu;
  Direction direction = Direction::fwd;
  Variant variant = Variant::precise;
  Params params{};
  const float* prelu_alpha = nullptr;  ///< per-channel slopes, in the memory the kernel reads
};

/// The functor of row D for variant V (V must exist: variant_exists_for<D>), with the parameters of `s`.
template <class D, Variant V>
auto make_functor(const OpSpec& s) {
  using F = std::conditional_t<V == Variant::textbook, typename D::textbook, typename D::template functor<V>>;
  F f{};
  D::set_params(f, s.params, s.prelu_alpha);
  return f;
}

namespace detail {
template <class T, class Act, class F>
decltype(auto) dispatch_direction(Direction d, const Act& act, F&& f) {
  switch (d) {
    case Direction::deriv: return f(ElementOp<Act, Direction::deriv, T>{act});
    case Direction::bwd: return f(ElementOp<Act, Direction::bwd, T>{act});
    case Direction::fwd: break;
  }
  return f(ElementOp<Act, Direction::fwd, T>{act});
}

template <class T, class D, Variant V, class F>
decltype(auto) dispatch_variant(const OpSpec& s, F&& f) {
  if constexpr (variant_exists_for<D>(V, dtype_traits<T>::dtype)) {
    return dispatch_direction<T>(s.direction, make_functor<D, V>(s), f);
  } else {
    throw std::invalid_argument(std::string(to_string(V)) + " " + D::info.name + " does not exist for " +
                                dtype_traits<T>::code);
    return dispatch_direction<T>(s.direction, make_functor<D, Variant::precise>(s), f);  // the return type
  }
}
}  // namespace detail

/// Calls f(ElementOp<...>{...}) for storage type T, the variant V, and the activation and direction in
/// `s` (s.variant is ignored): instantiates the ops of one variant only.  Throws std::invalid_argument
/// where V does not exist for (activation, T) (see variant_exists).
template <class T, Variant V, class F>
decltype(auto) dispatch_op_as(const OpSpec& s, F&& f) {
  return visit_activation(s.activation, [&](auto d) -> decltype(auto) {
    return detail::dispatch_variant<T, decltype(d), V>(s, f);
  });
}

/// Calls f(ElementOp<...>{...}) for storage type T and the axes in `s`: every existing (activation,
/// variant, direction) of T is instantiated, so one templated kernel serves all.
template <class T, class F>
decltype(auto) dispatch_op(const OpSpec& s, F&& f) {
  switch (s.variant) {
    case Variant::fast: return dispatch_op_as<T, Variant::fast>(s, f);
    case Variant::textbook: return dispatch_op_as<T, Variant::textbook>(s, f);
    case Variant::precise: break;
  }
  return dispatch_op_as<T, Variant::precise>(s, f);
}

}  // namespace actbench
