// The f32 precise-path tests (tests/host/test_f32.cpp) built with -ffp-contract=fast and ACTBENCH_FP_GUARD
// (tests/CMakeLists.txt): the host compiler fuses every a*b+c it can except the fp:: operations, which the
// guard makes opaque, as nvcc's device code would.  The same bounds must hold.
#include "../host/test_f32.cpp"
