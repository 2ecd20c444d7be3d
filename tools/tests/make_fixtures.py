#!/usr/bin/env python3
"""Write the fixture reports under tools/tests/fixtures/ (deterministic; rerun after a format change).

Two fake machines, reports that follow results/schema/FORMAT.md (version 2):
  cpu.json     a cpu-backend run (Thrust OpenMP), "ci-runner"
  gpu.json     a cuda run on an H100-like device, "gpu-node-1" (has cudnn cases the cpu lacks)
  cpu_v1.json  the cpu run written as a version-1 report (what older binaries wrote)
and malformed inputs for the loader tests:
  bad_json.json, truncated.json, wrong_version.json, not_actbench.json, schema_violation.json,
  nan_constant.json;
and the three shard reports of one sharded cpu run (relu only), as `actbench --shard K/3` writes
them: shard_1of3.json, shard_2of3.json, shard_3of3.json.

The numbers are invented but shaped like real ones: throughput that saturates with n against
an in-run memcpy roofline, cache-resident small sizes, precise/fast kernels that pass and
textbook kernels that fail (large ULP errors, non-finite mismatches), and the defects issue 15
names: implausible timings marked suspect (a kernel at 133 % of copy, a busy machine's copy
that came out 10,000x slow, a timing that did not converge), a precise case whose large errors
pass only by the absolute allowance, and a fast case that fails on signed zeros alone.

Tests import `make_report` to derive other reports (a regressed copy, a second GPU).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"

ACTIVATIONS = ("relu", "tanh", "gelu")
DTYPES = ("f32", "f16", "bf16", "f64")
SIZEOF = {"f32": 4, "f16": 2, "bf16": 2, "f64": 8}
SIZES = tuple(2 ** k for k in range(10, 25, 2))  # 2^10 .. 2^24, step 2
HIST_EDGES = [0, 0.5] + [2.0 ** k for k in range(0, 25)]

MACHINES = {
    "cpu": dict(
        host_name="ci-runner", backend="cpu", device_name="cpu: AMD EPYC 7763 64-Core Processor",
        cache_bytes=32 * 2 ** 20, peak=None, copy_gbps=18.0, cache_copy_gbps=70.0, latency_ns=2000.0,
        rel_spread=0.03, cuda_runtime=None, details={"threads": 2, "omp": "libgomp"}),
    "gpu": dict(
        host_name="gpu-node-1", backend="cuda", device_name="NVIDIA H100 80GB HBM3",
        cache_bytes=50 * 2 ** 20, peak=3352.3, copy_gbps=2900.0, cache_copy_gbps=5200.0,
        latency_ns=2500.0, rel_spread=0.01, cuda_runtime="12.4",
        details={"uuid": "GPU-5c1e0b6a-0000-4000-8000-000000000001", "compute_capability": "9.0",
                 "sms": 132, "sm_clock_mhz": 1980, "mem_clock_mhz": 2619, "bus_width_bits": 5120,
                 "l2_bytes": 52428800, "driver": "550.54.15"}),
}


def _bits(value: float, dtype: str) -> str:
    if dtype == "f64":
        return f"0x{struct.unpack('<Q', struct.pack('<d', value))[0]:016x}"
    if dtype == "f32":
        return f"0x{struct.unpack('<I', struct.pack('<f', value))[0]:08x}"
    if dtype == "f16":
        return f"0x{struct.unpack('<H', struct.pack('<e', value))[0]:04x}"
    return f"0x{struct.unpack('<I', struct.pack('<f', value))[0] >> 16:04x}"  # bf16


def _dec(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def _stats(median: float, rel: float, samples: int = 200) -> dict:
    mean = median * (1 + rel / 3)
    return {"median_ns": median, "min_ns": median * (1 - rel), "mean_ns": mean,
            "stddev_ns": rel * mean, "samples": samples, "rel_spread": rel, "converged": True}


def _copy_gbps(m: dict, working_set: int, n: int) -> float:
    bw = m["cache_copy_gbps"] if working_set <= m["cache_bytes"] else m["copy_gbps"]
    t_ns = m["latency_ns"] + working_set / bw  # bytes / (GB/s) = ns
    return working_set / t_ns


def _efficiency(machine: str, act: str, variant: str, dtype: str, impl: str) -> float:
    """Fraction of the copy bandwidth a kernel reaches (compute-heavy ones lose some)."""
    cost = {"relu": 0.0, "sigmoid": 0.04, "tanh": 0.05, "gelu": 0.08}[act]
    if dtype == "f64":
        cost *= 4 if machine == "gpu" else 1.5
    if variant == "fast":
        cost *= 0.5
    if variant == "textbook":
        cost *= 0.8
    eff = 0.97 - cost
    if impl == "thrust":
        eff *= 0.92
    if impl == "cudnn":
        eff *= 0.85
    return eff


EMIN = {"f32": -126, "f16": -14, "bf16": -126, "f64": -1022}
BINADES = range(-5, 5)  # the binades of |x| the fixture's inputs cover (plus the subnormal one)


def _per_binade(inputs: int, max_ulp: float, bound_ulp: float, out_of_bound: int, worst_x: float,
                dtype: str, tail: bool) -> list[dict]:
    """Inputs grouped by sign and binade: the error peaks in the worst input's binade and falls by
    half per binade away from it; `tail` (textbook gelu-like) keeps it high for all large negative x."""
    sign_w, exp_w = (1 if worst_x >= 0 else -1), math.floor(math.log2(abs(worst_x)))
    bins = [(sign, e) for sign in (-1, 1) for e in BINADES] + [(sign, EMIN[dtype] - 1) for sign in (-1, 1)]
    per = max(1, inputs // (len(bins) + 1))
    out = []
    over = [(s_, e) for s_, e in bins if s_ == sign_w and (e == exp_w or (tail and e > exp_w))]
    left = out_of_bound
    for sign, e in bins:
        dist = abs(e - exp_w) if sign == sign_w else 12
        m = max_ulp if (tail and sign == sign_w and e >= exp_w) else max_ulp * 0.5 ** dist
        m = min(m, max_ulp)
        o = 0
        if (sign, e) in over and m > bound_ulp:
            o = left // len(over) if (sign, e) != over[-1] else left - (left // len(over)) * (len(over) - 1)
        out.append({"sign": sign, "exp": e, "count": per, "max_ulp": round(m, 6), "over_bound": o})
    out.append({"sign": 1, "exp": None, "count": inputs - per * len(bins), "max_ulp": 0.0, "over_bound": 0})
    return out


def _accuracy(machine, act, direction, dtype, variant, n_tested, version: int = 2) -> dict:
    exhaustive = dtype in ("f16", "bf16")
    inputs = 65536 if exhaustive else n_tested
    base = {"relu": 0.0, "sigmoid": 0.6, "tanh": 0.9, "gelu": 1.1}[act]
    if act == "relu":
        max_ulp = 0.0
    elif variant == "precise":
        max_ulp = base + (0.5 if direction != "fwd" else 0.0)
    elif variant == "fast":
        max_ulp = (base + 1.5) * (3 if machine == "gpu" else 1)
    else:  # textbook
        max_ulp = {"sigmoid": 12.0, "tanh": 2.0 ** 20, "gelu": 96.0}[act] * (2 if direction == "bwd" else 1)
    nonfinite = 0
    if variant == "textbook" and direction == "bwd" and act == "gelu":
        nonfinite = 12 if dtype in ("f16", "bf16") else 4
    bound_ulp = 4.0 if variant != "fast" else 16.0
    bound_abs = 1e-6 if dtype != "f64" else 1e-15
    out_of_bound = 0 if max_ulp <= bound_ulp else max(1, int(inputs * 0.01))
    deciding = max_ulp
    allowance_only = 0
    signed_zero = 0
    if (act, direction, dtype, variant) == ("tanh", "deriv", "f32", "precise"):
        # large relative errors where f' is tiny: they pass only by the absolute allowance
        allowance_only, max_ulp = 5, 3.1e7
    if (act, direction, dtype, variant) == ("gelu", "bwd", "f32", "fast"):
        signed_zero = 173  # fails on signed zeros alone, every error within the bound
    passed = out_of_bound == 0 and nonfinite == 0 and signed_zero == 0
    counts = [0] * len(HIST_EDGES)
    if max_ulp == 0:
        counts[0] = inputs
    else:
        top = min(len(HIST_EDGES) - 1, 1 + max(0, math.ceil(math.log2(max_ulp))) + 1)
        counts[0] = inputs // 2
        counts[1] = inputs - counts[0] - (top - 1)
        for k in range(2, top + 1):
            counts[k] = 1
    x = -3.25 if act != "relu" else 1.5
    y = {"relu": 1.5, "sigmoid": 0.0373, "tanh": -0.997, "gelu": -0.00189}[act]
    ref = y * (1 + 1e-7 * max_ulp)
    bwd = direction == "bwd"
    worst = {"x_bits": _bits(x, dtype), "x": _dec(x),
             "dy_bits": _bits(0.75, dtype) if bwd else None, "dy": "0.75" if bwd else None,
             "y_bits": _bits(y, dtype), "y": _dec(y), "ref": _dec(ref), "ulp": max_ulp,
             "abs_err": abs(ref - y)}
    acc = {"inputs_tested": inputs, "exhaustive": exhaustive, "max_ulp": max_ulp,
           "mean_ulp": max_ulp / 8, "max_abs_err": abs(ref - y), "max_rel_err": abs(ref - y) / abs(ref),
           "worst": worst, "histogram": {"edges": HIST_EDGES, "counts": counts},
           "nonfinite_mismatches": nonfinite, "signed_zero_mismatches": signed_zero, "flushed_subnormals": 0,
           "bound_ulp": bound_ulp, "bound_abs": bound_abs, "out_of_bound": out_of_bound, "pass": passed,
           "bound_why": f"{dtype} {variant}: fixture bound"}
    if version == 1:
        return acc
    reasons = [r for r, n in (("out_of_bound", out_of_bound), ("nonfinite_mismatch", nonfinite),
                              ("signed_zero_mismatch", signed_zero)) if n]
    second = dict(worst, x=_dec(x / 2), x_bits=_bits(x / 2, dtype), ulp=deciding / 2)
    acc.update({
        "fail_reasons": reasons, "allowance_only": allowance_only, "max_ulp_deciding": deciding,
        "top_worst": [worst, second] if max_ulp > 0 else [],
        "per_binade": _per_binade(inputs, deciding, bound_ulp, out_of_bound, x, dtype,
                                  tail=variant == "textbook" and act == "gelu"),
        "subnormal_outputs": 3 if act in ("gelu", "tanh") else 0,
        "reference": "long double" if dtype == "f64" else "double",
        "expected_to_fail": variant == "textbook"})
    return acc


def configs(machine: str, activations=ACTIVATIONS, dtypes=DTYPES):
    """(activation, direction, dtype, variant, impl) of the fixture suite."""
    for act in activations:
        variants = ("precise",) if act == "relu" else ("precise", "fast", "textbook")
        for direction in ("fwd", "deriv", "bwd"):
            for dtype in dtypes:
                for variant in variants:
                    if direction == "deriv" and (variant != "precise" or dtype != "f32"):
                        continue
                    if variant != "precise" and dtype in ("bf16", "f64"):
                        continue  # keeps the fixture small; the tools must cope with holes
                    yield act, direction, dtype, variant, "actbench"
                    if direction == "fwd" and variant == "precise" and dtype == "f32":
                        yield act, direction, dtype, variant, "thrust"
                        if machine == "gpu" and act != "gelu":
                            yield act, direction, dtype, variant, "cudnn"


# Implausible timings the harness flags (version 2) and the tools must keep out of headlines:
# (machine, activation, direction, dtype, variant, impl, n) -> what went wrong
SUSPECTS = {
    ("gpu", "relu", "fwd", "f16", "precise", "actbench", 2 ** 24): "over_copy",  # 133 % of copy
    ("cpu", "tanh", "fwd", "f64", "precise", "actbench", 2 ** 24): "over_copy",
    ("cpu", "gelu", "fwd", "f32", "precise", "actbench", 2 ** 24): "over_copy",
    ("cpu", "relu", "bwd", "f32", "precise", "actbench", 2 ** 12): "not_converged",
}
BUSY_COPY = {"cpu": ("f16", 2 ** 10)}  # the in-run copy came out 10,000x too slow


def make_report(machine: str = "gpu", *, speed: float = 1.0, host_name: str | None = None,
                device_name: str | None = None, activations=ACTIVATIONS, version: int = 2,
                dtypes=DTYPES) -> dict:
    """A complete report for one fake machine. `speed` scales every kernel's throughput."""
    m = dict(MACHINES[machine])
    if host_name:
        m["host_name"] = host_name
    if device_name:
        m["device_name"] = device_name
    backend = m["backend"]
    roofline = []
    memcpy = {}  # what the run measured
    true_copy = {}  # what the copy really does (differs where the machine was busy)
    for dtype in dtypes:
        for n in SIZES:
            ws = 2 * n * SIZEOF[dtype]
            g = _copy_gbps(m, ws, n)
            true_copy[(dtype, n)] = g
            busy = BUSY_COPY.get(machine) == (dtype, n)
            rel = m["rel_spread"] * (12 if busy else 1)
            if busy:
                g /= 1e4
            memcpy[(dtype, n)] = g
            t = ws / g
            entry = {"backend": backend, "device": 0, "dtype": dtype, "n": n, "bytes": ws,
                     "memcpy": dict(_stats(t, rel), gbps=g),
                     "copy_kernel": dict(_stats(t / 0.97, rel), gbps=g * 0.97)}
            if version >= 2:
                entry["suspect"] = ([f"roofline unstable: memcpy spread {100 * rel:.0f}%, "
                                     f"{1e4:.0f}x slower than the other sizes"] if busy else [])
            roofline.append(entry)
    benchmarks = []
    not_run = []
    for act, direction, dtype, variant, impl in configs(machine, activations, dtypes):
        acc = _accuracy(machine, act, direction, dtype, variant, 1 << 20, version)
        params = {}
        for n in SIZES:
            oom = ("gpu", "gelu", "bwd", "f32", "textbook", "actbench", SIZES[-1])
            if (machine, act, direction, dtype, variant, impl, n) == oom:
                not_run.append({"activation": act, "direction": direction, "dtype": dtype, "variant": variant,
                                "impl": impl, "backend": backend, "device": 0, "n": n, "status": "error",
                                "reason": "cudaErrorMemoryAllocation: out of memory (injected for the fixture)"})
                continue
            size = SIZEOF[dtype]
            nbytes = (3 if direction == "bwd" else 2) * n * size
            ws = nbytes
            gbps = true_copy[(dtype, n)] * _efficiency(machine, act, variant, dtype, impl) * speed
            flaw = SUSPECTS.get((machine, act, direction, dtype, variant, impl, n))
            if flaw == "over_copy":
                gbps = true_copy[(dtype, n)] * 1.332 * speed
            t = nbytes / gbps
            rel = m["rel_spread"] * (3 if n <= 2 ** 12 else 1)
            hot = _stats(t, rel)
            if flaw == "not_converged":
                hot = dict(_stats(t, 0.4), converged=False)
            cold = _stats(t * (1.25 if ws <= m["cache_bytes"] else 1.02), rel * 1.5)
            batched = _stats(t * 0.9, rel) if (backend == "cuda" and n <= 2 ** 16) else None
            name = f"{act}/{direction}/{dtype}/{variant}/{impl}/{backend}:0/{n}"
            rec = {
                "name": name, "run_name": name, "run_type": "iteration", "repetitions": 1,
                "repetition_index": 0, "threads": 1, "iterations": hot["samples"],
                "real_time": t, "cpu_time": t, "time_unit": "ns",
                "activation": act, "direction": direction, "dtype": dtype, "variant": variant,
                "impl": impl, "backend": backend, "device": 0, "n": n, "params": params,
                "bytes": nbytes, "status": "pass" if acc["pass"] else "fail",
                "timing": {"hot": hot, "cold": cold, "batched": batched},
                "gbps": gbps, "elements_per_s": n / t * 1e9,
                "pct_of_copy_bw": 100 * gbps / memcpy[(dtype, n)],
                "pct_of_copy_kernel_bw": 100 * gbps / (memcpy[(dtype, n)] * 0.97),
                "l2_resident": ws <= m["cache_bytes"], "accuracy": copy.deepcopy(acc)}
            if version >= 2:
                pct = rec["pct_of_copy_bw"]
                suspect = []
                if pct > 105:
                    suspect.append(f"pct_of_copy_bw {pct:.1f}% > 105%")
                if not hot["converged"]:
                    suspect.append("hot timing not converged")
                rec["suspect"] = suspect
                rec["bytes_convention"] = "x, dy read + dx written" if direction == "bwd" else "x read + y written"
            benchmarks.append(rec)
    if machine == "gpu":
        for n in (SIZES[0], SIZES[-1]):
            not_run.append({"activation": "gelu", "direction": "fwd", "dtype": "f32", "variant": "precise",
                            "impl": "cudnn", "backend": backend, "device": 0, "n": n, "status": "skipped",
                            "reason": "cudnn has no gelu"})
    else:
        not_run.append({"activation": "relu", "direction": "fwd", "dtype": "f32", "variant": "precise",
                        "impl": "cudnn", "backend": backend, "device": 0, "n": SIZES[0], "status": "skipped",
                        "reason": "cudnn needs the cuda backend"})
    argv = ["actbench", "--activation", ",".join(ACTIVATIONS), "--sizes", "2^10:2^24:2", "--out", "report.json"]
    ctx = {
        "date": "2025-01-15T10:00:00+00:00", "host_name": m["host_name"], "executable": "/opt/actbench/bin/actbench",
        "num_cpus": 2 if machine == "cpu" else 64, "mhz_per_cpu": 2450, "cpu_scaling_enabled": False,
        "caches": [{"type": "Data", "level": 1, "size": 32768, "num_sharing": 2},
                   {"type": "Unified", "level": 3, "size": 33554432, "num_sharing": 16}],
        "library_build_type": "release", "actbench_version": "0.1.0",
        "git_sha": "0123456789abcdef0123456789abcdef01234567",
        "argv": argv, "start_time": "2025-01-15T10:00:00Z", "end_time": "2025-01-15T10:12:30Z",
        "wall_time_s": 750.0, "backend": backend, "os": "Linux 6.1.0-18-amd64 (Debian 12)",
        "cpu_model": "AMD EPYC 7763 64-Core Processor", "compiler": "GCC 12.2.0 / nvcc 12.4",
        "cxx_flags": "-O3 -DNDEBUG", "cuda_runtime_version": m["cuda_runtime"],
        "accuracy_mode": "sampled", "throttled": False,
        "devices": [{"index": 0, "name": m["device_name"], "cache_bytes": m["cache_bytes"],
                     "theoretical_peak_gbps": m["peak"], "details": m["details"],
                     "telemetry_before": {"temperature_c": 41} if machine == "gpu" else {},
                     "telemetry_after": {"temperature_c": 63} if machine == "gpu" else {}}],
    }
    if version >= 2:
        ctx["plausibility"] = {"max_pct_of_copy": 105.0, "max_roofline_spread": 0.25}
    return {"format": "actbench-report", "schema_version": version, "partial": False, "partial_reason": None,
            "context": ctx, "benchmarks": benchmarks, "not_run": not_run, "roofline": roofline}


def small_report(machine: str = "cpu", records: int = 8) -> dict:
    """A valid report with only the first few records (for tests that need a small file)."""
    doc = make_report(machine)
    doc["benchmarks"] = doc["benchmarks"][:records]
    return doc


def plan_name(entry: dict) -> str:
    """The plan name of a benchmarks[] record or a not_run[] entry."""
    return entry.get("name") or (f"{entry['activation']}/{entry['direction']}/{entry['dtype']}/"
                                 f"{entry['variant']}/{entry['impl']}/{entry['backend']}:{entry['device']}/"
                                 f"{entry['n']}")


def shard_reports(count: int = 3, machine: str = "cpu", activations=("relu",), **kw) -> list[dict]:
    """The `count` shard reports of one sharded run of make_report(machine, ...), as
    `actbench --shard K/count` writes them: the plan (records then not-run cases) dealt out by
    expected time (bytes moved; largest first, each to the least loaded shard), each shard's
    cases in plan order, context.shard filled in, each shard starting when the previous ended."""
    full = make_report(machine, activations=activations, **kw)
    entries = full["benchmarks"] + full["not_run"]
    plan = [plan_name(e) for e in entries]
    load = [0] * count
    owner = [0] * len(entries)
    for i in sorted(range(len(entries)), key=lambda i: -entries[i].get("bytes", 0)):
        k = min(range(count), key=lambda k: load[k])
        owner[i] = k
        load[k] += entries[i].get("bytes", 0)
    sha = hashlib.sha256("\n".join(plan).encode()).hexdigest()
    docs = []
    for k in range(count):
        doc = copy.deepcopy(full)
        doc["benchmarks"] = [b for i, b in enumerate(full["benchmarks"]) if owner[i] == k]
        nb = len(full["benchmarks"])
        doc["not_run"] = [x for i, x in enumerate(full["not_run"]) if owner[nb + i] == k]
        used = {(b["dtype"], b["n"]) for b in doc["benchmarks"]}
        doc["roofline"] = [r for r in full["roofline"] if (r["dtype"], r["n"]) in used]
        ctx = doc["context"]
        ctx["start_time"] = f"2025-01-15T1{k}:00:00Z"
        ctx["end_time"] = f"2025-01-15T1{k}:04:10Z"
        ctx["wall_time_s"] = 250.0
        ctx["argv"] = ctx["argv"] + ["--shard", f"{k + 1}/{count}"]
        ctx["shard"] = {"index": k + 1, "count": count, "plan_size": len(plan), "plan_sha256": sha,
                        "cases": [plan[i] for i in range(len(entries)) if owner[i] == k]}
        docs.append(doc)
    return docs


def _round(obj):
    """6 significant digits everywhere: smaller files, same story."""
    if isinstance(obj, float):
        return float(f"{obj:.6g}")
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    return obj


def dumps(doc: dict) -> str:
    return json.dumps(_round(doc), indent=None, separators=(",", ":"), allow_nan=False) + "\n"


def fixture_files() -> dict[str, str]:
    """File name -> text of every fixture."""
    cpu = make_report("cpu")
    gpu = make_report("gpu")
    wrong = small_report("cpu")
    wrong["schema_version"] = 3
    violation = small_report("cpu")
    violation["benchmarks"][3]["dtype"] = "f33"
    not_actbench = {"context": {"date": "2025-01-15T10:00:00+00:00", "host_name": "x"},
                    "benchmarks": [{"name": "BM_relu/1024", "run_type": "iteration", "real_time": 1.0,
                                    "cpu_time": 1.0, "time_unit": "ns", "iterations": 10}]}
    cpu_text = dumps(cpu)
    return {
        "cpu.json": cpu_text,
        "gpu.json": dumps(gpu),
        "cpu_v1.json": dumps(make_report("cpu", version=1)),
        "bad_json.json": '{"format": "actbench-report", "schema_version": 2, "partial": false,, }\n',
        "truncated.json": cpu_text[:4000],
        "wrong_version.json": dumps(wrong),
        "not_actbench.json": json.dumps(not_actbench, indent=1) + "\n",
        "schema_violation.json": dumps(violation),
        "nan_constant.json": dumps(small_report("cpu")).replace('"wall_time_s":750.0', '"wall_time_s":NaN', 1),
        **{f"shard_{k}of3.json": dumps(doc) for k, doc in enumerate(shard_reports(3), start=1)},
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=FIXTURES, help="folder to write (default: %(default)s)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in fixture_files().items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
