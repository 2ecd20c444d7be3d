"""The exhaustive f32 accuracy study as a table: one row per activation (and non-default parameters), the max
ULP error of f and f' over every one of the 2^32 f32 inputs, the input where it falls, the inputs over the
bound and the mismatch counts, from the JSON summaries `actbench_exhaustive_f32 --json` writes
(tools/exhaustive/study.sh writes one per case under results/accuracy/exhaustive-f32/).

    python -m actbench_tools.exhaustive_table results/accuracy/exhaustive-f32 --format md
    python -m actbench_tools.exhaustive_table results/accuracy/exhaustive-f32 --readme README.md
    python -m actbench_tools.exhaustive_table results/accuracy/exhaustive-f32 --check README.md   # CI: up to date?
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from .cli_common import EXIT_OK, OneLineParser, UsageError, replace_readme_block, run, write_output
from .load import ACTIVATION_ORDER, order_index

PROG = "actbench-exhaustive-table"
README_START = "<!-- exhaustive-f32:start"
README_END = "<!-- exhaustive-f32:end -->"
_KEYS = {"activation": str, "direction": str, "variant": str, "params": list, "counted": int, "max_ulp": float,
         "bound_ulp": float, "over_bound": int, "nonfinite_mismatches": int, "signed_zero_mismatches": int,
         "flushed_subnormals": int, "worst": list, "seconds": float, "cpu_seconds": float, "threads": int}


@dataclass
class Case:
    path: Path
    activation: str
    direction: str
    variant: str
    params: str
    counted: int
    max_ulp: float
    bound: float
    over: int
    worst_x: str
    seconds: float
    cpu_seconds: float
    threads: int
    worst: dict          # the worst input: x, x_bits, y, ref, ulp (strings as the checker printed them)
    binades: list        # per binade of x: {"binade": "-2^3" | "+subnormal" | ..., "max_ulp", "over_bound"}
    nonfinite: int = 0
    signed_zero: int = 0
    flushed: int = 0

    @property
    def mismatches(self) -> int:
        """Non-finite, signed-zero and flushed-subnormal mismatches together."""
        return self.nonfinite + self.signed_zero + self.flushed


def load_case(path: Path) -> Case:
    """One summary, checked (a truncated, malformed or foreign file is a UsageError naming it)."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"{path}: not a readable JSON summary ({e})") from None
    if not isinstance(d, dict):
        raise UsageError(f"{path}: not an actbench_exhaustive_f32 summary (a JSON object expected)")
    for k, t in _KEYS.items():
        v = d.get(k)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) if t is float else isinstance(v, t)
        if t is int and isinstance(v, bool):
            ok = False
        if not ok:
            raise UsageError(f"{path}: not an actbench_exhaustive_f32 summary ('{k}' missing or not a {t.__name__})")
    if not math.isfinite(d["max_ulp"]) or d["counted"] <= 0:
        raise UsageError(f"{path}: max_ulp must be finite and counted > 0")
    worst = d["worst"][0] if d["worst"] and isinstance(d["worst"][0], dict) else {}
    params = ", ".join(str(p) for p in d["params"])
    return Case(path, d["activation"], d["direction"], d["variant"], params, d["counted"], float(d["max_ulp"]),
                float(d["bound_ulp"]), d["over_bound"],
                str(worst.get("x", "—")), float(d["seconds"]), float(d["cpu_seconds"]), d["threads"], worst,
                binades if isinstance(binades := d.get("binades"), list) else [], d["nonfinite_mismatches"],
                d["signed_zero_mismatches"], d["flushed_subnormals"])


def load_dir(folder: Path) -> list[Case]:
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder of exhaustive summaries")
    cases = [load_case(p) for p in sorted(folder.glob("*.json"))]
    if not cases:
        raise UsageError(f"{folder}: no *.json summaries")
    return cases


def ulp_cell(c: Case | None) -> str:
    if c is None:
        return "—"
    mark = "" if c.over == 0 and c.mismatches == 0 else " **FAIL**"
    return f"{c.max_ulp:.3f} (x = {c.worst_x}){mark}"


def render(cases: list[Case], variant: str = "precise") -> str:
    rows: dict[tuple[str, str], dict[str, Case]] = {}
    for c in cases:
        if c.variant == variant:
            rows.setdefault((c.activation, c.params), {})[c.direction] = c
    keys = sorted(rows, key=lambda k: (order_index(k[0], ACTIVATION_ORDER), k[1]))
    lines = ["| activation | params | f: max ULP (worst x) | f': max ULP (worst x) | inputs over the bound | "
             "non-finite / signed-zero / flushed |",
             "|---|---|---|---|---|---|"]
    for k in keys:
        r = rows[k]
        over = sum(c.over for c in r.values())
        mism = sum(c.mismatches for c in r.values())
        lines.append(f"| {k[0]} | {k[1] or 'default'} | {ulp_cell(r.get('fwd'))} | {ulp_cell(r.get('deriv'))} | "
                     f"{over} | {mism} |")
    chosen = [c for c in cases if c.variant == variant]
    worst = max(chosen, key=lambda c: c.max_ulp)
    med = sorted(c.seconds for c in chosen)[len(chosen) // 2]
    threads = max(c.threads for c in chosen)
    lines.append("")
    lines.append(f"{len(chosen)} cases × 2^32 inputs ({variant}, bound {worst.bound:g} ulp, no absolute allowance): "
                 f"largest error {worst.max_ulp:.3f} ulp ({worst.activation} {worst.direction}); "
                 f"{sum(c.over for c in chosen)} inputs over the bound. Median time of one case "
                 f"{med:.0f} s on {threads} threads.")
    return "\n".join(lines) + "\n"


def replace_block(readme: str, block: str, folder: str) -> str:
    return replace_readme_block(readme, README_START, README_END, block,
                                f"python -m actbench_tools.exhaustive_table {folder} --readme README.md")


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="the folder of actbench_exhaustive_f32 --json summaries")
    ap.add_argument("--variant", default="precise")
    ap.add_argument("--format", choices=("md",), default="md")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--readme", type=Path, help="rewrite the generated block of this README")
    g.add_argument("--check", type=Path, metavar="README", help="exit 1 when the README's block is not up to date")
    ap.add_argument("-o", "--output", type=Path)
    args = ap.parse_args(argv)
    block = render(load_dir(args.folder), args.variant)
    target = args.readme or args.check
    if target is None:
        write_output(args.output, block)
        return EXIT_OK
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{target}: {e.strerror}") from None
    new = replace_block(text, block, args.folder.as_posix())
    if args.check:
        if new != text:
            print(f"{PROG}: {target} is not up to date: run python -m actbench_tools.exhaustive_table "
                  f"{args.folder.as_posix()} --readme {target}", file=sys.stderr)
            return 1
        return EXIT_OK
    target.write_text(new, encoding="utf-8")
    return EXIT_OK


def cli(argv: list[str] | None = None) -> int:
    return run(PROG, main, argv)


if __name__ == "__main__":
    sys.exit(cli())
