"""Run one framework peer's op in a loop for a while, nothing else: what `perf record` profiles in
tools/peers/cpu-profile.sh (a peer's timed run spends most of its samples importing, scoring and copying).

    python -m actbench_tools.peers.loop --impl torch-eager -a gelu --direction fwd -t f32 -n 2^22 --seconds 3

The op and its arguments are the ones actbench-peers times (the same Peer classes), on data uniform in [-8, 8]
(a profile, not a measurement: the benchmark's own data are for timing). Prints calls and GB/s on stderr.
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

from .. import catalog
from ..cli_common import OneLineParser, UsageError, run
from .cli import activation_params, parse_size
from .exchange import bits_type
from .frameworks import FrameworkMissing, Unsupported, peer_class, pin_threads
from .runner import _arrays, case_bytes

PROG = "actbench-peers-loop"


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--impl", required=True, choices=("torch-eager", "torch-compile", "jax-jit"))
    ap.add_argument("-a", "--activation", required=True)
    ap.add_argument("--direction", required=True, choices=("fwd", "deriv", "bwd"))
    ap.add_argument("-t", "--dtype", required=True, choices=("f32", "f16", "bf16", "f64"))
    ap.add_argument("-n", "--size", default="2^22")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=0, help="default: every cpu this process may use")
    a = ap.parse_args(argv)
    n = parse_size(a.size)
    if not (a.seconds > 0 and math.isfinite(a.seconds)):
        raise UsageError(f"--seconds {a.seconds:g}: give a positive time")
    names = catalog.activation_names()
    if a.activation not in names:
        raise UsageError(f"unknown activation {a.activation!r} (one of {', '.join(names)})")
    threads = a.threads or len(os.sched_getaffinity(0))
    try:
        pin_threads(threads)  # as actbench-peers: before the framework starts its thread pools
    except ValueError as e:  # its message names --threads and the cpus there are
        raise UsageError(str(e)) from e
    try:
        peer = peer_class(a.impl)("cpu")
    except FrameworkMissing as e:
        raise UsageError(str(e)) from e
    peer.set_threads(threads)
    params = activation_params([a.activation], [])[a.activation]
    try:
        op = peer.op(a.activation, a.direction, a.dtype, params)
    except Unsupported as e:
        raise UsageError(f"{a.impl} cannot run {a.activation} {a.direction} {a.dtype}: {e}") from e
    rng = np.random.default_rng(1)
    np_type = {"f32": np.float32, "f64": np.float64, "f16": np.float16, "bf16": np.float32}[a.dtype]
    values = rng.uniform(-8, 8, n).astype(np_type)
    if a.dtype == "bf16":  # f32 bits truncated to their top half (the data only feed a profile)
        bits: np.ndarray = (values.view(np.uint32) >> 16).astype(bits_type(a.dtype))
    else:
        bits = values.view(bits_type(a.dtype))
    x = peer.to_device(bits, a.dtype)
    dy = peer.to_device(bits, a.dtype)
    args = _arrays(peer, op, a.activation, a.dtype, params, x, dy)
    op.run(*args)  # compile / warm up outside the loop
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < a.seconds:
        out = op.run(*args)
        if hasattr(out, "block_until_ready"):
            out.block_until_ready()
        calls += 1
    dt = (time.perf_counter() - start) / calls
    print(f"{PROG}: {a.impl} {a.activation} {a.direction} {a.dtype} n={n}: {calls} calls, "
          f"{case_bytes(a.direction, a.dtype, n) / dt / 1e9:.3g} GB/s ({op.how})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(PROG, main))
