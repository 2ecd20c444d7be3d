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

// A rarely taken path (far tails, non-finite inputs), kept out of line so that the hot path's code
// (and its register count) is only what the common inputs need.
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
