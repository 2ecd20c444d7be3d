"""actbench-plot: figures from one or more actbench reports (PNG and SVG, matplotlib Agg).

Figures (file stems; each written as .png and .svg):
  throughput_<activation>      GB/s vs n per direction x variant, one line per dtype/impl, with the
                               in-run copy roofline, the theoretical peak and the cache-resident
                               sizes shaded; suspect timings ringed in red. Several reports:
                               overlaid, one colour per machine.
  pct_of_copy_<machine>        heatmap of % of memcpy bandwidth (activation x dtype) at the largest
                               n, one panel per direction and variant; the colour scale stops at
                               100 % (cells above it outlined), suspect cells grey and hatched.
  accuracy_<machine>_<dtype>   the deciding max ULP error per activation, one panel per direction
                               and variant, coloured by verdict (textbook failures apart), with
                               each case's bound; one file per machine and dtype.
  ulp_binade_<machine>_<act>   max ULP error per binade of x (sign . 2^exp), precise / fast /
                               textbook overlaid, from the report's per_binade data (version-2
                               reports).
  side_by_side_<backend>_<direction>
                               actbench, thrust, cuDNN and framework peers (actbench-peers) of one
                               machine: % of each run's copy and the deciding max ULP per activation,
                               one row of panels per dtype (peers_table.py chooses the records).
  ulp_vs_x_<activation>        ULP error against x (symlog x, f32, dy = 1 for bwd), precise / fast
                               / textbook overlaid, from `actbench eval --json`; and
  curves_<activation>          f and f' as the kernels compute them (f32, precise): both need the
                               actbench binary (--actbench PATH or on PATH), skipped otherwise.

With --history the reports are successive commits of one machine, and the figures are
history_<activation> instead, with history.md and history.csv (see actbench_tools.history).

The figures are drawn by as many processes as the machine has CPUs (at most 8; ACTBENCH_PLOT_JOBS=N
sets N, 1 draws them in this process), and written in the same order as by one.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import shutil
import struct
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.colors import LogNorm, Normalize  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator  # noqa: E402

from .binary import BinaryError, output_of  # noqa: E402
from .cli_common import UsageError, add_reports_argument, load_with_warnings, note, parser, run, warn  # noqa: E402
from .load import (  # noqa: E402
    ACTIVATION_ORDER,
    DIRECTION_ORDER,
    DTYPE_ORDER,
    IMPL_ORDER,
    VARIANT_ORDER,
    Accuracy,
    Binade,
    Record,
    Report,
    format_n,
    sorted_axis,
)

PROG = "actbench-plot"

plt.rcParams.update({
    "svg.fonttype": "none",  # text stays text in SVG
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "figure.titlesize": 13,
})

DTYPE_COLORS = {"f32": "#1f77b4", "f16": "#ff7f0e", "bf16": "#2ca02c", "f64": "#d62728",
                "f8e4m3": "#9467bd", "f8e5m2": "#8c564b"}
DTYPE_MARKERS = {"f32": "o", "f16": "s", "bf16": "^", "f64": "D", "f8e4m3": "v", "f8e5m2": "P"}
IMPL_STYLES = {"actbench": "-", "thrust": "--", "cudnn": "-."}
MACHINE_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
VARIANT_COLORS = {"precise": "#1f77b4", "fast": "#ff7f0e", "textbook": "#d62728"}
VERDICT_COLORS = {"pass": "#4477aa", "fail": "#cc3311", "expected": "#ee9944"}
SUSPECT_COLOR = "#c00000"
ULP_FLOOR = 0.25  # zero ULP error is drawn at this height on log axes
HEAT_CAP = 100.0  # % of copy: the colour scale stops here
PCT_AXIS_CAP = 120.0  # % of copy: the side-by-side bars stop here (beyond it a timing is suspect anyway)


@dataclass
class Figure:
    """One figure, what it shows (the caption) and the page section it belongs to."""

    stem: str
    fig: Any
    caption: str
    section: str  # throughput | pct_of_copy | accuracy | ulp | curves | history


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "report"


def machine_slugs(reports: list[Report]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for r in reports:
        s = slug(r.label)
        seen[s] = seen.get(s, 0) + 1
        out.append(s if seen[s] == 1 else f"{s}-{seen[s]}")
    return out


def _log2_axis(ax, ns):
    ax.set_xscale("log", base=2)
    lo, hi = min(ns), max(ns)
    ticks = [2 ** k for k in range(int(math.log2(lo)), int(math.log2(hi)) + 1)]
    if len(ticks) > 9:
        step = math.ceil(len(ticks) / 9)
        ticks = ticks[::step]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(_pow2_label))


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sup(k: int) -> str:
    """An exponent as Unicode superscript (plain text: no mathtext to lay out)."""
    return str(k).translate(_SUPERSCRIPT)


def _pow2_label(v, _=None) -> str:
    n = int(round(v))
    if n >= 1 and n & (n - 1) == 0:
        return "2" + sup(n.bit_length() - 1)
    return f"{v:g}" if v >= 1 else ""


def _blank(ax, text="not measured"):
    """An empty panel says so instead of looking like zeros."""
    ax.cla()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for sp in ax.spines.values():
        sp.set_color("0.85")
    ax.text(0.5, 0.5, text, ha="center", va="center", color="0.5", transform=ax.transAxes)


def _gbps_formatter(v, _):
    if v >= 1:
        return f"{v:g}"
    return f"{v:.2g}"


def _activations(reports: list[Report]) -> list[str]:
    return sorted_axis({k.activation for r in reports for k in r.records}, ACTIVATION_ORDER)


# --------------------------------------------------------------------------------------------
# throughput vs n

def _cache_edges(records: list[Record]) -> tuple[float | None, float | None]:
    """Upper x edges of the sizes where all / some of these records are cache-resident."""
    ns = sorted({r.key.n for r in records})
    by_n: dict[int, list[bool]] = {}
    for r in records:
        by_n.setdefault(r.key.n, []).append(r.l2_resident)

    def edge(pred):
        last = None
        for i, n in enumerate(ns):
            if pred(by_n[n]):
                last = i
        if last is None:
            return None
        if last + 1 < len(ns):
            return math.sqrt(ns[last] * ns[last + 1])  # half way on the log axis
        return ns[last] * 1.41

    return edge(all), edge(any)


def fig_throughput(reports: list[Report], activation: str, colors: list[str]):
    multi = len(reports) > 1
    recs = [[r for r in rep.records.values() if r.key.activation == activation] for rep in reports]
    allrecs = [r for rs in recs for r in rs]
    directions = sorted_axis({r.key.direction for r in allrecs}, DIRECTION_ORDER)
    variants = sorted_axis({r.key.variant for r in allrecs}, VARIANT_ORDER)
    nrows, ncols = len(variants), len(directions)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols + 3.6, 3.1 * nrows + 1.2),
                             squeeze=False, sharex=True, sharey=True, layout="constrained")
    empty = set()
    all_ns = sorted({r.key.n for r in allrecs})
    legend: dict[str, Artist] = {}
    ymin, ymax = math.inf, 0.0
    suspect_count = 0
    for ri, variant in enumerate(variants):
        for ci, direction in enumerate(directions):
            ax = axes[ri][ci]
            if not any(r.key.variant == variant and r.key.direction == direction for r in allrecs):
                empty.add((ri, ci))
            for mi, (rep, rs) in enumerate(zip(reports, recs, strict=True)):
                panel = [r for r in rs if r.key.variant == variant and r.key.direction == direction]
                if not panel:
                    continue
                mcolor = colors[mi]
                e_all, e_some = _cache_edges(panel)
                x0 = min(all_ns) / 1.41
                if multi:
                    # one thin bar per machine along the bottom: overlapping shades would be unreadable
                    y0, y1 = 0.012 + 0.03 * mi, 0.034 + 0.03 * mi
                    if e_all:
                        ax.axvspan(x0, e_all, ymin=y0, ymax=y1, color=mcolor, alpha=0.75, lw=0, zorder=2)
                    if e_some and (not e_all or e_some > e_all * 1.01):
                        ax.axvspan(e_all or x0, e_some, ymin=y0, ymax=y1, color=mcolor, alpha=0.3, lw=0, zorder=2)
                    if e_all or e_some:
                        legend.setdefault("cache-resident sizes (bar at the bottom, machine colour; "
                                          "pale: some dtypes)", Patch(color="0.45", alpha=0.75))
                else:
                    if e_all:
                        ax.axvspan(x0, e_all, color="0.5", alpha=0.13, lw=0, zorder=0)
                        legend.setdefault("cache-resident", Patch(color="0.5", alpha=0.25))
                    if e_some and (not e_all or e_some > e_all * 1.01):
                        ax.axvspan(e_all or x0, e_some, color="0.5", alpha=0.06, lw=0, zorder=0)
                        legend.setdefault("cache-resident for some dtypes/impls", Patch(color="0.5", alpha=0.1))
                dtypes = sorted_axis({r.key.dtype for r in panel}, DTYPE_ORDER)
                dev_ids = {(r.key.backend, r.key.device) for r in panel}
                ns_panel = {r.key.n for r in panel}
                roof = [x for x in rep.roofline if (x.backend, x.device) in dev_ids]
                if multi:
                    best: dict[int, float] = {}
                    for x in roof:
                        if x.dtype in dtypes and x.n in ns_panel and not x.suspect:
                            best[x.n] = max(best.get(x.n, 0.0), x.copy_gbps)
                    if best:
                        xs = sorted(best)
                        ymax = max(ymax, max(best.values()))
                        ax.plot(xs, [best[n] for n in xs], color=mcolor, lw=5, alpha=0.22,
                                solid_capstyle="butt", zorder=1)
                        legend.setdefault("copy roofline (wide band, machine colour, best dtype)",
                                          Line2D([], [], color="0.45", lw=5, alpha=0.3))
                else:
                    for dt in dtypes:
                        pts = sorted((x.n, x.copy_gbps) for x in roof
                                     if x.dtype == dt and x.n in ns_panel and not x.suspect)
                        if pts:
                            ymax = max(ymax, max(g for _, g in pts))
                            ax.plot(*zip(*pts, strict=True), color=DTYPE_COLORS.get(dt, "k"), lw=5, alpha=0.2,
                                    solid_capstyle="butt", zorder=1)
                    legend.setdefault("copy roofline (wide band, dtype colour)",
                                      Line2D([], [], color="0.4", lw=5, alpha=0.35))
                for _, d in sorted(dev_ids):
                    dev = rep.devices.get(d)
                    if dev and dev.theoretical_peak_gbps:
                        ax.axhline(dev.theoretical_peak_gbps, color=mcolor if multi else "k", ls=(0, (6, 3)),
                                   lw=1.0, alpha=0.8, zorder=1)
                        ymax = max(ymax, dev.theoretical_peak_gbps)
                        label = ("theoretical peak (dashed, machine colour)" if multi
                                 else f"theoretical peak {dev.theoretical_peak_gbps:.0f} GB/s")
                        legend.setdefault(label, Line2D([], [], color="0.3" if multi else "k", ls=(0, (6, 3)), lw=1))
                impls = sorted_axis({r.key.impl for r in panel}, IMPL_ORDER)
                for dt in dtypes:
                    for impl in impls:
                        line = sorted((r for r in panel if r.key.dtype == dt and r.key.impl == impl),
                                      key=lambda r: r.key.n)
                        if not line:
                            continue
                        color = mcolor if multi else DTYPE_COLORS.get(dt, "k")
                        ax.plot([r.key.n for r in line], [r.gbps for r in line], color=color,
                                ls=IMPL_STYLES.get(impl, ":"), marker=DTYPE_MARKERS.get(dt, "o"), ms=4,
                                lw=1.4, zorder=3)
                        sus = [r for r in line if r.suspect]
                        if sus:
                            suspect_count += len(sus)
                            ax.plot([r.key.n for r in sus], [r.gbps for r in sus], ls="", marker="o", ms=10,
                                    mfc="none", mec=SUSPECT_COLOR, mew=1.5, zorder=4)
                            legend.setdefault("suspect timing (red ring)",
                                              Line2D([], [], ls="", marker="o", ms=9, mfc="none",
                                                     mec=SUSPECT_COLOR, mew=1.5))
                        shown = [r.gbps for r in line if r.gbps > 0]
                        if shown:
                            ymin, ymax = min(ymin, min(shown)), max(ymax, max(shown))
                        if multi:
                            legend.setdefault(f"machine: {rep.label}", Line2D([], [], color=color, lw=2))
                            legend.setdefault(f"dtype: {dt}", Line2D([], [], color="0.3",
                                                                     marker=DTYPE_MARKERS.get(dt, "o"), ls=""))
                        else:
                            legend.setdefault(f"dtype: {dt}", Line2D([], [], color=color,
                                                                     marker=DTYPE_MARKERS.get(dt, "o"), lw=1.4))
                        legend.setdefault(f"impl: {impl}", Line2D([], [], color="0.3", ls=IMPL_STYLES.get(impl, ":"),
                                                                  lw=1.4))
            ax.set_title(f"{direction} · {variant}")
            if ri == nrows - 1:
                ax.set_xlabel("n (elements)")
            if ci == 0:
                ax.set_ylabel("GB/s (hot median)")
    for ax in axes.flat:
        if all_ns:
            _log2_axis(ax, all_ns)
            ax.set_xlim(min(all_ns) / 1.41, max(all_ns) * 1.41)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(_gbps_formatter))
        ax.yaxis.set_minor_locator(NullLocator())  # minor ticks on log axes cost seconds per figure
        ax.tick_params(axis="x", labelbottom=True)
    if ymax > 0 and math.isfinite(ymin):
        # room at the bottom for the cache-resident bars of several machines
        axes[0][0].set_ylim(ymin / (1.6 * (2.0 ** len(reports) if multi else 1.0)), ymax * 1.6)
    for ri, ci in empty:
        _blank(axes[ri][ci], f"{directions[ci]} · {variants[ri]}: not measured")
    order = {"machine": 0, "dtype": 1, "impl": 2}
    keys = sorted(legend, key=lambda k: order.get(k.split(":")[0], 3))
    fig.legend([legend[k] for k in keys], keys, loc="outside right upper", frameon=False)
    who = reports[0].label if not multi else f"{len(reports)} machines"
    fig.suptitle(f"{activation}: throughput vs n — {who}")
    cache_note = ("the coloured bars at the bottom" if multi else "the shaded sizes") + " fit in the device cache"
    caption = (f"{activation}: GB/s (bytes moved per launch / hot median time) against n, one panel per "
               f"direction and variant, beside the in-run copy roofline (wide band); {cache_note}.")
    if suspect_count:
        caption += (f" {suspect_count} points have suspect timings (red rings: over the plausible % of copy, "
                    "or the timing did not converge).")
    return fig, caption


# --------------------------------------------------------------------------------------------
# % of copy bandwidth heatmap

def _largest_n_cells(rep: Report, direction: str, variant: str, impl: str) -> dict[tuple[str, str], Record]:
    """{(activation, dtype): record at the largest n}."""
    cells: dict[tuple[str, str], Record] = {}
    for r in rep.records.values():
        k = r.key
        if (k.direction, k.variant, k.impl) != (direction, variant, impl):
            continue
        cur = cells.get((k.activation, k.dtype))
        if cur is None or k.n > cur.key.n:
            cells[(k.activation, k.dtype)] = r
    return cells


def _pct_text(v: float) -> str:
    if v >= 1e6:
        return f"{v / 1e6:.0f}M"
    if v >= 1e4:
        return f"{v / 1e3:.0f}k"
    return f"{v:.1f}" if v < 9.95 else f"{v:.0f}"


def fig_heatmap(rep: Report):
    impls = sorted_axis({r.key.impl for r in rep.records.values()}, IMPL_ORDER)
    impl = "actbench" if "actbench" in impls else impls[0]
    directions = sorted_axis({r.key.direction for r in rep.records.values()}, DIRECTION_ORDER)
    variants = sorted_axis({r.key.variant for r in rep.records.values()}, VARIANT_ORDER)
    acts = sorted_axis({r.key.activation for r in rep.records.values()}, ACTIVATION_ORDER)
    dtypes = sorted_axis({r.key.dtype for r in rep.records.values()}, DTYPE_ORDER)
    nrows, ncols = len(variants), len(directions)
    pw, ph = 0.85 * len(dtypes) + 1.9, 0.34 * len(acts) + 1.1
    fig, axes = plt.subplots(nrows, ncols, figsize=(pw * ncols + 1.6, ph * nrows + 1.3), squeeze=False,
                             layout="constrained")
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("0.9")
    cmap.set_over(cmap(1.0))
    overall_n = max((r.key.n for r in rep.records.values()), default=0)
    plausible = [r.pct_of_copy_bw for d in directions for v in variants
                 for r in _largest_n_cells(rep, d, v, impl).values() if not r.suspect and r.pct_of_copy_bw > 0]
    # Most cells far below the copy (a cpu backend): a log scale keeps them apart.
    log = bool(plausible) and float(np.median(plausible)) < 25
    norm = (LogNorm(vmin=min(1.0, min(plausible)), vmax=HEAT_CAP) if log
            else Normalize(vmin=0, vmax=HEAT_CAP))
    im = None
    smaller_n = over_cap = suspects = 0
    for ri, variant in enumerate(variants):
        for ci, direction in enumerate(directions):
            ax = axes[ri][ci]
            cells = _largest_n_cells(rep, direction, variant, impl)
            if not cells:
                _blank(ax, f"{direction} · {variant}: not measured")
                continue
            data = np.full((len(acts), len(dtypes)), np.nan)
            for (a, d), r in cells.items():
                if not r.suspect:
                    data[acts.index(a), dtypes.index(d)] = r.pct_of_copy_bw
            im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, norm=norm, aspect="auto")
            for i, a in enumerate(acts):
                for j, d in enumerate(dtypes):
                    rec = cells.get((a, d))
                    if rec is None:
                        ax.text(j, i, "–", ha="center", va="center", color="0.45", fontsize=9)
                        continue
                    v = rec.pct_of_copy_bw
                    star = "*" if rec.key.n != overall_n else ""
                    smaller_n += bool(star)
                    if rec.suspect:
                        suspects += 1
                        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="none", edgecolor="0.55",
                                               hatch="////", lw=0))
                        ax.text(j, i, f"{_pct_text(v)} ?{star}", ha="center", va="center", fontsize=9,
                                color=SUSPECT_COLOR)
                        continue
                    if v > HEAT_CAP:
                        over_cap += 1
                        ax.add_patch(Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, facecolor="none",
                                               edgecolor=SUSPECT_COLOR, lw=1.6))
                    ax.text(j, i, f"{_pct_text(v)}{star}", ha="center", va="center", fontsize=9,
                            color="white" if norm(min(v, HEAT_CAP)) < 0.6 else "black")
            ax.set_xticks(range(len(dtypes)), dtypes)
            ax.set_yticks(range(len(acts)), acts)
            ax.grid(False)
            ax.set_title(f"{direction} · {variant}")
    if im is not None:
        cbar = fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8, pad=0.02, extend="max")
        cbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        cbar.set_label("% of the in-run copy bandwidth (same dtype and n); scale stops at 100"
                       + ("; log" if log else ""))
    fig.suptitle(f"% of copy bandwidth at n = {format_n(overall_n)} — {rep.label} (impl {impl})")
    caption = (f"Each cell: the kernel's GB/s as a percentage of the in-run copy GB/s of the same dtype "
               f"and n (impl {impl}, largest n = {format_n(overall_n)}). The colour scale stops at 100 %"
               + (f" and is logarithmic (from {norm.vmin:.2g} %: most cells are far below the copy)" if log else ""))
    caption += f"; {over_cap} cells above it are outlined in red" if over_cap else ""
    caption += (f"; {suspects} cells with suspect timings are grey, hatched and marked '?', their values "
                "kept out of the scale" if suspects else "")
    caption += "; * = measured at a smaller n (the largest that ran)" if smaller_n else ""
    caption += "; – = not measured."
    return fig, caption


# --------------------------------------------------------------------------------------------
# side by side: actbench and its peers

def fig_side_by_side(rows: list, backend: str, direction: str):
    """% of copy and max ULP per activation, a bar per impl, one row of panels per dtype."""
    from .peers_table import impls_of

    rows = [r for r in rows if r.backend == backend and r.direction == direction]
    impls = impls_of(rows)
    dtypes = sorted_axis({r.dtype for r in rows}, DTYPE_ORDER)
    acts = sorted_axis({r.activation for r in rows}, ACTIVATION_ORDER)
    fig, axes = plt.subplots(len(dtypes), 2, figsize=(13, 0.3 * len(acts) * len(impls) ** 0.5 * len(dtypes) + 2.2),
                             squeeze=False, layout="constrained")
    height = 0.8 / max(len(impls), 1)
    colors = plt.get_cmap("tab10")
    suspects = 0
    for di, dt in enumerate(dtypes):
        cells = {(r.activation, impl): rec for r in rows if r.dtype == dt for impl, rec in r.cells.items()}
        for k, impl in enumerate(impls):
            ys = [i + (k - (len(impls) - 1) / 2) * height for i in range(len(acts))]
            recs = [cells.get((a, impl)) for a in acts]
            gbps = [r.gbps if r is not None else 0.0 for r in recs]
            ulp = [max(r.accuracy.deciding()[0], ULP_FLOOR) if r is not None and r.accuracy else 0.0 for r in recs]
            for bar, r in zip(axes[di][0].barh(ys, gbps, height, color=colors(k), label=impl), recs, strict=True):
                if r is not None and r.is_suspect:  # implausible timing: drawn pale and hatched
                    bar.set_alpha(0.35)
                    bar.set_hatch("////")
                    suspects += 1
            bars = axes[di][1].barh(ys, ulp, height, color=colors(k), label=impl)
            for bar, r in zip(bars, recs, strict=True):
                if r is not None and r.accuracy and not r.accuracy.passed:
                    bar.set_hatch("xx")
                    bar.set_edgecolor(SUSPECT_COLOR)
        for ax in axes[di]:
            ax.set_yticks(range(len(acts)), acts)
            ax.invert_yaxis()
        # GB/s, not % of copy: every impl's run measures its own copy (a framework's clone allocates, so its
        # copy can be far slower than actbench's at the same n), and only GB/s compare across them.
        axes[di][0].set_title(f"{dt} {direction}: GB/s (read + write)")
        ours = [row.cells["actbench"] for row in rows if row.dtype == dt and "actbench" in row.cells]
        copies = [rec.gbps * 100.0 / rec.pct_of_copy_bw for rec in ours if rec.pct_of_copy_bw > 0]
        if copies:  # actbench's in-run copy of these bytes, for scale
            axes[di][0].axvline(max(copies), color="0.4", lw=0.8, ls="--")
        axes[di][1].set_xscale("log")
        axes[di][1].set_title(f"{dt} {direction}: deciding max ULP (hatched: fails the bound)")
    axes[0][0].legend(loc="lower right", fontsize=8)
    n_text = ", ".join(sorted({format_n(r.n) for r in rows}, key=len))
    fig.suptitle(f"actbench beside its peers — {backend}, {direction}, n = {n_text}")
    caption = (f"{backend} {direction}: each bar is one implementation at n = {n_text}: left, GB/s of read + write "
               f"(dashed: actbench's in-run copy of the same bytes); right, the max ULP error the accuracy verdict "
               f"rests on (0 drawn at {ULP_FLOOR}; hatched red: outside actbench's precise bound). Missing bars: not "
               f"measured.")
    if suspects:
        caption += f" {suspects} bars with implausible timings (the record's suspect reasons) are pale and hatched."
    return fig, caption


# --------------------------------------------------------------------------------------------
# accuracy: the deciding max ULP per activation, one figure per machine and dtype

def _ulp_label(v, _=None) -> str:
    if v <= 0:
        return ""
    e = math.log10(v)
    if abs(e - round(e)) > 1e-6:
        return ""
    return f"{v:g}" if -1 <= e <= 4 else "10" + sup(int(round(e)))


@dataclass
class AccCell:
    """The worst record of one (direction, variant, activation, dtype), over n and impls."""

    record: Record
    failed: bool

    @property
    def acc(self) -> Accuracy:
        assert self.record.accuracy is not None
        return self.record.accuracy


def accuracy_cells(rep: Report) -> dict[tuple[str, str, str, str], AccCell]:
    """{(direction, variant, activation, dtype): the failing record with the largest deciding ULP,
    else the passing one with the largest}."""
    cells: dict[tuple[str, str, str, str], AccCell] = {}
    for r in rep.records.values():
        if r.accuracy is None:
            continue
        k = r.key
        key = (k.direction, k.variant, k.activation, k.dtype)
        failed = r.status == "fail"
        cur = cells.get(key)
        rank = (failed, r.accuracy.deciding()[0], r.accuracy.max_ulp)
        if cur is None or rank > (cur.failed, cur.acc.deciding()[0], cur.acc.max_ulp):
            cells[key] = AccCell(r, failed)
    return cells


def fig_accuracy(rep: Report, dtype: str, cells: dict[tuple[str, str, str, str], AccCell]):
    mine = {k: c for k, c in cells.items() if k[3] == dtype}
    if not mine:
        return None
    directions = sorted_axis({c[0] for c in mine}, DIRECTION_ORDER)
    variants = sorted_axis({c[1] for c in mine}, VARIANT_ORDER)
    acts = sorted_axis({c[2] for c in mine}, ACTIVATION_ORDER)
    nrows, ncols = len(directions), len(variants)
    pw = max(4.0, 0.34 * len(acts) + 1.0)
    fig, axes = plt.subplots(nrows, ncols, figsize=(pw * ncols + 0.6, 2.9 * nrows + 1.6),
                             squeeze=False, sharey=True, layout="constrained")
    top = max([8.0] + [max(c.acc.deciding()[0], c.acc.bound_ulp) for c in mine.values()]) * 30
    inexact = allowance = 0
    for ri, direction in enumerate(directions):
        for ci, variant in enumerate(variants):
            ax = axes[ri][ci]
            if not any(k[0] == direction and k[1] == variant for k in mine):
                _blank(ax, f"{direction} · {variant}: not measured")
                continue
            for i, act in enumerate(acts):
                c = mine.get((direction, variant, act, dtype))
                if c is None:
                    ax.text(i, ULP_FLOOR * 0.75, "–", ha="center", va="center", color="0.55", fontsize=9)
                    continue
                a = c.acc
                value, exact = a.deciding()
                h = max(value, ULP_FLOOR)
                kind = "pass" if not c.failed else ("expected" if c.record.expected_to_fail else "fail")
                color = VERDICT_COLORS[kind]
                if value == 0:
                    ax.bar(i, h, width=0.7, facecolor="white", edgecolor=color, hatch="////", linewidth=0.8)
                else:
                    ax.bar(i, h, width=0.7, color=color, alpha=0.9 if exact else 0.45,
                           hatch=None if exact else "..", edgecolor="0.3" if not exact else "none",
                           linewidth=0.6 if not exact else 0)
                inexact += not exact
                ax.plot([i - 0.42, i + 0.42], [max(a.bound_ulp, ULP_FLOOR)] * 2, color="k", lw=1.6)
                if a.max_ulp > value * 1.01 and a.by_allowance():
                    allowance += 1
                    ax.plot([i], [max(a.max_ulp, ULP_FLOOR)], marker="v", color="0.35", ms=6, ls="")
                if a.nonfinite_mismatches:
                    ax.plot([i], [h * 3], marker="X", color=VERDICT_COLORS["fail"], ms=7, ls="")
            ax.set_yscale("log", base=10)
            ax.set_ylim(ULP_FLOOR / 2, top)
            ax.yaxis.set_major_formatter(FuncFormatter(_ulp_label))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_xticks(range(len(acts)), acts, rotation=40, ha="right")
            ax.set_xlim(-0.6, len(acts) - 0.4)
            ax.grid(axis="x", visible=False)
            ax.set_title(f"{direction} · {variant}")
            if ci == 0:
                ax.set_ylabel("max ULP error (log)")
    handles = [Patch(color=VERDICT_COLORS["pass"], label="pass"),
               Patch(color=VERDICT_COLORS["fail"], label="FAIL (precise / fast)"),
               Patch(color=VERDICT_COLORS["expected"], label="fails as intended (textbook)"),
               Line2D([], [], color="k", lw=1.6, label="bound (ULP)"),
               Line2D([], [], marker="v", color="0.35", ls="", label="max incl. inputs passing by the abs allowance"),
               Line2D([], [], marker="X", color=VERDICT_COLORS["fail"], ls="", label="non-finite mismatches"),
               Patch(facecolor="white", edgecolor="0.3", hatch="////", label=f"0 ULP (drawn at {ULP_FLOOR:g})")]
    if inexact:
        handles.append(Patch(facecolor="0.8", edgecolor="0.3", hatch="..",
                             label="at most this (v1 report: the allowance hides the exact figure)"))
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False)
    fig.suptitle(f"Accuracy, {dtype}: the max ULP error the verdict rests on — {rep.label}")
    caption = (f"{dtype}: for each activation, direction and variant, the largest ULP error among the inputs "
               "that do not pass by the absolute allowance alone (worst over sizes and impls), against its "
               "bound (black line). Colour is the verdict; textbook failures are intended and coloured apart.")
    if allowance:
        caption += (f" In {allowance} cases larger errors pass only by the absolute allowance (grey "
                    "triangles: their overall max).")
    return fig, caption


# --------------------------------------------------------------------------------------------
# ULP error against x: per binade from the report, dense from `actbench eval --json`

def _binade_span(bins: list[Binade]) -> str:
    """Where these binades lie, in words: '-2^6 < x <= -2^2 and 0/inf/NaN'."""
    parts = []
    for sign in (-1, 1):
        exps = [b.exp for b in bins if b.sign == sign and b.exp is not None]
        if exps:
            lo, hi = min(exps), max(exps) + 1
            parts.append(f"−2^{hi} < x ≤ −2^{lo}" if sign < 0 else f"2^{lo} ≤ x < 2^{hi}")
    if any(b.exp is None for b in bins):
        parts.append("x = 0, ±inf or NaN")
    return " and ".join(parts)


def fig_ulp_binade(rep: Report, activation: str):
    recs = [r for r in rep.records.values() if r.key.activation == activation and r.accuracy is not None
            and r.accuracy.per_binade]
    if not recs:
        return None
    directions = sorted_axis({r.key.direction for r in recs}, DIRECTION_ORDER)
    dtypes = sorted_axis({r.key.dtype for r in recs}, DTYPE_ORDER)
    fig, axes = plt.subplots(len(directions), len(dtypes),
                             figsize=(4.6 * len(dtypes) + 0.8, 2.9 * len(directions) + 1.3),
                             squeeze=False, sharey=True, layout="constrained")
    worst_cells: dict[tuple[str, str, str], Record] = {}
    for r in recs:  # one record per (direction, dtype, variant): the worst impl/n
        k = (r.key.direction, r.key.dtype, r.key.variant)
        if k not in worst_cells or r.accuracy.max_ulp > worst_cells[k].accuracy.max_ulp:  # type: ignore[union-attr]
            worst_cells[k] = r
    top = max([8.0] + [b.max_ulp for r in recs for b in r.accuracy.per_binade]) * 4  # type: ignore[union-attr]
    notes = []
    for ri, d in enumerate(directions):
        for ci, dt in enumerate(dtypes):
            ax = axes[ri][ci]
            cell = [worst_cells[(d, dt, v)] for v in VARIANT_ORDER if (d, dt, v) in worst_cells]
            if not cell:
                _blank(ax, f"{d} · {dt}: no per-binade data")
                continue
            # the binades that hold inputs, side by side (a mirrored log axis without the empty ones)
            exps = sorted({b.exp for r in cell for b in r.accuracy.per_binade  # type: ignore[union-attr]
                           if b.exp is not None and b.count})
            rank = {e: i + 1 for i, e in enumerate(exps)}
            for r in cell:
                a = r.accuracy
                assert a is not None
                color = VARIANT_COLORS.get(r.key.variant, "k")
                for sign in (-1, 1):
                    by_exp = {b.exp: b for b in a.per_binade if b.sign == sign and b.exp is not None and b.count}
                    xs: list[float] = []
                    ys: list[float] = []
                    prev = None
                    for e in exps:
                        b = by_exp.get(e)
                        if b is None or (prev is not None and e != prev + 1):
                            xs.append(np.nan)  # a gap: no line across it
                            ys.append(np.nan)
                        if b is not None:
                            p_ = sign * rank[e]
                            xs += [p_ - 0.5 * sign, p_ + 0.5 * sign]  # outwards, as the loop goes
                            ys += [max(b.max_ulp, ULP_FLOOR)] * 2
                        prev = e if b is not None else None
                    ax.plot(xs, ys, color=color, lw=1.5, label=r.key.variant if sign == 1 else None)
                    over = [b for b in by_exp.values() if b.over_bound]
                    if over:
                        ax.plot([sign * rank[b.exp] for b in over if b.exp is not None],
                                [max(b.max_ulp, ULP_FLOOR) for b in over],
                                ls="", marker="o", ms=4, color=color, mec="k", mew=0.5)
                zero = [b for b in a.per_binade if b.exp is None and b.count]
                if zero:
                    ax.plot([0] * len(zero), [max(b.max_ulp, ULP_FLOOR) for b in zero], ls="", marker="D", ms=4,
                            color=color)
                ax.axhline(max(a.bound_ulp, ULP_FLOOR), color=color, ls=(0, (4, 3)), lw=1, alpha=0.8)
                over_bins = [b for b in a.per_binade if b.over_bound]
                if over_bins:
                    notes.append(f"{r.key.variant} {d} {dt}: {sum(b.over_bound for b in over_bins)} inputs over "
                                 f"the bound, {_binade_span(over_bins)}")
            # skipped binades (e.g. between the subnormal one and the rest): one collection, not a line each (a
            # sampled report can skip thousands, and axvline's per-line artists took most of the figure's time)
            skips = [sign * (rank[lo_e] + 0.5) for lo_e, hi_e in zip(exps, exps[1:], strict=False)
                     if hi_e != lo_e + 1 for sign in (-1, 1)]
            if skips:
                ax.vlines(skips, 0, 1, transform=ax.get_xaxis_transform(), colors="0.5", linestyles=":", lw=1)
            step = max(2, len(exps) // 3)
            shown = [e for e in exps[::-step] if rank[e] >= 2]  # from the largest |x| inwards, clear of 0
            ticks = [float(s_ * rank[e]) for e in shown for s_ in (-1, 1)]
            labels: dict[float, str] = {}
            for e in shown:
                labels[float(rank[e])] = "2" + sup(e)
                labels[float(-rank[e])] = "−2" + sup(e)
            ax.xaxis.set_major_locator(FixedLocator(sorted(ticks)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _, labels=labels: labels.get(float(v), "")))
            ax.tick_params(axis="x", labelsize=9)
            ax.set_xlim(-(len(exps) + 0.8), len(exps) + 0.8)
            ax.set_yscale("log")
            ax.set_ylim(ULP_FLOOR / 2, top)
            ax.yaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_formatter(FuncFormatter(_ulp_label))
            ax.set_title(f"{activation} {d} · {dt}")
            if ci == 0:
                ax.set_ylabel("max ULP in binade")
            if ri == len(directions) - 1:
                ax.set_xlabel("x by binade (|x| grows outwards; dotted: binades skipped)")
    handles = [Line2D([], [], color=VARIANT_COLORS[v], lw=1.5, label=v) for v in VARIANT_ORDER
               if any(r.key.variant == v for r in recs)]
    handles += [Line2D([], [], color="0.3", ls=(0, (4, 3)), label="bound (variant colour)"),
                Line2D([], [], color="0.5", marker="o", mec="k", ls="", label="binade with inputs over the bound"),
                Line2D([], [], color="0.5", marker="D", ls="", label="x = 0, ±inf, NaN")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    fig.suptitle(f"{activation}: max ULP error per binade of x — {rep.label}")
    caption = (f"{activation}: the largest ULP error among the inputs of each binade of x (negative x left, "
               "positive right, |x| growing outwards), precise / fast / textbook overlaid, from the report's "
               "per-binade data; dots mark binades with inputs over the bound.")
    if notes:
        caption += " " + "; ".join(notes[:4]) + "."
    return fig, caption


class CurveError(Exception):
    pass


def find_actbench(explicit: str | None) -> str | None:
    if explicit:
        p = Path(explicit)
        if p.is_file() and os.access(p, os.X_OK):
            return str(p.resolve())
        found = shutil.which(explicit)
        if found:
            return found
        raise UsageError(f"--actbench {explicit}: not an executable file")
    return shutil.which("actbench")


def f32_hex(values) -> list[str]:
    """Inputs as f32 bit patterns: exact, and no leading '-' for the CLI parser to misread."""
    return [f"0x{struct.unpack('<I', struct.pack('<f', float(v)))[0]:08x}" for v in values]


class Evaluator:
    """Runs `actbench eval ... --json X...` and returns (x, y, ref, ulp) arrays."""

    def __init__(self, exe: str, timeout_s: float = 120.0):
        self.exe = exe
        self.timeout_s = timeout_s

    def __call__(self, activation: str, direction: str, variant: str, xs, dtype: str = "f32"):
        cmd = [self.exe, "eval", "--activation", activation, "--direction", direction, "--dtype", dtype,
               "--variant", variant, "--backend", "cpu", "--json", *f32_hex(xs)]
        what = f"`actbench eval --activation {activation} --direction {direction} --variant {variant}`"
        try:
            rows = json.loads(output_of(cmd, what, self.timeout_s))
            if not isinstance(rows, list) or not rows:
                raise ValueError("expected a non-empty JSON array")
            x = np.array([float(r["x"]) for r in rows])
            y = np.array([float(r["y"]) for r in rows])
            ref = np.array([float(r["ref"]) for r in rows])
            ulp = np.array([float(r["ulp"]) if r.get("ulp") is not None else np.nan for r in rows])
        except BinaryError as e:
            raise CurveError(str(e)) from None
        except (ValueError, KeyError, TypeError) as e:
            raise CurveError(f"{what} printed output that is not the expected JSON: {e}") from None
        return x, y, ref, ulp


CURVE_X = np.linspace(-6.0, 6.0, 241, dtype=np.float32)


def ulp_x_grid() -> np.ndarray:
    """f32 inputs for the ULP-vs-x figure: 24 points per binade of |x| from 2^-6 to 2^7, both
    signs, and 0; dense where the kernels change formula and out into the tails."""
    mags = np.concatenate([2.0 ** k * (1 + np.arange(24) / 24) for k in range(-6, 7)])
    return np.unique(np.concatenate([-mags, [0.0], mags]).astype(np.float32))


def _bounds_of(reports: list[Report], activation: str, direction: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for rep in reports:
        for r in rep.records.values():
            k = r.key
            if (k.activation, k.direction, k.dtype) == (activation, direction, "f32") and r.accuracy:
                out[k.variant] = max(out.get(k.variant, 0.0), r.accuracy.bound_ulp)
    return out


def over_bound_summary(x: np.ndarray, ulp: np.ndarray, bound: float) -> str | None:
    """'at k of N inputs, between x = a and b (worst u ulp at x = w)', or None when all pass.
    Inputs without a finite ULP error (non-finite mismatches) count as over the bound."""
    bad = ~(ulp <= bound)
    if not bad.any():
        return None
    xb = x[bad]
    finite = np.where(np.isfinite(ulp), ulp, -1.0)
    w = int(np.argmax(finite))
    worst = f"; worst {finite[w]:.3g} ulp at x = {x[w]:.4g}" if finite[w] > bound else ""
    where = f"x = {xb.min():.4g}" if xb.min() == xb.max() else f"between x = {xb.min():.4g} and {xb.max():.4g}"
    return f"at {int(bad.sum())} of {len(x)} inputs, {where}{worst}"


def fig_ulp_vs_x(activation: str, variants: list[str], evaluate: Callable, bounds_of: Callable[[str], dict]):
    xs = ulp_x_grid()
    directions = list(DIRECTION_ORDER)
    fig, axes = plt.subplots(1, len(directions), figsize=(5.6 * len(directions), 4.4), squeeze=False,
                             sharey=True, layout="constrained")
    findings = []
    worst = 4.0
    for ax, d in zip(axes[0], directions, strict=True):
        bounds = bounds_of(d)
        for v in reversed(variants):  # precise drawn last, on top
            x, _, _, ulp = evaluate(activation, d, v, xs)
            color = VARIANT_COLORS.get(v, "k")
            u = np.where(np.isfinite(ulp), np.maximum(ulp, ULP_FLOOR), np.nan)
            if np.isfinite(u).any():
                worst = max(worst, float(np.nanmax(u)))
            ax.plot(x, u, color=color, lw=0.8, marker=".", ms=2.5, label=v)
            bad = ~np.isfinite(ulp)
            if bad.any():
                ax.plot(x[bad], np.full(bad.sum(), ULP_FLOOR), ls="", marker="x", color=color, ms=6)
            if v in bounds:
                ax.axhline(max(bounds[v], ULP_FLOOR), color=color, ls=(0, (4, 3)), lw=1)
                found = over_bound_summary(x, ulp, bounds[v])
                if found:
                    bad = ~(ulp <= bounds[v])
                    ax.axvspan(float(x[bad].min()), float(x[bad].max()), color=color, alpha=0.08, lw=0)
                    findings.append(f"{v} {d} exceeds its {bounds[v]:g}-ulp bound {found}")
        ax.set_xscale("symlog", linthresh=1.0, linscale=0.6)
        ax.set_yscale("log")
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(_ulp_label))
        ax.set_xlabel("x (symlog: linear in [−1, 1], log beyond)")
        ax.set_title(f"{activation} {d}" + (" (dy = 1)" if d == "bwd" else ""))
    axes[0][0].set_ylabel(f"ULP error (0 drawn at {ULP_FLOOR:g})")
    axes[0][0].set_ylim(ULP_FLOOR / 2, worst * 4)
    handles: list[Artist] = [Line2D([], [], color=VARIANT_COLORS.get(v, "k"), marker=".", label=v) for v in variants]
    handles += [Line2D([], [], color="0.3", ls=(0, (4, 3)), label="bound from the report (variant colour)"),
                Patch(color="0.5", alpha=0.2, label="x range where that variant exceeds its bound"),
                Line2D([], [], color="0.3", marker="x", ls="", label="no finite ULP (non-finite mismatch)")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    fig.suptitle(f"{activation}: ULP error against x, f32, cpu backend (actbench eval)")
    caption = (f"{activation}: ULP error of each variant at {len(xs)} f32 inputs (24 per binade of |x| from "
               "2^−6 to 2^7, both signs), from `actbench eval --json`; dashed lines are the bounds in the "
               "report.")
    if findings:
        caption += " " + "; ".join(findings[:6]) + "."
    return fig, caption


def fig_curves(activation: str, evaluate: Callable):
    x, y, ref, _ = evaluate(activation, "fwd", "precise", CURVE_X)
    dx, dyv, dref, _ = evaluate(activation, "deriv", "precise", CURVE_X)
    fig, a1 = plt.subplots(1, 1, figsize=(8, 4.2), layout="constrained")
    a1.plot(x, y, color="#1f77b4", lw=1.8, label="f(x), kernel")
    a1.plot(x, ref, color="k", lw=0.9, ls="--", label="f(x), reference")
    a1.plot(dx, dyv, color="#ff7f0e", lw=1.8, label="f'(x), kernel")
    a1.plot(dx, dref, color="0.35", lw=0.9, ls=":", label="f'(x), reference")
    a1.axhline(0, color="0.5", lw=0.6)
    a1.axvline(0, color="0.5", lw=0.6)
    a1.set_xlabel("x")
    a1.set_ylabel("value")
    a1.set_title(f"{activation}: function and derivative (f32, precise, cpu backend)")
    a1.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    caption = (f"{activation}: f and f' as the precise f32 kernels compute them on x in [−6, 6], over the "
               "reference values (dashed/dotted).")
    return fig, caption


# --------------------------------------------------------------------------------------------
# driving

@dataclass
class FigureJob:
    """One figure still to draw: make() returns (figure, caption), or None where the data hold nothing to show."""

    stem: str
    section: str
    make: Callable[[], tuple[Any, str] | None]
    needs_binary: bool = False  # draws from `actbench eval` (a CurveError ends all such figures)


def figure_jobs(reports: list[Report], actbench: str | None, say: Callable[[str], None],
                curves: bool = True) -> list[FigureJob]:
    """Every figure these reports support, in page order, not yet drawn (so that workers can draw them)."""
    colors = [MACHINE_COLORS[i % len(MACHINE_COLORS)] for i in range(len(reports))]
    acts = _activations(reports)
    slugs = machine_slugs(reports)
    jobs = [FigureJob(f"throughput_{act}", "throughput", functools.partial(fig_throughput, reports, act, colors))
            for act in acts]
    jobs += [FigureJob(f"pct_of_copy_{s}", "pct_of_copy", functools.partial(fig_heatmap, rep))
             for rep, s in zip(reports, slugs, strict=True) if rep.records]
    from .peers_table import collect, has_peers

    if has_peers(reports):
        rows = collect(reports)
        for backend, direction in sorted({(r.backend, r.direction) for r in rows},
                                         key=lambda bd: (bd[0], DIRECTION_ORDER.index(bd[1]))):
            jobs.append(FigureJob(f"side_by_side_{backend}_{direction}", "pct_of_copy",
                                  functools.partial(fig_side_by_side, rows, backend, direction)))
    for rep, s in zip(reports, slugs, strict=True):
        cells = accuracy_cells(rep)
        if not cells:
            say(f"{rep.path}: no accuracy records (accuracy off); no accuracy figure")
            continue
        jobs += [FigureJob(f"accuracy_{s}_{dt}", "accuracy", functools.partial(fig_accuracy, rep, dt, cells))
                 for dt in sorted_axis({k[3] for k in cells}, DTYPE_ORDER)]
    for rep, s in zip(reports, slugs, strict=True):
        jobs += [FigureJob(f"ulp_binade_{s}_{act}", "ulp", functools.partial(fig_ulp_binade, rep, act))
                 for act in acts]
    if not curves:
        return jobs
    if actbench is None:
        say("no actbench binary (give --actbench PATH or put actbench on PATH): "
            "skipping the ULP-vs-x figures and the function/derivative curves")
        return jobs
    evaluate = Evaluator(actbench)
    for act in acts:
        variants = sorted_axis({k.variant for r in reports for k in r.records if k.activation == act}, VARIANT_ORDER)
        jobs.append(FigureJob(f"ulp_vs_x_{act}", "ulp", functools.partial(
            fig_ulp_vs_x, act, variants, evaluate, functools.partial(_bounds_of, reports, act)), True))
        jobs.append(FigureJob(f"curves_{act}", "curves", functools.partial(fig_curves, act, evaluate), True))
    return jobs


def iter_figures(reports: list[Report], actbench: str | None, say: Callable[[str], None],
                 curves: bool = True) -> Iterator[Figure]:
    """Every figure these reports support, in page order, drawn one after the other."""
    eval_failed = False
    for job in figure_jobs(reports, actbench, say, curves):
        if job.needs_binary and eval_failed:
            continue
        try:
            made = job.make()
        except CurveError as e:
            say(f"skipping the eval figures: {e}")
            plt.close("all")
            eval_failed = True
            continue
        if made:
            yield Figure(job.stem, made[0], made[1], job.section)


@dataclass
class Rendered:
    """A figure written to disk: its stem, caption, section and files."""

    stem: str
    caption: str
    section: str
    paths: list[Path]


_JOBS: list[FigureJob] = []  # the jobs of render_figures' worker processes (inherited by fork, not pickled)
_FAILED: Any = None  # the index of the first job whose `actbench eval` failed (len(jobs): none), shared by them


class _Skipped:
    """_render_one's answer for a figure of the binary after one that failed."""


class _Index:
    """_FAILED in one process: a multiprocessing.Value's interface without its shared memory and semaphore (which
    some sandboxes lack)."""

    def __init__(self, value: int):
        self.value = value

    def get_lock(self):
        return contextlib.nullcontext()


def _render_one(i: int, outdir: Path, formats: tuple[str, ...], dpi: float | None):
    """Draws and writes job i; returns a Rendered, None (nothing to show), a _Skipped (a figure of the binary after
    one that failed) or the CurveError's text."""
    job = _JOBS[i]
    if job.needs_binary and _FAILED.value < i:
        return _Skipped()
    try:
        made = job.make()
    except CurveError as e:
        plt.close("all")
        with _FAILED.get_lock():
            _FAILED.value = min(_FAILED.value, i)
        return str(e)
    if not made:
        return None
    return Rendered(job.stem, made[1], job.section, save_figure(made[0], outdir, job.stem, formats, dpi))


def default_workers() -> int:
    """Processes for drawing: the CPUs this process may use, at most 8 (ACTBENCH_PLOT_JOBS overrides)."""
    env = os.environ.get("ACTBENCH_PLOT_JOBS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise UsageError(f"ACTBENCH_PLOT_JOBS={env!r}: expected a whole number of processes") from None
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def render_figures(jobs: list[FigureJob], outdir: Path, say: Callable[[str], None],
                   formats: tuple[str, ...] = ("png", "svg"), dpi: float | None = None,
                   workers: int | None = None) -> list[Rendered]:
    """Draws and writes the jobs, in page order, on `workers` processes (forked, Linux only: the jobs are not
    pickled; one process, or another platform, draws them here).  After a failing `actbench eval` no later figure of
    the binary is drawn or kept, as iter_figures does; a worker that dies ends the run with an error."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _JOBS, _FAILED
    workers = default_workers() if workers is None else workers
    use_pool = workers > 1 and len(jobs) > 1 and sys.platform.startswith("linux")
    args = [(i, outdir, formats, dpi) for i in range(len(jobs))]
    try:
        if use_pool:
            ctx = multiprocessing.get_context("fork")
            _JOBS, _FAILED = jobs, ctx.Value("q", len(jobs))
            # concurrent.futures, not multiprocessing.Pool: a worker killed (out of memory) raises BrokenProcessPool
            # where a Pool would wait for it forever
            with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=ctx) as pool:
                results = list(pool.map(_render_one, *zip(*args, strict=True)))
        else:
            _JOBS, _FAILED = jobs, _Index(len(jobs))
            results = [_render_one(*a) for a in args]
    except BrokenProcessPool:
        raise UsageError(f"a drawing process died (out of memory?) while writing into {outdir}; "
                         "ACTBENCH_PLOT_JOBS=1 draws the figures in one process") from None
    finally:
        _JOBS, _FAILED = [], None
    out: list[Rendered] = []
    eval_failed = False
    for job, r in zip(jobs, results, strict=True):
        if job.needs_binary and eval_failed:
            for p in r.paths if isinstance(r, Rendered) else []:  # drawn before the failure was known
                p.unlink(missing_ok=True)
            continue
        if isinstance(r, Rendered):
            out.append(r)
        elif isinstance(r, str):
            say(f"skipping the eval figures: {r}")
            eval_failed = True
    return out


def save_figure(fig, outdir: Path, stem: str, formats=("png", "svg"), dpi: float | None = None) -> list[Path]:
    paths = []
    for fmt in formats:
        p = outdir / f"{stem}.{fmt}"
        fig.savefig(p, format=fmt, dpi=dpi or "figure")  # constrained layout: no second "tight" draw
        paths.append(p)
    plt.close(fig)
    return paths


def build_parser():
    ap = parser(PROG, __doc__, raw_epilog=True)
    add_reports_argument(ap, "one or more reports; several are drawn side by side or overlaid")
    ap.add_argument("-o", "--output-dir", type=Path, required=True, metavar="DIR", help="where to write")
    ap.add_argument("--format", choices=("png", "svg", "both"), default="both", help="default: %(default)s")
    ap.add_argument("--actbench", metavar="PATH",
                    help="actbench binary for the ULP-vs-x figures and curves (default: actbench on PATH)")
    ap.add_argument("--no-curves", action="store_true",
                    help="skip the figures that need the binary (ULP vs x, function/derivative curves)")
    ap.add_argument("--history", action="store_true",
                    help="the reports are successive commits: draw each case's %% of copy and max ULP across "
                         "them, mark regressions, write history.md and history.csv (see actbench_tools.history)")
    ap.add_argument("--threshold", type=float, default=5.0, metavar="PCT",
                    help="with --history: regression threshold, as in actbench-compare (default: %(default)s)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    workers = default_workers()  # a bad ACTBENCH_PLOT_JOBS is an error before any report is read
    reports = load_with_warnings(PROG, args.reports)
    formats = ("png", "svg") if args.format == "both" else (args.format,)
    if args.history:
        from .history import history_for, write_history

        for p in write_history(history_for(reports, args.threshold, lambda m: warn(PROG, m)), args.output_dir,
                               formats):
            print(p)
        return 0
    actbench = None if args.no_curves else find_actbench(args.actbench)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    say = functools.partial(note, PROG)
    written = 0
    for r in render_figures(figure_jobs(reports, actbench, say, curves=not args.no_curves), args.output_dir, say,
                            formats, workers=workers):
        for p in r.paths:
            print(p)
            written += 1
    if not written:
        warn(PROG, "no figures: the reports hold no timed cases")
    return 0


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
