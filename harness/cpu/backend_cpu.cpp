// actbench/harness/cpu/backend_cpu.cpp - the cpu backend: host memory, OpenMP, a steady clock.
#include "harness/cpu/launch.hpp"
#include "harness/sysinfo.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>  // _mm_clflush, _mm_mfence (SSE2: every x86-64 CPU), _mm_clflushopt (where CPUID says so)
#define ACTBENCH_CPU_CLFLUSH 1
#else
#define ACTBENCH_CPU_CLFLUSH 0
#endif

namespace actbench {
namespace {

#if ACTBENCH_CPU_CLFLUSH
/// Lines [lo, hi) of p written back where dirty and dropped from every cache level, then a fence (each thread its
/// own): clflushopt, which pipelines (12 MiB in ~0.6 ms on the 300 MiB-L3 Xeon VM, one thread), or clflush, which
/// does not (~28 ms there).  Compiled for clflushopt whatever the build's -march; called only where CPUID has it.
__attribute__((target("clflushopt"))) void evict_lines_opt(char* p, std::size_t lo, std::size_t hi) {
  for (std::size_t i = lo; i < hi; i += 64) _mm_clflushopt(p + i);
  _mm_mfence();
}
void evict_lines(char* p, std::size_t lo, std::size_t hi) {
  for (std::size_t i = lo; i < hi; i += 64) _mm_clflush(p + i);
  _mm_mfence();
}
bool cpu_has_clflushopt() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 23)) != 0;
}
#endif

class CpuBackend final : public Backend {
 public:
  CpuBackend() {
    const HostInfo h = host_info();
    facts_.name = fmt::format("cpu: {}", h.cpu_model);
    facts_.index = 0;
    facts_.cache_bytes = h.last_level_cache_bytes;
    facts_.details = {{"cpu_model", h.cpu_model},
                      {"logical_cpus", h.logical_cpus},
                      {"openmp_threads", omp_get_max_threads()},
                      {"last_level_cache_bytes", h.last_level_cache_bytes},
                      {"memory_bytes", h.memory_bytes}};
    // Stream (non-temporal stores) when a launch's inputs and output no longer fit in the last-level cache;
    // ACTBENCH_CPU_STORES=plain|streaming forces one way (to measure what streaming buys on a machine), auto or
    // unset is the rule.
    const char* forced = std::getenv("ACTBENCH_CPU_STORES");
    const std::string mode = forced && *forced ? forced : "auto";
    if (mode != "auto" && mode != "plain" && mode != "streaming")
      throw BackendError(fmt::format("ACTBENCH_CPU_STORES must be auto, plain or streaming, not '{}'", mode));
    if (mode == "streaming") {
      stores_.stream_above_bytes = 0;
      stores_.compute_bound_too = true;
    } else if (mode == "auto" && h.last_level_cache_bytes > 0) {
      stores_.stream_above_bytes = h.last_level_cache_bytes;
    }
    facts_.details["stores"] =
        mode == "streaming" || mode == "plain"
            ? fmt::format("{} (ACTBENCH_CPU_STORES)", mode == "plain" ? "plain" : "non-temporal")
        : h.last_level_cache_bytes > 0
            ? fmt::format("non-temporal above a working set of {} bytes (the last-level cache), plain below it "
                          "and for 16-bit data and the f32 precise exp family (compute-bound)",
                          h.last_level_cache_bytes)
            : std::string("plain (last-level cache size unknown)");
#if ACTBENCH_CPU_CLFLUSH
    clflushopt_ = cpu_has_clflushopt();
#endif
    facts_.details["cold_flush"] =
        ACTBENCH_CPU_CLFLUSH
            ? fmt::format("the backend's buffers evicted line by line ({}){}", clflushopt_ ? "clflushopt" : "clflush",
                          clflushopt_ ? std::string()
                                      : ", or twice the last-level cache written where they exceed 1/16 of it")
            : std::string("twice the last-level cache written");
  }

  BackendKind kind() const override { return BackendKind::cpu; }
  const DeviceFacts& facts() const override { return facts_; }

  std::optional<std::string> unsupported(Impl impl, const OpSpec&, DType) const override {
    if (impl == Impl::cudnn) return std::string("cuDNN runs only on the cuda backend");
    return std::nullopt;
  }

  std::size_t free_memory() const override { return host_info().available_memory_bytes; }

  Buffer allocate(std::size_t bytes) override {
    if (bytes == 0) return Buffer(std::shared_ptr<void>(std::malloc(1), std::free), 0);
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) throw BackendError(fmt::format("cpu: cannot allocate {} bytes", bytes));
    // owned (and, once registered, unregistered) by its deleter, which holds the registry, not the backend: a buffer
    // may outlive it
    std::shared_ptr<void> mem(p, [live = live_](void* q) {
      {
        const std::lock_guard<std::mutex> lock(live->mutex);
        live->spans.erase(q);
      }
      std::free(q);
    });
    // First touch by the threads that will use each part: on a NUMA machine a page lives on the node of the
    // thread that first writes it, so the kernels' static schedule (contiguous runs per thread) finds its data
    // local, as the roofline's copies do.
    per_thread(bytes, [&](std::size_t lo, std::size_t hi) { std::memset(static_cast<char*>(p) + lo, 0, hi - lo); });
    {
      const std::lock_guard<std::mutex> lock(live_->mutex);
      live_->spans[p] = bytes;
    }
    return Buffer(std::move(mem), bytes);
  }
  void upload(Buffer& dst, const void* src, std::size_t bytes) override {
    per_thread(bytes, [&](std::size_t lo, std::size_t hi) {
      std::memcpy(static_cast<char*>(dst.data()) + lo, static_cast<const char*>(src) + lo, hi - lo);
    });
  }
  void download(void* dst, const Buffer& src, std::size_t bytes) override {
    per_thread(bytes, [&](std::size_t lo, std::size_t hi) {
      std::memcpy(static_cast<char*>(dst) + lo, static_cast<const char*>(src.data()) + lo, hi - lo);
    });
  }
  void download_strided(void* dst, const Buffer& src, std::size_t elem_bytes, std::size_t first, std::size_t stride,
                        std::size_t count) override {
    require_strided_inside(src, elem_bytes, first, stride, count);
    const auto* s = static_cast<const unsigned char*>(src.data());
    auto* d = static_cast<unsigned char*>(dst);
    for (std::size_t k = 0; k < count; ++k) std::memcpy(d + k * elem_bytes, s + (first + k * stride) * elem_bytes, elem_bytes);
  }
  void fill(Buffer& dst, std::uint8_t value) override {
    per_thread(dst.bytes(), [&](std::size_t lo, std::size_t hi) { std::memset(static_cast<char*>(dst.data()) + lo, value, hi - lo); });
  }

  void launch(const Launch& l) override {
    visit_dtype(l.dtype, [&](auto tag) { cpu::launch<decltype(tag)>(l, stores_); });
  }

  void copy(CopyKind kind, void* dst, const void* src, std::size_t bytes, DType dtype) override {
    if (kind == CopyKind::memcpy) {
      // The platform's copy (its own choice of stores), one contiguous chunk per thread - the kernels' partition.
      per_thread(bytes, [&](std::size_t lo, std::size_t hi) {
        std::memcpy(static_cast<char*>(dst) + lo, static_cast<const char*>(src) + lo, hi - lo);
      });
      return;
    }
    // Our own copy: the activations' loop (threads, blocks, store policy) with a copy as the body.
    visit_dtype(dtype, [&](auto tag) {
      using T = decltype(tag);
      cpu::copy_kernel<T>(dst, src, static_cast<std::int64_t>(bytes / sizeof(T)), stores_);
    });
  }

  void synchronize() override {}

  void flush_cache() override {
#if ACTBENCH_CPU_CLFLUSH
    // Every line of every buffer this backend holds (a case's inputs, output, prelu's slopes and dalpha) written back
    // where dirty and dropped from every cache level, so that the next sample reads them from memory: 3 n x the
    // element size at most (x, dy, y), where writing twice the last-level cache wrote 600 MiB per sample on this
    // project's 300 MiB-L3 VM and took most of the default suite's time.  What the buffers are not stays cached: code,
    // stack, a launch's own scratch (prelu's per-thread tables, dalpha's partial sums), the TLB's entries.  The lock
    // is held throughout: no buffer is freed while its lines are flushed.  clflush alone (no clflushopt: CPUs before
    // 2015) does not pipeline: past 1/16 of the cache the write below is taken instead.
    {
      const std::lock_guard<std::mutex> lock(live_->mutex);
      std::size_t live = 0;
      for (const auto& [p, bytes] : live_->spans) live += p == flush_.data() ? 0 : bytes;
      if (clflushopt_ || live <= facts_.cache_bytes / 16) {
        for (const auto& [p, bytes] : live_->spans) {
          if (p == flush_.data()) continue;
          per_thread(bytes, [p = static_cast<char*>(p), opt = clflushopt_](std::size_t lo, std::size_t hi) {
            opt ? evict_lines_opt(p, lo, hi) : evict_lines(p, lo, hi);
          });
        }
        return;
      }
    }
#endif
    // Writing twice the last-level cache evicts what the next sample would otherwise find there.
    if (!flush_) flush_ = allocate(std::max<std::size_t>(2 * facts_.cache_bytes, 1 << 20));
    auto* p = static_cast<unsigned char*>(flush_.data());
    const std::size_t bytes = flush_.bytes();
    ++flush_value_;
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(bytes); i += 64) p[i] = flush_value_;
  }
  bool has_cache_flush() const override { return true; }

  double time_once(const std::function<void()>& work) override {
    const auto t0 = std::chrono::steady_clock::now();
    work();
    const auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double>(t1 - t0).count();
  }

  std::unique_ptr<BatchedTimer> prepare_batched(const std::function<void()>& work, int reps) override {
    if (reps < 1) throw BackendError("time_batched: reps must be >= 1, got " + std::to_string(reps));
    struct Loop final : BatchedTimer {
      std::function<void()> work;
      int reps;
      Loop(std::function<void()> w, int r) : work(std::move(w)), reps(r) {}
      double time() override {
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < reps; ++i) work();
        const auto t1 = std::chrono::steady_clock::now();
        return std::chrono::duration<double>(t1 - t0).count() / reps;
      }
    };
    return std::make_unique<Loop>(work, reps);
  }

 private:
  /// f(lo, hi) on every OpenMP thread for its contiguous share of [0, bytes), 64-byte aligned: the partition of
  /// the kernels' static schedule.
  template <class F>
  static void per_thread(std::size_t bytes, F f) {
#pragma omp parallel
    {
      const std::size_t nt = static_cast<std::size_t>(omp_get_num_threads());
      const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
      const auto edge = [&](std::size_t k) { return k == nt ? bytes : std::min(bytes, bytes * k / nt / 64 * 64); };
      const std::size_t lo = edge(t), hi = edge(t + 1);
      if (hi > lo) f(lo, hi);
    }
  }

  /// The buffers allocate() handed out and not yet freed: what flush_cache() evicts.
  struct Live {
    std::mutex mutex;
    std::map<void*, std::size_t> spans;
  };

  DeviceFacts facts_;
  cpu::StorePolicy stores_;
  std::shared_ptr<Live> live_ = std::make_shared<Live>();
  bool clflushopt_ = false;
  Buffer flush_;
  unsigned char flush_value_ = 0;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

void cpu::evaluate_at_dtype(const Launch& l, const std::int64_t* index) {
  visit_dtype(l.dtype, [&](auto tag) { cpu::evaluate_at<decltype(tag)>(l, index); });
}

}  // namespace actbench
