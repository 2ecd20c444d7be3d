"""actbench-compare: matching at the same n, verdicts from both samples' spread, regressions,
normalisation by each run's copy, exit codes (a gate CI can trust), output formats."""

import json
import statistics

import pytest

from actbench_tools.cli_common import run
from actbench_tools.compare import Measure, compare, fmt_noise, main, measure, verdict
from actbench_tools.load import load_report

SMALL = ("relu", "tanh")  # two activations keep these tests quick


def cli(argv):
    return run("actbench-compare", main, [str(a) for a in argv])


def scale_kernels(doc, factor, pred=lambda r: True):
    """Every matching kernel `factor` times faster (GB/s, % of copy and times stay consistent)."""
    for r in doc["benchmarks"]:
        if pred(r):
            r["gbps"] *= factor
            r["elements_per_s"] *= factor
            r["pct_of_copy_bw"] *= factor
            r["pct_of_copy_kernel_bw"] *= factor
            for k in ("median_ns", "min_ns", "mean_ns", "stddev_ns"):
                r["timing"]["hot"][k] /= factor
            r["real_time"] = r["cpu_time"] = r["timing"]["hot"]["median_ns"]


def scale_copy(doc, factor):
    """The machine's copy `factor` times faster, kernels unchanged: every % of copy falls."""
    for e in doc["roofline"]:
        e["memcpy"]["gbps"] *= factor
        for k in ("median_ns", "min_ns", "mean_ns", "stddev_ns"):
            e["memcpy"][k] /= factor
    for r in doc["benchmarks"]:
        r["pct_of_copy_bw"] /= factor


# ---- verdicts ----------------------------------------------------------------------------

def test_overlapping_spreads_within_threshold_are_same():
    assert verdict(Measure(100, 0.02), Measure(97, 0.02), 5) == "same"


def test_overlapping_spreads_past_threshold_are_inconclusive():
    # 20 % apart, but each sample spreads by 30 %: too noisy to call it slower
    assert verdict(Measure(100, 0.3), Measure(80, 0.3), 5) == "inconclusive"


def test_separate_spreads_are_faster_or_slower():
    assert verdict(Measure(100, 0.01), Measure(80, 0.01), 5) == "slower"
    assert verdict(Measure(100, 0.01), Measure(120, 0.01), 5) == "faster"
    assert verdict(Measure(100, 0.001), Measure(98, 0.001), 5) == "slower"  # real, if below the threshold
    assert verdict(None, Measure(80, 0.01), 5) == "n/a"


def test_one_fast_sample_of_four_does_not_hide_a_128x_slowdown():
    # issue 15: gelu/fwd/bf16/fast fell 0.206 -> 0.0016 GB/s and was called "same" because the
    # fastest of its 4 samples was fast
    bytes_moved = 4096 * 2 * 2
    samples_b = [bytes_moved / 0.206, bytes_moved / 0.0016, bytes_moved / 0.0016, bytes_moved / 0.0017]
    rel_b = statistics.stdev(samples_b) / statistics.mean(samples_b)
    a, b = Measure(0.206, 0.05), Measure(bytes_moved / statistics.median(samples_b), rel_b)
    assert rel_b > 0.4  # a very noisy sample...
    assert verdict(a, b, 5) == "slower"  # ...still clearly slower


def test_noise_is_shown_sanely():
    assert fmt_noise(3.21) == "±3.2%"
    assert fmt_noise(2400.0) == ">±100%"
    assert fmt_noise(None) == "-"


def test_normalized_measure_combines_kernel_and_copy_spreads(fixtures):
    rep = load_report(fixtures / "gpu.json")
    rec = next(r for r in rep.records.values() if r.key.n == 2 ** 20)
    m = measure(rep, rec, "copy")
    roof = rep.roofline_entry(rec.key.backend, rec.key.device, rec.key.dtype, rec.key.n)
    assert m.value == rec.pct_of_copy_bw
    assert m.rel_spread == pytest.approx((rec.hot.rel_spread ** 2 + roof.memcpy.rel_spread ** 2) ** 0.5)


# ---- matching ----------------------------------------------------------------------------

def test_matching_ignores_device_index(report_file):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL,
                    edit=lambda d: [r.update(device=1) for r in d["benchmarks"]]
                    or d["context"]["devices"][0].update(index=1))
    c = compare(load_report(a), load_report(b))
    assert len(c.cases) == len(load_report(a).records)
    assert not c.only_in_baseline and not c.only_in_other


def test_matched_at_the_same_n_only(report_file):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL,
                    edit=lambda d: d.update(benchmarks=[r for r in d["benchmarks"] if r["n"] != 2 ** 24]))
    c = compare(load_report(a), load_report(b))
    assert all(x.base.key.n == x.other.key.n for x in c.cases)
    assert c.only_in_baseline and all(k.n == 2 ** 24 for k in c.only_in_baseline)
    assert not c.only_in_other


def _double_n(d):
    for r in d["benchmarks"] + d["roofline"]:
        r["n"] *= 2


def test_nothing_matched_is_an_error_not_no_regressions(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, edit=_double_n)  # every case at another n
    assert cli([a, b]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = [line for line in captured.err.splitlines() if "error" in line]
    assert len(err) == 1 and "no case matches the baseline" in err[0] and "no common n" in err[0]


def test_cpu_vs_gpu_needs_match_across_backends(fixtures, capsys):
    assert cli([fixtures / "cpu.json", fixtures / "gpu.json", "--format", "json"]) == 2
    assert "try --match-across-backends" in capsys.readouterr().err
    rc = cli([fixtures / "cpu.json", fixtures / "gpu.json", "--match-across-backends", "--format", "json"])
    comp = json.loads(capsys.readouterr().out)["comparisons"][0]
    assert comp["matched"] == 367
    assert {c["impl"] for c in comp["only_in_other"]} == {"cudnn"}  # the gpu's cudnn cases, listed
    assert [(c["activation"], c["n"]) for c in comp["only_in_baseline"]] == [("gelu", 2 ** 24)]  # gpu: not run
    assert comp["geomean_ratio"] > 5  # a GPU is faster than a 2-core CPU
    # the gpu's fast kernels are less accurate (max ULP x3): accuracy regressions, exit 1
    acc = [r for r in comp["regressions"] if r["kind"] == "accuracy"]
    assert acc and all("/fast/" in r["case"] for r in acc)
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
    assert "no regressions" in out and "same 383" in out and "inconclusive 0" in out


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
    c = compare(load_report(a), load_report(b), threshold_pct=5)
    assert {x.verdict for x in c.cases} == {"same"}
    assert not c.regressions


def _noisy(d):
    for r in d["benchmarks"]:
        r["timing"]["hot"]["rel_spread"] = 0.4
        r["timing"]["hot"]["stddev_ns"] = 0.4 * r["timing"]["hot"]["mean_ns"]


def test_noisy_change_is_inconclusive_and_gates_only_on_request(report_file, capsys):
    a = report_file("a.json", activations=SMALL, edit=_noisy)
    b = report_file("b.json", activations=SMALL, speed=0.7, edit=_noisy)
    c = compare(load_report(a), load_report(b))
    assert {x.verdict for x in c.cases} == {"inconclusive"}
    assert not c.regressions
    assert cli([a, b]) == 0
    assert "inconclusive" in capsys.readouterr().out
    assert cli([a, b, "--fail-on-inconclusive"]) == 1


def test_slower_and_faster_lists_are_sorted_by_size_of_change(report_file, capsys):
    def mixed(d):
        scale_kernels(d, 0.5, lambda r: r["activation"] == "relu")
        scale_kernels(d, 0.8, lambda r: r["activation"] == "tanh" and r["variant"] == "precise")
        scale_kernels(d, 1.5, lambda r: r["activation"] == "tanh" and r["variant"] == "fast")
        scale_kernels(d, 1.2, lambda r: r["activation"] == "tanh" and r["variant"] == "textbook")
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, edit=mixed)
    c = compare(load_report(a), load_report(b))
    slower, faster = c.by_verdict("slower"), c.by_verdict("faster")
    assert [x.ratio for x in slower] == sorted(x.ratio for x in slower)
    assert [x.ratio for x in faster] == sorted((x.ratio for x in faster), reverse=True)
    assert slower[0].key.activation == "relu" and faster[0].key.variant == "fast"
    assert cli([a, b, "--max-listed", "3"]) == 1
    out = capsys.readouterr().out
    assert "largest change first, the 3 largest:" in out


def test_normalize_copy_gives_machine_relative_ratios(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    both = report_file("both.json", activations=SMALL, edit=lambda d: (scale_copy(d, 2), scale_kernels(d, 2)))
    plain = compare(load_report(a), load_report(both))
    assert plain.geomean_overall == pytest.approx(2.0, rel=1e-3)
    assert plain.verdict_counts()["faster"] > 0
    norm = compare(load_report(a), load_report(both), normalize="copy")
    assert norm.geomean_overall == pytest.approx(1.0, rel=1e-3)
    assert norm.verdict_counts()["same"] == len(norm.plausible())
    # the copy got faster but the kernels did not: same GB/s, a machine-relative regression
    copy_only = report_file("copy.json", activations=SMALL, edit=lambda d: scale_copy(d, 2))
    assert cli([a, copy_only]) == 0
    capsys.readouterr()
    assert cli([a, copy_only, "--normalize", "copy"]) == 1
    out = capsys.readouterr().out
    assert "% of each run's own in-run copy bandwidth" in out and "% of copy (-50.0%)" in out


def test_suspect_records_are_marked_and_kept_out_of_the_geomean(fixtures, capsys):
    c = compare(load_report(fixtures / "cpu.json"), load_report(fixtures / "cpu.json"))
    suspect = [x for x in c.cases if x.suspect]
    assert len(suspect) == 17 and len(c.plausible()) == len(c.cases) - 17
    assert cli([fixtures / "cpu.json", fixtures / "cpu.json", "--changed-only"]) == 0
    out = capsys.readouterr().out
    assert "suspect timings (marked '!'; left out of the geomeans): 17 matched cases in A, 17 in B" in out
    # with --normalize copy the ratio to the copy is what is in doubt: inconclusive
    n = compare(load_report(fixtures / "cpu.json"), load_report(fixtures / "cpu.json"), normalize="copy")
    assert all(x.verdict == "inconclusive" for x in n.cases if x.suspect)


def _fail_first_precise(d):
    for r in d["benchmarks"]:
        if (r["activation"], r["direction"], r["dtype"], r["variant"]) == ("tanh", "fwd", "f32", "precise"):
            r["status"] = "fail"
            r["accuracy"]["pass"] = False
            r["accuracy"]["out_of_bound"] = 3
            r["accuracy"]["fail_reasons"] = ["out_of_bound"]


def test_pass_to_fail_exits_1(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, edit=_fail_first_precise)
    assert cli([a, b]) == 1
    out = capsys.readouterr().out
    # one line per configuration, not one per size
    assert out.count("[accuracy]") == 3  # actbench, thrust and cudnn
    assert "pass -> fail (out_of_bound)" in out


def test_textbook_changes_are_not_regressions(report_file):
    def worse_textbook(d):
        for r in d["benchmarks"]:
            if r["variant"] == "textbook":
                r["accuracy"]["max_ulp"] *= 10
                r["accuracy"]["max_ulp_deciding"] *= 10
    a = load_report(report_file("a.json", activations=SMALL))
    b = load_report(report_file("b.json", activations=SMALL, edit=worse_textbook))
    c = compare(a, b)
    assert not c.regressions
    assert any("textbook: not a regression" in x.accuracy_note for x in c.cases)


def test_more_nonfinite_and_ulp_growth_exit_1(report_file):
    def worse(d):
        for r in d["benchmarks"]:
            if (r["activation"], r["variant"]) == ("tanh", "fast"):
                r["accuracy"]["nonfinite_mismatches"] = 2
                r["accuracy"]["fail_reasons"] = ["nonfinite_mismatch"]
                r["status"] = "fail"
                r["accuracy"]["pass"] = False
            if (r["activation"], r["variant"], r["direction"]) == ("tanh", "precise", "bwd"):
                r["accuracy"]["max_ulp"] = r["accuracy"]["max_ulp_deciding"] = 3.9  # from 1.4, inside the bound
    a = load_report(report_file("a.json", activations=SMALL))
    b = load_report(report_file("b.json", activations=SMALL, edit=worse))
    details = {r.detail for r in compare(a, b).regressions}
    assert any(d.startswith("non-finite mismatches 0 -> 2") for d in details)
    assert "max ULP 1.4 -> 3.9" in details


def test_small_ulp_change_is_not_a_regression(report_file):
    def nudge(d):
        for r in d["benchmarks"]:
            if r["activation"] == "tanh" and r["variant"] == "precise":
                r["accuracy"]["max_ulp_deciding"] += 0.4
                r["accuracy"]["max_ulp"] = max(r["accuracy"]["max_ulp"], r["accuracy"]["max_ulp_deciding"])
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
    err_lines = [line for line in err.splitlines() if ": error: " in line]
    assert len(err_lines) == 1 and err_lines[0].startswith("actbench-compare: error: ")
    assert str(fixtures / bad) in err_lines[0] and "Traceback" not in err


def test_one_report_is_a_usage_error(fixtures, capsys):
    assert cli([fixtures / "cpu.json"]) == 2
    assert "at least two reports" in capsys.readouterr().err


def test_version_1_and_2_reports_compare(fixtures):
    c = compare(load_report(fixtures / "cpu_v1.json"), load_report(fixtures / "cpu.json"))
    assert len(c.cases) == 368 and not c.regressions


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
    assert "<details><summary>faster:" in md


def test_json_output_is_strict_json(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    b = report_file("b.json", activations=SMALL, speed=0.5)
    c = report_file("c.json", activations=SMALL, speed=1.0)
    assert cli([a, b, c, "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out, parse_constant=lambda s: pytest.fail(s))
    assert out["regression"] is True and len(out["comparisons"]) == 2
    first = out["comparisons"][0]
    assert first["geomean_ratio"] == pytest.approx(0.5, rel=1e-3)
    assert set(first["verdicts"]) == {"faster", "same", "slower", "inconclusive", "n/a"}
    assert first["slower"] and first["normalize"] is None
    case = first["cases"][0]
    assert {"ratio", "verdict", "noise_pct", "a", "b", "regressions", "accuracy_change"} <= set(case)
    assert "suspect" in case["a"]
    assert out["comparisons"][1]["regressions"] == []


def test_changed_only_table(report_file, capsys):
    a = report_file("a.json", activations=SMALL)
    assert cli([a, a, "--changed-only"]) == 0
    assert "cases (changed only): 0" in capsys.readouterr().out


def test_committed_report_against_itself(committed_report, capsys):
    """The committed version-1 report still loads and compares (its suspects marked)."""
    assert cli([committed_report, committed_report, "--format", "json"]) == 0
    comp = json.loads(capsys.readouterr().out)["comparisons"][0]
    assert comp["matched"] == comp["verdicts"]["same"] + comp["verdicts"]["n/a"]
    assert comp["plausible_cases"] < comp["matched"]  # v1 suspects derived by the tools
