// actbench/harness/score.cpp - see score.hpp.
#include "harness/score.hpp"

#include "harness/context.hpp"
#include "harness/npy.hpp"
#include "harness/params.hpp"
#include "harness/reference.hpp"
#include "harness/reference_fast.hpp"
#include "harness/report.hpp"
#include "harness/ulp.hpp"
#include "kernels/catalog.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>


namespace actbench {
namespace {

/// Elements read per chunk: bounds memory for arrays of any length.
constexpr std::size_t kChunk = std::size_t{1} << 20;

}  // namespace

AccuracyBound score_bound(const ScoreSpec& spec) {
  AccuracyBound b = accuracy_bound(spec.activation, spec.direction, spec.dtype, Variant::precise, spec.params);
  b.why = "held to actbench's precise bound: " + b.why;
  return b;
}

Scorer::Scorer(const ScoreSpec& spec)
    : spec_(spec), bound_(score_bound(spec)), slopes_(prelu_slopes(spec.params)), total_(spec.dtype, bound_) {}

void Scorer::add(const std::vector<std::uint64_t>& x, const std::vector<std::uint64_t>& dy,
                 const std::vector<std::uint64_t>& y) {
  const bool bwd = spec_.direction == Direction::bwd;
  if (y.size() != x.size())
    throw std::invalid_argument(fmt::format("y has {} values where x has {} (from element {})", y.size(), x.size(),
                                            next_index_));
  if (bwd && dy.size() != x.size())
    throw std::invalid_argument(fmt::format("dy has {} values where x has {} (from element {})", dy.size(), x.size(),
                                            next_index_));
  if (!bwd && !dy.empty()) throw std::invalid_argument("dy is for bwd only");
  const DType t = spec_.dtype;
  const std::int64_t count = static_cast<std::int64_t>(x.size());
  if (bwd)
    for (std::int64_t i = 0; i < count; ++i)
      if (!std::isfinite(decode(t, dy[static_cast<std::size_t>(i)])))
        throw std::invalid_argument(fmt::format("dy[{}] is {} ({}): dy must be a finite number", next_index_ + i,
                                                decimal(t, decode(t, dy[static_cast<std::size_t>(i)])),
                                                hex_bits(t, dy[static_cast<std::size_t>(i)])));
  for (std::int64_t i = 0; in_order_ && i < count; ++i)
    in_order_ = x[static_cast<std::size_t>(i)] == next_index_ + static_cast<std::uint64_t>(i);

  // The same reference values actbench's own cases are checked against (ref::exact_values).
  std::vector<long double> exact;
  ref::exact_values(t, spec_.activation, spec_.direction, spec_.params, slopes_, next_index_, x,
                    bwd ? dy : std::vector<std::uint64_t>{}, exact);
#pragma omp parallel
  {
    AccuracyAccumulator part(t, bound_);
#pragma omp for schedule(static) nowait
    for (std::int64_t i = 0; i < count; ++i) {
      const std::size_t k = static_cast<std::size_t>(i);
      part.add(x[k], bwd ? std::optional<std::uint64_t>(dy[k]) : std::nullopt, y[k], exact[k]);
    }
#pragma omp critical
    total_.merge(part);
  }
  next_index_ += static_cast<std::uint64_t>(count);
}

AccuracyRecord Scorer::finish() const {
  const int bits = 8 * dtype_info(spec_.dtype).size_bytes;
  const bool every_pattern = bits < 64 && in_order_ && next_index_ == (std::uint64_t{1} << bits);
  return total_.finish(every_pattern);
}

AccuracyRecord score_files(const ScoreSpec& spec, const ScoreFiles& files) {
  const bool bwd = spec.direction == Direction::bwd;
  if (bwd && !files.dy) throw std::invalid_argument("bwd needs --dy (the dy the outputs were computed with)");
  if (!bwd && files.dy)
    throw std::invalid_argument(fmt::format("--dy is for bwd only (the direction is {})", to_string(spec.direction)));
  ArrayReader x(files.x, spec.dtype, "--x");
  ArrayReader y(files.y, spec.dtype, "--y");
  std::optional<ArrayReader> dy;
  if (files.dy) dy.emplace(*files.dy, spec.dtype, "--dy");
  if (y.size() != x.size())
    throw std::invalid_argument(fmt::format("lengths differ: --x {} has {} values, --y {} has {}", files.x, x.size(),
                                            files.y, y.size()));
  if (dy && dy->size() != x.size())
    throw std::invalid_argument(fmt::format("lengths differ: --x {} has {} values, --dy {} has {}", files.x,
                                            x.size(), *files.dy, dy->size()));
  if (x.size() == 0) throw std::invalid_argument(fmt::format("--x {} holds no values", files.x));
  Scorer scorer(spec);
  std::vector<std::uint64_t> xs, ys, dys;
  while (x.next(xs, kChunk)) {
    y.next(ys, kChunk);
    if (dy) dy->next(dys, kChunk);
    scorer.add(xs, dys, ys);
  }
  return scorer.finish();
}

nlohmann::json score_fragment(const ScoreSpec& spec, const ScoreFiles& files, const AccuracyRecord& record) {
  return {{"format", "actbench-score"},
          {"schema_version", kReportSchemaVersion},
          {"actbench_version", build_version()},
          {"git_sha", build_git_sha()},
          {"activation", to_string(spec.activation)},
          {"direction", to_string(spec.direction)},
          {"dtype", to_string(spec.dtype)},
          {"variant", to_string(Variant::precise)},
          {"impl", spec.impl},
          {"params", params_json(spec.activation, spec.params)},
          {"inputs", {{"x", files.x}, {"dy", files.dy ? nlohmann::json(*files.dy) : nlohmann::json(nullptr)},
                      {"y", files.y}, {"count", record.inputs_tested}}},
          {"accuracy", to_json(record)}};
}

}  // namespace actbench
