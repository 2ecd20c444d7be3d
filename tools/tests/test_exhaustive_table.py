"""actbench_tools.exhaustive_table: the README's exhaustive f32 table is generated from the committed summaries,
a failing case is marked, and a damaged summary is one error line (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actbench_tools import exhaustive_table

REPO = Path(__file__).resolve().parents[2]
STUDY = REPO / "results" / "accuracy" / "exhaustive-f32"


def summary(act: str, direction: str, max_ulp: float, over: int = 0) -> dict:
    return {"activation": act, "direction": direction, "variant": "precise", "params": [], "counted": 2**32,
            "max_ulp": max_ulp, "bound_ulp": 2.0, "over_bound": over, "nonfinite_mismatches": 0,
            "signed_zero_mismatches": 0, "flushed_subnormals": 0, "seconds": 30.0, "cpu_seconds": 60.0,
            "threads": 2, "worst": [{"x": "-1.25", "x_bits": "0xbfa00000", "ulp": max_ulp}]}


@pytest.mark.skipif(not STUDY.is_dir(), reason="no committed exhaustive study (results/accuracy/exhaustive-f32)")
def test_readme_table_is_generated_from_the_committed_study():
    cases = exhaustive_table.load_dir(STUDY)
    block = exhaustive_table.render(cases)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert exhaustive_table.replace_block(readme, block, "results/accuracy/exhaustive-f32") == readme, (
        "README's exhaustive table is stale: python -m actbench_tools.exhaustive_table "
        "results/accuracy/exhaustive-f32 --readme README.md")


def test_a_case_over_its_bound_is_marked(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(summary("swish", "deriv", 24.3, over=1000)))
    (tmp_path / "b.json").write_text(json.dumps(summary("swish", "fwd", 0.6)))
    text = exhaustive_table.render(exhaustive_table.load_dir(tmp_path))
    assert "| swish | default | 0.600 (x = -1.25) | 24.300 (x = -1.25) **FAIL** | 1000 | 0 |" in text
    assert "largest error 24.300 ulp (swish deriv)" in text


DAMAGED = ["", "{", "[]", '{"activation": "swish"}', json.dumps(summary("a", "fwd", 1.0))[:-9]]


@pytest.mark.parametrize("content", DAMAGED)
def test_a_damaged_summary_is_one_error_line(tmp_path, capsys, content):
    (tmp_path / "x.json").write_text(content)
    assert exhaustive_table.cli([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("actbench-exhaustive-table: error:") and "x.json" in err[0]
