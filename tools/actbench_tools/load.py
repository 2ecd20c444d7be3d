"""Load and validate actbench reports (results/schema/FORMAT.md, schema version 1).

`load_report(path)` returns a :class:`Report` whose cases are typed dataclasses keyed by their
axes (:class:`CaseKey`). Anything that is not a valid version-1 report raises
:class:`ReportError` with one line naming the file and the problem; the CLIs turn that into
an error line and exit status 2.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from . import SUPPORTED_SCHEMA_VERSION

FORMAT_NAME = "actbench-report"
SCHEMA_FILE = "actbench-report.schema.json"

# The axes of one measurement, in the order used for sorting and display.
AXES = ("activation", "direction", "dtype", "variant", "impl", "backend", "device", "n")
DTYPE_ORDER = ("f32", "f16", "bf16", "f64", "f8e4m3", "f8e5m2")
DIRECTION_ORDER = ("fwd", "deriv", "bwd")
VARIANT_ORDER = ("precise", "fast", "textbook")
IMPL_ORDER = ("actbench", "thrust", "cudnn")


class ReportError(Exception):
    """A report that cannot be used. `str(err)` is one line: '<file>: <problem>'."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = " ".join(problem.split())  # one line, whatever the source said
        super().__init__(f"{self.path}: {self.problem}")


@dataclass(frozen=True, order=True)
class CaseKey:
    """The axes of one case. `device` is the device index (0 on the cpu)."""

    activation: str
    direction: str
    dtype: str
    variant: str
    impl: str
    backend: str
    device: int
    n: int

    @property
    def config(self) -> tuple[str, str, str, str, str, str, int]:
        """Everything but n: one accuracy configuration on one device."""
        return (self.activation, self.direction, self.dtype, self.variant, self.impl,
                self.backend, self.device)

    def label(self, with_device: bool = True) -> str:
        where = f"{self.backend}:{self.device}" if with_device else self.backend
        return (f"{self.activation}/{self.direction}/{self.dtype}/{self.variant}/{self.impl}/"
                f"{where}/n={format_n(self.n)}")


@dataclass(frozen=True)
class Stats:
    median_ns: float
    min_ns: float
    mean_ns: float
    stddev_ns: float
    samples: int
    rel_spread: float
    converged: bool

    @classmethod
    def from_json(cls, d: dict | None) -> "Stats | None":
        if d is None:
            return None
        return cls(float(d["median_ns"]), float(d["min_ns"]), float(d["mean_ns"]),
                   float(d["stddev_ns"]), int(d["samples"]), float(d["rel_spread"]),
                   bool(d["converged"]))


@dataclass(frozen=True)
class Accuracy:
    inputs_tested: int
    exhaustive: bool
    max_ulp: float
    mean_ulp: float
    max_abs_err: float
    max_rel_err: float
    worst: dict | None
    histogram_edges: tuple[float, ...]
    histogram_counts: tuple[int, ...]
    nonfinite_mismatches: int
    signed_zero_mismatches: int
    flushed_subnormals: int
    bound_ulp: float
    bound_abs: float
    out_of_bound: int
    passed: bool

    @classmethod
    def from_json(cls, d: dict | None) -> "Accuracy | None":
        if d is None:
            return None
        h = d["histogram"]
        return cls(int(d["inputs_tested"]), bool(d["exhaustive"]), float(d["max_ulp"]),
                   float(d["mean_ulp"]), float(d["max_abs_err"]), float(d["max_rel_err"]),
                   d["worst"], tuple(float(e) for e in h["edges"]),
                   tuple(int(c) for c in h["counts"]), int(d["nonfinite_mismatches"]),
                   int(d["signed_zero_mismatches"]), int(d["flushed_subnormals"]),
                   float(d["bound_ulp"]), float(d["bound_abs"]), int(d["out_of_bound"]),
                   bool(d["pass"]))


@dataclass(frozen=True)
class Record:
    """One timed case from `benchmarks`."""

    key: CaseKey
    name: str
    params: dict
    bytes: int
    status: str  # pass | fail | unchecked
    hot: Stats | None
    cold: Stats | None
    batched: Stats | None
    gbps: float
    elements_per_s: float
    pct_of_copy_bw: float
    pct_of_copy_kernel_bw: float
    l2_resident: bool
    accuracy: Accuracy | None


@dataclass(frozen=True)
class NotRun:
    key: CaseKey
    status: str  # skipped | error
    reason: str


@dataclass(frozen=True)
class Roofline:
    backend: str
    device: int
    dtype: str
    n: int
    bytes: int
    memcpy: Stats
    memcpy_gbps: float
    copy_kernel: Stats
    copy_kernel_gbps: float


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    cache_bytes: int
    theoretical_peak_gbps: float | None
    details: dict


@dataclass
class Report:
    path: Path
    context: dict
    partial: bool
    partial_reason: str | None
    devices: dict[int, Device]
    records: dict[CaseKey, Record]
    not_run: list[NotRun]
    roofline: list[Roofline]
    label: str = ""  # set by load_reports when labels collide
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def host_name(self) -> str:
        return str(self.context.get("host_name", "?"))

    @property
    def backend(self) -> str:
        return str(self.context.get("backend", "?"))

    def device_name(self, index: int) -> str:
        dev = self.devices.get(index)
        return dev.name if dev else f"device {index}"

    def machine_label(self) -> str:
        """host_name + the device name(s) the records ran on."""
        used = sorted({k.device for k in self.records}) or sorted(self.devices)
        names = []
        for i in used:
            name = self.device_name(i)
            if name not in names:
                names.append(name)
        return f"{self.host_name} · {', '.join(names)}" if names else self.host_name

    def roofline_gbps(self, backend: str, device: int, dtype: str, n: int) -> float | None:
        for r in self.roofline:
            if (r.backend, r.device, r.dtype, r.n) == (backend, device, dtype, n):
                return r.memcpy_gbps
        return None


def format_n(n: int) -> str:
    """2^k for powers of two, else the integer."""
    if n > 0 and n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1}"
    return str(n)


# --------------------------------------------------------------------------------------------
# schema

@lru_cache(maxsize=1)
def schema() -> dict:
    """The packaged copy of results/schema/actbench-report.schema.json."""
    text = resources.files("actbench_tools").joinpath("schema", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


def _inline_refs(node, defs):
    """The schema with every local $ref replaced by its target (the schema has no recursion).
    jsonschema resolves $ref slowly; the inlined schema validates about five times faster."""
    if isinstance(node, dict):
        if set(node) == {"$ref"} and node["$ref"].startswith("#/$defs/"):
            return _inline_refs(defs[node["$ref"][len("#/$defs/"):]], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


@lru_cache(maxsize=1)
def _validators():
    """(document validator, accuracy-record validator).

    The document validator checks everything but the inside of `accuracy` objects; those repeat
    at every n of a configuration, so each distinct one is validated once by the second."""
    import jsonschema

    full = schema()
    cls = jsonschema.validators.validator_for(full)
    cls.check_schema(full)
    doc = _inline_refs(full, full["$defs"])
    record = doc["properties"]["benchmarks"]["items"]
    accuracy = record["properties"]["accuracy"]
    record["properties"]["accuracy"] = {"type": ["object", "null"]}
    return cls(doc), cls(accuracy)


def _json_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _describe(errors, prefix=()) -> str:
    import jsonschema

    err = jsonschema.exceptions.best_match(errors)
    # Prefer the deepest concrete error inside oneOf/anyOf wrappers.
    while err.context:
        err = jsonschema.exceptions.best_match(err.context)
    msg = err.message
    if len(msg) > 200:
        msg = msg[:197] + "..."
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return (f"does not match the actbench report schema v1 at "
            f"{_json_path(list(prefix) + list(err.absolute_path))}: {msg}{more}")


def _schema_problem(doc: dict) -> str | None:
    doc_v, acc_v = _validators()
    if not doc_v.is_valid(doc):
        return _describe(list(doc_v.iter_errors(doc)))
    seen = set()
    for i, b in enumerate(doc["benchmarks"]):
        acc = b["accuracy"]
        if acc is None:
            continue
        fingerprint = json.dumps(acc, sort_keys=True)
        if fingerprint in seen:
            continue
        errors = list(acc_v.iter_errors(acc))
        if errors:
            return _describe(errors, ("benchmarks", i, "accuracy"))
        seen.add(fingerprint)
    return None


# --------------------------------------------------------------------------------------------
# loading

def _reject_constant(name: str):
    raise ValueError(name)


def _unclosed(text: str) -> bool:
    """True when the text ends inside a string or with objects/arrays still open: the document
    was cut short (a killed writer, a partial copy) rather than written wrong."""
    depth, in_str, esc = 0, False, False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return in_str or depth > 0


def _parse_json(path: Path, data: bytes) -> Any:
    if not data.strip():
        raise ReportError(path, "empty file (not an actbench report)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReportError(path, f"not UTF-8 text (byte {e.start}); not an actbench report") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        if _unclosed(text):
            raise ReportError(path, f"truncated JSON: the document ends early (line {e.lineno}, "
                                    f"column {e.colno}); was the run killed while writing?") from None
        raise ReportError(path, f"invalid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    except ValueError as e:  # NaN / Infinity / -Infinity
        raise ReportError(path, f"invalid JSON: non-standard constant {e} (RFC 8259 has no NaN or "
                                "Infinity; reports write non-finite values as decimal strings)") from None
    except RecursionError:
        raise ReportError(path, "invalid JSON: nested too deeply") from None


def _check_identity(path: Path, doc: Any) -> None:
    if not isinstance(doc, dict):
        raise ReportError(path, f"not an actbench report: the top level is a JSON "
                                f"{type(doc).__name__.replace('dict', 'object')}, not an object")
    if "format" not in doc:
        hint = (" (it looks like a plain Google Benchmark report)"
                if "benchmarks" in doc and "context" in doc else "")
        raise ReportError(path, f"not an actbench report: no \"format\" key{hint}")
    if doc["format"] != FORMAT_NAME:
        raise ReportError(path, f"not an actbench report: format is {json.dumps(doc['format'])[:80]}, "
                                f"expected \"{FORMAT_NAME}\"")
    if "schema_version" not in doc:
        raise ReportError(path, "actbench report without \"schema_version\"; "
                                f"this actbench-tools supports version {SUPPORTED_SCHEMA_VERSION}")
    v = doc["schema_version"]
    if isinstance(v, bool) or not isinstance(v, int) or v != SUPPORTED_SCHEMA_VERSION:
        raise ReportError(path, f"unsupported schema_version {json.dumps(v)[:40]}; this actbench-tools "
                                f"supports version {SUPPORTED_SCHEMA_VERSION} only")


def _key(d: dict) -> CaseKey:
    return CaseKey(d["activation"], d["direction"], d["dtype"], d["variant"], d["impl"],
                   d["backend"], int(d["device"]), int(d["n"]))


def parse_report(path: str | Path, doc: Any) -> Report:
    """Validate an already-parsed document and build the typed report."""
    path = Path(path)
    _check_identity(path, doc)
    problem = _schema_problem(doc)
    if problem:
        raise ReportError(path, problem)
    ctx = doc["context"]
    devices = {}
    for d in ctx["devices"]:
        peak = d["theoretical_peak_gbps"]
        devices[int(d["index"])] = Device(int(d["index"]), d["name"], int(d["cache_bytes"]),
                                          None if peak is None else float(peak), d["details"])
    records: dict[CaseKey, Record] = {}
    for i, b in enumerate(doc["benchmarks"]):
        key = _key(b)
        if key in records:
            raise ReportError(path, f"benchmarks[{i}] repeats the case {key.label()} "
                                    f"(first at {records[key].name!r})")
        t = b["timing"]
        records[key] = Record(
            key=key, name=b["name"], params=b["params"], bytes=int(b["bytes"]), status=b["status"],
            hot=Stats.from_json(t["hot"]), cold=Stats.from_json(t["cold"]),
            batched=Stats.from_json(t["batched"]), gbps=float(b["gbps"]),
            elements_per_s=float(b["elements_per_s"]), pct_of_copy_bw=float(b["pct_of_copy_bw"]),
            pct_of_copy_kernel_bw=float(b["pct_of_copy_kernel_bw"]),
            l2_resident=bool(b["l2_resident"]), accuracy=Accuracy.from_json(b["accuracy"]))
    not_run = [NotRun(_key(x), x["status"], x["reason"]) for x in doc["not_run"]]
    roof = [Roofline(r["backend"], int(r["device"]), r["dtype"], int(r["n"]), int(r["bytes"]),
                     Stats.from_json(r["memcpy"]), float(r["memcpy"]["gbps"]),
                     Stats.from_json(r["copy_kernel"]), float(r["copy_kernel"]["gbps"]))
            for r in doc["roofline"]]
    rep = Report(path=path, context=ctx, partial=bool(doc["partial"]),
                 partial_reason=doc["partial_reason"], devices=devices, records=records,
                 not_run=not_run, roofline=roof, raw=doc)
    rep.label = rep.machine_label()
    return rep


def load_report(path: str | Path) -> Report:
    """Read, validate and type one report. Raises ReportError (one line) on any problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ReportError(path, "is a directory, not a report file") from None
    except OSError as e:
        raise ReportError(path, f"cannot read: {e.strerror or e}") from None
    return parse_report(path, _parse_json(path, data))


def load_reports(paths) -> list[Report]:
    """Load several reports; labels that collide (same machine twice) get the file name added."""
    reports = [load_report(p) for p in paths]
    seen: dict[str, int] = {}
    for r in reports:
        seen[r.label] = seen.get(r.label, 0) + 1
    for r in reports:
        if seen[r.label] > 1:
            r.label = f"{r.label} ({r.path.name})"
    return reports


def warnings_for(report: Report) -> list[str]:
    """Things a reader must know before trusting the numbers (partial run, throttling)."""
    out = []
    if report.partial:
        out.append(f"{report.path}: partial report ({report.partial_reason or 'no reason given'}); "
                   "some cases are missing")
    if report.context.get("throttled"):
        out.append(f"{report.path}: the device throttled during the run; timings may be low")
    return out


def geomean(values) -> float | None:
    vals = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    if not vals:
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def order_index(value: str, order: tuple[str, ...]) -> int:
    return order.index(value) if value in order else len(order)
