"""Running the actbench binary (`list --json`, `eval --json`): its output, or one line saying why not."""

from __future__ import annotations

import subprocess


class BinaryError(Exception):
    """The binary could not run or failed; `str(err)` is one line."""


def output_of(cmd: list[str], what: str, timeout_s: float) -> str:
    """stdout of `cmd`; BinaryError naming `what` when it cannot run or exits non-zero."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BinaryError(f"{what} could not run: {e}") from None
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["no message"])[0]
        raise BinaryError(f"{what} exited with status {proc.returncode}: {first}")
    return proc.stdout
