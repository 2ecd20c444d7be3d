// The split of the precise f32 functions into cold / hot / slow pieces (kernels/f32/split.hpp), as the three places
// that use it see it: the functor's own fwd/deriv (one element), ElementOp::split / cold / at_hot (the GPU kernel's
// tile loop, kernels/elementwise.cuh: the hot path alone when no element of a tile is cold) and f32::visit_parts
// (the cpu backend's loops, the exhaustive checker).  All three must give the functor's bits, on inputs that cover
// every cold range (NaN, infinities, far tails, the thresholds) and the hot range, at default and other parameters.
#include "kernels/catalog.hpp"
#include "kernels/dtype.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/f32/parts.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace actbench {
namespace {

std::uint32_t bits(float v) { return bit_cast<std::uint32_t>(v); }

/// Same value, or both NaN.
bool same(float a, float b) { return bits(a) == bits(b) || (a != a && b != b); }

std::vector<float> inputs() {
  std::vector<float> v = {0.0f, -0.0f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::max(),
                          -std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(),
                          -std::numeric_limits<float>::denorm_min(), 1e-30f, -1e-30f, 1e30f, -1e30f};
  for (float t : {10.0f, 12.0f, 17.0f, 40.0f, 80.0f, 87.0f, 88.0f, 104.0f, 700.0f}) {
    for (float s : {t, -t}) {
      v.push_back(s);
      v.push_back(std::nextafter(s, 0.0f));
      v.push_back(std::nextafter(s, 2 * s));
    }
  }
  for (float x = -130.0f; x <= 130.0f; x += 0.0371f) v.push_back(x);
  for (float x = -2.0f; x <= 2.0f; x += 0.000731f) v.push_back(x);  // the zeros of the derivatives
  return v;
}

struct Checked {
  int split_ops = 0, cold = 0, hot = 0;
};

template <Direction D>
void check(const OpSpec& s, Checked& c) {
  const std::vector<float> xs = inputs();
  const std::vector<float> dys = {1.0f, -0.75f, 3.0e-20f, -2.5e10f};
  dispatch_op_as<float, Variant::precise>(s, [&](const auto& op0) {
    using Op = std::decay_t<decltype(op0)>;
    if constexpr (Op::direction != D) {
      return;
    } else {
      const std::string what = std::string(to_string(s.activation)) + " " + to_string(D);
      const bool has = f32::visit_parts(s.activation, D != Direction::fwd, s.params, [&](const auto& parts) {
        for (float x : xs) {  // visit_parts' pieces: the functor's value
          const float full = parts.cold(x) ? parts.slow(x) : parts.hot(x);
          float want;
          if constexpr (D == Direction::bwd) {
            want = op0.at(0, x, 1.0f);
          } else {
            want = op0.at(0, x);
          }
          ASSERT_TRUE(same(full, want)) << what << " x = " << x;
        }
      });
      ASSERT_EQ(Op::split, has) << what << ": the kernel's split and visit_parts disagree";
      if constexpr (Op::split) {
        ++c.split_ops;
        for (float x : xs) {
          if (op0.cold(x)) {
            ++c.cold;
            continue;
          }
          ++c.hot;
          if constexpr (D == Direction::bwd) {
            for (float dy : dys) ASSERT_TRUE(same(op0.at_hot(x, dy), op0.at(0, x, dy))) << what << " x = " << x;
          } else {
            ASSERT_TRUE(same(op0.at_hot(x), op0.at(0, x))) << what << " x = " << x;
          }
        }
      }
    }
  });
}

// Only precise f32 ops split: not the fast or textbook variants, not 16-bit or f64 data, not prelu (per channel).
static_assert(ElementOp<Sigmoid<Variant::precise>, Direction::fwd, float>::split, "precise f32 splits");
static_assert(ElementOp<Gelu<Variant::precise>, Direction::bwd, float>::split, "precise f32 bwd splits");
static_assert(!ElementOp<Sigmoid<Variant::fast>, Direction::fwd, float>::split, "fast does not");
static_assert(!ElementOp<SigmoidTextbook, Direction::fwd, float>::split, "textbook does not");
static_assert(!ElementOp<Sigmoid<Variant::precise>, Direction::fwd, f16_t>::split, "16-bit data do not");
static_assert(!ElementOp<Sigmoid<Variant::precise>, Direction::fwd, bf16_t>::split, "16-bit data do not");
static_assert(!ElementOp<Sigmoid<Variant::precise>, Direction::fwd, double>::split, "f64 does not");
static_assert(!ElementOp<Relu, Direction::fwd, float>::split, "no pieces, no split");

TEST(F32Split, HotPathAndPiecesGiveTheFunctorsBits) {
  std::vector<OpSpec> specs;
  for (int i = 0; i < kNumActivations; ++i) {
    const auto a = static_cast<Activation>(i);
    if (a == Activation::prelu) continue;  // per channel: never split
    OpSpec s;
    s.activation = a;
    specs.push_back(s);
  }
  // other parameters: the zero of swish' moves with beta, softplus' is sigmoid only at beta = 1, celu is elu at 1
  const auto with = [&specs](Activation a, double Params::*param, double v) {
    OpSpec s;
    s.activation = a;
    s.params.*param = v;
    specs.push_back(s);
  };
  with(Activation::swish, &Params::swish_beta, 1.5);
  with(Activation::softplus, &Params::softplus_beta, 2.0);
  with(Activation::celu, &Params::celu_alpha, 0.5);
  with(Activation::elu, &Params::elu_alpha, 0.25);
  Checked c;
  for (OpSpec s : specs) {
    s.direction = Direction::fwd;
    check<Direction::fwd>(s, c);
    s.direction = Direction::deriv;
    check<Direction::deriv>(s, c);
    s.direction = Direction::bwd;
    check<Direction::bwd>(s, c);
  }
  // every function of kernels/f32 with pieces, in all three directions, at both kinds of inputs
  EXPECT_GE(c.split_ops, 3 * 14);
  EXPECT_GT(c.cold, 1000);
  EXPECT_GT(c.hot, 100000);
}

}  // namespace
}  // namespace actbench
