"""Rounds: a comparison measured R times over, each implementation keeping its fastest round.

On a shared or virtual machine everything's speed drifts by tens of percent within minutes (other tenants, the
clock, the allocator's state): more than most of the differences a comparison is after, and a case measured once
carries that drift into its ratio. `actbench-peers --rounds R` measures every case and every in-run copy R times
(the two sides taking turns group by group, the side that goes first alternating), and `combine` keeps, per
implementation, the fastest round of each case and of each copy (of the copies not marked unstable, where there is
one). Interference only ever slows a run down, so the fastest of R is the figure closest to what the code itself
can do, and every implementation gets the same treatment. Nothing is dropped: a record and a roofline entry list
every round's figures under `rounds`, and `round` names the one kept.

The accuracy, status and output check of a case come from its first round (the only one scored: they do not
depend on the timing); its timing, % of copy and suspect reasons from the round kept, against the kept copy.
"""

from __future__ import annotations

import statistics

from .runner import PeerResults, apply_roofline

#: What a record takes from the round kept; everything else comes from the case's first round.
TIMING_KEYS = ("timing", "gbps", "elements_per_s", "real_time", "cpu_time", "iterations")
#: A kept round this many times the median of the case's other rounds makes the record suspect: interference alone
#: does not explain it (on the Zen 5 VM a case's fastest round is a median 1.09x its slowest; PyTorch eager's gelu bf16
#: at 2^24 ran 6.6, 6.3 and 31.5 GB/s: a state of the machine or of the framework, its allocator, in one round).
ROUNDS_SPREAD = 2.0
ROUNDS_TOKEN = "rounds disagree: "


def rounds_reason(kept: float, others: list[float]) -> str | None:
    """The suspect reason of a kept round that ran ROUNDS_SPREAD times the median of the others or more, else None."""
    mid = statistics.median(others) if others else 0.0
    if mid <= 0 or kept < ROUNDS_SPREAD * mid:
        return None
    return (f"{ROUNDS_TOKEN}the kept round ran at {kept:.3g} GB/s, the others at a median of {mid:.3g} "
            f"({kept / mid:.1f}x): a state of the machine or of the implementation, not interference alone")


def place(entry: dict) -> tuple:
    """Where a record or a roofline entry was measured: whose, on what, of which dtype and size."""
    return entry["impl"], entry["backend"], entry["device"], entry["dtype"], entry["n"]


def case_key(entry: dict) -> tuple:
    return (*place(entry), entry["activation"], entry["direction"], entry.get("variant", "precise"))


def _by(entries_per_round: list[list[dict]], key) -> dict[tuple, list[tuple[int, dict]]]:
    """key -> [(round, entry), ...], in the order the keys first appear."""
    out: dict[tuple, list[tuple[int, dict]]] = {}
    for i, entries in enumerate(entries_per_round):
        for e in entries:
            out.setdefault(key(e), []).append((i, e))
    return out


def _copy_gbps(roof: dict) -> float:
    return float(roof["copy"]["gbps"])


def combine(rounds: list[PeerResults], max_pct_of_copy: float, annotate: bool = False) -> PeerResults:
    """One result from R rounds of the same comparison (the rounds in the order they ran). A single round is
    returned as it is, unless `annotate` (a run of several rounds stopped after its first): then its records and
    copies carry `round` and `rounds` as every round's do. A case or copy missing from a round (it failed there)
    lists only the rounds it ran in."""
    if not rounds:
        raise ValueError("no rounds to combine")
    if len(rounds) == 1 and not annotate:
        return rounds[0]
    out = PeerResults(scorer=next((r.scorer for r in rounds if r.scorer), {}))

    kept_roof: dict[tuple, dict] = {}
    for key, entries in _by([r.roofline for r in rounds], place).items():
        # the fastest copy not marked suspect (an unstable one: the copy changed during its group), else the fastest
        i, fastest = max([e for e in entries if not e[1]["suspect"]] or entries, key=lambda e: _copy_gbps(e[1]))
        roof = dict(fastest, round=i, rounds=[
            {"round": j, "copy_gbps": _copy_gbps(e), "copy_source": e["copy"].get("source"),
             "memcpy_gbps": e["memcpy"]["gbps"], "suspect": list(e["suspect"])} for j, e in entries])
        kept_roof[key] = roof
        out.roofline.append(roof)

    for entries in _by([r.benchmarks for r in rounds], case_key).values():
        first = entries[0][1]  # scored, checked
        i, fastest = max(entries, key=lambda e: e[1]["gbps"])
        rec = dict(first)
        rec.update({k: fastest[k] for k in TIMING_KEYS if k in fastest})
        rec["round"] = i
        rec["rounds"] = [{"round": j, "median_ns": e["timing"]["hot"]["median_ns"], "gbps": e["gbps"],
                          "pct_of_copy_bw": e["pct_of_copy_bw"], "converged": e["timing"]["hot"]["converged"],
                          "suspect": list(e["suspect"])} for j, e in entries]
        copy = kept_roof.get(place(rec))
        if copy is None:  # no copy of this place in any round (not expected): the round's own figures stand
            rec.update({k: fastest[k] for k in ("pct_of_copy_bw", "pct_of_copy_kernel_bw")})
            rec["suspect"] = list(fastest["suspect"])
        else:
            rec["suspect"] = []
            apply_roofline(rec, _copy_gbps(copy), float(copy["copy_kernel"]["gbps"]), copy["suspect"],
                           max_pct_of_copy)
        why = rounds_reason(float(fastest["gbps"]), [float(e["gbps"]) for j, e in entries if j != i])
        if why:
            rec["suspect"].append(why)
        out.benchmarks.append(rec)

    timed = {case_key(b) for b in out.benchmarks}
    for entries in _by([r.not_run for r in rounds], case_key).values():
        if case_key(entries[0][1]) not in timed:  # a case that ran in some round is not "not run"
            out.not_run.append(entries[0][1])
    return out
