// actbench/tools/exhaustive/exhaustive_cases.hpp - what actbench_exhaustive_f32 evaluates:
//   full     the precise f32 function as the functor runs it: for the functions of kernels/f32 the hot path
//            on every input (a vectorized loop) and the slow path on the inputs its cold predicate takes,
//            which is f32::<fn> = cold ? slow : hot by definition, ~5x faster than a call per input;
//            for every other case the functor, as `functor` does
//   functor  the ElementOp a backend runs (any variant), one call per input
//   hot      the f32 hot path alone, on the inputs its cold predicate leaves to it
//   slow     the f32 slow path alone, on every input
#pragma once

#include "kernels/elementwise.hpp"
#include "kernels/f32/parts.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace actbench::exhaustive {

enum class Path { full, functor, hot, slow };
inline std::optional<Path> parse_path(std::string_view s) {
  if (s == "full") return Path::full;
  if (s == "functor") return Path::functor;
  if (s == "hot") return Path::hot;
  if (s == "slow") return Path::slow;
  return std::nullopt;
}

struct Case {
  Activation activation = Activation::relu;
  Direction direction = Direction::fwd;
  Variant variant = Variant::precise;
  Path path = Path::full;
  Params params{};
};

/// run(x, y, use, n): y[i] = the case's result for x[i]; use[i] = 0 where the input is not the
/// evaluated piece's to answer (the hot path's cold inputs), 1 elsewhere.
struct Evaluator {
  std::function<void(const float*, float*, unsigned char*, std::size_t)> run;
};

namespace detail {

/// One loop per piece, so that the compiler inlines (and, for the hot path, vectorizes) it.  `omp simd`:
/// GCC's cost model otherwise leaves the largest hot paths (swish', mish') scalar here.
template <class F>
Evaluator every(F f) {
  return {[f](const float* x, float* y, unsigned char* use, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = f(x[i]);
    for (std::size_t i = 0; i < n; ++i) use[i] = 1;
  }};
}
template <class Cold, class Hot>
Evaluator hot_only(Cold cold, Hot hot) {
  return {[cold, hot](const float* x, float* y, unsigned char* use, std::size_t n) {
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) y[i] = hot(x[i]);
    for (std::size_t i = 0; i < n; ++i) use[i] = cold(x[i]) ? 0 : 1;
  }};
}

/// cold ? slow : hot, the hot path in a loop of its own (vectorized), the slow one where cold.
template <class Cold, class Hot, class Slow>
Evaluator split(Cold cold, Hot hot, Slow slow) {
  return {[cold, hot, slow](const float* x, float* y, unsigned char* use, std::size_t n) {
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) y[i] = hot(x[i]);
    for (std::size_t i = 0; i < n; ++i) {
      if (cold(x[i])) y[i] = slow(x[i]);
      use[i] = 1;
    }
  }};
}

/// The pieces' evaluator for `path` (full, hot or slow).
template <class Cold, class Hot, class Slow>
Evaluator pieces(Path path, Cold cold, Hot hot, Slow slow) {
  if (path == Path::hot) return hot_only(cold, hot);
  if (path == Path::slow) return every(slow);
  return split(cold, hot, slow);
}
}  // namespace detail

namespace detail {

/// The ElementOp of the case, one call per input.
inline Evaluator functor(const Case& c) {
  OpSpec s;
  s.activation = c.activation;
  s.direction = c.direction;
  s.variant = c.variant;
  s.params = c.params;
  return dispatch_op<float>(s, [](auto op) -> Evaluator {
    if constexpr (decltype(op)::direction == Direction::bwd) {
      throw std::invalid_argument("direction must be fwd or deriv");
    } else {
      return every([op](float x) { return op.at(0, x); });
    }
  });
}

/// The f32 pieces of the case for `w` (full, hot, slow), or nullopt where kernels/f32 has none
/// (kernels/f32/parts.hpp: the same choice of pieces the cpu backend makes).
inline std::optional<Evaluator> f32_pieces(const Case& c, Path w) {
  std::optional<Evaluator> e;
  f32::visit_parts(c.activation, c.direction == Direction::deriv, c.params, [&](const auto& p) {
    e = pieces(w, [p](float x) { return p.cold(x); }, [p](float x) { return p.hot(x); },
               [p](float x) { return p.slow(x); });
  });
  return e;
}

}  // namespace detail

inline Evaluator make_evaluator(const Case& c) {
  if (c.path == Path::functor || c.variant != Variant::precise) {
    if (c.path == Path::hot || c.path == Path::slow)
      throw std::invalid_argument("--path hot/slow exists for the precise variant only");
    return detail::functor(c);
  }
  if (auto e = detail::f32_pieces(c, c.path)) return *e;
  if (c.path == Path::full) return detail::functor(c);
  throw std::invalid_argument(std::string("no f32 hot/slow pieces for ") + to_string(c.activation));
}

}  // namespace actbench::exhaustive
