"""Shared pytest fixtures for the actbench tools tests."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"

sys.path.insert(0, str(HERE))  # make_fixtures, fake_actbench
try:  # run from a source tree without `pip install ./tools`
    import actbench_tools  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(HERE.parent))

import make_fixtures  # noqa: E402

if os.environ.get("PYTEST_XDIST_WORKER"):  # pytest -n: the workers already fill the CPUs; figures drawn in-process
    os.environ.setdefault("ACTBENCH_PLOT_JOBS", "1")


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def committed_report() -> Path:
    """A committed real report (results/*.json but the instruction models, results/model-*.json): it
    must keep loading, whatever its version."""
    found = [p for p in sorted((HERE.parents[1] / "results").glob("*.json")) if not p.name.startswith("model-")]
    if not found:
        pytest.skip("no committed report in results/ (not in the actbench source tree)")
    return found[0]


def write_report(path: Path, doc: dict) -> Path:
    path.write_text(make_fixtures.dumps(doc), encoding="utf-8")
    return path


_REPORT_TEXT: dict[str, str] = {}  # generated reports, by their arguments (generating is the slow part)


@pytest.fixture
def report_file(tmp_path):
    """report_file(name, machine=..., **make_report kwargs, edit=callable) -> path of a fresh report."""
    def make(name: str, machine: str = "gpu", edit=None, **kw) -> Path:
        key = json.dumps([machine, kw], sort_keys=True)
        if key not in _REPORT_TEXT:
            _REPORT_TEXT[key] = make_fixtures.dumps(make_fixtures.make_report(machine, **kw))
        path = tmp_path / name
        if edit is None:
            path.write_text(_REPORT_TEXT[key], encoding="utf-8")
        else:
            doc = json.loads(_REPORT_TEXT[key])
            edit(doc)
            path.write_text(json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n", encoding="utf-8")
        return path
    return make


def make_fake_actbench(folder: Path) -> Path:
    """An executable `actbench` in folder that runs tests/fake_actbench.py with this Python."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "actbench"
    exe.write_text(f"#!{sys.executable}\nimport runpy, sys\nsys.argv[0] = 'actbench'\n"
                   f"runpy.run_path({str(HERE / 'fake_actbench.py')!r}, run_name='__main__')\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


@pytest.fixture
def no_actbench_on_path(monkeypatch, tmp_path):
    """PATH without any actbench binary."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty) + os.pathsep + os.path.dirname(sys.executable))
    return empty


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """actbench-report run once on two fixture machines (gelu; the gpu with f32 and f16, the cpu
    with f32), the eval figures from the fake actbench: the page a person opens, and every kind
    of figure. Returns (exit status, output folder)."""
    from actbench_tools import report
    from actbench_tools.cli_common import run

    tmp = tmp_path_factory.mktemp("rendered")
    exe = make_fake_actbench(tmp / "bin")
    gpu = write_report(tmp / "gpu.json", make_fixtures.make_report("gpu", activations=("gelu",),
                                                                   dtypes=("f32", "f16")))
    cpu = write_report(tmp / "cpu.json", make_fixtures.make_report("cpu", activations=("gelu",),
                                                                   dtypes=("f32",)))
    rc = run("actbench-report", report.main, [str(gpu), str(cpu), "-o", str(tmp / "out"), "--actbench", str(exe)])
    return rc, tmp / "out"
