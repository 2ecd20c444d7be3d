"""actbench-plot --history: three reports of successive commits, one with a planted regression."""

from __future__ import annotations

import csv
import re

import pytest

from actbench_tools import history, plot, report
from actbench_tools.cli_common import run
from actbench_tools.load import load_reports

import make_fixtures

SHAS = {"old": "1111111aaaa" + "0" * 29, "bad": "2222222bbbb" + "0" * 29, "new": "3333333cccc" + "0" * 29}
SLOW = ("gelu", "fwd", "f32", "precise")  # 40% slower at the "bad" commit
WORSE = ("relu", "bwd", "f16", "precise")  # max ULP 0 -> 3 at the "bad" commit (still within its bound)


def _commit(doc, sha, date):
    doc["context"]["git_sha"] = sha
    doc["context"]["date"] = date
    return doc


def _plant(doc):
    for b in doc["benchmarks"]:
        axes = (b["activation"], b["direction"], b["dtype"], b["variant"])
        if axes == SLOW and b["impl"] == "actbench":
            for k in ("gbps", "pct_of_copy_bw", "pct_of_copy_kernel_bw", "elements_per_s"):
                b[k] *= 0.6
            for k in ("median_ns", "min_ns", "mean_ns", "stddev_ns"):
                b["timing"]["hot"][k] /= 0.6
        if axes == WORSE:
            b["accuracy"].update(max_ulp=3.0, max_ulp_deciding=3.0)  # v2: the verdict rests on the latter
    return doc


@pytest.fixture
def three_commits(tmp_path):
    """Written newest first, so that only the dates put them in order."""
    def make(name, sha, date, plant=False):
        doc = _commit(make_fixtures.make_report("cpu", activations=("relu", "gelu")), sha, date)
        path = tmp_path / name
        path.write_text(make_fixtures.dumps(_plant(doc) if plant else doc))
        return path
    return [make("c.json", SHAS["new"], "2025-03-03T09:00:00+00:00"),
            make("b.json", SHAS["bad"], "2025-03-02T09:00:00+00:00", plant=True),
            make("a.json", SHAS["old"], "2025-03-01T09:00:00Z")]


def test_order_and_the_planted_regression(three_commits):
    hist = history.build_history(load_reports(three_commits))
    assert [r.context["git_sha"] for r in hist.reports] == [SHAS["old"], SHAS["bad"], SHAS["new"]]
    flagged = {i for i in range(3) if hist.regressions_at(i)}
    assert flagged == {1}  # the bad commit only: the next one is faster again, which is no regression
    slow = [hist.label(mk) for mk, _ in hist.regressions_at(1) if hist.label(mk).startswith("gelu/fwd/f32/precise")]
    assert len(slow) == len(make_fixtures.SIZES)  # every size of the slowed configuration
    why = dict((hist.label(mk), w) for mk, w in hist.regressions_at(1))
    assert any("throughput" in x and "-40.0%" in x for x in why["gelu/fwd/f32/precise/actbench/cpu n=2^24"])
    assert why["relu/bwd/f16/precise/actbench/cpu n=2^10"] == ["max ULP 0 -> 3"]
    assert not any(lbl.startswith(("tanh", "gelu/bwd", "relu/fwd")) for lbl in why)


def test_same_date_ordered_by_sha(tmp_path):
    paths = []
    for name, sha in (("x.json", "bbbb"), ("y.json", "aaaa")):
        p = tmp_path / name
        p.write_text(make_fixtures.dumps(_commit(make_fixtures.small_report("cpu"), sha, "2025-03-01T09:00:00Z")))
        paths.append(p)
    hist = history.build_history(load_reports(paths))
    assert [r.context["git_sha"] for r in hist.reports] == ["aaaa", "bbbb"]


def test_plot_history_cli_writes_figures_and_tables(three_commits, tmp_path, capsys):
    out = tmp_path / "hist"
    rc = run("actbench-plot", plot.main, [*map(str, three_commits), "-o", str(out), "--history", "--format", "png"])
    assert rc == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["history.csv", "history.md", "history_gelu.png",
                                                     "history_relu.png"]
    assert all((out / f).stat().st_size > 20_000 for f in ("history_gelu.png", "history_relu.png"))
    md = (out / "history.md").read_text()
    assert "3 reports of ci-runner · cpu: AMD EPYC 7763 64-Core Processor, oldest first" in md
    assert "**Regressions at 1 commit(s): `2222222bbb 2025-03-02`**" in md
    assert re.search(r"\| 2222222bbb 2025-03-02 \| gelu/fwd/f32/precise/actbench/cpu n=2\^24 \| throughput "
                     r"[0-9.]+ -> [0-9.]+ GB/s \(-40\.0%\) \|", md)
    # the compact per-case table: the slowed case dips and recovers, regressed at the bad commit
    row = next(line for line in md.splitlines() if line.startswith("| gelu/fwd/f32/precise/actbench/cpu n=2^24 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    first, last = (float(x) for x in cells[2].split(" → "))
    lo, hi = (float(x) for x in cells[3].split("–"))
    assert first == last and lo == pytest.approx(0.6 * hi, rel=2e-3) and cells[6] == "2222222bbb"
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert len(rows) == 3 * len(load_reports(three_commits[:1])[0].records)
    marked = {(r["case"], r["git_sha"]) for r in rows if r["regressed"] == "1"}
    assert {sha for _, sha in marked} == {SHAS["bad"]}
    assert len(marked) == 2 * len(make_fixtures.SIZES)  # the slowed and the less accurate configuration


def _x_marks(fig, row: int) -> set[int]:
    """x positions of the red X markers in the figure's top (0) or bottom (1) row."""
    axes = fig.axes[:len(fig.axes) // 2] if row == 0 else fig.axes[len(fig.axes) // 2:]
    return {int(x) for ax in axes for line in ax.get_lines() if line.get_marker() == "X" for x in line.get_xdata()}


def test_history_marks_the_figure(three_commits):
    """The regressions are drawn where they fell: a red X at the bad commit, on the throughput row for
    the slowed case and on the accuracy row for the less accurate one, nowhere else."""
    hist = history.build_history(load_reports(three_commits))
    gelu, caption = history.fig_history(hist, "gelu")
    assert caption.startswith("gelu across 3 commits")
    assert (_x_marks(gelu, 0), _x_marks(gelu, 1)) == ({1}, set())
    labels = [t.get_text() for t in gelu.axes[-1].get_xticklabels()]
    assert labels == ["1111111aaa\n2025-03-01", "2222222bbb\n2025-03-02", "3333333ccc\n2025-03-03"]
    relu, _ = history.fig_history(hist, "relu")
    assert (_x_marks(relu, 0), _x_marks(relu, 1)) == (set(), {1})


def test_html_section(three_commits):
    hist = history.build_history(load_reports(three_commits))
    section = history.html_section(hist)
    assert "3 reports of ci-runner" in section and "2222222bbb 2025-03-02" in section
    assert "the cases that regressed" in section
    # the regressions table, then the cases that regressed: the slowed and the less accurate configuration
    assert section.count("<table") == 2 and section.count("<tr>") == 1 + 2 * len(make_fixtures.SIZES) + 1 + \
        2 * len(make_fixtures.SIZES)


def test_report_with_history(three_commits, tmp_path, capsys):
    """actbench-report --history: the History section (tables and figures) after the headline, the rest of
    the page about the newest report, the history in summary.md too."""
    out = tmp_path / "page"
    rc = run("actbench-report", report.main, [*map(str, three_commits), "-o", str(out), "--history", "--no-curves"])
    assert rc == 0, capsys.readouterr().err
    page = (out / "report.html").read_text()
    assert page.index('id="headline"') < page.index('<h2 id="history">History</h2>') < page.index(">Throughput</h2>")
    assert '<a href="#history">History</a>' in page  # in the table of contents
    for act in ("gelu", "relu"):
        assert (out / "figures" / f"history_{act}.png").stat().st_size > 20_000
        assert f'src="figures/history_{act}.png"' in page
    # the rest of the page: the newest report only (same machine: labels carry the file name)
    assert "(c.json)" in page and "(a.json)" not in page and "(b.json)" not in page
    assert "3333333cccc" in page and "1111111aaaa" not in page  # its context table, not the oldest's
    md = (out / "summary.md").read_text()
    assert "## actbench history" in md and "**Regressions at 1 commit(s): `2222222bbb 2025-03-02`**" in md
    assert run("actbench-report", report.main, [*map(str, three_commits), "-o", str(out), "--history",
                                                "--format", "junit"]) == 2
    assert "--history makes the HTML report" in capsys.readouterr().err


def test_bad_threshold_and_input(three_commits, tmp_path, capsys):
    assert run("actbench-plot", plot.main, [str(three_commits[0]), "-o", str(tmp_path), "--history",
                                            "--threshold", "-1"]) == 2
    assert "--threshold must be a non-negative number" in capsys.readouterr().err
    assert run("actbench-plot", plot.main, [str(make_fixtures.FIXTURES / "truncated.json"), "-o", str(tmp_path),
                                            "--history"]) == 2
