// tools/sass/one_element.cu - one kernel per (activation, direction, dtype, variant) that applies the
// ElementOp to one element, so that its machine code can be counted (tools/sass/sass_cost.py).
// Not part of the build.
#include "kernels/elementwise.cuh"

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
      OpSpec s;
      s.activation = info.id;
      s.direction = d;
      dispatch_op_as<T, V>(s, [](auto op) { one_element<<<1, 32>>>(op, nullptr, nullptr, nullptr); });
    }
}
}  // namespace

void instantiate_all() {
  instantiate<f16_t, Variant::precise>();
  instantiate<bf16_t, Variant::precise>();
  instantiate<float, Variant::precise>();
  instantiate<double, Variant::precise>();
}
