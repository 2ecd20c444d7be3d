"""The reliability battery: nothing measured is lost, every bad input is one clear line.

Bad values for every option (generated from the binary's --help), fuzzed report and array files
(Hypothesis), signals at random moments of real runs, a full disk at the write, two runs writing one
path, sizes that do not fit.  The battery counts what it tried (inputs tried, faults injected, reports
lost: the target is 0), prints the counts at the end of the session and writes them as JSON to
$ACTBENCH_RELIABILITY_SUMMARY (default: reliability-summary.json beside the binary).

Environment: ACTBENCH_BIN (default build/actbench); ACTBENCH_SOAK=1 for a long run (ten times the
Hypothesis examples and signal trials, seeds from the clock instead of fixed ones).
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import threading
import time
from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, settings

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "results" / "schema" / "actbench-report.schema.json"
SOAK = os.environ.get("ACTBENCH_SOAK") == "1"

# CI: the same examples on every run (derandomized), no deadline (a loaded machine is slow, not wrong),
# no example database (nothing written into the tree).  Soak: fresh random examples each run.
settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("soak", parent=settings.get_profile("ci"), derandomize=False)
settings.load_profile("soak" if SOAK else "ci")


def scaled(n: int) -> int:
    """A count of examples or trials: n in CI, 10 n in a soak run."""
    return 10 * n if SOAK else n


def binary_path() -> pathlib.Path:
    env = os.environ.get("ACTBENCH_BIN")
    return pathlib.Path(env).resolve() if env else ROOT / "build" / "actbench"


@pytest.fixture(scope="session")
def actbench() -> str:
    path = binary_path()
    if not path.exists():
        pytest.fail(f"actbench binary not found at {path}: build first (bash tools/dev.sh build)")
    return str(path)


def run(args, *, cwd=ROOT, timeout=120, env=None, preexec_fn=None):
    # errors="replace": a program may echo bytes of a damaged file; the check is on lines, not on UTF-8
    return subprocess.run(args, capture_output=True, encoding="utf-8", errors="replace", cwd=cwd, timeout=timeout,
                          env=env, preexec_fn=preexec_fn)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def one_error_line(stderr: str, prog: str = "actbench") -> str | None:
    """The error line when stderr is exactly one line `<prog>: error: ...` and nothing worse; else None."""
    lines = error_lines(stderr)
    bad = ("Traceback", "terminate called", "Aborted", "core dumped", "internal error")
    if len(lines) != 1 or not lines[0].startswith(f"{prog}: error: ") or any(b in stderr for b in bad):
        return None
    return lines[0]


def strict_json(path) -> dict:
    """Parse a report refusing NaN/Infinity; raises on anything that is not one complete JSON document."""
    def reject(name):
        raise ValueError(f"non-standard JSON constant {name}")
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_constant=reject)


@pytest.fixture(scope="session")
def schema_validator():
    import jsonschema
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


# A small real run that every part of the battery can reuse as "a valid report".
SMALL_RUN = ["--backend", "cpu", "-a", "relu,gelu", "-t", "f32,f16", "--direction", "fwd", "--variant", "precise",
             "--impl", "actbench", "--sizes", "1024,4096", "--no-cold", "--max-time", "0.01"]


@pytest.fixture(scope="session")
def small_report(actbench, tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("small") / "small.json"
    proc = run([actbench, *SMALL_RUN, "--out", str(out)], timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    return out


# ------------------------------------------------------------------------------------------------
# the counts

class Tally:
    """What the battery tried.  inputs: bad values and fuzzed files handed to a program; faults: signals,
    full disks and concurrent writers inflicted on a run; lost: a report that a fault or an input
    destroyed or truncated, or measured cases missing from the report (the target is 0)."""

    def __init__(self):
        self.inputs: Counter = Counter()
        self.faults: Counter = Counter()
        self.lost: list[str] = []
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        self.cli_table: list[dict] = []
        self.counts: Counter = Counter()
        self.notes: list[str] = []
        self.started = time.time()

    def input(self, section: str, outcome: str = "rejected", n: int = 1) -> None:
        self.inputs[section] += n
        self.outcomes[section][outcome] += n

    def fault(self, section: str, outcome: str) -> None:
        self.faults[section] += 1
        self.outcomes[section][outcome] += 1

    def kept(self, ok: bool, what: str) -> bool:
        """Records a loss when not ok (the caller asserts)."""
        if not ok:
            self.lost.append(what)
        return ok

    def count(self, what: str, n: int) -> None:
        self.counts[what] += n

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def summary(self) -> dict:
        return {"inputs_tried": sum(self.inputs.values()), "faults_injected": sum(self.faults.values()),
                "reports_lost": len(self.lost), "inputs_by_section": dict(self.inputs),
                "faults_by_section": dict(self.faults),
                "outcomes": {k: dict(v) for k, v in self.outcomes.items()}, "lost": self.lost,
                "counts": dict(self.counts), "notes": self.notes, "soak": SOAK,
                "seconds": round(time.time() - self.started, 1),
                "cli_bad_values": self.cli_table}


TALLY = Tally()


@pytest.fixture(scope="session")
def tally() -> Tally:
    return TALLY


def pytest_terminal_summary(terminalreporter):
    s = TALLY.summary()
    if not s["inputs_tried"] and not s["faults_injected"]:
        return
    tr = terminalreporter
    tr.section("reliability battery")
    if TALLY.cli_table:
        tr.write_line("bad option values tried (option: values -> exit codes):")
        for row in TALLY.cli_table:
            codes = ",".join(str(c) for c in sorted(set(row["exit_codes"])))
            tr.write_line(f"  {row['command']:<8} {row['option']:<34} {row['type']:<7} "
                          f"{len(row['values'])} values -> exit {codes}: {', '.join(row['shown'])}")
    for section, outcomes in sorted(s["outcomes"].items()):
        tr.write_line(f"  {section:<16} " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    for what, n in sorted(TALLY.counts.items()):
        tr.write_line(f"  {what}: {n}")
    for n in TALLY.notes:
        tr.write_line(f"  note: {n}")
    tr.write_line(f"inputs tried {s['inputs_tried']}, faults injected {s['faults_injected']}, "
                  f"reports lost {s['reports_lost']} ({s['seconds']} s{', soak' if SOAK else ''})")
    for what in TALLY.lost:
        tr.write_line(f"  LOST: {what}")
    dest = os.environ.get("ACTBENCH_RELIABILITY_SUMMARY") or str(binary_path().parent / "reliability-summary.json")
    try:
        pathlib.Path(dest).write_text(json.dumps(s, indent=1) + "\n")
        tr.write_line(f"counts written to {dest}")
    except OSError as e:
        tr.write_line(f"counts not written to {dest}: {e.strerror}")


# ------------------------------------------------------------------------------------------------
# a run watched while it goes

PROGRESS = re.compile(r"^\[\s*(?P<k>\d+)/(?P<total>\d+)\] (?P<name>\S+)\s+(?P<rest>.*)$")
TEMP_FILE = re.compile(r"^\.(?P<name>.+)\.tmp\.(?P<pid>\d+)\.(?P<n>\d+)$")  # report.cpp's temporary files


class Watched:
    """An actbench run whose stderr is read as it comes: the cases it says it measured, in order."""

    def __init__(self, args, cwd, env=None, preexec_fn=None):
        self.proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
                                     errors="replace", env=env, preexec_fn=preexec_fn)
        self.lines: list[str] = []
        self.measured: list[str] = []  # cases with a record (a progress line with GB/s)
        self.total = 0
        self.seen = 0  # progress lines so far
        self._progress = threading.Condition()
        self.first_case = threading.Event()
        self.last_case = threading.Event()
        self.stdout = ""
        self._err = threading.Thread(target=self._read_stderr, daemon=True)
        self._out = threading.Thread(target=self._read_stdout, daemon=True)
        self._err.start()
        self._out.start()

    def _read_stderr(self):
        for line in self.proc.stderr:
            line = line.rstrip("\n")
            self.lines.append(line)
            m = PROGRESS.match(line)
            if m:
                self.total = int(m["total"])
                if "GB/s" in m["rest"]:
                    self.measured.append(m["name"])
                self.first_case.set()
                if m["k"] == m["total"]:
                    self.last_case.set()
                with self._progress:
                    self.seen += 1
                    self._progress.notify_all()
        with self._progress:
            self.seen = 1 << 30  # the run ended: nobody waits for more
            self._progress.notify_all()

    def wait_for_case(self, k: int, timeout: float) -> bool:
        """Waits until k progress lines were printed (or the run ended)."""
        with self._progress:
            return self._progress.wait_for(lambda: self.seen >= k, timeout)

    def _read_stdout(self):
        self.stdout = self.proc.stdout.read()

    def wait(self, timeout=300) -> int:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        self._err.join(10)
        self._out.join(10)
        return rc

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    def error_lines(self) -> list[str]:
        return [line for line in self.lines if line.startswith("actbench: error:")]


def leftovers(folder: pathlib.Path, expected: set[str]) -> tuple[list[str], list[str]]:
    """(temporary report files, other unexpected files) in `folder` and below, besides `expected` names."""
    temps, others = [], []
    for p in sorted(folder.rglob("*")):
        if p.is_dir():
            continue
        rel = str(p.relative_to(folder))
        if rel in expected:
            continue
        (temps if TEMP_FILE.match(p.name) else others).append(rel)
    return temps, others


def report_problem(path, validator) -> str | None:
    """None when `path` is one complete, strict, schema-valid report; else what is wrong."""
    try:
        doc = strict_json(path)
    except (OSError, ValueError) as e:
        return f"{path}: {type(e).__name__}: {e}"
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        return f"{path}: not schema-valid at {list(errors[0].absolute_path)}: {errors[0].message[:200]}"
    return None


def case_names(doc: dict) -> list[str]:
    return [b["name"] for b in doc["benchmarks"]]
