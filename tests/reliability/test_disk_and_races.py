"""A full disk at the write, two runs writing one path at once, sizes that do not fit.

A full disk: a 256 KiB tmpfs (needs root: mount; skipped with the reason otherwise) and `ulimit -f`.
The harness's exit status when the report cannot be written where asked is 4 (README: exit codes):
checkpoints that fail only warn (the run goes on), and the final report goes to $TMPDIR instead, named
on the one error line.
"""
from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import tempfile

import pytest

from conftest import Watched, case_names, leftovers, one_error_line, report_problem, run, strict_json

RUN = ["--backend", "cpu", "-a", "relu,gelu", "-t", "f32", "--direction", "fwd", "--variant", "precise",
       "--impl", "actbench", "--sizes", "1024,4096", "--no-cold", "--max-time", "0.01", "--checkpoint", "0.1"]
ONE_CASE = ["--backend", "cpu", "-a", "relu", "-t", "f32", "--direction", "fwd", "--variant", "precise",
            "--impl", "actbench", "--sizes", "1024", "--no-cold", "--max-time", "0.01", "--accuracy", "off"]


@contextlib.contextmanager
def small_filesystem(folder, size="256k"):
    folder.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({proc.stderr.strip() or 'not root'}): the ulimit -f "
                    "test covers the full write instead")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder, leave_bytes):
    """Fills the filesystem of `folder` until at most `leave_bytes` are free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    if free > leave_bytes:
        with open(folder / "filler", "wb") as f:
            f.write(b"\0" * (free - leave_bytes))


@pytest.fixture(scope="module")
def old_report(actbench, tmp_path_factory):
    """A small valid report (one case, no accuracy) to stand for the previous one."""
    out = tmp_path_factory.mktemp("old") / "old.json"
    proc = run([actbench, *ONE_CASE, "--out", str(out)], timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out.read_bytes()


def test_full_disk_keeps_the_old_report_and_rescues_the_new(actbench, old_report, schema_validator, tmp_path, tally):
    rescue_dir = tmp_path / "tmpdir"
    rescue_dir.mkdir()
    with small_filesystem(tmp_path / "small") as small:
        dest = small / "report.json"
        dest.write_bytes(old_report)
        fill(small, 4096)
        w = Watched([actbench, *RUN, "--out", str(dest), "--force"], cwd=tmp_path,
                    env={**os.environ, "TMPDIR": str(rescue_dir)})
        rc = w.wait(300)
        kept = dest.read_bytes() == old_report
        temps, others = leftovers(small, {"report.json", "filler"})
    what = f"full disk, --out --force: exit {rc}"
    assert tally.kept(kept, f"{what}: the old report changed"), w.stderr
    assert not temps and not others, (temps, others)
    errors = w.error_lines()
    assert rc == 4 and len(errors) == 1, w.stderr
    assert "No space left on device" in errors[0] and str(rescue_dir) in errors[0], errors[0]
    (rescued,) = rescue_dir.glob("actbench-rescued-report-*.json")
    problem = report_problem(rescued, schema_validator)
    assert tally.kept(problem is None, f"{what}: rescued report: {problem}"), problem
    doc = strict_json(rescued)
    missing = sorted(set(w.measured) - set(case_names(doc)))
    assert tally.kept(not missing and not doc["partial"], f"{what}: lost {missing}"), missing
    tally.fault("full_disk", "old kept, new report in $TMPDIR, exit 4")


def test_full_disk_for_a_new_default_name_stops_before_any_case(actbench, tmp_path, tally):
    with small_filesystem(tmp_path / "small") as small:
        (small / "results").mkdir()
        fill(small, 0)
        proc = run([actbench, *RUN], cwd=small, timeout=120)
        temps, others = leftovers(small, {"filler"})
    assert proc.returncode == 2 and one_error_line(proc.stderr), proc.stderr
    assert "No space left on device" in proc.stderr  # and, one line, no case ran
    assert not temps and not others, (temps, others)
    tally.fault("full_disk", "claim refused before any case, exit 2")


def test_file_size_limit_keeps_the_old_report(actbench, old_report, tmp_path, tally):
    """ulimit -f smaller than the new report: the old one stays; the new one cannot be written anywhere
    (the limit holds for every file of the process), and the one error line says so."""
    dest = tmp_path / "report.json"
    dest.write_bytes(old_report)
    limit = len(old_report) + 1024

    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    with tempfile.TemporaryDirectory() as rescue_dir:
        w = Watched([actbench, *RUN, "--out", str(dest), "--force"], cwd=tmp_path, preexec_fn=limited,
                    env={**os.environ, "TMPDIR": rescue_dir})
        rc = w.wait(300)
        rescued = os.listdir(rescue_dir)
    kept = dest.read_bytes() == old_report
    assert tally.kept(kept, f"ulimit -f: the old report changed (exit {rc})"), w.stderr
    temps, others = leftovers(tmp_path, {"report.json"})
    assert not temps and not others, (temps, others)
    errors = w.error_lines()
    assert rc == 4 and len(errors) == 1 and "File too large" in errors[0], w.stderr
    if rescued:
        outcome = "old kept, new report in $TMPDIR, exit 4"
    else:
        assert "the measurements are lost" in errors[0], errors[0]
        outcome = "old kept, new report nowhere (the limit binds every file), exit 4"
        tally.note("ulimit -f below the report's size: the new report cannot be written to any file; the "
                   "error line says so (exit 4), the previous report is intact")
    tally.fault("full_disk", outcome)


def two_runs(actbench, args, cwd):
    a = Watched([actbench, *args], cwd=cwd)
    b = Watched([actbench, *args], cwd=cwd)
    return (a, a.wait(300)), (b, b.wait(300))


def test_two_runs_without_force_one_refuses(actbench, schema_validator, tmp_path, tally):
    dest = tmp_path / "same.json"
    (a, ra), (b, rb) = two_runs(actbench, [*RUN, "--out", str(dest)], tmp_path)
    codes = sorted([ra, rb])
    loser = a if ra == 2 else b
    winner = b if loser is a else a
    assert codes[0] in (0, 1) and codes[1] == 2, (ra, rb, a.stderr, b.stderr)
    assert one_error_line(loser.stderr), loser.stderr
    assert "exists" in loser.stderr or "another process" in loser.stderr, loser.stderr
    problem = report_problem(dest, schema_validator)
    assert tally.kept(problem is None, f"two runs, no --force: {problem}"), problem
    assert sorted(case_names(strict_json(dest))) == sorted(winner.measured)
    assert leftovers(tmp_path, {"same.json"}) == ([], [])
    tally.fault("concurrent", "no --force: one report, the other run refused (exit 2)")


def test_two_runs_with_force_leave_one_whole_report(actbench, old_report, schema_validator, tmp_path, tally):
    dest = tmp_path / "same.json"
    dest.write_bytes(old_report)
    (a, ra), (b, rb) = two_runs(actbench, [*RUN, "--out", str(dest), "--force"], tmp_path)
    assert ra in (0, 1) and rb in (0, 1), (a.stderr, b.stderr)
    problem = report_problem(dest, schema_validator)
    assert tally.kept(problem is None, f"two runs, --force: {problem}"), problem
    doc = strict_json(dest)
    assert not doc["partial"] and sorted(case_names(doc)) == sorted(a.measured) == sorted(b.measured)
    assert leftovers(tmp_path, {"same.json"}) == ([], [])
    tally.fault("concurrent", "--force: one whole report (the last to finish)")


def test_two_runs_with_the_default_name_write_two_files(actbench, schema_validator, tmp_path, tally):
    (a, ra), (b, rb) = two_runs(actbench, RUN, tmp_path)
    assert ra in (0, 1) and rb in (0, 1), (a.stderr, b.stderr)
    files = sorted((tmp_path / "results").glob("*.json"))
    assert len(files) == 2, files
    for f in files:
        problem = report_problem(f, schema_validator)
        assert tally.kept(problem is None, f"two runs, default name: {problem}"), problem
        assert not strict_json(f)["partial"]
    assert leftovers(tmp_path, {str(f.relative_to(tmp_path)) for f in files}) == ([], [])
    tally.fault("concurrent", "default name: two files")


@pytest.mark.parametrize("size", ["2^36", "2^40"])
def test_a_size_that_does_not_fit_is_skipped_with_the_reason(actbench, schema_validator, tmp_path, tally, size):
    out = tmp_path / "sizes.json"
    args = ["--backend", "cpu", "-a", "relu", "-t", "f32,f64", "--direction", "fwd", "--variant", "precise",
            "--impl", "actbench", "--sizes", f"1024,{size}", "--no-cold", "--max-time", "0.01", "--accuracy", "off"]
    proc = run([actbench, *args, "--out", str(out)], timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert report_problem(out, schema_validator) is None
    doc = strict_json(out)
    n = 2 ** int(size.split("^")[1])
    skipped = [x for x in doc["not_run"] if x["n"] == n]
    assert len(skipped) == 2 and all(x["status"] == "skipped" and "does not fit" in x["reason"] for x in skipped), \
        doc["not_run"]
    assert sorted(b["n"] for b in doc["benchmarks"]) == [1024, 1024] and not doc["partial"]
    tally.input("sizes", "skipped with the reason, exit 0")
