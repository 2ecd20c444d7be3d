// A hash of the f32 precise functions' outputs (kernels/f32: the functors' f32 path, cold ? slow : hot) over every
// 1021st bit pattern, per function and parameter: the same hashes from two trees means the same bits on those 4.2
// million inputs.  From the repository root of each tree:
//
//   g++ -O2 -march=native -ffp-contract=off -std=c++17 -I. results/cpu-staged/hash.cpp -o /tmp/hash && /tmp/hash
#include "kernels/f32/activations.hpp"
#include "kernels/f32/gelu.hpp"
#include <cstdio>
#include <cstring>
#include <cstdint>
using namespace actbench;
template <class F> std::uint64_t h(F f) {
  std::uint64_t v = 1469598103934665603ull;
  for (std::uint64_t b = 0; b < (1ull << 32); b += 1021) {  // every 1021st pattern: all exponents, many mantissas
    float x; std::uint32_t u = static_cast<std::uint32_t>(b); std::memcpy(&x, &u, 4);
    float y = f(x); std::uint32_t w; std::memcpy(&w, &y, 4);
    v = (v ^ w) * 1099511628211ull;
  }
  return v;
}
int main() {
  std::printf("sigmoid %016llx\n", (unsigned long long)h([](float x){ return f32::sigmoid(x); }));
  std::printf("sigmoid' %016llx\n", (unsigned long long)h([](float x){ return f32::sigmoid_deriv(x); }));
  std::printf("tanh %016llx\n", (unsigned long long)h([](float x){ return f32::tanh(x); }));
  std::printf("tanh' %016llx\n", (unsigned long long)h([](float x){ return f32::tanh_deriv(x); }));
  for (float b : {1.0f, 2.0f, 0.5f, 1.1f}) {
    std::printf("softplus(%g) %016llx\n", b, (unsigned long long)h([b](float x){ return f32::softplus(x, b); }));
    std::printf("softplus'(%g) %016llx\n", b, (unsigned long long)h([b](float x){ return f32::softplus_deriv(x, b); }));
    std::printf("swish(%g) %016llx\n", b, (unsigned long long)h([b](float x){ return f32::swish(x, b); }));
    std::printf("swish'(%g) %016llx\n", b, (unsigned long long)h([b](float x){ return f32::swish_deriv(x, b); }));
  }
  std::printf("mish %016llx\n", (unsigned long long)h([](float x){ return f32::mish(x); }));
  std::printf("mish' %016llx\n", (unsigned long long)h([](float x){ return f32::mish_deriv(x); }));
  std::printf("gelu_tanh %016llx\n", (unsigned long long)h([](float x){ return f32::gelu_tanh(x); }));
  std::printf("gelu_tanh' %016llx\n", (unsigned long long)h([](float x){ return f32::gelu_tanh_deriv(x); }));
}
