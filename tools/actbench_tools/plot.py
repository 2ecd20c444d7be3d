"""actbench-plot: figures from one or more actbench reports (PNG and SVG, matplotlib Agg).

Figures (file stems; each written as .png and .svg):
  throughput_<activation>      GB/s vs n per direction x variant, one line per dtype/impl, with the
                               in-run memcpy roofline, the theoretical peak and the cache-resident
                               sizes shaded. Several reports: overlaid, one colour per machine.
  pct_of_copy_<machine>        heatmap of % of memcpy bandwidth (activation x dtype) at the largest
                               n, one panel per direction and variant; one file per machine.
  accuracy_<machine>           max ULP error per activation x dtype x variant (log scale),
                               non-finite mismatches and failing cases marked; one file per machine.
  curves_<activation>          f and f' as the kernels compute them (f32, precise) and the ULP
                               error vs x of each variant, from `actbench eval --json`; needs the
                               actbench binary (--actbench PATH or on PATH), skipped otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator  # noqa: E402

from . import __version__  # noqa: E402
from .cli_common import UsageError, note, run, warn  # noqa: E402
from .load import (DIRECTION_ORDER, DTYPE_ORDER, IMPL_ORDER, VARIANT_ORDER, Record, Report,  # noqa: E402
                   format_n, load_reports, order_index, warnings_for)

PROG = "actbench-plot"

plt.rcParams.update({
    "svg.fonttype": "none",  # text stays text in SVG
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 9,
    "axes.titlesize": 10,
    "legend.fontsize": 8,
})

DTYPE_COLORS = {"f32": "#1f77b4", "f16": "#ff7f0e", "bf16": "#2ca02c", "f64": "#d62728",
                "f8e4m3": "#9467bd", "f8e5m2": "#8c564b"}
DTYPE_MARKERS = {"f32": "o", "f16": "s", "bf16": "^", "f64": "D", "f8e4m3": "v", "f8e5m2": "P"}
IMPL_STYLES = {"actbench": "-", "thrust": "--", "cudnn": "-."}
MACHINE_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
VARIANT_COLORS = {"precise": "#1f77b4", "fast": "#ff7f0e", "textbook": "#d62728"}
ULP_FLOOR = 0.25  # zero ULP error is drawn at this height on log axes


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "report"


def machine_slugs(reports: list[Report]) -> list[str]:
    out, seen = [], {}
    for r in reports:
        s = slug(r.label)
        seen[s] = seen.get(s, 0) + 1
        out.append(s if seen[s] == 1 else f"{s}-{seen[s]}")
    return out


def _sorted(values, order):
    return sorted(values, key=lambda v: (order_index(v, order), v))


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


def _pow2_label(v, _=None) -> str:
    n = int(round(v))
    if n >= 1 and n & (n - 1) == 0:
        return f"$2^{{{n.bit_length() - 1}}}$"
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
    directions = _sorted({r.key.direction for r in allrecs}, DIRECTION_ORDER)
    variants = _sorted({r.key.variant for r in allrecs}, VARIANT_ORDER)
    nrows, ncols = len(variants), len(directions)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols + 3.2, 3.2 * nrows + 1.0),
                             squeeze=False, sharex=True, sharey=True, layout="constrained")
    empty = set()
    all_ns = sorted({r.key.n for r in allrecs})
    legend: dict[str, object] = {}
    ymin, ymax = math.inf, 0.0
    for ri, variant in enumerate(variants):
        for ci, direction in enumerate(directions):
            ax = axes[ri][ci]
            if not any(r.key.variant == variant and r.key.direction == direction for r in allrecs):
                empty.add((ri, ci))
            for mi, (rep, rs) in enumerate(zip(reports, recs)):
                panel = [r for r in rs if r.key.variant == variant and r.key.direction == direction]
                if not panel:
                    continue
                mcolor = colors[mi]
                # cache-resident sizes
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
                # the in-run memcpy roofline
                dtypes = _sorted({r.key.dtype for r in panel}, DTYPE_ORDER)
                dev_ids = {(r.key.backend, r.key.device) for r in panel}
                ns_panel = {r.key.n for r in panel}
                roof = [x for x in rep.roofline if (x.backend, x.device) in dev_ids]
                if multi:
                    best: dict[int, float] = {}
                    for x in roof:
                        if x.dtype in dtypes and x.n in ns_panel:
                            best[x.n] = max(best.get(x.n, 0.0), x.memcpy_gbps)
                    if best:
                        xs = sorted(best)
                        ymax = max(ymax, max(best.values()))
                        ax.plot(xs, [best[n] for n in xs], color=mcolor, lw=5, alpha=0.22,
                                solid_capstyle="butt", zorder=1)
                        legend.setdefault("memcpy roofline (wide band, machine colour, best dtype)",
                                          Line2D([], [], color="0.45", lw=5, alpha=0.3))
                else:
                    for dt in dtypes:
                        pts = sorted((x.n, x.memcpy_gbps) for x in roof if x.dtype == dt and x.n in ns_panel)
                        if pts:
                            ymax = max(ymax, max(g for _, g in pts))
                            ax.plot(*zip(*pts), color=DTYPE_COLORS.get(dt, "k"), lw=5, alpha=0.2,
                                    solid_capstyle="butt", zorder=1)
                    legend.setdefault("memcpy roofline (wide band, dtype colour)",
                                      Line2D([], [], color="0.4", lw=5, alpha=0.35))
                # theoretical peak
                for b, d in sorted(dev_ids):
                    dev = rep.devices.get(d)
                    if dev and dev.theoretical_peak_gbps:
                        ax.axhline(dev.theoretical_peak_gbps, color=mcolor if multi else "k", ls=(0, (6, 3)),
                                   lw=1.0, alpha=0.8, zorder=1)
                        ymax = max(ymax, dev.theoretical_peak_gbps)
                        if multi:
                            legend.setdefault("theoretical peak (dashed, machine colour)",
                                              Line2D([], [], color="0.3", ls=(0, (6, 3)), lw=1))
                        else:
                            legend.setdefault(f"theoretical peak {dev.theoretical_peak_gbps:.0f} GB/s",
                                              Line2D([], [], color="k", ls=(0, (6, 3)), lw=1))
                # the kernels
                impls = _sorted({r.key.impl for r in panel}, IMPL_ORDER)
                for dt in dtypes:
                    for impl in impls:
                        pts = sorted((r.key.n, r.gbps) for r in panel if r.key.dtype == dt and r.key.impl == impl)
                        if not pts:
                            continue
                        color = mcolor if multi else DTYPE_COLORS.get(dt, "k")
                        ax.plot(*zip(*pts), color=color, ls=IMPL_STYLES.get(impl, ":"),
                                marker=DTYPE_MARKERS.get(dt, "o"), ms=3.5, lw=1.3, zorder=3)
                        ymin = min(ymin, min(g for _, g in pts))
                        ymax = max(ymax, max(g for _, g in pts))
                        if multi:
                            legend.setdefault(f"machine: {rep.label}", Line2D([], [], color=color, lw=2))
                            legend.setdefault(f"dtype: {dt}", Line2D([], [], color="0.3", marker=DTYPE_MARKERS.get(dt, "o"), ls=""))
                        else:
                            legend.setdefault(f"dtype: {dt}", Line2D([], [], color=color, marker=DTYPE_MARKERS.get(dt, "o"), lw=1.3))
                        legend.setdefault(f"impl: {impl}", Line2D([], [], color="0.3", ls=IMPL_STYLES.get(impl, ":"), lw=1.3))
            ax.set_title(f"{direction} · {variant}")
            if ri == nrows - 1:
                ax.set_xlabel("n (elements)")
            if ci == 0:
                ax.set_ylabel("throughput (GB/s, hot median)")
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
        ax = axes[ri][ci]
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelleft=False, labelbottom=False, left=False, bottom=False)
        ax.grid(False)
        for ln in list(ax.lines) + list(ax.patches):
            ln.remove()
        ax.text(0.5, 0.5, f"{directions[ci]} · {variants[ri]}: not measured", ha="center", va="center",
                color="0.5", transform=ax.transAxes)
    # legend order: dtypes, impls, machines, references
    order = lambda k: (0 if k.startswith("machine") else 1 if k.startswith("dtype") else 2 if k.startswith("impl")
                       else 3)
    keys = sorted(legend, key=order)
    fig.legend([legend[k] for k in keys], keys, loc="outside right upper", frameon=False)
    who = reports[0].label if not multi else f"{len(reports)} machines"
    cache_note = ("bars at the bottom" if multi else "shaded") + ": working set fits in the device cache"
    fig.suptitle(f"{activation}: throughput vs n — {who}\n"
                 f"bytes moved per launch / hot median time; {cache_note}", fontsize=10)
    return fig


# --------------------------------------------------------------------------------------------
# % of copy bandwidth heatmap

def _largest_n_cells(rep: Report, direction: str, variant: str, impl: str):
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


def fig_heatmap(rep: Report, vmax: float, vmax_clipped: bool = False):
    impls = _sorted({r.key.impl for r in rep.records.values()}, IMPL_ORDER)
    impl = "actbench" if "actbench" in impls else impls[0]
    directions = _sorted({r.key.direction for r in rep.records.values()}, DIRECTION_ORDER)
    variants = _sorted({r.key.variant for r in rep.records.values()}, VARIANT_ORDER)
    acts = sorted({r.key.activation for r in rep.records.values()})
    dtypes = _sorted({r.key.dtype for r in rep.records.values()}, DTYPE_ORDER)
    nrows, ncols = len(variants), len(directions)
    pw, ph = 0.75 * len(dtypes) + 1.6, 0.36 * len(acts) + 1.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(pw * ncols + 1.4, ph * nrows + 1.1), squeeze=False,
                             layout="constrained")
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("0.88")
    overall_n = max((r.key.n for r in rep.records.values()), default=0)
    im = None
    footnote = False
    for ri, variant in enumerate(variants):
        for ci, direction in enumerate(directions):
            ax = axes[ri][ci]
            cells = _largest_n_cells(rep, direction, variant, impl)
            if not cells:
                _blank(ax, f"{direction} · {variant}: not measured")
                continue
            data = np.full((len(acts), len(dtypes)), np.nan)
            for (a, d), r in cells.items():
                data[acts.index(a), dtypes.index(d)] = r.pct_of_copy_bw
            im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
            for i, a in enumerate(acts):
                for j, d in enumerate(dtypes):
                    r = cells.get((a, d))
                    if r is None:
                        ax.text(j, i, "–", ha="center", va="center", color="0.45", fontsize=8)
                        continue
                    v = r.pct_of_copy_bw
                    star = "*" if r.key.n != overall_n else ""
                    footnote |= bool(star)
                    ax.text(j, i, f"{v:.0f}{star}", ha="center", va="center", fontsize=8,
                            color="white" if v < 0.6 * vmax else "black")
            ax.set_xticks(range(len(dtypes)), dtypes)
            ax.set_yticks(range(len(acts)), acts)
            ax.grid(False)
            ax.set_title(f"{direction} · {variant}")
    cbar = fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.85, pad=0.02, extend="max" if vmax_clipped else "neither")
    cbar.set_label("% of in-run memcpy bandwidth (same dtype and n)")
    note_txt = (f"impl {impl}, largest n = {format_n(overall_n)}"
                + ("; * = at a smaller n (largest that ran)" if footnote else "") + "; – = not measured")
    fig.suptitle(f"% of copy bandwidth — {rep.label}\n{note_txt}", fontsize=10)
    return fig


# --------------------------------------------------------------------------------------------
# accuracy

def _ulp_label(v, _=None) -> str:
    if v <= 0:
        return ""
    e = math.log10(v)
    if abs(e - round(e)) > 1e-6:
        return ""
    return f"{v:g}" if -1 <= e <= 4 else f"$10^{{{int(round(e))}}}$"

@dataclass
class AccCell:
    max_ulp: float
    nonfinite: int
    failed: bool


def accuracy_cells(rep: Report, impl: str | None = None) -> dict[tuple[str, str, str, str], AccCell]:
    """{(direction, variant, activation, dtype): worst over n (and impls unless `impl`)}."""
    cells: dict[tuple[str, str, str, str], AccCell] = {}
    for r in rep.records.values():
        if r.accuracy is None or (impl and r.key.impl != impl):
            continue
        k = r.key
        c = cells.setdefault((k.direction, k.variant, k.activation, k.dtype), AccCell(0.0, 0, False))
        c.max_ulp = max(c.max_ulp, r.accuracy.max_ulp)
        c.nonfinite = max(c.nonfinite, r.accuracy.nonfinite_mismatches)
        c.failed |= r.status == "fail"
    return cells


def fig_accuracy(rep: Report, ymax: float):
    cells = accuracy_cells(rep)
    if not cells:
        return None
    directions = _sorted({c[0] for c in cells}, DIRECTION_ORDER)
    variants = _sorted({c[1] for c in cells}, VARIANT_ORDER)
    acts = sorted({c[2] for c in cells})
    dtypes = _sorted({c[3] for c in cells}, DTYPE_ORDER)
    nrows, ncols = len(directions), len(variants)
    pw = max(3.6, 0.22 * len(acts) * len(dtypes) + 1.2)
    fig, axes = plt.subplots(nrows, ncols, figsize=(pw * ncols + 0.5, 2.9 * nrows + 1.4),
                             squeeze=False, sharey=True, layout="constrained")
    width = 0.8 / len(dtypes)
    top = max(ymax, 8.0) * 30
    for ri, direction in enumerate(directions):
        for ci, variant in enumerate(variants):
            ax = axes[ri][ci]
            if not any(k[0] == direction and k[1] == variant for k in cells):
                _blank(ax, f"{direction} · {variant}: not measured")
                continue
            for j, dt in enumerate(dtypes):
                for i, act in enumerate(acts):
                    c = cells.get((direction, variant, act, dt))
                    x = i - 0.4 + width * (j + 0.5)
                    if c is None:
                        ax.text(x, ULP_FLOOR * 0.75, "–", ha="center", va="center", color="0.55", fontsize=8)
                        continue
                    h = max(c.max_ulp, ULP_FLOOR)
                    color = DTYPE_COLORS.get(dt, "k")
                    if c.max_ulp == 0:
                        ax.bar(x, h, width=width * 0.92, facecolor="white", edgecolor=color, hatch="////",
                               linewidth=0.8)
                    else:
                        ax.bar(x, h, width=width * 0.92, color=color, alpha=0.9,
                               edgecolor="#b00000" if c.failed else "none", linewidth=1.6 if c.failed else 0)
                    if c.nonfinite:
                        ax.plot([x], [h * 2.2], marker="X", color="#b00000", ms=6, ls="")
                        ax.annotate(str(c.nonfinite), (x, h * 2.2), textcoords="offset points", xytext=(0, 5),
                                    ha="center", fontsize=7, color="#b00000")
            ax.set_yscale("log", base=10)
            ax.set_ylim(ULP_FLOOR / 2, top)
            ax.yaxis.set_major_formatter(FuncFormatter(_ulp_label))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_xticks(range(len(acts)), acts, rotation=30 if len(acts) > 6 else 0,
                          ha="right" if len(acts) > 6 else "center")
            ax.set_xlim(-0.6, len(acts) - 0.4)
            ax.grid(axis="x", visible=False)
            ax.set_title(f"{direction} · {variant}")
            if ci == 0:
                ax.set_ylabel("max ULP error (log)")
    handles = [Patch(color=DTYPE_COLORS.get(dt, "k"), label=dt) for dt in dtypes]
    handles.append(Patch(facecolor="0.8", edgecolor="#b00000", linewidth=1.4, label="red edge: status fail"))
    handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="////", label=f"0 ULP (drawn at {ULP_FLOOR:g})"))
    handles.append(Line2D([], [], marker="X", color="#b00000", ls="", label="non-finite mismatches (count)"))
    handles.append(Line2D([], [], marker="$–$", color="0.55", ls="", label="not measured"))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 5), frameon=False)
    fig.suptitle(f"Accuracy: max ULP error (worst over all sizes and impls) — {rep.label}", fontsize=10)
    return fig


# --------------------------------------------------------------------------------------------
# function and derivative curves from `actbench eval --json`

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
    return ["0x%08x" % struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in values]


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
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout_s)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise CurveError(f"{what} could not run: {e}") from None
        if proc.returncode != 0:
            first = (proc.stderr.strip().splitlines() or ["no message"])[0]
            raise CurveError(f"{what} exited with status {proc.returncode}: {first}")
        try:
            rows = json.loads(proc.stdout)
            if not isinstance(rows, list) or not rows:
                raise ValueError("expected a non-empty JSON array")
            x = np.array([float(r["x"]) for r in rows])
            y = np.array([float(r["y"]) for r in rows])
            ref = np.array([float(r["ref"]) for r in rows])
            ulp = np.array([float(r["ulp"]) if r.get("ulp") is not None else np.nan for r in rows])
        except (ValueError, KeyError, TypeError) as e:
            raise CurveError(f"{what} printed output that is not the expected JSON: {e}") from None
        return x, y, ref, ulp


CURVE_X = np.linspace(-6.0, 6.0, 241, dtype=np.float32)


def fig_curves(activation: str, variants: list[str], evaluate: Callable):
    x, y, ref, _ = evaluate(activation, "fwd", "precise", CURVE_X)
    dx, dyv, dref, _ = evaluate(activation, "deriv", "precise", CURVE_X)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.9), layout="constrained")
    a1.plot(x, y, color="#1f77b4", lw=1.8, label="f(x), kernel")
    a1.plot(x, ref, color="k", lw=0.9, ls="--", label="f(x), reference")
    a1.plot(dx, dyv, color="#ff7f0e", lw=1.8, label="f'(x), kernel")
    a1.plot(dx, dref, color="0.35", lw=0.9, ls=":", label="f'(x), reference")
    a1.axhline(0, color="0.5", lw=0.6)
    a1.axvline(0, color="0.5", lw=0.6)
    a1.set_xlabel("x")
    a1.set_ylabel("value")
    a1.set_title(f"{activation}: function and derivative (f32, precise, cpu backend)")
    a1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    worst = 0.0
    for v in variants:
        vx, _, _, ulp = evaluate(activation, "fwd", v, CURVE_X)
        u = np.where(np.isfinite(ulp), np.maximum(ulp, ULP_FLOOR), np.nan)
        worst = max(worst, float(np.nanmax(u)) if np.isfinite(u).any() else 0.0)
        a2.plot(vx, u, ls="", marker=".", ms=3, color=VARIANT_COLORS.get(v, "k"), label=v)
        bad = ~np.isfinite(ulp)
        if bad.any():
            a2.plot(vx[bad], np.full(bad.sum(), ULP_FLOOR), ls="", marker="x", color="#b00000",
                    label=f"{v}: no finite ULP (non-finite mismatch)")
    a2.set_yscale("log")
    a2.yaxis.set_minor_locator(NullLocator())
    a2.set_ylim(ULP_FLOOR / 2, max(worst, 4.0) * 3)
    a2.set_xlabel("x")
    a2.set_ylabel(f"ULP error of f (0 drawn at {ULP_FLOOR:g})")
    a2.set_title(f"{activation}: ULP error vs x (fwd, f32)")
    a2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False, markerscale=2)
    return fig


# --------------------------------------------------------------------------------------------
# driving

def iter_figures(reports: list[Report], actbench: str | None, say: Callable[[str], None],
                 curves: bool = True) -> Iterator[tuple[str, object]]:
    """Yield (file stem, figure) for every figure these reports support."""
    colors = [MACHINE_COLORS[i % len(MACHINE_COLORS)] for i in range(len(reports))]
    acts = sorted({k.activation for r in reports for k in r.records})
    for act in acts:
        yield f"throughput_{act}", fig_throughput(reports, act, colors)
    slugs = machine_slugs(reports)
    shown = [c.pct_of_copy_bw for rep in reports for d in DIRECTION_ORDER for v in VARIANT_ORDER
             for i in IMPL_ORDER for c in _largest_n_cells(rep, d, v, i).values()]
    vmax = max([100.0] + shown)
    clipped = vmax > 150.0
    vmax = min(vmax, 150.0)
    for rep, s in zip(reports, slugs):
        if rep.records:
            yield f"pct_of_copy_{s}", fig_heatmap(rep, vmax, clipped)
    ymax = max([1.0] + [c.max_ulp for rep in reports for c in accuracy_cells(rep).values()])
    for rep, s in zip(reports, slugs):
        fig = fig_accuracy(rep, ymax)
        if fig is None:
            say(f"{rep.path}: no accuracy records (accuracy off); no accuracy figure")
        else:
            yield f"accuracy_{s}", fig
    if not curves:
        return
    if actbench is None:
        say("no actbench binary (give --actbench PATH or put actbench on PATH): "
            "skipping the function/derivative curves")
        return
    evaluate = Evaluator(actbench)
    for act in acts:
        variants = _sorted({k.variant for r in reports for k in r.records if k.activation == act}, VARIANT_ORDER)
        try:
            fig = fig_curves(act, variants, evaluate)
        except CurveError as e:
            say(f"skipping the curves: {e}")
            return
        yield f"curves_{act}", fig


def save_figure(fig, outdir: Path, stem: str, formats=("png", "svg")) -> list[Path]:
    paths = []
    for fmt in formats:
        p = outdir / f"{stem}.{fmt}"
        fig.savefig(p, format=fmt, bbox_inches="tight")
        paths.append(p)
    plt.close(fig)
    return paths


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="+", metavar="REPORT.json",
                    help="one or more reports; several are drawn side by side or overlaid")
    ap.add_argument("-o", "--output-dir", type=Path, required=True, metavar="DIR", help="where to write")
    ap.add_argument("--format", choices=("png", "svg", "both"), default="both", help="default: %(default)s")
    ap.add_argument("--actbench", metavar="PATH", help="actbench binary for the curves (default: actbench on PATH)")
    ap.add_argument("--no-curves", action="store_true", help="skip the function/derivative curves")
    ap.add_argument("--history", action="store_true",
                    help="the reports are successive commits: draw each case's %% of copy and max ULP across "
                         "them, mark regressions, write history.md and history.csv (see actbench_tools.history)")
    ap.add_argument("--threshold", type=float, default=5.0, metavar="PCT",
                    help="with --history: regression threshold, as in actbench-compare (default: %(default)s)")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    reports = load_reports(args.reports)
    for r in reports:
        for w in warnings_for(r):
            warn(PROG, w)
    formats = ("png", "svg") if args.format == "both" else (args.format,)
    if args.history:
        from .history import write_history

        for p in write_history(reports, args.output_dir, formats, args.threshold, lambda m: warn(PROG, m)):
            print(p)
        return 0
    actbench = None if args.no_curves else find_actbench(args.actbench)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for stem, fig in iter_figures(reports, actbench, lambda m: note(PROG, m), curves=not args.no_curves):
        for p in save_figure(fig, args.output_dir, stem, formats):
            print(p)
            written += 1
    if not written:
        warn(PROG, "no figures: the reports hold no timed cases")
    return 0


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
