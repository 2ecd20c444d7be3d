#!/usr/bin/env python3
"""A stand-in for `actbench --shard K/N`, for binaries built before that flag.

    ACTBENCH_REAL_BIN=build/actbench shard_standin.py [actbench flags...] --shard K/N --out FILE

It asks the real binary for the planned cases (the same flags plus --benchmark_list_tests=true,
in plan order), deals them into N slices balanced by an estimate of their time (the bytes a case
moves; largest first, each to the least loaded slice, ties to the lowest index), runs the real
binary on slice K (--benchmark_filter), and adds context.shard to the report it wrote:
{index, count, plan_size, plan_sha256 (SHA-256 of the plan's names joined by newlines), cases}.
Without --shard it runs the real binary unchanged. tools/fleet/local-slurm.sh uses it when the
binary's --help has no --shard; once it has, the binary runs itself and this file can go.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

SIZEOF = {"f32": 4, "f16": 2, "bf16": 2, "f64": 8}
NAME = re.compile(r"^([a-z0-9_]+/(fwd|deriv|bwd)/[a-z0-9]+/[a-z]+/[a-z]+/[a-z]+:\d+/\d+)(/.*)?$")


def fail(msg: str) -> None:
    print(f"shard_standin: error: {msg}", file=sys.stderr)
    sys.exit(2)


def take(args: list[str], flag: str) -> tuple[str | None, list[str]]:
    """The value of `flag` (as `flag V` or `flag=V`) and the other arguments."""
    rest, value, i = [], None, 0
    while i < len(args):
        a = args[i]
        if a == flag and i + 1 < len(args):
            value, i = args[i + 1], i + 2
            continue
        if a.startswith(flag + "="):
            value = a.split("=", 1)[1]
        else:
            rest.append(a)
        i += 1
    return value, rest


def cost(name: str) -> int:
    _, direction, dtype, *_, n = name.split("/")
    return int(n) * SIZEOF.get(dtype, 4) * (3 if direction == "bwd" else 2)


def slices(plan: list[str], count: int) -> list[list[str]]:
    load = [0] * count
    owner = {}
    for i in sorted(range(len(plan)), key=lambda i: (-cost(plan[i]), i)):
        k = min(range(count), key=lambda k: (load[k], k))
        owner[i] = k
        load[k] += cost(plan[i])
    return [[plan[i] for i in range(len(plan)) if owner[i] == k] for k in range(count)]


def main(argv: list[str]) -> int:
    real = os.environ.get("ACTBENCH_REAL_BIN", "build/actbench")
    shard, args = take(argv, "--shard")
    if shard is None:
        os.execv(real, [real, *argv])
    m = re.fullmatch(r"(\d+)/(\d+)", shard)
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        fail(f"--shard {shard}: expected K/N with 1 <= K <= N")
    index, count = int(m.group(1)), int(m.group(2))
    out, args = take(args, "--out")
    if out is None:
        fail("--out FILE is required with --shard (every shard writes its own report)")
    if any(a.startswith("--benchmark_filter") for a in args):
        fail("the stand-in cannot combine --shard with --benchmark_filter")
    listed = subprocess.run([real, *args, "--benchmark_list_tests=true"], capture_output=True, text=True)
    if listed.returncode != 0:
        fail(f"{real} could not list its cases: {(listed.stderr.strip().splitlines() or ['?'])[-1]}")
    plan = []
    for line in listed.stdout.splitlines():
        hit = NAME.match(line.strip())
        if hit and hit.group(1) not in plan:
            plan.append(hit.group(1))
    if not plan:
        fail(f"{real} listed no cases for these flags")
    mine = slices(plan, count)[index - 1]
    if not mine:
        fail(f"shard {index}/{count} is empty: the plan has {len(plan)} cases")
    pattern = "^(" + "|".join(re.escape(c) for c in mine) + ")(/|$)"
    rc = subprocess.run([real, *args, "--out", out, f"--benchmark_filter={pattern}"]).returncode
    if rc not in (0, 1):  # 1: a precise case failed its bound; the report is complete
        return rc
    with open(out, encoding="utf-8") as f:
        doc = json.load(f)
    doc["context"]["shard"] = {"index": index, "count": count, "plan_size": len(plan),
                               "plan_sha256": hashlib.sha256("\n".join(plan).encode()).hexdigest(),
                               "cases": mine}
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(out)), suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.chmod(tmp, os.stat(out).st_mode & 0o777)  # the mode actbench gave its report
    os.replace(tmp, out)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
