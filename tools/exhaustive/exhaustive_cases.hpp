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
#include "kernels/f32/activations.hpp"
#include "kernels/f32/gelu.hpp"

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
template <bool (*Cold)(float), float (*Hot)(float), float (*Slow)(float)>
Evaluator piece(Path path) {
  return pieces(path, [](float x) { return Cold(x); }, [](float x) { return Hot(x); }, [](float x) { return Slow(x); });
}
/// The same for a function of one parameter p.
template <bool (*Cold)(float, float), float (*Hot)(float, float), float (*Slow)(float, float)>
Evaluator piece(Path path, float p) {
  return pieces(path, [p](float x) { return Cold(x, p); }, [p](float x) { return Hot(x, p); },
                [p](float x) { return Slow(x, p); });
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

/// The f32 pieces of the case for `w` (full, hot, slow), or nullopt where kernels/f32 has none.
inline std::optional<Evaluator> f32_pieces(const Case& c, Path w) {
  const bool d = c.direction == Direction::deriv;
  using namespace f32;
  switch (c.activation) {
    case Activation::sigmoid:
      return d ? piece<sigmoid_deriv_cold, sigmoid_deriv_hot, sigmoid_deriv_slow>(w)
               : piece<sigmoid_cold, sigmoid_hot, sigmoid_slow>(w);
    case Activation::tanh:
      return d ? piece<tanh_deriv_cold, tanh_deriv_hot, tanh_deriv_slow>(w) : piece<tanh_cold, tanh_hot, tanh_slow>(w);
    case Activation::selu:
      return d ? piece<selu_deriv_cold, selu_deriv_hot, selu_deriv_slow>(w) : piece<selu_cold, selu_hot, selu_slow>(w);
    case Activation::mish:
      return d ? piece<mish_deriv_cold, mish_deriv_hot, mish_deriv_slow>(w) : piece<mish_cold, mish_hot, mish_slow>(w);
    case Activation::elu:
    case Activation::celu: {
      const float a = float(c.activation == Activation::elu ? c.params.elu_alpha : c.params.celu_alpha);
      if (c.activation == Activation::elu || a == 1.0f)
        return d ? piece<elu_deriv_cold, elu_deriv_hot, elu_deriv_slow>(w, a) : piece<elu_cold, elu_hot, elu_slow>(w, a);
      return d ? piece<celu_deriv_cold, celu_deriv_hot, celu_deriv_slow>(w, a)
               : piece<celu_cold, celu_hot, celu_slow>(w, a);
    }
    case Activation::softplus: {
      const float b = float(c.params.softplus_beta);
      if (b == 1.0f)
        return d ? piece<sigmoid_cold, sigmoid_hot, sigmoid_slow>(w) : piece<softplus_cold, softplus_hot, softplus_slow>(w);
      return d ? piece<softplus_beta_deriv_cold, softplus_beta_deriv_hot, softplus_beta_deriv_slow>(w, b)
               : piece<softplus_beta_cold, softplus_beta_hot, softplus_beta_slow>(w, b);
    }
    case Activation::swish: {
      const float b = float(c.params.swish_beta);
      if (b == 1.0f)
        return d ? piece<silu_deriv_cold, silu_deriv_hot, silu_deriv_slow>(w) : piece<silu_cold, silu_hot, silu_slow>(w);
      return d ? piece<swish_beta_deriv_cold, swish_beta_deriv_hot, swish_beta_deriv_slow>(w, b)
               : piece<swish_beta_cold, swish_beta_hot, swish_beta_slow>(w, b);
    }
    case Activation::gelu:
      return d ? piece<gelu_cold, gelu_deriv_hot, gelu_deriv_slow>(w) : piece<gelu_cold, gelu_hot, gelu_slow>(w);
    case Activation::gelu_tanh:
      return d ? piece<gelu_tanh_cold, gelu_tanh_deriv_hot, gelu_tanh_deriv_slow>(w)
               : piece<gelu_tanh_cold, gelu_tanh_hot, gelu_tanh_slow>(w);
    default: return std::nullopt;
  }
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
