// actbench/harness/cuda/dynlib.hpp - a shared library opened at run time (dlopen), so that a machine
// without it still starts: NVML (the driver's) and cuDNN are loaded this way, never linked.
#pragma once

#include <dlfcn.h>

#include <string>

namespace actbench::cuda {

class DynamicLibrary {
 public:
  /// Opens `name` (RTLD_NOW | RTLD_LOCAL); on failure loaded() is false and why() says why.
  explicit DynamicLibrary(const char* name) : handle_(dlopen(name, RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) {
      const char* err = dlerror();
      why_ = err != nullptr ? err : std::string("dlopen(") + name + ") failed";
    }
  }
  /// Kept open for the process's lifetime (other users of the library may remain).
  ~DynamicLibrary() = default;
  DynamicLibrary(const DynamicLibrary&) = delete;
  DynamicLibrary& operator=(const DynamicLibrary&) = delete;

  bool loaded() const { return handle_ != nullptr; }
  const std::string& why() const { return why_; }

  /// Sets `f` to the symbol `name` (nullptr when missing); returns whether it was found.
  template <class F>
  bool load(F& f, const char* name) const {
    f = handle_ != nullptr ? reinterpret_cast<F>(dlsym(handle_, name)) : nullptr;
    return f != nullptr;
  }
  /// Closes it now (a library that turned out unusable).
  void close() {
    if (handle_ != nullptr) dlclose(handle_);
    handle_ = nullptr;
  }

 private:
  void* handle_;
  std::string why_;
};

}  // namespace actbench::cuda
