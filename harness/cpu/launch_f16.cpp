// Instantiates the cpu launches for f16 (one translation unit per dtype builds in parallel).
#include "harness/cpu/launch_impl.hpp"

template void actbench::cpu::launch<actbench::f16_t>(const actbench::Launch&, const actbench::cpu::StorePolicy&);
template void actbench::cpu::copy_kernel<actbench::f16_t>(void*, const void*, std::int64_t, const actbench::cpu::StorePolicy&);
template void actbench::cpu::evaluate_at<actbench::f16_t>(const actbench::Launch&, const std::int64_t*);
