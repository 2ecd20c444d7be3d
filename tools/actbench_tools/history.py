"""History across commits: `actbench-plot --history REPORT... -o DIR`.

The reports (one per commit, from one machine) are put in order by their context date, then
git_sha. Each is compared with the one before it exactly as actbench-compare does (noise-aware
verdicts, --threshold); a case whose verdict is a regression is marked at that commit.

Writes into DIR:
  history_<activation>.png/.svg  % of copy bandwidth (top row) and max ULP error (bottom row)
                                 per direction, one line per dtype/variant/impl at its largest n;
                                 a red X marks a regression of that line, a red band every commit
                                 where some case of the activation regressed
  history.md                     the regressions by commit, then one compact row per case
  history.csv                    one row per case and report (every figure the table rests on)

`html_section(history)` gives the tables as an HTML fragment; `actbench-report --history` puts it
and the figures into the HTML report.
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_common import check_threshold
from .compare import case_label, compare, fmt_ulp, match_key
from .load import (
    DIRECTION_ORDER,
    DTYPE_ORDER,
    IMPL_ORDER,
    VARIANT_ORDER,
    Record,
    Report,
    order_index,
    parse_time,
    sort_key,
)
from .tables import Table, render_html, render_md

if TYPE_CHECKING:
    from .plot import Figure

MAX_MD_REGRESSIONS = 200


def _date(rep: Report) -> tuple:
    text = str(rep.context.get("date", ""))
    when = parse_time(text)
    if when is None:
        return (1, 0.0, text)  # unparsable dates after the parsable ones, in text order
    return (0, when.timestamp(), text)


def order_reports(reports: list[Report]) -> list[Report]:
    """By the report's date, then its git sha."""
    return sorted(reports, key=lambda r: (_date(r), str(r.context.get("git_sha", ""))))


def commit_label(rep: Report) -> str:
    sha = str(rep.context.get("git_sha", "?"))[:10]
    return f"{sha} {str(rep.context.get('date', '?'))[:10]}"


@dataclass
class History:
    reports: list[Report]  # in order
    threshold_pct: float
    cases: dict[tuple, list[Record | None]]  # match key -> the record in each report (None: absent)
    regressed: dict[tuple, dict[int, list[str]]] = field(default_factory=dict)  # key -> {report index: why}

    def regressions_at(self, i: int) -> list[tuple[tuple, list[str]]]:
        return [(k, by[i]) for k, by in self.regressed.items() if i in by]

    def label(self, mk: tuple) -> str:
        return case_label(next(r for r in self.cases[mk] if r is not None).key)

    def ordered_keys(self) -> list[tuple]:
        return sorted(self.cases, key=lambda mk: sort_key(next(r for r in self.cases[mk] if r is not None).key))


def build_history(reports: list[Report], threshold_pct: float = 5.0) -> History:
    ordered = order_reports(reports)
    cases: dict[tuple, list[Record | None]] = {}
    for i, rep in enumerate(ordered):
        for key, rec in rep.records.items():
            cases.setdefault(match_key(key), [None] * len(ordered))[i] = rec
    hist = History(ordered, threshold_pct, cases)
    for i in range(1, len(ordered)):
        cmp = compare(ordered[i - 1], ordered[i], threshold_pct=threshold_pct)
        for c in cmp.cases:
            if c.regressions:
                hist.regressed.setdefault(match_key(c.key), {})[i] = list(c.regressions)
    return hist


def machines(reports: list[Report]) -> list[str]:
    return list(dict.fromkeys(r.machine_label() for r in reports))


# --------------------------------------------------------------------------------------------
# tables

def _fmt_pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def _series(recs: list[Record | None], pick: Callable[[Record], float | None]) -> list[float | None]:
    return [None if r is None else pick(r) for r in recs]


def _max_ulp(r: Record) -> float | None:
    return None if r.accuracy is None else r.accuracy.max_ulp


def case_table(hist: History, regressed_only: bool = False) -> Table:
    """One compact row per case: % of copy and max ULP first -> last (range), last status, and the
    commits where it regressed."""
    header = ["case", "reports", "% of copy first → last", "% of copy min–max", "max ULP first → last",
              "status (last)", "regressed at"]
    rows = []
    for mk in hist.ordered_keys():
        reg = hist.regressed.get(mk, {})
        if regressed_only and not reg:
            continue
        recs = hist.cases[mk]
        present = [r for r in recs if r is not None]
        pct = [v for v in _series(recs, lambda r: r.pct_of_copy_bw) if v is not None]
        ulp = [v for v in _series(recs, _max_ulp) if v is not None]
        rows.append([
            hist.label(mk), str(len(present)),
            f"{_fmt_pct(pct[0])} → {_fmt_pct(pct[-1])}" if pct else "—",
            f"{_fmt_pct(min(pct))}–{_fmt_pct(max(pct))}" if pct else "—",
            f"{fmt_ulp(ulp[0])} → {fmt_ulp(ulp[-1])}" if ulp else "—",
            present[-1].status,
            ", ".join(commit_label(hist.reports[i]).split()[0] for i in sorted(reg)) or "—"])
    return Table(header, rows)


def regression_table(hist: History) -> Table:
    rank = {mk: i for i, mk in enumerate(hist.ordered_keys())}
    rows = []
    for i, rep in enumerate(hist.reports):
        for mk, why in sorted(hist.regressions_at(i), key=lambda kw: rank[kw[0]]):
            rows.append([commit_label(rep), hist.label(mk), "; ".join(why)])
    return Table(["commit", "case", "regression against the commit before"], rows)


def intro(hist: History, code: Callable[[str], str]) -> tuple[str, str]:
    """(which reports, how they were compared): the sentences above the tables; `code` marks up a
    commit label."""
    return (f"{len(hist.reports)} reports of {', '.join(machines(hist.reports))}, oldest first: "
            + " · ".join(code(commit_label(r)) for r in hist.reports) + ".",
            f"Each compared with the one before it (threshold {hist.threshold_pct:g}%, noise-aware verdicts).")


def markdown(hist: History, level: int = 1) -> str:
    h = "#" * level
    which, how = intro(hist, lambda c: f"`{c}`")
    out = [f"{h} actbench history", "", which, how, ""]
    regs = regression_table(hist)
    flagged = [i for i in range(len(hist.reports)) if hist.regressions_at(i)]
    if regs.rows:
        out.append(f"**Regressions at {len(flagged)} commit(s): "
                   + ", ".join(f"`{commit_label(hist.reports[i])}`" for i in flagged) + "**")
        out.append("")
        out.append(render_md(Table(regs.header, regs.rows[:MAX_MD_REGRESSIONS])))
        if len(regs.rows) > MAX_MD_REGRESSIONS:
            out.append(f"\n… and {len(regs.rows) - MAX_MD_REGRESSIONS} more (history.csv has them all)")
    else:
        out.append("**No regressions.**")
    out += ["", "<details><summary>Every case</summary>", "", render_md(case_table(hist)), "", "</details>"]
    return "\n".join(out) + "\n"


CSV_HEADER = ["case", "activation", "direction", "dtype", "variant", "impl", "backend", "n", "report_index",
              "report", "git_sha", "date", "gbps", "pct_of_copy_bw", "max_ulp", "status", "regressed",
              "regression"]


def write_csv(hist: History, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        for mk in hist.ordered_keys():
            label = hist.label(mk)
            for i, rec in enumerate(hist.cases[mk]):
                if rec is None:
                    continue
                k, rep = rec.key, hist.reports[i]
                why = hist.regressed.get(mk, {}).get(i, [])
                ulp = _max_ulp(rec)
                w.writerow([label, k.activation, k.direction, k.dtype, k.variant, k.impl, k.backend, k.n, i,
                            rep.path.name, rep.context.get("git_sha", ""), rep.context.get("date", ""),
                            f"{rec.gbps:.6g}", f"{rec.pct_of_copy_bw:.6g}", "" if ulp is None else f"{ulp:.6g}",
                            rec.status, int(bool(why)), "; ".join(why)])


# --------------------------------------------------------------------------------------------
# figures

def _lines(hist: History, activation: str) -> dict[tuple, tuple]:
    """{(direction, dtype, variant, impl): match key of its largest n} for one activation."""
    best: dict[tuple, tuple] = {}
    for mk, recs in hist.cases.items():
        k = next(r for r in recs if r is not None).key
        if k.activation != activation:
            continue
        line = (k.direction, k.dtype, k.variant, k.impl)
        cur = best.get(line)
        if cur is None or k.n > next(r for r in hist.cases[cur] if r is not None).key.n:
            best[line] = mk
    return best


def fig_history(hist: History, activation: str) -> tuple[Any, str]:
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from .plot import DTYPE_COLORS, ULP_FLOOR

    variant_style = {"precise": "-", "fast": "--", "textbook": ":"}
    impl_marker = {"actbench": "o", "thrust": "s", "cudnn": "^"}
    lines = _lines(hist, activation)
    dirs = sorted({d for d, *_ in lines}, key=lambda d: order_index(d, DIRECTION_ORDER))
    n = len(hist.reports)
    xs = list(range(n))
    fig, axes = plt.subplots(2, len(dirs), figsize=(max(4.2, 0.55 * n + 2.4) * len(dirs) + 2.8, 7.0),
                             squeeze=False, sharex=True, layout="constrained")
    flagged = sorted({i for mk, by in hist.regressed.items() for i in by
                      if next(r for r in hist.cases[mk] if r is not None).key.activation == activation})
    legend: dict[str, Line2D] = {}
    for ci, d in enumerate(dirs):
        top, bottom = axes[0][ci], axes[1][ci]
        for ax in (top, bottom):
            for i in flagged:
                ax.axvspan(i - 0.3, i + 0.3, color="#d62728", alpha=0.12, lw=0)
        keys = sorted((line for line in lines if line[0] == d),
                      key=lambda t: (order_index(t[1], DTYPE_ORDER), order_index(t[2], VARIANT_ORDER),
                                     order_index(t[3], IMPL_ORDER)))
        for line in keys:
            _, dt, v, impl = line
            mk = lines[line]
            recs = hist.cases[mk]
            color, ls, marker = DTYPE_COLORS.get(dt, "k"), variant_style.get(v, "-."), impl_marker.get(impl, "D")
            style: dict[str, Any] = dict(color=color, ls=ls, marker=marker, ms=3.5, lw=1.2)
            pct = [float("nan") if r is None else r.pct_of_copy_bw for r in recs]
            ulp = [float("nan") if r is None or r.accuracy is None else max(r.accuracy.max_ulp, ULP_FLOOR)
                   for r in recs]
            top.plot(xs, pct, **style)
            bottom.plot(xs, ulp, **style)
            for i, why in hist.regressed.get(mk, {}).items():
                slower = any(w.startswith("throughput") for w in why)
                for ax, ys, marked in ((top, pct, slower), (bottom, ulp, len(why) > slower)):
                    if marked and not math.isnan(ys[i]):
                        ax.plot([i], [ys[i]], marker="X", color="#d62728", ms=10, ls="", zorder=5)
            legend.setdefault(f"dtype: {dt}", Line2D([], [], color=color, lw=2))
            legend.setdefault(f"variant: {v}", Line2D([], [], color="0.3", ls=ls))
            legend.setdefault(f"impl: {impl}", Line2D([], [], color="0.3", marker=marker, ls=""))
        lo, hi = top.get_ylim()
        if hi - lo < 10:  # a flat history stays flat: no zoom into noise
            mid = (hi + lo) / 2
            top.set_ylim(mid - 5, mid + 5)
        top.set_title(f"{activation} {d}: % of copy bandwidth")
        bottom.set_title(f"{activation} {d}: max ULP error")
        bottom.set_yscale("log")
        bottom.set_xticks(xs, [commit_label(r).replace(" ", "\n") for r in hist.reports], fontsize=7)
        if ci == 0:
            top.set_ylabel("% of copy (largest n)")
            bottom.set_ylabel(f"max ULP (0 drawn at {ULP_FLOOR:g})")
    names = sorted(legend, key=lambda k: ("dtype", "variant", "impl").index(k.split(":")[0]))
    names.append("regression at this commit")
    legend[names[-1]] = Line2D([], [], marker="X", color="#d62728", ls="", ms=9)
    fig.legend([legend[k] for k in names], names, loc="outside right upper", frameon=False)
    fig.suptitle(f"{activation}: history over {n} commits — {', '.join(machines(hist.reports))}\n"
                 "each line at its largest n; red: a regression verdict against the commit before", fontsize=10)
    caption = (f"{activation} across {n} commits, oldest left: % of the in-run copy bandwidth (top) and max ULP "
               "error (bottom, log scale) per direction, one line per dtype (colour), variant (line style) and impl "
               "(marker) at its largest n. A red X marks a regression against the commit before (actbench-compare's "
               f"verdict, threshold {hist.threshold_pct:g}%); a red band, a commit where some {activation} case "
               "regressed.")
    return fig, caption


def iter_history_figures(hist: History) -> Iterator[Figure]:
    from .plot import Figure

    for act in sorted({next(r for r in recs if r is not None).key.activation for recs in hist.cases.values()}):
        fig, caption = fig_history(hist, act)
        yield Figure(f"history_{act}", fig, caption, "history")


# --------------------------------------------------------------------------------------------
# outputs

def history_for(reports: list[Report], threshold_pct: float = 5.0,
                say: Callable[[str], None] = lambda m: None) -> History:
    """The history of these reports, saying what makes it doubtful (one report, several machines)."""
    check_threshold(threshold_pct)
    if len(reports) < 2:
        say("a history needs two reports or more; drawing it for one")
    who = machines(reports)
    if len(who) > 1:
        say(f"the reports come from {len(who)} machines ({'; '.join(who)}); a history compares one machine "
            "with itself")
    return build_history(reports, threshold_pct)


def write_history(hist: History, outdir: Path, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Figures, history.md and history.csv into outdir; returns the files written."""
    from .plot import save_figure

    outdir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for f in iter_history_figures(hist):
        paths += save_figure(f.fig, outdir, f.stem, formats)
    (outdir / "history.md").write_text(markdown(hist), encoding="utf-8")
    write_csv(hist, outdir / "history.csv")
    paths += [outdir / "history.md", outdir / "history.csv"]
    return paths


def html_section(hist: History) -> str:
    """The history's tables as an HTML fragment for the HTML report (which adds the figures): the
    regressions by commit and the cases that regressed."""
    which, how = intro(hist, str)
    parts = [f"<p>{html.escape(which)} {html.escape(how)}</p>"]
    regs = regression_table(hist)
    parts.append(render_html(regs) if regs.rows else "<p><b>No regressions.</b></p>")
    moved = case_table(hist, regressed_only=True)
    if moved.rows:
        moved.caption = "the cases that regressed, first to last report"
        parts.append(render_html(moved))
    return "\n".join(parts) + "\n"
