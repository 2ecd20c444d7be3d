// actbench/tests/device_contraction/probes.cu - what the device contraction guard compiles
// (check_contraction.py reads its PTX and SASS; nothing here is ever run).
//
//  * one kernel per (activation, direction, dtype) of the precise variant, and of fast for f32: each
//    applies the ElementOp to one element, so every compensated step of every functor (and the narrow
//    and f32 helpers they call) is in the PTX, inlined as the real kernels inline it;
//  * the fp:: primitives fed by a plain product, the context in which nvcc would contract a plain
//    a*b + c: their machine code must keep every add and multiply separate (SASS_EXPECT in the script);
//  * code that claims the host's bits on the device (bitexact_*): no contraction at all there (check C),
//    also where a caller adds to its result;
//  * negative controls (control_*): the same steps written with plain operators.  The guard must catch
//    them; if it does not, it is blind and fails.
#include "kernels/elementwise.cuh"
#include "kernels/fp.hpp"

namespace {
using namespace actbench;

template <class Op>
__global__ void one_element(Op op, const typename Op::storage_t* x, const typename Op::storage_t* dy,
                            typename Op::storage_t* y) {
  const int i = threadIdx.x;
  if constexpr (Op::direction == Direction::bwd)
    y[i] = op.at(i, x[i], dy[i]);
  else
    y[i] = op.at(i, x[i]);
}

template <class T, Variant V>
void instantiate() {
  for (const auto& info : kCatalog)
    for (Direction d : kAllDirections) {
      if (!variant_exists(info.id, V, dtype_traits<T>::dtype)) continue;
      OpSpec s;
      s.activation = info.id;
      s.direction = d;
      s.variant = V;
      dispatch_op_as<T, V>(s, [](auto op) { one_element<<<1, 32>>>(op, nullptr, nullptr, nullptr); });
    }
}

/// TwoSum with plain operators: what nvcc breaks (the control).
template <class C>
__device__ fp::Pair<C> plain_two_sum(C a, C b) {
  const C s = a + b;
  const C bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

}  // namespace

void instantiate_all() {
  instantiate<f16_t, Variant::precise>();
  instantiate<bf16_t, Variant::precise>();
  instantiate<float, Variant::precise>();
  instantiate<double, Variant::precise>();
  instantiate<float, Variant::fast>();
}

// The primitives in the context that invites contraction: a plain product feeding them.
#define ACTBENCH_PROBES(C, SUFFIX)                                                                      \
  extern "C" __global__ void probe_two_sum_of_product_##SUFFIX(const C* in, C* out) {                  \
    const C p = in[0] * in[1];                                                                          \
    const auto s = fp::two_sum(p, in[2]);                                                               \
    out[0] = s.hi;                                                                                      \
    out[1] = s.lo;                                                                                      \
  }                                                                                                     \
  extern "C" __global__ void probe_fast_two_sum_of_product_##SUFFIX(const C* in, C* out) {             \
    const C p = in[0] * in[1];                                                                          \
    const auto s = fp::fast_two_sum(in[2], p);                                                          \
    out[0] = s.hi;                                                                                      \
    out[1] = s.lo;                                                                                      \
  }                                                                                                     \
  extern "C" __global__ void probe_two_prod_then_add_##SUFFIX(const C* in, C* out) {                   \
    const auto p = fp::two_prod(in[0], in[1]);                                                          \
    out[0] = p.hi + in[2]; /* a plain add of fp::mul's result: must not fuse */                         \
    out[1] = p.lo;                                                                                      \
  }                                                                                                     \
  extern "C" __global__ void control_plain_two_sum_of_product_##SUFFIX(const C* in, C* out) {          \
    const C p = in[0] * in[1];                                                                          \
    const auto s = plain_two_sum(p, in[2]);                                                             \
    out[0] = s.hi;                                                                                      \
    out[1] = s.lo;                                                                                      \
  }                                                                                                     \
  extern "C" __global__ void control_plain_two_prod_then_add_##SUFFIX(const C* in, C* out) {           \
    const C p = in[0] * in[1];                                                                          \
    out[0] = p + in[2];                                                                                 \
    out[1] = fp::fma(in[0], in[1], -p);                                                                 \
  }

ACTBENCH_PROBES(float, f32)
ACTBENCH_PROBES(double, f64)

// detail::exp_f32 computes the same bits on the host and the device (kernels/math.hpp): nothing in it, nor
// between it and a caller's add, may be contracted.
extern "C" __global__ void bitexact_exp_f32(const float* in, float* out) {
  const float e = detail::exp_f32(in[0]);
  out[0] = e;
  out[1] = 1.0f + e;
  out[2] = in[2] - e;
}
