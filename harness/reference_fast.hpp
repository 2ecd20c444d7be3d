// actbench/harness/reference_fast.hpp - a fast reference for f32/f16/bf16 results: every activation
// and its derivative in double, many inputs at a time.
//
// ref::eval (reference.hpp) evaluates in x87 long double: ~100-200 ns an input, too slow for the 2^32
// inputs of an exhaustive f32 check.  An f32 result only needs its exact value to a small fraction of
// an f32 ulp (2^-24 relative), and double carries 2^-53: the stable formulas of reference.cpp, written
// again in double with the same exact arguments (beta*x, x/alpha and x^2 are exact products of floats
// in double; x/sqrt2 and gelu_tanh's u are carried as hi + lo), are within a few 2^-50 relative of the
// long-double reference wherever they do not cancel.  Where they do - next to the interior zero of
// swish', gelu', gelu_tanh' and mish' - and for non-finite inputs, fast_eval calls ref::eval.
// tests/host/test_reference_fast.cpp measures the agreement with ref::eval and with the mpmath table.
//
// Double math comes from glibc: with libmvec (ACTBENCH_LIBMVEC) the batch loops call its vector
// exp/expm1/log1p/erfc/tanh (documented within 4 ulp of double) and run 4 or 8 inputs per
// instruction, the widest the CPU has (function multiversioning picks AVX-512, AVX2 or SSE at run
// time).  Signed zeros, underflow to zero and the limits follow reference.hpp's conventions.
// Never reuses kernels/activations.hpp or kernels/math.hpp.
#pragma once

#include "harness/reference.hpp"
#include "kernels/catalog.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace actbench::ref {

/// f(x) or f'(x) for an f32/f16/bf16 target (constants rounded as `r` says; f32 unless told), in
/// double.  Direction::bwd is rejected (std::invalid_argument), as by ref::eval.
double fast_eval(Activation a, Direction d, double x, const Params& p, ConstRounding r = ConstRounding::f32);

/// The same for n inputs: y[i] = fast_eval(a, d, x[i], p, r).  Vectorized; x and y must not overlap.
void fast_eval(Activation a, Direction d, const float* x, double* y, std::size_t n, const Params& p,
               ConstRounding r = ConstRounding::f32);

/// True where fast_eval hands x to ref::eval: non-finite x, and x next to an interior zero of f'
/// (within 2^-6 of it in beta*x for swish, in x for gelu, gelu_tanh and mish).
bool fast_eval_defers(Activation a, Direction d, double x, const Params& p, ConstRounding r = ConstRounding::f32);

/// The exact values of a chunk of accuracy inputs (element first + k has bits xs[k], and dys[k] for bwd):
/// what ref::exact_value gives each, on every core.  f32/f16/bf16 data through the batched fast_eval (a bwd
/// value is dy * f'(x) in long double), f64 data and prelu (a slope per channel) through ref::exact_value.
void exact_values(DType t, Activation a, Direction d, const Params& p, const std::vector<float>& slopes,
                  std::uint64_t first, const std::vector<std::uint64_t>& xs, const std::vector<std::uint64_t>& dys,
                  std::vector<long double>& out);

}  // namespace actbench::ref
