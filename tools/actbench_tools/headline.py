"""The headline of a report: what a reader needs first, per machine and dtype.

For each (report, backend, device, dtype): the in-run copy bandwidth at the largest n, the median
and best % of copy of actbench's precise kernels at that n (suspect records left out and
counted), the worst precise ULP error (the figure the verdict rests on), and the precise/fast
failures listed apart from the intended textbook ones.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .compare import fmt_ulp
from .load import DTYPE_ORDER, Accuracy, CaseKey, Record, Report, order_index, sort_key


@dataclass
class Failure:
    """One failing configuration (every n of it), with the record of its worst size."""

    key: CaseKey  # the n is the first failing size
    ns: list[int]
    record: Record

    @property
    def label(self) -> str:
        k = self.key
        return f"{k.activation}/{k.direction}/{k.dtype}/{k.variant}/{k.impl}"


@dataclass
class DtypeHeadline:
    backend: str
    device: int
    dtype: str
    n: int | None  # the largest n of actbench's precise kernels
    copy_gbps: float | None
    copy_spread: float | None
    copy_suspect: tuple[str, ...]
    kernels: list[Record]  # actbench precise at n, plausible
    left_out: list[Record]  # actbench precise at n, suspect
    worst: Record | None  # precise, largest deciding ULP
    failures: list[Failure] = field(default_factory=list)  # precise/fast
    expected_failures: list[Failure] = field(default_factory=list)  # textbook (intended)

    @property
    def median_pct(self) -> float | None:
        return statistics.median(r.pct_of_copy_bw for r in self.kernels) if self.kernels else None

    @property
    def median_gbps(self) -> float | None:
        return statistics.median(r.gbps for r in self.kernels) if self.kernels else None

    @property
    def best(self) -> Record | None:
        return max(self.kernels, key=lambda r: r.pct_of_copy_bw) if self.kernels else None


def failures(records: list[Record]) -> tuple[list[Failure], list[Failure]]:
    """(precise/fast failures, intended textbook failures), one entry per configuration."""
    groups: dict[tuple, Failure] = {}
    for r in sorted(records, key=lambda r: sort_key(r.key)):
        if r.status != "fail":
            continue
        g = groups.get(r.key.config)
        if g is None:
            groups[r.key.config] = Failure(r.key, [r.key.n], r)
            continue
        g.ns.append(r.key.n)
        if r.accuracy and g.record.accuracy and deciding_ulp(r.accuracy) > deciding_ulp(g.record.accuracy):
            g.record = r
    real = [g for g in groups.values() if not g.record.expected_to_fail]
    expected = [g for g in groups.values() if g.record.expected_to_fail]
    return real, expected


def reasons_text(a: Accuracy) -> str:
    """Why a case fails, with the bounds used ("" when it passes)."""
    out = []
    for r in a.fail_reasons:
        if r == "out_of_bound":
            abs_part = f" or abs {a.bound_abs:.3g}" if a.bound_abs else ""
            out.append(f"{a.out_of_bound} over the bound ({fmt_ulp(a.bound_ulp)} ulp{abs_part})")
        elif r == "nonfinite_mismatch":
            out.append(f"{a.nonfinite_mismatches} non-finite mismatches")
        elif r == "signed_zero_mismatch":
            out.append(f"{a.signed_zero_mismatches} signed-zero mismatches")
        elif r == "flushed_subnormal":
            out.append(f"{a.flushed_subnormals} subnormal results flushed to zero")
        else:
            out.append(r)
    return "; ".join(out)


def deciding_ulp(a: Accuracy) -> float:
    return a.deciding()[0]


def headline(rep: Report) -> list[DtypeHeadline]:
    out = []
    places = sorted({(k.backend, k.device, k.dtype) for k in rep.records},
                    key=lambda p: (p[0], p[1], order_index(p[2], DTYPE_ORDER)))
    for backend, device, dtype in places:
        recs = [r for r in rep.records.values()
                if (r.key.backend, r.key.device, r.key.dtype) == (backend, device, dtype)]
        precise = [r for r in recs if r.key.variant == "precise"]
        ours = [r for r in precise if r.key.impl == "actbench"]
        n = max((r.key.n for r in ours), default=None)
        at_n = [r for r in ours if r.key.n == n]
        roof = rep.roofline_entry(backend, device, dtype, n) if n is not None else None
        checked = [(r, r.accuracy) for r in precise if r.accuracy is not None]
        worst = max(checked, key=lambda ra: (deciding_ulp(ra[1]), ra[1].max_ulp))[0] if checked else None
        real, expected = failures(recs)
        out.append(DtypeHeadline(
            backend, device, dtype, n,
            None if roof is None else roof.copy_gbps,
            None if roof is None else roof.copy.rel_spread,
            () if roof is None else roof.suspect,
            [r for r in at_n if not r.suspect], [r for r in at_n if r.suspect], worst, real, expected))
    return out
