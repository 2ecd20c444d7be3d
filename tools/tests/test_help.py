"""Every console script of the tools package answers --help (argparse formats each help string with %, so a bare
'%' in one - "% of copy" - used to crash --help with an internal error)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
SCRIPTS = tomllib.loads(PYPROJECT.read_text())["project"]["scripts"]


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    """The console script `name` (pyproject's [project.scripts]) with these arguments, in a fresh interpreter."""
    module, func = SCRIPTS[name].split(":")
    code = f"import sys; from {module} import {func} as f; sys.argv = {[name, *args]!r}; sys.exit(f())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_help_prints_usage(name):
    proc = run_script(name, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "usage:" in proc.stdout and "internal error" not in proc.stderr


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_bad_flag_gets_one_error_line(name):
    proc = run_script(name, "--no-such-flag")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and ": error: " in lines[0], proc.stderr  # the usage block is --help's, not an error's


def test_bad_integer_gets_one_error_line(tmp_path):
    """actbench-peers --rounds x: argparse's own type check, one line naming the option."""
    proc = run_script("actbench-peers", "-o", str(tmp_path / "r.json"), "--rounds", "x")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "--rounds" in lines[0], proc.stderr


#: The tools run as `python -m` or as a script (no console script).
COMMANDS = [["-m", "actbench_tools.peers_table"], ["-m", "actbench_tools.hotloop"], ["-m", "actbench_tools.catalog"],
            ["-m", "actbench_tools.peers.loop"], [str(PYPROJECT.parent / "sass" / "sass_model.py")]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[-1].rsplit("/", 1)[-1])
def test_module_bad_flag_gets_one_error_line(command):
    proc = subprocess.run([sys.executable, *command, "--no-such-flag"], capture_output=True, text=True,
                          timeout=120, check=False, cwd=PYPROJECT.parent)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and ": error: " in lines[0], proc.stderr
