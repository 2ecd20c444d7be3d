"""SIGINT, SIGTERM and SIGKILL at random moments of a real cpu run.

Each trial starts from a previous report at the destination (replaced with --force, or beside a new
default-named file) and sends one signal at a moment drawn from a fixed seed (after a random number of
cases, a random part of one case's time; ACTBENCH_SOAK=1: seeds from the clock), or right after the last
case (the roofline's last measurement and the final write: a window where, before the fix in
harness/session.cpp, SIGINT ended the process and lost every case).
INT/TERM: the previous report is intact or replaced by a valid report; the report at the destination
is schema-valid, marked partial when the run was cut, and holds every case the run said it measured.
KILL: whatever is at the destination is one complete JSON document (the previous report, the claim, a
checkpoint or the final report), never a truncated one; only report.cpp's `.NAME.tmp.PID.N` files may
be left behind, and the battery says how many were.
"""
from __future__ import annotations

import random
import signal
import time

import pytest

from conftest import SOAK, Watched, case_names, leftovers, report_problem, run, scaled, strict_json

SIGNAL_RUN = ["--backend", "cpu", "-a", "relu,gelu", "-t", "f32,f16", "--direction", "fwd",
              "--variant", "precise", "--impl", "actbench", "--sizes", "2^12,2^16", "--no-cold", "--max-time", "0.05",
              "--checkpoint", "0.3"]
SIGNALS = {"INT": signal.SIGINT, "TERM": signal.SIGTERM, "KILL": signal.SIGKILL}


@pytest.fixture(scope="module")
def clean_run(actbench, tmp_path_factory):
    """One uninterrupted run: its report is the 'previous report' of every trial, its length the range of
    the delays, its case list what a finished run holds."""
    folder = tmp_path_factory.mktemp("clean")
    start = time.monotonic()
    proc = run([actbench, *SIGNAL_RUN], cwd=folder, timeout=600)
    seconds = time.monotonic() - start
    assert proc.returncode in (0, 1), proc.stderr
    (path,) = (folder / "results").glob("*.json")
    return {"path": path, "bytes": path.read_bytes(), "seconds": seconds, "cases": case_names(strict_json(path))}


def trials():
    out = []
    for name in SIGNALS:
        for i in range(scaled(2)):
            out.append((name, "force" if i % 2 == 0 else "default", "random", i))
        out.append((name, "default" if name == "TERM" else "force", "after-last-case", 0))
    return out


@pytest.mark.parametrize("sig,mode,moment,trial", trials(), ids=lambda v: str(v))
def test_signal_keeps_every_report(actbench, clean_run, schema_validator, tmp_path, tally, sig, mode, moment, trial):
    seed = time.time_ns() if SOAK else 1000 * SIGNALS[sig] + trial
    rng = random.Random(seed)
    # a random moment of the run: after a random number of cases, a random part of one case's time
    after_cases = rng.randrange(len(clean_run["cases"]))
    delay = rng.uniform(0.0, clean_run["seconds"] / len(clean_run["cases"]))
    old_name = clean_run["path"].name
    if mode == "force":
        dest = tmp_path / "out.json"
        dest.write_bytes(clean_run["bytes"])
        args = [actbench, *SIGNAL_RUN, "--out", str(dest), "--force"]
        old = dest
    else:
        (tmp_path / "results").mkdir()
        old = tmp_path / "results" / old_name
        old.write_bytes(clean_run["bytes"])
        args = [actbench, *SIGNAL_RUN]
    w = Watched(args, cwd=tmp_path)
    if moment == "random":
        assert w.wait_for_case(after_cases, 600), w.stderr
        time.sleep(delay)
    else:
        assert w.last_case.wait(600), w.stderr
    w.proc.send_signal(SIGNALS[sig])
    rc = w.wait(600)
    what = (f"{sig} {mode} {moment} (seed {seed}: {after_cases} cases + {delay:.2f} s): exit {rc}, "
            f"{len(w.measured)} cases measured")

    # the report(s) at the destination
    if mode == "force":
        new = dest if dest.read_bytes() != clean_run["bytes"] else None
    else:
        assert tally.kept(old.read_bytes() == clean_run["bytes"], f"{what}: the previous report changed"), what
        fresh = [p for p in (tmp_path / "results").glob("*.json") if p.name != old_name]
        assert len(fresh) <= 1, fresh
        new = fresh[0] if fresh else None
    problem = report_problem(new, schema_validator) if new else None
    assert tally.kept(problem is None, f"{what}: {problem}"), problem
    doc = strict_json(new) if new else None
    kept = case_names(doc) if doc else []
    temps, others = leftovers(tmp_path, {str(p.relative_to(tmp_path)) for p in (old, new) if p})
    assert not others, f"{what}: unexpected files {others}"

    if sig == "KILL":
        if doc is None:
            outcome = "killed before the first write"
        else:
            held = ("the claim" if doc["partial_reason"] == "starting" else "a checkpoint" if doc["partial"]
                    else "the final report")
            outcome = f"killed; the file holds {held}"
        if temps:
            tally.note(f"SIGKILL left {len(temps)} temporary file(s) of the documented .NAME.tmp.PID.N pattern "
                       f"(killed between writing and renaming; harmless, never read)")
            outcome += ", a .tmp left"
        assert set(kept) <= set(clean_run["cases"]), what
        tally.fault("signals", outcome)
        tally.count("SIGKILL: cases measured", len(w.measured))
        tally.count("SIGKILL: of them in the file (the rest came after the last checkpoint)",
                    len(set(kept) & set(w.measured)))
        return

    assert not temps, f"{what}: temporary files left: {temps}"
    missing = sorted(set(w.measured) - set(kept))
    assert tally.kept(not missing, f"{what}: measured but not in the report: {missing}"), missing
    if rc == 130:
        assert doc is not None and doc["partial"] is True and "interrupt" in doc["partial_reason"], what
        outcome = "exit 130, partial report" + (" with every case" if len(kept) == len(clean_run["cases"]) else "")
    elif rc in (0, 1):  # the signal came after the run
        assert doc is not None and doc["partial"] is False and sorted(kept) == sorted(clean_run["cases"]), what
        outcome = "finished before the signal"
    else:  # the default action: only before the run claimed its file or after its last write
        assert rc == -SIGNALS[sig], what
        assert not w.measured or (doc is not None and not doc["partial"]), what
        outcome = "ended before the run began" if not w.measured else "ended after the final write"
    tally.fault("signals", f"{sig}: {outcome}")


def test_a_second_interrupt_still_leaves_valid_json(actbench, clean_run, tmp_path, tally):
    """Ctrl-C twice: the second ends the process at once (by design); the file is still whole JSON."""
    dest = tmp_path / "out.json"
    w = Watched([actbench, *SIGNAL_RUN, "--out", str(dest)], cwd=tmp_path)
    assert w.first_case.wait(600), w.stderr
    w.proc.send_signal(signal.SIGINT)
    w.proc.send_signal(signal.SIGINT)
    w.wait(600)
    strict_json(dest)
    temps, others = leftovers(tmp_path, {"out.json"})
    assert not others, others
    tally.fault("signals", "INT twice: file whole" + (", a .tmp left" if temps else ""))
