// actbench/tests/gpu/test_cuda_backend.cpp - the CUDA backend against the same ElementOp run on the host.
//
// Every test first asks for a device and skips with the visible reason ("no CUDA device: ...") when
// there is none, so this binary passes (all skipped) on a machine without a GPU or driver.
//
// With a device:
//  * precise 16-bit: every value of the type once (n = 65536, impl actbench, offsets 0);
//  * every (activation, direction, variant, dtype) for impl actbench and thrust at the awkward sizes
//    {0, 1, 15, 16, 17, 127, 129, 4095, 4097, 100003}, with x/dy/y at element offsets
//    (0,0,0), (1,1,1) [vector kernel with a scalar head], (1,1,0) and, for bwd, (0,1,0) [scalar kernel],
//    and in place: y == x (offsets 0 and 1) and, for bwd, y == dy;
//    each launch runs twice, over two poisons (0xFF bytes, a NaN; 0x5A bytes, finite): an element the
//    kernel writes is the same both times, one it leaves unwritten is not (whatever its expected value,
//    NaN included); the elements on both sides of the output must keep the poison;
//  * tolerances: harness/host_match.hpp (bit-exact for relu, relu6, leaky_relu, prelu; precise 2 x bound + 1
//    ulp; fast bound(fast) + bound(precise) + 1 ulp; textbook as precise or 8 eps (1+|x|)(1+|dy|)); zeros
//    compared by their bits (-0 is not +0), NaN only matches NaN;
//  * prelu dα against a host sum in double, for channel counts that take each path of the kernel;
//  * cuDNN (where built) against the host's precise functor, bwd also after x changes (the cached y);
//  * our copy kernel and cudaMemcpy at every dtype and offset; time_once / time_batched positive for
//    every impl (batched = CUDA graph capture, so thrust and cuDNN must be capturable).
#include "harness/backend.hpp"
#include "harness/bounds.hpp"
#include "harness/cuda/cudnn_peer.hpp"
#include "harness/cuda/entry.hpp"
#include "harness/host_match.hpp"
#include "kernels/catalog.hpp"
#include "kernels/dtype.hpp"
#include "kernels/elementwise.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace actbench {
namespace {

// ---------------------------------------------------------------------------------------------
// The device, once per process; skipped with the reason when there is none.
// ---------------------------------------------------------------------------------------------
struct DeviceState {
  std::unique_ptr<Backend> backend;
  std::string why;
};

DeviceState& device_state() {
  static DeviceState s = [] {
    DeviceState d;
    const CudaEntry e = cuda::entry();
    std::string why;
    const int n = e.device_count(&why);
    if (n <= 0) {
      d.why = why.empty() ? "no CUDA device" : why;
      return d;
    }
    try {
      d.backend = e.make(0);
    } catch (const BackendError& err) {
      d.why = err.what();
    }
    return d;
  }();
  return s;
}

/// Frees the backend before the CUDA runtime shuts down.
class CudaEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { device_state().backend.reset(); }
};
[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new CudaEnvironment);

#define ACTBENCH_REQUIRE_DEVICE()                                         \
  do {                                                                    \
    if (!device_state().backend)                                          \
      GTEST_SKIP() << "no CUDA device: " << device_state().why;          \
  } while (0)

Backend& dev() { return *device_state().backend; }

// ---------------------------------------------------------------------------------------------
// Values, bit patterns, ULP distance.
// ---------------------------------------------------------------------------------------------
template <class T>
using bits_of = typename dtype_traits<T>::bits_t;

template <class T>
double value(T v) {
  return static_cast<double>(dtype_traits<T>::to_compute(v));
}

template <class T>
T make(double v) {
  return dtype_traits<T>::from_compute(static_cast<compute_t<T>>(v));
}

template <class T>
std::uint64_t bits(T v) {
  return static_cast<std::uint64_t>(bit_cast<bits_of<T>>(v));
}

template <class T>
std::string show(T v) {
  std::ostringstream s;
  s.precision(17);
  s << value(v) << " (0x" << std::hex << static_cast<std::uint64_t>(bit_cast<bits_of<T>>(v)) << ")";
  return s.str();
}

template <class T>
double eps() {
  return std::ldexp(1.0, 1 - dtype_traits<T>::precision);
}

/// Whether the device's `got` matches the host's `want` (harness/host_match.hpp).
template <class T>
bool close(T got, T want, const HostMatch& tol, T x, T dy) {
  return matches_host(dtype_traits<T>::dtype, bits(got), bits(want), tol, bits(x), bits(dy));
}

template <class T>
double ulp_distance(T a, T b) {
  return actbench::ulp_distance(dtype_traits<T>::dtype, bits(a), bits(b));
}

// ---------------------------------------------------------------------------------------------
// Inputs and the host side.
// ---------------------------------------------------------------------------------------------
template <class T>
double max_finite() {
  if constexpr (std::is_same_v<T, f16_t>) return 60000.0;
  if constexpr (std::is_same_v<T, bf16_t>) return 1e38;
  if constexpr (std::is_same_v<T, float>) return 1e38;
  return 1e300;
}

/// Mostly [-8, 8], some [-60, 60], and (`specials`: the precise variant) a few wide magnitudes and
/// special values, the non-finite ones included.
/// `wide` = false keeps to [lo, hi] (the fast variant: __expf's error grows with |x|, and the point
/// here is the backend, not the bound of the approximations, which the accuracy tests own).
template <class T>
std::vector<T> make_inputs(std::size_t n, std::uint32_t seed, bool specials, double lo = -8, double hi = 8,
                           bool wide = true) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> narrow(lo, hi), wide_range(-60, 60), unit(0, 1);
  const double inf = std::numeric_limits<double>::infinity();
  const double special[] = {0.0, -0.0, 1.0, -1.0, 1e-3, -1e-3, 6.0, -3.0, 3.0, 20.0, -20.0, inf, -inf, std::nan("")};
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double r = unit(rng);
    double x;
    if (specials && r < 0.03) {
      x = special[rng() % (sizeof special / sizeof special[0])];
    } else if (specials && r < 0.06) {
      const double mag = std::exp(unit(rng) * std::log(max_finite<T>()));
      x = (rng() & 1) ? mag : -mag;
    } else if (wide && r < 0.25) {
      x = wide_range(rng);
    } else {
      x = narrow(rng);
    }
    v[i] = make<T>(x);
  }
  return v;
}

template <class T>
std::vector<T> host_eval(const OpSpec& spec, const std::vector<T>& x, const std::vector<T>& dy) {
  std::vector<T> y(x.size());
  dispatch_op<T>(spec, [&](const auto& op) {
    using Op = std::decay_t<decltype(op)>;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if constexpr (Op::direction == Direction::bwd) {
        y[i] = op.at(static_cast<std::int64_t>(i), x[i], dy[i]);
      } else {
        y[i] = op.at(static_cast<std::int64_t>(i), x[i]);
      }
    }
  });
  return y;
}

/// Device buffers large enough for the largest case, reused.
struct Buffers {
  Buffer x, dy, y, alpha;
  std::size_t capacity_bytes = 0;
};

Buffers make_buffers(std::size_t bytes, long channels) {
  Buffers b;
  b.x = dev().allocate(bytes);
  b.dy = dev().allocate(bytes);
  b.y = dev().allocate(bytes);
  b.alpha = dev().allocate(static_cast<std::size_t>(channels) * sizeof(float));
  b.capacity_bytes = bytes;
  return b;
}

/// prelu slopes: channel c has 0.25 + 0.05 c, every third one negative.
std::vector<float> prelu_slopes(long channels) {
  std::vector<float> a(static_cast<std::size_t>(channels));
  for (long c = 0; c < channels; ++c) a[c] = static_cast<float>((c % 3 == 2 ? -1.0 : 1.0) * (0.25 + 0.05 * c));
  return a;
}

constexpr std::int64_t kSizes[] = {0, 1, 15, 16, 17, 127, 129, 4095, 4097, 100003};
constexpr long kChannels = 7;  // odd: channels straddle vectors

enum class InPlace { no, y_is_x, y_is_dy };
struct Offsets {
  int x, dy, y;
  InPlace in_place = InPlace::no;  ///< y aliases x or dy (at that input's offset; `y` unused)
};
constexpr Offsets kOffsets[] = {{0, 0, 0}, {1, 1, 1}, {1, 1, 0}, {0, 1, 0},
                                {0, 0, 0, InPlace::y_is_x}, {1, 1, 1, InPlace::y_is_x}, {0, 0, 0, InPlace::y_is_dy}};

/// The two poisons of an output: all-ones bytes (a NaN in every dtype) and 0x5A bytes (finite in every
/// dtype: 203.25 in f16, 1.5e16 in f32 and bf16, 2.4e127 in f64).  No value is both.
constexpr unsigned char kPoisons[] = {0xFF, 0x5A};

/// Places `v` at element offset `off` of a host image of n + 1 elements (the rest 0xFF).
template <class T>
std::vector<T> at_offset(const std::vector<T>& v, int off) {
  std::vector<T> img(v.size() + 1);
  std::memset(static_cast<void*>(img.data()), 0xFF, img.size() * sizeof(T));
  std::copy(v.begin(), v.end(), img.begin() + off);
  return img;
}

template <class T>
bool filled_with(const T& v, unsigned char byte) {
  const auto* p = reinterpret_cast<const unsigned char*>(&v);
  return std::all_of(p, p + sizeof(T), [byte](unsigned char c) { return c == byte; });
}

/// Runs one (op, impl, offsets, n) on the device and compares with `want`; returns failures (max 5 shown).
/// Out of place it runs twice, over each poison of kPoisons: an element the kernel writes has the same bits
/// both times.  In place (y == x or y == dy) once, the output overwriting that input.
template <class T>
int check_case(Buffers& b, const OpSpec& device_spec, Impl impl, const Offsets& off, const std::vector<T>& x,
               const std::vector<T>& dy, const std::vector<T>& want, const HostMatch& tol, const std::string& label) {
  const std::size_t n = x.size();
  const bool bwd = device_spec.direction == Direction::bwd;
  const bool in_place = off.in_place != InPlace::no;
  Buffer& out = off.in_place == InPlace::y_is_x ? b.x : off.in_place == InPlace::y_is_dy ? b.dy : b.y;
  const std::size_t y_off = static_cast<std::size_t>(off.in_place == InPlace::y_is_x    ? off.x
                                                     : off.in_place == InPlace::y_is_dy ? off.dy
                                                                                        : off.y);
  const std::vector<T> x_img = at_offset(x, off.x);
  const std::vector<T> dy_img = bwd ? at_offset(dy, off.dy) : std::vector<T>{};
  std::vector<std::vector<T>> runs;
  for (const unsigned char poison : kPoisons) {
    dev().upload(b.x, x_img.data(), x_img.size() * sizeof(T));
    if (bwd) dev().upload(b.dy, dy_img.data(), dy_img.size() * sizeof(T));
    if (!in_place) dev().fill(b.y, poison);
    Launch l;
    l.op = device_spec;
    l.dtype = dtype_traits<T>::dtype;
    l.impl = impl;
    l.n = static_cast<std::int64_t>(n);
    l.x = static_cast<const T*>(b.x.data()) + off.x;
    l.dy = bwd ? static_cast<const T*>(b.dy.data()) + off.dy : nullptr;
    l.y = static_cast<T*>(out.data()) + y_off;
    dev().launch(l);
    dev().synchronize();
    std::vector<T> got(n + 1);
    dev().download(got.data(), out, got.size() * sizeof(T));
    runs.push_back(std::move(got));
    if (in_place) break;  // the inputs' images are the "poison": 0xFF around the data
  }

  int failures = 0;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const unsigned char poison = in_place ? 0xFF : kPoisons[r];
    for (std::size_t k = 0; k < n + 1; ++k) {  // elements outside [y_off, y_off + n) keep the poison
      if (k >= y_off && k < y_off + n) continue;
      if (!filled_with(runs[r][k], poison)) {
        ADD_FAILURE() << label << ": wrote outside the output at element " << k << " (offset " << y_off << ")";
        ++failures;
      }
    }
  }
  const std::vector<T>& got = runs.back();
  for (std::size_t i = 0; i < n; ++i) {
    const T g = got[y_off + i];
    const bool unwritten = runs.size() == 2 && bits(runs[0][y_off + i]) != bits(g);
    const T dyi = bwd ? dy[i] : make<T>(0.0);
    if (!unwritten && close(g, want[i], tol, x[i], dyi)) continue;
    if (++failures <= 5) {
      ADD_FAILURE() << label << " i=" << i << " x=" << show(x[i]) << (bwd ? " dy=" + show(dy[i]) : std::string())
                    << " got " << show(g)
                    << (unwritten ? " [unwritten: over poison 0xFF it was " + show(runs[0][y_off + i]) + "]" : "")
                    << " want " << show(want[i]) << " (" << ulp_distance(g, want[i]) << " ulp; tolerance "
                    << tol.why << ")";
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------
// Every (activation, direction, variant, dtype) x {actbench, thrust} x sizes x offsets.
// ---------------------------------------------------------------------------------------------
struct ActDtype {
  Activation activation;
  DType dtype;
};

std::vector<ActDtype> all_act_dtypes() {
  std::vector<ActDtype> v;
  for (const auto& i : kCatalog)
    for (DType t : kAllDTypes) v.push_back({i.id, t});
  return v;
}

void PrintTo(const ActDtype& p, std::ostream* os) { *os << to_string(p.activation) << " " << to_string(p.dtype); }

class ElementwiseTest : public ::testing::TestWithParam<ActDtype> {};

template <class T>
void run_elementwise(Activation a) {
  const std::int64_t max_n = *std::max_element(std::begin(kSizes), std::end(kSizes));
  Buffers b = make_buffers(static_cast<std::size_t>(max_n + 1) * sizeof(T), kChannels);
  const std::vector<float> slopes = prelu_slopes(kChannels);
  dev().upload(b.alpha, slopes.data(), slopes.size() * sizeof(float));

  for (Direction d : kAllDirections) {
    for (Variant v : kAllVariants) {
      OpSpec host_spec;
      host_spec.activation = a;
      host_spec.direction = d;
      host_spec.variant = v;
      host_spec.params.prelu_channels = kChannels;
      host_spec.prelu_alpha = slopes.data();
      OpSpec device_spec = host_spec;
      device_spec.prelu_alpha = static_cast<const float*>(b.alpha.data());
      const HostMatch tol = host_match(a, d, dtype_traits<T>::dtype, v, Impl::actbench);

      int failures = 0;
      for (std::int64_t n : kSizes) {
        const auto seed = static_cast<std::uint32_t>(1000 * static_cast<int>(a) + 100 * static_cast<int>(d) + n);
        const std::vector<T> x =
            make_inputs<T>(static_cast<std::size_t>(n), seed, v == Variant::precise, -8, 8, v != Variant::fast);
        const std::vector<T> dy = make_inputs<T>(static_cast<std::size_t>(n), seed + 7, false, -2, 2, false);
        const std::vector<T> want = host_eval(host_spec, x, dy);
        for (Impl impl : {Impl::actbench, Impl::thrust}) {
          if (impl == Impl::thrust && v != Variant::precise) continue;  // the thrust peer is precise-only
          for (const Offsets& off : kOffsets) {
            // dy unused: the same as another case, or nothing to alias
            if (d != Direction::bwd && (off.dy != off.x || off.in_place == InPlace::y_is_dy)) continue;
            std::ostringstream label;
            label << to_string(a) << " " << to_string(d) << " " << to_string(v) << " " << dtype_traits<T>::code << " "
                  << to_string(impl) << " n=" << n << " offsets(x,dy,y)=(" << off.x << "," << off.dy << "," << off.y
                  << ")"
                  << (off.in_place == InPlace::y_is_x ? " in place y=x" : off.in_place == InPlace::y_is_dy ? " in place y=dy" : "");
            failures += check_case(b, device_spec, impl, off, x, dy, want, tol, label.str());
            if (failures > 20) {
              ADD_FAILURE() << "stopping " << to_string(a) << " " << to_string(d) << " " << to_string(v)
                            << " after 20 failures";
              return;
            }
          }
        }
      }
      if constexpr (sizeof(T) == 2) {
        // precise 16-bit: every value once, all in full tiles (kernels/elementwise.cuh's vector path, where an op
        // that clamps its input clamps the loaded pairs: clamp_inputs)
        if (v != Variant::precise) continue;
        std::vector<T> x(0x10000);
        for (std::uint32_t i = 0; i < 0x10000u; ++i) x[i] = T{static_cast<std::uint16_t>(i)};
        const std::vector<T> dy = make_inputs<T>(x.size(), 4242u, false, -2, 2, false);
        const std::string label = std::string(to_string(a)) + " " + to_string(d) + " precise " +
                                  dtype_traits<T>::code + " actbench, every 16-bit value";
        failures += check_case(b, device_spec, Impl::actbench, kOffsets[0], x, dy, host_eval(host_spec, x, dy), tol,
                               label);
      }
    }
  }
}

TEST_P(ElementwiseTest, MatchesHostFunctor) {
  ACTBENCH_REQUIRE_DEVICE();
  const ActDtype p = GetParam();
  visit_dtype(p.dtype, [&](auto t) { run_elementwise<decltype(t)>(p.activation); });
}

INSTANTIATE_TEST_SUITE_P(AllActivations, ElementwiseTest, ::testing::ValuesIn(all_act_dtypes()),
                         [](const ::testing::TestParamInfo<ActDtype>& i) {
                           return std::string(to_string(i.param.activation)) + "_" + to_string(i.param.dtype);
                         });

// ---------------------------------------------------------------------------------------------
// prelu dα.
// ---------------------------------------------------------------------------------------------
template <class T>
void run_dalpha() {
  // 1 and 3: shared-memory path; 64, 1000: one global atomic per thread; 400000: more channels
  // than threads, one atomic per term.
  for (long channels : {1L, 3L, 64L, 1000L, 400000L}) {
    for (std::int64_t n : {std::int64_t{1}, std::int64_t{17}, std::int64_t{4097}, std::int64_t{100003}}) {
      const std::vector<T> x = make_inputs<T>(static_cast<std::size_t>(n), 77u + static_cast<unsigned>(n), false);
      const std::vector<T> dy = make_inputs<T>(static_cast<std::size_t>(n), 78u + static_cast<unsigned>(n), false, -2, 2, false);
      std::vector<double> want(static_cast<std::size_t>(channels), 0.0), scale(static_cast<std::size_t>(channels), 0.0);
      for (std::int64_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(prelu_dalpha_term(x[i], dy[i]));
        want[i % channels] += t;
        scale[i % channels] += std::fabs(t);
      }
      Buffers b = make_buffers(static_cast<std::size_t>(n) * sizeof(T), channels);
      const std::vector<float> slopes = prelu_slopes(channels);
      dev().upload(b.alpha, slopes.data(), slopes.size() * sizeof(float));
      dev().upload(b.x, x.data(), x.size() * sizeof(T));
      dev().upload(b.dy, dy.data(), dy.size() * sizeof(T));
      Buffer dalpha = dev().allocate(static_cast<std::size_t>(channels) * sizeof(float));
      for (Impl impl : {Impl::actbench, Impl::thrust}) {
        dev().fill(dalpha, 0xFF);  // poison: the launch must zero it first
        Launch l;
        l.op.activation = Activation::prelu;
        l.op.direction = Direction::bwd;
        l.op.params.prelu_channels = channels;
        l.op.prelu_alpha = static_cast<const float*>(b.alpha.data());
        l.dtype = dtype_traits<T>::dtype;
        l.impl = impl;
        l.n = n;
        l.x = b.x.data();
        l.dy = b.dy.data();
        l.y = b.y.data();
        l.prelu_dalpha = static_cast<float*>(dalpha.data());
        dev().launch(l);
        dev().synchronize();
        std::vector<float> got(static_cast<std::size_t>(channels));
        dev().download(got.data(), dalpha, got.size() * sizeof(float));
        int failures = 0;
        for (long c = 0; c < channels && failures < 5; ++c) {
          // float accumulation in any order: |error| <= (terms) x 2^-23 x sum|t|; 1e-5 of sum|t| + float rounding.
          const double tol = 1e-5 * scale[c] + 1e-6 * std::fabs(want[c]) + 1e-30;
          if (std::fabs(got[c] - want[c]) <= tol) continue;
          ++failures;
          ADD_FAILURE() << "prelu dalpha " << dtype_traits<T>::code << " " << to_string(impl) << " channels=" << channels
                        << " n=" << n << " c=" << c << " got " << got[c] << " want " << want[c] << " (tol " << tol << ")";
        }
      }
    }
  }
}

TEST(CudaPrelu, DalphaMatchesHostSum) {
  ACTBENCH_REQUIRE_DEVICE();
  for (DType t : kAllDTypes) visit_dtype(t, [&](auto v) { run_dalpha<decltype(v)>(); });
}

// ---------------------------------------------------------------------------------------------
// cuDNN peer.
// ---------------------------------------------------------------------------------------------
template <class T>
void run_cudnn(Activation a, Direction d) {
  OpSpec spec;
  spec.activation = a;
  spec.direction = d;
  spec.variant = Variant::precise;
  // cuDNN takes its derivatives from its rounded output (1 - y^2, y (1 - y)): hundreds of ulp where f' is
  // small.  This checks the peer's plumbing (descriptors, the cached y, x changing); the report measures its
  // accuracy against the reference.
  const HostMatch tol = host_match(a, d, dtype_traits<T>::dtype, Variant::precise, Impl::cudnn);
  Buffers b = make_buffers((100003 + 1) * sizeof(T), 1);
  for (std::int64_t n : {std::int64_t{1}, std::int64_t{17}, std::int64_t{4097}, std::int64_t{100003}}) {
    // Twice with different x: bwd must not reuse a y computed for the old x.
    for (std::uint32_t round = 0; round < 2; ++round) {
      const std::vector<T> x = make_inputs<T>(static_cast<std::size_t>(n), 500u + round + static_cast<unsigned>(n), false);
      const std::vector<T> dy = make_inputs<T>(static_cast<std::size_t>(n), 900u + static_cast<unsigned>(n), false, -2, 2, false);
      const std::vector<T> want = host_eval(spec, x, dy);
      std::ostringstream label;
      label << "cudnn " << to_string(a) << " " << to_string(d) << " " << dtype_traits<T>::code << " n=" << n
            << " round=" << round;
      check_case(b, spec, Impl::cudnn, Offsets{0, 0, 0}, x, dy, want, tol, label.str());
    }
  }
}

// Runs everywhere (no device needed): cuDNN is opened at run time, never linked; either it is loaded (a
// version) or every cudnn case is unsupported with the reason.  tests/CMakeLists.txt also runs this test with
// ACTBENCH_CUDNN_LIBRARY naming a library that does not exist: the reason must name it.
TEST(CudaCudnn, LoadedAtRunTimeOrSaysWhy) {
  const auto version = cuda::CudnnPeer::version();
  const auto why = cuda::CudnnPeer::unavailable();
  EXPECT_NE(version.has_value(), why.has_value());
  OpSpec sigmoid;
  sigmoid.activation = Activation::sigmoid;
  sigmoid.direction = Direction::fwd;
  const auto unsupported = cuda::CudnnPeer::unsupported(sigmoid, DType::f32);
  if (why) {
    EXPECT_EQ(unsupported, why);
    std::cout << "[ cudnn    ] " << *why << "\n";
  } else {
    EXPECT_FALSE(unsupported.has_value()) << *unsupported;
    std::cout << "[ cudnn    ] loaded at run time, version " << *version << "\n";
  }
  const char* lib = std::getenv("ACTBENCH_CUDNN_LIBRARY");
  if (lib != nullptr && std::string(lib).find("no-such") != std::string::npos) {
    ASSERT_TRUE(why.has_value());
    EXPECT_TRUE(why->find(lib) != std::string::npos || why->find("built without") != std::string::npos) << *why;
  }
}

TEST(CudaCudnn, MatchesHostReference) {
  ACTBENCH_REQUIRE_DEVICE();
  int ran = 0;
  std::string last_reason;
  for (const auto& info : kCatalog) {
    for (Direction d : kAllDirections) {
      for (DType t : kAllDTypes) {
        OpSpec spec;
        spec.activation = info.id;
        spec.direction = d;
        if (const auto why = dev().unsupported(Impl::cudnn, spec, t)) {
          last_reason = *why;
          continue;
        }
        ++ran;
        visit_dtype(t, [&](auto v) { run_cudnn<decltype(v)>(info.id, d); });
      }
    }
  }
  if (ran == 0) GTEST_SKIP() << "cuDNN peer unavailable: " << last_reason;
}

// ---------------------------------------------------------------------------------------------
// Copy (roofline), timing, facts, errors.
// ---------------------------------------------------------------------------------------------
template <class T>
void run_copy(CopyKind kind) {
  for (std::int64_t n : kSizes) {
    for (const Offsets& off : {Offsets{0, 0, 0}, Offsets{1, 1, 1}, Offsets{1, 1, 0}}) {
      std::vector<T> src(static_cast<std::size_t>(n) + 1);
      std::mt19937 rng(static_cast<std::uint32_t>(n));
      for (auto& v : src) {
        bits_of<T> bits = 0;
        for (std::size_t k = 0; k < sizeof bits; ++k) bits = static_cast<bits_of<T>>((bits << 8) | (rng() & 0xFF));
        v = bit_cast<T>(bits);
      }
      const std::size_t bytes = (static_cast<std::size_t>(n) + 1) * sizeof(T);
      Buffer s = dev().allocate(bytes), d = dev().allocate(bytes);
      dev().upload(s, src.data(), bytes);
      dev().fill(d, 0xFF);
      dev().copy(kind, static_cast<T*>(d.data()) + off.y, static_cast<const T*>(s.data()) + off.x,
                 static_cast<std::size_t>(n) * sizeof(T), dtype_traits<T>::dtype);
      dev().synchronize();
      std::vector<T> got(static_cast<std::size_t>(n) + 1);
      dev().download(got.data(), d, bytes);
      for (std::size_t k = 0; k < got.size(); ++k) {
        const bool inside = k >= static_cast<std::size_t>(off.y) && k < off.y + static_cast<std::size_t>(n);
        const bool ok = inside ? std::memcmp(&got[k], &src[k - off.y + off.x], sizeof(T)) == 0 : filled_with(got[k], 0xFF);
        if (!ok) {
          ADD_FAILURE() << (kind == CopyKind::kernel ? "copy kernel " : "memcpy ") << dtype_traits<T>::code
                        << " n=" << n << " offsets(src,dst)=(" << off.x << "," << off.y << ") element " << k;
          break;
        }
      }
    }
  }
}

TEST(CudaCopy, KernelAndMemcpyCopyExactly) {
  ACTBENCH_REQUIRE_DEVICE();
  for (DType t : kAllDTypes)
    visit_dtype(t, [&](auto v) {
      run_copy<decltype(v)>(CopyKind::kernel);
      run_copy<decltype(v)>(CopyKind::memcpy);
    });
}

TEST(CudaTiming, OnceAndBatchedArePositiveForEveryImpl) {
  ACTBENCH_REQUIRE_DEVICE();
  const std::int64_t n = 1 << 20;
  Buffers b = make_buffers(static_cast<std::size_t>(n) * sizeof(float), 64);
  const std::vector<float> x = make_inputs<float>(static_cast<std::size_t>(n), 3, false);
  dev().upload(b.x, x.data(), x.size() * sizeof(float));
  dev().upload(b.dy, x.data(), x.size() * sizeof(float));
  const std::vector<float> slopes = prelu_slopes(64);
  dev().upload(b.alpha, slopes.data(), slopes.size() * sizeof(float));
  Buffer dalpha = dev().allocate(64 * sizeof(float));

  struct Case {
    Activation a;
    Direction d;
    Impl impl;
  };
  for (const Case& c : {Case{Activation::sigmoid, Direction::fwd, Impl::actbench},
                        Case{Activation::sigmoid, Direction::bwd, Impl::thrust},
                        Case{Activation::prelu, Direction::bwd, Impl::actbench},
                        Case{Activation::prelu, Direction::fwd, Impl::thrust},
                        Case{Activation::sigmoid, Direction::bwd, Impl::cudnn}}) {
    Launch l;
    l.op.activation = c.a;
    l.op.direction = c.d;
    l.op.params.prelu_channels = 64;
    l.op.prelu_alpha = static_cast<const float*>(b.alpha.data());
    l.dtype = DType::f32;
    l.impl = c.impl;
    l.n = n;
    l.x = b.x.data();
    l.dy = b.dy.data();
    l.y = b.y.data();
    l.prelu_dalpha = c.a == Activation::prelu ? static_cast<float*>(dalpha.data()) : nullptr;
    if (const auto why = dev().unsupported(c.impl, l.op, l.dtype)) {
      std::cout << "[ skipped  ] " << to_string(c.impl) << ": " << *why << "\n";
      continue;
    }
    const std::string label = std::string(to_string(c.a)) + " " + to_string(c.d) + " " + to_string(c.impl);
    const double once = dev().time_once([&] { dev().launch(l); });
    EXPECT_GT(once, 0.0) << label;
    EXPECT_LT(once, 1.0) << label;
    const auto batched = dev().time_batched([&] { dev().launch(l); }, 20);
    ASSERT_TRUE(batched.has_value()) << label;
    EXPECT_GT(*batched, 0.0) << label;
    EXPECT_LT(*batched, 1.0) << label;
  }
  // Cold samples: flush, then a copy timed both ways.
  dev().flush_cache();
  const double t = dev().time_once([&] {
    dev().copy(CopyKind::kernel, b.y.data(), b.x.data(), static_cast<std::size_t>(n) * sizeof(float), DType::f32);
  });
  EXPECT_GT(t, 0.0);
  EXPECT_TRUE(dev().has_cache_flush());
}

TEST(CudaFacts, DescribeTheDevice) {
  ACTBENCH_REQUIRE_DEVICE();
  const DeviceFacts& f = dev().facts();
  EXPECT_FALSE(f.name.empty());
  EXPECT_GT(f.cache_bytes, 0u);
  ASSERT_TRUE(f.theoretical_peak_gbps.has_value());
  EXPECT_GT(*f.theoretical_peak_gbps, 100.0);
  for (const char* key : {"uuid", "compute_capability", "sm_count", "memory_bus_width_bits", "memory_clock_khz",
                          "cuda_driver_version", "cuda_runtime_version", "ecc_enabled"})
    EXPECT_TRUE(f.details.contains(key)) << key;
  EXPECT_GT(dev().free_memory(), 0u);
  const nlohmann::json tel = dev().telemetry();
  EXPECT_TRUE(tel.is_object());
  std::cout << "[ device   ] " << f.name << " cc " << f.details.value("compute_capability", std::string("?"))
            << ", peak " << *f.theoretical_peak_gbps << " GB/s; telemetry " << tel.dump() << "\n";
}

TEST(CudaErrors, AreBackendErrorsWithContext) {
  ACTBENCH_REQUIRE_DEVICE();
  Buffer small = dev().allocate(16);
  std::vector<char> host(64);
  EXPECT_THROW(dev().download(host.data(), small, 64), BackendError);
  EXPECT_THROW(dev().upload(small, host.data(), 64), BackendError);
  EXPECT_THROW(dev().time_batched([] {}, 0), BackendError);
  Launch l;
  l.n = 10;  // null buffers
  EXPECT_THROW(dev().launch(l), BackendError);
  EXPECT_THROW(cuda::entry().make(1 << 20), BackendError);
  dev().synchronize();  // the device is still usable
}

// Issue 14 item 5: a recoverable error (out of memory) is cleared where it is reported, so the next call does
// not inherit it; the device keeps working.
TEST(CudaErrors, OutOfMemoryIsClearedAndTheDeviceKeepsWorking) {
  ACTBENCH_REQUIRE_DEVICE();
  try {
    (void)dev().allocate(std::size_t{1} << 52);  // 4 PiB
    FAIL() << "a 4 PiB allocation succeeded";
  } catch (const DeviceLost& e) {
    FAIL() << "out of memory taken for a lost device: " << e.what();
  } catch (const BackendError& e) {
    EXPECT_NE(std::string(e.what()).find("cudaMalloc"), std::string::npos) << e.what();
  }
  dev().synchronize();  // would throw "a previous asynchronous CUDA call failed" had the error stayed
  Buffer b = dev().allocate(1024);
  dev().fill(b, 0);
  dev().synchronize();
}

// Issue 14 item 5: a sticky error (an illegal address in a kernel) is DeviceLost, not one more case's error.
// In a child process (a death test re-runs this binary): the context it corrupts is the child's own.
TEST(CudaErrorsDeathTest, IllegalAddressIsDeviceLost) {
  ACTBENCH_REQUIRE_DEVICE();
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Launch l;
        l.op.activation = Activation::relu;
        l.dtype = DType::f32;
        l.n = 1 << 20;
        l.x = reinterpret_cast<const void*>(std::uintptr_t{0x100});  // not device memory
        l.y = reinterpret_cast<void*>(std::uintptr_t{0x100});
        int code = 3;
        try {
          dev().launch(l);
          dev().synchronize();
          code = 2;  // no error at all
        } catch (const DeviceLost& e) {
          std::cerr << "DeviceLost: " << e.what() << "\n";
          code = 0;
        } catch (const BackendError& e) {
          std::cerr << "BackendError (not DeviceLost): " << e.what() << "\n";
          code = 1;
        }
        std::_Exit(code);
      },
      ::testing::ExitedWithCode(0), "DeviceLost: ");
}

TEST(CudaEntry, CountsDevicesOrSaysWhyNot) {
  // Runs everywhere: on a machine without a driver, the count is 0 and the reason is given.
  std::string why;
  const int n = cuda::entry().device_count(&why);
  if (n == 0) {
    EXPECT_FALSE(why.empty());
    std::cout << "[ no gpu   ] " << why << "\n";
  } else {
    EXPECT_GT(n, 0);
  }
}

}  // namespace
}  // namespace actbench
