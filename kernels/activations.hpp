// actbench/kernels/activations.hpp - one functor per activation: forward and derivative.
//
// Shape (every activation):
//   template <Variant V> struct Name {
//     <parameters as double members, PyTorch's defaults>
//     template <class C> ACTBENCH_HD C fwd(C x) const;    // f(x),  C = float or double
//     template <class C> ACTBENCH_HD C deriv(C x) const;  // f'(x)
//   };
// C is the compute type (float for f32/f16/bf16 data, double for f64).  Parameters are rounded
// to C once (C(alpha)), and the host reference uses the same rounded values.
// V picks the formulas (textbook vs stable) and, through math<V>, the primitives.
// Functors are small, copyable, and know nothing of buffers, launches or the harness.
#pragma once

#include "catalog.hpp"
#include "config.hpp"
#include "math.hpp"

#include <cstdint>

namespace actbench {

/// relu: f = max(x, 0), f' = [x > 0].  NaN propagates; relu(-0) = +0? no: PyTorch returns -0 -> we
/// return x for x > 0 else +0 (max semantics); f'(0) = 0 as PyTorch.
template <Variant V>
struct Relu {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    return x > C(0) ? x : (x != x ? x : C(0));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    return x > C(0) ? C(1) : (x != x ? x : C(0));
  }
};

/// sigmoid: f = 1/(1+e^-x), f' = f(1-f).
/// stable: x>=0: 1/(1+e^-x); x<0: e^x/(1+e^x).  f' = e^-|x|/(1+e^-|x|)^2.
/// textbook: 1/(1+e^-x) (0 for -103.97<x<-88.72 in f32); f' = y(1-y) (0 past x>17.3).
template <Variant V>
struct Sigmoid {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      return C(1) / (C(1) + M::exp(-x));
    } else {
      const C e = M::exp(-(x < C(0) ? -x : x));  // e^-|x| in (0, 1]
      const C r = M::rcp(C(1) + e);
      return x >= C(0) ? r : e * r;
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      const C y = fwd(x);
      return y * (C(1) - y);
    } else {
      const C e = M::exp(-(x < C(0) ? -x : x));
      const C r = M::rcp(C(1) + e);
      return e * r * r;
    }
  }
};

// TODO(kernels): the remaining activations (filled in by the kernels work).

/// Maps the runtime tag to the functor type.
template <Activation A, Variant V>
struct functor_of;
template <Variant V> struct functor_of<Activation::relu, V> { using type = Relu<V>; };
template <Variant V> struct functor_of<Activation::sigmoid, V> { using type = Sigmoid<V>; };

template <Activation A, Variant V>
using functor_t = typename functor_of<A, V>::type;

/// Builds the functor for A with the parameters of `p`.  prelu's per-channel slopes live in
/// memory the kernel reads (device memory for the CUDA backend): `prelu_alpha[channels]`.
template <Activation A, Variant V>
functor_t<A, V> make_functor(const Params& p, const float* prelu_alpha) {
  functor_t<A, V> f{};
  (void)p;
  (void)prelu_alpha;
  // One place maps Params onto functor members (filled per activation by the kernels work).
  return f;
}

}  // namespace actbench
