"""actbench-report: one self-contained HTML page and a Markdown summary."""

import re

import pytest

import make_fixtures
from actbench_tools import report
from actbench_tools.cli_common import run


def cli(argv):
    return run("actbench-report", report.main, [str(a) for a in argv])


@pytest.fixture(scope="module")
def two_machine_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    rc = cli([make_fixtures.FIXTURES / "gpu.json", make_fixtures.FIXTURES / "cpu.json", "-o", out, "--no-curves"])
    return rc, out


def test_html_is_written_and_self_contained(two_machine_report):
    rc, out = two_machine_report
    assert rc == 0
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # no network: nothing loaded from elsewhere
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "<script" not in page and "<link" not in page
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(imgs) >= 7  # 3 throughput + 2 heatmaps + 2 accuracy
    assert all(len(i) > 1000 for i in imgs)


def test_html_has_context_tables_failures_and_not_run(two_machine_report):
    _, out = two_machine_report
    page = (out / "report.html").read_text()
    for text in ("gpu-node-1 · NVIDIA H100 80GB HBM3", "ci-runner", "theoretical peak 3352.3 GB/s",
                 "% of copy bandwidth", "Accuracy", "Failing cases", "tanh/fwd/f32/textbook/actbench/cuda:0",
                 "Not run", "cudnn has no gelu", "cudaErrorMemoryAllocation", "Across machines",
                 "skipping the function/derivative curves" if False else "Figures"):
        assert text in page, text
    assert 'class="fail"' in page and 'class="pass"' in page


def test_summary_md(two_machine_report):
    _, out = two_machine_report
    md = (out / "summary.md").read_text()
    assert md.startswith("# actbench results")
    assert "| gpu-node-1 · NVIDIA H100 80GB HBM3 | cuda | 383 | 320 | 63 | 0 | 3 | no | no |" in md
    assert "**Failing cases (8 configurations)**" in md
    assert "| gelu/fwd/f32/precise/cudnn/cuda:0 | 2^10, 2^24 | skipped | cudnn has no gelu |" in md
    assert "## Across machines" in md
    assert "data:image" not in md


def test_tables_only_and_bad_input(tmp_path, capsys):
    assert cli([make_fixtures.FIXTURES / "cpu.json", "-o", tmp_path, "--no-figures"]) == 0
    assert "<img" not in (tmp_path / "report.html").read_text()
    assert cli([make_fixtures.FIXTURES / "not_actbench.json", "-o", tmp_path]) == 2
    assert 'no "format" key' in capsys.readouterr().err
