"""Accuracy findings, generated from the committed accuracy study: per activation × dtype × variant the max ULP
error of f and f' and the input where it falls, and one line per textbook formula saying where and how it fails.

Sources: the exhaustive f32 summaries (`actbench_exhaustive_f32 --json`, all 2^32 inputs; written by
tools/exhaustive/study.sh) and actbench reports whose accuracy records are exhaustive (f16/bf16: all 65,536
inputs) or dense (f64: every binade of both signs, thresholds and their neighbours). Records of impl `actbench`
with default parameters are read; a dtype the f32 folder covers is taken from the folder, not from a sample.

    python -m actbench_tools.findings --f32 results/accuracy/exhaustive-f32 \\
        results/vm-cpu-2026-12-03.json results/accuracy/vm-cpu-f64-dense-2026-12-02.json \\
        --readme README.md --full docs/FINDINGS.md          # rewrite both generated texts
    ... --check                                             # CI: exit 1 when either is stale
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

from . import catalog
from .cli_common import EXIT_OK, OneLineParser, UsageError, replace_readme_block, run, write_output
from .exhaustive_table import Case, load_dir
from .load import ACTIVATION_ORDER, DTYPE_ORDER, VARIANT_ORDER, Record, load_report, order_index

PROG = "actbench-findings"
README_START = "<!-- findings:start"
README_END = "<!-- findings:end -->"
FULL_START = "<!-- findings-full:start"
FULL_END = "<!-- findings-full:end -->"
DIRECTIONS = ("fwd", "deriv")
_SYMBOL = {"fwd": "f", "deriv": "f'"}


@dataclass(frozen=True)
class Region:
    """Inputs of one sign and binade: exp = floor(log2|x|), None for subnormal inputs."""

    negative: bool
    exp: int | None
    over: int
    exp_last: int | None = None  # a group of binades: its last one


@dataclass
class Finding:
    activation: str
    direction: str
    dtype: str
    variant: str
    params: str          # "" for the defaults
    method: str          # how the inputs were chosen: "all 2^32", "all 65,536", "dense", "sample"
    inputs: int
    max_ulp: float
    bound: str
    over: int
    nonfinite: int
    signed_zero: int
    flushed: int
    allowance_only: int  # inputs within the bound only by its absolute allowance (stated per case)
    x: str
    y: str
    ref: str
    regions: tuple[Region, ...]

    @property
    def failed(self) -> bool:
        return self.over > 0 or self.nonfinite > 0 or self.signed_zero > 0 or self.flushed > 0


def _num(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def _binade_region(label: str, over: int) -> Region | None:
    """'-2^3' / '+subnormal' (the exhaustive checker's labels); None for 0, inf and NaN."""
    if not label or label[0] not in "+-":
        return None
    body = label[1:]
    if body == "subnormal":
        return Region(label[0] == "-", None, over)
    if body.startswith("2^"):
        try:
            return Region(label[0] == "-", int(body[2:]), over)
        except ValueError:
            return None
    return None


def _bound_text(ulp: float, absolute: float) -> str:
    return f"{ulp:g} ulp" + (f" + {absolute:g}" if absolute > 0 else "")


def from_case(c: Case) -> Finding:
    w = c.worst
    return Finding(c.activation, c.direction, "f32", c.variant, c.params, "all 2^32", c.counted, c.max_ulp,
                   _bound_text(c.bound, 0.0), c.over, c.nonfinite, c.signed_zero, c.flushed, 0,
                   str(w.get("x", "—")), str(w.get("y", "—")), str(w.get("ref", "—")),
                   tuple(r for b in c.binades if b.get("over_bound")
                         for r in [_binade_region(str(b.get("binade", "")), int(b["over_bound"]))] if r))


def from_record(rec: Record, mode: str | None = None) -> Finding | None:
    """One record's finding; `mode` is the report's context.accuracy_mode (f64 has no exhaustive set: its
    records under --accuracy exhaustive are the dense sample)."""
    a = rec.accuracy
    if a is None:
        return None
    k = rec.key
    if a.exhaustive:
        method = f"all {a.inputs_tested:,}" if k.dtype in ("f16", "bf16") else "all 2^32"
    elif mode == "exhaustive" and k.dtype == "f64":
        method = "dense"
    else:
        method = "sample"
    # the figure the verdict rests on: with an absolute allowance, the largest error of the inputs it does not cover
    max_ulp, _ = a.deciding()
    allowance = a.allowance_only or 0
    w = a.worst or {}
    if allowance:  # the worst input is then one the allowance covers: take the worst one it does not
        w = next((t for t in a.top_worst if float(t.get("ulp", math.inf)) <= max_ulp), {"x": "—", "y": "—", "ref": "—"})
    # per_binade: exp None covers 0/inf/NaN; a subnormal input's binade is below the dtype's least normal one
    regions = tuple(Region(b.sign < 0, b.exp, b.over_bound, b.exp_last) for b in a.per_binade
                    if b.over_bound and b.exp is not None)
    return Finding(k.activation, k.direction, k.dtype, k.variant, "", method, a.inputs_tested, max_ulp,
                   _bound_text(a.bound_ulp, a.bound_abs), a.out_of_bound, a.nonfinite_mismatches,
                   a.signed_zero_mismatches, a.flushed_subnormals if "flushed_subnormal" in a.fail_reasons else 0,
                   allowance,
                   str(w.get("x", "—")), str(w.get("y", "—")), str(w.get("ref", "—")), regions)


def collect(f32_folder: Path | None, reports: list[Path]) -> list[Finding]:
    found: dict[tuple[str, str, str, str, str], Finding] = {}
    if f32_folder is not None:
        for c in load_dir(f32_folder):
            if c.direction in DIRECTIONS:
                found[(c.activation, c.direction, "f32", c.variant, c.params)] = from_case(c)
    for path in reports:
        rep = load_report(path)
        for rec in rep.records.values():
            k = rec.key
            if k.impl != "actbench" or rec.params or k.direction not in DIRECTIONS:
                continue
            if f32_folder is not None and k.dtype == "f32":
                continue
            f = from_record(rec, rep.context.get("accuracy_mode"))
            if f is None:
                continue
            key = (k.activation, k.direction, k.dtype, k.variant, "")
            old = found.get(key)
            # exhaustive/dense beats a sample; among equals, the larger input set
            if old is None or (old.method == "sample", -old.inputs) > (f.method == "sample", -f.inputs):
                found[key] = f
    if not found:
        raise UsageError("no accuracy records found (give --f32 FOLDER and/or reports with accuracy records)")
    return sorted(found.values(), key=lambda f: (order_index(f.activation, ACTIVATION_ORDER), f.params,
                                                 order_index(f.dtype, DTYPE_ORDER),
                                                 order_index(f.variant, VARIANT_ORDER), f.direction != "fwd"))


def _fmt_ulp(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    return f"{v:.3g}" if v >= 1000 else f"{v:.3f}"


def cell(f: Finding | None) -> str:
    if f is None:
        return "—"
    extra = f" (+{f.allowance_only:,} by the allowance)" if f.allowance_only else ""
    return f"{_fmt_ulp(f.max_ulp)} @ {f.x}{extra}" + (" **✗**" if f.failed else "")


def _regions_text(regions: tuple[Region, ...]) -> str:
    """Where the inputs over the bound lie: per sign, the range of |x| their binades span."""
    parts = []
    for neg in (True, False):
        exps = [r.exp for r in regions if r.negative == neg]
        if not exps:
            continue
        lo = "subnormal" if None in exps else f"2^{min(e for e in exps if e is not None)}"
        hi_e = max((r.exp if r.exp_last is None else r.exp_last for r in regions
                    if r.negative == neg and r.exp is not None), default=None)
        hi = "2^-126" if hi_e is None else f"2^{hi_e + 1}"
        parts.append(f"x {'<' if neg else '>'} 0 with |x| in [{lo}, {hi})")
    return " and ".join(parts)


def symptom(f: Finding) -> str:
    """What the worst input shows, from its numbers."""
    y, ref = _num(f.y), _num(f.ref)
    if math.isfinite(ref) and not math.isfinite(y):
        what = f"returns {f.y} where the value is {f.ref}"
    elif y == 0 and ref != 0 and math.isfinite(ref):
        what = f"returns 0 where the value is {f.ref}"
    else:
        what = f"got {f.y}, exact {f.ref}"
    return f"worst {_fmt_ulp(f.max_ulp)} ulp at x = {f.x} ({what})"


def textbook_line(act: catalog.Activation, by_dtype: dict[str, dict[str, Finding]]) -> str:
    """One line for one activation's textbook variant: where (f32, all inputs, when present) and how it fails."""
    failing = [dt for dt in DTYPE_ORDER if any(f.failed for f in by_dtype.get(dt, {}).values())]
    within = [dt for dt in DTYPE_ORDER if dt in by_dtype and dt not in failing]
    head = f"- **{act.name}**, textbook `{act.textbook}`: "
    head += f"fails in {', '.join(failing)}" if failing else "within the precise bound"
    if within and failing:
        head += f" (within it in {', '.join(within)})"
    dt = "f32" if "f32" in by_dtype else next(iter(by_dtype))
    bits = []
    for d in DIRECTIONS:
        f = by_dtype[dt].get(d)
        if f is None or not f.failed:
            continue
        text = f"{_SYMBOL[d]} ({dt}, {f.method}): {symptom(f)}"
        counts = []
        if f.over:
            where = _regions_text(f.regions)
            counts.append(f"{f.over:,} inputs over {f.bound}" + (f" for {where}" if where else ""))
        if f.nonfinite:
            counts.append(f"{f.nonfinite:,} NaN/inf where the value is finite (or the reverse)")
        if f.signed_zero:
            counts.append(f"{f.signed_zero:,} zero{'s' if f.signed_zero > 1 else ''} of the wrong sign")
        if f.flushed:
            counts.append(f"{f.flushed:,} subnormal results flushed to 0")
        bits.append(text + ("; " + "; ".join(counts) if counts else ""))
    return head + (". " + ". ".join(bits) if bits else "") + "."


def render_summary(findings: list[Finding]) -> str:
    """README: per dtype × variant, the largest error over every activation and direction (default parameters)."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if not f.params:
            groups.setdefault((f.dtype, f.variant), []).append(f)
    lines = ["| dtype | variant | inputs per case | cases (f and f') | bound | largest error (case, worst x) | "
             "cases failing |", "|---|---|---|---|---|---|---|"]
    for (dt, var) in sorted(groups, key=lambda k: (order_index(k[0], DTYPE_ORDER), order_index(k[1], VARIANT_ORDER))):
        fs = groups[(dt, var)]
        worst = max(fs, key=lambda f: (f.max_ulp if math.isfinite(f.max_ulp) else math.inf))
        methods = sorted({f.method if f.method != "dense" else f"dense ({min(x.inputs for x in fs):,}+)"
                          for f in fs})
        bounds = sorted({f.bound for f in fs}, key=lambda b: [float(v) for v in b.replace(" ulp", "").split(" + ")])
        failing = [f for f in fs if f.failed]
        lines.append(f"| {dt} | {var} | {', '.join(methods)} | {len(fs)} | {', '.join(bounds)} | "
                     f"{_fmt_ulp(worst.max_ulp)} ({worst.activation} {_SYMBOL[worst.direction]}, x = {worst.x}) | "
                     f"{len(failing)}" + (" (expected)" if var == "textbook" and failing else "") + " |")
    return "\n".join(lines) + "\n"


def render_textbook(findings: list[Finding]) -> str:
    acts = {a.name: a for a in catalog.activations()}
    per: dict[str, dict[str, dict[str, Finding]]] = {}
    for f in findings:
        if f.variant == "textbook" and not f.params:
            per.setdefault(f.activation, {}).setdefault(f.dtype, {})[f.direction] = f
    lines = [textbook_line(acts[name], per[name]) for name in
             sorted(per, key=lambda n: order_index(n, ACTIVATION_ORDER)) if name in acts and acts[name].textbook]
    return "\n".join(lines) + "\n"


def render_full(findings: list[Finding]) -> str:
    """docs/FINDINGS.md: every activation × dtype (× parameters), precise / fast / textbook, f and f'."""
    rows: dict[tuple[str, str, str], dict[tuple[str, str], Finding]] = {}
    for f in findings:
        rows.setdefault((f.activation, f.params, f.dtype), {})[(f.variant, f.direction)] = f
    variants = [v for v in VARIANT_ORDER if any(f.variant == v for f in findings)]
    head = "| activation | params | dtype | inputs | " + " | ".join(
        f"{v} {_SYMBOL[d]}" for v in variants for d in DIRECTIONS) + " |"
    lines = [head, "|" + "---|" * (4 + 2 * len(variants))]
    for (act, params, dt) in sorted(rows, key=lambda k: (order_index(k[0], ACTIVATION_ORDER), k[1],
                                                         order_index(k[2], DTYPE_ORDER))):
        r = rows[(act, params, dt)]
        method = sorted({f.method for f in r.values()})
        lines.append(f"| {act} | {params or 'default'} | {dt} | {', '.join(method)} | " + " | ".join(
            cell(r.get((v, d))) for v in variants for d in DIRECTIONS) + " |")
    return "\n".join(lines) + "\n"


def readme_block(findings: list[Finding]) -> str:
    return (render_summary(findings) + "\nThe textbook formulas, where and how they fail (generated from the same "
            "data):\n\n" + render_textbook(findings))


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("reports", nargs="*", type=Path, metavar="REPORT.json",
                    help="actbench reports with exhaustive (f16/bf16) or dense (f64) accuracy records")
    ap.add_argument("--f32", type=Path, metavar="FOLDER", help="the exhaustive f32 summaries")
    ap.add_argument("--readme", type=Path, help="rewrite (or with --check, check) this README's findings block")
    ap.add_argument("--full", type=Path, metavar="MD", help="rewrite (or check) the full table's block in this file")
    ap.add_argument("--check", action="store_true", help="exit 1 when a generated block is not up to date")
    ap.add_argument("-o", "--output", type=Path, help="without --readme/--full: write the text here (default stdout)")
    args = ap.parse_args(argv)
    findings = collect(args.f32, list(args.reports))
    sources = " ".join(([f"--f32 {args.f32.as_posix()}"] if args.f32 else []) + [p.as_posix() for p in args.reports])
    targets = [(args.readme, README_START, README_END, readme_block(findings)),
               (args.full, FULL_START, FULL_END, render_full(findings))]
    targets = [t for t in targets if t[0] is not None]
    if not targets:
        write_output(args.output, readme_block(findings) + "\n" + render_full(findings))
        return EXIT_OK
    how = (f"python -m actbench_tools.findings {sources}"
           + (f" --readme {args.readme.as_posix()}" if args.readme else "")
           + (f" --full {args.full.as_posix()}" if args.full else ""))
    stale = []
    for path, start, end, block in targets:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise UsageError(f"{path}: {e.strerror}") from None
        new = replace_readme_block(text, start, end, block, how)
        if args.check:
            if new != text:
                stale.append(path.as_posix())
        elif new != text:
            path.write_text(new, encoding="utf-8")
    if stale:
        print(f"{PROG}: not up to date: {', '.join(stale)}: run {how}", file=sys.stderr)
        return 1
    return EXIT_OK


def cli(argv: list[str] | None = None) -> int:
    return run(PROG, main, argv)


if __name__ == "__main__":
    sys.exit(cli())
