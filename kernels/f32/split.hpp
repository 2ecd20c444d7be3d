// actbench/kernels/f32/split.hpp - a precise f32 function as its pieces: which inputs are cold, the branch-free
// hot path, and the out-of-line slow path that is right for every input (kernels/f32/activations.hpp, gelu.hpp).
//
// f(x) = cold(x) ? slow(x) : hot(x).  A functor's f32_parts<deriv>() (kernels/activations.hpp) names the pieces of its
// f or f' at its parameters; that choice is made there once, and everything else takes it from there:
//   - the functor's own fwd/deriv for f32 (operator(): one element, what a scalar loop or a GPU thread does);
//   - the GPU kernel (kernels/elementwise.cuh): when no element of a thread's tile is cold, the hot path for all of
//     them, with no branch or call between the elements (a cold one sends the whole tile out of line);
//   - the cpu backend and the exhaustive checker (visit_parts, kernels/f32/parts.hpp): the hot path over a whole
//     block in one vectorized loop, then the slow path where cold - the same functions, so the same bits.
#pragma once

#include "../config.hpp"

namespace actbench::f32 {

/// The pieces of a function of x.
template <bool (*Cold)(float), float (*Hot)(float), float (*Slow)(float)>
struct Parts {
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
