"""The peer run: for each dtype and n, each framework's copy (the roofline), then each case timed on actbench's
benchmark data and scored on actbench's accuracy inputs; records in the report format (results/schema/FORMAT.md).

Reusable as a library: `run_peers(config, peers, say)` returns the document's pieces; the CLI (cli.py) runs a
PeerRunner group by group (`run(peers, groups)`), between its calls of actbench's own kernels.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..load import FASTER_THAN_COPY_TOKEN
from .exchange import Actbench, ExchangeError
from .frameworks import Op, Peer, Unsupported
from .timing import Stats, StopRule, gbps_of, run_until_stable

ELEMENT_BYTES = {"f32": 4, "f16": 2, "bf16": 2, "f64": 8}
MAX_PCT_OF_COPY = 105.0       # harness/runner.hpp Plausibility
MAX_ROOFLINE_CHANGE = 0.25


@dataclass
class RunConfig:
    backend: str
    sizes: list[int]
    activations: list[str]
    directions: list[str]
    dtypes: list[str]
    params: dict[str, dict[str, float]]  # activation -> its parameters as used
    rule: StopRule
    actbench: Actbench
    accuracy: str = "sampled"  # or "off"
    seed: int = 20261127
    cache_bytes: int = 0       # the device's last-level cache (l2_resident)
    workdir: Path | None = None


@dataclass
class PeerResults:
    benchmarks: list[dict] = field(default_factory=list)
    not_run: list[dict] = field(default_factory=list)
    roofline: list[dict] = field(default_factory=list)
    scorer: dict = field(default_factory=dict)  # actbench_version and git_sha of the scoring binary


def case_name(impl: str, backend: str, activation: str, direction: str, dtype: str, n: int) -> str:
    return f"{activation}/{direction}/{dtype}/precise/{impl}/{backend}:0/{n}"


def axes(impl: str, backend: str, activation: str, direction: str, dtype: str, n: int) -> dict:
    return {"activation": activation, "direction": direction, "dtype": dtype, "variant": "precise", "impl": impl,
            "backend": backend, "device": 0, "n": n}


def case_bytes(direction: str, dtype: str, n: int) -> int:
    """actbench's convention (harness/registry.cpp Case::bytes): fwd/deriv 2·n·size, bwd 3·n·size."""
    return (3 if direction == "bwd" else 2) * n * ELEMENT_BYTES[dtype]


def bytes_convention(op: Op, direction: str) -> str:
    reads = " and ".join(a for a in op.inputs if a != "ones")
    if direction == "deriv":
        extra = "; it also reads a dy of ones" if "ones" in op.inputs else ""
        return f"counted as actbench counts deriv (x read, f' written); this op reads {reads}{extra}"
    what = "dx" if direction == "bwd" else "y"
    return f"{reads} read, {what} written (a new array from the framework's allocator)"


def _arrays(peer: Peer, op: Op, activation: str, dtype: str, params: dict, x: Any, dy: Any) -> list[Any]:
    """The arguments op.run takes, built from x and dy (outside any timing)."""
    out = []
    for name in op.inputs:
        if name == "x":
            out.append(x)
        elif name == "dy":
            out.append(dy)
        elif name == "ones":
            out.append(peer.like(x, 1.0))
        elif name == "y":
            out.append(peer.forward_output(activation, dtype, params, x))  # type: ignore[attr-defined]
        else:
            raise ValueError(f"unknown op input {name!r}")
    return out


def _stats(s: Stats, nbytes: int) -> dict:
    return {**s.to_json(), "gbps": gbps_of(nbytes, s.median)}


def apply_roofline(r: dict, copy_gbps: float, kernel_gbps: float, roof_suspect: list[str],
                   max_pct_of_copy: float = MAX_PCT_OF_COPY) -> None:
    """harness/runner.cpp apply_roofline: % of copy and the reasons a timing is implausible (appended to the
    record's suspect list)."""
    r["pct_of_copy_bw"] = 100.0 * r["gbps"] / copy_gbps if copy_gbps > 0 else 0.0
    r["pct_of_copy_kernel_bw"] = 100.0 * r["gbps"] / kernel_gbps if kernel_gbps > 0 else 0.0
    hot = r["timing"]["hot"]
    if r["pct_of_copy_bw"] > max_pct_of_copy:
        r["suspect"].append(f"{FASTER_THAN_COPY_TOKEN}{r['pct_of_copy_bw']:.1f}% > {max_pct_of_copy:.0f}%: faster "
                            "than the in-run copy")
    if not hot["converged"]:
        r["suspect"].append(f"hot timing did not converge ({hot['samples']} samples, spread "
                            f"{100 * hot['rel_spread']:.1f}%)")
    r["suspect"] += roof_suspect


class PeerRunner:
    def __init__(self, config: RunConfig, say: Callable[[str], None]):
        self.c = config
        self.say = say
        self.results = PeerResults()
        self._accuracy: dict[tuple, dict | None] = {}
        self._accuracy_inputs: dict[str, tuple[Any, Any]] = {}  # dtype -> the accuracy set's x and dy

    # -- accuracy -------------------------------------------------------------------------------
    def _score(self, folder: Path, peer: Peer, op: Op, activation: str, direction: str, dtype: str,
               inputs: tuple[Any, Any]) -> dict | None:
        key = (peer.impl, activation, direction, dtype)
        if key in self._accuracy:
            return self._accuracy[key]
        if self.c.accuracy == "off":
            self._accuracy[key] = None
            return None
        xb, dyb = inputs
        params = self.c.params.get(activation, {})
        x, dy = peer.to_device(xb, dtype), peer.to_device(dyb, dtype)
        y = peer.to_bits(op.run(*_arrays(peer, op, activation, dtype, params, x, dy)), dtype)
        fragment = self.c.actbench.score(folder, activation=activation, direction=direction, dtype=dtype,
                                         impl=peer.impl, x=xb, y=y, dy=dyb if direction == "bwd" else None,
                                         params=_actbench_params(activation, params))
        self.results.scorer = {"actbench_version": fragment["actbench_version"], "git_sha": fragment["git_sha"]}
        acc = fragment["accuracy"]
        self._accuracy[key] = acc
        return acc

    # -- one (peer, dtype, n) group ------------------------------------------------------------------
    def _time(self, peer: Peer, op: Op, args: list[Any]) -> Stats:
        return run_until_stable(lambda: peer.time_once(lambda: op.run(*args)), self.c.rule)

    def _copy(self, peer: Peer, op: Op, x: Any) -> Stats:
        op.run(x)  # compiles where the framework compiles
        return self._time(peer, op, [x])

    def _group(self, folder: Path, peer: Peer, dtype: str, n: int, bench: tuple[Any, Any],
               acc_inputs: tuple[Any, Any] | None) -> None:
        c = self.c
        nbytes = 2 * n * ELEMENT_BYTES[dtype]
        try:
            x, dy = peer.to_device(bench[0], dtype), peer.to_device(bench[1], dtype)
            copy_op, second_op = peer.copies()
            memcpy = self._copy(peer, copy_op, x)
            second = self._copy(peer, second_op, x)
        except Exception as e:  # the framework cannot hold or copy this dtype: every case of the group says so
            unsupported = isinstance(e, Unsupported)
            why = str(e) if unsupported else f"{peer.framework}: " + " ".join(f"{type(e).__name__}: {e}".split())[:300]
            for act in c.activations:
                for d in c.directions:
                    self.results.not_run.append({**axes(peer.impl, c.backend, act, d, dtype, n),
                                                 "status": "skipped" if unsupported else "error", "reason": why})
            self.say(f"{peer.impl} {dtype} n={n}: not run: {why}")
            return
        group: list[dict] = []
        for act in c.activations:
            for d in c.directions:
                ax = axes(peer.impl, c.backend, act, d, dtype, n)
                params = c.params.get(act, {})
                try:
                    op = peer.op(act, d, dtype, params)
                    args = _arrays(peer, op, act, dtype, params, x, dy)
                    op.run(*args)  # compiles (torch.compile, jit) outside the timing
                    hot = self._time(peer, op, args)
                    acc = self._score(folder, peer, op, act, d, dtype, acc_inputs) if acc_inputs else None
                except Unsupported as e:
                    self.results.not_run.append({**ax, "status": "skipped", "reason": str(e)})
                    continue
                except ExchangeError:
                    raise
                except Exception as e:  # the framework failed on this case: recorded, the run goes on
                    msg = " ".join(f"{type(e).__name__}: {e}".split())[:300]
                    self.results.not_run.append({**ax, "status": "error", "reason": f"{peer.framework}: {msg}"})
                    self.say(f"{peer.impl} {act} {d} {dtype}: error: {msg}")
                    continue
                group.append(self._record(peer, op, ax, hot, acc, params))
        memcpy_after = self._copy(peer, copy_op, x)
        roof: dict[str, Any] = {
            "backend": c.backend, "device": 0, "dtype": dtype, "n": n, "bytes": nbytes, "impl": peer.impl,
            "method": {"memcpy": copy_op.how, "copy_kernel": second_op.how},
            "memcpy": _stats(memcpy, nbytes), "copy_kernel": _stats(second, nbytes),
            "memcpy_after": _stats(memcpy_after, nbytes), "suspect": []}
        before, after = gbps_of(nbytes, memcpy.median), gbps_of(nbytes, memcpy_after.median)
        lo, hi = min(before, after), max(before, after)
        roof["memcpy"]["gbps"] = hi  # the better of the copy before and after the group (harness/record.cpp)
        if lo <= 0 or hi / lo - 1 > MAX_ROOFLINE_CHANGE:
            roof["suspect"].append(f"roofline unstable: the copy ran at {before:.3g} GB/s before the cases and "
                                   f"{after:.3g} GB/s after")
        # The roofline is the faster of the two copies, as actbench's own (harness/record.cpp copy_gbps): the
        # framework's allocating copy (as its ops allocate) or its copy into a preallocated tensor.
        kernel = roof["copy_kernel"]["gbps"]
        copy = max(hi, kernel)
        roof["copy"] = {"gbps": copy, "source": "copy_kernel" if kernel > hi else "memcpy"}
        for r in group:
            apply_roofline(r, copy, kernel, roof["suspect"])
        self.results.roofline.append(roof)
        self.results.benchmarks += group
        self.say(f"{peer.impl} {dtype} n={n}: {len(group)} cases, copy {copy:.3g} GB/s ({roof['copy']['source']})")

    def _record(self, peer: Peer, op: Op, ax: dict, hot: Stats, acc: dict | None, params: dict) -> dict:
        n, d = ax["n"], ax["direction"]
        nbytes = case_bytes(d, ax["dtype"], n)
        status = "unchecked" if acc is None else ("pass" if acc["pass"] else "fail")
        return {"name": case_name(peer.impl, self.c.backend, ax["activation"], d, ax["dtype"], n),
                "run_name": case_name(peer.impl, self.c.backend, ax["activation"], d, ax["dtype"], n),
                "run_type": "iteration", "repetitions": 1, "repetition_index": 0, "threads": 1,
                "iterations": hot.samples, "real_time": hot.median * 1e9, "cpu_time": hot.median * 1e9,
                "time_unit": "ns", **ax, "params": params, "bytes": nbytes, "status": status,
                "timing": {"hot": hot.to_json(), "cold": None, "batched": None},
                "gbps": gbps_of(nbytes, hot.median), "elements_per_s": n / hot.median if hot.median > 0 else 0.0,
                "pct_of_copy_bw": 0.0, "pct_of_copy_kernel_bw": 0.0,
                "l2_resident": 0 < nbytes <= self.c.cache_bytes, "accuracy": acc, "suspect": [],
                "bytes_convention": bytes_convention(op, d), "how": op.how}

    # -- the whole run ------------------------------------------------------------------------------
    def groups(self) -> list[tuple[str, int]]:
        """Every (dtype, n) of the configuration, in the order a whole run takes them."""
        return [(dtype, n) for dtype in self.c.dtypes for n in self.c.sizes]

    def run(self, peers: list[Peer], groups: list[tuple[str, int]] | None = None) -> PeerResults:
        """Each peer on each (dtype, n) group (default: every group), the records added to self.results: one
        runner may run its groups in several calls (a case is scored once per runner)."""
        c = self.c
        with tempfile.TemporaryDirectory(prefix="actbench-peers-", dir=c.workdir) as tmp:
            folder = Path(tmp)
            for dtype, n in self.groups() if groups is None else groups:
                acc = None
                if c.accuracy != "off":
                    if dtype not in self._accuracy_inputs:
                        self._accuracy_inputs[dtype] = c.actbench.inputs(folder, dtype, bwd=True,
                                                                         accuracy=c.accuracy, seed=c.seed)
                    acc = self._accuracy_inputs[dtype]
                bx, bdy = c.actbench.inputs(folder, dtype, bwd=True, n=n, seed=c.seed)
                for peer in peers:
                    self._group(folder, peer, dtype, n, (bx, bdy), acc)
        return self.results


def _actbench_params(activation: str, params: dict[str, float]) -> dict[str, float]:
    """The parameters as `actbench score --param activation.key=value` arguments."""
    return {f"{activation}.{k}": v for k, v in params.items() if isinstance(v, (int, float))}


def run_peers(config: RunConfig, peers: list[Peer], say: Callable[[str], None]) -> PeerResults:
    return PeerRunner(config, say).run(peers)
