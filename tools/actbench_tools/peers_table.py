"""Side by side: actbench, thrust, cuDNN and the framework peers (actbench-peers) of one machine, per
activation × dtype × direction: GB/s, % of each run's in-run copy, and the max ULP the accuracy verdict
rests on. Used by `actbench-compare --side-by-side`, actbench-plot, actbench-report, and to regenerate the
README's table from committed reports:

    python -m actbench_tools.peers_table results/A.json results/B.json --format md
    python -m actbench_tools.peers_table results/A.json results/B.json --readme README.md
    python -m actbench_tools.peers_table results/A.json --n 4194304 --grid --peers torch-eager,jax-jit --format md

--grid sums up one size instead: a row per activation, a column per dtype × direction, actbench / the fastest of
--peers, marked where that peer fails actbench's precise bound (tools/peers/cpu-comparison.sh writes it).

Rows take the precise variant, and the cases more than one impl measured (all, when none was). Each row is
shown at one n: the given --n, else the largest n that every impl
of the row measured (an impl without it shows "—").
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .cli_common import OneLineParser, UsageError, load_with_warnings, replace_readme_block, run, write_output
from .compare import ulp_text
from .load import (
    ACTIVATION_ORDER,
    DIRECTION_ORDER,
    DTYPE_ORDER,
    IMPL_ORDER,
    PEER_IMPLS,
    Record,
    Report,
    format_n,
    order_index,
    sorted_axis,
)
from .tables import Cell, Table, render_html, render_md, render_text

PROG = "actbench-peers-table"
README_START = "<!-- peers-table:start"
README_END = "<!-- peers-table:end -->"


@dataclass
class Row:
    backend: str
    activation: str
    direction: str
    dtype: str
    n: int
    cells: dict[str, Record] = field(default_factory=dict)  # impl -> its record at n

    def peers(self, *, passing: bool = False, among: Sequence[str] = PEER_IMPLS) -> list[Record]:
        """The framework peers of this row (among: only these impls); passing: only those whose outputs pass
        actbench's precise bound (an accuracy verdict that passed; a peer scored on no accuracy inputs does not
        count as passing)."""
        return [r for impl, r in self.cells.items() if impl in PEER_IMPLS and impl in among
                and (not passing or (r.accuracy is not None and r.accuracy.passed))]

    def best_peer(self, *, passing: bool = False, among: Sequence[str] = PEER_IMPLS) -> Record | None:
        """The fastest framework peer (passing: the fastest that passes the bound), passing over those marked
        faster than their own in-run copy (when every one is, the fastest of those). Other suspect timings (not
        converged, a drifting copy) still count: on a noisy machine most timings are, and skipping them would let
        the ratio pick whichever peer converged (ratio_suspect() says when the ratio rests on one)."""
        peers = self.peers(passing=passing, among=among)
        return max([r for r in peers if not r.faster_than_copy] or peers, key=lambda r: r.gbps, default=None)

    def actbench_vs_best_peer(self, *, passing: bool = False, among: Sequence[str] = PEER_IMPLS) -> float | None:
        ours, peer = self.cells.get("actbench"), self.best_peer(passing=passing, among=among)
        if ours is None or peer is None or peer.gbps <= 0:
            return None
        return ours.gbps / peer.gbps

    def ratio_suspect(self, *, passing: bool = False, among: Sequence[str] = PEER_IMPLS) -> bool:
        """The ratio rests on a suspect timing (actbench's or the peer's)."""
        ours, peer = self.cells.get("actbench"), self.best_peer(passing=passing, among=among)
        return bool((ours and ours.is_suspect) or (peer and peer.is_suspect))


def collect(reports: Sequence[Report], *, directions: Sequence[str] | None = None, n: int | None = None) -> list[Row]:
    """The rows of these reports (precise variant, device 0 of each backend)."""
    by_row: dict[tuple[str, str, str, str], dict[str, dict[int, Record]]] = {}
    for rep in reports:
        for key, rec in rep.records.items():
            if key.variant != "precise" or (directions and key.direction not in directions):
                continue
            row = by_row.setdefault((key.backend, key.activation, key.direction, key.dtype), {})
            row.setdefault(key.impl, {})[key.n] = rec  # a later report's record of the same case wins
    rows = []
    for (backend, act, d, dt), impls in by_row.items():
        if n is not None:
            at = n
        else:
            common = set.intersection(*(set(ns) for ns in impls.values()))
            at = max(common) if common else max(max(ns) for ns in impls.values())
        cells = {impl: ns[at] for impl, ns in impls.items() if at in ns}
        if cells:
            rows.append(Row(backend, act, d, dt, at, cells))
    shared = [r for r in rows if len(r.cells) > 1]
    rows = shared or rows  # side by side: the cases more than one impl measured
    rows.sort(key=lambda r: (r.backend, order_index(r.direction, DIRECTION_ORDER),
                             order_index(r.activation, ACTIVATION_ORDER), r.activation,
                             order_index(r.dtype, DTYPE_ORDER)))
    return rows


def impls_of(rows: Sequence[Row]) -> list[str]:
    return sorted_axis({impl for r in rows for impl in r.cells}, IMPL_ORDER)


def has_peers(reports: Sequence[Report]) -> bool:
    """Whether these reports hold a framework peer beside something to compare it with."""
    impls = {k.impl for rep in reports for k in rep.records}
    return bool(impls & set(PEER_IMPLS)) and len(impls) > 1


def speed_cell(rec: Record | None) -> Cell:
    if rec is None:
        return Cell("—")
    mark = " ?" if rec.is_suspect else ""
    return Cell(f"{rec.gbps:.3g} ({rec.pct_of_copy_bw:.0f}%){mark}", "suspect" if rec.is_suspect else "num",
                sort=rec.gbps, title="; ".join(rec.suspect) or f"{rec.pct_of_copy_bw:.1f}% of this run's copy")


#: fail_reasons, short, for table cells (the HTML tooltip has them in full).
SHORT_REASONS = {"out_of_bound": "bound", "nonfinite_mismatch": "nan/inf", "signed_zero_mismatch": "±0",
                 "flushed_subnormal": "flush"}


def ulp_cell(rec: Record | None) -> Cell:
    if rec is None:
        return Cell("—")
    a = rec.accuracy
    if a is None:
        return Cell("unchecked")
    text = ulp_text(a)
    if not a.passed:
        why = ", ".join(SHORT_REASONS.get(r, r) for r in a.fail_reasons)
        return Cell(f"{text} FAIL: {why}", "fail", sort=a.deciding()[0], title=", ".join(a.fail_reasons))
    return Cell(text, "pass", sort=a.deciding()[0])


def table(rows: Sequence[Row], caption: str = "") -> Table:
    impls = impls_of(rows)
    ratio = "actbench" in impls and any(i in PEER_IMPLS for i in impls)
    header = ["backend", "activation", "direction", "dtype", "n"]
    for impl in impls:
        header += [f"{impl} GB/s (% copy)", f"{impl} max ULP"]
    if ratio:
        header += ["actbench / best peer", "actbench / best passing peer"]
    out = []
    for r in rows:
        cells: list[Cell | str] = [r.backend, r.activation, r.direction, r.dtype, format_n(r.n)]
        for impl in impls:
            cells += [speed_cell(r.cells.get(impl)), ulp_cell(r.cells.get(impl))]
        if ratio:
            cells += [ratio_cell(r), ratio_cell(r, passing=True)]
        out.append(cells)
    return Table(header, out, caption or CAPTION)


def scored_peers_all_fail(r: Row) -> bool:
    """Some peer of the row has an accuracy verdict, and no peer passes."""
    return any(p.accuracy is not None for p in r.peers()) and r.best_peer(passing=True) is None


def ratio_cell(r: Row, *, passing: bool = False) -> Cell:
    """actbench / the best peer (passing: the best of those that pass the bound; "none passes" where peers were
    scored and every one failed, "unscored" where no peer has an accuracy verdict)."""
    v = r.actbench_vs_best_peer(passing=passing)
    if v is None:
        if passing and "actbench" in r.cells and r.peers():
            if scored_peers_all_fail(r):
                return Cell("none passes")
            if all(p.accuracy is None for p in r.peers()):
                return Cell("unscored")
        return Cell("—")
    q = r.ratio_suspect(passing=passing)
    return Cell(ratio_text(v) + (" ?" if q else ""), "suspect" if q else ("num" if v >= 1 else "warn"),
                sort=v, title="from a suspect timing" if q else "")


CAPTION = ("GB/s of read + write (% of that run's in-run copy of the same bytes; ? = suspect timing) and the max "
           "ULP the accuracy verdict rests on per impl, precise variant; FAIL: outside actbench's precise bound, "
           "because of: bound = errors over the bound, nan/inf = a NaN or infinity where the value is finite (or "
           "the reverse), ±0 = a zero of the wrong sign, flush = a subnormal result flushed to zero. "
           "actbench / best peer: GB/s ratio to the fastest framework peer, those faster than their own in-run "
           "copy passed over (when every peer is, to the fastest one; ? = the ratio rests on a suspect timing); "
           "best passing peer: the same among the peers whose outputs pass actbench's precise bound (none passes: "
           "every peer of the row that was scored fails it; unscored: no peer of the row was scored).")


def ratio_text(v: float) -> str:
    """v as "0.61x", with as many more digits as it takes not to print a ratio that is not 1 as "1x" (0.997x); 100
    and more as an integer ("146x", not "1.5e+02x")."""
    if v >= 100:
        return f"{v:.0f}x"
    for digits in range(2, 7):
        text = f"{v:.{digits}g}"
        if text != "1" or v == 1:
            return text + "x"
    return f"{v:.6g}x"


def not_ahead(rows: Sequence[Row]) -> list[str]:
    """Rows where actbench is not ahead of the best peer in speed, or fails where that peer passes."""
    out = []
    for r in rows:
        ours, peer = r.cells.get("actbench"), r.best_peer()
        if ours is None or peer is None:
            continue
        v = r.actbench_vs_best_peer()
        why = []
        if v is not None and v < 1:
            why.append(f"{ratio_text(v)} the GB/s of {peer.key.impl}"
                       + (" (suspect timing)" if r.ratio_suspect() else ""))
            passing = r.best_peer(passing=True)
            if scored_peers_all_fail(r):
                why.append("no peer passes the bound")
            elif passing is not None and passing is not peer and passing.gbps > 0 and (
                    vp := r.actbench_vs_best_peer(passing=True)) is not None:
                why.append(f"{ratio_text(vp)} the GB/s of {passing.key.impl}, the fastest that passes the bound"
                           + (" (suspect timing)" if r.ratio_suspect(passing=True) else ""))
        if ours.accuracy and peer.accuracy and not ours.accuracy.passed and peer.accuracy.passed:
            why.append(f"fails its bound where {peer.key.impl} passes")
        if why:
            out.append(f"{r.activation} {r.direction} {r.dtype} n={format_n(r.n)} ({r.backend}): " + "; ".join(why))
    return out


def grid(rows: Sequence[Row], among: Sequence[str] = PEER_IMPLS) -> tuple[Table, list[str]]:
    """The summary of one size on one backend: a row per activation, a column per dtype × direction, each cell
    actbench / the fastest peer of `among` (chosen as best_peer chooses: the full table's "best peer" among those),
    "!" where that peer's outputs fail actbench's precise bound, " u" where they were not scored, " *" where a passing
    peer ahead of actbench was passed over (timed faster than its own copy), " ?" where the ratio rests on a suspect
    timing; and the lines under it, a cell per line by what it is behind: a peer that passes the bound (the full
    table's "best passing peer" faster than actbench, whether or not the fastest peer passes), else an unscored peer
    if any is ahead, else failing ones. UsageError for rows of several backends or sizes, without actbench's records,
    or without any of the peers."""
    if not rows:
        raise UsageError("--grid: no precise records (check --n and --direction)")
    backends = {r.backend for r in rows}
    if len(backends) > 1:
        raise UsageError(f"--grid shows one backend; these rows have {', '.join(sorted(backends))}: give the reports "
                         "of one")
    sizes = {r.n for r in rows}
    if len(sizes) > 1:
        raise UsageError("--grid shows one size: choose it with --n")
    present = [p for p in PEER_IMPLS if p in among and any(p in r.cells for r in rows)]
    if not present:
        raise UsageError(f"--grid: none of the peers {', '.join(among)} ran in these reports")
    if not any("actbench" in r.cells for r in rows):
        raise UsageError("--grid: no actbench records in these reports (actbench-peers --with-actbench, or give "
                         "actbench's report too)")
    cols = [(dt, d) for dt in sorted_axis({r.dtype for r in rows}, DTYPE_ORDER)
            for d in sorted_axis({r.direction for r in rows}, DIRECTION_ORDER)]
    at = {(r.activation, r.dtype, r.direction): r for r in rows}
    out: list[list[Cell | str]] = []
    behind: dict[str, list[str]] = {"passing": [], "failing": [], "unscored": []}
    for a in sorted_axis({r.activation for r in rows}, ACTIVATION_ORDER):
        cells: list[Cell | str] = [a]
        for dt, d in cols:
            r = at.get((a, dt, d))
            v = r.actbench_vs_best_peer(among=among) if r else None
            peer = r.best_peer(among=among) if r else None
            if r is None or v is None or peer is None:
                cells.append(Cell("—"))
                continue
            kind = "unscored" if peer.accuracy is None else ("passing" if peer.accuracy.passed else "failing")
            vp = r.actbench_vs_best_peer(among=among, passing=True)
            ours = r.cells["actbench"]
            if vp is not None and vp < 1:
                behind["passing"].append(f"{a} {dt} {d}")
            elif v < 1:  # behind failing peers, or unscored ones (any unscored one ahead counts the cell there)
                ahead = [p for p in r.peers(among=among) if p.gbps > ours.gbps]
                behind["unscored" if any(p.accuracy is None for p in ahead) else kind].append(f"{a} {dt} {d}")
            mark = {"passing": "", "failing": "!", "unscored": " u"}[kind]
            hidden = " *" if v >= 1 and vp is not None and vp < 1 else ""  # a passing peer ahead, passed over
            suspect = " ?" if r.ratio_suspect(among=among) or hidden else ""
            text = ratio_text(v) + mark + hidden + suspect
            cells.append(Cell(text, "num" if v >= 1 and not hidden else ("warn" if mark else "fail"), sort=v,
                              title=peer.key.impl + (" (suspect timing)" if suspect else "")))
        out.append(cells)
    header = ["activation"] + [f"{dt} {d}" for dt, d in cols]
    n, backend = format_n(next(iter(sizes))), next(iter(backends))
    caption = (f"actbench / the fastest of {', '.join(present)} (GB/s of read + write, n = {n}, {backend}; as in the "
               "full table, a peer timed faster than its own in-run copy is passed over where another is not); !: "
               "that peer's outputs fail actbench's precise bound; u: they were not scored; *: a peer whose outputs "
               "pass is faster than actbench but was timed faster than its own in-run copy (the full table's best "
               "passing peer); ?: the ratio rests on a suspect timing; —: no ratio (actbench or every such peer "
               "missing).")
    lines = [f"{label}: {len(behind[k])}" + (f" ({', '.join(behind[k])})" if behind[k] else "")
             for k, label in (("passing", "behind a peer whose outputs pass the bound"),
                              ("failing", "behind only peers whose outputs fail it"),
                              ("unscored", "behind an unscored peer, no passing one"))]
    return Table(header, out, caption), lines


# The relu family: its target on the cpu is 90% of the in-run copy, beyond being ahead of the peers (issue 12).
RELU_LIKE = ("relu", "relu6", "leaky_relu", "prelu")
RELU_LIKE_FLOOR = 90.0


def behind(rows: Sequence[Row]) -> list[str]:
    """Rows short of the target, one tab-separated line each: backend, activation, direction, dtype, n, the best
    peer's impl, actbench / best peer, actbench's % of its in-run copy. Short: slower than the best peer, or, on the
    cpu, a relu-like row under RELU_LIKE_FLOOR % of the copy (what tools/peers/cpu-profile.sh --behind profiles)."""
    out = []
    for r in rows:
        ours, v, peer = r.cells.get("actbench"), r.actbench_vs_best_peer(), r.best_peer()
        if ours is None or v is None or peer is None:
            continue
        relu_short = r.backend == "cpu" and r.activation in RELU_LIKE and ours.pct_of_copy_bw < RELU_LIKE_FLOOR
        if v < 1 or relu_short:
            out.append("\t".join((r.backend, r.activation, r.direction, r.dtype, str(r.n), peer.key.impl,
                                   f"{v:.4f}", f"{ours.pct_of_copy_bw:.1f}")))
    return out


def render(reports: Sequence[Report], fmt: str, *, directions: Sequence[str] | None = None,
           n: int | None = None) -> str:
    rows = collect(reports, directions=directions, n=n)
    if not rows:
        raise UsageError("no precise records in these reports")
    t = table(rows)
    lines = not_ahead(rows)
    if fmt == "md":
        text = render_md(t) + "\n\n" + t.caption + "\n"
        if lines:
            text += "\nactbench is not ahead:\n\n" + "".join(f"- {x}\n" for x in lines)
        return text
    if fmt == "html":
        return render_html(t)
    text = render_text(t) + "\n\n" + t.caption + "\n"
    return text + ("\nactbench is not ahead:\n" + "".join(f"  {x}\n" for x in lines) if lines else "")


def replace_block(readme: str, block: str, args: Sequence[str]) -> str:
    """README text with the generated block between the markers replaced (UsageError without the markers); the
    start marker records the arguments (reports and options) that regenerate it."""
    return replace_readme_block(readme, README_START, README_END, block,
                                f"python -m actbench_tools.peers_table {' '.join(args)} --readme README.md")


def write_figure(reports: Sequence[Report], path: Path, direction: str, n: int | None) -> None:
    """The side-by-side figure (actbench-plot's) of one direction at the table's n, as one PNG."""
    from .plot import fig_side_by_side, plt

    rows = collect(reports, directions=[direction], n=n)
    backends = sorted({r.backend for r in rows})
    if len(backends) != 1:
        raise UsageError(f"--figure draws one backend; these rows have {', '.join(backends) or 'none'}")
    fig, _ = fig_side_by_side(rows, backends[0], direction)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(prog="python -m actbench_tools.peers_table", description=__doc__.split("\n\n")[0])
    ap.add_argument("reports", nargs="+", type=Path, metavar="REPORT.json")
    ap.add_argument("--direction", action="append", choices=DIRECTION_ORDER, help="default: all")
    ap.add_argument("--n", type=int, help="the size to show (default: the largest every impl of a row measured)")
    ap.add_argument("--format", choices=("text", "md", "html"), default="text")
    ap.add_argument("--readme", type=Path, help="rewrite the generated block of this README (Markdown)")
    ap.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    ap.add_argument("--behind", action="store_true",
                    help="print only the rows short of the target (slower than the best peer, or on the cpu "
                         "relu-like under 90%% of the copy), tab-separated: backend, activation, direction, dtype, "
                         "n, best peer, ratio, %% of copy (not with --readme, --figure, --format)")
    ap.add_argument("--grid", action="store_true",
                    help="print the summary of one size instead (--n; default: the largest n every impl measured): "
                         "a row per activation, a column per dtype × direction, actbench / the fastest of --peers, "
                         "'!' where that peer fails the precise bound, 'u' where it was not scored, '?' on a suspect "
                         "timing (text or md; not with --readme, --figure, --behind)")
    ap.add_argument("--peers",
                    help="with --grid: the peers to take the fastest of, comma-separated (default: "
                         f"{','.join(PEER_IMPLS)})")
    ap.add_argument("--figure", type=Path, metavar="PNG",
                    help="also draw the side-by-side figure of these rows (the first --direction, default fwd)")
    args = ap.parse_args(argv)
    if args.peers is not None and not args.grid:
        raise UsageError("--peers chooses the peers of --grid: give --grid too")
    among = list(dict.fromkeys(p for p in (args.peers or ",".join(PEER_IMPLS)).split(",") if p))
    if not among or any(p not in PEER_IMPLS for p in among):
        raise UsageError(f"--peers takes {', '.join(PEER_IMPLS)}; got '{args.peers}'")
    reports = load_with_warnings(PROG, args.reports)
    if args.grid:
        if args.readme or args.figure or args.behind or args.format == "html":
            raise UsageError("--grid prints its own table as text or md: leave out --readme, --figure, --behind and "
                             "--format html")
        t, lines = grid(collect(reports, directions=args.direction, n=args.n), among)
        body = render_md(t) if args.format == "md" else render_text(t)
        sep = "- " if args.format == "md" else "  "
        write_output(args.output, body + "\n\n" + t.caption + "\n\n" + "".join(f"{sep}{x}\n" for x in lines))
        return 0
    if args.behind:
        words = argv if argv is not None else sys.argv[1:]
        if args.readme or args.figure or any(w == "--format" or w.startswith("--format=") for w in words):
            raise UsageError("--behind prints its own lines: leave out --readme, --figure and --format")
        rows = collect(reports, directions=args.direction, n=args.n)
        write_output(args.output, "".join(line + "\n" for line in behind(rows)))
        return 0
    if args.figure:
        write_figure(reports, args.figure, (args.direction or ["fwd"])[0], args.n)
    if args.readme:
        block = render(reports, "md", directions=args.direction, n=args.n)
        keep, given = [], iter(argv if argv is not None else sys.argv[1:])
        for a in given:
            if a == "--readme":
                next(given, None)
            elif not a.startswith("--readme="):
                keep.append(a)
        text = replace_block(args.readme.read_text("utf-8"), block, keep)
        args.readme.write_text(text, encoding="utf-8")
        print(args.readme)
        return 0
    write_output(args.output, render(reports, args.format, directions=args.direction, n=args.n))
    return 0


if __name__ == "__main__":
    sys.exit(run(PROG, main))
