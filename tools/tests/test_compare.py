"""actbench-compare: matching, noise-aware verdicts, regressions, exit codes, output formats."""

import json

import pytest

import make_fixtures
from actbench_tools import compare as cmpmod
from actbench_tools.compare import compare, main, noise_verdict
from actbench_tools.cli_common import run
from actbench_tools.load import Stats, load_report

SMALL = ("relu", "tanh")  # two activations keep these tests quick


def stats(median, rel=0.01, minimum=None):
    mean = median * (1 + rel / 3)
    return Stats(median, median * (1 - rel) if minimum is None else minimum, mean, rel * mean, 100, rel, True)


def cli(argv):
    return run("actbench-compare", main, [str(a) for a in argv])


# ---- verdicts ----------------------------------------------------------------------------

def test_noise_is_same():
    assert noise_verdict(stats(100, 0.02), stats(103, 0.02))[0] == "same"  # inside 2x combined spread


def test_overlapping_ranges_are_same():
    # medians 10% apart with tiny spread, but b's fastest sample beats a's median
    assert noise_verdict(stats(100, 0.001), stats(110, 0.001, minimum=99))[0] == "same"


def test_clear_changes_are_faster_or_slower():
    assert noise_verdict(stats(100, 0.01), stats(120, 0.01))[0] == "slower"
    assert noise_verdict(stats(100, 0.01), stats(80, 0.01))[0] == "faster"
    assert noise_verdict(None, stats(80))[0] == "n/a"


def test_noise_band_reported():
    _, band = noise_verdict(stats(100, 0.03), stats(100, 0.04))
    assert band == pytest.approx(10.0)


# ---- matching ----------------------------------------------------------------------------

def test_matching_ignores_device_index(report_file):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, speed=1.0,
                    edit=lambda d: [r.update(device=1) for r in d["benchmarks"]]
                    or d["context"]["devices"][0].update(index=1))
    c = compare(load_report(a), load_report(b))
    assert len(c.cases) == len(load_report(a).records)
    assert not c.only_in_baseline and not c.only_in_other


def test_unmatched_cases_are_listed(report_file):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL,
                    edit=lambda d: d.update(benchmarks=[r for r in d["benchmarks"] if r["n"] != 2 ** 24]))
    c = compare(load_report(a), load_report(b))
    assert c.only_in_baseline and all(k.n == 2 ** 24 for k in c.only_in_baseline)
    assert not c.only_in_other


def test_cpu_vs_gpu_needs_match_across_backends(fixtures, capsys):
    assert cli([fixtures / "cpu.json", fixtures / "gpu.json", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["comparisons"][0]["matched"] == 0
    rc = cli([fixtures / "cpu.json", fixtures / "gpu.json", "--match-across-backends", "--format", "json"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    comp = out["comparisons"][0]
    assert comp["matched"] == 367
    assert {c["impl"] for c in comp["only_in_other"]} == {"cudnn"}  # the gpu's cudnn cases, listed
    assert [(c["activation"], c["n"]) for c in comp["only_in_baseline"]] == [("gelu", 2 ** 24)]  # gpu: not run
    assert comp["geomean_ratio"] > 5  # a GPU is faster than a 2-core CPU
    # the gpu's fast kernels are less accurate (max ULP x3), and its launch latency makes the
    # smallest sizes slower than on the cpu: both are regressions, exit 1
    acc = [r for r in comp["regressions"] if r["kind"] == "accuracy"]
    assert acc and all("/fast/" in r["case"] for r in acc)
    tp = [r for r in comp["regressions"] if r["kind"] == "throughput"]
    assert tp and all("n=2^10" in r["case"] or "n=2^12" in r["case"] for r in tp)
    assert rc == 1


def test_several_devices_need_device_flag(report_file, capsys):
    def two_devices(d):
        extra = [dict(r, device=1) for r in d["benchmarks"]]
        d["benchmarks"] += extra
        d["context"]["devices"].append(dict(d["context"]["devices"][0], index=1))
    a = report_file("a.json", activations=("relu",), edit=two_devices)
    b = report_file("b.json", activations=("relu",))
    assert cli([a, b]) == 2
    assert "pick one with --device N" in capsys.readouterr().err
    assert cli([a, b, "--device", "1"]) == 0


# ---- regressions and exit codes ----------------------------------------------------------

def test_identical_reports_exit_0(fixtures, capsys):
    assert cli([fixtures / "gpu.json", fixtures / "gpu.json"]) == 0
    out = capsys.readouterr().out
    assert "no regressions" in out and "same 383" in out


def test_throughput_regression_exits_1(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, speed=0.9)
    assert cli([a, b, "--threshold", "5"]) == 1
    out = capsys.readouterr().out
    assert "REGRESSIONS:" in out and "[throughput]" in out and "(-10.0%)" in out


def test_slowdown_within_threshold_is_not_a_regression(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, speed=0.9)
    assert cli([a, b, "--threshold", "15"]) == 0
    assert "slower" in capsys.readouterr().out


def test_slowdown_inside_noise_is_same(report_file):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, speed=0.99)  # 1%: inside the gpu fixture's spread
    c = compare(load_report(a), load_report(b), threshold_pct=0.5)
    assert {x.verdict for x in c.cases} == {"same"}
    assert not c.regressions


def _fail_first_precise(d):
    for r in d["benchmarks"]:
        if (r["activation"], r["direction"], r["dtype"], r["variant"]) == ("tanh", "fwd", "f32", "precise"):
            r["status"] = "fail"
            r["accuracy"]["pass"] = False
            r["accuracy"]["out_of_bound"] = 3


def test_pass_to_fail_exits_1(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, edit=_fail_first_precise)
    assert cli([a, b]) == 1
    out = capsys.readouterr().out
    # one line per configuration, not one per size
    assert out.count("[accuracy]") == 3  # actbench, thrust and cudnn
    assert "pass -> fail" in out


def test_more_nonfinite_and_ulp_growth_exit_1(report_file):
    def worse(d):
        for r in d["benchmarks"]:
            if (r["activation"], r["variant"]) == ("tanh", "fast"):
                r["accuracy"]["nonfinite_mismatches"] = 2
                r["status"] = "fail"
                r["accuracy"]["pass"] = False
            if (r["activation"], r["variant"], r["direction"]) == ("tanh", "precise", "bwd"):
                r["accuracy"]["max_ulp"] = 3.9  # from 1.4, still inside the bound
    a = load_report(report_file("a.json", activations=SMALL))
    b = load_report(report_file("b.json", activations=SMALL, edit=worse))
    c = compare(a, b)
    details = {r.detail for r in c.regressions}
    assert any(d.startswith("non-finite mismatches 0 -> 2") for d in details)
    assert "max ULP 1.4 -> 3.9" in details


def test_small_ulp_change_is_not_a_regression(report_file):
    def nudge(d):
        for r in d["benchmarks"]:
            if r["activation"] == "tanh" and r["variant"] == "precise":
                r["accuracy"]["max_ulp"] += 0.4
    a = load_report(report_file("a.json", activations=SMALL))
    b = load_report(report_file("b.json", activations=SMALL, edit=nudge))
    c = compare(a, b)
    assert not c.regressions
    assert any("max ULP" in x.accuracy_note for x in c.cases)


@pytest.mark.parametrize("bad", ["bad_json.json", "truncated.json", "wrong_version.json", "not_actbench.json",
                                 "schema_violation.json"])
def test_bad_input_exits_2_with_one_line(fixtures, capsys, bad):
    assert cli([fixtures / "cpu.json", fixtures / bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith("actbench-compare: error: ") and str(fixtures / bad) in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_one_report_is_a_usage_error(fixtures, capsys):
    assert cli([fixtures / "cpu.json"]) == 2
    assert "at least two reports" in capsys.readouterr().err


# ---- output formats ----------------------------------------------------------------------

def test_markdown_output(report_file, tmp_path):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, speed=1.2)
    out = tmp_path / "cmp.md"
    assert cli([a, b, "--format", "md", "--output", out]) == 0
    md = out.read_text()
    assert md.startswith("## actbench comparison")
    assert "| activation | f32 | f16 | bf16 | f64 | all dtypes |" in md
    assert "| relu | 1.200x |" in md
    assert "<details><summary>All cases:" in md
    assert "faster" in md


def test_json_output_is_strict_json(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, speed=0.5)
    c = report_file("c.json", activations=SMALL, speed=1.0)
    assert cli([a, b, c, "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out, parse_constant=lambda s: pytest.fail(s))
    assert out["regression"] is True and len(out["comparisons"]) == 2
    first = out["comparisons"][0]
    assert first["geomean_ratio"] == pytest.approx(0.5, rel=1e-3)
    case = first["cases"][0]
    assert {"ratio", "verdict", "noise_pct", "a", "b", "regressions", "accuracy_change"} <= set(case)
    assert out["comparisons"][1]["regressions"] == []


def test_changed_only_table(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    assert cli([a, a, "--changed-only"]) == 0
    assert "cases (changed only): 0" in capsys.readouterr().out
