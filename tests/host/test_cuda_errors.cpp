// The CUDA backend's error classification (harness/cuda/errors.hpp), with made-up error codes: no GPU,
// no CUDA runtime.  A sticky error must stop the run (DeviceLost) without trying to clear it; a
// recoverable one must be cleared (so the next case does not inherit it) and recorded on its case.
#include "harness/cuda/errors.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace actbench;
using namespace actbench::cuda;

TEST(CudaErrors, StickyCodesAreTheOnesThatCorruptTheContext) {
  for (int code : {700, 702, 709, 710, 714, 715, 716, 717, 718, 719, 214, 999})
    EXPECT_EQ(error_severity(code), ErrorSeverity::sticky) << code;
  // out of memory, invalid value, capture invalidated / unsupported / unmatched, too many resources,
  // an instantiation that failed, not ready: the context survives them
  for (int code : {1, 2, 98, 101, 400, 600, 701, 900, 901, 902, 903, 904, 906, 910})
    EXPECT_EQ(error_severity(code), ErrorSeverity::recoverable) << code;
  EXPECT_EQ(error_severity(0), ErrorSeverity::none);
}

TEST(CudaErrors, StickyThrowsDeviceLostWithoutClearing) {
  int cleared = 0;
  try {
    throw_cuda_error(700, "cudaStreamSynchronize", "an illegal memory access was encountered",
                     "cudaErrorIllegalAddress", [&] { ++cleared; });
    FAIL() << "no exception";
  } catch (const DeviceLost& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cudaStreamSynchronize failed: an illegal memory access"), std::string::npos) << what;
    EXPECT_NE(what.find("cudaErrorIllegalAddress"), std::string::npos) << what;
    EXPECT_NE(what.find("unusable"), std::string::npos) << what;
  }
  EXPECT_EQ(cleared, 0);
}

TEST(CudaErrors, RecoverableIsClearedAndIsNotDeviceLost) {
  for (int code : {2, 901}) {
    int cleared = 0;
    bool device_lost = false, backend_error = false;
    try {
      throw_cuda_error(code, "cudaMalloc(1 bytes)", "out of memory", "cudaErrorMemoryAllocation", [&] { ++cleared; });
    } catch (const DeviceLost&) {
      device_lost = true;
    } catch (const BackendError& e) {
      backend_error = true;
      EXPECT_STREQ(e.what(), "cudaMalloc(1 bytes) failed: out of memory (cudaErrorMemoryAllocation)");
    }
    EXPECT_FALSE(device_lost) << code;
    EXPECT_TRUE(backend_error) << code;
    EXPECT_EQ(cleared, 1) << code;
  }
}
