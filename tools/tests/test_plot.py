"""actbench-plot: every figure is written as PNG and SVG; the curves come from `actbench eval`."""

import json

import pytest

import make_fixtures
from conftest import make_fake_actbench
from actbench_tools import plot
from actbench_tools.cli_common import run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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


@pytest.fixture(scope="module")
def gpu_plots(tmp_path_factory):
    """The gpu fixture report plotted once, with a fake actbench for the curves."""
    tmp = tmp_path_factory.mktemp("plot-gpu")
    exe = make_fake_actbench(tmp / "bin")
    rc = cli([make_fixtures.FIXTURES / "gpu.json", "-o", tmp / "out", "--actbench", exe])
    return rc, tmp / "out"


def test_single_report_figures(gpu_plots):
    rc, out = gpu_plots
    assert rc == 0
    slug = "gpu-node-1-nvidia-h100-80gb-hbm3"
    assert_figures(out, ["throughput_relu", "throughput_tanh", "throughput_gelu", f"pct_of_copy_{slug}",
                         f"accuracy_{slug}"])


def test_curves_from_fake_binary(gpu_plots):
    rc, out = gpu_plots
    assert_figures(out, ["curves_relu", "curves_tanh", "curves_gelu"])


def test_svg_keeps_text(gpu_plots):
    _, out = gpu_plots
    svg = (out / "throughput_gelu.svg").read_text()
    assert "throughput (GB/s, hot median)" in svg and "memcpy roofline" in svg


def test_several_reports_overlaid_and_side_by_side(tmp_path, capsys):
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    a.write_text(make_fixtures.dumps(make_fixtures.make_report("gpu", activations=("tanh",))))
    b.write_text(make_fixtures.dumps(make_fixtures.make_report("cpu", activations=("tanh",))))
    assert cli([a, b, "-o", tmp_path / "out", "--no-curves", "--format", "png"]) == 0
    assert_figures(tmp_path / "out", ["throughput_tanh", "pct_of_copy_gpu-node-1-nvidia-h100-80gb-hbm3",
                                      "pct_of_copy_ci-runner-cpu-amd-epyc-7763-64-core-processor",
                                      "accuracy_ci-runner-cpu-amd-epyc-7763-64-core-processor"], ("png",))
    assert not list((tmp_path / "out").glob("*.svg"))


def test_no_binary_skips_curves_with_a_note(tmp_path, capsys, no_actbench_on_path):
    r = tmp_path / "r.json"
    r.write_text(make_fixtures.dumps(make_fixtures.make_report("cpu", activations=("relu",))))
    assert cli([r, "-o", tmp_path / "out", "--format", "png"]) == 0
    err = capsys.readouterr().err
    assert "no actbench binary" in err and "skipping the function/derivative curves" in err
    assert (tmp_path / "out" / "throughput_relu.png").is_file()
    assert not list((tmp_path / "out").glob("curves_*"))


def test_actbench_found_on_path(tmp_path, monkeypatch):
    exe = make_fake_actbench(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(exe.parent))
    assert plot.find_actbench(None) == str(exe)


def test_failing_binary_is_a_note_not_a_crash(tmp_path, capsys, monkeypatch):
    exe = make_fake_actbench(tmp_path / "bin")
    monkeypatch.setenv("FAKE_ACTBENCH_FAIL", "1")
    r = tmp_path / "r.json"
    r.write_text(make_fixtures.dumps(make_fixtures.make_report("cpu", activations=("relu",))))
    assert cli([r, "-o", tmp_path / "out", "--format", "png", "--actbench", exe]) == 0
    assert "exited with status 3: actbench: error: injected failure" in capsys.readouterr().err
    assert not list((tmp_path / "out").glob("curves_*"))


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
