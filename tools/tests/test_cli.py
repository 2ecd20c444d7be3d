"""The installed console scripts: present, runnable, no traceback on bad input."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import make_fixtures

BIN = Path(sys.executable).parent


def script(name):
    found = BIN / name
    if found.exists():
        return str(found)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (pip install ./tools)")
    return found


@pytest.mark.parametrize("name", ["actbench-compare", "actbench-plot", "actbench-report", "actbench-merge",
                                  "actbench-export"])
def test_scripts_run(name):
    proc = subprocess.run([script(name), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and name in proc.stdout


@pytest.mark.parametrize("name", ["actbench-compare", "actbench-plot", "actbench-report"])
def test_bad_input_one_line_exit_2(name, tmp_path):
    bad = make_fixtures.FIXTURES / "wrong_version.json"
    args = [script(name), str(bad)] + ([str(bad)] if name == "actbench-compare" else ["-o", str(tmp_path)])
    proc = subprocess.run(args, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr == (f"{name}: error: {bad}: unsupported schema_version 3; "
                           "this actbench-tools supports versions 1 and 2\n")


def test_compare_regression_exit_1(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(make_fixtures.dumps(make_fixtures.make_report("cpu", activations=("relu",))))
    b.write_text(make_fixtures.dumps(make_fixtures.make_report("cpu", activations=("relu",), speed=0.8)))
    proc = subprocess.run([script("actbench-compare"), str(a), str(b), "--format", "md"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "REGRESSIONS" in proc.stdout


@pytest.mark.parametrize("name", ["actbench-compare", "actbench-plot", "actbench-report"])
@pytest.mark.parametrize("bad", ["truncated.json"])  # the loader tests cover the others
def test_malformed_report_is_one_line_exit_2(name, bad, tmp_path):
    path = make_fixtures.FIXTURES / bad
    good = make_fixtures.FIXTURES / "cpu_v1.json"
    args = ([script(name), str(good), str(path)] if name == "actbench-compare"
            else [script(name), str(path), "-o", str(tmp_path)])
    proc = subprocess.run(args, capture_output=True, text=True)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith(f"{name}: error: {path}: ")
    assert "Traceback" not in proc.stderr


def test_internal_error_is_one_line(monkeypatch, capsys):
    from actbench_tools.cli_common import EXIT_INTERNAL, run

    def broken(argv):
        raise ZeroDivisionError("division by zero")
    monkeypatch.delenv("ACTBENCH_TOOLS_TRACEBACK", raising=False)
    assert run("actbench-x", broken, []) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: ZeroDivisionError" in err
