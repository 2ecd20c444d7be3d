"""The A/B table of this folder: per (activation, dtype), the median GB/s of each build's runs, fwd/deriv/bwd.

    python3 results/cpu-chunks/table.py results/cpu-chunks    # prints README.md's table and the per-dtype medians
"""
import glob
import json
import statistics
import sys
from collections import defaultdict

folder = sys.argv[1] if len(sys.argv) > 1 else "."
gbps = defaultdict(lambda: defaultdict(list))  # (activation, dtype, direction) -> build -> [GB/s]
order = []
for build in ("base", "new"):
    for path in sorted(glob.glob(f"{folder}/vm-cpu-{build}-*.json")):
        with open(path) as f:
            for b in json.load(f)["benchmarks"]:
                key = (b["activation"], b["dtype"], b["direction"])
                if key not in gbps:
                    order.append(key)
                gbps[key][build].append(b["gbps"])
ratio = {k: statistics.median(v["new"]) / statistics.median(v["base"]) for k, v in gbps.items()}
print("| activation | dtype | fwd base → new (x) | deriv base → new (x) | bwd base → new (x) |")
print("|---|---|---|---|---|")
rows = list(dict.fromkeys((a, t) for a, t, _ in order))
for a, t in rows:
    cells = []
    for d in ("fwd", "deriv", "bwd"):
        v = gbps.get((a, t, d))
        cells.append("—" if v is None else
                     f"{statistics.median(v['base']):.2f} → {statistics.median(v['new']):.2f} ({ratio[(a, t, d)]:.2f}x)")
    print(f"| {a} | {t} | " + " | ".join(cells) + " |")
print()
for t in dict.fromkeys(t for _, t, _ in order):
    r = {k: x for k, x in ratio.items() if k[1] == t}
    lo, hi = min(r, key=r.get), max(r, key=r.get)
    print(f"{t}: median {statistics.median(r.values()):.2f}x over {len(r)} rows, range {r[lo]:.2f}x ({' '.join(lo)}) "
          f"to {r[hi]:.2f}x ({' '.join(hi)})")
