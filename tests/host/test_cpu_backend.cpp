// The cpu backend end to end: launches match the functors, copies copy, the runner produces
// complete records, impossible sizes are skipped with a reason.
#include "harness/backend.hpp"
#include "harness/params.hpp"
#include "harness/runner.hpp"
#include "harness/ulp.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>

using namespace actbench;

namespace {

std::vector<std::uint64_t> some_inputs(DType t, std::size_t n, std::uint64_t salt) {
  // Deterministic, varied patterns (every sign and exponent, NaN/inf patterns included).
  std::vector<std::uint64_t> v(n);
  std::uint64_t s = 0x1234567 + salt;
  const int bits = 8 * dtype_info(t).size_bytes;
  for (auto& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = bits == 64 ? s : (s >> 17) & ((1ull << bits) - 1);
  }
  return v;
}

/// The same ElementOp run here, element by element: what every backend must reproduce.
std::vector<std::uint64_t> host_expected(const Case& c, const Params& p, const std::vector<float>& slopes,
                                         const std::vector<std::uint64_t>& xs, const std::vector<std::uint64_t>& dys) {
  std::vector<std::uint64_t> out(xs.size());
  const OpSpec spec{c.activation, c.direction, c.variant, p, slopes.data()};
  visit_dtype(c.dtype, [&](auto tag) {
    using T = decltype(tag);
    dispatch_op<T>(spec, [&](const auto& op) {
      for (std::size_t i = 0; i < xs.size(); ++i) {
        T x, dy, y;
        std::memcpy(&x, &xs[i], sizeof(T));
        if constexpr (std::decay_t<decltype(op)>::direction == Direction::bwd) {
          std::memcpy(&dy, &dys[i], sizeof(T));
          y = op.at(static_cast<std::int64_t>(i), x, dy);
        } else {
          y = op.at(static_cast<std::int64_t>(i), x);
        }
        std::uint64_t b = 0;
        std::memcpy(&b, &y, sizeof(T));
        out[i] = b;
      }
    });
  });
  return out;
}

}  // namespace

TEST(CpuBackend, EveryOpMatchesTheHostFunctorAtAwkwardSizes) {
  auto backend = make_cpu_backend();
  Params p;
  p.prelu_channels = 7;
  const auto slopes = prelu_slopes(p);
  for (std::size_t n : {0u, 1u, 15u, 17u, 129u, 4097u})
    for (const auto& info : kCatalog)
      for (Direction d : kAllDirections)
        for (DType t : kAllDTypes)
          for (Variant v : kAllVariants)
          for (Impl impl : {Impl::actbench, Impl::thrust}) {
            if (!combination_exists(info.id, d, t, v, impl, BackendKind::cpu)) continue;
            Case c{info.id, d, t, v, impl, BackendKind::cpu, 0, static_cast<std::int64_t>(n)};
            const auto xs = some_inputs(t, n, static_cast<std::uint64_t>(info.id));
            const auto dys = d == Direction::bwd ? some_inputs(t, n, 99) : std::vector<std::uint64_t>{};
            const auto got = run_on_inputs(*backend, c, p, xs, dys);
            const auto want = host_expected(c, p, slopes, xs, dys);
            ASSERT_EQ(got.size(), n);
            for (std::size_t i = 0; i < n; ++i) {
              // NaN payloads and signs may differ between vectorised and scalar code.
              if (std::isnan(decode(t, got[i])) && std::isnan(decode(t, want[i]))) continue;
              ASSERT_EQ(got[i], want[i]) << c.name() << " element " << i;
            }
          }
}

TEST(CpuBackend, PreluBackwardProducesDalpha) {
  auto backend = make_cpu_backend();
  const std::int64_t n = 1003;
  Params p;
  p.prelu_channels = 5;
  const auto slopes = prelu_slopes(p);
  std::vector<float> x(n), dy(n), y(n), dalpha(5, -1.f);
  for (std::int64_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>((i % 13) - 6) * 0.5f;
    dy[i] = static_cast<float>((i % 7) - 3) * 0.25f;
  }
  Launch l;
  l.op = OpSpec{Activation::prelu, Direction::bwd, Variant::precise, p, slopes.data()};
  l.dtype = DType::f32;
  l.n = n;
  l.x = x.data();
  l.dy = dy.data();
  l.y = y.data();
  l.prelu_dalpha = dalpha.data();
  backend->launch(l);
  std::vector<double> want(5, 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    if (x[i] < 0) want[i % 5] += double(dy[i]) * x[i];
    EXPECT_EQ(y[i], x[i] > 0 ? dy[i] : dy[i] * slopes[i % 5]) << i;
  }
  for (int c = 0; c < 5; ++c) EXPECT_NEAR(dalpha[c], want[c], 1e-4) << c;
}

TEST(CpuBackend, CopiesCopy) {
  auto backend = make_cpu_backend();
  std::vector<double> src(10001), dst(10001, 0.0);
  std::iota(src.begin(), src.end(), 1.0);
  for (CopyKind k : {CopyKind::memcpy, CopyKind::kernel}) {
    std::fill(dst.begin(), dst.end(), 0.0);
    backend->copy(k, dst.data(), src.data(), src.size() * sizeof(double), DType::f64);
    EXPECT_EQ(dst, src);
  }
  EXPECT_TRUE(backend->time_batched([] {}, 4).has_value());
  EXPECT_GT(backend->free_memory(), 0u);
  EXPECT_GT(backend->facts().cache_bytes, 0u);
}

TEST(CpuBackend, RunnerProducesACompleteRecord) {
  auto backend = make_cpu_backend();
  RunOptions opt;
  opt.rule = StopRule{1, 3, 20, 0.0, 0.05, 0.05};
  Runner runner(*backend, opt);
  const Case c{Activation::gelu, Direction::bwd, DType::bf16, Variant::precise, Impl::actbench, BackendKind::cpu, 0, 4096};
  const CaseOutcome o = runner.run(c, 0);
  ASSERT_TRUE(o.record) << (o.not_run ? o.not_run->reason : "");
  const nlohmann::json r = to_json(*o.record);
  for (const char* key : {"name", "run_type", "real_time", "cpu_time", "time_unit", "iterations", "activation",
                          "direction", "dtype", "variant", "impl", "backend", "device", "n", "bytes", "status",
                          "timing", "gbps", "elements_per_s", "pct_of_copy_bw", "pct_of_copy_kernel_bw",
                          "l2_resident", "accuracy", "params"})
    EXPECT_TRUE(r.contains(key)) << key;
  EXPECT_EQ(r["bytes"], 3 * 4096 * 2);
  EXPECT_GT(r["gbps"].get<double>(), 0.0);
  EXPECT_GT(r["pct_of_copy_bw"].get<double>(), 0.0);
  EXPECT_TRUE(r["accuracy"]["exhaustive"].get<bool>());
  EXPECT_EQ(r["accuracy"]["inputs_tested"], 65536);
  EXPECT_EQ(r["status"], "pass") << r["accuracy"].dump();
  EXPECT_FALSE(r["timing"]["cold"].is_null());
  const auto& roof = runner.roofline();
  ASSERT_EQ(roof.size(), 1u);
  EXPECT_GT(to_json(roof[0])["memcpy"]["gbps"].get<double>(), 0.0);
}

TEST(CpuBackend, TextbookFailureIsReportedAsFailing) {
  auto backend = make_cpu_backend();
  RunOptions opt;
  opt.rule = StopRule{0, 2, 5, 0.0, 0.02, 1.0};
  Runner runner(*backend, opt);
  const Case c{Activation::sigmoid, Direction::fwd, DType::f32, Variant::textbook, Impl::actbench, BackendKind::cpu, 0, 1024};
  const CaseOutcome o = runner.run(c, 0);
  ASSERT_TRUE(o.record);
  EXPECT_TRUE(o.record->accuracy_failed());
  EXPECT_STREQ(o.record->status(), "fail");
  EXPECT_GT(o.record->accuracy->max_ulp, 1e5);
}

TEST(CpuBackend, ImpossibleCasesAreSkippedWithAReason) {
  auto backend = make_cpu_backend();
  Runner runner(*backend, RunOptions{});
  const Case huge{Activation::relu, Direction::bwd, DType::f64, Variant::precise, Impl::actbench, BackendKind::cpu, 0,
                  std::int64_t{1} << 40};
  const CaseOutcome o = runner.run(huge, 0);
  ASSERT_TRUE(o.not_run);
  EXPECT_FALSE(o.not_run->error);
  EXPECT_NE(o.not_run->reason.find("does not fit"), std::string::npos) << o.not_run->reason;
  EXPECT_EQ(to_json(*o.not_run)["status"], "skipped");
  const Case dnn{Activation::relu, Direction::fwd, DType::f32, Variant::precise, Impl::cudnn, BackendKind::cpu, 0, 16};
  const CaseOutcome o2 = runner.run(dnn, 0);
  ASSERT_TRUE(o2.not_run);
  EXPECT_NE(o2.not_run->reason.find("cuDNN"), std::string::npos);
}

TEST(Plausibility, RecordsFasterThanTheCopyOrUnconvergedAreSuspect) {
  RooflineRecord roof;
  roof.dtype = DType::f32;
  roof.n = 1 << 20;
  roof.memcpy.median = static_cast<double>(roof.bytes()) / 100e9;  // 100 GB/s
  roof.copy_kernel.median = roof.memcpy.median;
  BenchmarkRecord r;
  r.c.dtype = DType::f32;
  r.c.n = roof.n;
  r.hot.converged = true;
  r.gbps = 90;
  apply_roofline(r, roof, Plausibility{});
  EXPECT_NEAR(r.pct_of_copy_bw, 90.0, 1e-9);
  EXPECT_TRUE(r.suspect.empty());
  r.gbps = 120;
  apply_roofline(r, roof, Plausibility{});
  ASSERT_EQ(r.suspect.size(), 1u);
  EXPECT_NE(r.suspect[0].find("105%"), std::string::npos) << r.suspect[0];
  r.gbps = 50;
  r.hot.converged = false;
  apply_roofline(r, roof, Plausibility{});
  ASSERT_EQ(r.suspect.size(), 1u);
  EXPECT_NE(r.suspect[0].find("converge"), std::string::npos);
  // the roofline's own reasons reach its records; % of copy uses its better copy
  roof.memcpy_after = roof.memcpy;
  roof.memcpy_after->median /= 4;  // 400 GB/s after the cases
  roof.suspect = {"roofline unstable: test"};
  r.hot.converged = true;
  apply_roofline(r, roof, Plausibility{});
  EXPECT_NEAR(r.pct_of_copy_bw, 12.5, 1e-9);
  EXPECT_EQ(r.suspect, std::vector<std::string>{"roofline unstable: test"});
}

TEST(Plausibility, FinishGroupMeasuresTheCopyAgain) {
  auto backend = make_cpu_backend();
  RunOptions opt;
  opt.rule = StopRule{0, 3, 10, 0.0, 0.02, 0.05};
  opt.accuracy = AccuracyMode::off;
  Runner runner(*backend, opt);
  EXPECT_FALSE(runner.finish_group().has_value());  // no group yet
  const Case a{Activation::relu, Direction::fwd, DType::f32, Variant::precise, Impl::actbench, BackendKind::cpu, 0, 4096};
  Case b = a;
  b.n = 8192;
  ASSERT_TRUE(runner.run(a, 0).record);
  const CaseOutcome ob = runner.run(b, 0);  // moving to another n finishes a's group
  ASSERT_TRUE(ob.finished_group);
  EXPECT_EQ(ob.finished_group->n, 4096);
  EXPECT_TRUE(ob.finished_group->memcpy_after.has_value());
  const auto last = runner.finish_group();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->n, 8192);
  EXPECT_TRUE(to_json(*last).contains("memcpy_after"));
}
