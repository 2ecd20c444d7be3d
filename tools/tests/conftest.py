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


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def write_report(path: Path, doc: dict) -> Path:
    path.write_text(make_fixtures.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def report_file(tmp_path):
    """report_file(name, machine=..., **make_report kwargs, edit=callable) -> path of a fresh report."""
    def make(name: str, machine: str = "gpu", edit=None, **kw) -> Path:
        doc = make_fixtures.make_report(machine, **kw)
        if edit:
            edit(doc)
        return write_report(tmp_path / name, doc)
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
