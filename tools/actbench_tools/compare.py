"""actbench-compare: compare reports case by case against the first one (the baseline).

Cases are matched by their axes (activation, direction, dtype, variant, impl, backend) at the
same n; the device *index* is ignored so that device 0 of one machine meets device 0 (or 1) of
another. `--match-across-backends` also ignores the backend (a cpu run against a cuda run).

For every matched case: the throughput ratio B/A (GB/s; with `--normalize copy`, % of each run's
own in-run copy bandwidth), a verdict from the spread of both samples, and the accuracy change.
Exit status: 0 when there is no regression, 1 on a throughput regression past --threshold or an
accuracy regression, 2 when an input is unusable or nothing matches.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .cli_common import (
    EXIT_OK,
    EXIT_REGRESSION,
    UsageError,
    add_reports_argument,
    check_threshold,
    load_with_warnings,
    parser,
    run,
    write_output,
)
from .load import DTYPE_ORDER, Accuracy, CaseKey, Record, Report, format_n, geomean, order_index, sort_key
from .tables import Cell, Table, md_escape, render_md, render_text

PROG = "actbench-compare"
NOISE_K = 2.0  # each side's band: median throughput ×/÷ (1 + NOISE_K · rel_spread)
VERDICTS = ("faster", "same", "slower", "inconclusive", "n/a")


# --------------------------------------------------------------------------------------------
# the library

def match_key(key: CaseKey, across_backends: bool = False) -> tuple:
    """What two cases must share to be compared: every axis but the device index (and the
    backend with `across_backends`); n included, so sizes are never compared across."""
    if across_backends:
        return (key.activation, key.direction, key.dtype, key.variant, key.impl, key.n)
    return (key.activation, key.direction, key.dtype, key.variant, key.impl, key.backend, key.n)


def case_label(key: CaseKey, across_backends: bool = False) -> str:
    parts = [key.activation, key.direction, key.dtype, key.variant, key.impl]
    if not across_backends:
        parts.append(key.backend)
    return "/".join(parts) + f" n={format_n(key.n)}"


@dataclass(frozen=True)
class Measure:
    """A throughput-like figure (higher is faster) and its relative spread."""

    value: float
    rel_spread: float

    @property
    def band(self) -> float:
        return NOISE_K * self.rel_spread

    def interval(self) -> tuple[float, float]:
        return self.value / (1 + self.band), self.value * (1 + self.band)


def measure(rep: Report, rec: Record, normalize: str | None) -> Measure | None:
    """GB/s with the hot timing's spread, or (normalize == "copy") % of this run's copy
    bandwidth with the kernel's and the copy's spreads combined."""
    if rec.hot is None or rec.gbps <= 0:
        return None
    if normalize != "copy":
        return Measure(rec.gbps, rec.hot.rel_spread)
    roof = rep.roofline_entry(rec.key.backend, rec.key.device, rec.key.dtype, rec.key.n, rec.key.impl)
    if roof is None or rec.pct_of_copy_bw <= 0:
        return None
    return Measure(rec.pct_of_copy_bw, math.hypot(rec.hot.rel_spread, roof.copy.rel_spread))


def verdict(a: Measure | None, b: Measure | None, threshold_pct: float) -> str:
    """faster / slower when the two bands do not overlap; where they overlap, 'same' if the
    medians differ by at most the threshold and 'inconclusive' if they differ by more (the
    samples are too noisy to say)."""
    if a is None or b is None:
        return "n/a"
    a_lo, a_hi = a.interval()
    b_lo, b_hi = b.interval()
    if b_lo > a_hi:
        return "faster"
    if b_hi < a_lo:
        return "slower"
    if abs(math.log(b.value / a.value)) <= math.log1p(threshold_pct / 100):
        return "same"
    return "inconclusive"


def noise_pct(a: Measure | None, b: Measure | None) -> float | None:
    """Half-width of the combined band, in percent."""
    if a is None or b is None:
        return None
    return 100 * NOISE_K * math.hypot(a.rel_spread, b.rel_spread)


@dataclass
class CaseComparison:
    base: Record
    other: Record
    ratio: float | None  # B/A of the compared figure (GB/s, or % of copy when normalized)
    verdict: str
    noise_pct: float | None
    regressions: list[str] = field(default_factory=list)  # why this case regressed
    accuracy_note: str = ""  # a readable accuracy change ("" when none)

    @property
    def key(self) -> CaseKey:
        return self.base.key

    @property
    def suspect(self) -> bool:
        return bool(self.base.suspect or self.other.suspect)

    @property
    def change(self) -> float:
        """Size of the change, for sorting (|log ratio|)."""
        return abs(math.log(self.ratio)) if self.ratio else 0.0


@dataclass
class Regression:
    kind: str  # throughput | accuracy
    label: str  # the case (accuracy: the configuration, n listed)
    detail: str


@dataclass
class Comparison:
    baseline: Report
    other: Report
    across_backends: bool
    threshold_pct: float
    normalize: str | None
    cases: list[CaseComparison]
    only_in_baseline: list[CaseKey]
    only_in_other: list[CaseKey]
    regressions: list[Regression]

    def verdict_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for c in self.cases:
            counts[c.verdict] += 1
        return counts

    def plausible(self) -> list[CaseComparison]:
        return [c for c in self.cases if not c.suspect]

    @property
    def geomean_overall(self) -> float | None:
        """Over the cases with no suspect side."""
        return geomean(c.ratio for c in self.plausible())

    @property
    def geomean_all(self) -> float | None:
        return geomean(c.ratio for c in self.cases)

    def by_verdict(self, v: str) -> list[CaseComparison]:
        """The cases with this verdict, largest change first."""
        return sorted((c for c in self.cases if c.verdict == v), key=lambda c: -c.change)


def fmt_ulp(u: float | None) -> str:
    if u is None:
        return "-"
    return f"{u:.3g}" if u >= 1e4 else f"{u:.4g}"


def ulp_text(a: Accuracy) -> str:
    """The deciding max ULP: exact, or '≤ x' when a v1 report's allowance hides it."""
    value, exact = a.deciding()
    return fmt_ulp(value) if exact else f"≤ {fmt_ulp(value)}"


def _accuracy_delta(base: Record, other: Record, threshold_pct: float) -> tuple[list[str], str]:
    """(regressions, note) for the accuracy of one matched case. Textbook variants fail on
    purpose: their changes are notes, never regressions."""
    a, b = base.accuracy, other.accuracy
    if a is None or b is None:
        return [], ""
    changes, notes = [], []
    if base.status == "pass" and other.status == "fail":
        changes.append("pass -> fail (" + ", ".join(b.fail_reasons) + ")")
    elif base.status == "fail" and other.status == "pass":
        notes.append("fail -> pass")
    if b.nonfinite_mismatches > a.nonfinite_mismatches:
        changes.append(f"non-finite mismatches {a.nonfinite_mismatches} -> {b.nonfinite_mismatches}")
    elif b.nonfinite_mismatches < a.nonfinite_mismatches:
        notes.append(f"non-finite mismatches {a.nonfinite_mismatches} -> {b.nonfinite_mismatches}")
    (ua, ea), (ub, eb) = a.deciding(), b.deciding()
    if not (ea and eb):  # a v1 side: compare the overall maxima
        ua, ub = a.max_ulp, b.max_ulp
    if ub > ua * (1 + threshold_pct / 100) and ub - ua >= 1.0:
        changes.append(f"max ULP {fmt_ulp(ua)} -> {fmt_ulp(ub)}")
    elif ub != ua:
        notes.append(f"max ULP {fmt_ulp(ua)} -> {fmt_ulp(ub)}")
    if other.expected_to_fail:
        return [], "; ".join(changes + notes) + (" (textbook: not a regression)" if changes else "")
    return changes, "; ".join(changes + notes)


def compare(baseline: Report, other: Report, *, threshold_pct: float = 5.0, across_backends: bool = False,
            device: int | None = None, normalize: str | None = None) -> Comparison:
    """Compare `other` against `baseline`."""

    def index(rep: Report) -> dict[tuple, Record]:
        out: dict[tuple, Record] = {}
        several = len({k.device for k in rep.records}) > 1
        for key, rec in rep.records.items():
            if device is not None and several and key.device != device:
                continue
            mk = match_key(key, across_backends)
            if mk in out:
                raise UsageError(
                    f"{rep.path}: {case_label(key, across_backends)} was measured on several devices "
                    f"({out[mk].key.backend}:{out[mk].key.device} and {key.backend}:{key.device}); "
                    "pick one with --device N")
            out[mk] = rec
        return out

    ia, ib = index(baseline), index(other)
    cases = []
    for mk in sorted(set(ia) & set(ib), key=lambda m: sort_key(ia[m].key)):
        ra, rb = ia[mk], ib[mk]
        ma, mb = measure(baseline, ra, normalize), measure(other, rb, normalize)
        ratio = mb.value / ma.value if ma and mb else None
        v = verdict(ma, mb, threshold_pct)
        if normalize and (ra.suspect or rb.suspect) and v != "n/a":
            v = "inconclusive"  # the ratio to the copy is what is in doubt
        regs = []
        if v == "slower" and ratio is not None and (1 - ratio) * 100 > threshold_pct:
            what = "% of copy" if normalize else "GB/s"
            a_val, b_val = (ra.pct_of_copy_bw, rb.pct_of_copy_bw) if normalize else (ra.gbps, rb.gbps)
            regs.append(f"throughput {a_val:.4g} -> {b_val:.4g} {what} ({(ratio - 1) * 100:+.1f}%)")
        acc_regs, acc_note = _accuracy_delta(ra, rb, threshold_pct)
        cases.append(CaseComparison(ra, rb, ratio, v, noise_pct(ma, mb), regs + acc_regs, acc_note))

    only_a = sorted((ia[m].key for m in set(ia) - set(ib)), key=sort_key)
    only_b = sorted((ib[m].key for m in set(ib) - set(ia)), key=sort_key)

    regressions: list[Regression] = []
    acc_groups: dict[tuple, list[int]] = {}
    for c in sorted(cases, key=lambda c: c.ratio if c.ratio is not None else math.inf):  # largest drop first
        for r in c.regressions:
            if r.startswith("throughput"):
                regressions.append(Regression("throughput", case_label(c.key, across_backends), r))
            else:  # the same accuracy record repeats at every n: one line per configuration
                k = c.key
                cfg = (k.activation, k.direction, k.dtype, k.variant, k.impl,
                       "" if across_backends else k.backend, r)
                acc_groups.setdefault(cfg, []).append(k.n)
    for (act, d, dt, v, impl, be, r), ns in acc_groups.items():
        label = "/".join(x for x in (act, d, dt, v, impl, be) if x)
        regressions.append(Regression("accuracy", f"{label} n={','.join(format_n(n) for n in ns)}", r))

    return Comparison(baseline, other, across_backends, threshold_pct, normalize, cases, only_a, only_b,
                      regressions)


# --------------------------------------------------------------------------------------------
# tables

def fmt_ratio(r: float | None) -> str:
    if r is None:
        return "-"
    return f"{r:.3f}x" if 0.1 <= r < 1000 else f"{r:.3g}x"


def fmt_noise(p: float | None) -> str:
    if p is None:
        return "-"
    return ">±100%" if p > 100 else f"±{p:.1f}%"


def _figure(rec: Record, normalize: str | None) -> str:
    return f"{rec.pct_of_copy_bw:.1f}%" if normalize else f"{rec.gbps:.4g}"


def _flag(rec: Record) -> str:
    return " !" if rec.suspect else ""


def case_table(cmp: Comparison, cases: list[CaseComparison], caption: str = "") -> Table:
    what = "% copy" if cmp.normalize else "GB/s"
    header = ["case", f"A {what}", f"B {what}", "B/A", "verdict", "noise", "A status", "B status",
              "A max ULP", "B max ULP", "accuracy change"]
    rows: list[list[Cell | str]] = []
    for c in cases:
        acc_a, acc_b = c.base.accuracy, c.other.accuracy
        v = c.verdict + (" REGRESSION" if c.regressions else "")
        rows.append([case_label(c.key, cmp.across_backends),
                     Cell(_figure(c.base, cmp.normalize) + _flag(c.base), "suspect" if c.base.suspect else "",
                          title="; ".join(c.base.suspect)),
                     Cell(_figure(c.other, cmp.normalize) + _flag(c.other), "suspect" if c.other.suspect else "",
                          title="; ".join(c.other.suspect)),
                     Cell(fmt_ratio(c.ratio), sort=c.ratio),
                     Cell(v, "fail" if c.regressions else ""), Cell(fmt_noise(c.noise_pct), sort=c.noise_pct),
                     c.base.status, c.other.status,
                     ulp_text(acc_a) if acc_a else "-", ulp_text(acc_b) if acc_b else "-",
                     c.accuracy_note or "-"])
    return Table(header, rows, caption)


def case_rows(cmp: Comparison, changed_only: bool = False) -> list[CaseComparison]:
    if not changed_only:
        return cmp.cases
    return [c for c in cmp.cases if c.verdict not in ("same", "n/a") or c.accuracy_note or c.regressions]


def geomean_table(cmp: Comparison) -> Table:
    """Geomean ratio B/A per activation × dtype, over the cases with no suspect side."""
    plausible = cmp.plausible()
    dtypes = sorted({c.key.dtype for c in cmp.cases}, key=lambda d: order_index(d, DTYPE_ORDER))
    acts: list[str] = []
    for c in cmp.cases:
        if c.key.activation not in acts:
            acts.append(c.key.activation)
    rows: list[Sequence[Cell | str]] = []
    for act in acts:
        rows.append([act] + [fmt_ratio(geomean(c.ratio for c in plausible
                                               if c.key.activation == act and c.key.dtype == dt))
                             for dt in dtypes]
                    + [fmt_ratio(geomean(c.ratio for c in plausible if c.key.activation == act))])
    rows.append(["all activations"] + [fmt_ratio(geomean(c.ratio for c in plausible if c.key.dtype == dt))
                                       for dt in dtypes] + [fmt_ratio(cmp.geomean_overall)])
    return Table(["activation"] + dtypes + ["all dtypes"], rows)


def summary_lines(cmp: Comparison) -> list[str]:
    vc = cmp.verdict_counts()
    n_tp = sum(1 for r in cmp.regressions if r.kind == "throughput")
    n_acc = sum(1 for r in cmp.regressions if r.kind == "accuracy")
    sa = sum(1 for c in cmp.cases if c.base.suspect)
    sb = sum(1 for c in cmp.cases if c.other.suspect)
    figure = "% of each run's own in-run copy bandwidth" if cmp.normalize else "GB/s"
    lines = [
        f"matched cases (same n): {len(cmp.cases)}; only in A (baseline): {len(cmp.only_in_baseline)}; "
        f"only in B: {len(cmp.only_in_other)}",
        f"compared: {figure}; verdicts (B against A): faster {vc['faster']}, same {vc['same']}, "
        f"slower {vc['slower']}, inconclusive {vc['inconclusive']}" + (f", n/a {vc['n/a']}" if vc["n/a"] else ""),
        f"regressions (threshold {cmp.threshold_pct:g}%): throughput {n_tp}, accuracy {n_acc}",
        f"geomean ratio B/A: {fmt_ratio(cmp.geomean_overall)} over the {len(cmp.plausible())} cases with "
        f"plausible timings on both sides ({fmt_ratio(cmp.geomean_all)} over all {len(cmp.cases)})",
    ]
    if sa or sb:
        lines.append(f"suspect timings (marked '!'; left out of the geomeans): {sa} matched cases in A, {sb} in B")
    return lines


def _unmatched_lines(keys: list[CaseKey], across: bool, limit: int | None) -> list[str]:
    shown = keys if limit is None else keys[:limit]
    lines = [case_label(k, across) + f" ({k.backend}:{k.device})" for k in shown]
    if limit is not None and len(keys) > limit:
        lines.append(f"... and {len(keys) - limit} more (use --format json for all)")
    return lines


VERDICT_EXPLANATION = (
    "Verdicts: each side's band is its median ×/÷ (1 + 2·rel_spread) of the hot timing (with --normalize "
    "copy, the kernel's and the copy's spreads combined). Bands apart: faster or slower. Bands "
    "overlapping: 'same' when the medians differ by at most --threshold, else 'inconclusive' (too "
    "noisy to tell). 'noise' is the combined band. A throughput regression is a 'slower' case that "
    "lost more than --threshold percent. An accuracy regression (not for textbook variants, which fail "
    "on purpose) is pass -> fail, more non-finite mismatches, or a deciding max ULP that grew by more "
    "than --threshold percent and at least 1 ULP.")


def _sections(cmp: Comparison, limit: int | None) -> list[tuple[str, list[CaseComparison]]]:
    out = []
    for v, title in (("slower", "slower"), ("faster", "faster"), ("inconclusive", "inconclusive")):
        cases = cmp.by_verdict(v)
        if cases:
            shown = cases if limit is None else cases[:limit]
            more = f", the {len(shown)} largest" if len(shown) < len(cases) else ""
            out.append((f"{title}: {len(cases)} cases, largest change first{more}", shown))
    return out


def format_text(cmps: list[Comparison], changed_only: bool, limit: int | None) -> str:
    out = []
    base = cmps[0].baseline
    out.append(f"A (baseline): {base.path}  [{base.label}]")
    for i, cmp in enumerate(cmps):
        tag = "B" if len(cmps) == 1 else f"B{i + 1}"
        out += ["", f"=== {tag}: {cmp.other.path}  [{cmp.other.label}]  against A ==="]
        out += summary_lines(cmp)
        out.append("")
        if cmp.regressions:
            out.append("REGRESSIONS:")
            out += [f"  [{r.kind}] {r.label}: {r.detail}" for r in cmp.regressions]
        else:
            out.append("no regressions")
        for title, cases in _sections(cmp, limit):
            out += ["", title + ":", render_text(case_table(cmp, cases))]
        out += ["", "geomean ratio B/A per activation x dtype (plausible cases):"]
        out.append(render_text(geomean_table(cmp)) if cmp.plausible() else
                   "  none: no matched case has plausible timings on both sides")
        for title, keys in (("only in A (not compared)", cmp.only_in_baseline),
                            ("only in B (not compared)", cmp.only_in_other)):
            if keys:
                out += ["", f"{title}: {len(keys)}"]
                out += ["  " + s for s in _unmatched_lines(keys, cmp.across_backends, limit)]
        rows = case_rows(cmp, changed_only)
        out += ["", f"cases{' (changed only)' if changed_only else ''}: {len(rows)}",
                render_text(case_table(cmp, rows))]
    return "\n".join(out) + "\n"


def format_markdown(cmps: list[Comparison], changed_only: bool, limit: int | None) -> str:
    out = []
    base = cmps[0].baseline
    any_reg = any(c.regressions for c in cmps)
    out += ["## actbench comparison" + (" — REGRESSIONS" if any_reg else ""), ""]
    out.append(f"**A (baseline):** `{base.path.name}` — {md_escape(base.label)}")
    for i, cmp in enumerate(cmps):
        tag = "B" if len(cmps) == 1 else f"B{i + 1}"
        out += ["", f"### {tag}: `{cmp.other.path.name}` — {md_escape(cmp.other.label)}", ""]
        out += [f"- {s}" for s in summary_lines(cmp)]
        out.append("")
        if cmp.regressions:
            many = len(cmp.regressions) > 20
            out += [f"**Regressions ({len(cmp.regressions)}):**", ""]
            if many:  # collapsible but open: a CI summary stays readable
                out += ["<details open><summary>regressed cases</summary>", ""]
            out.append(render_md(Table(["kind", "case", "change"],
                                       [[r.kind, r.label, r.detail] for r in cmp.regressions])))
            if many:
                out += ["", "</details>"]
        else:
            out.append("No regressions.")
        for title, cases in _sections(cmp, limit):
            out += ["", f"<details><summary>{title}</summary>", "", render_md(case_table(cmp, cases)), "",
                    "</details>"]
        out += ["", "Geomean ratio B/A (higher is faster; cases with plausible timings on both sides):", "",
                render_md(geomean_table(cmp)) if cmp.plausible()
                else "None: no matched case has plausible timings on both sides."]
        for title, keys in (("Only in A (not compared)", cmp.only_in_baseline),
                            ("Only in B (not compared)", cmp.only_in_other)):
            if keys:
                out += ["", f"<details><summary>{title}: {len(keys)}</summary>", ""]
                out += [f"- `{s}`" for s in _unmatched_lines(keys, cmp.across_backends, limit)]
                out += ["", "</details>"]
        rows = case_rows(cmp, changed_only)
        out += ["", f"<details><summary>{'Changed' if changed_only else 'All'} cases: {len(rows)}</summary>", "",
                render_md(case_table(cmp, rows)), "", "</details>"]
    return "\n".join(out) + "\n"


def _case_json(c: CaseComparison, normalize: str | None) -> dict:
    def side(rec: Record) -> dict:
        a = rec.accuracy
        acc = None if a is None else {
            "max_ulp": a.max_ulp, "max_ulp_deciding": a.max_ulp_deciding,
            "nonfinite_mismatches": a.nonfinite_mismatches, "pass": a.passed,
            "fail_reasons": list(a.fail_reasons)}
        return {"backend": rec.key.backend, "device": rec.key.device, "gbps": rec.gbps,
                "pct_of_copy_bw": rec.pct_of_copy_bw, "status": rec.status, "suspect": list(rec.suspect),
                "accuracy": acc}
    k = c.key
    return {"activation": k.activation, "direction": k.direction, "dtype": k.dtype, "variant": k.variant,
            "impl": k.impl, "n": k.n, "a": side(c.base), "b": side(c.other),
            "ratio": c.ratio, "verdict": c.verdict, "noise_pct": c.noise_pct,
            "regressions": c.regressions, "accuracy_change": c.accuracy_note or None}


def _key_json(k: CaseKey) -> dict:
    return {a: getattr(k, a) for a in ("activation", "direction", "dtype", "variant", "impl", "backend",
                                         "device", "n")}


def _geomeans_json(cmp: Comparison) -> list[dict]:
    plausible = cmp.plausible()
    groups: dict[tuple[str, str], list[float | None]] = {}
    for c in plausible:
        groups.setdefault((c.key.activation, c.key.dtype), []).append(c.ratio)
    return [{"activation": a, "dtype": d, "ratio": geomean(v)} for (a, d), v in groups.items()]


def to_json(cmps: list[Comparison]) -> dict:
    base = cmps[0].baseline
    return {
        "tool": PROG, "version": __version__,
        "baseline": {"path": str(base.path), "label": base.label},
        "regression": any(c.regressions for c in cmps),
        "comparisons": [{
            "other": {"path": str(c.other.path), "label": c.other.label},
            "threshold_pct": c.threshold_pct, "match_across_backends": c.across_backends,
            "normalize": c.normalize,
            "matched": len(c.cases), "verdicts": c.verdict_counts(),
            "geomean_ratio": c.geomean_overall, "geomean_ratio_all": c.geomean_all,
            "plausible_cases": len(c.plausible()),
            "geomean_ratio_by_activation_dtype": _geomeans_json(c),
            "regressions": [{"kind": r.kind, "case": r.label, "change": r.detail} for r in c.regressions],
            "slower": [case_label(x.key, c.across_backends) for x in c.by_verdict("slower")],
            "faster": [case_label(x.key, c.across_backends) for x in c.by_verdict("faster")],
            "inconclusive": [case_label(x.key, c.across_backends) for x in c.by_verdict("inconclusive")],
            "only_in_baseline": [_key_json(k) for k in c.only_in_baseline],
            "only_in_other": [_key_json(k) for k in c.only_in_other],
            "cases": [_case_json(x, c.normalize) for x in c.cases],
        } for c in cmps],
    }


# --------------------------------------------------------------------------------------------
# the CLI

def build_parser():
    ap = parser(PROG, __doc__ + "\n\n" + VERDICT_EXPLANATION)
    add_reports_argument(ap, "two or more reports; the first is the baseline (A)")
    ap.add_argument("--threshold", type=float, default=5.0, metavar="PCT",
                    help="throughput drop (and max ULP growth) in percent that counts as a regression, and "
                         "the change below which overlapping samples are 'same' (default: %(default)s)")
    ap.add_argument("--normalize", choices=("copy",),
                    help="copy: compare each case's %% of its own run's in-run copy bandwidth (machine-relative "
                         "ratios) instead of GB/s")
    ap.add_argument("--match-across-backends", action="store_true",
                    help="match cases whatever their backend (compare a cpu run with a cuda run)")
    ap.add_argument("--device", type=int, metavar="N",
                    help="in a report that holds several devices, only the cases on device index N")
    ap.add_argument("--format", choices=("table", "md", "json"), default="table",
                    help="output format (default: %(default)s)")
    ap.add_argument("--changed-only", action="store_true",
                    help="list only cases whose verdict is not 'same' or whose accuracy changed")
    ap.add_argument("--fail-on-inconclusive", action="store_true",
                    help="exit 1 also when a case is 'inconclusive' (strict CI gates)")
    ap.add_argument("--max-listed", type=int, default=20, metavar="K",
                    help="list at most K cases per verdict and K unmatched cases per side in table/md output "
                         "(default: %(default)s; 0: all)")
    ap.add_argument("--side-by-side", action="store_true",
                    help="instead of comparing with the first report: actbench, thrust, cuDNN and framework peers "
                         "(actbench-peers) of one machine side by side, GB/s, %% of copy and max ULP per activation "
                         "x dtype x direction (one report or more)")
    ap.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.side_by_side:
        from . import peers_table

        reports = load_with_warnings(PROG, args.reports)
        fmt = {"table": "text", "md": "md", "json": None}[args.format]
        if fmt is None:
            raise UsageError("--side-by-side writes a table (--format table or md)")
        write_output(args.output, peers_table.render(reports, fmt))
        return EXIT_OK
    if len(args.reports) < 2:
        raise UsageError("need at least two reports: the baseline and one to compare")
    check_threshold(args.threshold)
    if args.max_listed < 0:
        raise UsageError(f"--max-listed must be 0 or more, got {args.max_listed}")
    reports = load_with_warnings(PROG, args.reports)
    cmps = [compare(reports[0], other, threshold_pct=args.threshold, across_backends=args.match_across_backends,
                    device=args.device, normalize=args.normalize)
            for other in reports[1:]]
    for c in cmps:
        if not c.cases:
            hint = ("" if c.across_backends or c.baseline.backend == c.other.backend
                    else f" (backends differ: {c.baseline.backend} vs {c.other.backend}; "
                         "try --match-across-backends)")
            sizes_a = sorted({k.n for k in c.baseline.records})
            sizes_b = sorted({k.n for k in c.other.records})
            if not hint and not set(sizes_a) & set(sizes_b):
                hint = (f" (no common n: {', '.join(map(format_n, sizes_a[:4]))} vs "
                        f"{', '.join(map(format_n, sizes_b[:4]))}; cases are compared at the same n only)")
            raise UsageError(f"{c.other.path}: no case matches the baseline {c.baseline.path}{hint}; "
                             "nothing was compared")
    limit = None if args.max_listed == 0 else args.max_listed
    if args.format == "json":
        text = json.dumps(to_json(cmps), indent=1, allow_nan=False) + "\n"
    elif args.format == "md":
        text = format_markdown(cmps, args.changed_only, limit)
    else:
        text = format_text(cmps, args.changed_only, limit)
    write_output(args.output, text)
    failed = any(c.regressions for c in cmps)
    if args.fail_on_inconclusive:
        failed |= any(c.verdict_counts()["inconclusive"] for c in cmps)
    return EXIT_REGRESSION if failed else EXIT_OK


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
