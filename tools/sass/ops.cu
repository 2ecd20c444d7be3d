// tools/sass/ops.cu - the kernels that tools/sass/sass_model.py disassembles: the benchmark's own
// elementwise_kernel (kernels/elementwise.cuh) for every existing (activation, direction) of one dtype
// and one variant, plus the copy kernels of the same shape (one input, and two for bwd).
// Compiled once per (dtype, variant):
//   nvcc -cubin -arch=sm_90 -DACTBENCH_SASS_T=float -DACTBENCH_SASS_V=precise tools/sass/ops.cu
// -DACTBENCH_SASS_MASK=0x... (bit i: the catalog's row i) compiles those rows only (sass_model --activations).
// Not part of the build; nothing here runs.  Each kernel's op type is wrapped in Tagged<A, V, D, Op>
// so that its (activation, variant, direction) can be read back from the kernel's name.
#include "kernels/elementwise.cuh"

#include <cstdint>
#include <type_traits>

#ifndef ACTBENCH_SASS_T
#error "define ACTBENCH_SASS_T (f16_t, bf16_t, float or double)"
#endif
#ifndef ACTBENCH_SASS_V
#error "define ACTBENCH_SASS_V (precise, fast or textbook)"
#endif

namespace actbench_sass {
using namespace actbench;

/// Op with its axes in the kernel's name: A = the Activation's index (kCopy for a copy kernel),
/// V = the Variant's, D = the Direction's.  Behaves exactly as Op (the kernel sees Op's members).
template <int A, int V, int D, class Op>
struct Tagged : Op {};
inline constexpr int kCopy = 1000;

/// The bwd-shaped copy: reads x and dy and writes their bitwise XOR.  A kernel must use both inputs
/// or the compiler drops a load; XOR is the cheapest use (a logic op per 32-bit word), so the bwd
/// copy's count includes that one combining operation.
template <class T>
struct CopyBwdOp {
  using storage_t = T;
  using bits_t = std::conditional_t<sizeof(T) == 2, std::uint16_t,
                                    std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>;
  static constexpr Direction direction = Direction::bwd;
  static constexpr bool per_channel = false;
  __device__ T at(std::int64_t, T x, T dy) const {
    return bit_cast<T>(static_cast<bits_t>(bit_cast<bits_t>(x) ^ bit_cast<bits_t>(dy)));
  }
};

template <int A, int V, class Op>
void instantiate(const Op& op) {
  using K = Tagged<A, V, static_cast<int>(Op::direction), Op>;
  kernels::elementwise_kernel<<<1, kernels::kBlockThreads>>>(K{op}, nullptr, nullptr, nullptr, 0, 0, true);
}

#ifndef ACTBENCH_SASS_MASK
#define ACTBENCH_SASS_MASK (~0ull)
#endif

template <class T, Variant V, class D>
void instantiate_row() {
  constexpr bool chosen = ((ACTBENCH_SASS_MASK) >> static_cast<int>(D::id)) & 1u;
  if constexpr (chosen && variant_exists_for<D>(V, dtype_traits<T>::dtype)) {
    const auto f = make_functor<D, V>(OpSpec{});
    using F = std::remove_const_t<decltype(f)>;
    constexpr int a = static_cast<int>(D::id), v = static_cast<int>(V);
    instantiate<a, v>(ElementOp<F, Direction::fwd, T>{f});
    instantiate<a, v>(ElementOp<F, Direction::deriv, T>{f});
    instantiate<a, v>(ElementOp<F, Direction::bwd, T>{f});
  }
}

template <class T, Variant V, class... Ds>
void instantiate_all(TypeList<Ds...>) {
  (instantiate_row<T, V, Ds>(), ...);
}

}  // namespace actbench_sass

void actbench_sass_kernels() {
  using namespace actbench_sass;
  using namespace actbench;
  using T = ACTBENCH_SASS_T;
  instantiate_all<T, actbench::Variant::ACTBENCH_SASS_V>(actbench::AllActivations{});
  instantiate<kCopy, 0>(actbench::kernels::CopyOp<T>{});
  instantiate<kCopy, 0>(CopyBwdOp<T>{});
}
