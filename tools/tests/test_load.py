"""Loading: typed records keyed by axes; every malformed input is one clear error."""

import json

import pytest

import make_fixtures
from actbench_tools import load
from actbench_tools.load import CaseKey, ReportError, load_report


def test_loads_typed_records_keyed_by_axes(fixtures):
    rep = load_report(fixtures / "gpu.json")
    key = CaseKey("gelu", "fwd", "f16", "precise", "actbench", "cuda", 0, 2 ** 20)
    rec = rep.records[key]
    assert rec.key == key
    assert rec.gbps > 0 and rec.hot.median_ns > 0 and rec.accuracy.max_ulp >= 0
    assert rec.status == "pass"
    assert rep.devices[0].theoretical_peak_gbps == pytest.approx(3352.3)
    assert rep.label == "gpu-node-1 · NVIDIA H100 80GB HBM3"
    assert rep.roofline_gbps("cuda", 0, "f16", 2 ** 20) > 0
    assert {x.status for x in rep.not_run} == {"skipped", "error"}


def test_name_is_never_parsed(tmp_path):
    doc = make_fixtures.small_report("cpu")
    for b in doc["benchmarks"]:
        b["name"] = b["run_name"] = "anything at all"
    p = tmp_path / "r.json"
    p.write_text(json.dumps(doc))
    rep = load_report(p)
    assert {k.activation for k in rep.records} == {"relu"}


@pytest.mark.parametrize("name, expected", [
    ("bad_json.json", "invalid JSON"),
    ("truncated.json", "truncated JSON"),
    ("wrong_version.json", "unsupported schema_version 2; this actbench-tools supports version 1"),
    ("not_actbench.json", 'not an actbench report: no "format" key'),
    ("schema_violation.json", "benchmarks[3].dtype: 'f33' is not one of"),
    ("nan_constant.json", "non-standard constant NaN"),
])
def test_malformed_inputs_raise_one_line(fixtures, name, expected):
    with pytest.raises(ReportError) as err:
        load_report(fixtures / name)
    msg = str(err.value)
    assert expected in msg
    assert msg.startswith(str(fixtures / name) + ": ")
    assert "\n" not in msg


@pytest.mark.parametrize("content, expected", [
    ("", "empty file"),
    ("[1, 2]", "the top level is a JSON list"),
    ('{"format": "nvbench", "schema_version": 1}', 'format is "nvbench"'),
    ('{"format": "actbench-report"}', 'without "schema_version"'),
    ('{"format": "actbench-report", "schema_version": "1"}', 'unsupported schema_version "1"'),
    ('{"format": "actbench-report", "schema_version": 1}', "does not match the actbench report schema"),
    ('{"a": Infinity}', "non-standard constant Infinity"),
    ('{"format": "actbench-report", "schema_version": 1, "partial": tru', "truncated JSON"),
    ('{"format": "actbench-report", "schema_version": 1, "name": "unterminated', "truncated JSON"),
])
def test_other_bad_documents(tmp_path, content, expected):
    p = tmp_path / "x.json"
    p.write_text(content)
    with pytest.raises(ReportError) as err:
        load_report(p)
    assert expected in str(err.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ReportError, match="cannot read"):
        load_report(tmp_path / "nope.json")
    with pytest.raises(ReportError, match="is a directory"):
        load_report(tmp_path)


def test_duplicate_case_is_an_error(tmp_path):
    doc = make_fixtures.small_report("cpu")
    doc["benchmarks"].append(dict(doc["benchmarks"][0]))
    p = tmp_path / "dup.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(ReportError, match="repeats the case relu/fwd/f32/precise/actbench/cpu:0/n=2\\^10"):
        load_report(p)


def test_error_inside_accuracy_is_located(tmp_path):
    doc = make_fixtures.small_report("cpu")
    doc["benchmarks"][5]["accuracy"]["histogram"]["counts"][2] = -1
    p = tmp_path / "acc.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(ReportError, match=r"benchmarks\[5\]\.accuracy\.histogram\.counts\[2\]"):
        load_report(p)


def test_same_machine_twice_gets_distinct_labels(fixtures, tmp_path):
    copy = tmp_path / "again.json"
    copy.write_bytes((fixtures / "cpu.json").read_bytes())
    a, b = load.load_reports([fixtures / "cpu.json", copy])
    assert a.label != b.label and "again.json" in b.label


def test_partial_and_throttled_warn(tmp_path):
    doc = make_fixtures.small_report("cpu")
    doc["partial"] = True
    doc["partial_reason"] = "interrupted (SIGINT)"
    doc["context"]["throttled"] = True
    p = tmp_path / "p.json"
    p.write_text(json.dumps(doc))
    ws = load.warnings_for(load_report(p))
    assert any("partial report (interrupted (SIGINT))" in w for w in ws)
    assert any("throttled" in w for w in ws)
