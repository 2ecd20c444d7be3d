// actbench/harness/reference.hpp - the host reference: an independent implementation of every
// activation and its derivative, from stable formulas, in extended precision.
//
// Never reuses kernels/activations.hpp or kernels/math.hpp: it is what they are checked against.
// Verified against mpmath (50 digits) by tests/host/test_reference.cpp on the table that
// tools/gen_reference_table.py writes to tests/data/reference_table.csv.
//
// How it computes: every function is evaluated in x87 long double (64-bit significand), with
// the rounding of internal arguments removed where a tail would amplify it (beta*x, x/sqrt2,
// x^2, u = k(x + a x^3), x/alpha are carried as exact hi+lo pairs, and exp/erfc get a first-order
// correction for the lo part).  eval() rounds that to double once; eval_ext() returns it.
//
// Conventions (the same for eval and eval_ext):
//  - NaN in -> NaN out, for every function and derivative (relu'(NaN) is NaN, not 0).
//  - +-inf in -> the limit of the function, with the sign the function approaches it from:
//    silu/swish, gelu, gelu_tanh, mish(-inf) = -0 and their derivatives at -inf = -0 (they approach
//    0 from below); sigmoid, softplus, their derivatives, tanh', softsign' at +-inf = +0;
//    hardswish(-inf) = -0; hardswish'(-inf) = +0; tanh(+-inf) = +-1; elu(-inf) = -alpha.
//  - Exact zeros over an interval follow the formula evaluated in IEEE arithmetic:
//    relu(x<=0) = +0 (relu(-0) = +0), relu6 likewise, hardsigmoid(x<=-3) = +0,
//    hardswish(x<=-3) = x*0 = -0, hardswish(-0) = -0, leaky_relu(-0) = alpha*(-0) = -0;
//    constant-zero derivatives are +0.  A value that underflows even long double keeps the sign of
//    the true value (gelu'(-200) = -0).
//  - Piecewise derivatives at the break points (the catalog's, PyTorch's):
//    relu'(0) = 0, relu6'(0) = relu6'(6) = 0, leaky'(0) = alpha, elu'(0) = alpha, selu'(0) =
//    lambda*alpha, celu'(0) = 1 (x > 0 ? 1 : ...), hardsigmoid'(+-3) = 0 (open interval), hardswish'(-3) = -0.5 and
//    hardswish'(3) = 1.5 (the (2x+3)/6 branch on the closed interval [-3, 3], as PyTorch).
//
// Constants: the kernel rounds its parameters and the constants that define a function to its
// compute type (float for f32/f16/bf16 data, double for f64 data); the reference uses the same
// rounded values and is otherwise exact.  Rounded: leaky/prelu/elu/celu alpha, softplus/swish beta,
// selu's alpha and lambda, gelu_tanh's 0.044715 and sqrt(2/pi).  Not rounded (mathematical constants
// of the function, whose rounding in the kernel is a kernel error docs/ACCURACY.md charges it for):
// gelu's 1/sqrt2 and 1/sqrt(2 pi), 1/6, 1/2.  The product beta*x etc. is exact, never rounded.
#pragma once

#include "kernels/axes.hpp"
#include "kernels/dtype.hpp"

#include <cstdint>
#include <vector>

namespace actbench::ref {

/// Which type the kernel rounds its constants and parameters to.
enum class ConstRounding { f32, f64 };

/// f64 for f64 data, f32 for f32/f16/bf16 data (their compute type is float).
constexpr ConstRounding const_rounding(DType t) {
  return t == DType::f64 ? ConstRounding::f64 : ConstRounding::f32;
}
inline const char* to_string(ConstRounding r) { return r == ConstRounding::f32 ? "f32" : "f64"; }

/// The constants and parameters of every activation, rounded as the kernel rounds them.
struct Constants {
  long double leaky_relu_alpha, prelu_alpha, elu_alpha, celu_alpha, softplus_beta, swish_beta;
  long double selu_alpha, selu_lambda;      ///< 1.6732632423543772848..., 1.0507009873554804934...
  long double gelu_tanh_a, gelu_tanh_k;     ///< 0.044715, sqrt(2/pi)
};
Constants constants(const Params& p, ConstRounding r);

/// f(x) (Direction::fwd) or f'(x) (Direction::deriv), correctly rounded to double up to a few
/// 2^-64 relative (see test_reference for the measured agreement).  For f32/f16/bf16 targets.
/// Direction::bwd is rejected (std::invalid_argument): use reference_value.
double eval(Activation a, Direction d, double x, const Params& p,
            ConstRounding r = ConstRounding::f64);

/// The same in x87 long double, for f64 targets (within a few long-double ulps, see
/// test_reference).  Direction::bwd is rejected (std::invalid_argument).
long double eval_ext(Activation a, Direction d, long double x, const Params& p,
                     ConstRounding r = ConstRounding::f64);

/// The exact value the ULP metric compares a kernel's output against, for data type t:
/// x (and dy) are the already-rounded inputs (values of t).  f32/f16/bf16: eval() with constants
/// rounded to float; f64: eval_ext() with constants rounded to double.
/// fwd: f(x); deriv: f'(x); bwd: dy * f'(x) (the product is exact in long double up to 2^-64).
/// For prelu, p.prelu_alpha must be the slope of this element's channel.
long double reference_value(DType t, Activation a, Direction d, long double x, long double dy,
                            const Params& p);

/// The exact value of element i of a case: reference_value with prelu's slope of channel i % slopes.size()
/// (harness/params.hpp: prelu_slopes); x and dy as bit patterns of t.
long double exact_value(DType t, Activation a, Direction d, const Params& params, const std::vector<float>& slopes,
                        std::int64_t i, std::uint64_t x_bits, std::uint64_t dy_bits);

}  // namespace actbench::ref
