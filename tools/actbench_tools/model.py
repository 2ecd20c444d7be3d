"""The instruction roofline: what an op's machine code lets it reach, as % of a plain copy.

`tools/sass/sass_model.py` counts, per element, the instructions that each op's kernel issues on its hot
path, by class (this module's rows, `results/model-sm90.json`).  Here, per device, those counts meet
the ceilings of the SM's pipes and of memory:

    time per element on pipe p = count_p / (rate_p x SMs x clock)      (rate_p: per SM per clock)
    time per element in memory = bytes per element / bandwidth          (fwd, deriv 2 x size; bwd 3 x size)
    predicted % of copy        = 100 x memory time / max(memory time, every pipe's time)

an upper bound: it assumes the pipes overlap perfectly with each other and with memory, and that the
copy itself runs at the bandwidth given.  The pipes: `issue` (every instruction: 4 schedulers x 32
lanes per SM per clock), `fma` (FP32 and FP16x2 arithmetic and integer multiply-add), `alu` (integer,
logic, compares and selects), `fp64`, `mufu` (the SFU: ex2, rcp, ...) and `conversion` (F2F, I2F,
F2I, FRND...).  The device table below gives the facts of A100, H100, H200 and B200 from NVIDIA's
datasheets, and for the H100 and H200 the bandwidth a device-to-device copy measured on them (the
denominator of % of copy; the datasheet's peak, which no copy reaches, where none was measured); a run's
report gives the measured ones (`join`).

    actbench-model devices [--facts DEVICE.json]         # the ceilings, per byte moved
    actbench-model table MODEL.json [--devices H100,H200] [--facts DEVICE.json]
    actbench-model check NEW.json BASELINE.json          # exit 1 when a predicted bound falls
    actbench-model join REPORT.json MODEL.json [--n 268435456|largest] [--gap 10]

Reads and writes JSON only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cli_common import EXIT_OK, EXIT_REGRESSION, UsageError, parser, run
from .load import Record, Report, format_n, load_report, order_index
from .tables import Cell, Table, render_md, render_text

PROG = "actbench-model"
DEFAULT_TOLERANCE = 0.5  # points of % of copy
DEFAULT_N = 2**28
DEFAULT_GAP = 10.0  # points of % of copy between measured and predicted

PIPES = ("issue", "fma", "alu", "fp64", "mufu", "conversion")
# instruction class (tools/sass/sass_model.py: classify) -> the pipe it occupies besides issue
CLASS_PIPE = {
    "fp32": "fma", "fp16": "fma", "imad": "fma",
    "fp32_alu": "alu", "fp16_alu": "alu", "int": "alu",
    "fp64": "fp64", "mufu": "mufu", "conversion": "conversion",
}
# instruction class -> the category of the table: FP32, FP64, MUFU, integer/other, load/store, control
CATEGORIES = ("fp32", "fp64", "mufu", "int_other", "load_store", "control")
CATEGORY_OF = {"fp32": "fp32", "fp32_alu": "fp32", "fp64": "fp64", "mufu": "mufu", "load_store": "load_store",
               "control": "control"}

# Results per clock cycle per SM, by compute capability: CUDA C++ Programming Guide, "Arithmetic
# Instructions", table "Throughput of Native Arithmetic Instructions" (32-bit floating-point add,
# multiply, multiply-add -> fma; 64-bit -> fp64; reciprocal, rsqrt, log2, exp2, sin, cos -> mufu: 16;
# 32-bit integer add, shift, compare, min/max, bitwise -> alu: 64; type conversions -> conversion: 16).
# issue: 4 warp schedulers per SM, one warp instruction (32 lanes) each per clock (the Guide's
# "Hardware Multithreading" and the architecture whitepapers: Ampere GA100, Hopper GH100).
RATES_BY_CC: dict[str, dict[str, float]] = {
    "8.0": {"issue": 128, "fma": 64, "alu": 64, "fp64": 32, "mufu": 16, "conversion": 16},
    "9.0": {"issue": 128, "fma": 128, "alu": 64, "fp64": 64, "mufu": 16, "conversion": 16},
    "10.0": {"issue": 128, "fma": 128, "alu": 64, "fp64": 64, "mufu": 16, "conversion": 16},
}


@dataclass(frozen=True)
class DeviceFacts:
    """What the model needs of a device.  `bandwidth_gbps` is what the copy reaches, the denominator of
    % of copy: in the table a copy measured on such a device where there is one (H100, H200), else the
    datasheet's peak (a real copy reaches ~90% of it, so those predictions are the stricter); the run's
    memcpy GB/s when read from a report (`join`), the table's figure where the report has none at that size;
    the device's theoretical peak for facts taken from a report's device entry (`--facts`: the stricter)."""

    name: str
    compute_capability: str
    sm_count: int
    clock_mhz: float
    bandwidth_gbps: float
    product: str = ""
    source: str = ""
    rates: Mapping[str, float] = field(default_factory=dict)  # overrides of RATES_BY_CC

    def rate(self, pipe: str) -> float:
        if pipe in self.rates:
            return float(self.rates[pipe])
        base = RATES_BY_CC.get(self.compute_capability)
        if base is None:
            raise UsageError(f"device {self.name}: no pipe rates for compute capability {self.compute_capability} "
                             f"(known: {', '.join(RATES_BY_CC)}); give them as \"rates\" in its facts")
        return base[pipe]


# The device table.  SM counts and clocks: NVIDIA's architecture whitepapers, or (B200, H200) derived
# from the datasheet's FP32 rate as rate / (SMs x 128 FP32 lanes x 2 flops).  Bandwidth: what a
# device-to-device copy moved (bytes read + written), measured by the project's team on 2026-11-27 with PyTorch
# (results/peers/gpu/: op "copy", f32, CUDA events, median of 20 after 3 warm-ups), the largest of 2^28 and 2^30
# elements (the stricter): H200 4252 and 4296 GB/s, H100 80GB HBM3 3006 and 3028, 88-90% of their datasheets' 4800
# and 3350.  % of copy is a fraction of such a copy, so its bound is one too: at the datasheet's peak an op would have
# to outrun the copy itself to be predicted at 100%.  A100 and B200, never measured here: the datasheet's peak.
DEVICES: dict[str, DeviceFacts] = {
    # NVIDIA A100 Tensor Core GPU datasheet (A100 80GB SXM: 2,039 GB/s; FP32 19.5 TFLOPS, FP64 9.7);
    # NVIDIA A100 Tensor Core GPU Architecture whitepaper: 108 SMs, boost clock 1410 MHz.
    "A100": DeviceFacts("A100", "8.0", 108, 1410, 2039, "A100 SXM4 80GB",
                        "NVIDIA A100 datasheet and GA100 whitepaper; bandwidth: datasheet peak"),
    # NVIDIA H100 Tensor Core GPU datasheet (H100 SXM: 3.35 TB/s; FP32 67 TFLOPS, FP64 34); NVIDIA H100
    # Tensor Core GPU Architecture whitepaper: 132 SMs (SXM5); 67e12 / (132 x 256) -> 1980 MHz boost.
    "H100": DeviceFacts("H100", "9.0", 132, 1980, 3028, "H100 SXM5 80GB",
                        "NVIDIA H100 datasheet and GH100 whitepaper; measured copy (datasheet: 3350 GB/s)"),
    # NVIDIA H200 Tensor Core GPU datasheet (H200 SXM: 4.8 TB/s; FP32 67 TFLOPS, FP64 34, the H100's
    # rates: the same GH100 with 132 SMs at 1980 MHz).
    "H200": DeviceFacts("H200", "9.0", 132, 1980, 4296, "H200 SXM 141GB",
                        "NVIDIA H200 datasheet; measured copy (datasheet: 4800 GB/s)"),
    # NVIDIA HGX B200 specifications, per GPU (the 8-GPU board's figures / 8): FP32 75 TFLOPS, FP64 37
    # TFLOPS (half the FP32 rate, as Hopper); NVIDIA DGX B200 datasheet: 64 TB/s for 8 GPUs -> 8 TB/s.
    # 148 SMs as the CUDA runtime reports a B200; 75e12 / (148 x 256) -> 1980 MHz.
    "B200": DeviceFacts("B200", "10.0", 148, 1980, 8000, "B200 (HGX B200)",
                        "NVIDIA HGX B200 specifications, DGX B200 datasheet; bandwidth: datasheet peak"),
}

_FACT_KEYS = {"name", "compute_capability", "sm_count", "clock_mhz", "bandwidth_gbps", "product", "source", "rates"}


def facts_from_json(doc: Any, where: str = "facts") -> DeviceFacts:
    """A device's facts from JSON: {name, compute_capability, sm_count, clock_mhz, bandwidth_gbps,
    [product, source, rates: {pipe: per SM per clock}]}, or a report's `context.devices[]` entry (the
    CUDA backend's details: compute_capability, sm_count, sm_clock_max_khz; theoretical_peak_gbps)."""
    if isinstance(doc, dict) and isinstance(doc.get("details"), dict):
        d = doc["details"]
        doc = {"name": doc.get("name"), "compute_capability": d.get("compute_capability"),
               "sm_count": d.get("sm_count"), "clock_mhz": float(d.get("sm_clock_max_khz") or 0) / 1000.0,
               "bandwidth_gbps": doc.get("theoretical_peak_gbps"), "source": f"{where} (a report's device)"}
        missing = [k for k, v in doc.items() if v in (None, "", 0.0)]
        if missing:
            raise UsageError(f"{where}: the report's device lacks {', '.join(missing)}")
    if not isinstance(doc, dict):
        raise UsageError(f"{where}: expected a JSON object with {', '.join(sorted(_FACT_KEYS))}")
    unknown = set(doc) - _FACT_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    try:
        facts = DeviceFacts(
            name=str(doc["name"]), compute_capability=str(doc["compute_capability"]), sm_count=int(doc["sm_count"]),
            clock_mhz=float(doc["clock_mhz"]), bandwidth_gbps=float(doc["bandwidth_gbps"]),
            product=str(doc.get("product", "")), source=str(doc.get("source", where)),
            rates={str(k): float(v) for k, v in dict(doc.get("rates", {})).items()})
    except KeyError as e:
        raise UsageError(f"{where}: missing key {e}") from None
    except (TypeError, ValueError) as e:
        raise UsageError(f"{where}: {e}") from None
    bad = [p for p in facts.rates if p not in PIPES]
    if bad:
        raise UsageError(f"{where}: unknown pipes in rates: {', '.join(bad)} (known: {', '.join(PIPES)})")
    if facts.sm_count <= 0 or facts.clock_mhz <= 0 or facts.bandwidth_gbps <= 0:
        raise UsageError(f"{where}: sm_count, clock_mhz and bandwidth_gbps must be > 0")
    for p in PIPES:
        facts.rate(p)  # known compute capability or complete rates
    return facts


def cc_of_arch(arch: str) -> str:
    """'90' or 'sm_90a' -> '9.0'; '100' -> '10.0'."""
    digits = re.sub(r"\D", "", arch)
    return f"{digits[:-1]}.{digits[-1]}" if len(digits) >= 2 else arch


def select_devices(names: str | None, facts_paths: Sequence[Path], arch: str) -> list[DeviceFacts]:
    """Devices by table name (comma-separated), plus facts files; by default the table's devices of
    the architecture's compute capability."""
    out: list[DeviceFacts] = []
    if names:
        by_lower = {k.lower(): v for k, v in DEVICES.items()}
        for n in (s.strip() for s in names.split(",") if s.strip()):
            if n.lower() not in by_lower:
                raise UsageError(f"unknown device {n!r} (the table has {', '.join(DEVICES)}; or pass --facts FILE)")
            out.append(by_lower[n.lower()])
    for p in facts_paths:
        try:
            doc = json.loads(Path(p).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise UsageError(f"{p}: {e}") from None
        out.append(facts_from_json(doc, str(p)))
    if not names and not facts_paths:
        out = [d for d in DEVICES.values() if d.compute_capability == cc_of_arch(arch)]
        if not out:
            raise UsageError(f"no device of the table has compute capability {cc_of_arch(arch)}: pass --devices or "
                             "--facts")
    return out


# ---------------------------------------------------------------------------------------------
# The prediction


def pipe_loads(pipes: Mapping[str, float], bytes_per_element: float, dev: DeviceFacts) -> dict[str, float]:
    """Each pipe's time per element over the memory time: above 1, that pipe is slower than memory."""
    t_mem = bytes_per_element / (dev.bandwidth_gbps * 1e9)
    per_s = dev.sm_count * dev.clock_mhz * 1e6  # SM clocks per second
    return {p: float(pipes.get(p, 0.0)) / (dev.rate(p) * per_s) / t_mem for p in PIPES}


def predict(pipes: Mapping[str, float], bytes_per_element: float, dev: DeviceFacts) -> tuple[float, str]:
    """(predicted % of copy, what binds: 'memory' or a pipe) for per-element pipe counts."""
    loads = pipe_loads(pipes, bytes_per_element, dev)
    pipe = max(loads, key=lambda p: loads[p])
    if loads[pipe] <= 1.0:
        return 100.0, "memory"
    return 100.0 / loads[pipe], pipe


def pipes_of(mix: Mapping[str, float]) -> dict[str, float]:
    """Per-element counts by instruction class -> by pipe (every instruction issues)."""
    pipes = {"issue": float(sum(mix.values()))}
    for p in PIPES[1:]:
        pipes[p] = sum(v for c, v in mix.items() if CLASS_PIPE.get(c) == p)
    return pipes


def _r(x: float) -> float:
    return round(float(x), 3)


def make_row(*, activation: str, direction: str, dtype: str, variant: str, arch: str, mix: Mapping[str, float],
             copy_mix: Mapping[str, float], full_total: float, bytes_per_element: int, hot_branches: float = 0.0,
             loops_in_op: int = 0, uniform_branches: int = 0, costliest_mix: Mapping[str, float] | None = None,
             versions: Sequence[float] = ()) -> dict:
    """One op's row from its per-element counts by instruction class (`mix`, the whole loop: the op and
    the kernel's load/store/index work) and the copy kernel's of the same shape (`copy_mix`).  Where
    uniform branches (kernel parameters) choose between versions of the loop, `mix` is the cheapest
    version (the prediction then bounds every version), `costliest_mix` the costliest and `versions` the
    hot count of each."""
    total, copy_total = sum(mix.values()), sum(copy_mix.values())

    def category(m: Mapping[str, float], cat: str) -> float:
        return sum(v for c, v in m.items() if CATEGORY_OF.get(c, "int_other") == cat)

    pipes = pipes_of(mix)
    row: dict[str, Any] = {
        "activation": activation, "direction": direction, "dtype": dtype, "variant": variant, "arch": arch,
        "hot_instructions": _r(total - copy_total),
        "full_instructions": _r(full_total - copy_total),
        "mufu": _r(mix.get("mufu", 0.0)),
        "fp64": _r(mix.get("fp64", 0.0)),
        "conversions": _r(mix.get("conversion", 0.0)),
        "hot_branches": _r(hot_branches),
    }
    for cat in ("fp32", "int_other", "load_store", "control"):
        row[cat] = _r(category(mix, cat) - category(copy_mix, cat))
    row.update({
        "copy_overhead": _r(copy_total),
        "issued_per_element": _r(total),
        "pipes": {p: _r(v) for p, v in pipes.items()},
        "bytes_per_element": bytes_per_element,
    })
    if loops_in_op:
        row["loops_in_op"] = loops_in_op  # counted once each: their trip counts are unknown
    if uniform_branches:  # the hot path took the cheapest side of each; the costliest way, for reference
        row["uniform_branches"] = uniform_branches
        if costliest_mix is not None:
            row["costliest"] = {"hot_instructions": _r(sum(costliest_mix.values()) - copy_total),
                                "pipes": {p: _r(v) for p, v in pipes_of(costliest_mix).items()}}
        if versions:
            row["versions_hot_instructions"] = [_r(v) for v in versions]
    return row


def with_predictions(rows: Iterable[dict], devices: Sequence[DeviceFacts]) -> list[dict]:
    out = []
    for row in rows:
        r = {k: v for k, v in row.items() if k not in ("predicted_pct_of_copy", "bound_by")}
        pct, bound = {}, {}
        for d in devices:
            p, b = predict(row["pipes"], row["bytes_per_element"], d)
            pct[d.name], bound[d.name] = round(p, 1), b
        r["predicted_pct_of_copy"], r["bound_by"] = pct, bound
        out.append(r)
    return out


# ---------------------------------------------------------------------------------------------
# Rows: order, files


KEY_FIELDS = ("activation", "direction", "dtype", "variant")
REQUIRED = KEY_FIELDS + ("hot_instructions", "mufu", "fp64", "pipes", "bytes_per_element", "predicted_pct_of_copy")


def row_key(row: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (str(row["activation"]), str(row["direction"]), str(row["dtype"]), str(row["variant"]))


def sorted_rows(rows: Iterable[dict]) -> list[dict]:
    from . import catalog

    acts, dirs = catalog.activation_names(), catalog.direction_order()
    dts, vs = catalog.dtype_order(), catalog.variant_order()
    return sorted(rows, key=lambda r: (order_index(r["activation"], acts), order_index(r["variant"], vs),
                                       order_index(r["dtype"], dts), order_index(r["direction"], dirs)))


def dumps(rows: Sequence[dict]) -> str:
    """One row per line: a diff of the committed model shows which ops changed."""
    return "[\n" + ",\n".join(json.dumps(r, sort_keys=False) for r in rows) + "\n]\n"


def load_rows(path: str | Path) -> list[dict]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror or e}") from None
    except ValueError as e:
        raise UsageError(f"{path}: not JSON ({e})") from None
    if not isinstance(doc, list):
        raise UsageError(f"{path}: not a model (expected a JSON list of rows)")
    seen = set()
    for i, row in enumerate(doc):
        missing = [k for k in REQUIRED if not isinstance(row, dict) or k not in row]
        if missing:
            raise UsageError(f"{path}: row {i} lacks {', '.join(missing)}")
        pipes, nbytes = row["pipes"], row["bytes_per_element"]
        if not (isinstance(pipes, dict) and all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                                                for v in pipes.values())):
            raise UsageError(f"{path}: row {i}: pipes is not an object of non-negative counts")
        if isinstance(nbytes, bool) or not isinstance(nbytes, int | float) or not nbytes > 0:
            raise UsageError(f"{path}: row {i}: bytes_per_element is not a positive number")
        if row_key(row) in seen:
            raise UsageError(f"{path}: row {i} repeats {'/'.join(row_key(row))}")
        seen.add(row_key(row))
    return doc


def parse_list(text: str, allowed: Sequence[str], what: str) -> list[str]:
    items = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in items if s not in allowed]
    if bad or not items:
        raise UsageError(f"{what}: {', '.join(bad) or 'nothing'} (choose from {', '.join(allowed)})")
    return items


# ---------------------------------------------------------------------------------------------
# Tables


def _num(x: float) -> str:
    return f"{x:.1f}"


def render_table(rows: Sequence[dict], devices: Sequence[DeviceFacts], fmt: str = "text") -> str:
    header = ["activation", "variant", "dtype", "dir", "hot", "full", "MUFU", "FP64", "cvt", "br"]
    for d in devices:
        header += [f"{d.name} %", "bound"]
    body = []
    for r in rows:
        hot = _num(r["hot_instructions"])
        if "costliest" in r:
            hot += f"-{_num(r['costliest']['hot_instructions'])}"
        line = [r["activation"], r["variant"], r["dtype"], r["direction"], hot,
                _num(r.get("full_instructions", r["hot_instructions"])), _num(r["mufu"]), _num(r["fp64"]),
                _num(r.get("conversions", 0.0)), _num(r.get("hot_branches", 0.0))]
        for d in devices:
            p, b = predict(r["pipes"], r["bytes_per_element"], d)
            line += [f"{p:.1f}", b]
        body.append(line)
    arch = sorted({str(r.get("arch", "?")) for r in rows})
    caption = (f"Instructions per element ({', '.join(arch)}): hot = the hot path minus the copy kernel's "
               f"load/store/index work, full = with every cold path taken, MUFU/FP64/cvt = SFU, double and "
               f"conversion instructions, br = conditional branches left on the hot path (a-b: the cheapest and "
               f"the costliest version where kernel parameters choose one); predicted upper bound of % of copy "
               f"(for the cheapest version: it bounds them all) and what binds it")
    t = Table(header, body, caption)
    text = render_md(t) if fmt == "md" else render_text(t)
    return f"{caption}\n\n{text}" if fmt != "md" else f"**{caption}**\n\n{text}"


def under(rows: Sequence[dict], devices: Sequence[DeviceFacts], threshold: float,
          variant: str = "precise") -> list[tuple[dict, dict[str, tuple[float, str]]]]:
    out = []
    for r in rows:
        if r["variant"] != variant:
            continue
        preds = {d.name: predict(r["pipes"], r["bytes_per_element"], d) for d in devices}
        if any(p < threshold for p, _ in preds.values()):
            out.append((r, preds))
    return out


def render_under(rows: Sequence[dict], devices: Sequence[DeviceFacts], threshold: float = 95.0) -> str:
    found = under(rows, devices, threshold)
    names = ", ".join(d.name for d in devices)
    if not found:
        return "\n".join([f"every precise op is predicted at >= {threshold:g}% of copy on {names}"]
                         + _costliest_under(rows, devices, threshold))
    lines = [f"{len(found)} precise ops predicted under {threshold:g}% of copy on {names} (each pipe slower than "
             f"memory: its time / the memory time):"]
    by_name = {d.name: d for d in devices}
    for r, preds in found:
        cells = []
        for n, (p, _) in preds.items():
            loads = pipe_loads(r["pipes"], r["bytes_per_element"], by_name[n])
            slow = sorted((x for x in loads.items() if x[1] > 1.0), key=lambda x: -x[1])
            cells.append(f"{n} {p:.1f}%" + (f" ({', '.join(f'{q} {v:.2f}x' for q, v in slow)})" if slow else ""))
        lines.append(f"  {r['activation']} {r['dtype']} {r['direction']}: {'; '.join(cells)}; hot "
                     f"{r['hot_instructions']:.1f}, MUFU {r['mufu']:.1f}, FP64 {r['fp64']:.1f}")
    return "\n".join(lines + _costliest_under(rows, devices, threshold))


def _costliest_under(rows: Sequence[dict], devices: Sequence[DeviceFacts], threshold: float) -> list[str]:
    """The precise ops whose costliest version (kernel parameters choose it) would be under the threshold."""
    out = []
    for r in rows:
        if r["variant"] != "precise" or "costliest" not in r:
            continue
        preds = {d.name: predict(r["costliest"]["pipes"], r["bytes_per_element"], d) for d in devices}
        if any(p < threshold for p, _ in preds.values()):
            out.append(f"  {r['activation']} {r['dtype']} {r['direction']}: "
                       + "; ".join(f"{n} {p:.1f}% ({b})" for n, (p, b) in preds.items())
                       + f"; hot {r['costliest']['hot_instructions']:.1f}")
    if out:
        out.insert(0, f"{len(out)} precise ops whose costliest version (chosen by kernel parameters) would be under "
                      f"{threshold:g}%:")
    return out


# ---------------------------------------------------------------------------------------------
# The baseline check


@dataclass
class Comparison:
    falls: list[tuple[tuple[str, ...], str, float, float]] = field(default_factory=list)
    rises: list[tuple[tuple[str, ...], str, float, float]] = field(default_factory=list)
    missing: list[tuple[str, ...]] = field(default_factory=list)  # in the baseline, not regenerated
    added: list[tuple[str, ...]] = field(default_factory=list)  # regenerated, not in the baseline
    devices_missing: list[str] = field(default_factory=list)  # baseline devices the new rows lack

    @property
    def failed(self) -> bool:
        return bool(self.falls or self.missing or self.devices_missing)


def compare(new: Sequence[dict], baseline: Sequence[dict], tolerance: float = DEFAULT_TOLERANCE) -> Comparison:
    """Falls (new < baseline - tolerance) fail, as do ops or devices that vanished; rises and new ops
    are reported and change nothing (commit a new baseline to keep them)."""
    archs = {str(r.get("arch")) for r in new}, {str(r.get("arch")) for r in baseline}
    if archs[0] != archs[1]:
        raise UsageError(f"the models are for different architectures: {', '.join(sorted(archs[0]))} against the "
                         f"baseline's {', '.join(sorted(archs[1]))}")
    c = Comparison()
    new_by = {row_key(r): r for r in new}
    base_by = {row_key(r): r for r in baseline}
    c.missing = sorted(k for k in base_by if k not in new_by)
    c.added = sorted(k for k in new_by if k not in base_by)
    devs: set[str] = set()
    for key, old in base_by.items():
        cur = new_by.get(key)
        if cur is None:
            continue
        for dev, before in old["predicted_pct_of_copy"].items():
            if dev not in cur["predicted_pct_of_copy"]:
                devs.add(dev)
                continue
            after = cur["predicted_pct_of_copy"][dev]
            if after < before - tolerance:
                c.falls.append((key, dev, before, after))
            elif after > before + tolerance:
                c.rises.append((key, dev, before, after))
    c.devices_missing = sorted(devs)
    c.falls.sort(key=lambda f: f[3] - f[2])
    c.rises.sort(key=lambda f: f[2] - f[3])
    return c


def render_comparison(c: Comparison, baseline: str | Path, regenerate: str) -> str:
    out = []
    if c.falls:
        out.append(f"REGRESSION: {len(c.falls)} predicted bounds fell below {baseline}:")
        out += [f"  {'/'.join(k)} {dev}: {b:.1f}% -> {a:.1f}%" for k, dev, b, a in c.falls]
    if c.missing:
        out.append(f"REGRESSION: {len(c.missing)} ops of {baseline} were not regenerated:")
        out += [f"  {'/'.join(k)}" for k in c.missing]
    if c.devices_missing:
        out.append(f"REGRESSION: no prediction for {', '.join(c.devices_missing)} (the baseline has one)")
    if c.rises:
        out.append(f"{len(c.rises)} predicted bounds rose (the baseline is not updated automatically; to keep them: "
                   f"{regenerate}, and commit it):")
        out += [f"  {'/'.join(k)} {dev}: {b:.1f}% -> {a:.1f}%" for k, dev, b, a in c.rises]
    if c.added:
        out.append(f"{len(c.added)} ops are not in {baseline} yet (commit a new baseline: {regenerate}):")
        out += [f"  {'/'.join(k)}" for k in c.added]
    if not out:
        out.append(f"no predicted bound changed by more than the tolerance against {baseline}")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Prediction beside measurement


_TABLE_NAME = re.compile(r"\b(A100|H100|H200|B200)\b")


def facts_from_report(report: Report, device: int, dtype: str, n: int) -> DeviceFacts:
    """A report's device as the model sees it: SMs, clock and compute capability from the device's
    details (sm_count, sm_clock_max_khz, compute_capability, as the CUDA backend writes them; the
    table's entry of the same name where one is missing), and the run's memcpy GB/s at (dtype, n) as
    the bandwidth (what its % of copy is measured against)."""
    dev = report.devices.get(device)
    if dev is None:
        raise UsageError(f"{report.path}: no device {device} in the report's context")
    m = _TABLE_NAME.search(dev.name)
    table = DEVICES.get(m.group(1)) if m else None
    d = dev.details or {}
    sources = []

    def fact(key: str, conv, fallback):
        if key in d and d[key] not in (None, ""):
            return conv(d[key])
        if fallback is None:
            raise UsageError(f"{report.path}: device {dev.name!r} lacks details.{key} and is not in the device table")
        sources.append(f"{key} from the table ({table.name if table else '?'})")
        return fallback

    cc = fact("compute_capability", str, table.compute_capability if table else None)
    sms = fact("sm_count", int, table.sm_count if table else None)
    clock = fact("sm_clock_max_khz", lambda v: float(v) / 1000.0, table.clock_mhz if table else None)
    bw = report.roofline_gbps("cuda", device, dtype, n)
    if bw is None and table is not None:  # the copy measured on such a device, or the datasheet's peak (the table's)
        bw = table.bandwidth_gbps
        sources.append(f"no memcpy at {dtype} n={format_n(n)}: bandwidth {bw:g} GB/s (the table's {table.name})")
    elif bw is None:
        bw = dev.theoretical_peak_gbps
        sources.append(f"no memcpy at {dtype} n={format_n(n)}: bandwidth {bw} GB/s (the device's peak)")
    if not bw:
        raise UsageError(f"{report.path}: no bandwidth for device {dev.name!r}")
    return DeviceFacts(dev.name, cc, sms, clock, float(bw), dev.name, "; ".join(sources) or "the report")


@dataclass(frozen=True)
class Joined:
    key: tuple[str, str, str, str]
    device: str
    measured: float
    predicted: float
    bound: str
    suspect: bool
    n: int = DEFAULT_N

    @property
    def gap(self) -> float:
        return self.measured - self.predicted


def cuda_records(report: Report) -> list[Record]:
    """The report's cuda records of actbench's own kernels, in key order: what the model is set beside."""
    return sorted((r for r in report.records.values() if r.key.backend == "cuda" and r.key.impl == "actbench"),
                  key=lambda r: r.key)


def largest_n(report: Report) -> dict[tuple[int, str], int]:
    """Per (device, dtype) of the report's cuda records of actbench's own kernels, the largest n measured outside
    the L2 cache (the largest of all where every one fits in it): the size a suite's join is taken at."""
    by: dict[tuple[int, str], list[Record]] = {}
    for r in cuda_records(report):
        by.setdefault((r.key.device, r.key.dtype), []).append(r)
    out = {}
    for k, recs in by.items():
        dram = [r.key.n for r in recs if not r.l2_resident]
        out[k] = max(dram) if dram else max(r.key.n for r in recs)
    return out


def join(report: Report, rows: Sequence[dict], n: int | None = DEFAULT_N) -> tuple[list[Joined], list[str]]:
    """Every cuda record of actbench's own kernel at n (None: at each device's and dtype's largest_n) beside the
    model's prediction for its device.  Returns the pairs and notes, each once: an architecture mismatch first, then
    facts taken from the table, records without a model row, cases measured at a smaller n only, a partial report."""
    by_key = {row_key(r): r for r in rows}
    at = largest_n(report) if n is None else None
    fixed = n if n is not None else 0  # the n of every case where at is None
    out: list[Joined] = []
    arch_notes: dict[str, None] = {}
    notes: dict[str, None] = {}
    facts: dict[tuple[int, str], DeviceFacts] = {}
    unmatched = 0
    cases_at: dict[tuple[int, str], set] = {}
    cases_any: dict[tuple[int, str], set] = {}
    for rec in cuda_records(report):
        k = rec.key
        dev_dt = (k.device, k.dtype)
        want = fixed if at is None else at[dev_dt]
        cases_any.setdefault(dev_dt, set()).add((k.activation, k.direction, k.variant))
        if k.n != want:
            continue
        cases_at.setdefault(dev_dt, set()).add((k.activation, k.direction, k.variant))
        row = by_key.get((k.activation, k.direction, k.dtype, k.variant))
        if row is None:
            unmatched += 1
            continue
        if dev_dt not in facts:
            facts[dev_dt] = f = facts_from_report(report, k.device, k.dtype, want)
            if f.source != "the report":
                notes[f"{f.name} {k.dtype}: {f.source}"] = None
            arch_cc = cc_of_arch(str(row.get("arch", "")))
            if arch_cc != f.compute_capability:
                arch_notes[f"{f.name} is compute capability {f.compute_capability}, the model's SASS is "
                           f"{row.get('arch')}: regenerate the model with --arch for it"] = None
        f = facts[dev_dt]
        pct, bound = predict(row["pipes"], row["bytes_per_element"], f)
        out.append(Joined(row_key(row), f.name, rec.pct_of_copy_bw, round(pct, 1), bound, rec.is_suspect, want))
    if unmatched:
        notes[f"{unmatched} records have no model row"] = None
    if at is not None:
        short = sum(len(cases_any[d] - cases_at.get(d, set())) for d in cases_any)
        if short:
            notes[f"cases measured below their dtype's largest n only (the run stopped before it?): {short}"] = None
    if report.partial:
        notes[f"partial report: {report.partial_reason or 'no reason given'}"] = None
    return out, list(arch_notes) + list(notes)


def join_table(pairs: Sequence[Joined], gap: float) -> Table:
    """The pairs as a table: measured and predicted % of copy at n, what binds the prediction, the gap, and a flag
    where the gap is wider than `gap` points (either way) or the timing is suspect."""
    header = ["activation", "variant", "dtype", "dir", "n", "device", "measured %", "predicted %", "bound", "gap", ""]
    body: list[list[str | Cell]] = []
    for p in pairs:
        flag = Cell("")
        if p.suspect:
            flag = Cell("suspect timing", "suspect")
        elif p.gap < -gap:
            flag = Cell(f"SLOWER than its bound by {-p.gap:.1f} points", "fail")
        elif p.gap > gap:
            flag = Cell(f"FASTER than the model allows by {p.gap:.1f} points", "warn")
        body.append([p.key[0], p.key[3], p.key[2], p.key[1], format_n(p.n), p.device, f"{p.measured:.1f}",
                     f"{p.predicted:.1f}", p.bound, f"{p.gap:+.1f}", flag])
    return Table(header, body)


def render_join(pairs: Sequence[Joined], gap: float, fmt: str = "text") -> str:
    t = join_table(pairs, gap)
    return render_md(t) if fmt == "md" else render_text(t)


def flagged(pairs: Sequence[Joined], gap: float) -> list[Joined]:
    return [p for p in pairs if not p.suspect and abs(p.gap) > gap]


# ---------------------------------------------------------------------------------------------
# CLI


def _n(text: str) -> int | None:
    if text.strip() == "largest":
        return None
    m = re.fullmatch(r"2\^(\d+)", text.strip())
    try:
        n = 2 ** int(m.group(1)) if m else int(text)
    except ValueError:
        raise UsageError(f"--n {text!r}: an integer, 2^k or 'largest'") from None
    if n <= 0:
        raise UsageError("--n must be > 0")
    return n


def render_devices(devices: Sequence[DeviceFacts], fmt: str = "text") -> str:
    """The ceilings of each device, as instructions per byte moved (x 4 for a 16-bit fwd element, x 8
    for f32 fwd, x 12 for f32 bwd): what an op may issue before that pipe, not memory, binds."""
    header = ["device", "cc", "SMs", "MHz", "GB/s"] + [f"{p}/B" for p in PIPES] + ["source"]
    body = []
    for d in devices:
        per_s = d.sm_count * d.clock_mhz * 1e6
        body.append([d.product or d.name, d.compute_capability, str(d.sm_count), f"{d.clock_mhz:.0f}",
                     f"{d.bandwidth_gbps:.0f}"] + [f"{d.rate(p) * per_s / (d.bandwidth_gbps * 1e9):.2f}" for p in PIPES]
                    + [d.source])
    t = Table(header, body)
    return render_md(t) if fmt == "md" else render_text(t)


def main(argv: list[str] | None = None) -> int:
    ap = parser(PROG, __doc__ or "", raw_epilog=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    dv = sub.add_parser("devices", help="the ceilings of the table's devices (or of --facts), per byte moved")
    dv.add_argument("--facts", type=Path, action="append", default=[], help="a device's facts (JSON); repeatable")
    dv.add_argument("--format", choices=("text", "md"), default="text")
    t = sub.add_parser("table", help="print a model's table for devices of the table or given by facts")
    t.add_argument("model", type=Path)
    t.add_argument("--devices", help=f"comma-separated names from the table ({', '.join(DEVICES)})")
    t.add_argument("--facts", type=Path, action="append", default=[], help="a device's facts (JSON); repeatable")
    t.add_argument("--variants", default=None, help="comma-separated (default: all in the model)")
    t.add_argument("--format", choices=("text", "md"), default="text")
    c = sub.add_parser("check", help="compare a regenerated model with a baseline: exit 1 when a bound falls")
    c.add_argument("new", type=Path)
    c.add_argument("baseline", type=Path)
    c.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    j = sub.add_parser("join", help="measured %% of copy of a cuda report beside the model's prediction")
    j.add_argument("report", type=Path)
    j.add_argument("model", type=Path)
    j.add_argument("--n", type=_n, default=DEFAULT_N,
                   help="elements (default 2^28), or 'largest': each device's and dtype's largest n outside the L2")
    j.add_argument("--gap", type=float, default=DEFAULT_GAP, help="flag gaps larger than this (points)")
    j.add_argument("--fail-on-gap", action="store_true", help="exit 1 when a gap is flagged")
    j.add_argument("--format", choices=("text", "md"), default="text")
    a = ap.parse_args(argv)

    if a.cmd == "devices":
        devs = [facts_from_json(json.loads(Path(p).read_text(encoding="utf-8")), str(p)) for p in a.facts]
        print(render_devices(devs or list(DEVICES.values()), a.format))
        return EXIT_OK
    if a.cmd == "table":
        rows = load_rows(a.model)
        if a.variants:
            keep = set(parse_list(a.variants, sorted({r["variant"] for r in rows}), "--variants"))
            rows = [r for r in rows if r["variant"] in keep]
        arch = str(rows[0].get("arch", "sm_90")) if rows else "sm_90"
        devices = select_devices(a.devices, a.facts, arch)
        print(render_table(rows, devices, a.format))
        print()
        print(render_under(rows, devices))
        return EXIT_OK
    if a.cmd == "check":
        result = compare(load_rows(a.new), load_rows(a.baseline), a.tolerance)
        print(render_comparison(result, a.baseline, f"copy {a.new} over {a.baseline}"))
        return EXIT_REGRESSION if result.failed else EXIT_OK
    rows = load_rows(a.model)
    pairs, notes = join(load_report(a.report), rows, a.n)
    if not pairs:
        at = "its largest n" if a.n is None else f"n={format_n(a.n)}"
        raise UsageError(f"{a.report}: no cuda record of impl actbench at {at} matches a model row")
    print(render_join(pairs, a.gap, a.format))
    for note in notes:
        print(f"note: {note}")
    bad = flagged(pairs, a.gap)
    print(f"{len(pairs)} cases, {len(bad)} with |measured - predicted| > {a.gap:g} points")
    return EXIT_REGRESSION if bad and a.fail_on_gap else EXIT_OK


def cli(argv: list[str] | None = None) -> int:
    return run(PROG, main, argv)


if __name__ == "__main__":
    raise SystemExit(cli())
