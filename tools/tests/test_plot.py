"""actbench-plot: the figures, their captions, suspect timings kept out of colour scales, the
accuracy figure per dtype, ULP error against x (per binade from the report, dense from
`actbench eval`)."""

import sys

import numpy as np
import pytest

from actbench_tools import plot
from actbench_tools.cli_common import run
from actbench_tools.load import load_report

import make_fixtures
from conftest import make_fake_actbench, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
GPU = "gpu-node-1-nvidia-h100-80gb-hbm3"


def cli(argv):
    return run("actbench-plot", plot.main, [str(a) for a in argv])


def assert_figures(folder, stems, formats=("png", "svg")):
    for stem in stems:
        for fmt in formats:
            p = folder / f"{stem}.{fmt}"
            assert p.is_file() and p.stat().st_size > 2000, p
            head = p.read_bytes()[:400]
            if fmt == "png":
                assert head.startswith(PNG_MAGIC)
            else:
                assert b"<svg" in head


def test_every_kind_of_figure_is_written(rendered):
    """The report's figures (tests/conftest.py: two machines, gelu, the fake actbench)."""
    rc, out = rendered
    assert rc == 0
    assert_figures(out / "figures", ["throughput_gelu", f"pct_of_copy_{GPU}", f"ulp_binade_{GPU}_gelu", "ulp_vs_x_gelu",
                                     "curves_gelu", f"accuracy_{GPU}_f32", f"accuracy_{GPU}_f16"], ("png",))


def test_plot_cli_writes_png_only_when_asked(tmp_path):
    r = write_report(tmp_path / "r.json", make_fixtures.make_report("cpu", activations=("relu",), dtypes=("f32",),
                                                                    version=1))
    assert cli([r, "-o", tmp_path / "out", "--no-curves", "--format", "png"]) == 0
    assert_figures(tmp_path / "out", ["throughput_relu", "accuracy_ci-runner-cpu-amd-epyc-7763-64-core-processor_f32"],
                   ("png",))
    assert not list((tmp_path / "out").glob("*.svg"))


def test_svg_keeps_text(tmp_path):
    rep = load_report(write_report(tmp_path / "r.json", make_fixtures.make_report("cpu", activations=("relu",))))
    fig, _ = plot.fig_throughput([rep], "relu", plot.MACHINE_COLORS)
    (path,) = plot.save_figure(fig, tmp_path, "throughput_relu", ("svg",))
    svg = path.read_text()
    assert "GB/s (hot median)" in svg and "copy roofline" in svg


def test_several_reports_overlaid_and_side_by_side(tmp_path):
    a = write_report(tmp_path / "a.json", make_fixtures.make_report("gpu", activations=("relu",), dtypes=("f32",)))
    b = write_report(tmp_path / "b.json", make_fixtures.make_report("cpu", activations=("relu",), dtypes=("f32",)))
    reports = [load_report(a), load_report(b)]
    figs = list(plot.iter_figures(reports, None, lambda m: None, curves=False))
    stems = [f.stem for f in figs]
    assert stems.count("throughput_relu") == 1  # overlaid
    assert f"pct_of_copy_{GPU}" in stems and "pct_of_copy_ci-runner-cpu-amd-epyc-7763-64-core-processor" in stems
    assert all(f.caption and f.section for f in figs)
    for f in figs:
        plot.plt.close(f.fig)


def test_heatmap_keeps_suspects_out_of_the_colour_scale(fixtures):
    rep = load_report(fixtures / "cpu.json")
    fig, caption = plot.fig_heatmap(rep)
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert images
    for im in images:
        assert im.norm.vmax == plot.HEAT_CAP  # capped at 100 %, whatever the outliers
        data = im.get_array()
        assert np.ma.max(data) < 200  # the 970000 % cells are masked, not coloured
    assert "suspect timings are grey, hatched and marked '?'" in caption
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "133 ?" in texts  # tanh/fwd/f64 at 133 % of copy: still shown, marked
    assert np.ma.max(images[0].get_array()) < 100
    plot.plt.close(fig)


def test_heatmap_outlines_cells_over_100(fixtures, tmp_path):
    def over(d):  # a plausible 103 % (within the 105 % limit): above the scale, outlined
        for r in d["benchmarks"]:
            if (r["activation"], r["direction"], r["dtype"], r["variant"], r["n"]) == ("relu", "fwd", "f32", "precise",
                                                                                      2 ** 24):
                r["pct_of_copy_bw"] = 103.0
    doc = make_fixtures.make_report("gpu", activations=("relu",))
    over(doc)
    fig, caption = plot.fig_heatmap(load_report(write_report(tmp_path / "r.json", doc)))
    assert "1 cells above it are outlined in red" in caption
    plot.plt.close(fig)


def test_accuracy_figure_per_dtype_shows_the_deciding_ulp(fixtures):
    rep = load_report(fixtures / "cpu.json")
    cells = plot.accuracy_cells(rep)
    fig, caption = plot.fig_accuracy(rep, "f32", cells)
    assert "f32" in fig.get_suptitle()
    # tanh deriv precise: 3.1e7 ulp overall, but 1.4 decides; the bar is 1.4, a triangle marks the max
    c = cells[("deriv", "precise", "tanh", "f32")]
    assert c.acc.deciding()[0] == 1.4 and c.acc.max_ulp == 3.1e7
    assert "pass only by the absolute allowance" in caption
    ax = fig.axes[3]  # deriv · precise
    heights = sorted(round(b.get_height(), 3) for b in ax.patches)
    assert 1.4 in heights and max(heights) < 100
    plot.plt.close(fig)


def test_ulp_binade_figure_overlays_variants(fixtures):
    rep = load_report(fixtures / "gpu.json")
    fig, caption = plot.fig_ulp_binade(rep, "gelu")
    labels = {line.get_label() for ax in fig.axes for line in ax.lines}
    assert {"precise", "fast", "textbook"} <= labels
    assert "textbook fwd f32" in caption and "−2^5 < x ≤ −2^1" in caption
    plot.plt.close(fig)


def test_version_1_report_has_no_binade_figure(fixtures):
    rep = load_report(fixtures / "cpu_v1.json")
    assert plot.fig_ulp_binade(rep, "gelu") is None


def test_ulp_vs_x_finds_where_a_variant_leaves_its_bound(tmp_path):
    """Fake eval: textbook's error is 2^(i % 12) at the i-th input; the caption says where it is over."""
    exe = make_fake_actbench(tmp_path / "bin")
    evaluate = plot.Evaluator(str(exe))
    fig, caption = plot.fig_ulp_vs_x("gelu", ["precise", "textbook"], evaluate, lambda d: {"textbook": 4.0})
    assert fig.axes[0].get_xscale() == "symlog"
    assert "textbook fwd exceeds its 4-ulp bound at" in caption and "worst 2.05e+03 ulp" in caption
    plot.plt.close(fig)


def test_over_bound_summary():
    x = np.array([-8.0, -6.0, -5.0, -1.0, 0.0, 2.0])
    ulp = np.array([0.0, 3e7, np.nan, 0.5, 0.0, 0.4])
    assert plot.over_bound_summary(x, ulp, 2.0) == "at 2 of 6 inputs, between x = -6 and -5; worst 3e+07 ulp at x = -6"
    assert plot.over_bound_summary(x, np.zeros(6), 2.0) is None


def test_no_binary_skips_eval_figures_with_a_note(tmp_path, no_actbench_on_path):
    r = write_report(tmp_path / "r.json", make_fixtures.make_report("cpu", activations=("relu",), dtypes=("f32",),
                                                                    version=1))
    notes = []
    figs = list(plot.iter_figures([load_report(r)], plot.find_actbench(None), notes.append))
    for f in figs:
        plot.plt.close(f.fig)
    assert any("no actbench binary" in n and "skipping the ULP-vs-x figures" in n for n in notes)
    assert "throughput_relu" in [f.stem for f in figs]
    assert not [f for f in figs if f.stem.startswith(("curves_", "ulp_vs_x_"))]


def test_actbench_found_on_path(tmp_path, monkeypatch):
    exe = make_fake_actbench(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(exe.parent))
    assert plot.find_actbench(None) == str(exe)


def test_failing_binary_is_a_note_not_a_crash(tmp_path, capsys, monkeypatch):
    exe = make_fake_actbench(tmp_path / "bin")
    monkeypatch.setenv("FAKE_ACTBENCH_FAIL", "1")
    r = write_report(tmp_path / "r.json", make_fixtures.make_report("cpu", activations=("relu",), dtypes=("f32",)))
    reports = [load_report(r)]
    notes = []
    figs = list(plot.iter_figures(reports, str(exe), notes.append))
    for f in figs:
        plot.plt.close(f.fig)
    assert figs and not [f for f in figs if f.stem.startswith(("curves_", "ulp_vs_x_"))]
    assert any("exited with status 3: actbench: error: injected failure" in n for n in notes)


def test_evaluator_passes_hex_inputs_and_parses_json(tmp_path):
    exe = make_fake_actbench(tmp_path / "bin")
    x, y, ref, ulp = plot.Evaluator(str(exe))("tanh", "fwd", "precise", [-1.5, 0.0, 2.0])
    assert list(x) == [-1.5, 0.0, 2.0]
    assert y[2] == pytest.approx(0.9640275800758169, rel=1e-6)
    assert plot.f32_hex([-6.0]) == ["0xc0c00000"]


def test_missing_actbench_path_is_exit_2(tmp_path, capsys):
    assert cli([make_fixtures.FIXTURES / "cpu.json", "-o", tmp_path, "--actbench", tmp_path / "nope"]) == 2
    assert "not an executable file" in capsys.readouterr().err


def test_bad_report_exit_2(tmp_path, capsys):
    assert cli([make_fixtures.FIXTURES / "truncated.json", "-o", tmp_path]) == 2
    err = capsys.readouterr().err
    assert "truncated JSON" in err and "Traceback" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="render_figures forks its workers on Linux only")
def test_workers_draw_what_one_process_draws(tmp_path):
    """render_figures on two forked workers: the same figures, captions and bytes, in page order, as on one."""
    a = write_report(tmp_path / "a.json",
                     make_fixtures.make_report("gpu", activations=("relu",), dtypes=("f32", "f16")))
    b = write_report(tmp_path / "b.json", make_fixtures.make_report("cpu", activations=("relu",), dtypes=("f32",)))
    reports = [load_report(a), load_report(b)]
    got = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        out.mkdir()
        rendered = plot.render_figures(plot.figure_jobs(reports, None, lambda m: None, curves=False), out,
                                       lambda m: None, ("png",), workers=workers)
        assert all(p.parent == out for r in rendered for p in r.paths)
        got[workers] = ([(r.stem, r.caption, r.section) for r in rendered],
                        {p.name: p.read_bytes() for p in out.iterdir()})
    serial = [(f.stem, f.caption, f.section) for f in plot.iter_figures(reports, None, lambda m: None, curves=False)]
    plot.plt.close("all")
    assert len(got[1][0]) > 4 and got[1] == got[2] and got[1][0] == serial


@pytest.mark.parametrize("workers", [1, 2])
def test_no_eval_figure_after_a_failing_binary(tmp_path, monkeypatch, workers):
    """The binary fails for relu (first in page order) and works for sigmoid: as in iter_figures, no eval figure
    is kept after the first failure, sigmoid's included, the failure is said once, and (one process) the binary is
    not run again."""
    exe = make_fake_actbench(tmp_path / "bin")
    r = write_report(tmp_path / "r.json", make_fixtures.make_report("cpu", activations=("relu", "sigmoid"),
                                                                    dtypes=("f32",)))
    jobs = plot.figure_jobs([load_report(r)], str(exe), lambda m: None)
    assert [j.stem for j in jobs if j.needs_binary] == ["ulp_vs_x_relu", "curves_relu", "ulp_vs_x_sigmoid",
                                                        "curves_sigmoid"]
    for fail, expect in (("", {"ulp_vs_x_relu", "curves_relu", "ulp_vs_x_sigmoid", "curves_sigmoid"}), ("relu", set())):
        monkeypatch.setenv("FAKE_ACTBENCH_FAIL", fail)
        monkeypatch.setenv("FAKE_ACTBENCH_LOG", str(tmp_path / f"calls-{fail or 'none'}"))
        notes = []
        out = tmp_path / f"out-{fail or 'none'}"
        out.mkdir()
        rendered = plot.render_figures(jobs, out, notes.append, ("png",), workers=workers)
        assert {x.stem for x in rendered if x.stem.startswith(("curves_", "ulp_vs_x_"))} == expect
        assert {p.stem for p in out.glob("*_*") if p.stem.startswith(("curves_", "ulp_vs_x_"))} == expect
        assert len([n for n in notes if n.startswith("skipping the eval figures")]) == (1 if fail else 0), notes
        assert "throughput_relu" in {x.stem for x in rendered}
        if fail and workers == 1:
            assert (tmp_path / "calls-relu").read_text().split() == ["relu"]


def test_plot_jobs_from_the_environment(monkeypatch):
    monkeypatch.setenv("ACTBENCH_PLOT_JOBS", "3")
    assert plot.default_workers() == 3
    monkeypatch.setenv("ACTBENCH_PLOT_JOBS", "many")
    with pytest.raises(plot.UsageError, match="ACTBENCH_PLOT_JOBS"):
        plot.default_workers()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="render_figures forks its workers on Linux only")
def test_a_worker_that_dies_is_one_clear_error(tmp_path):
    """A drawing process killed (out of memory, say) ends the run with a message, not a hang or a traceback."""
    import os

    jobs = [plot.FigureJob(f"dies_{i}", "ulp", lambda: os._exit(9)) for i in range(2)]
    with pytest.raises(plot.UsageError, match="a drawing process died"):
        plot.render_figures(jobs, tmp_path, lambda m: None, ("png",), workers=2)


def test_one_process_needs_no_shared_memory(tmp_path, monkeypatch):
    """ACTBENCH_PLOT_JOBS=1 draws without multiprocessing (no semaphore or /dev/shm, which some sandboxes lack)."""
    import multiprocessing

    def refuse(*_a, **_k):
        raise OSError("no shared memory here")

    monkeypatch.setattr(multiprocessing, "get_context", refuse)
    r = write_report(tmp_path / "r.json", make_fixtures.make_report("cpu", activations=("relu",), dtypes=("f32",)))
    rendered = plot.render_figures(plot.figure_jobs([load_report(r)], None, lambda m: None, curves=False), tmp_path,
                                   lambda m: None, ("png",), workers=1)
    plot.plt.close("all")
    assert "throughput_relu" in [x.stem for x in rendered]


def test_a_bad_plot_jobs_value_is_one_line_before_anything_is_written(tmp_path, monkeypatch, capsys):
    from actbench_tools import report

    r = write_report(tmp_path / "r.json", make_fixtures.make_report("cpu", activations=("relu",), dtypes=("f32",)))
    monkeypatch.setenv("ACTBENCH_PLOT_JOBS", "x")
    for prog, main in (("actbench-plot", plot.main), ("actbench-report", report.main)):
        assert run(prog, main, [str(r), "-o", str(tmp_path / prog)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"{prog}: error: ACTBENCH_PLOT_JOBS='x': expected a whole number of processes"], err
        assert not (tmp_path / prog).exists()
