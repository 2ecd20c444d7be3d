"""actbench-merge: combine the shard reports of one sharded run into one validated report.

`actbench --shard K/N` runs the K-th of N slices of the planned case list and records
`context.shard` = {index, count, plan_size, plan_sha256, cases}. This tool takes the N shard
reports (in any order), checks that they are the shards of one run -- every index 1..N exactly
once, the same plan (plan_sha256, plan_size), the same actbench build (actbench_version,
git_sha), the same backend, accuracy mode and schema version, and the same machine -- and that
the union of their case lists is the plan (every case in exactly one shard, every planned case
of a complete shard accounted for). The merged report keeps every record, every not-run entry
and the roofline of every shard (tagged with `shard`), records `context.merged_from`, and is
validated like any report before it is written (atomically).

Machines: shards that ran on different hosts or devices are refused unless --allow-mixed;
--allow-mixed-hosts accepts different host names (the nodes of one Slurm partition) as long
as the devices are the same. Exit status: 0 merged, 2 refused or unusable input.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .cli_common import UsageError, note, parser, run
from .load import Report, ReportError, case_key, load_reports, parse_report, parse_time

PROG = "actbench-merge"

# context keys that every shard of one run must share (besides context.shard's plan)
SAME_BUILD = ("actbench_version", "git_sha", "backend", "accuracy_mode")


def case_names(doc: dict) -> list[str]:
    """Every case a report accounts for (plan names): its records, then its not-run entries."""
    return [b["name"] for b in doc["benchmarks"]] + [case_key(x).plan_name for x in doc["not_run"]]


def shard_info(rep: Report) -> dict:
    """context.shard of a report (its shape is the schema's to check); UsageError when absent."""
    sh = rep.context.get("shard")
    if sh is None:
        raise UsageError(f"{rep.path}: not a shard report (no context.shard); shard reports are "
                         "written by `actbench --shard K/N`")
    if sh["index"] > sh["count"]:
        raise UsageError(f"{rep.path}: context.shard.index {sh['index']} is past count {sh['count']}")
    return sh


def _machine(rep: Report) -> tuple[str, tuple[str, ...]]:
    return rep.host_name, tuple(d.name for _, d in sorted(rep.devices.items()))


def check_shards(reports: list[Report], *, allow_mixed: bool = False,
                 allow_mixed_hosts: bool = False) -> list[tuple[Report, dict]]:
    """Check that these reports are all the shards of one run; returns (report, shard) pairs in
    shard order. Raises UsageError (one line) on the first problem."""
    if not reports:
        raise UsageError("no shard reports given")
    pairs = [(r, shard_info(r)) for r in reports]
    first, fsh = pairs[0]

    def differs(what: str, a, b, rep: Report, hint: str = "") -> UsageError:
        return UsageError(f"{rep.path}: {what} {json.dumps(b)[:80]} differs from {first.path}: "
                          f"{json.dumps(a)[:80]}{hint}")

    for rep, sh in pairs[1:]:
        for k in ("count", "plan_size", "plan_sha256"):
            if sh[k] != fsh[k]:
                raise differs(f"shard {k}", fsh[k], sh[k], rep, " (shards of different runs or plans?)")
        if rep.schema_version != first.schema_version:
            raise differs("schema_version", first.schema_version, rep.schema_version, rep)
        for k in SAME_BUILD:
            if rep.context.get(k) != first.context.get(k):
                raise differs(k, first.context.get(k), rep.context.get(k), rep)
        host0, dev0 = _machine(first)
        host, dev = _machine(rep)
        if not allow_mixed:
            if dev != dev0:
                raise differs("devices", list(dev0), list(dev), rep,
                              "; pass --allow-mixed to merge shards measured on different devices")
            if host != host0 and not allow_mixed_hosts:
                raise differs("host_name", host0, host, rep,
                              "; pass --allow-mixed-hosts when the hosts are alike (one node type)")

    by_index: dict[int, tuple[Report, dict]] = {}
    for rep, sh in pairs:
        if sh["index"] in by_index:
            raise UsageError(f"shard {sh['index']}/{sh['count']} given twice: "
                             f"{by_index[sh['index']][0].path} and {rep.path}")
        by_index[sh["index"]] = (rep, sh)
    count = fsh["count"]
    missing = [i for i in range(1, count + 1) if i not in by_index]
    if missing:
        raise UsageError(f"missing shard(s) {', '.join(f'{i}/{count}' for i in missing)} "
                         f"(have {', '.join(str(i) for i in sorted(by_index))})")
    ordered = [by_index[i] for i in range(1, count + 1)]

    owner: dict[str, tuple[int, Path]] = {}
    for rep, sh in ordered:
        for c in sh["cases"]:
            if c in owner:
                i, p = owner[c]
                where = "twice in its case list" if i == sh["index"] else f"also in shard {i} ({p})"
                raise UsageError(f"{rep.path}: case {c} of shard {sh['index']} is {where}")
            owner[c] = (sh["index"], rep.path)
        listed = set(sh["cases"])
        results = [r.name for r in rep.records.values()]
        stray = [c for c in results if c not in listed]
        if stray:
            raise UsageError(f"{rep.path}: {len(stray)} record(s) are not in the shard's case list "
                             f"(first: {stray[0]})")
        if not rep.partial:
            accounted = set(results) | {x.key.plan_name for x in rep.not_run}
            lost = [c for c in sh["cases"] if c not in accounted]
            if lost:
                raise UsageError(f"{rep.path}: {len(lost)} case(s) of shard {sh['index']} have neither a "
                                 f"record nor a not_run entry (first: {lost[0]}), yet the report is "
                                 "not marked partial")
    if len(owner) != fsh["plan_size"]:
        raise UsageError(f"the shards list {len(owner)} case(s) in all but the plan has {fsh['plan_size']}")
    return ordered


def merge_docs(ordered: list[tuple[Report, dict]]) -> dict:
    """The merged report document (not yet validated)."""
    base = ordered[0][0]
    out = copy.deepcopy(base.raw)
    ctx = out["context"]
    ctx.pop("shard", None)
    ctxs = [rep.context for rep, _ in ordered]

    hosts = list(dict.fromkeys(c.get("host_name", "?") for c in ctxs))
    ctx["host_name"] = ",".join(hosts)
    devices: dict[int, dict] = {}
    for rep, _ in ordered:
        for d in rep.raw["context"]["devices"]:
            cur = devices.get(d["index"])
            if cur is None:
                devices[d["index"]] = copy.deepcopy(d)
            elif d["name"] not in cur["name"].split(" | "):
                cur["name"] += " | " + d["name"]  # --allow-mixed: say so in the device's name
    ctx["devices"] = [devices[i] for i in sorted(devices)]

    spans: list[tuple[datetime, datetime, dict]] = []
    for c in ctxs:
        t0, t1 = parse_time(c.get("start_time")), parse_time(c.get("end_time"))
        if t0 and t1:
            spans.append((t0, t1, c))
    if len(spans) == len(ctxs):
        t0, _, c0 = min(spans, key=lambda s: s[0])
        _, t1, c1 = max(spans, key=lambda s: s[1])
        ctx["start_time"], ctx["date"], ctx["end_time"] = c0["start_time"], c0["date"], c1["end_time"]
        ctx["wall_time_s"] = max(0.0, (t1 - t0).total_seconds())
    else:  # unparsable times: keep the first shard's, and the longest shard's duration
        ctx["wall_time_s"] = max(float(c.get("wall_time_s", 0.0)) for c in ctxs)
    ctx["throttled"] = any(bool(c.get("throttled")) for c in ctxs)
    ctx["merged_from"] = [{"path": str(rep.path), "index": sh["index"]} for rep, sh in ordered]

    out["benchmarks"] = [b for rep, _ in ordered for b in rep.raw["benchmarks"]]
    seen, not_run = set(), []
    for rep, _ in ordered:
        for x in rep.raw["not_run"]:
            fp = json.dumps(x, sort_keys=True)  # the same skip reported by several shards: once
            if fp not in seen:
                seen.add(fp)
                not_run.append(x)
    out["not_run"] = not_run
    out["roofline"] = [dict(r, shard=sh["index"]) for rep, sh in ordered for r in rep.raw["roofline"]]
    partial = [(sh, rep.partial_reason) for rep, sh in ordered if rep.partial]
    out["partial"] = bool(partial)
    out["partial_reason"] = ("; ".join(f"shard {sh['index']}/{sh['count']}: {why or 'no reason given'}"
                                       for sh, why in partial) if partial else None)
    return out


def write_atomically(path: Path, text: str) -> None:
    """Write a temporary file beside `path`, then rename it over `path`: readers see the old file or
    the new one, never half of one. The file gets the usual mode (0666 less the umask)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    except OSError as e:  # name the file asked for, not the temporary one
        raise OSError(e.errno, e.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def merge_files(paths: Sequence[str | Path], output: str | Path, *, allow_mixed: bool = False,
                allow_mixed_hosts: bool = False, force: bool = False) -> Report:
    """Merge shard report files into `output`; returns the merged report (validated)."""
    output = Path(output)
    if output.exists() and not force:
        raise UsageError(f"{output} exists; pass --force to replace it")
    if any(Path(p).resolve() == output.resolve() for p in paths):
        raise UsageError(f"{output} is one of the shard reports; write the merge elsewhere")
    reports = load_reports(paths)  # no warnings about their timings: the merge keeps them as they are
    ordered = check_shards(reports, allow_mixed=allow_mixed, allow_mixed_hosts=allow_mixed_hosts)
    doc = merge_docs(ordered)
    try:
        merged = parse_report(output, doc)
    except ReportError as e:  # a bug here, not bad input: still one line
        raise UsageError(f"the merged report does not validate: {e.problem}") from None
    write_atomically(output, json.dumps(doc, indent=1, allow_nan=False) + "\n")
    return merged


def build_parser():
    ap = parser(PROG, __doc__, raw_epilog=True)
    ap.add_argument("shards", nargs="+", metavar="SHARD.json", type=Path, help="the shard reports, in any order")
    ap.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.json", help="the merged report")
    ap.add_argument("--allow-mixed", action="store_true",
                    help="merge shards measured on different hosts and devices")
    ap.add_argument("--allow-mixed-hosts", action="store_true",
                    help="merge shards from different hosts whose devices are the same")
    ap.add_argument("--force", action="store_true", help="replace OUT.json when it exists")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    merged = merge_files(args.shards, args.output, allow_mixed=args.allow_mixed,
                         allow_mixed_hosts=args.allow_mixed_hosts, force=args.force)
    n = len(merged.merged_from)
    note(PROG, f"merged {n} shard(s): {len(merged.records)} timed case(s), {len(merged.not_run)} not run"
               + (" (PARTIAL)" if merged.partial else ""))
    print(args.output)
    return 0


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
