// actbench/kernels/f32/parts.hpp - the pieces (kernels/f32/split.hpp) of the precise f32 function of an activation,
// direction and parameters chosen at run time: for loops that run the hot path over many elements and the slow path
// where cold (the cpu backend, the exhaustive checker).  The choice of pieces is the functor's own (f32_parts in
// kernels/activations.hpp), the one its fwd/deriv and the GPU kernel use: here only looked up.
#pragma once

#include "../axes.hpp"
#include "../catalog.hpp"
#include "../elementwise.hpp"
#include "split.hpp"

#include <type_traits>
#include <utility>

namespace actbench::f32 {

/// Calls visit(parts) with the pieces of activation a's precise f32 f (deriv = false) or f' (deriv = true) at
/// parameters p, and returns true; false (visit not called) where the activation has none (the piecewise-linear
/// activations and softsign: plain float code, or one hot path with no cold inputs, f32::softsign).  A choice made by
/// a parameter (swish at beta = 1 is silu) is made here, once: visit sees one set of pieces.
template <class Visit>
bool visit_parts(Activation a, bool deriv, const Params& p, Visit&& visit) {
  return visit_activation(a, [&](auto def) -> bool {
    using D = decltype(def);
    using F = typename D::template functor<Variant::precise>;
    if constexpr (has_f32_parts<F>::value) {
      OpSpec s;
      s.activation = a;
      s.params = p;
      const F f = make_functor<D, Variant::precise>(s);
      if (deriv) {
        f.template f32_parts<true>().visit(visit);
      } else {
        f.template f32_parts<false>().visit(visit);
      }
      return true;
    } else {
      return false;
    }
  });
}

}  // namespace actbench::f32
