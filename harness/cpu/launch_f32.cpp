// Instantiates the cpu launches for f32 (one translation unit per dtype builds in parallel).
#include "harness/cpu/launch_impl.hpp"

template void actbench::cpu::launch<float>(const actbench::Launch&, const actbench::cpu::StorePolicy&);
template void actbench::cpu::copy_kernel<float>(void*, const void*, std::int64_t, const actbench::cpu::StorePolicy&);
template void actbench::cpu::evaluate_at<float>(const actbench::Launch&, const std::int64_t*);
