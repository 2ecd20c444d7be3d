"""actbench-report: the headline first, reasons and bounds beside every accuracy figure, suspect
records flagged and kept out of headline figures, readable figures, sortable tables, summary.md."""

import re
import statistics

import pytest

from actbench_tools import headline as hl
from actbench_tools import report
from actbench_tools.cli_common import run
from actbench_tools.load import load_report

import make_fixtures


def cli(argv):
    return run("actbench-report", report.main, [str(a) for a in argv])


@pytest.fixture(scope="module")
def tables_only(tmp_path_factory):
    """Both full fixture machines, tables only (fast): (exit status, html, md)."""
    out = tmp_path_factory.mktemp("report")
    rc = cli([make_fixtures.FIXTURES / "gpu.json", make_fixtures.FIXTURES / "cpu.json", "-o", out, "--no-figures"])
    return rc, (out / "report.html").read_text(), (out / "summary.md").read_text()


# ---- the headline ------------------------------------------------------------------------

def test_headline_figures_leave_suspects_out(fixtures):
    rep = load_report(fixtures / "gpu.json")
    rows = {h.dtype: h for h in hl.headline(rep)}
    assert list(rows) == ["f32", "f16", "bf16", "f64"]
    f16 = rows["f16"]
    assert f16.n == 2 ** 24
    assert f16.copy_gbps == rep.roofline_gbps("cuda", 0, "f16", 2 ** 24)
    # relu/fwd/f16 runs at 133 % of copy: suspect, left out and counted
    assert [r.key.activation for r in f16.left_out] == ["relu"]
    at_n = [r for r in rep.records.values() if (r.key.dtype, r.key.variant, r.key.impl, r.key.n)
            == ("f16", "precise", "actbench", 2 ** 24) and not r.suspect]
    assert f16.median_pct == pytest.approx(statistics.median(r.pct_of_copy_bw for r in at_n))
    assert f16.best.pct_of_copy_bw == max(r.pct_of_copy_bw for r in at_n) < 105


def test_headline_lists_real_failures_apart_from_textbook(fixtures):
    rows = {h.dtype: h for h in hl.headline(load_report(fixtures / "gpu.json"))}
    f32 = rows["f32"]
    assert [f.label for f in f32.failures] == ["gelu/bwd/f32/fast/actbench"]
    assert f32.failures[0].record.accuracy.fail_reasons == ("signed_zero_mismatch",)
    assert f32.expected_failures and all(f.key.variant == "textbook" for f in f32.expected_failures)
    # the worst precise figure is the deciding one (tanh deriv: 3.1e7 passes by the allowance)
    assert f32.worst.accuracy.deciding()[0] < 4


def test_headline_is_first_on_the_page(tables_only):
    rc, page, _ = tables_only
    assert rc == 0
    body = page[page.index("<body>"):]
    first = re.findall(r"<(h1|section|nav|h2)\b[^>]*>", body)[:4]
    assert first == ["h1", "section", "h2", "nav"]  # title, headline (its h2), then the contents
    assert '<section id="headline">' in body
    head = body[body.index('<section id="headline">'):body.index("</section>")]
    for text in ("in-run copy GB/s", "median % of copy", "best % of copy", "worst precise max ULP",
                 "precise/fast failures", "textbook failures (intended)", "suspect, left out",
                 "gelu/bwd/f32/fast/actbench (n = 2^10 … 2^24 (8 sizes)): 173 signed-zero mismatches",
                 "textbook configurations fail, as intended", "1 of 6", "133.2% &gt; 105%"):
        assert text in head, text


def test_summary_md_starts_with_the_headline(tables_only):
    _, _, md = tables_only
    assert md.startswith("# actbench results\n\n## Headline\n\nPer machine and dtype: the in-run copy")
    assert "\n### gpu-node-1 · NVIDIA H100 80GB HBM3\n" in md
    assert md.index("## Headline") < md.index("## Runs") < md.index("**Accuracy**")
    assert "| dtype | n | in-run copy GB/s | median GB/s | median % of copy |" in md
    assert "- gelu/bwd/f32/fast/actbench (n = 2^10 … 2^24 (8 sizes)): 173 signed-zero mismatches" in md
    assert "data:image" not in md


# ---- reasons, bounds, suspects -----------------------------------------------------------

def test_accuracy_cells_carry_reasons_and_bounds(tables_only):
    _, page, md = tables_only
    # the deciding figure first, the allowance-only inputs apart
    assert "1.4 / 4 pass; 5 pass only by abs ≤ 1e-06 (max 3.1e+07 ulp)" in md
    # a fast case that fails on signed zeros alone says so
    assert "/ 16 FAIL: 173 signed-zero mismatches" in md
    # textbook failures are intended and say why
    assert re.search(r"/ 4 fails \(intended\): \d+ over the bound \(4 ulp or abs 1e-06\)", md)
    assert 'class="expected"' in page and 'class="fail"' in page and 'class="pass"' in page


def test_version_1_report_shows_what_it_cannot_tell(tmp_path):
    out = tmp_path / "v1"
    assert cli([make_fixtures.FIXTURES / "cpu_v1.json", "-o", out, "--no-figures"]) == 0
    md = (out / "summary.md").read_text()
    assert "≤ 4 / 4 pass; max 3.1e+07 ulp passes by abs ≤ 1e-06 (count unknown in a v1 report)" in md
    assert "schema v1" in md
    # derived suspects: the tools' own rule
    assert "hot timing not converged (spread 40% after 200 samples)" in (out / "report.html").read_text()


def test_failing_cases_keep_textbook_apart(tables_only):
    _, page, md = tables_only
    assert "**Precise/fast failures (1 configurations)**" in md
    assert "**Textbook failures (intended) (" in md
    assert 'id="intended-failures"' in page


def test_suspect_cells_are_marked(tables_only):
    _, page, _ = tables_only
    assert re.search(r'<td class="suspect" data-v="133\.2[0-9]*" title="pct_of_copy_bw 133.2% &gt; 105%">133 \?</td>',
                     page)
    assert "roofline unstable: memcpy spread" in page  # the busy cpu's copy


def test_tables_are_sortable_and_filterable_offline(tables_only):
    _, page, _ = tables_only
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "<link" not in page and not re.search(r"<script[^>]+src=", page)
    assert page.count("<script>") == 1 and "table.data" in page
    assert page.count('class="data"') >= 5
    assert '<nav class="toc"' in page


def test_tables_only_and_bad_input(tmp_path, capsys):
    assert cli([make_fixtures.FIXTURES / "cpu.json", "-o", tmp_path, "--no-figures"]) == 0
    assert "<img" not in (tmp_path / "report.html").read_text()
    assert cli([make_fixtures.FIXTURES / "not_actbench.json", "-o", tmp_path]) == 2
    assert 'no "format" key' in capsys.readouterr().err


def test_runs_table_counts(tables_only):
    _, _, md = tables_only
    assert "| gpu-node-1 · NVIDIA H100 80GB HBM3 | cuda | 383 | 312 | 71 | 0 | 3 | 1 | no | no |" in md
    assert "| gelu/fwd/f32/precise/cudnn/cuda:0 | 2^10, 2^24 | skipped | cudnn has no gelu |" in md
    assert "## Across machines" in md


# ---- figures -----------------------------------------------------------------------------

def test_figures_are_files_one_per_row_with_captions(rendered):
    rc, out = rendered
    assert rc == 0
    page = (out / "report.html").read_text()
    figs = re.findall(r'<figure id="[^"]+"><a href="figures/([^"]+)\.png"[^>]*><img src="figures/\1\.png" '
                      r'alt="[^"]+"></a><figcaption><b>Figure \d+\.</b> ([^<]+)', page)
    stems = [s for s, _ in figs]
    assert len(stems) >= 9 and len(set(stems)) == len(stems)
    for stem, caption in figs:
        assert (out / "figures" / f"{stem}.png").stat().st_size > 5000
        assert len(caption) > 60 and stem not in caption  # a sentence, not the file name
    assert any(s.startswith("accuracy_") and s.endswith("_f16") for s in stems)  # split per dtype
    assert any(s.startswith("ulp_binade_") for s in stems)
    assert "figure img{width:100%" in page  # full width, one per row
