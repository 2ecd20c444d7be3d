"""actbench-compare: compare reports case by case against the first one (the baseline).

Cases are matched by their axes (activation, direction, dtype, variant, impl, backend, n); the
device *index* is ignored so that device 0 of one machine meets device 0 (or 1) of another.
`--match-across-backends` also ignores the backend (a cpu run against a cuda run).

For every matched case: throughput ratio (GB/s of the other report / baseline), %-of-copy
bandwidth of both, a noise-aware verdict, and the accuracy change. Exit status: 0 when there
is no regression, 1 on a throughput regression past --threshold or any accuracy regression,
2 when an input is unusable.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .cli_common import EXIT_OK, EXIT_REGRESSION, UsageError, run, warn
from .load import (DIRECTION_ORDER, DTYPE_ORDER, IMPL_ORDER, VARIANT_ORDER, CaseKey, Record, Report,
                   Stats, format_n, geomean, load_reports, order_index, warnings_for)

PROG = "actbench-compare"
NOISE_K = 2.0  # a change within NOISE_K combined relative spreads is noise


# --------------------------------------------------------------------------------------------
# the library

def match_key(key: CaseKey, across_backends: bool = False) -> tuple:
    """What two cases must share to be compared: every axis but the device index
    (and the backend with `across_backends`)."""
    if across_backends:
        return (key.activation, key.direction, key.dtype, key.variant, key.impl, key.n)
    return (key.activation, key.direction, key.dtype, key.variant, key.impl, key.backend, key.n)


def sort_key(key: CaseKey) -> tuple:
    return (key.activation, order_index(key.direction, DIRECTION_ORDER),
            order_index(key.dtype, DTYPE_ORDER), order_index(key.variant, VARIANT_ORDER),
            order_index(key.impl, IMPL_ORDER), key.backend, key.device, key.n)


def case_label(key: CaseKey, across_backends: bool = False) -> str:
    parts = [key.activation, key.direction, key.dtype, key.variant, key.impl]
    if not across_backends:
        parts.append(key.backend)
    return "/".join(parts) + f" n={format_n(key.n)}"


def noise_verdict(a: Stats | None, b: Stats | None) -> tuple[str, float | None]:
    """'same', 'faster' or 'slower' (b against a), and the noise band in percent.

    A change is noise ("same") when the medians differ by no more than NOISE_K times the
    combined relative spread (stddev/mean of both sides), or when the measured ranges overlap:
    the slower side's fastest sample (min) is no slower than the faster side's median.
    """
    if a is None or b is None or a.median_ns <= 0 or b.median_ns <= 0:
        return "n/a", None
    band = NOISE_K * math.hypot(a.rel_spread, b.rel_spread)
    change = b.median_ns / a.median_ns - 1.0
    if abs(math.log(b.median_ns / a.median_ns)) <= math.log1p(band):
        return "same", 100 * band
    if change > 0:  # b slower
        return ("same" if b.min_ns <= a.median_ns else "slower"), 100 * band
    return ("same" if a.min_ns <= b.median_ns else "faster"), 100 * band


@dataclass
class CaseComparison:
    base: Record
    other: Record
    ratio: float | None  # other GB/s / baseline GB/s
    verdict: str  # same | faster | slower | n/a
    noise_pct: float | None
    regressions: list[str] = field(default_factory=list)  # why this case regressed
    accuracy_note: str = ""  # a readable accuracy change ("" when none)

    @property
    def key(self) -> CaseKey:
        return self.base.key


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
    cases: list[CaseComparison]
    only_in_baseline: list[CaseKey]
    only_in_other: list[CaseKey]
    geomean_by_act_dtype: dict[tuple[str, str], float]
    geomean_overall: float | None
    regressions: list[Regression]

    def verdict_counts(self) -> dict[str, int]:
        counts = {"faster": 0, "same": 0, "slower": 0, "n/a": 0}
        for c in self.cases:
            counts[c.verdict] += 1
        return counts


def _accuracy_delta(base: Record, other: Record, threshold_pct: float) -> tuple[list[str], str]:
    """(regressions, note) for the accuracy of one matched case."""
    a, b = base.accuracy, other.accuracy
    if a is None or b is None:
        return [], ""
    regs, notes = [], []
    if base.status == "pass" and other.status == "fail":
        regs.append("pass -> fail")
    elif base.status == "fail" and other.status == "pass":
        notes.append("fail -> pass")
    if b.nonfinite_mismatches > a.nonfinite_mismatches:
        regs.append(f"non-finite mismatches {a.nonfinite_mismatches} -> {b.nonfinite_mismatches}")
    elif b.nonfinite_mismatches < a.nonfinite_mismatches:
        notes.append(f"non-finite mismatches {a.nonfinite_mismatches} -> {b.nonfinite_mismatches}")
    # max ULP: a growth past the threshold that is also at least one whole ULP
    if b.max_ulp > a.max_ulp * (1 + threshold_pct / 100) and b.max_ulp - a.max_ulp >= 1.0:
        regs.append(f"max ULP {fmt_ulp(a.max_ulp)} -> {fmt_ulp(b.max_ulp)}")
    elif b.max_ulp != a.max_ulp:
        notes.append(f"max ULP {fmt_ulp(a.max_ulp)} -> {fmt_ulp(b.max_ulp)}")
    return regs, "; ".join(regs + notes)


def compare(baseline: Report, other: Report, *, threshold_pct: float = 5.0,
            across_backends: bool = False, device: int | None = None) -> Comparison:
    """Compare `other` against `baseline`."""

    def index(rep: Report) -> dict[tuple, Record]:
        out: dict[tuple, Record] = {}
        for key, rec in rep.records.items():
            if device is not None and key.device != device:
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
        ratio = rb.gbps / ra.gbps if ra.gbps > 0 and rb.gbps > 0 else None
        verdict, noise = noise_verdict(ra.hot, rb.hot)
        regs = []
        if verdict == "slower" and ratio is not None and (1 - ratio) * 100 > threshold_pct:
            regs.append(f"throughput {ra.gbps:.4g} -> {rb.gbps:.4g} GB/s ({(ratio - 1) * 100:+.1f}%)")
        acc_regs, acc_note = _accuracy_delta(ra, rb, threshold_pct)
        cases.append(CaseComparison(ra, rb, ratio, verdict, noise, regs + acc_regs, acc_note))

    only_a = sorted((ia[m].key for m in set(ia) - set(ib)), key=sort_key)
    only_b = sorted((ib[m].key for m in set(ib) - set(ia)), key=sort_key)

    groups: dict[tuple[str, str], list[float]] = {}
    for c in cases:
        if c.ratio is not None:
            groups.setdefault((c.key.activation, c.key.dtype), []).append(c.ratio)
    gm = {k: geomean(v) for k, v in sorted(groups.items(), key=lambda kv: (kv[0][0], order_index(kv[0][1], DTYPE_ORDER)))}
    overall = geomean(c.ratio for c in cases)

    regressions: list[Regression] = []
    acc_groups: dict[tuple, list[int]] = {}
    for c in cases:
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

    return Comparison(baseline, other, across_backends, threshold_pct, cases, only_a, only_b, gm,
                      overall, regressions)


# --------------------------------------------------------------------------------------------
# formatting

def fmt_ulp(u: float | None) -> str:
    if u is None:
        return "-"
    if u >= 1e4:
        return f"{u:.3g}"
    return f"{u:.4g}"


def fmt_ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.3f}x"


def _cell_acc(rec: Record) -> tuple[str, str, str]:
    a = rec.accuracy
    if a is None:
        return rec.status, "-", "-"
    return rec.status, fmt_ulp(a.max_ulp), str(a.nonfinite_mismatches)


CASE_HEADER = ["case", "A GB/s", "B GB/s", "B/A", "A %copy", "B %copy", "verdict", "noise ±%",
               "A status", "B status", "A max ULP", "B max ULP", "A nonfinite", "B nonfinite", "accuracy change"]


def case_rows(cmp: Comparison, changed_only: bool = False) -> list[list[str]]:
    rows = []
    for c in cmp.cases:
        if changed_only and c.verdict in ("same", "n/a") and not c.accuracy_note and not c.regressions:
            continue
        sa, ua, na = _cell_acc(c.base)
        sb, ub, nb = _cell_acc(c.other)
        verdict = c.verdict + (" REGRESSION" if c.regressions else "")
        rows.append([case_label(c.key, cmp.across_backends), f"{c.base.gbps:.4g}", f"{c.other.gbps:.4g}",
                     fmt_ratio(c.ratio), f"{c.base.pct_of_copy_bw:.1f}", f"{c.other.pct_of_copy_bw:.1f}",
                     verdict, "-" if c.noise_pct is None else f"{c.noise_pct:.1f}",
                     sa, sb, ua, ub, na, nb, c.accuracy_note or "-"])
    return rows


def geomean_table(cmp: Comparison) -> tuple[list[str], list[list[str]]]:
    dtypes = sorted({dt for _, dt in cmp.geomean_by_act_dtype}, key=lambda d: order_index(d, DTYPE_ORDER))
    acts = sorted({a for a, _ in cmp.geomean_by_act_dtype})
    header = ["activation"] + dtypes + ["all dtypes"]
    rows = []
    for act in acts:
        vals = [c.ratio for c in cmp.cases if c.key.activation == act]
        rows.append([act] + [fmt_ratio(cmp.geomean_by_act_dtype.get((act, dt))) for dt in dtypes]
                    + [fmt_ratio(geomean(vals))])
    rows.append(["all activations"] + [fmt_ratio(geomean(c.ratio for c in cmp.cases if c.key.dtype == dt))
                                       for dt in dtypes] + [fmt_ratio(cmp.geomean_overall)])
    return header, rows


def text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    def line(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def md_escape(s: str) -> str:
    return str(s).replace("|", "\\|")


def md_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(md_escape(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _summary_lines(cmp: Comparison) -> list[str]:
    vc = cmp.verdict_counts()
    n_tp = sum(1 for r in cmp.regressions if r.kind == "throughput")
    n_acc = sum(1 for r in cmp.regressions if r.kind == "accuracy")
    return [
        f"matched cases: {len(cmp.cases)}; only in A (baseline): {len(cmp.only_in_baseline)}; "
        f"only in B: {len(cmp.only_in_other)}",
        f"verdicts (B against A, noise-aware): faster {vc['faster']}, same {vc['same']}, "
        f"slower {vc['slower']}" + (f", n/a {vc['n/a']}" if vc["n/a"] else ""),
        f"regressions (threshold {cmp.threshold_pct:g}%): throughput {n_tp}, accuracy {n_acc}",
        f"geomean throughput ratio B/A over all matched cases: {fmt_ratio(cmp.geomean_overall)}",
    ]


def _unmatched_lines(keys: list[CaseKey], across: bool, limit: int | None) -> list[str]:
    shown = keys if limit is None else keys[:limit]
    lines = [case_label(k, across) + f" ({k.backend}:{k.device})" for k in shown]
    if limit is not None and len(keys) > limit:
        lines.append(f"... and {len(keys) - limit} more (use --format json for all)")
    return lines


def format_text(cmps: list[Comparison], changed_only: bool, limit: int | None) -> str:
    out = []
    base = cmps[0].baseline
    out.append(f"A (baseline): {base.path}  [{base.label}]")
    for i, cmp in enumerate(cmps):
        tag = "B" if len(cmps) == 1 else f"B{i + 1}"
        out.append("")
        out.append(f"=== {tag}: {cmp.other.path}  [{cmp.other.label}]  against A ===")
        out += _summary_lines(cmp)
        out.append("")
        out.append("geomean throughput ratio B/A per activation x dtype:")
        out.append(text_table(*geomean_table(cmp)))
        out.append("")
        if cmp.regressions:
            out.append("REGRESSIONS:")
            out += [f"  [{r.kind}] {r.label}: {r.detail}" for r in cmp.regressions]
        else:
            out.append("no regressions")
        for title, keys in (("only in A (not compared)", cmp.only_in_baseline),
                            ("only in B (not compared)", cmp.only_in_other)):
            if keys:
                out.append("")
                out.append(f"{title}: {len(keys)}")
                out += ["  " + s for s in _unmatched_lines(keys, cmp.across_backends, limit)]
        out.append("")
        rows = case_rows(cmp, changed_only)
        out.append(f"cases{' (changed only)' if changed_only else ''}: {len(rows)}")
        out.append(text_table(CASE_HEADER, rows))
    return "\n".join(out) + "\n"


def format_markdown(cmps: list[Comparison], changed_only: bool, limit: int | None) -> str:
    out = []
    base = cmps[0].baseline
    any_reg = any(c.regressions for c in cmps)
    out.append("## actbench comparison" + (" — REGRESSIONS" if any_reg else ""))
    out.append("")
    out.append(f"**A (baseline):** `{base.path.name}` — {md_escape(base.label)}")
    for i, cmp in enumerate(cmps):
        tag = "B" if len(cmps) == 1 else f"B{i + 1}"
        out.append("")
        out.append(f"### {tag}: `{cmp.other.path.name}` — {md_escape(cmp.other.label)}")
        out.append("")
        out += [f"- {s}" for s in _summary_lines(cmp)]
        out.append("")
        out.append("Geomean throughput ratio B/A (higher is faster):")
        out.append("")
        out.append(md_table(*geomean_table(cmp)))
        out.append("")
        if cmp.regressions:
            many = len(cmp.regressions) > 20
            out.append(f"**Regressions ({len(cmp.regressions)}):**")
            out.append("")
            if many:  # collapsible but open: a CI summary stays readable
                out += ["<details open><summary>regressed cases</summary>", ""]
            out.append(md_table(["kind", "case", "change"],
                                [[r.kind, r.label, r.detail] for r in cmp.regressions]))
            if many:
                out += ["", "</details>"]
        else:
            out.append("No regressions.")
        for title, keys in (("Only in A (not compared)", cmp.only_in_baseline),
                            ("Only in B (not compared)", cmp.only_in_other)):
            if keys:
                out.append("")
                out.append(f"<details><summary>{title}: {len(keys)}</summary>")
                out.append("")
                out += [f"- `{s}`" for s in _unmatched_lines(keys, cmp.across_backends, limit)]
                out.append("")
                out.append("</details>")
        rows = case_rows(cmp, changed_only)
        out.append("")
        out.append(f"<details><summary>{'Changed' if changed_only else 'All'} cases: {len(rows)}</summary>")
        out.append("")
        out.append(md_table(CASE_HEADER, rows))
        out.append("")
        out.append("</details>")
    return "\n".join(out) + "\n"


def _case_json(c: CaseComparison) -> dict:
    def acc(rec: Record):
        a = rec.accuracy
        return None if a is None else {"max_ulp": a.max_ulp, "nonfinite_mismatches": a.nonfinite_mismatches,
                                       "pass": a.passed}
    k = c.key
    return {"activation": k.activation, "direction": k.direction, "dtype": k.dtype, "variant": k.variant,
            "impl": k.impl, "n": k.n,
            "a": {"backend": k.backend, "device": k.device, "gbps": c.base.gbps,
                  "pct_of_copy_bw": c.base.pct_of_copy_bw, "status": c.base.status, "accuracy": acc(c.base)},
            "b": {"backend": c.other.key.backend, "device": c.other.key.device, "gbps": c.other.gbps,
                  "pct_of_copy_bw": c.other.pct_of_copy_bw, "status": c.other.status,
                  "accuracy": acc(c.other)},
            "ratio": c.ratio, "verdict": c.verdict, "noise_pct": c.noise_pct,
            "regressions": c.regressions, "accuracy_change": c.accuracy_note or None}


def _key_json(k: CaseKey) -> dict:
    return {a: getattr(k, a) for a in ("activation", "direction", "dtype", "variant", "impl", "backend",
                                         "device", "n")}


def to_json(cmps: list[Comparison]) -> dict:
    base = cmps[0].baseline
    return {
        "tool": PROG, "version": __version__,
        "baseline": {"path": str(base.path), "label": base.label},
        "regression": any(c.regressions for c in cmps),
        "comparisons": [{
            "other": {"path": str(c.other.path), "label": c.other.label},
            "threshold_pct": c.threshold_pct, "match_across_backends": c.across_backends,
            "matched": len(c.cases), "verdicts": c.verdict_counts(),
            "geomean_ratio": c.geomean_overall,
            "geomean_ratio_by_activation_dtype": [{"activation": a, "dtype": d, "ratio": r}
                                                  for (a, d), r in c.geomean_by_act_dtype.items()],
            "regressions": [{"kind": r.kind, "case": r.label, "change": r.detail} for r in c.regressions],
            "only_in_baseline": [_key_json(k) for k in c.only_in_baseline],
            "only_in_other": [_key_json(k) for k in c.only_in_other],
            "cases": [_case_json(x) for x in c.cases],
        } for c in cmps],
    }


# --------------------------------------------------------------------------------------------
# the CLI

def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog=PROG, description=__doc__.split("\n\n")[0],
        epilog="Verdicts: 'same' when the medians differ by no more than 2x the combined relative "
               "spread (stddev/mean) of both hot measurements, or when the slower side's fastest sample "
               "is no slower than the other's median; otherwise 'faster'/'slower'. A throughput "
               "regression is a 'slower' case whose GB/s dropped by more than --threshold percent. An "
               "accuracy regression is pass->fail, more non-finite mismatches, or a max ULP error that "
               "grew by more than --threshold percent and at least 1 ULP. "
               "Exit status: 0 ok, 1 regression, 2 unusable input.")
    ap.add_argument("reports", nargs="+", metavar="REPORT.json",
                    help="two or more reports; the first is the baseline (A)")
    ap.add_argument("--threshold", type=float, default=5.0, metavar="PCT",
                    help="throughput drop (and max ULP growth) in percent that counts as a regression "
                         "(default: %(default)s)")
    ap.add_argument("--match-across-backends", action="store_true",
                    help="match cases whatever their backend (compare a cpu run with a cuda run)")
    ap.add_argument("--device", type=int, metavar="N",
                    help="only cases on device index N (needed when a report holds several devices)")
    ap.add_argument("--format", choices=("table", "md", "json"), default="table",
                    help="output format (default: %(default)s)")
    ap.add_argument("--changed-only", action="store_true",
                    help="list only cases whose verdict is not 'same' or whose accuracy changed")
    ap.add_argument("--max-unmatched", type=int, default=50, metavar="K",
                    help="list at most K unmatched cases per side in table/md output (default: %(default)s; "
                         "0: all)")
    ap.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if len(args.reports) < 2:
        raise UsageError("need at least two reports: the baseline and one to compare")
    if not (args.threshold >= 0 and math.isfinite(args.threshold)):
        raise UsageError(f"--threshold must be a non-negative number, got {args.threshold}")
    reports = load_reports(args.reports)
    for r in reports:
        for w in warnings_for(r):
            warn(PROG, w)
    cmps = [compare(reports[0], other, threshold_pct=args.threshold,
                    across_backends=args.match_across_backends, device=args.device)
            for other in reports[1:]]
    for c in cmps:
        if not c.cases:
            hint = ("" if c.across_backends or c.baseline.backend == c.other.backend
                    else f" (backends differ: {c.baseline.backend} vs {c.other.backend}; "
                         "try --match-across-backends)")
            warn(PROG, f"{c.other.path}: no case matches the baseline{hint}")
    limit = None if args.max_unmatched == 0 else args.max_unmatched
    if args.format == "json":
        text = json.dumps(to_json(cmps), indent=1, allow_nan=False) + "\n"
    elif args.format == "md":
        text = format_markdown(cmps, args.changed_only, limit)
    else:
        text = format_text(cmps, args.changed_only, limit)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_REGRESSION if any(c.regressions for c in cmps) else EXIT_OK


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
