// Instantiates the cpu launches for f16 (one translation unit per dtype builds in parallel).
#include "harness/cpu/launch_impl.hpp"

template void actbench::cpu::launch<actbench::f16_t>(const actbench::Launch&);
template void actbench::cpu::evaluate_at<actbench::f16_t>(const actbench::Launch&, const std::int64_t*);
