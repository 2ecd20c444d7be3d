// Instantiates the cpu launches for bf16 (one translation unit per dtype builds in parallel).
#include "harness/cpu/launch_impl.hpp"

template void actbench::cpu::launch<actbench::bf16_t>(const actbench::Launch&);
template void actbench::cpu::evaluate_at<actbench::bf16_t>(const actbench::Launch&, const std::int64_t*);
