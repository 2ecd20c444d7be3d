// actbench - how fast and how accurate are activation functions here?
#include "harness/cli.hpp"

#ifdef ACTBENCH_HAVE_CUDA
#include "harness/cuda/entry.hpp"
#endif

int main(int argc, char** argv) {
  actbench::CudaEntry cuda;
#ifdef ACTBENCH_HAVE_CUDA
  cuda = actbench::cuda::entry();
#endif
  return actbench::cli_main(argc, argv, cuda);
}
