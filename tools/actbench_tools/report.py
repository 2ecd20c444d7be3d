"""actbench-report: a self-contained HTML page and a Markdown summary of actbench reports.

Writes DIR/report.html (context of each machine, %-of-copy and accuracy tables, failing and
not-run cases, every figure inline as a base64 PNG; no network, no external CSS or JS) and
DIR/summary.md (the same tables without figures, for a CI job summary).
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .cli_common import note, run, warn
from .compare import compare, fmt_ratio, fmt_ulp, geomean_table
from .export import FORMATS as EXPORT_FORMATS, export_main
from .load import (DIRECTION_ORDER, DTYPE_ORDER, IMPL_ORDER, VARIANT_ORDER, Record, Report, format_n,
                   load_reports, order_index, warnings_for)

PROG = "actbench-report"
MAX_LISTED = 200  # failing / not-run groups listed in full in the HTML (the md lists fewer)


def _sorted(values, order):
    return sorted(values, key=lambda v: (order_index(v, order), v))


# --------------------------------------------------------------------------------------------
# tables as data: (header, rows), rendered to HTML or Markdown

Table = tuple[list[str], list[list[str]]]


def context_table(rep: Report) -> Table:
    c = rep.context
    rows = []
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
    rows.append(["report file", str(rep.path)])
    if rep.partial:
        rows.append(["PARTIAL RUN", rep.partial_reason or "no reason given"])
    return ["", ""], rows


def counts(rep: Report) -> dict[str, int]:
    out = {"timed": len(rep.records), "pass": 0, "fail": 0, "unchecked": 0, "not run": len(rep.not_run)}
    for r in rep.records.values():
        out[r.status] += 1
    return out


def _pick(values: set, preferred: str, order) -> str | None:
    if preferred in values:
        return preferred
    s = _sorted(values, order)
    return s[0] if s else None


def copy_bw_table(rep: Report) -> tuple[str, Table]:
    """% of copy bandwidth per activation x (dtype, direction), impl actbench, variant precise,
    at the largest n of each cell."""
    recs = list(rep.records.values())
    impl = _pick({r.key.impl for r in recs}, "actbench", IMPL_ORDER)
    variant = _pick({r.key.variant for r in recs}, "precise", VARIANT_ORDER)
    sel = [r for r in recs if r.key.impl == impl and r.key.variant == variant]
    dtypes = _sorted({r.key.dtype for r in sel}, DTYPE_ORDER)
    dirs = _sorted({r.key.direction for r in sel}, DIRECTION_ORDER)
    acts = sorted({r.key.activation for r in sel})
    best: dict[tuple, Record] = {}
    for r in sel:
        k = (r.key.activation, r.key.dtype, r.key.direction)
        if k not in best or r.key.n > best[k].key.n:
            best[k] = r
    nmax = max((r.key.n for r in sel), default=0)
    cols = [(dt, d) for dt in dtypes for d in dirs if any((a, dt, d) in best for a in acts)]
    header = ["activation"] + [f"{dt} {d}" for dt, d in cols]
    rows = []
    for a in acts:
        row = [a]
        for dt, d in cols:
            r = best.get((a, dt, d))
            row.append("—" if r is None else f"{r.pct_of_copy_bw:.0f}" + ("" if r.key.n == nmax else f" (n={format_n(r.key.n)})"))
        rows.append(row)
    caption = (f"% of the in-run memcpy bandwidth, impl {impl}, variant {variant}, at the largest n "
               f"({format_n(nmax)}; otherwise the n shown)")
    return caption, (header, rows)


def accuracy_table(rep: Report) -> tuple[str, Table]:
    """Worst max ULP per activation x variant (rows) and dtype (columns), over directions, impls
    and sizes; FAIL when any of those failed."""
    cells: dict[tuple, list] = {}
    for r in rep.records.values():
        if r.accuracy is None:
            continue
        k = (r.key.activation, r.key.variant, r.key.dtype)
        c = cells.setdefault(k, [0.0, False, 0])
        c[0] = max(c[0], r.accuracy.max_ulp)
        c[1] |= r.status == "fail"
        c[2] = max(c[2], r.accuracy.nonfinite_mismatches)
    if not cells:
        return "no accuracy records (accuracy off)", ([], [])
    dtypes = _sorted({k[2] for k in cells}, DTYPE_ORDER)
    rows_k = sorted({(k[0], k[1]) for k in cells}, key=lambda t: (t[0], order_index(t[1], VARIANT_ORDER)))
    rows = []
    for a, v in rows_k:
        row = [a, v]
        for dt in dtypes:
            c = cells.get((a, v, dt))
            if c is None:
                row.append("—")
                continue
            txt = fmt_ulp(c[0])
            if c[2]:
                txt += f", {c[2]} non-finite"
            row.append(txt + (" FAIL" if c[1] else " pass"))
        rows.append(row)
    return ("max ULP error (worst over directions, impls and sizes); FAIL: some case of this cell failed "
            "its bound"), (["activation", "variant"] + dtypes, rows)


@dataclass
class Group:
    label: str
    ns: list[int]
    rec: Record | None = None
    status: str = ""
    reason: str = ""


def failing_groups(rep: Report) -> list[Group]:
    groups: dict[tuple, Group] = {}
    for r in sorted(rep.records.values(), key=lambda r: r.key):
        if r.status != "fail":
            continue
        k = r.key
        g = groups.setdefault(k.config, Group(f"{k.activation}/{k.direction}/{k.dtype}/{k.variant}/{k.impl}/"
                                              f"{k.backend}:{k.device}", [], r))
        g.ns.append(k.n)
        if r.accuracy and g.rec.accuracy and r.accuracy.max_ulp > g.rec.accuracy.max_ulp:
            g.rec = r
    return list(groups.values())


def failing_table(groups: list[Group]) -> Table:
    header = ["case", "sizes", "max ULP", "bound ULP", "out of bound", "non-finite", "signed zero",
              "worst input x", "y", "reference"]
    rows = []
    for g in groups:
        a = g.rec.accuracy
        w = (a.worst or {}) if a else {}
        rows.append([g.label, _ns(g.ns), fmt_ulp(a.max_ulp) if a else "—", f"{a.bound_ulp:g}" if a else "—",
                     str(a.out_of_bound) if a else "—", str(a.nonfinite_mismatches) if a else "—",
                     str(a.signed_zero_mismatches) if a else "—",
                     f"{w.get('x', '—')} ({w.get('x_bits', '')})" if w else "—",
                     str(w.get("y", "—")), str(w.get("ref", "—"))])
    return header, rows


def not_run_groups(rep: Report) -> list[Group]:
    groups: dict[tuple, Group] = {}
    for x in sorted(rep.not_run, key=lambda x: x.key):
        k = x.key
        g = groups.setdefault((k.config, x.status, x.reason),
                              Group(f"{k.activation}/{k.direction}/{k.dtype}/{k.variant}/{k.impl}/{k.backend}:{k.device}",
                                    [], None, x.status, x.reason))
        g.ns.append(k.n)
    return list(groups.values())


def not_run_table(groups: list[Group]) -> Table:
    return ["case", "sizes", "status", "reason"], [[g.label, _ns(g.ns), g.status, g.reason] for g in groups]


def _ns(ns: list[int]) -> str:
    ns = sorted(ns)
    if len(ns) > 3:
        return f"{format_n(ns[0])} … {format_n(ns[-1])} ({len(ns)} sizes)"
    return ", ".join(format_n(n) for n in ns)


def comparison_tables(reports: list[Report]) -> list[tuple[str, Table]]:
    out = []
    for other in reports[1:]:
        across = other.backend != reports[0].backend
        cmp = compare(reports[0], other, across_backends=across)
        if not cmp.cases:
            continue
        vc = cmp.verdict_counts()
        caption = (f"throughput ratio {other.label} / {reports[0].label} (geomean over matched cases; "
                   f"{len(cmp.cases)} matched, {len(cmp.only_in_baseline)} only in the first, "
                   f"{len(cmp.only_in_other)} only in this one; faster {vc['faster']}, same {vc['same']}, "
                   f"slower {vc['slower']}" + ("; matched across backends" if across else "") + ")")
        out.append((caption, geomean_table(cmp)))
    return out


# --------------------------------------------------------------------------------------------
# Markdown

def _md_table(t: Table) -> str:
    header, rows = t
    if not header:
        return ""
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    head = [h or " " for h in header]
    lines = ["| " + " | ".join(esc(h) for h in head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def markdown(reports: list[Report], max_listed: int = 30) -> str:
    out = ["# actbench results", ""]
    out.append("| machine | backend | timed | pass | fail | unchecked | not run | partial | throttled |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for rep in reports:
        c = counts(rep)
        out.append(f"| {rep.label} | {rep.backend} | {c['timed']} | {c['pass']} | {c['fail']} | {c['unchecked']} "
                   f"| {c['not run']} | {'YES' if rep.partial else 'no'} | "
                   f"{'YES' if rep.context.get('throttled') else 'no'} |")
    for rep in reports:
        out += ["", f"## {rep.label}", ""]
        ctx = rep.context
        out.append(f"`{rep.path.name}` — {ctx.get('date', '?')}, actbench {ctx.get('actbench_version', '?')} "
                   f"({str(ctx.get('git_sha', '?'))[:12]}), accuracy {ctx.get('accuracy_mode', '?')}")
        if rep.partial:
            out += ["", f"**Partial run:** {rep.partial_reason or 'no reason given'}"]
        cap, t = copy_bw_table(rep)
        out += ["", f"**% of copy bandwidth** — {cap}", "", _md_table(t)]
        cap, t = accuracy_table(rep)
        out += ["", f"**Accuracy** — {cap}", "", _md_table(t)]
        fg = failing_groups(rep)
        if fg:
            out += ["", f"**Failing cases ({len(fg)} configurations)**", "",
                    _md_table(failing_table(fg[:max_listed]))]
            if len(fg) > max_listed:
                out.append(f"\n… and {len(fg) - max_listed} more (see report.html)")
        ng = not_run_groups(rep)
        if ng:
            out += ["", f"**Not run ({len(rep.not_run)} cases)**", "", _md_table(not_run_table(ng[:max_listed]))]
            if len(ng) > max_listed:
                out.append(f"\n… and {len(ng) - max_listed} more (see report.html)")
    comps = comparison_tables(reports)
    if comps:
        out += ["", "## Across machines", ""]
        for cap, t in comps:
            out += [f"Geomean {cap}", "", _md_table(t), ""]
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------------------------
# HTML

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5em auto;max-width:1500px;
     padding:0 1em;color:#1a1a1a;line-height:1.4}
h1{font-size:1.6em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.86em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.fail{background:#fde2e2;color:#8a0000;font-weight:600}td.pass{background:#e6f4ea}
caption{caption-side:top;text-align:left;font-size:.9em;color:#444;padding:.3em 0}
.warn{background:#fff4ce;border:1px solid #e0c341;padding:.5em .8em;margin:.5em 0}
.figs{display:flex;flex-wrap:wrap;gap:1em}.figs figure{margin:0;flex:1 1 600px}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
.machines{display:flex;flex-wrap:wrap;gap:2em}.machines>div{flex:1 1 500px}
code{background:#f4f4f4;padding:0 .2em}
"""


def _cell(v: str) -> str:
    cls = ""
    if v.endswith(" FAIL"):
        cls = ' class="fail"'
    elif v.endswith(" pass"):
        cls = ' class="pass"'
    elif v[:1].isdigit() or v.startswith("-"):
        cls = ' class="num"'
    return f"<td{cls}>{html.escape(v)}</td>"


def _html_table(t: Table, caption: str = "") -> str:
    header, rows = t
    if not header:
        return f"<p>{html.escape(caption)}</p>" if caption else ""
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    if any(header):
        parts.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
    for r in rows:
        parts.append("<tr>" + "".join(_cell(str(c)) for c in r) + "</tr>")
    parts.append("</table>")
    return "\n".join(parts)


def figure_png_b64(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def page(reports: list[Report], figures: list[tuple[str, str]], notes: list[str]) -> str:
    title = "actbench results — " + ", ".join(r.label for r in reports)
    h = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         f"<title>{html.escape(title)}</title>", f"<style>{CSS}</style></head><body>",
         f"<h1>{html.escape(title)}</h1>",
         f"<p>Generated by actbench-report {__version__} on "
         f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} from "
         + ", ".join(f"<code>{html.escape(str(r.path))}</code>" for r in reports) + ".</p>"]
    for r in reports:
        for w in warnings_for(r):
            h.append(f'<div class="warn">{html.escape(w)}</div>')
    h.append("<table><tr><th>machine</th><th>backend</th><th>timed</th><th>pass</th><th>fail</th>"
             "<th>unchecked</th><th>not run</th></tr>")
    for r in reports:
        c = counts(r)
        h.append("<tr>" + "".join(_cell(str(v)) for v in
                                  (r.label, r.backend, c["timed"], c["pass"], c["fail"], c["unchecked"], c["not run"]))
                 + "</tr>")
    h.append("</table>")

    h.append("<h2>Machines</h2><div class=\"machines\">")
    for r in reports:
        h.append(f"<div><h3>{html.escape(r.label)}</h3>{_html_table(context_table(r))}</div>")
    h.append("</div>")

    h.append("<h2>Throughput: % of copy bandwidth</h2>")
    for r in reports:
        cap, t = copy_bw_table(r)
        h.append(f"<h3>{html.escape(r.label)}</h3>" + _html_table(t, cap))
    comps = comparison_tables(reports)
    if comps:
        h.append("<h3>Across machines</h3>")
        for cap, t in comps:
            h.append(_html_table(t, "geomean " + cap))

    h.append("<h2>Accuracy</h2>")
    for r in reports:
        cap, t = accuracy_table(r)
        h.append(f"<h3>{html.escape(r.label)}</h3>" + _html_table(t, cap))

    h.append("<h2>Failing cases</h2>")
    for r in reports:
        fg = failing_groups(r)
        h.append(f"<h3>{html.escape(r.label)}: {len(fg)} failing configuration(s)</h3>")
        if fg:
            h.append(_html_table(failing_table(fg[:MAX_LISTED]),
                                 "status fail; the worst input is the one with the largest ULP error"))
            if len(fg) > MAX_LISTED:
                h.append(f"<p>… and {len(fg) - MAX_LISTED} more.</p>")
        else:
            h.append("<p>None.</p>")

    h.append("<h2>Not run</h2>")
    for r in reports:
        ng = not_run_groups(r)
        h.append(f"<h3>{html.escape(r.label)}: {len(r.not_run)} case(s)</h3>")
        h.append(_html_table(not_run_table(ng[:MAX_LISTED])) if ng else "<p>None.</p>")

    h.append("<h2>Figures</h2>")
    for n in notes:
        h.append(f"<p><em>{html.escape(n)}</em></p>")
    if figures:
        h.append('<div class="figs">')
        for stem, b64 in figures:
            h.append(f'<figure><img alt="{html.escape(stem)}" src="data:image/png;base64,{b64}">'
                     f"<figcaption>{html.escape(stem)}</figcaption></figure>")
        h.append("</div>")
    h.append("</body></html>")
    return "\n".join(h) + "\n"


# --------------------------------------------------------------------------------------------
# the CLI

def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("reports", nargs="+", metavar="REPORT.json", help="one or more reports")
    ap.add_argument("-o", "--output-dir", type=Path, required=True, metavar="DIR",
                    help="writes DIR/report.html and DIR/summary.md")
    ap.add_argument("--actbench", metavar="PATH", help="actbench binary for the curves (default: actbench on PATH)")
    ap.add_argument("--no-curves", action="store_true", help="skip the function/derivative curves")
    ap.add_argument("--no-figures", action="store_true", help="tables only (fast)")
    ap.add_argument("--format", choices=("html",) + EXPORT_FORMATS, default="html",
                    help="html: report.html and summary.md (default); github-action-benchmark, junit: "
                         "CI formats of one report, as actbench-export writes them")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.format != "html":
        return export_main(args.reports, args.format, args.output_dir, PROG)
    reports = load_reports(args.reports)
    for r in reports:
        for w in warnings_for(r):
            warn(PROG, w)
    figures: list[tuple[str, str]] = []
    notes: list[str] = []
    if not args.no_figures:
        from . import plot  # matplotlib only when drawing

        actbench = None if args.no_curves else plot.find_actbench(args.actbench)

        def say(msg: str) -> None:
            notes.append(msg)
            note(PROG, msg)

        for stem, fig in plot.iter_figures(reports, actbench, say, curves=not args.no_curves):
            figures.append((stem, figure_png_b64(fig)))
    args.output_dir.mkdir(parents=True, exist_ok=True)
    html_path = args.output_dir / "report.html"
    md_path = args.output_dir / "summary.md"
    html_path.write_text(page(reports, figures, notes), encoding="utf-8")
    md_path.write_text(markdown(reports), encoding="utf-8")
    print(html_path)
    print(md_path)
    return 0


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
