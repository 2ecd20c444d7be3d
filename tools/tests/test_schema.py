"""The schema: packaged copy == canonical file, valid itself, and the fixtures follow it."""

import json
from pathlib import Path

import jsonschema
import pytest

from actbench_tools import load

import make_fixtures

CANONICAL = Path(__file__).resolve().parents[2] / "results" / "schema" / "actbench-report.schema.json"


def test_packaged_schema_equals_canonical():
    if not CANONICAL.exists():
        pytest.skip("not in the actbench source tree (no results/schema)")
    packaged = Path(load.__file__).with_name("schema") / "actbench-report.schema.json"
    assert packaged.read_bytes() == CANONICAL.read_bytes(), (
        "tools/actbench_tools/schema/actbench-report.schema.json differs from "
        "results/schema/actbench-report.schema.json: copy the canonical file over the packaged one")


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(load.schema())


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("machine", ["cpu", "gpu"])
def test_fixture_reports_validate_with_plain_jsonschema(machine, version):
    """The fixtures' shape, checked by jsonschema itself (the loader uses fastjsonschema first)."""
    doc = make_fixtures.make_report(machine, activations=("gelu",), dtypes=("f32",), version=version)
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
    assert not broken(lambda d: d.update(schema_version=3))
    assert not broken(lambda d: d["benchmarks"][0].pop("suspect"))  # required in version 2
    assert not broken(lambda d: d["benchmarks"][0]["accuracy"].pop("max_ulp_deciding"))
    assert not broken(lambda d: d["benchmarks"][0]["accuracy"]["per_binade"][0].update(sign=0))
    assert not broken(lambda d: d["context"].pop("plausibility"))
    assert not broken(lambda d: d["context"]["devices"][0].pop("theoretical_peak_gbps"))
    # open where it should be
    assert broken(lambda d: None) is not False
    assert broken(lambda d: d["context"].update(extra_key={"a": 1}))
    assert broken(lambda d: d["context"]["devices"][0]["details"].update(anything=[1, 2]))
    assert broken(lambda d: d["benchmarks"][0].update(user_counter=1.5))


def test_version_1_keys_suffice_for_version_1():
    v = jsonschema.Draft202012Validator(load.schema())
    doc = make_fixtures.make_report("cpu", activations=("relu",), version=1)
    assert v.is_valid(doc)
    doc["schema_version"] = 2  # the same document claiming version 2 lacks what version 2 requires
    assert not v.is_valid(doc)


def test_schema_enums_follow_the_catalog():
    """The report's axis values are the catalog's (the schema may also admit the 8-bit dtypes; impl also the
    framework peers that actbench-peers writes)."""
    from actbench_tools import catalog

    defs = load.schema()["$defs"]
    assert defs["activation"]["enum"] == list(catalog.activation_names())
    assert defs["direction"]["enum"] == list(catalog.direction_order())
    assert defs["variant"]["enum"] == list(catalog.variant_order())
    assert defs["impl"]["enum"] == list(catalog.impl_order() + load.PEER_IMPLS)
    assert set(catalog.dtype_order()) <= set(defs["dtype"]["enum"])


def test_format_md_documents_every_version_2_key():
    fmt = CANONICAL.parent / "FORMAT.md"
    if not fmt.exists():
        pytest.skip("not in the actbench source tree (no results/schema)")
    text = fmt.read_text("utf-8")
    defs = load.schema()["$defs"]
    keys = (defs["accuracy_v2"]["required"] + defs["record_v2"]["required"] + defs["context_v2"]["required"]
            + ["shard", "merged_from", "bound_why"])
    missing = [k for k in keys if f"`{k}`" not in text]
    assert not missing, f"FORMAT.md does not document {missing}"
