"""Loading: typed records keyed by axes; every malformed input is one clear error."""

import json
import re
from pathlib import Path

import pytest

from actbench_tools import load
from actbench_tools.load import CaseKey, ReportError, load_report
from actbench_tools.peers import runner

import make_fixtures


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
    ("wrong_version.json", "unsupported schema_version 3; this actbench-tools supports versions 1 and 2"),
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
    ('{"format": "actbench-report", "schema_version": 1}', "does not match the actbench report schema v1"),
    ('{"format": "actbench-report", "schema_version": 2}', "does not match the actbench report schema v2"),
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


# ---- version 2 and version 1 ------------------------------------------------------------------

def test_version_2_fields_are_typed(fixtures):
    rep = load_report(fixtures / "cpu.json")
    assert rep.schema_version == 2 and rep.max_pct_of_copy == 105.0
    rec = rep.records[CaseKey("gelu", "bwd", "f32", "fast", "actbench", "cpu", 0, 2 ** 20)]
    a = rec.accuracy
    assert rec.status == "fail" and a.fail_reasons == ("signed_zero_mismatch",)
    assert a.deciding() == (a.max_ulp_deciding, True) and a.max_ulp_deciding <= a.bound_ulp
    assert rec.bytes_convention == "x, dy read + dx written"
    assert a.per_binade and a.reference == "double" and not a.expected_to_fail
    allowance = rep.records[CaseKey("tanh", "deriv", "f32", "precise", "actbench", "cpu", 0, 2 ** 20)].accuracy
    assert allowance.passed and allowance.allowance_only == 5 and allowance.by_allowance()
    assert allowance.max_ulp == 3.1e7 and allowance.deciding() == (1.4, True)
    textbook = rep.records[CaseKey("gelu", "bwd", "f16", "textbook", "actbench", "cpu", 0, 2 ** 20)]
    assert textbook.expected_to_fail and set(textbook.accuracy.fail_reasons) == {"out_of_bound", "nonfinite_mismatch"}
    sus = {r.key.label(): r.suspect for r in rep.suspect_records()}
    assert sus["tanh/fwd/f64/precise/actbench/cpu:0/n=2^24"] == ("pct_of_copy_bw 133.2% > 105%",)
    assert sus["relu/bwd/f32/precise/actbench/cpu:0/n=2^12"] == ("hot timing not converged",)
    assert [r.suspect for r in rep.roofline if r.suspect][0][0].startswith("roofline unstable")


def test_faster_than_copy_token_is_the_harness_one():
    """The token that marks a record faster than its in-run copy is spelt alike by the harness (harness/runner.hpp,
    which writes it into reports) and the loader that reads it (FORMAT.md, `suspect`); the peers' runner takes the
    loader's constant, so what ties it is that the reason it writes starts with the token."""
    header = (Path(__file__).resolve().parents[2] / "harness" / "runner.hpp").read_text(encoding="utf-8")
    m = re.search(r'kFasterThanCopyToken = "([^"]*)";', header)
    assert m is not None
    assert m.group(1) == load.FASTER_THAN_COPY_TOKEN == runner.FASTER_THAN_COPY_TOKEN == "pct_of_copy_bw "
    rec = {"gbps": 200.0, "timing": {"hot": {"converged": True, "samples": 10, "rel_spread": 0.01}}, "suspect": []}
    runner.apply_roofline(rec, 100.0, 100.0, [])
    assert rec["suspect"] and rec["suspect"][0].startswith(load.FASTER_THAN_COPY_TOKEN)


def test_version_1_report_loads_with_derived_fields(fixtures):
    rep = load_report(fixtures / "cpu_v1.json")
    assert rep.schema_version == 1
    rec = rep.records[CaseKey("gelu", "bwd", "f32", "fast", "actbench", "cpu", 0, 2 ** 20)]
    assert rec.accuracy.fail_reasons == ("signed_zero_mismatch",)  # derived from the counts
    assert rec.bytes_convention is None and rec.accuracy.per_binade == ()
    # the allowance hides the deciding figure of a v1 report: at most the bound, not exact
    allowance = rep.records[CaseKey("tanh", "deriv", "f32", "precise", "actbench", "cpu", 0, 2 ** 20)].accuracy
    assert allowance.max_ulp_deciding is None and allowance.deciding() == (4.0, False)
    assert allowance.by_allowance() and allowance.allowance_only is None
    textbook = rep.records[CaseKey("gelu", "fwd", "f32", "textbook", "actbench", "cpu", 0, 2 ** 20)]
    assert textbook.expected_to_fail
    # suspect: derived by the tools, the same records the v2 report flags itself
    v2 = load_report(fixtures / "cpu.json")
    assert {r.key for r in rep.suspect_records()} == {r.key for r in v2.suspect_records()}
    over = rep.records[CaseKey("tanh", "fwd", "f64", "precise", "actbench", "cpu", 0, 2 ** 24)]
    assert over.suspect == ("pct_of_copy_bw 133.2% > 105%",)
    nc = rep.records[CaseKey("relu", "bwd", "f32", "precise", "actbench", "cpu", 0, 2 ** 12)]
    assert nc.suspect == ("hot timing not converged (spread 40% after 200 samples)",)


def test_committed_version_1_report_still_loads(committed_report):
    rep = load_report(committed_report)
    assert rep.records and all(r.accuracy is None or r.accuracy.deciding()[0] >= 0 for r in rep.records.values())
    if rep.schema_version == 1:
        over = [r for r in rep.records.values() if r.pct_of_copy_bw > 105]
        assert all(r.suspect and r.suspect[0].startswith("pct_of_copy_bw") for r in over)


@pytest.mark.parametrize("where, edit, expected", [
    ("record", lambda d: d["benchmarks"][2].pop("suspect"), "benchmarks[2]: 'suspect' is a required property"),
    ("record", lambda d: d["benchmarks"][0].pop("bytes_convention"), "'bytes_convention' is a required property"),
    ("accuracy", lambda d: d["benchmarks"][1]["accuracy"].pop("per_binade"),
     "benchmarks[1].accuracy: 'per_binade' is a required property"),
    ("accuracy", lambda d: d["benchmarks"][1]["accuracy"].update(fail_reasons=["over"]),
     "benchmarks[1].accuracy.fail_reasons"),
    # a passing case has no reasons to fail
    ("accuracy", lambda d: d["benchmarks"][1]["accuracy"].update(fail_reasons=["out_of_bound"]),
     "fail_reasons: ['out_of_bound'] is expected to be empty"),
    ("context", lambda d: d["context"].pop("plausibility"), "'plausibility' is a required property"),
    ("roofline", lambda d: d["roofline"][0].pop("suspect"), "roofline[0]: 'suspect' is a required property"),
])
def test_version_2_requires_its_keys(tmp_path, where, edit, expected):
    doc = make_fixtures.small_report("cpu")
    edit(doc)
    p = tmp_path / "v2.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(ReportError) as err:
        load_report(p)
    assert "schema v2" in str(err.value) and expected in str(err.value)


def test_version_1_may_omit_the_version_2_keys(tmp_path):
    doc = make_fixtures.make_report("cpu", activations=("relu",), version=1)
    assert "suspect" not in doc["benchmarks"][0] and "plausibility" not in doc["context"]
    p = tmp_path / "v1.json"
    p.write_text(json.dumps(doc))
    assert load_report(p).schema_version == 1
