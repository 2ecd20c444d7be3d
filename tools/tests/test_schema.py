"""The schema: packaged copy == canonical file, valid itself, and the fixtures follow it."""

import json
from pathlib import Path

import jsonschema
import pytest

import make_fixtures
from actbench_tools import load

CANONICAL = Path(__file__).resolve().parents[2] / "results" / "schema" / "actbench-report.schema.json"


def test_packaged_schema_equals_canonical():
    if not CANONICAL.exists():
        pytest.skip("not in the actbench source tree (no results/schema)")
    canonical = json.loads(CANONICAL.read_text("utf-8"))
    assert load.schema() == canonical, (
        "tools/actbench_tools/schema/actbench-report.schema.json differs from "
        "results/schema/actbench-report.schema.json: copy the canonical file over the packaged one")


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(load.schema())


@pytest.mark.parametrize("name", ["cpu.json", "gpu.json"])
def test_fixture_reports_validate_with_plain_jsonschema(fixtures, name):
    doc = json.loads((fixtures / name).read_text("utf-8"))
    jsonschema.validate(doc, load.schema(), cls=jsonschema.Draft202012Validator)


def test_fixtures_are_what_make_fixtures_writes(fixtures):
    for name, text in make_fixtures.fixture_files().items():
        assert (fixtures / name).read_text("utf-8") == text, (
            f"{name} is stale: run python tools/tests/make_fixtures.py")


def test_schema_is_strict_where_it_matters():
    v = jsonschema.Draft202012Validator(load.schema())
    good = make_fixtures.small_report("cpu")
    assert v.is_valid(good)

    def broken(edit):
        doc = json.loads(json.dumps(good))
        edit(doc)
        return v.is_valid(doc)

    assert not broken(lambda d: d.pop("roofline"))
    assert not broken(lambda d: d["benchmarks"][0].pop("pct_of_copy_bw"))
    assert not broken(lambda d: d["benchmarks"][0].update(direction="backward"))
    assert not broken(lambda d: d["benchmarks"][0].update(n="1024"))
    assert not broken(lambda d: d["benchmarks"][0].update(status="unchecked"))  # accuracy not null
    assert not broken(lambda d: d["benchmarks"][0]["accuracy"]["worst"].update(x="minus one"))
    assert not broken(lambda d: d.update(schema_version=2))
    assert not broken(lambda d: d["context"]["devices"][0].pop("theoretical_peak_gbps"))
    # open where it should be
    assert not broken(lambda d: None) is False
    assert broken(lambda d: d["context"].update(extra_key={"a": 1}))
    assert broken(lambda d: d["context"]["devices"][0]["details"].update(anything=[1, 2]))
    assert broken(lambda d: d["benchmarks"][0].update(user_counter=1.5))
