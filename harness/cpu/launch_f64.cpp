// Instantiates the cpu launches for f64 (one translation unit per dtype builds in parallel).
#include "harness/cpu/launch_impl.hpp"

template void actbench::cpu::launch<double>(const actbench::Launch&, const actbench::cpu::StorePolicy&);
template void actbench::cpu::copy_kernel<double>(void*, const void*, std::int64_t, const actbench::cpu::StorePolicy&);
template void actbench::cpu::evaluate_at<double>(const actbench::Launch&, const std::int64_t*);
