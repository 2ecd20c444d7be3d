// Tests of harness/inputs_export (`actbench inputs`): the files hold exactly the inputs actbench uses.
#include "harness/inputs_export.hpp"

#include "harness/npy.hpp"

#include "temp_dir.hpp"

#include <fstream>
#include <iterator>

namespace actbench {
namespace {

class InputsExport : public TempDirTest {
 protected:
  InputsRequest request(DType t, bool bwd) const {
    InputsRequest r;
    r.dtype = t;
    r.bwd = bwd;
    r.x_path = (dir_ / "x.npy").string();
    if (bwd) r.dy_path = (dir_ / "dy.npy").string();
    return r;
  }
  static std::vector<std::uint64_t> read(const std::string& path, DType t) {
    ArrayReader r(path, t, "test");
    std::vector<std::uint64_t> all, part;
    while (r.next(part, 1 << 20)) all.insert(all.end(), part.begin(), part.end());
    return all;
  }
};

TEST_F(InputsExport, SampledSetsAndTheirDy) {
  for (DType t : kAllDTypes) {
    InputsRequest r = request(t, true);
    r.seed = 99;
    const InputsWritten w = write_inputs(r);
    const auto xs = accuracy_inputs(t, AccuracyMode::sampled, 99);
    EXPECT_EQ(w.count, xs.size());
    EXPECT_EQ(read(r.x_path, t), xs) << to_string(t);
    EXPECT_EQ(read(*r.dy_path, t), bwd_dy(t, xs.size(), 99)) << to_string(t);
  }
}

TEST_F(InputsExport, RangesOfExhaustiveSetsFollowTheRunnersDyChunks) {
  InputsRequest r = request(DType::f16, true);
  r.range = std::make_pair(std::uint64_t{0x3c00}, std::uint64_t{0x3c10});
  EXPECT_EQ(write_inputs(r).count, 16u);
  const auto xs = read(r.x_path, DType::f16);
  ASSERT_EQ(xs.size(), 16u);
  EXPECT_EQ(xs.front(), 0x3c00u);
  EXPECT_EQ(xs.back(), 0x3c0fu);
  const auto all_dy = bwd_dy(DType::f16, 65536, r.seed);
  EXPECT_EQ(read(*r.dy_path, DType::f16), std::vector<std::uint64_t>(all_dy.begin() + 0x3c00, all_dy.begin() + 0x3c10));

  // f32 exhaustive across a chunk boundary: dy of each chunk drawn with seed + the chunk's first index
  InputsRequest e = request(DType::f32, true);
  e.mode = AccuracyMode::exhaustive;
  e.range = std::make_pair(std::uint64_t{kAccuracyChunk - 3}, std::uint64_t{kAccuracyChunk + 2});
  write_inputs(e);
  const auto c0 = bwd_dy(DType::f32, kAccuracyChunk, e.seed), c1 = bwd_dy(DType::f32, kAccuracyChunk, e.seed + kAccuracyChunk);
  const std::vector<std::uint64_t> want = {c0[kAccuracyChunk - 3], c0[kAccuracyChunk - 2], c0[kAccuracyChunk - 1], c1[0],
                                           c1[1]};
  EXPECT_EQ(read(*e.dy_path, DType::f32), want);
  EXPECT_EQ(read(e.x_path, DType::f32).front(), kAccuracyChunk - 3);
}

TEST_F(InputsExport, BenchmarkDataAsTheRunnerMakesIt) {
  for (DType t : {DType::f32, DType::bf16}) {
    InputsRequest r = request(t, true);
    r.n = 1000;
    r.seed = 5;
    r.raw = true;
    write_inputs(r);
    const auto x = benchmark_values(t, 1000, -8, 8, 5), dy = benchmark_values(t, 1000, -1, 1, 6);
    const auto bytes = [](const std::string& p) {
      std::ifstream in(p, std::ios::binary);
      return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
    };
    EXPECT_EQ(bytes(r.x_path), x);
    EXPECT_EQ(bytes(*r.dy_path), dy);
  }
}

TEST_F(InputsExport, BadRequestsAreRefused) {
  InputsRequest r = request(DType::f32, false);
  r.mode = AccuracyMode::exhaustive;
  EXPECT_THROW(write_inputs(r), std::invalid_argument);  // 2^32 inputs: a range is needed
  r.mode = AccuracyMode::sampled;
  r.range = std::make_pair(std::uint64_t{0}, std::uint64_t{10});
  EXPECT_THROW(write_inputs(r), std::invalid_argument);  // a range of a sample
  r.n = 10;
  EXPECT_THROW(write_inputs(r), std::invalid_argument);  // --n and --range
  InputsRequest b = request(DType::f32, true);
  b.dy_path.reset();
  EXPECT_THROW(write_inputs(b), std::invalid_argument);  // bwd without dy
  InputsRequest f = request(DType::f32, false);
  f.dy_path = (dir_ / "dy.npy").string();
  EXPECT_THROW(write_inputs(f), std::invalid_argument);  // dy without bwd
  f.dy_path.reset();
  f.n = 0;
  EXPECT_THROW(write_inputs(f), std::invalid_argument);
  f.n.reset();
  f.x_path = (dir_ / "no" / "such" / "x.npy").string();
  EXPECT_THROW(write_inputs(f), ArrayFileError);
}

TEST(BitRange, Parse) {
  EXPECT_EQ(parse_bit_range("0x3c00:0x3c10", DType::f16), std::make_pair(std::uint64_t{0x3c00}, std::uint64_t{0x3c10}));
  EXPECT_EQ(parse_bit_range("0:4294967296", DType::f32).second, std::uint64_t{1} << 32);
  for (const char* bad : {"10", "5:5", "6:5", "0:0x10001", "x:3", "-1:3", "0:3z", ":"})
    EXPECT_THROW(parse_bit_range(bad, DType::f16), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace actbench
