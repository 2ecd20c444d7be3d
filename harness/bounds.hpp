// actbench/harness/bounds.hpp - the accuracy bound each case is held to.
#pragma once

#include "kernels/axes.hpp"
#include "kernels/dtype.hpp"

#include <string>

namespace actbench {

/// An element passes when its ULP error <= ulp, or its absolute error <= abs (abs covers the
/// neighbourhood of an interior zero of a derivative, where relative error explodes).
struct AccuracyBound {
  double ulp = 0.5;
  double abs = 0.0;
  std::string why;  ///< where the numbers come from, for the report and `actbench list`
};

/// The stated bound of (activation, direction, dtype, variant) at these parameters (the interior-zero
/// allowance of swish' applies only for beta != 1, where its zero moves off the expansions).  bwd is held
/// to the derivative's bound plus the rounding of the product.
AccuracyBound accuracy_bound(Activation a, Direction d, DType t, Variant v, const Params& params = Params{});

}  // namespace actbench
