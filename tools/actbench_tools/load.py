"""Load and validate actbench reports (results/schema/FORMAT.md, schema versions 1 and 2).

`load_report(path)` returns a :class:`Report` whose cases are typed dataclasses keyed by their
axes (:class:`CaseKey`). Anything that is not a valid report raises :class:`ReportError` with one
line naming the file and the problem; the CLIs turn that into an error line and exit status 2.

Version-1 reports lack what version 2 added; the loader fills what can be derived honestly and
leaves the rest unknown (None):
- `suspect`: a record whose pct_of_copy_bw exceeds 105 % or whose hot timing did not converge;
- `fail_reasons`: from the mismatch counts (flushed subnormals are counted, but a v1 report does
  not say whether they failed); `expected_to_fail`: variant == textbook;
- `max_ulp_deciding`: max_ulp when bound_abs == 0, else unknown (see :meth:`Accuracy.deciding`).
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema  # type: ignore[import-untyped]  # it has no stubs or py.typed

from . import SUPPORTED_SCHEMA_VERSIONS, catalog

FORMAT_NAME = "actbench-report"
SCHEMA_FILE = "actbench-report.schema.json"

# The axes of one measurement, in the order used for sorting and display. The lists come from
# the catalog (actbench list --json); the schema also admits the 8-bit dtypes.
AXES = ("activation", "direction", "dtype", "variant", "impl", "backend", "device", "n")
ACTIVATION_ORDER = catalog.activation_names()
DTYPE_ORDER = catalog.dtype_order() + tuple(d for d in ("f8e4m3", "f8e5m2") if d not in catalog.dtype_order())
DIRECTION_ORDER = catalog.direction_order()
VARIANT_ORDER = catalog.variant_order()
# Framework peers (actbench-peers) are not in the catalog (actbench does not run them): their names follow.
PEER_IMPLS = ("torch-eager", "torch-compile", "jax-jit")
# The token that begins the suspect reason of a record faster than its in-run copy (FORMAT.md, `suspect`; the harness
# writes it as kFasterThanCopyToken, harness/runner.hpp, and the peers' runner from here).
FASTER_THAN_COPY_TOKEN = "pct_of_copy_bw "
IMPL_ORDER = catalog.impl_order() + tuple(i for i in PEER_IMPLS if i not in catalog.impl_order())

DEFAULT_MAX_PCT_OF_COPY = 105.0  # a kernel cannot move more bytes per second than a plain copy
FAIL_REASONS = ("out_of_bound", "nonfinite_mismatch", "signed_zero_mismatch", "flushed_subnormal")


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

    @property
    def config_label(self) -> str:
        """activation/direction/dtype/variant/impl/backend:device: every axis but n."""
        return (f"{self.activation}/{self.direction}/{self.dtype}/{self.variant}/{self.impl}/"
                f"{self.backend}:{self.device}")

    @property
    def plan_name(self) -> str:
        """The case's name as the harness writes it (a record's `name`, a shard's case list)."""
        return f"{self.config_label}/{self.n}"

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
    def from_json(cls, d: dict | None) -> Stats | None:
        if d is None:
            return None
        return cls(float(d["median_ns"]), float(d["min_ns"]), float(d["mean_ns"]),
                   float(d["stddev_ns"]), int(d["samples"]), float(d["rel_spread"]),
                   bool(d["converged"]))


@dataclass(frozen=True)
class Binade:
    """Inputs of one sign and binade: exp = floor(log2|x|) (None: 0, inf and NaN inputs)."""

    sign: int
    exp: int | None
    count: int
    max_ulp: float
    over_bound: int
    exp_last: int | None = None  # the last binade of a group (f64, sampled f32); None: one binade


def _opt_int(v: Any) -> int | None:
    """An optional integer field the schema leaves open (per_binade exp_last): anything but an int is absent."""
    return v if isinstance(v, int) and not isinstance(v, bool) else None


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
    # version 2 (None / empty when a version-1 report cannot tell)
    fail_reasons: tuple[str, ...] = ()
    allowance_only: int | None = None
    max_ulp_deciding: float | None = None
    top_worst: tuple[dict, ...] = ()
    per_binade: tuple[Binade, ...] = ()
    subnormal_outputs: int | None = None
    reference: str | None = None
    expected_to_fail: bool = False
    bound_why: str | None = None

    @classmethod
    def from_json(cls, d: dict | None, variant: str = "") -> Accuracy | None:
        if d is None:
            return None
        h = d["histogram"]
        a = cls(int(d["inputs_tested"]), bool(d["exhaustive"]), float(d["max_ulp"]),
                float(d["mean_ulp"]), float(d["max_abs_err"]), float(d["max_rel_err"]),
                d["worst"], tuple(float(e) for e in h["edges"]),
                tuple(int(c) for c in h["counts"]), int(d["nonfinite_mismatches"]),
                int(d["signed_zero_mismatches"]), int(d["flushed_subnormals"]),
                float(d["bound_ulp"]), float(d["bound_abs"]), int(d["out_of_bound"]),
                bool(d["pass"]), bound_why=d.get("bound_why"))
        if "fail_reasons" in d:  # version 2
            return replace(
                a, fail_reasons=tuple(d["fail_reasons"]), allowance_only=int(d["allowance_only"]),
                max_ulp_deciding=float(d["max_ulp_deciding"]), top_worst=tuple(d["top_worst"]),
                per_binade=tuple(Binade(int(b["sign"]), None if b["exp"] is None else int(b["exp"]),
                                        int(b["count"]), float(b["max_ulp"]), int(b["over_bound"]),
                                        _opt_int(b.get("exp_last")))
                                 for b in d["per_binade"]),
                subnormal_outputs=int(d["subnormal_outputs"]), reference=d["reference"],
                expected_to_fail=bool(d["expected_to_fail"]))
        # version 1: what can be derived
        reasons = []
        if a.out_of_bound:
            reasons.append("out_of_bound")
        if a.nonfinite_mismatches:
            reasons.append("nonfinite_mismatch")
        if a.signed_zero_mismatches:
            reasons.append("signed_zero_mismatch")
        # flushed subnormals: version 1 counts them but does not say whether they failed
        return replace(a, fail_reasons=tuple(reasons) if not a.passed else (),
                       max_ulp_deciding=a.max_ulp if a.bound_abs == 0 else None,
                       expected_to_fail=variant == "textbook")

    def deciding(self) -> tuple[float, bool]:
        """(the max ULP the verdict rests on, exact?).

        Exact for version 2 (max_ulp_deciding) and when there is no absolute allowance. A
        version-1 case with max_ulp over bound_ulp and no element out of bound passed by the
        allowance: the deciding figure is at most bound_ulp (returned, not exact). With elements
        out of bound it cannot be split: at most max_ulp (returned, not exact)."""
        if self.max_ulp_deciding is not None:
            return self.max_ulp_deciding, True
        if self.max_ulp <= self.bound_ulp:
            return self.max_ulp, True
        if self.out_of_bound == 0:  # every element within the bound: the rest passed by the allowance
            return self.bound_ulp, False
        return self.max_ulp, False

    def by_allowance(self) -> bool:
        """Some element passes only by the absolute allowance (or, v1, may do so)."""
        if self.allowance_only is not None:
            return self.allowance_only > 0
        return self.bound_abs > 0 and self.max_ulp > self.bound_ulp


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
    suspect: tuple[str, ...] = ()
    bytes_convention: str | None = None

    @property
    def is_suspect(self) -> bool:
        return bool(self.suspect)

    @property
    def faster_than_copy(self) -> bool:
        """Marked as moving its bytes faster than its run's in-run copy (beyond the plausibility margin): the one
        suspect reason that puts its GB/s itself in doubt (a timing that did not converge, or a copy that drifted,
        leaves the GB/s a measurement)."""
        return any(why.startswith(FASTER_THAN_COPY_TOKEN) for why in self.suspect)

    @property
    def expected_to_fail(self) -> bool:
        return self.accuracy.expected_to_fail if self.accuracy else self.key.variant == "textbook"


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
    suspect: tuple[str, ...] = ()
    shard: int | None = None  # a merged report keeps every shard's entries, each tagged
    impl: str | None = None  # whose copy: set by peer reports, where each framework measures its own
    copy_source: str = "memcpy"  # which copy is the roofline ("copy" in the report; older reports: memcpy)

    @property
    def copy_gbps(self) -> float:
        """The roofline every % of copy divides by: the faster copy of the run (memcpy in older reports)."""
        return self.copy_kernel_gbps if self.copy_source == "copy_kernel" else self.memcpy_gbps

    @property
    def copy(self) -> Stats:
        """The timing of the copy that is the roofline."""
        return self.copy_kernel if self.copy_source == "copy_kernel" else self.memcpy


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
    schema_version: int = 1

    @property
    def host_name(self) -> str:
        return str(self.context.get("host_name", "?"))

    @property
    def backend(self) -> str:
        return str(self.context.get("backend", "?"))

    @property
    def max_pct_of_copy(self) -> float:
        p = self.context.get("plausibility")
        return float(p["max_pct_of_copy"]) if isinstance(p, dict) else DEFAULT_MAX_PCT_OF_COPY

    def device_name(self, index: int) -> str:
        dev = self.devices.get(index)
        return dev.name if dev else f"device {index}"

    def machine_label(self) -> str:
        """host_name + the device name(s) the records ran on."""
        used = sorted({k.device for k in self.records}) or sorted(self.devices)
        names: list[str] = []
        for i in used:
            name = self.device_name(i)
            if name not in names:
                names.append(name)
        return f"{self.host_name} · {', '.join(names)}" if names else self.host_name

    def roofline_entries(self, backend: str, device: int, dtype: str, n: int,
                         impl: str | None = None) -> list[Roofline]:
        """Every copy measurement of this place and size: one, one per shard in a merged report; in a peer
        report, where each framework measures its own copy, those `impl` measured (else the run's own)."""
        same = [r for r in self.roofline if (r.backend, r.device, r.dtype, r.n) == (backend, device, dtype, n)]
        mine = [r for r in same if impl is not None and r.impl == impl]
        if mine:
            return mine
        plain = [r for r in same if r.impl is None]
        return plain or same

    def roofline_entry(self, backend: str, device: int, dtype: str, n: int,
                       impl: str | None = None) -> Roofline | None:
        """The (first) copy measurement of this place and size (see roofline_entries)."""
        found = self.roofline_entries(backend, device, dtype, n, impl)
        return found[0] if found else None

    @property
    def merged_from(self) -> list[dict]:
        """The shard files a merged report was made of ({path, index}); empty for one run."""
        return list(self.context.get("merged_from") or [])

    def roofline_gbps(self, backend: str, device: int, dtype: str, n: int) -> float | None:
        r = self.roofline_entry(backend, device, dtype, n)
        return None if r is None else r.copy_gbps

    def suspect_records(self) -> list[Record]:
        return [r for r in self.records.values() if r.suspect]


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 time of a report's context (`date`, `start_time`, `end_time`; "Z" accepted), as an
    aware datetime (no offset: taken as UTC); None when it does not parse."""
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


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
    text = resources.files("actbench_tools").joinpath("schema").joinpath(SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


# Accuracy objects repeat at every n of a configuration: the document validator checks only that
# they are objects, and each distinct one is checked once by the accuracy validator.
_ACCURACY_DEFS = ("accuracy", "accuracy_v2")


def _inline_refs(node: Any, defs: dict) -> Any:
    """The schema with every local $ref replaced by its target (the schema has no recursion).
    jsonschema resolves $ref slowly; the inlined schema validates about five times faster."""
    if isinstance(node, dict):
        if set(node) == {"$ref"} and node["$ref"].startswith("#/$defs/"):
            name = node["$ref"][len("#/$defs/"):]
            if name in _ACCURACY_DEFS:
                return {"type": "object"}
            return _inline_refs(defs[name], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def _merge(base: dict, extra: dict) -> dict:
    """One schema requiring both: `required` lists joined, `properties`/`items` merged, anything
    else kept when equal (or both kept under allOf). Saves jsonschema a second pass."""
    out = dict(base)
    rest = {}
    for k, v in extra.items():
        if k == "required":
            out[k] = list(base.get(k, [])) + [x for x in v if x not in base.get(k, [])]
        elif k == "properties":
            props = dict(base.get(k, {}))
            for pk, pv in v.items():
                props[pk] = _merge(props[pk], pv) if pk in props else pv
            out[k] = props
        elif k == "items" and isinstance(base.get(k), dict):
            out[k] = _merge(base[k], v)
        elif k not in base or base[k] == v:
            out[k] = v
        else:
            rest[k] = v
    return {"allOf": [out, rest]} if rest else out


def _for_version(doc: dict, version: int) -> dict:
    """The inlined document schema for one schema_version, its version conditions resolved."""
    out = {k: v for k, v in doc.items() if k != "allOf"}
    for cond in doc.get("allOf", []):
        if cond.get("if") == {"properties": {"schema_version": {"const": version}}}:
            out = _merge(out, cond["then"])
        elif "if" not in cond or "schema_version" not in json.dumps(cond["if"]):
            out = _merge(out, cond)
    return out


@lru_cache(maxsize=1)
def _fast_checks() -> tuple[dict[int, Any], dict[int, Any]]:
    """The schema compiled to Python by fastjsonschema, the quick yes/no of every load, in the
    same two parts as :func:`_validators`: ({version: document}, {version: accuracy record})."""
    full = schema()
    defs = full["$defs"]
    doc = _inline_refs(full, defs)
    v1 = {k: _inline_refs(v, defs) for k, v in defs["accuracy"].items()}
    v2 = _merge(v1, {k: _inline_refs(v, defs) for k, v in defs["accuracy_v2"].items()})
    docs = {v: fastjsonschema.compile(_for_version(doc, v)) for v in SUPPORTED_SCHEMA_VERSIONS}
    return docs, {1: fastjsonschema.compile(v1), 2: fastjsonschema.compile(v2)}


def _fingerprint(obj: Any) -> str:
    """Equal JSON values from one writer have equal reprs (key order included); cheap to compute."""
    return repr(obj)


@lru_cache(maxsize=1)
def _validators() -> tuple[dict[int, Any], dict[int, Any]]:
    """jsonschema validators that explain a failure: ({schema_version: document validator},
    {schema_version: accuracy-record validator})."""
    import jsonschema

    full = schema()
    cls = jsonschema.validators.validator_for(full)
    cls.check_schema(full)
    defs = full["$defs"]
    doc = _inline_refs(full, defs)
    v1 = {k: _inline_refs(v, defs) for k, v in defs["accuracy"].items()}
    v2 = _merge(v1, {k: _inline_refs(v, defs) for k, v in defs["accuracy_v2"].items()})
    docs = {v: cls(_for_version(doc, v)) for v in SUPPORTED_SCHEMA_VERSIONS}
    return docs, {1: cls(v1), 2: cls(v2)}


def _json_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _describe(errors, version: int, prefix=()) -> str:
    import jsonschema

    err = jsonschema.exceptions.best_match(errors)
    # Prefer the deepest concrete error inside oneOf/anyOf wrappers.
    while err.context:
        err = jsonschema.exceptions.best_match(err.context)
    msg = err.message
    if len(msg) > 200:
        msg = msg[:197] + "..."
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return (f"does not match the actbench report schema v{version} at "
            f"{_json_path(list(prefix) + list(err.absolute_path))}: {msg}{more}")


def _schema_problem(doc: dict) -> str | None:
    fast_docs, fast_accs = _fast_checks()
    version = doc["schema_version"]
    try:
        fast_docs[version](doc)
        seen: set[str] = set()
        for b in doc["benchmarks"]:
            acc = b["accuracy"]
            if acc is not None:
                fp = _fingerprint(acc)
                if fp not in seen:
                    fast_accs[version](acc)
                    seen.add(fp)
        return None
    except fastjsonschema.JsonSchemaException:
        pass
    # Invalid: find the clearest error. Accuracy objects repeat at every n of a configuration:
    # the document is checked without their insides, then each distinct one once.
    doc_vs, acc_vs = _validators()
    doc_v = doc_vs[version]
    if not doc_v.is_valid(doc):
        return _describe(list(doc_v.iter_errors(doc)), version)
    acc_v = acc_vs[version]
    seen = set()
    for i, b in enumerate(doc["benchmarks"]):
        acc = b["accuracy"]
        if acc is None:
            continue
        fingerprint = _fingerprint(acc)
        if fingerprint in seen:
            continue
        errors = list(acc_v.iter_errors(acc))
        if errors:
            return _describe(errors, version, ("benchmarks", i, "accuracy"))
        seen.add(fingerprint)
    # fastjsonschema and the inlined jsonschema validators disagree: jsonschema on the plain
    # schema (the reference implementation) decides
    import jsonschema

    errors = list(jsonschema.validators.validator_for(schema())(schema()).iter_errors(doc))
    return _describe(errors, version) if errors else None


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


def _finite_float(text: str) -> float:
    """A JSON number as a float; one that overflows a double (1e400) is refused: reports hold no infinity."""
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(f"{text[:40]} overflows a double")
    return v


def _finite_int(text: str) -> int:
    """A JSON integer; one beyond a double's range is refused as well (every figure becomes a float)."""
    if len(text.lstrip("-")) > 400 or abs(v := int(text)) > sys.float_info.max:
        raise ValueError(f"an integer of {len(text.lstrip('-'))} digits overflows a double")
    return v


def _parse_json(path: Path, data: bytes) -> Any:
    if not data.strip():
        raise ReportError(path, "empty file (not an actbench report)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReportError(path, f"not UTF-8 text (byte {e.start}); not an actbench report") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float, parse_int=_finite_int)
    except json.JSONDecodeError as e:
        if _unclosed(text):
            raise ReportError(path, f"truncated JSON: the document ends early (line {e.lineno}, "
                                    f"column {e.colno}); was the run killed while writing?") from None
        raise ReportError(path, f"invalid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    except ValueError as e:  # NaN / Infinity / -Infinity, a number beyond a double
        what = str(e)
        if "overflows a double" in what or "digits" in what:
            raise ReportError(path, f"invalid number: {what} (reports hold finite doubles only)") from None
        raise ReportError(path, f"invalid JSON: non-standard constant {what} (RFC 8259 has no NaN or "
                                "Infinity; reports write non-finite values as decimal strings)") from None
    except RecursionError:
        raise ReportError(path, "invalid JSON: nested too deeply") from None


def _supported() -> str:
    return " and ".join(str(v) for v in SUPPORTED_SCHEMA_VERSIONS)


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
                                f"this actbench-tools supports versions {_supported()}")
    v = doc["schema_version"]
    if isinstance(v, bool) or not isinstance(v, int) or v not in SUPPORTED_SCHEMA_VERSIONS:
        raise ReportError(path, f"unsupported schema_version {json.dumps(v)[:40]}; this actbench-tools "
                                f"supports versions {_supported()}")


def case_key(d: dict) -> CaseKey:
    """The axes of a `benchmarks[]` record or a `not_run[]` entry."""
    return CaseKey(d["activation"], d["direction"], d["dtype"], d["variant"], d["impl"],
                   d["backend"], int(d["device"]), int(d["n"]))


def derived_suspicion(pct_of_copy_bw: float, hot: Stats | None, limit: float) -> tuple[str, ...]:
    """Why a version-1 record's timing is implausible (the harness says so itself in version 2)."""
    out = []
    if pct_of_copy_bw > limit:
        out.append(f"{FASTER_THAN_COPY_TOKEN}{pct_of_copy_bw:.1f}% > {limit:g}%")
    if hot is not None and not hot.converged:
        out.append(f"hot timing not converged (spread {100 * hot.rel_spread:.0f}% after {hot.samples} samples)")
    return tuple(out)


def parse_report(path: str | Path, doc: Any) -> Report:
    """Validate an already-parsed document and build the typed report."""
    path = Path(path)
    _check_identity(path, doc)
    problem = _schema_problem(doc)
    if problem:
        raise ReportError(path, problem)
    version = int(doc["schema_version"])
    ctx = doc["context"]
    limit = (float(ctx["plausibility"]["max_pct_of_copy"]) if isinstance(ctx.get("plausibility"), dict)
             else DEFAULT_MAX_PCT_OF_COPY)
    devices = {}
    for d in ctx["devices"]:
        peak = d["theoretical_peak_gbps"]
        devices[int(d["index"])] = Device(int(d["index"]), d["name"], int(d["cache_bytes"]),
                                          None if peak is None else float(peak), d["details"])
    records: dict[CaseKey, Record] = {}
    accuracies: dict[str, Accuracy | None] = {}  # the same record repeats at every n
    for i, b in enumerate(doc["benchmarks"]):
        key = case_key(b)
        if key in records:
            raise ReportError(path, f"benchmarks[{i}] repeats the case {key.label()} "
                                    f"(first at {records[key].name!r})")
        t = b["timing"]
        hot = Stats.from_json(t["hot"])
        fp = _fingerprint(b["accuracy"]) + key.variant
        if fp not in accuracies:
            accuracies[fp] = Accuracy.from_json(b["accuracy"], key.variant)
        pct = float(b["pct_of_copy_bw"])
        suspect = tuple(b["suspect"]) if "suspect" in b else derived_suspicion(pct, hot, limit)
        records[key] = Record(
            key=key, name=b["name"], params=b["params"], bytes=int(b["bytes"]), status=b["status"],
            hot=hot, cold=Stats.from_json(t["cold"]),
            batched=Stats.from_json(t["batched"]), gbps=float(b["gbps"]),
            elements_per_s=float(b["elements_per_s"]), pct_of_copy_bw=pct,
            pct_of_copy_kernel_bw=float(b["pct_of_copy_kernel_bw"]),
            l2_resident=bool(b["l2_resident"]), accuracy=accuracies[fp], suspect=suspect,
            bytes_convention=b.get("bytes_convention"))
    not_run = [NotRun(case_key(x), x["status"], x["reason"]) for x in doc["not_run"]]
    roof = []
    for r in doc["roofline"]:
        memcpy, kernel = Stats.from_json(r["memcpy"]), Stats.from_json(r["copy_kernel"])
        assert memcpy is not None and kernel is not None  # the schema requires both
        roof.append(Roofline(r["backend"], int(r["device"]), r["dtype"], int(r["n"]), int(r["bytes"]),
                             memcpy, float(r["memcpy"]["gbps"]), kernel, float(r["copy_kernel"]["gbps"]),
                             tuple(r.get("suspect", ())), r.get("shard"), r.get("impl"),
                             (r.get("copy") or {}).get("source", "memcpy")))
    rep = Report(path=path, context=ctx, partial=bool(doc["partial"]),
                 partial_reason=doc["partial_reason"], devices=devices, records=records,
                 not_run=not_run, roofline=roof, raw=doc, schema_version=version)
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
    """Things a reader must know before trusting the numbers (partial run, throttling, suspects)."""
    out = []
    if report.partial:
        out.append(f"{report.path}: partial report ({report.partial_reason or 'no reason given'}); "
                   "some cases are missing")
    if report.context.get("throttled"):
        out.append(f"{report.path}: the device throttled during the run; timings may be low")
    sus = report.suspect_records()
    if sus:
        worst = max(sus, key=lambda r: r.pct_of_copy_bw)
        out.append(f"{report.path}: {len(sus)} of {len(report.records)} records have implausible timings "
                   f"(suspect: kept out of headline figures and colour scales), e.g. "
                   f"{worst.key.label()}: {'; '.join(worst.suspect)}")
    roof = [r for r in report.roofline if r.suspect]
    if roof:
        out.append(f"{report.path}: {len(roof)} roofline entries are suspect, e.g. "
                   f"{roof[0].dtype} n={format_n(roof[0].n)}: {'; '.join(roof[0].suspect)}")
    return out


def geomean(values) -> float | None:
    vals = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    if not vals:
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def order_index(value: str, order: tuple[str, ...]) -> int:
    return order.index(value) if value in order else len(order)


def sort_key(key: CaseKey) -> tuple:
    """Catalog order for every axis, then backend, device and n."""
    return (order_index(key.activation, ACTIVATION_ORDER), key.activation,
            order_index(key.direction, DIRECTION_ORDER), order_index(key.dtype, DTYPE_ORDER),
            order_index(key.variant, VARIANT_ORDER), order_index(key.impl, IMPL_ORDER),
            key.backend, key.device, key.n)


def sorted_axis(values, order: tuple[str, ...]) -> list[str]:
    """Values of one axis in catalog order (unknown ones last, alphabetically)."""
    return sorted(values, key=lambda v: (order_index(v, order), v))
