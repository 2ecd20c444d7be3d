"""The catalog (tools/actbench_tools/catalog.json): its shape, the axis lists the tools take from
it, and (with ACTBENCH_BIN set) that it is exactly what the binary prints."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from actbench_tools import catalog, load


def test_committed_catalog_has_every_key():
    acts = catalog.activations()
    assert len(acts) >= 17
    for a in acts:
        assert a.variants and a.variants[0] == "precise"
        assert set(a.directions) == {"fwd", "deriv", "bwd"}
        assert a.dtypes and a.impls and "actbench" in a.impls
    swish = next(a for a in acts if a.name == "swish")
    assert "silu" in swish.aliases and swish.deriv_zeros
    assert catalog.variants_of("silu") == swish.variants
    assert next(a for a in acts if a.name == "relu6").kinks == (0.0, 6.0)


def test_tools_take_their_axes_from_the_catalog():
    assert load.ACTIVATION_ORDER == catalog.activation_names()
    assert load.VARIANT_ORDER == catalog.variant_order() == ("precise", "fast", "textbook")
    assert load.DIRECTION_ORDER == catalog.direction_order()
    assert load.IMPL_ORDER == catalog.impl_order() + load.PEER_IMPLS  # framework peers follow actbench's own
    assert load.DTYPE_ORDER[:len(catalog.dtype_order())] == catalog.dtype_order()


@pytest.mark.parametrize("doc, problem", [
    ([], "non-empty JSON array"),
    ([{"name": "x"}], "missing aliases"),
    ([dict(json.loads(catalog.committed_text())[0], kinks=["zero"])], "'kinks' must be an array of numbers"),
    ([dict(json.loads(catalog.committed_text())[0], textbook=3)], "'textbook' must be a string or null"),
    (json.loads(catalog.committed_text())[:1] * 2, "listed twice"),
])
def test_bad_catalog_is_one_clear_error(doc, problem):
    with pytest.raises(catalog.CatalogError, match=problem):
        catalog.parse(doc, "c.json")


def test_regenerating_keeps_hand_added_keys(tmp_path):
    committed = json.loads(catalog.committed_text())
    emitted = [{k: v for k, v in a.items() if k not in ("kinks", "deriv_zeros")} for a in committed]
    out, filled = catalog.fill_missing(emitted, committed)
    assert out == committed and filled == ["kinks", "deriv_zeros"]


def test_regenerate_from_a_binary(tmp_path):
    exe = tmp_path / "actbench"
    exe.write_text("#!/bin/sh\ncat " + str(tmp_path / "list.json") + "\n")
    exe.chmod(0o755)
    (tmp_path / "list.json").write_text(catalog.committed_text())
    target = tmp_path / "catalog.json"
    assert catalog.main(["--actbench", str(exe), "-o", str(target)]) == 0
    assert target.read_text() == catalog.committed_text()
    (tmp_path / "list.json").write_text("[{")
    assert catalog.main(["--actbench", str(exe), "-o", str(target)]) == 2


def test_committed_catalog_equals_actbench_list_json():
    """`$ACTBENCH_BIN list --json` and the committed copy must agree, key for key."""
    binary = os.environ.get("ACTBENCH_BIN")
    if not binary:
        pytest.skip("ACTBENCH_BIN is not set: cannot compare the committed catalog with the binary's "
                    "`actbench list --json` (set ACTBENCH_BIN=build/actbench)")
    if not Path(binary).is_file():
        pytest.fail(f"ACTBENCH_BIN={binary}: no such file")
    proc = subprocess.run([binary, "list", "--json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    emitted = json.loads(proc.stdout)
    committed = json.loads(catalog.committed_text())
    missing = sorted({k for a in committed for k in a} - {k for a in emitted for k in a})
    assert not missing, (f"the binary's list --json lacks {missing}; the committed catalog carries them by hand "
                         "until the binary emits the full format (results/schema/FORMAT.md)")
    assert emitted == committed, ("tools/actbench_tools/catalog.json differs from `actbench list --json`: "
                                  "regenerate it with python -m actbench_tools.catalog --actbench $ACTBENCH_BIN")
