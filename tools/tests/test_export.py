"""The formats CI tools read: Google Benchmark's JSON (github-action-benchmark's `googlecpp`),
github-action-benchmark's customBiggerIsBetter / customSmallerIsBetter lists, and JUnit XML."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from actbench_tools import export, report
from actbench_tools.cli_common import run
from actbench_tools.load import load_report, schema

import make_fixtures

REPO = Path(__file__).resolve().parents[2]
# model-*.json is the instruction model, not a report
COMMITTED = sorted(p for p in (REPO / "results").glob("*.json") if not p.name.startswith("model-"))

# What github-action-benchmark's `googlecpp` tool reads from each record (its GoogleCppBenchmarkJson
# interface and extractGoogleCppResult: value = real_time, unit = time_unit + "/iter", extra from
# iterations, cpu_time and threads). The units are Google Benchmark's.
GOOGLECPP = {
    "type": "object", "required": ["context", "benchmarks"],
    "properties": {"benchmarks": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["name", "real_time", "cpu_time", "time_unit", "iterations", "threads"],
        "properties": {"name": {"type": "string", "minLength": 1}, "real_time": {"type": "number"},
                       "cpu_time": {"type": "number"}, "time_unit": {"enum": ["ns", "us", "ms", "s"]},
                       "iterations": {"type": "integer"}, "threads": {"type": "integer"}}}}}}

# github-action-benchmark's custom tools: a JSON array of {name, unit, value, range?, extra?}
# (README "customBiggerIsBetter / customSmallerIsBetter"; src/extract.ts BenchmarkResult).
CUSTOM = {
    "type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["name", "unit", "value"], "additionalProperties": False,
        "properties": {"name": {"type": "string", "minLength": 1}, "unit": {"type": "string", "minLength": 1},
                       "value": {"type": "number"}, "range": {"type": "string"}, "extra": {"type": "string"}}}}


def googlecpp_extract(doc: dict) -> list[dict]:
    """What the action's googlecpp extraction makes of a report (mirrors its documented fields)."""
    return [{"name": b["name"], "value": b["real_time"], "unit": b["time_unit"] + "/iter",
             "extra": f"iterations: {b['iterations']}\ncpu: {b['cpu_time']} {b['time_unit']}\nthreads: {b['threads']}"}
            for b in doc["benchmarks"]]


@pytest.mark.parametrize("path", [make_fixtures.FIXTURES / "cpu.json", make_fixtures.FIXTURES / "gpu.json",
                                  *COMMITTED], ids=lambda p: p.name)
def test_reports_stay_googlecpp_readable(path):
    doc = json.loads(path.read_text())
    jsonschema.validate(doc, GOOGLECPP)
    benches = googlecpp_extract(doc)
    assert len(benches) == len(doc["benchmarks"])
    assert len({b["name"] for b in benches}) == len(benches)  # the action keys a series by name
    for b in benches:
        assert b["unit"] == "ns/iter" and b["value"] > 0
        jsonschema.validate([b], CUSTOM)  # what the action stores: a BenchmarkResult


def test_schema_keeps_the_google_benchmark_keys():
    """A report cannot drop the keys googlecpp reads without failing schema validation."""
    record = schema()["$defs"]["record"]
    assert {"name", "real_time", "cpu_time", "time_unit", "iterations", "threads"} <= set(record["required"])


def _with_suspect_and_failure(doc):
    doc["benchmarks"][0]["suspect"] = ["pct_of_copy_bw 133.2% > 105%"]
    b = next(b for b in doc["benchmarks"]
             if (b["activation"], b["direction"], b["dtype"], b["variant"]) == ("tanh", "fwd", "f32", "precise"))
    b["status"] = "fail"
    b["accuracy"].update(max_ulp=9.0, max_ulp_deciding=9.0, out_of_bound=3, fail_reasons=["out_of_bound"],
                         **{"pass": False})
    b["accuracy"]["worst"].update(x="-3.25", x_bits="0xc0500000", ulp=9.0)
    return b["name"]


def test_github_action_benchmark_lists(tmp_path, report_file):
    path = report_file("gpu.json", "gpu", edit=_with_suspect_and_failure)
    rep = load_report(path)
    files = export.export(rep, "github-action-benchmark", tmp_path)
    bigger, smaller = (json.loads(p.read_text()) for p in files)
    assert [p.name for p in files] == ["actbench-bigger-is-better.json", "actbench-smaller-is-better.json"]
    for items in (bigger, smaller):
        jsonschema.validate(items, CUSTOM)
        assert len({i["name"] for i in items}) == len(items)
    # throughput: % of copy and GB/s of every timed case but the suspect ones (the planted one among them)
    assert len(bigger) == 2 * (len(rep.records) - len(rep.suspect_records()))
    assert {i["unit"] for i in bigger} == {"% of copy", "GB/s"}
    suspect = rep.raw["benchmarks"][0]["name"]
    assert not any(i["name"].startswith(suspect + " ") for i in bigger)
    rec = next(r for r in rep.records.values() if r.name != suspect)
    by_name = {i["name"]: i for i in bigger}
    assert by_name[f"{rec.name} GB/s"]["value"] == rec.gbps
    assert by_name[f"{rec.name} % of copy"]["value"] == rec.pct_of_copy_bw
    assert by_name[f"{rec.name} GB/s"]["range"].startswith("± ")
    # accuracy: one max ULP per configuration (worst over its sizes)
    configs = {k.config for k, r in rep.records.items() if r.accuracy is not None}
    assert len(smaller) == len(configs)
    assert all(i["unit"] == "ULP" for i in smaller)
    tanh = {i["name"]: i for i in smaller}["tanh/fwd/f32/precise/actbench/cuda:0 max ULP"]
    assert tanh["value"] == 9.0 and "status: fail" in tanh["extra"] and "0xc0500000" in tanh["extra"]
    tb = {i["name"]: i for i in smaller}["tanh/fwd/f32/textbook/actbench/cuda:0 max ULP"]
    assert tb["value"] == pytest.approx(2.0 ** 20, rel=1e-5) and "status: fail (expected: textbook)" in tb["extra"]


def test_report_format_hook_and_cli_errors(tmp_path, capsys):
    cpu = make_fixtures.FIXTURES / "cpu.json"
    assert run("actbench-report", report.main, [str(cpu), "-o", str(tmp_path), "--format",
                                                "github-action-benchmark"]) == 0
    assert (tmp_path / "actbench-bigger-is-better.json").exists()
    assert not (tmp_path / "report.html").exists()
    assert run("actbench-report", report.main, [str(cpu), str(cpu), "-o", str(tmp_path), "--format", "junit"]) == 2
    assert "takes one report, got 2" in capsys.readouterr().err
    assert run("actbench-export", export.main, [str(make_fixtures.FIXTURES / "wrong_version.json"),
                                                "--format", "junit", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unsupported schema_version 3" in err


def test_junit_parsed_back(tmp_path, report_file):
    junitparser = pytest.importorskip("junitparser", reason="junitparser is not installed "
                                      "(pip install -r tests/requirements.txt)")
    path = report_file("gpu.json", "gpu", edit=_with_suspect_and_failure)
    rep = load_report(path)
    planted = next(r for r in rep.records.values() if r.key.activation == "tanh" and r.key.variant == "precise"
                   and r.key.direction == "fwd" and r.key.dtype == "f32" and r.status == "fail")
    (xml_path,) = export.export(rep, "junit", tmp_path)
    xml = junitparser.JUnitXml.fromfile(str(xml_path))
    suites = list(xml)
    assert sorted(s.name for s in suites) == ["actbench.gelu", "actbench.relu", "actbench.tanh"]
    cases = [c for s in suites for c in s]
    assert len(cases) == len(rep.records) + len(rep.not_run)
    outcome = {}
    for c in cases:
        kinds = [type(r).__name__ for r in c.result]
        outcome[c.name] = kinds[0] if kinds else "passed"
    # the failures nobody expected (the planted one and the fixture's own): <failure>s naming the worst input
    failures = sorted(n for n, k in outcome.items() if k == "Failure")
    real = sorted(r.name for r in rep.records.values() if r.status == "fail" and not r.expected_to_fail)
    assert planted.name in failures and failures == real
    fail = next(c for c in cases if c.name == planted.name).result[0]
    assert "max ULP 9 (bound 4 ULP): 3 over the bound (4 ulp or abs 1e-06)" in fail.message
    assert "x = -3.25 (0xc0500000)" in fail.text
    # textbook failures are expected: skipped, with the same details
    textbook_failing = {r.name for r in rep.records.values() if r.key.variant == "textbook" and r.status == "fail"}
    assert textbook_failing and all(outcome[n] == "Skipped" for n in textbook_failing)
    # not run: an error for the out-of-memory case, skipped for cudnn without gelu
    assert outcome["gelu/bwd/f32/textbook/actbench/cuda:0/16777216"] == "Error"
    assert outcome["gelu/fwd/f32/precise/cudnn/cuda:0/1024"] == "Skipped"
    passing = sum(1 for k in outcome.values() if k == "passed")
    assert passing == sum(1 for r in rep.records.values() if r.status == "pass")
    # the totals the CI system shows
    totals = {k: sum(int(s._elem.get(k)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    assert totals == {"tests": len(cases), "failures": len(real), "errors": 1,
                      "skipped": len(textbook_failing) + 2}
