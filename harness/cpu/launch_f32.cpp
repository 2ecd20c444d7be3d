// Instantiates the cpu launches for f32 (one translation unit per dtype builds in parallel).
#include "harness/cpu/launch_impl.hpp"

template void actbench::cpu::launch<float>(const actbench::Launch&);
template void actbench::cpu::evaluate_at<float>(const actbench::Launch&, const std::int64_t*);
