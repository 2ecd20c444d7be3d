// actbench/kernels/f32/split.hpp - a precise f32 function as its pieces: which inputs are cold, the branch-free
// hot path, and the out-of-line slow path that is right for every input (kernels/f32/activations.hpp, gelu.hpp).
//
// f(x) = cold(x) ? slow(x) : hot(x).  A functor's f32_parts<deriv>() (kernels/activations.hpp) names the pieces of its
// f or f' at its parameters; that choice is made there once, and everything else takes it from there:
//   - the functor's own fwd/deriv for f32 (operator(): one element, what a scalar loop or a GPU thread does);
//   - the GPU kernel (kernels/elementwise.cuh): when no element of a thread's tile is cold, the hot path for all of
//     them, with no branch or call between the elements (a cold one sends the whole tile out of line);
//   - the cpu backend and the exhaustive checker (visit_parts, kernels/f32/parts.hpp): the hot path over a whole
//     block in vectorized loops (one, or one per stage of staged pieces, below; the checker runs the hot path in one),
//     then the slow path where cold - the same functions, so the same bits.
//
// Staged pieces (Staged, Staged1) split the hot path in two: hot(x) = tail(x, head(x)), the head an exponential (a
// float pair, or gelu_tanh's pair and scale), the tail the rest; Staged3 splits the head too (exp_pair_sigma's or
// expm1_pair's reduction and polynomial, then its pair).  One element, a GPU thread or the functor, evaluates the
// composition: the same code as one function, inlined.  The cpu backend runs each stage over a run of elements (into
// arrays in the L1) before the next: loops of a part of the dependency chain each.  A loop over one long chain (in
// sigmoid an estimated 80 cycles from x to f(x)) keeps only as many elements in flight as the core's out-of-order
// window holds, and waits; shorter ones keep its pipes busier (sigmoid f32 on a Zen 5 core from L1: 14.9 cycles per 16
// elements in one loop, 10.5 in two, 8.7 in three; results/cpu-staged/chain.cpp).  The same operations on the same
// values: the same bits.
#pragma once

#include "../config.hpp"
#include "../fp.hpp"
#include "exp.hpp"

#include <cstdint>

namespace actbench::f32 {

/// The pieces of a function of x.
template <bool (*Cold)(float), float (*Hot)(float), float (*Slow)(float)>
struct Parts {
  static constexpr int kStages = 1;
  ACTBENCH_HOT bool cold(float x) const { return Cold(x); }
  ACTBENCH_HOT float hot(float x) const { return Hot(x); }
  ACTBENCH_HD float slow(float x) const { return Slow(x); }
  ACTBENCH_HOT float operator()(float x) const { return cold(x) ? slow(x) : hot(x); }
  /// visit(*this): what visit_parts hands on.
  template <class Visit>
  void visit(Visit&& v) const {
    v(*this);
  }
};
/// The pieces of a function of x and a parameter p.
template <bool (*Cold)(float, float), float (*Hot)(float, float), float (*Slow)(float, float)>
struct Parts1 {
  static constexpr int kStages = 1;
  float p;
  ACTBENCH_HOT bool cold(float x) const { return Cold(x, p); }
  ACTBENCH_HOT float hot(float x) const { return Hot(x, p); }
  ACTBENCH_HD float slow(float x) const { return Slow(x, p); }
  ACTBENCH_HOT float operator()(float x) const { return cold(x) ? slow(x) : hot(x); }
  template <class Visit>
  void visit(Visit&& v) const {
    v(*this);
  }
};
/// A head as columns of floats, for a loop that keeps a run of heads in arrays (c[k][i]: float k of element i's head):
/// kFloats of them, put and got field by field (a loop over such fields vectorizes; a copy of the whole struct does
/// not, GCC 12).  HeadColumns<H> is FieldColumns<H, its float fields...>: here for a pair, exp_sigma_pair's and
/// expm1_of_core's inputs, in gelu.hpp for gelu_tanh's exponential.
template <class H, float H::*... Fields>
struct FieldColumns {
  static constexpr int kFloats = sizeof...(Fields);
  /// Each field once (with Staged's check that kFloats floats fill H: every field of H).
  static constexpr bool distinct() {
    using Member = float H::*;  // (nvcc's host pass rewrote `float H::*f[]` with parentheses GCC warned of)
    const Member f[] = {Fields...};
    for (int i = 0; i < kFloats; ++i)
      for (int j = 0; j < i; ++j)
        if (f[i] == f[j]) return false;
    return true;
  }
  static_assert(distinct(), "a field listed twice");
  template <class Cols>
  ACTBENCH_HOT static void put(Cols& c, std::int64_t i, H h) {
    int k = 0;
    ((c[k++][i] = h.*Fields), ...);
  }
  template <class Cols>
  ACTBENCH_HOT static H get(const Cols& c, std::int64_t i) {
    H h{};
    int k = 0;
    ((h.*Fields = c[k++][i]), ...);
    return h;
  }
};
template <class H>
struct HeadColumns;
template <>
struct HeadColumns<fp::Pair<float>> : FieldColumns<fp::Pair<float>, &fp::Pair<float>::hi, &fp::Pair<float>::lo> {};
template <>
struct HeadColumns<ExpSigmaPre> : FieldColumns<ExpSigmaPre, &ExpSigmaPre::t, &ExpSigmaPre::r, &ExpSigmaPre::q> {};
template <>
struct HeadColumns<ExpCore> : FieldColumns<ExpCore, &ExpCore::t, &ExpCore::ph, &ExpCore::pl> {};
constexpr int kMaxHeadFloats = 3;  ///< the widest head (a staged loop's buffer holds this many columns)

/// The pieces of a function of x whose hot path is staged: hot(x) = Tail(x, HeadOf(x)), HeadOf returning a Head with
/// HeadColumns.
template <bool (*Cold)(float), auto HeadOf, auto Tail, float (*Slow)(float)>
struct Staged {
  using Head = decltype(HeadOf(0.0f));
  static_assert(HeadColumns<Head>::kFloats <= kMaxHeadFloats, "a head wider than the staged loops' buffer");
  static_assert(sizeof(Head) == HeadColumns<Head>::kFloats * sizeof(float), "HeadColumns misses a field of the head");
  static constexpr int kStages = 2;
  ACTBENCH_HOT bool cold(float x) const { return Cold(x); }
  ACTBENCH_HOT Head head(float x) const { return HeadOf(x); }
  ACTBENCH_HOT float tail(float x, Head h) const { return Tail(x, h); }
  ACTBENCH_HOT float hot(float x) const { return Tail(x, HeadOf(x)); }
  ACTBENCH_HD float slow(float x) const { return Slow(x); }
  ACTBENCH_HOT float operator()(float x) const { return cold(x) ? slow(x) : hot(x); }
  template <class Visit>
  void visit(Visit&& v) const {
    v(*this);
  }
};
/// The same for a function of x and a parameter p: hot(x) = Tail(x, HeadOf(x, p), p).
template <bool (*Cold)(float, float), auto HeadOf, auto Tail, float (*Slow)(float, float)>
struct Staged1 {
  using Head = decltype(HeadOf(0.0f, 0.0f));
  static_assert(HeadColumns<Head>::kFloats <= kMaxHeadFloats, "a head wider than the staged loops' buffer");
  static_assert(sizeof(Head) == HeadColumns<Head>::kFloats * sizeof(float), "HeadColumns misses a field of the head");
  static constexpr int kStages = 2;
  float p;
  ACTBENCH_HOT bool cold(float x) const { return Cold(x, p); }
  ACTBENCH_HOT Head head(float x) const { return HeadOf(x, p); }
  ACTBENCH_HOT float tail(float x, Head h) const { return Tail(x, h, p); }
  ACTBENCH_HOT float hot(float x) const { return Tail(x, HeadOf(x, p), p); }
  ACTBENCH_HD float slow(float x) const { return Slow(x, p); }
  ACTBENCH_HOT float operator()(float x) const { return cold(x) ? slow(x) : hot(x); }
  template <class Visit>
  void visit(Visit&& v) const {
    v(*this);
  }
};

/// Three stages: hot(x) = Tail(x, HeadOf(PreOf(x))), where the head's exponential is itself two steps (PreOf: the
/// argument, its reduction and the polynomial; HeadOf: the pair, exp_sigma_pair, or expm1_of_core for tanh) - the cpu
/// backend runs three loops.
template <bool (*Cold)(float), auto PreOf, auto HeadOf, auto Tail, float (*Slow)(float)>
struct Staged3 {
  using Pre = decltype(PreOf(0.0f));
  using Head = decltype(HeadOf(Pre{}));
  static_assert(HeadColumns<Pre>::kFloats <= kMaxHeadFloats && HeadColumns<Head>::kFloats <= kMaxHeadFloats,
                "a stage wider than the staged loops' buffer");
  static_assert(sizeof(Pre) == HeadColumns<Pre>::kFloats * sizeof(float), "HeadColumns misses a field");
  static_assert(sizeof(Head) == HeadColumns<Head>::kFloats * sizeof(float), "HeadColumns misses a field");
  static constexpr int kStages = 3;
  ACTBENCH_HOT bool cold(float x) const { return Cold(x); }
  ACTBENCH_HOT Pre pre(float x) const { return PreOf(x); }
  ACTBENCH_HOT Head head(Pre q) const { return HeadOf(q); }
  ACTBENCH_HOT float tail(float x, Head h) const { return Tail(x, h); }
  ACTBENCH_HOT float hot(float x) const { return Tail(x, HeadOf(PreOf(x))); }
  ACTBENCH_HD float slow(float x) const { return Slow(x); }
  ACTBENCH_HOT float operator()(float x) const { return cold(x) ? slow(x) : hot(x); }
  template <class Visit>
  void visit(Visit&& v) const {
    v(*this);
  }
};
/// One of two sets of pieces, chosen by a parameter (swish at beta = 1 is silu): on the GPU a uniform branch at each
/// use (every thread agrees), in visit() once for a whole loop.
template <class A, class B>
struct Either {
  bool first;
  A a;
  B b;
  ACTBENCH_HOT bool cold(float x) const { return first ? a.cold(x) : b.cold(x); }
  ACTBENCH_HOT float hot(float x) const { return first ? a.hot(x) : b.hot(x); }
  ACTBENCH_HD float slow(float x) const { return first ? a.slow(x) : b.slow(x); }
  ACTBENCH_HOT float operator()(float x) const { return first ? a(x) : b(x); }
  template <class Visit>
  void visit(Visit&& v) const {
    if (first) {
      a.visit(v);
    } else {
      b.visit(v);
    }
  }
};
template <class A, class B>
ACTBENCH_HD Either<A, B> either(bool first, A a, B b) {
  return {first, a, b};
}
/// The pieces of f' (kDeriv) or of f, as a functor's f32_parts<kDeriv>() returns them.
template <bool kDeriv, class D, class F>
ACTBENCH_HD auto pick(D d, F f) {
  if constexpr (kDeriv) {
    return d;
  } else {
    return f;
  }
}
/// pick for a functor whose parameter p has pieces of its own at p = 1 (swish at beta = 1 is silu, softplus' at
/// beta = 1 is sigmoid, celu at alpha = 1 is elu): f' (unit_d where p == 1, else param_d) or f (unit_f, param_f).
template <bool kDeriv, class UD, class PD, class UF, class PF>
ACTBENCH_HD auto pick_at_one(float p, UD unit_d, PD param_d, UF unit_f, PF param_f) {
  return pick<kDeriv>(either(p == 1.0f, unit_d, param_d), either(p == 1.0f, unit_f, param_f));
}

}  // namespace actbench::f32
