"""The peers' report: an actbench report (schema v2) validated by the tools' own loader, written atomically."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ..load import parse_report
from .host import host_context, last_level_cache_bytes
from .runner import MAX_PCT_OF_COPY, MAX_ROOFLINE_CHANGE, PeerResults


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def context(*, backend: str, argv: list[str], start: str, wall_s: float, accuracy: str, threads: int,
            cpus: list[int], peers: list[dict], scorer: dict, device_name: str | None = None,
            cache_bytes: int | None = None) -> dict:
    host = host_context()
    name = device_name or f"cpu: {host['cpu_model']}"
    cuda = next((p.get("cuda") for p in peers if p.get("cuda")), None)
    cache = last_level_cache_bytes() if cache_bytes is None else cache_bytes
    return {"date": start, **host, "executable": argv[0] if argv else "actbench-peers",
            "library_build_type": "release", "actbench_version": scorer.get("actbench_version", "unknown"),
            "git_sha": scorer.get("git_sha", "unknown"), "argv": argv, "start_time": start, "end_time": utc_now(),
            "wall_time_s": wall_s, "backend": backend, "compiler": f"python {sys.version.split()[0]}",
            "cxx_flags": "", "cuda_runtime_version": cuda if backend == "cuda" else None,
            "accuracy_mode": accuracy, "throttled": False,
            "devices": [{"index": 0, "name": name, "cache_bytes": cache,
                         "theoretical_peak_gbps": None, "details": {"threads": threads, "cpus": cpus},
                         "telemetry_before": {}, "telemetry_after": {}}],
            "plausibility": {"max_pct_of_copy": MAX_PCT_OF_COPY, "max_roofline_spread": MAX_ROOFLINE_CHANGE},
            "peers": peers,
            "method": "actbench-peers: actbench's inputs (actbench inputs) and scoring (actbench score, the precise "
                      "bound), actbench's stopping rule, hot timing only (no cold or batched), each framework's "
                      "own copy of the same bytes as the roofline (roofline[].impl)"}


def document(ctx: dict, results: PeerResults, partial_reason: str | None = None) -> dict:
    return {"format": "actbench-report", "schema_version": 2, "partial": partial_reason is not None,
            "partial_reason": partial_reason, "context": ctx, "benchmarks": results.benchmarks,
            "not_run": results.not_run, "roofline": results.roofline}


def write_report(path: Path, doc: dict, force: bool) -> None:
    """Checks the document against the schema (a failure is a bug here: ValueError), then writes it atomically;
    an existing file only with force."""
    from ..load import ReportError

    try:
        parse_report(path, doc)
    except ReportError as e:
        raise ValueError(f"the peers' report does not validate (a bug in actbench-peers): {e}") from None
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n"  # compact, as actbench writes
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if force:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if path exists: never replaces a report silently
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
