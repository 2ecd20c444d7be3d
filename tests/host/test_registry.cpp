// The registry: names unique, counts right, filters and impossible combinations.
#include "harness/registry.hpp"
#include "kernels/catalog.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

using namespace actbench;

TEST(Registry, NamesAreUniqueInTheDefaultSuites) {
  for (BackendKind b : {BackendKind::cpu, BackendKind::cuda})
    for (bool quick : {false, true}) {
      const auto cases = make_cases(default_selection(b, quick), b, {0, 1});
      ASSERT_FALSE(cases.empty());
      std::set<std::string> names;
      for (const auto& c : cases) EXPECT_TRUE(names.insert(c.name()).second) << c.name();
    }
}

TEST(Registry, CountIsTheProductOfTheAxesLessImpossibleCombinations) {
  Selection s;
  s.activations = {Activation::gelu, Activation::relu, Activation::sigmoid};
  s.directions = {Direction::fwd, Direction::deriv, Direction::bwd};
  s.dtypes = {DType::f32, DType::f16};
  s.variants = {Variant::precise, Variant::fast, Variant::textbook};
  s.impls = {Impl::actbench, Impl::thrust, Impl::cudnn};
  s.sizes = {1024, 4096};
  // cpu: no cudnn; relu has one variant; fast exists for f32 only; thrust runs precise only.
  // Per n: f32: gelu 3 dirs x (3 variants actbench + 1 thrust) = 12, relu 3 x 2 = 6, sigmoid 12 -> 30;
  // f16: gelu 3 x (2 + 1) = 9, relu 6, sigmoid 9 -> 24.  x 2 sizes = 108.
  EXPECT_EQ(make_cases(s, BackendKind::cpu, {0}).size(), 108u);
  // cuda adds cudnn for relu and sigmoid (fwd and bwd, precise only): 2 x 2 = 4 per (dtype, n).
  EXPECT_EQ(make_cases(s, BackendKind::cuda, {0}).size(), 108u + 4u * 4u);
  // Two devices double it.
  EXPECT_EQ(make_cases(s, BackendKind::cuda, {0, 1}).size(), 2 * (108u + 16u));
}

TEST(Registry, CombinationsThatCannotExist) {
  EXPECT_FALSE(combination_exists(Activation::gelu, Direction::fwd, DType::f32, Variant::precise, Impl::cudnn, BackendKind::cuda));
  EXPECT_FALSE(combination_exists(Activation::relu, Direction::fwd, DType::f32, Variant::precise, Impl::cudnn, BackendKind::cpu));
  EXPECT_FALSE(combination_exists(Activation::relu, Direction::deriv, DType::f32, Variant::precise, Impl::cudnn, BackendKind::cuda));
  EXPECT_FALSE(combination_exists(Activation::sigmoid, Direction::fwd, DType::f32, Variant::fast, Impl::cudnn, BackendKind::cuda));
  EXPECT_FALSE(combination_exists(Activation::relu, Direction::fwd, DType::f32, Variant::textbook, Impl::actbench, BackendKind::cpu));
  EXPECT_TRUE(combination_exists(Activation::swish, Direction::bwd, DType::f32, Variant::precise, Impl::cudnn, BackendKind::cuda));
  EXPECT_FALSE(combination_exists(Activation::gelu, Direction::deriv, DType::f32, Variant::textbook, Impl::thrust, BackendKind::cpu));
  EXPECT_TRUE(combination_exists(Activation::gelu, Direction::deriv, DType::f32, Variant::textbook, Impl::actbench, BackendKind::cpu));
  EXPECT_TRUE(combination_exists(Activation::gelu, Direction::deriv, DType::f32, Variant::precise, Impl::thrust, BackendKind::cpu));
  // fast is f32-only; softsign and hardsigmoid have no textbook form
  EXPECT_TRUE(combination_exists(Activation::gelu, Direction::fwd, DType::f32, Variant::fast, Impl::actbench, BackendKind::cpu));
  for (DType t : {DType::f16, DType::bf16, DType::f64})
    EXPECT_FALSE(combination_exists(Activation::gelu, Direction::fwd, t, Variant::fast, Impl::actbench, BackendKind::cpu));
  EXPECT_FALSE(combination_exists(Activation::softsign, Direction::fwd, DType::f32, Variant::textbook, Impl::actbench, BackendKind::cpu));
  EXPECT_FALSE(combination_exists(Activation::hardsigmoid, Direction::fwd, DType::f32, Variant::textbook, Impl::actbench, BackendKind::cpu));
}

TEST(Registry, OrderKeepsOneDtypeAndSizeTogether) {
  Selection s = default_selection(BackendKind::cpu, false);
  const auto cases = make_cases(s, BackendKind::cpu, {0});
  std::set<std::pair<int, std::int64_t>> seen;
  std::pair<int, std::int64_t> current{-1, -1};
  for (const auto& c : cases) {
    const std::pair<int, std::int64_t> key{static_cast<int>(c.dtype), c.n};
    if (key != current) {
      EXPECT_TRUE(seen.insert(key).second) << "group (dtype, n) split: " << c.name();
      current = key;
    }
  }
}

TEST(Registry, BytesMoved) {
  Case c;
  c.dtype = DType::f16;
  c.n = 1000;
  c.direction = Direction::fwd;
  EXPECT_EQ(c.bytes(), 4000);
  c.direction = Direction::bwd;
  EXPECT_EQ(c.bytes(), 6000);
  c.dtype = DType::f64;
  EXPECT_EQ(c.bytes(), 24000);
  EXPECT_EQ(c.name(), "relu/bwd/f64/precise/actbench/cpu:0/1000");
}

// What each impl really moves (issue 14 item 7): prelu's bwd also runs its dalpha reduction (x and dy read
// again, the channels zeroed and written), cuDNN's bwd also reads y.
TEST(Registry, BytesMovedPerImpl) {
  Case c;
  c.dtype = DType::f32;
  c.n = 1000;
  c.activation = Activation::sigmoid;
  for (Impl impl : {Impl::actbench, Impl::thrust, Impl::cudnn}) {
    c.impl = impl;
    c.direction = Direction::fwd;
    EXPECT_EQ(bytes_moved(c, 64).bytes, 8000);
    EXPECT_EQ(bytes_moved(c, 64).convention, "x read + y written");
  }
  c.direction = Direction::bwd;
  c.impl = Impl::actbench;
  EXPECT_EQ(bytes_moved(c, 64).bytes, 12000);
  c.impl = Impl::cudnn;
  EXPECT_EQ(bytes_moved(c, 64).bytes, 16000);
  EXPECT_NE(bytes_moved(c, 64).convention.find("x, y, dy read"), std::string::npos);
  c.activation = Activation::prelu;
  for (Impl impl : {Impl::actbench, Impl::thrust}) {
    c.impl = impl;
    EXPECT_EQ(bytes_moved(c, 64).bytes, 5 * 4000 + 2 * 64 * 4);
    EXPECT_NE(bytes_moved(c, 64).convention.find("dalpha"), std::string::npos);
  }
  c.direction = Direction::fwd;
  EXPECT_EQ(bytes_moved(c, 64).bytes, 8000);
}

TEST(Registry, ParseSizes) {
  EXPECT_EQ(parse_sizes("2^10:2^16:2"), (std::vector<std::int64_t>{1024, 4096, 16384, 65536}));
  EXPECT_EQ(parse_sizes("2^4:2^6"), (std::vector<std::int64_t>{16, 32, 64}));
  EXPECT_EQ(parse_sizes("100003,17,2^3"), (std::vector<std::int64_t>{8, 17, 100003}));
  EXPECT_EQ(parse_sizes("1,1,2"), (std::vector<std::int64_t>{1, 2}));
  for (const char* bad : {"", "0", "abc", "2^", "3^4", "2^10:2^8", "2^10:2^12:0", "-5", "2^10:1000", "12x", "2^99"})
    EXPECT_THROW(parse_sizes(bad), std::invalid_argument) << bad;
}

TEST(Registry, NamesParseBackToTheirEnums) {
  for (const auto& i : kCatalog) EXPECT_EQ(parse_activation(i.name), i.id);
  EXPECT_EQ(parse_activation("silu"), Activation::swish);
  EXPECT_FALSE(parse_activation("gelu2"));
  for (DType t : kAllDTypes) EXPECT_EQ(parse_dtype(to_string(t)), t);
  EXPECT_FALSE(parse_dtype("f8"));
  for (Direction d : kAllDirections) EXPECT_EQ(parse_direction(to_string(d)), d);
  for (Variant v : kAllVariants) EXPECT_EQ(parse_variant(to_string(v)), v);
  for (Impl i : kAllImpls) EXPECT_EQ(parse_impl(to_string(i)), i);
}
