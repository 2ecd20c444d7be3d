// actbench/kernels/f32/parts.hpp - the pieces of each f32 precise function as types: which cold predicate,
// branch-free hot path and out-of-line slow path compute (activation, direction) for given parameters.
//
// The functors (kernels/activations.hpp) call f32::<fn>(x) = cold(x) ? slow(x) : hot(x), one element at a
// time (what a GPU thread does).  A loop over many elements can do better on a CPU: the hot path over all of
// them in one vectorized loop, then the slow path where cold - the same functions, so the same bits.
// visit_parts() hands the pieces to such a loop (the cpu backend, the exhaustive checker).  It mirrors the
// parameter dispatch of the f32::<fn> functions (beta = 1 is silu, alpha = 1 is elu, softplus' is sigmoid(beta x)).
#pragma once

#include "../axes.hpp"
#include "../config.hpp"
#include "activations.hpp"
#include "gelu.hpp"

namespace actbench::f32 {

/// The pieces of a function of x.
template <bool (*Cold)(float), float (*Hot)(float), float (*Slow)(float)>
struct Parts {
  ACTBENCH_HOT bool cold(float x) const { return Cold(x); }
  ACTBENCH_HOT float hot(float x) const { return Hot(x); }
  float slow(float x) const { return Slow(x); }
};
/// The pieces of a function of x and a parameter p.
template <bool (*Cold)(float, float), float (*Hot)(float, float), float (*Slow)(float, float)>
struct Parts1 {
  float p;
  ACTBENCH_HOT bool cold(float x) const { return Cold(x, p); }
  ACTBENCH_HOT float hot(float x) const { return Hot(x, p); }
  float slow(float x) const { return Slow(x, p); }
};

/// Calls visit(parts) with the pieces of activation a's f (deriv = false) or f' (deriv = true) at parameters p,
/// and returns true; false (visit not called) where kernels/f32 has no pieces for a (the piecewise-linear
/// activations and softsign: plain float code, or one hot path with no cold inputs, f32::softsign).
template <class Visit>
bool visit_parts(Activation a, bool deriv, const Params& p, Visit&& visit) {
  const bool d = deriv;
  switch (a) {
    case Activation::sigmoid:
      d ? visit(Parts<sigmoid_deriv_cold, sigmoid_deriv_hot, sigmoid_deriv_slow>{})
        : visit(Parts<sigmoid_cold, sigmoid_hot, sigmoid_slow>{});
      return true;
    case Activation::tanh:
      d ? visit(Parts<tanh_deriv_cold, tanh_deriv_hot, tanh_deriv_slow>{}) : visit(Parts<tanh_cold, tanh_hot, tanh_slow>{});
      return true;
    case Activation::selu:
      d ? visit(Parts<selu_deriv_cold, selu_deriv_hot, selu_deriv_slow>{}) : visit(Parts<selu_cold, selu_hot, selu_slow>{});
      return true;
    case Activation::mish:
      d ? visit(Parts<mish_deriv_cold, mish_deriv_hot, mish_deriv_slow>{}) : visit(Parts<mish_cold, mish_hot, mish_slow>{});
      return true;
    case Activation::gelu:
      d ? visit(Parts<gelu_cold, gelu_deriv_hot, gelu_deriv_slow>{}) : visit(Parts<gelu_cold, gelu_hot, gelu_slow>{});
      return true;
    case Activation::gelu_tanh:
      d ? visit(Parts<gelu_tanh_cold, gelu_tanh_deriv_hot, gelu_tanh_deriv_slow>{})
        : visit(Parts<gelu_tanh_cold, gelu_tanh_hot, gelu_tanh_slow>{});
      return true;
    case Activation::elu:
    case Activation::celu: {
      const float al = float(a == Activation::elu ? p.elu_alpha : p.celu_alpha);
      if (a == Activation::elu || al == 1.0f) {
        d ? visit(Parts1<elu_deriv_cold, elu_deriv_hot, elu_deriv_slow>{al})
          : visit(Parts1<elu_cold, elu_hot, elu_slow>{al});
      } else {
        d ? visit(Parts1<celu_deriv_cold, celu_deriv_hot, celu_deriv_slow>{al})
          : visit(Parts1<celu_cold, celu_hot, celu_slow>{al});
      }
      return true;
    }
    case Activation::softplus: {
      const float b = float(p.softplus_beta);
      if (b == 1.0f) {
        d ? visit(Parts<sigmoid_cold, sigmoid_hot, sigmoid_slow>{}) : visit(Parts<softplus_cold, softplus_hot, softplus_slow>{});
      } else {
        d ? visit(Parts1<softplus_beta_deriv_cold, softplus_beta_deriv_hot, softplus_beta_deriv_slow>{b})
          : visit(Parts1<softplus_beta_cold, softplus_beta_hot, softplus_beta_slow>{b});
      }
      return true;
    }
    case Activation::swish: {
      const float b = float(p.swish_beta);
      if (b == 1.0f) {
        d ? visit(Parts<silu_deriv_cold, silu_deriv_hot, silu_deriv_slow>{}) : visit(Parts<silu_cold, silu_hot, silu_slow>{});
      } else {
        d ? visit(Parts1<swish_beta_deriv_cold, swish_beta_deriv_hot, swish_beta_deriv_slow>{b})
          : visit(Parts1<swish_beta_cold, swish_beta_hot, swish_beta_slow>{b});
      }
      return true;
    }
    default: return false;
  }
}

}  // namespace actbench::f32
