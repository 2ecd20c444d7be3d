// actbench/harness/cuda/cudnn_peer.hpp - impl "cudnn": cuDNN's legacy activation API
// (cudnnActivationForward / cudnnActivationBackward) as a peer.
//
// cuDNN has sigmoid, relu, tanh, elu, swish and clipped relu (= relu6), forward and backward, for
// f32, f16, bf16 and f64.  Everything else is unsupported() with a reason.  Built with cuDNN's headers
// (ACTBENCH_HAVE_CUDNN) and never linked: libcudnn.so.<major> is opened at run time; where it cannot be
// (or was built without the headers) every case is unsupported with the reason ("cuDNN not loaded:
// libcudnn.so.9: cannot open shared object file ...").
//
// Backward needs y = f(x) too (cuDNN's API takes x, y and dy).  y is computed into a scratch buffer
// on the first bwd launch after x changed, and reused while x is unchanged: the backend tells the
// peer about every write it makes (upload, fill, copy, launch outputs) and a write that overlaps the
// cached x drops the cached y.  So a timed bwd launch after a warm-up runs cudnnActivationBackward
// alone (reads x, y, dy; writes dx), as cuDNN's API defines it; the first, untimed one also runs the
// forward pass.
#pragma once

#include "harness/backend.hpp"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace actbench::cuda {

class CudnnPeer {
 public:
  explicit CudnnPeer(cudaStream_t stream);
  ~CudnnPeer();
  CudnnPeer(const CudnnPeer&) = delete;
  CudnnPeer& operator=(const CudnnPeer&) = delete;

  /// Why cuDNN cannot run `op` at `dtype` (nullopt: it can).
  static std::optional<std::string> unsupported(const OpSpec& op, DType dtype);
  /// cuDNN's version ("9.19.0"), or nullopt when it is not loaded.
  static std::optional<std::string> version();
  /// Why cuDNN cannot run here at all (not loaded, built without its headers); nullopt: it is loaded.
  static std::optional<std::string> unavailable();

  /// Enqueues the op on the stream (the handle is created on first use).
  void launch(const Launch& l);
  /// Memory [p, p + bytes) was (or is about to be) written: drop a cached y whose x overlaps it.
  void note_write(const void* p, std::size_t bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace actbench::cuda
