"""actbench-merge: shard reports of one run into one validated report, and every refusal."""

from __future__ import annotations

import json
import os
import re

import pytest

from actbench_tools import merge, report
from actbench_tools.cli_common import run
from actbench_tools.load import ReportError, load_report, parse_report
from actbench_tools.tables import render_text

import make_fixtures

SHARDS = [make_fixtures.FIXTURES / f"shard_{k}of3.json" for k in (1, 2, 3)]


def cli(argv):
    return run("actbench-merge", merge.main, [str(a) for a in argv])


def write_shards(tmp_path, edit=None, count=3, **kw) -> list:
    """The shard reports of one run written to tmp_path; edit(k, doc) may change shard k (1-based)."""
    paths = []
    for k, doc in enumerate(make_fixtures.shard_reports(count, **kw), start=1):
        if edit:
            edit(k, doc)
        p = tmp_path / f"s{k}.json"
        p.write_text(make_fixtures.dumps(doc), encoding="utf-8")
        paths.append(p)
    return paths


def refused(argv, capsys, *fragments):
    """The merge exits 2 with one error line holding every fragment, and writes nothing."""
    assert cli(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("actbench-merge: error: "), err
    for f in fragments:
        assert f in err, (f, err)
    return err


def test_good_merge_is_the_unsharded_report(tmp_path, capsys):
    out = tmp_path / "merged.json"
    assert cli([SHARDS[2], SHARDS[0], SHARDS[1], "-o", out]) == 0  # any order
    assert "merged 3 shard(s): 80 timed case(s), 1 not run" in capsys.readouterr().err
    merged = load_report(out)  # validates against the schema
    full = make_fixtures.make_report("cpu", activations=("relu",))
    assert sorted(merge.case_names(merged.raw)) == sorted(merge.case_names(full))
    assert len(merged.records) == len(full["benchmarks"])
    # the records are the shards' records, unchanged
    by_name = {b["name"]: b for b in json.loads(out.read_text())["benchmarks"]}
    for b in full["benchmarks"]:
        assert by_name[b["name"]]["gbps"] == pytest.approx(b["gbps"], rel=1e-5)
    ctx = merged.context
    assert "shard" not in ctx
    assert [m["index"] for m in ctx["merged_from"]] == [1, 2, 3]
    assert [m["path"] for m in ctx["merged_from"]] == [str(p) for p in SHARDS]
    # shards ran one after another: 10:00 .. 12:04:10
    assert ctx["start_time"] == "2025-01-15T10:00:00Z" and ctx["end_time"] == "2025-01-15T12:04:10Z"
    assert ctx["wall_time_s"] == 2 * 3600 + 250
    assert merged.partial is False and merged.partial_reason is None


def test_keeps_roofline_and_not_run_of_every_shard(tmp_path):
    out = tmp_path / "m.json"
    assert cli([*SHARDS, "-o", out]) == 0
    doc = json.loads(out.read_text())
    shards = [json.loads(p.read_text()) for p in SHARDS]
    assert len(doc["roofline"]) == sum(len(s["roofline"]) for s in shards)
    assert {r["shard"] for r in doc["roofline"]} == {1, 2, 3}
    assert doc["not_run"] == [x for s in shards for x in s["not_run"]]
    assert doc["not_run"][0]["reason"] == "cudnn needs the cuda backend"


def test_same_skip_in_several_shards_is_kept_once(tmp_path):
    def edit(k, doc):
        extra = {"activation": "relu", "direction": "fwd", "dtype": "f32", "variant": "precise", "impl": "cudnn",
                 "backend": "cpu", "device": 0, "n": 4096, "status": "skipped", "reason": "no cudnn here"}
        doc["not_run"].append(extra)
    paths = write_shards(tmp_path, edit)
    out = tmp_path / "m.json"
    assert cli([*paths, "-o", out]) == 0
    reasons = [x["reason"] for x in json.loads(out.read_text())["not_run"]]
    assert reasons.count("no cudnn here") == 1


def test_missing_shard(tmp_path, capsys):
    refused([SHARDS[0], SHARDS[2], "-o", tmp_path / "m.json"], capsys, "missing shard(s) 2/3 (have 1, 3)")
    assert not (tmp_path / "m.json").exists()


def test_duplicated_shard(tmp_path, capsys):
    copy2 = tmp_path / "again.json"
    copy2.write_text(SHARDS[1].read_text())
    refused([*SHARDS, copy2, "-o", tmp_path / "m.json"], capsys, "shard 2/3 given twice", str(copy2))


@pytest.mark.parametrize("key,value,says", [
    ("plan_sha256", "0" * 64, "shard plan_sha256"),
    ("plan_size", 79, "shard plan_size"),
    ("count", 4, "shard count"),
])
def test_mismatched_plan(tmp_path, capsys, key, value, says):
    paths = write_shards(tmp_path, lambda k, d: d["context"]["shard"].update({key: value}) if k == 2 else None)
    refused([*paths, "-o", tmp_path / "m.json"], capsys, says, "differs from", "s2.json")


@pytest.mark.parametrize("key,value", [("actbench_version", "0.2.0"), ("git_sha", "feedface"),
                                       ("accuracy_mode", "exhaustive")])
def test_mismatched_build(tmp_path, capsys, key, value):
    paths = write_shards(tmp_path, lambda k, d: d["context"].update({key: value}) if k == 3 else None)
    refused([*paths, "-o", tmp_path / "m.json"], capsys, f"{key} {json.dumps(value)} differs from")


def _other_host(k, doc):
    if k == 2:
        doc["context"]["host_name"] = "node-b"


def _other_device(k, doc):
    if k == 3:
        doc["context"]["devices"][0]["name"] = "cpu: Intel Xeon"


def test_mixed_hosts_refused_then_allowed(tmp_path, capsys):
    paths = write_shards(tmp_path, _other_host)
    out = tmp_path / "m.json"
    refused([*paths, "-o", out], capsys, "host_name \"node-b\" differs", "--allow-mixed-hosts")
    assert cli([*paths, "-o", out, "--allow-mixed-hosts"]) == 0
    assert load_report(out).host_name == "ci-runner,node-b"


def test_mixed_devices_need_allow_mixed(tmp_path, capsys):
    paths = write_shards(tmp_path, _other_device)
    out = tmp_path / "m.json"
    refused([*paths, "-o", out], capsys, "devices", "cpu: Intel Xeon", "--allow-mixed")
    refused([*paths, "-o", out, "--allow-mixed-hosts"], capsys, "devices")  # hosts only: still no
    assert cli([*paths, "-o", out, "--allow-mixed"]) == 0
    assert load_report(out).devices[0].name == "cpu: AMD EPYC 7763 64-Core Processor | cpu: Intel Xeon"


def test_case_in_two_shards(tmp_path, capsys):
    def edit(k, doc):
        if k == 3:
            doc["context"]["shard"]["cases"].append(make_fixtures.shard_reports(3)[0]["context"]["shard"]["cases"][0])
    refused([*write_shards(tmp_path, edit), "-o", tmp_path / "m.json"], capsys, "also in shard 1")


def test_union_is_not_the_plan(tmp_path, capsys):
    def edit(k, doc):  # a case dropped from the plan and from the shard that held it
        if k == 1:
            doc["context"]["shard"]["cases"].pop()
            doc["benchmarks"].pop()
    refused([*write_shards(tmp_path, edit), "-o", tmp_path / "m.json"], capsys,
            "the shards list 80 case(s) in all but the plan has 81")


def test_record_outside_its_shard(tmp_path, capsys):
    def edit(k, doc):
        if k == 2:
            doc["context"]["shard"]["cases"][0] = "relu/fwd/f32/precise/actbench/cpu:0/999"
    refused([*write_shards(tmp_path, edit), "-o", tmp_path / "m.json"], capsys,
            "s2.json: 1 record(s) are not in the shard's case list")


def test_lost_cases_unless_partial(tmp_path, capsys):
    def edit(k, doc):
        if k == 1:
            doc["benchmarks"] = doc["benchmarks"][:-2]  # two planned cases never written
    paths = write_shards(tmp_path, edit)
    refused([*paths, "-o", tmp_path / "m.json"], capsys, "2 case(s) of shard 1 have neither", "not marked partial")

    def edit_partial(k, doc):
        edit(k, doc)
        if k == 1:
            doc["partial"], doc["partial_reason"] = True, "interrupted by SIGTERM"
    paths = write_shards(tmp_path, edit_partial)
    out = tmp_path / "m.json"
    assert cli([*paths, "-o", out]) == 0
    rep = load_report(out)
    assert rep.partial and rep.partial_reason == "shard 1/3: interrupted by SIGTERM"
    assert len(rep.records) == 78


def test_not_a_shard_and_bad_shard_info(tmp_path, capsys):
    refused([make_fixtures.FIXTURES / "cpu.json", "-o", tmp_path / "m.json"], capsys,
            "not a shard report (no context.shard)")
    paths = write_shards(tmp_path, lambda k, d: d["context"]["shard"].update({"index": 5}) if k == 1 else None)
    refused([*paths, "-o", tmp_path / "m.json"], capsys, "context.shard.index 5 is past count 3")
    paths = write_shards(tmp_path, lambda k, d: d["context"]["shard"].update({"plan_sha256": "xyz"}) if k == 1
                         else None)
    refused([*paths, "-o", tmp_path / "m.json"], capsys, "does not match the actbench report schema v2 at "
            "context.shard.plan_sha256")


def test_unusable_input_and_output(tmp_path, capsys):
    refused([make_fixtures.FIXTURES / "truncated.json", "-o", tmp_path / "m.json"], capsys, "truncated JSON")
    out = tmp_path / "m.json"
    out.write_text("keep me")
    refused([*SHARDS, "-o", out], capsys, "exists; pass --force")
    assert out.read_text() == "keep me"
    assert cli([*SHARDS, "-o", out, "--force"]) == 0
    assert load_report(out).records
    capsys.readouterr()
    refused([*SHARDS, "-o", SHARDS[0]], capsys, "exists")
    refused([*SHARDS, "-o", SHARDS[0], "--force"], capsys, "is one of the shard reports")
    refused([*SHARDS, "-o", tmp_path / "no-such-dir" / "m.json"], capsys,
            f"{tmp_path / 'no-such-dir' / 'm.json'}: No such file or directory")


def test_single_shard_run(tmp_path):
    paths = write_shards(tmp_path, count=1)
    out = tmp_path / "m.json"
    assert cli([*paths, "-o", out]) == 0
    assert len(load_report(out).records) == 80


def test_output_mode_follows_the_umask(tmp_path):
    out = tmp_path / "m.json"
    old = os.umask(0o022)
    try:
        assert cli([*SHARDS, "-o", out]) == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_merged_report_shows_its_shards(tmp_path):
    """Each shard measured its own copy: the loader keeps the tag, the report shows the range over the
    shards beside the first shard's figure, and the context names the shard files."""
    out = tmp_path / "m.json"
    assert cli([*SHARDS, "-o", out]) == 0
    rep = load_report(out)
    assert {r.shard for r in rep.roofline} == {1, 2, 3}
    assert any(len(rep.roofline_entries(r.backend, r.device, r.dtype, r.n)) > 1 for r in rep.roofline)
    table = report.roofline_table(rep)
    assert "(shards: " in render_text(table) and "merged report" in table.caption
    assert f"3 shards: 1: {SHARDS[0]}, 2: {SHARDS[1]}, 3: {SHARDS[2]}" in render_text(report.context_table(rep))


@pytest.mark.parametrize("edit, where", [
    (lambda d: d["context"]["merged_from"][0].pop("index"), "context.merged_from[0]"),
    (lambda d: d["context"].update(merged_from=[]), "context.merged_from"),
    (lambda d: d["roofline"][0].update(shard=0), "roofline[0].shard"),
])
def test_schema_checks_what_merge_writes(tmp_path, edit, where):
    out = tmp_path / "m.json"
    assert cli([*SHARDS, "-o", out]) == 0
    doc = json.loads(out.read_text())
    edit(doc)
    with pytest.raises(ReportError, match=f"schema v2 at {re.escape(where)}"):
        parse_report(out, doc)
