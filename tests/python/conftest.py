"""Fixtures for tests of the actbench binary (built by tools/dev.sh into build/)."""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "results" / "schema" / "actbench-report.schema.json"


def _binary():
    env = os.environ.get("ACTBENCH_BIN")
    path = pathlib.Path(env).resolve() if env else ROOT / "build" / "actbench"
    return path


@pytest.fixture(scope="session")
def actbench():
    path = _binary()
    if not path.exists():
        pytest.fail(f"actbench binary not found at {path}: build first (bash tools/dev.sh build)")
    return str(path)


def run(actbench, *args, timeout=600, check=None):
    proc = subprocess.run([actbench, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check is not None:
        assert proc.returncode == check, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def strict_load(path):
    """Loads JSON refusing NaN/Infinity (RFC 8259)."""
    def reject(name):
        raise ValueError(f"non-standard JSON constant {name}")
    with open(path) as f:
        return json.load(f, parse_constant=reject)


@pytest.fixture(scope="session")
def quick_report(actbench, tmp_path_factory):
    """One quick cpu run shared by the report tests."""
    out = tmp_path_factory.mktemp("quick") / "quick.json"
    proc = run(actbench, "--quick", "--backend", "cpu", "--out", str(out), check=0)
    return out, proc
