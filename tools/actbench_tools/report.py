"""actbench-report: an HTML page and a Markdown summary of actbench reports.

Writes DIR/report.html (the headline first; then a table of contents, each machine's context,
throughput and accuracy tables with the reasons and bounds behind every verdict, failing and
not-run cases, and the figures, one per row, each linking to its full-size file in DIR/figures/;
sortable and filterable tables by a small inline script; nothing is loaded from the network) and
DIR/summary.md (the headline and the tables without figures, for a CI job summary).  With --model MODEL.json
(the instruction roofline, results/model-sm90.json) both also set each cuda figure of actbench's kernels beside the
% of copy that the model predicts for the device that ran it.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__, model, peers_table
from .cli_common import UsageError, add_reports_argument, load_with_warnings, note, parser, run, warn
from .compare import compare, fmt_ulp, geomean_table, ulp_text
from .export import FORMATS as EXPORT_FORMATS
from .export import export_main
from .headline import DtypeHeadline, Failure, failures, headline, reasons_text
from .history import History, history_for, html_section, iter_history_figures
from .history import markdown as history_markdown
from .load import (
    ACTIVATION_ORDER,
    DIRECTION_ORDER,
    DTYPE_ORDER,
    IMPL_ORDER,
    VARIANT_ORDER,
    Accuracy,
    Record,
    Report,
    format_n,
    order_index,
    sort_key,
    sorted_axis,
    warnings_for,
)
from .tables import TABLE_SCRIPT, Cell, Table, render_html, render_md

PROG = "actbench-report"
MAX_LISTED = 200  # failing / not-run groups listed in full in the HTML (the md lists fewer)
FIGURE_DPI = 110


# --------------------------------------------------------------------------------------------
# words for the numbers

def allowance_text(a: Accuracy) -> str:
    """The inputs that pass only by the absolute allowance, counted apart ("" when none)."""
    if not a.by_allowance():
        return ""
    if a.allowance_only is not None:
        return f"{a.allowance_only} pass only by abs ≤ {a.bound_abs:.3g} (max {fmt_ulp(a.max_ulp)} ulp)"
    return f"max {fmt_ulp(a.max_ulp)} ulp passes by abs ≤ {a.bound_abs:.3g} (count unknown in a v1 report)"


def verdict_cell(rec: Record, a: Accuracy) -> Cell:
    """'<deciding ULP> / <bound> pass|FAIL|fails (intended): reasons; allowance'."""
    text = f"{ulp_text(a)} / {fmt_ulp(a.bound_ulp)}"
    if rec.status == "pass":
        cls, word = "pass", "pass"
    elif rec.expected_to_fail:
        cls, word = "expected", "fails (intended)"
    else:
        cls, word = "fail", "FAIL"
    text += f" {word}"
    why = reasons_text(a) if rec.status == "fail" else ""
    if why:
        text += f": {why}"
    extra = allowance_text(a)
    if extra:
        text += f"; {extra}"
    return Cell(text, cls, sort=a.deciding()[0], title=a.bound_why or "")


def _ns(ns: list[int]) -> str:
    ns = sorted(ns)
    if len(ns) > 3:
        return f"{format_n(ns[0])} … {format_n(ns[-1])} ({len(ns)} sizes)"
    return ", ".join(format_n(n) for n in ns)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}%"


def _gbps(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:.0f}" if v >= 100 else f"{v:.3g}"


# --------------------------------------------------------------------------------------------
# tables as data

def headline_table(rows: list[DtypeHeadline], multi_device: bool) -> Table:
    header = (["device"] if multi_device else []) + [
        "dtype", "n", "in-run copy GB/s", "median GB/s", "median % of copy", "best % of copy",
        "worst precise max ULP", "precise/fast failures", "textbook failures (intended)", "suspect, left out"]
    out: list[Sequence[Cell | str]] = []
    for h in rows:
        copy = _gbps(h.copy_gbps)
        if h.copy_spread is not None:
            copy += f" ±{100 * h.copy_spread:.0f}%"
        copy_cell = Cell(copy + (" ?" if h.copy_suspect else ""), "suspect" if h.copy_suspect else "",
                         sort=h.copy_gbps, title="; ".join(h.copy_suspect))
        best = h.best
        best_cell = Cell("—" if best is None else f"{best.pct_of_copy_bw:.1f}% ({best.key.activation} "
                                                  f"{best.key.direction})", sort=best.pct_of_copy_bw if best else None)
        if h.worst is not None and h.worst.accuracy is not None:
            a, k = h.worst.accuracy, h.worst.key
            worst_cell = Cell(f"{ulp_text(a)} / {fmt_ulp(a.bound_ulp)} ({k.activation} {k.direction}"
                              f"{'' if k.impl == 'actbench' else ' ' + k.impl})",
                              "pass" if h.worst.status == "pass" else "fail", sort=a.deciding()[0])
        else:
            worst_cell = Cell("—")
        fails = Cell(str(len(h.failures)), "fail" if h.failures else "pass")
        out.append(([f"{h.backend}:{h.device}"] if multi_device else []) + [
            h.dtype, "—" if h.n is None else format_n(h.n), copy_cell, _gbps(h.median_gbps), _pct(h.median_pct),
            best_cell, worst_cell, fails,
            Cell(str(len(h.expected_failures)), "expected" if h.expected_failures else ""),
            Cell(f"{len(h.left_out)} of {len(h.left_out) + len(h.kernels)}", "suspect" if h.left_out else "")])
    return Table(header, out, interactive=False, classes=["headline"])


HEADLINE_NOTE = ("Per machine and dtype: the in-run copy bandwidth (the faster of memcpy and our copy kernel) "
                 "at the largest n (± its spread); actbench's precise kernels at that n, every activation and "
                 "direction, with records whose timing is suspect left out and counted; the worst precise max "
                 "ULP error (the figure the verdict rests on / its bound, over every n and impl); failing precise "
                 "and fast cases, apart from the textbook ones that fail on purpose.")


def failure_lines(fs: list[Failure]) -> list[str]:
    out = []
    for f in fs:
        a = f.record.accuracy
        why = reasons_text(a) if a else f.record.status
        ulp = f"; max ULP {ulp_text(a)} / bound {fmt_ulp(a.bound_ulp)}" if a else ""
        out.append(f"{f.label} (n = {_ns(f.ns)}): {why}{ulp}")
    return out


def context_table(rep: Report) -> Table:
    c = rep.context
    rows: list[list[Cell | str]] = []
    for i, dev in sorted(rep.devices.items()):
        peak = "unknown" if dev.theoretical_peak_gbps is None else f"{dev.theoretical_peak_gbps:.1f} GB/s"
        rows.append([f"device {i}", f"{dev.name} (cache {dev.cache_bytes / 2**20:.1f} MiB, theoretical peak {peak})"])
        for k in ("compute_capability", "sms", "driver", "uuid"):
            if k in dev.details:
                rows.append([f"device {i} {k}", str(dev.details[k])])
    for label, key in (("host", "host_name"), ("backend", "backend"), ("date", "date"),
                       ("start / end (UTC)", None), ("wall time", "wall_time_s"),
                       ("actbench version", "actbench_version"), ("git sha", "git_sha"),
                       ("compiler", "compiler"), ("C++ flags", "cxx_flags"),
                       ("CUDA runtime", "cuda_runtime_version"), ("OS", "os"), ("CPU", "cpu_model"),
                       ("CPUs", "num_cpus"), ("accuracy mode", "accuracy_mode"), ("throttled", "throttled"),
                       ("command line", "argv")):
        if key is None:
            rows.append([label, f"{c.get('start_time', '?')} / {c.get('end_time', '?')}"])
            continue
        v = c.get(key)
        if key == "wall_time_s" and isinstance(v, (int, float)):
            v = f"{v:.1f} s"
        elif key == "argv" and isinstance(v, list):
            v = " ".join(v)
        elif v is None:
            v = "—"
        rows.append([label, str(v)])
    p = c.get("plausibility")
    rows.append(["plausibility limits", f"max {p['max_pct_of_copy']:g}% of copy, roofline spread ≤ "
                                        f"{p['max_roofline_spread']:g}" if isinstance(p, dict)
                 else f"max {rep.max_pct_of_copy:g}% of copy, hot timing converged (applied by the tools: "
                      f"schema v{rep.schema_version} report)"])
    if isinstance(c.get("shard"), dict):
        s = c["shard"]
        rows.append(["shard", f"{s['index']} of {s['count']} ({len(s['cases'])} of {s['plan_size']} cases)"])
    if rep.merged_from:
        rows.append(["merged from", f"{len(rep.merged_from)} shards: "
                                    + ", ".join(f"{m['index']}: {m['path']}" for m in rep.merged_from)])
    rows.append(["report file", f"{rep.path} (schema v{rep.schema_version})"])
    if rep.partial:
        rows.append(["PARTIAL RUN", rep.partial_reason or "no reason given"])
    # facts, not figures: left-aligned text
    return Table(["", ""], [[Cell(str(c), "text") for c in r] for r in rows], interactive=False)


def counts(rep: Report) -> dict[str, int]:
    out = {"timed": len(rep.records), "pass": 0, "fail": 0, "unchecked": 0, "not run": len(rep.not_run),
           "suspect": len(rep.suspect_records())}
    for r in rep.records.values():
        out[r.status] += 1
    return out


def roofline_table(rep: Report) -> Table:
    """The in-run copy bandwidth every % of copy is divided by."""
    places = sorted({(r.backend, r.device, r.impl or "") for r in rep.roofline})  # peer reports: a copy per impl
    ns = sorted({r.n for r in rep.roofline})
    rows: list[list[Cell | str]] = []
    for backend, device, impl in places:
        for dt in sorted_axis({r.dtype for r in rep.roofline if (r.backend, r.device, r.impl or "") ==
                               (backend, device, impl)}, DTYPE_ORDER):
            row: list[Cell | str] = [f"{backend}:{device}" + (f" ({impl})" if impl else ""), dt]
            for n in ns:
                entries = rep.roofline_entries(backend, device, dt, n, impl or None)
                if not entries:
                    row.append("—")
                    continue
                e = entries[0]
                text = (f"{e.copy_gbps:.3g} ±{100 * e.copy.rel_spread:.0f}%"
                        + (" (kernel)" if e.copy_source == "copy_kernel" else ""))
                if len(entries) > 1:  # a merged report: each shard measured its own copy
                    gbps = [x.copy_gbps for x in entries]
                    text += f" (shards: {min(gbps):.3g}–{max(gbps):.3g})"
                row.append(Cell(text + (" ?" if e.suspect else ""), "suspect" if e.suspect else "num",
                                sort=e.copy_gbps, title="; ".join(e.suspect)))
            rows.append(row)
    return Table(["device", "dtype"] + [f"n={format_n(n)}" for n in ns], rows,
                 "in-run copy GB/s, the faster of memcpy and our copy kernel (marked 'kernel'), hot median ± relative "
                 "spread: the denominator of every % of copy; "
                 "? = suspect" + ("; merged report: the first shard's, with the range over the shards, each of which "
                                  "divided its own records by its own copy" if rep.merged_from else ""),
                 interactive=False)


def copy_bw_table(rep: Report) -> Table:
    """% of copy bandwidth per activation × (dtype, direction), impl actbench, variant precise,
    at the largest n of each cell; suspect cells marked."""
    recs = list(rep.records.values())
    impls = {r.key.impl for r in recs}
    impl = "actbench" if "actbench" in impls else next(iter(sorted_axis(impls, IMPL_ORDER)), "")
    variants = {r.key.variant for r in recs}
    variant = "precise" if "precise" in variants else next(iter(sorted_axis(variants, VARIANT_ORDER)), "")
    sel = [r for r in recs if r.key.impl == impl and r.key.variant == variant]
    dtypes = sorted_axis({r.key.dtype for r in sel}, DTYPE_ORDER)
    dirs = sorted_axis({r.key.direction for r in sel}, DIRECTION_ORDER)
    acts = sorted_axis({r.key.activation for r in sel}, ACTIVATION_ORDER)
    best: dict[tuple, Record] = {}
    for r in sel:
        k = (r.key.activation, r.key.dtype, r.key.direction)
        if k not in best or r.key.n > best[k].key.n:
            best[k] = r
    nmax = max((r.key.n for r in sel), default=0)
    cols = [(dt, d) for dt in dtypes for d in dirs if any((a, dt, d) in best for a in acts)]
    rows: list[list[Cell | str]] = []
    limit = rep.max_pct_of_copy
    for a in acts:
        row: list[Cell | str] = [a]
        for dt, d in cols:
            cell = best.get((a, dt, d))
            if cell is None:
                row.append("—")
                continue
            text = f"{cell.pct_of_copy_bw:.0f}" + ("" if cell.key.n == nmax else f" (n={format_n(cell.key.n)})")
            if cell.suspect:
                row.append(Cell(text + " ?", "suspect", sort=cell.pct_of_copy_bw, title="; ".join(cell.suspect)))
            else:
                row.append(Cell(text, "warn" if cell.pct_of_copy_bw > 100 else "num", sort=cell.pct_of_copy_bw))
        rows.append(row)
    caption = (f"% of the in-run copy bandwidth, impl {impl}, variant {variant}, at the largest n "
               f"({format_n(nmax)}; otherwise the n shown). ? = suspect timing (over {limit:g}% of copy or "
               "not converged; hover for the reason): shown, but left out of every headline figure")
    return Table(["activation"] + [f"{dt} {d}" for dt, d in cols], rows, caption)


def suspect_table(rep: Report) -> Table:
    """Every record with an implausible timing, and why."""
    rows: list[list[Cell | str]] = []
    for r in sorted(rep.suspect_records(), key=lambda r: sort_key(r.key)):
        k = r.key
        rows.append([k.config_label, Cell(format_n(k.n), sort=k.n), Cell(f"{r.gbps:.4g}", sort=r.gbps),
                     Cell(f"{r.pct_of_copy_bw:.1f}%", "suspect", sort=r.pct_of_copy_bw), "; ".join(r.suspect)])
    return Table(["case", "n", "GB/s", "% of copy", "why it is suspect"], rows,
                 f"{len(rows)} of {len(rep.records)} records: kept, but left out of the headline figures, "
                 "geomeans and colour scales")


def accuracy_grid(rep: Report) -> Table:
    """Per activation × variant (rows) and dtype (columns): the worst case over directions, impls
    and sizes, as '<deciding max ULP> / <bound> verdict: reasons'."""
    cells: dict[tuple[str, str, str], Record] = {}
    for r in rep.records.values():
        if r.accuracy is None:
            continue
        k = (r.key.activation, r.key.variant, r.key.dtype)
        cur = cells.get(k)
        rank = (r.status == "fail", r.accuracy.deciding()[0])
        if cur is None or rank > (cur.status == "fail", cur.accuracy.deciding()[0]):  # type: ignore[union-attr]
            cells[k] = r
    if not cells:
        return Table([], [], "no accuracy records (accuracy off)")
    dtypes = sorted_axis({k[2] for k in cells}, DTYPE_ORDER)
    rows_k = sorted({(k[0], k[1]) for k in cells},
                    key=lambda t: (order_index(t[0], ACTIVATION_ORDER), t[0], order_index(t[1], VARIANT_ORDER)))
    rows: list[list[Cell | str]] = []
    for a, v in rows_k:
        row: list[Cell | str] = [a, v]
        for dt in dtypes:
            worst = cells.get((a, v, dt))
            row.append("—" if worst is None or worst.accuracy is None else verdict_cell(worst, worst.accuracy))
        rows.append(row)
    return Table(["activation", "variant"] + dtypes, rows,
                 "max ULP error the verdict rests on / the bound (ULP), worst over directions, impls and sizes, "
                 "with the reasons of a failure and the inputs that pass only by the absolute allowance counted "
                 "apart; ≤ b: a v1 report's allowance hides the exact figure, which is at most the bound b")


def configuration_table(rep: Report) -> Table:
    """Every accuracy configuration with all its figures (one row per configuration)."""
    worst: dict[tuple, Record] = {}
    ns: dict[tuple, list[int]] = {}
    for r in rep.records.values():
        if r.accuracy is None:
            continue
        ns.setdefault(r.key.config, []).append(r.key.n)
        cur = worst.get(r.key.config)
        if cur is None or r.accuracy.deciding()[0] > cur.accuracy.deciding()[0]:  # type: ignore[union-attr]
            worst[r.key.config] = r
    header = ["activation", "direction", "dtype", "variant", "impl", "verdict", "why", "max ULP (deciding)",
              "max ULP (all)", "bound ULP", "bound abs", "allowance only", "out of bound", "non-finite",
              "signed zero", "flushed", "inputs", "worst x", "y", "reference"]
    rows: list[list[Cell | str]] = []
    for r in sorted(worst.values(), key=lambda r: sort_key(r.key)):
        a = r.accuracy
        assert a is not None
        k = r.key
        w = a.worst or {}
        verdict = ("pass" if r.status == "pass" else "fails (intended)" if r.expected_to_fail else "FAIL")
        rows.append([k.activation, k.direction, k.dtype, k.variant, k.impl,
                     Cell(verdict, "pass" if r.status == "pass" else "expected" if r.expected_to_fail else "fail"),
                     reasons_text(a) or "—", Cell(ulp_text(a), sort=a.deciding()[0]), fmt_ulp(a.max_ulp),
                     fmt_ulp(a.bound_ulp), f"{a.bound_abs:.3g}",
                     "?" if a.allowance_only is None else str(a.allowance_only),
                     str(a.out_of_bound), str(a.nonfinite_mismatches), str(a.signed_zero_mismatches),
                     str(a.flushed_subnormals),
                     f"{a.inputs_tested}{' (all)' if a.exhaustive else ''}",
                     str(w.get("x", "—")), str(w.get("y", "—")), str(w.get("ref", "—"))])
    sizes = _ns(sorted({n for v in ns.values() for n in v}))
    return Table(header, rows,
                 f"{len(rows)} configurations (each over {sizes}); click a header to sort, type to filter")


def failing_table(fs: list[Failure], intended: bool) -> Table:
    header = ["case", "sizes", "why", "max ULP (deciding)", "bound", "allowance only", "worst input x", "y",
              "reference"]
    rows: list[list[Cell | str]] = []
    for f in fs:
        a = f.record.accuracy
        w = (a.worst or {}) if a else {}
        rows.append([f.label + f" ({f.key.backend}:{f.key.device})", _ns(f.ns),
                     Cell(reasons_text(a) if a else f.record.status, "expected" if intended else "fail"),
                     Cell(ulp_text(a), sort=a.deciding()[0]) if a else "—",
                     (f"{fmt_ulp(a.bound_ulp)} ulp" + (f" or abs {a.bound_abs:.3g}" if a.bound_abs else ""))
                     if a else "—",
                     ("?" if a.allowance_only is None else str(a.allowance_only)) if a else "—",
                     f"{w.get('x', '—')} ({w.get('x_bits', '')})" if w else "—",
                     str(w.get("y", "—")), str(w.get("ref", "—"))])
    return Table(header, rows)


def not_run_table(rep: Report) -> Table:
    groups: dict[tuple, tuple[str, list[int], str, str]] = {}
    for x in sorted(rep.not_run, key=lambda x: sort_key(x.key)):
        k = x.key
        g = groups.setdefault((k.config, x.status, x.reason), (k.config_label, [], x.status, x.reason))
        g[1].append(k.n)
    return Table(["case", "sizes", "status", "reason"], [[g[0], _ns(g[1]), g[2], g[3]] for g in groups.values()])


def comparison_tables(reports: list[Report]) -> list[Table]:
    out = []
    for other in reports[1:]:
        across = other.backend != reports[0].backend
        cmp = compare(reports[0], other, across_backends=across)
        if not cmp.cases:
            continue
        vc = cmp.verdict_counts()
        t = geomean_table(cmp)
        t.caption = (f"geomean throughput ratio {other.label} / {reports[0].label} over the cases measured at the "
                     f"same n on both with plausible timings ({len(cmp.plausible())} of {len(cmp.cases)} matched; "
                     f"{len(cmp.only_in_baseline)} only in the first, {len(cmp.only_in_other)} only in this one; "
                     f"faster {vc['faster']}, same {vc['same']}, slower {vc['slower']}, inconclusive "
                     f"{vc['inconclusive']}" + ("; matched across backends" if across else "") + ")")
        out.append(t)
    return out


@dataclass
class ModelJoin:
    """One report's cuda records of actbench's kernels beside the instruction roofline (actbench-model join)."""
    label: str
    table: Table | None  # None: nothing to set beside the model (the notes say why)
    notes: list[str] = field(default_factory=list)


def model_joins(reports: list[Report], rows: Sequence[dict], model_name: str,
                gap: float = model.DEFAULT_GAP) -> list[ModelJoin]:
    """Per report with cuda records of actbench's kernels: each at its device's and dtype's largest n (outside the
    L2) beside the bound the model predicts for that device (its SMs, clock and the run's copy).  A report the join
    cannot read (a device with no facts) gets its error as a note.  No such report at all: one note."""
    out = []
    for rep in reports:
        if not model.cuda_records(rep):
            continue
        try:
            pairs, notes = model.join(rep, rows, None)
        except UsageError as e:
            out.append(ModelJoin(rep.label, None, [str(e)]))
            continue
        if not pairs:
            out.append(ModelJoin(rep.label, None, ["no cuda record matches a row of the model", *notes]))
            continue
        t = model.join_table(pairs, gap)
        t.caption = (f"{rep.label}: measured % of copy beside the bound that {model_name} predicts from the kernels' "
                     f"instructions and the device's facts (its SMs, clock and this run's copy), at each dtype's "
                     f"largest n outside the L2; gap = measured - predicted, flagged beyond {gap:g} points "
                     f"({len(model.flagged(pairs, gap))} of {len(pairs)})")
        out.append(ModelJoin(rep.label, t, notes))
    if not out:
        out.append(ModelJoin("", None, ["no report holds a cuda record of actbench's own kernels: nothing to set "
                                        "beside the model"]))
    return out


def model_join_md(joins: Sequence[ModelJoin]) -> list[str]:
    out = ["", "## Instruction roofline: measured beside predicted", ""]
    for j in joins:
        if j.table is not None:
            out += [j.table.caption, "", render_md(j.table), ""]
        if j.notes:
            out += [f"- {j.label + ': ' if j.label else ''}{x}" for x in j.notes] + [""]
    return out


# --------------------------------------------------------------------------------------------
# Markdown

def markdown(reports: list[Report], max_listed: int = 30, hist: History | None = None,
             joins: Sequence[ModelJoin] = ()) -> str:
    out = ["# actbench results", "", "## Headline", "", HEADLINE_NOTE, ""]
    for rep in reports:
        out += headline_md(rep)
    if hist is not None:
        out.append(history_markdown(hist, level=2))
    out += ["## Runs", ""]
    out.append(render_md(Table(["machine", "backend", "timed", "pass", "fail", "unchecked", "not run", "suspect",
                                "partial", "throttled"],
                               [[rep.label, rep.backend] + [str(counts(rep)[k]) for k in
                                                            ("timed", "pass", "fail", "unchecked", "not run",
                                                             "suspect")]
                                + ["YES" if rep.partial else "no", "YES" if rep.context.get("throttled") else "no"]
                                for rep in reports])))
    for rep in reports:
        out += ["", f"## {rep.label}", ""]
        ctx = rep.context
        out.append(f"`{rep.path.name}` — {ctx.get('date', '?')}, actbench {ctx.get('actbench_version', '?')} "
                   f"({str(ctx.get('git_sha', '?'))[:12]}), accuracy {ctx.get('accuracy_mode', '?')}, "
                   f"schema v{rep.schema_version}")
        if rep.partial:
            out += ["", f"**Partial run:** {rep.partial_reason or 'no reason given'}"]
        t = roofline_table(rep)
        out += ["", f"**In-run copy bandwidth** — {t.caption}", "", render_md(t)]
        t = copy_bw_table(rep)
        out += ["", f"**% of copy bandwidth** — {t.caption}", "", render_md(t)]
        t = suspect_table(rep)
        if t.rows:
            out += ["", f"**Suspect timings** — {t.caption}", "", render_md(Table(t.header, t.rows[:max_listed]))]
            if len(t.rows) > max_listed:
                out.append(f"\n… and {len(t.rows) - max_listed} more (see report.html)")
        t = accuracy_grid(rep)
        out += ["", f"**Accuracy** — {t.caption}", "", render_md(t)]
        real, expected = failures(list(rep.records.values()))
        for title, fs, intended in (("Precise/fast failures", real, False),
                                    ("Textbook failures (intended)", expected, True)):
            if fs:
                out += ["", f"**{title} ({len(fs)} configurations)**", "",
                        render_md(failing_table(fs[:max_listed], intended))]
                if len(fs) > max_listed:
                    out.append(f"\n… and {len(fs) - max_listed} more (see report.html)")
        if rep.not_run:
            t = not_run_table(rep)
            out += ["", f"**Not run ({len(rep.not_run)} cases)**", "", render_md(Table(t.header, t.rows[:max_listed]))]
            if len(t.rows) > max_listed:
                out.append(f"\n… and {len(t.rows) - max_listed} more (see report.html)")
    if peers_table.has_peers(reports):
        out += ["", "## Side by side: actbench and its peers", "", peers_table.render(reports, "md")]
    comps = comparison_tables(reports)
    if comps:
        out += ["", "## Across machines", ""]
        for t in comps:
            out += [t.caption[0].upper() + t.caption[1:], "", render_md(t), ""]
    if joins:
        out += model_join_md(joins)
    return "\n".join(out).rstrip() + "\n"


def headline_md(rep: Report) -> list[str]:
    rows = headline(rep)
    multi = len({(h.backend, h.device) for h in rows}) > 1
    out = [f"### {rep.label}", ""]
    for w in warnings_for(rep):
        out += [f"> **Warning:** {w}", ""]
    out += [render_md(headline_table(rows, multi)), ""]
    real = [f for h in rows for f in h.failures]
    expected = sum(len(h.expected_failures) for h in rows)
    if real:
        out += [f"**Precise/fast failures ({len(real)}):**", ""]
        out += [f"- {line}" for line in failure_lines(real)]
    else:
        out.append("No precise or fast case fails.")
    out += ["", f"{expected} textbook configurations fail, as intended (listed under Accuracy).", ""]
    return out


# --------------------------------------------------------------------------------------------
# HTML

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.2em auto;max-width:1500px;
     padding:0 1em;color:#1a1a1a;line-height:1.4}
h1{font-size:1.5em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.4em}
.generated{color:#555;font-size:.85em;margin-top:0}
#headline{border:2px solid #35608f;border-radius:6px;padding:.4em 1em 1em;background:#f6f9fd}
#headline h2{margin-top:.3em;border:none}
#headline ul{margin:.3em 0}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.86em}
table.headline{font-size:1em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f2f2f2}th.sortable{cursor:pointer}th.sortable:hover{background:#e4e4e4}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.fail{background:#fde2e2;color:#8a0000;font-weight:600}td.pass{background:#e6f4ea}
td.expected{background:#fff0e0;color:#7a4a00}
td.warn{background:#fff4ce;text-align:right}
td.suspect{color:#8a0000;font-style:italic;text-align:right;
  background:repeating-linear-gradient(135deg,#f4f4f4,#f4f4f4 4px,#e6e6e6 4px,#e6e6e6 8px)}
caption{caption-side:top;text-align:left;font-size:.9em;color:#444;padding:.3em 0;max-width:110ch}
.warn{background:#fff4ce;border:1px solid #e0c341;padding:.3em .8em;margin:.4em 0;font-size:.88em}
p.note{color:#444;font-size:.9em;max-width:120ch;margin-top:0}
.filter{margin:.6em 0 .2em}.filter input{width:28em;max-width:90%;padding:.25em}.filter span{margin-left:1em;color:#555}
nav.toc{columns:3 18em;font-size:.9em;background:#fafafa;border:1px solid #e4e4e4;padding:.5em 1.5em}
nav.toc ul{margin:0;padding-left:1.2em}
figure{margin:1.2em 0 2em}
figure img{width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.92em;color:#333;max-width:120ch}
.machines{display:flex;flex-wrap:wrap;gap:2em}.machines>div{flex:1 1 500px}
details{margin:.5em 0}summary{cursor:pointer;font-weight:600}
code{background:#f4f4f4;padding:0 .2em}
"""


def _html_table(t: Table, table_id: str = "") -> str:
    return render_html(t, table_id)


class Page:
    """Collects sections and figures, then writes the table of contents before them."""

    def __init__(self) -> None:
        self.body: list[str] = []
        self.toc: list[tuple[int, str, str]] = []  # (level, id, title)
        self._ids: set[str] = set()

    def anchor(self, title: str) -> str:
        base = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-") or "s"
        i, a = 1, base
        while a in self._ids:
            i += 1
            a = f"{base}-{i}"
        self._ids.add(a)
        return a

    def heading(self, level: int, title: str, toc: bool = True) -> None:
        a = self.anchor(title)
        if toc:
            self.toc.append((level, a, title))
        self.body.append(f'<h{level} id="{a}">{html.escape(title)}</h{level}>')

    def add(self, text: str) -> None:
        self.body.append(text)


def _figure_html(anchor: str, number: int, stem: str, caption: str) -> str:
    src = f"figures/{html.escape(stem)}.png"
    return (f'<figure id="{anchor}"><a href="{src}" title="open the full-size figure">'
            f'<img src="{src}" alt="{html.escape(caption)}"></a>'
            f"<figcaption><b>Figure {number}.</b> {html.escape(caption)} "
            f'<a href="{src}">Full size</a>.</figcaption></figure>')


SECTION_TITLES = {"history": "History figures", "throughput": "Throughput figures", "pct_of_copy": "% of copy heatmaps",
                  "accuracy": "Accuracy figures", "ulp": "ULP error against x", "curves": "Function and derivative"}


def page(reports: list[Report], figures: list[tuple[str, str, str]], notes: list[str],
         hist: History | None = None, joins: Sequence[ModelJoin] = ()) -> str:
    """The HTML page. `figures`: (stem, caption, section) of files written to figures/<stem>.png;
    `hist`: the History section's reports (actbench-report --history); `joins`: the instruction roofline beside
    the measured figures (actbench-report --model)."""
    title = "actbench results — " + ", ".join(r.label for r in reports)
    p = Page()
    p.add(f'<section id="headline"><h2>Headline</h2><p class="note">{html.escape(HEADLINE_NOTE)}</p>')
    for rep in reports:
        rows = headline(rep)
        multi = len({(h.backend, h.device) for h in rows}) > 1
        p.add(f"<h3>{html.escape(rep.label)}</h3>")
        for w in warnings_for(rep):
            p.add(f'<div class="warn">{html.escape(w)}</div>')
        p.add(_html_table(headline_table(rows, multi)))
        real_all = [f for h in rows for f in h.failures]
        intended = sum(len(h.expected_failures) for h in rows)
        if real_all:
            p.add(f"<p><b>Precise/fast failures ({len(real_all)}):</b></p><ul>"
                  + "".join(f"<li>{html.escape(line)}</li>" for line in failure_lines(real_all)) + "</ul>")
        else:
            p.add("<p><b>No precise or fast case fails.</b></p>")
        p.add(f"<p>{intended} textbook configurations fail, as intended "
              '(<a href="#intended-failures">listed under Accuracy</a>).</p>')
    p.add("</section>")

    p.heading(2, "Runs")
    p.add(_html_table(Table(["machine", "backend", "schema", "timed", "pass", "fail", "unchecked", "not run",
                             "suspect"],
                            [[r.label, r.backend, f"v{r.schema_version}"] + [str(counts(r)[k]) for k in
                             ("timed", "pass", "fail", "unchecked", "not run", "suspect")] for r in reports],
                            interactive=False)))
    p.add('<div class="machines">')
    for r in reports:
        p.add(f"<div><h3>{html.escape(r.label)}</h3>{_html_table(context_table(r))}</div>")
    p.add("</div>")

    by_section: dict[str, list[tuple[str, str]]] = {}
    for stem, cap, section in figures:
        by_section.setdefault(section, []).append((stem, cap))
    numbers = {stem: i + 1 for i, (stem, _, _) in enumerate(figures)}

    def add_figures(section: str) -> None:
        items = by_section.get(section, [])
        if not items:
            return
        p.heading(3, SECTION_TITLES[section])
        for stem, cap in items:
            p.add(_figure_html(p.anchor("fig-" + stem), numbers[stem], stem, cap))

    if hist is not None:
        p.heading(2, "History")
        p.add(html_section(hist))
        add_figures("history")

    p.heading(2, "Throughput")
    for r in reports:
        p.heading(3, f"{r.label}: in-run copy and % of copy")
        p.add(_html_table(roofline_table(r)))
        p.add(_html_table(copy_bw_table(r)))
        sus = suspect_table(r)
        if sus.rows:
            p.add(f"<details><summary>Suspect timings: {len(sus.rows)} records</summary>"
                  + _html_table(sus) + "</details>")
    comps = comparison_tables(reports)
    if comps:
        p.heading(3, "Across machines")
        for comp in comps:
            p.add(_html_table(comp))
    if peers_table.has_peers(reports):
        p.heading(3, "Side by side: actbench and its peers")
        side = peers_table.collect(reports)
        p.add(_html_table(peers_table.table(side)))
        behind = peers_table.not_ahead(side)
        if behind:
            p.add("<p><b>actbench is not ahead:</b></p><ul>"
                  + "".join(f"<li>{html.escape(x)}</li>" for x in behind) + "</ul>")
    if joins:
        p.heading(3, "Instruction roofline: measured beside predicted")
        for j in joins:
            if j.table is not None:
                p.add(_html_table(j.table))
            if j.notes:
                p.add((f"<p>{html.escape(j.label)}:</p>" if j.label else "") + "<ul>"
                      + "".join(f"<li>{html.escape(x)}</li>" for x in j.notes) + "</ul>")
    add_figures("pct_of_copy")
    add_figures("throughput")

    p.heading(2, "Accuracy")
    for r in reports:
        p.heading(3, f"{r.label}: accuracy per activation and dtype")
        p.add(_html_table(accuracy_grid(r)))
        p.add("<details><summary>Every configuration, with all its figures</summary>"
              + _html_table(configuration_table(r)) + "</details>")
    p.heading(3, "Failing cases")
    for i, r in enumerate(reports):
        real, expected = failures(list(r.records.values()))
        p.add(f"<h4>{html.escape(r.label)}: {len(real)} precise/fast failing configuration(s)</h4>")
        p.add(_html_table(failing_table(real[:MAX_LISTED], False)) if real else "<p>None.</p>")
        anchor = ' id="intended-failures"' if i == 0 else ""
        p.add(f"<h4{anchor}>{html.escape(r.label)}: {len(expected)} textbook configuration(s) failing as intended</h4>")
        if expected:
            p.add(_html_table(failing_table(expected[:MAX_LISTED], True)))
        if len(real) > MAX_LISTED or len(expected) > MAX_LISTED:
            p.add(f"<p>Only the first {MAX_LISTED} of each are listed.</p>")
    add_figures("accuracy")
    add_figures("ulp")
    add_figures("curves")

    p.heading(2, "Not run")
    for r in reports:
        p.add(f"<h3>{html.escape(r.label)}: {len(r.not_run)} case(s)</h3>")
        p.add(_html_table(not_run_table(r)) if r.not_run else "<p>None.</p>")
    if notes:
        p.heading(2, "Notes")
        p.add("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")

    toc = ['<nav class="toc" aria-label="contents"><b>Contents</b><ul>',
           '<li><a href="#headline">Headline</a></li>']
    for level, a, entry in p.toc:
        if level <= 3:
            toc.append(f'<li style="margin-left:{(level - 2) * 1.2}em"><a href="#{a}">{html.escape(entry)}</a></li>')
    toc.append("</ul></nav>")
    h = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         f"<title>{html.escape(title)}</title>", f"<style>{CSS}</style></head><body>",
         f"<h1>{html.escape(title)}</h1>",
         f'<p class="generated">actbench-report {__version__}, '
         f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, from "
         + ", ".join(f"<code>{html.escape(str(r.path))}</code>" for r in reports) + ".</p>"]
    end = p.body.index("</section>") + 1  # the headline first, then the contents
    h += p.body[:end] + toc + p.body[end:]
    h += [f"<script>{TABLE_SCRIPT}</script>", "</body></html>"]
    return "\n".join(h) + "\n"


# --------------------------------------------------------------------------------------------
# the CLI

def build_parser():
    ap = parser(PROG, __doc__)
    add_reports_argument(ap, "one or more reports")
    ap.add_argument("-o", "--output-dir", type=Path, required=True, metavar="DIR",
                    help="writes DIR/report.html, DIR/figures/*.png and DIR/summary.md")
    ap.add_argument("--actbench", metavar="PATH",
                    help="actbench binary for the ULP-vs-x figures and curves (default: actbench on PATH)")
    ap.add_argument("--no-curves", action="store_true", help="skip the figures that need the binary")
    ap.add_argument("--no-figures", action="store_true", help="tables only (fast)")
    ap.add_argument("--history", action="store_true",
                    help="the reports are successive commits of one machine: add a History section (each case "
                         "across them, regressions against the commit before, figures; see actbench-plot --history) "
                         "and describe only the newest report in the rest of the page")
    ap.add_argument("--threshold", type=float, default=5.0, metavar="PCT",
                    help="with --history: regression threshold, as in actbench-compare (default: %(default)s)")
    ap.add_argument("--model", type=Path, metavar="MODEL.json",
                    help="the instruction roofline (results/model-sm90.json, tools/sass/sass_model.py): each cuda "
                         "record of actbench's kernels at its dtype's largest n outside the L2 beside its predicted "
                         "%% of copy on the device that ran it, as actbench-model join --n largest prints it")
    ap.add_argument("--format", choices=("html",) + EXPORT_FORMATS, default="html",
                    help="html: report.html and summary.md (default); github-action-benchmark, junit: "
                         "CI formats of one report, as actbench-export writes them")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.format != "html":
        if args.history:
            raise UsageError(f"--history makes the HTML report; it does not go with --format {args.format}")
        if args.model is not None:
            raise UsageError(f"--model goes into the HTML report; it does not go with --format {args.format}")
        return export_main(args.reports, args.format, args.output_dir, PROG)
    rows = model.load_rows(args.model) if args.model is not None else None  # a bad model: an error before any work
    workers = None
    if not args.no_figures:  # a bad ACTBENCH_PLOT_JOBS: an error before any report is read
        from .plot import default_workers  # matplotlib only when drawing

        workers = default_workers()
    reports = load_with_warnings(PROG, args.reports)
    hist = None
    if args.history:
        hist = history_for(reports, args.threshold, lambda m: warn(PROG, m))
        reports = hist.reports[-1:]  # the page describes the newest; the History section all of them
    joins = model_joins(reports, rows, args.model.name) if rows is not None and args.model is not None else []
    figures: list[tuple[str, str, str]] = []
    notes: list[str] = []
    args.output_dir.mkdir(parents=True, exist_ok=True)
    if not args.no_figures:
        from . import plot  # matplotlib only when drawing

        actbench = None if args.no_curves else plot.find_actbench(args.actbench)

        def say(msg: str) -> None:
            notes.append(msg)
            note(PROG, msg)

        figdir = args.output_dir / "figures"
        figdir.mkdir(exist_ok=True)
        for old in figdir.glob("*.png"):
            old.unlink()
        for f in iter_history_figures(hist) if hist is not None else ():
            plot.save_figure(f.fig, figdir, f.stem, ("png",), dpi=FIGURE_DPI)
            figures.append((f.stem, f.caption, f.section))
        jobs = plot.figure_jobs(reports, actbench, say, curves=not args.no_curves)
        figures += [(r.stem, r.caption, r.section)
                    for r in plot.render_figures(jobs, figdir, say, ("png",), dpi=FIGURE_DPI, workers=workers)]
    html_path = args.output_dir / "report.html"
    md_path = args.output_dir / "summary.md"
    html_path.write_text(page(reports, figures, notes, hist, joins), encoding="utf-8")
    md_path.write_text(markdown(reports, hist=hist, joins=joins), encoding="utf-8")
    print(html_path)
    print(md_path)
    return 0


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
