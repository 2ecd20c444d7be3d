// actbench/kernels/config.hpp - portability macros shared by every kernel header.
//
// The kernel headers compile with nvcc (device + host) and with a plain C++17
// compiler (host only, no CUDA headers).  ACTBENCH_HD marks a function usable on
// both sides; it degrades to `inline` outside nvcc, as CUTLASS's CUTLASS_HOST_DEVICE does.
#pragma once

#if defined(__CUDACC__)
#define ACTBENCH_HD __host__ __device__ __forceinline__
#define ACTBENCH_DEVICE_ONLY __device__ __forceinline__
#else
#define ACTBENCH_HD inline
#endif

// Out-of-line code for rare inputs (far tails, NaN, inf), so that the hot path the benchmark runs is the
// only code inlined into a kernel (and its register count is what the common inputs need): __noinline__ on
// the device, noinline + cold on the host; `inline` for the one-definition rule of a header function.
#if defined(__CUDACC__)
#define ACTBENCH_COLD __host__ __device__ __noinline__ inline
#else
#define ACTBENCH_COLD [[gnu::noinline, gnu::cold]] inline
#endif

// True while compiling device code (nvcc's device pass only).
#if defined(__CUDA_ARCH__)
#define ACTBENCH_DEVICE_PASS 1
#else
#define ACTBENCH_DEVICE_PASS 0
#endif

// A test of a kernel parameter that picks a shorter path (celu at alpha = 1), worth a branch only where it costs
// nothing.  On the device `cond` itself: a kernel parameter, one way for every thread (a uniform branch).  On the
// host `cond` where the compiler knows its value after inlining (the cpu backend's 16-bit loops run the default
// functor as a constant: harness/cpu/launch_impl.hpp, DefaultFunctorView), else false: a runtime test inside the
// loop kept GCC from vectorizing it as before (celu 16-bit with alpha = 0.5: 0.6x the speed without the test).
#if ACTBENCH_DEVICE_PASS
#define ACTBENCH_IF_KNOWN(cond) (cond)
#else
#define ACTBENCH_IF_KNOWN(cond) (__builtin_constant_p(cond) && (cond))  // GCC, Clang
#endif

// Hot paths of the f32 kernels and everything they call: always inlined (on the host; ACTBENCH_HD on the device).  On
// the host GCC's inliner may stop at a large branch-free body, and the outlined call keeps the caller's loop from
// vectorizing.
#if defined(__CUDACC__)
#define ACTBENCH_HOT ACTBENCH_HD
#else
#define ACTBENCH_HOT [[gnu::always_inline]] inline
#endif

// Coefficient tables of the f64 hot paths: ACTBENCH_TABLE(name, c0, c1, ...) declares one at namespace scope, and
// ACTBENCH_TABLE_REF(name) names it where it is used.  Under nvcc there are two: name_device in constant memory (not
// const, so that nvcc does not fold it back into literals; static, as whole-program compilation wants), which nvcc
// loads into uniform registers before a kernel's loop over its elements (or with one LDC per use where those run
// short) rather than materializing each literal double by immediate moves at every use (sm_90 SASS), and name_host,
// an inline constexpr twin: constants of the code that the host compiler vectorizes.  Only the use depends on
// __CUDA_ARCH__, not the declarations (the CUDA Programming Guide's rule for __constant__ variables).
#if defined(__CUDACC__)
#define ACTBENCH_TABLE(name, ...)                             \
  static __constant__ double name##_device[] = {__VA_ARGS__}; \
  inline constexpr double name##_host[] = {__VA_ARGS__}
#else
#define ACTBENCH_TABLE(name, ...) inline constexpr double name##_host[] = {__VA_ARGS__}
#endif
#if defined(__CUDA_ARCH__)
#define ACTBENCH_TABLE_REF(name) name##_device
#else
#define ACTBENCH_TABLE_REF(name) name##_host
#endif
