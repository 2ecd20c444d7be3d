"""actbench-peers: PyTorch (eager, torch.compile) and JAX (jit) measured and scored the way actbench measures
and scores its own kernels, written as an actbench report (schema v2).

- the same inputs: `actbench inputs` writes the accuracy set and the benchmark data of size n;
- the same accuracy record: `actbench score` scores each framework's outputs (the precise bound);
- the same timing: warm-up, samples until the spread is under the noise limit or the time cap, median
  (:mod:`.timing` mirrors harness/timing.cpp and the cpu/cuda stopping rules of harness/plan.cpp);
- the same roofline: each framework's own copy of the same bytes, measured in the same run, before and
  after the cases of a (dtype, n) group;
- the same threads: the process is pinned to the cpu count actbench's cpu backend uses.

The frameworks are optional: a framework that is not installed is named with the pip command that brings
it. Layers: this package talks to actbench through its command line and files only.
"""

#: The peer implementations, in report order.
IMPLS = ("torch-eager", "torch-compile", "jax-jit")
