"""actbench_tools.model: the ceilings, the prediction, the baseline check and the join with a report."""

from __future__ import annotations

import json

import pytest

from actbench_tools import model
from actbench_tools.cli_common import UsageError
from actbench_tools.load import load_report

H100 = model.DEVICES["H100"]


def capacity(dev: model.DeviceFacts, pipe: str, nbytes: float) -> float:
    """Instructions of `pipe` per element that fit in the time the bytes take to move."""
    seconds = nbytes / (dev.bandwidth_gbps * 1e9)
    return seconds * dev.rate(pipe) * dev.sm_count * dev.clock_mhz * 1e6


def row(act="gelu", direction="fwd", dtype="f32", variant="precise", **pipes) -> dict:
    mix = {"fp32": pipes.pop("fp32", 0.0), "fp64": pipes.pop("fp64", 0.0), "mufu": pipes.pop("mufu", 0.0),
           "int": pipes.pop("int", 0.0), "load_store": 0.5, "control": 0.25}
    assert not pipes
    copy = {"load_store": 0.5, "control": 0.25, "int": 2.0}
    size = {"f32": 4, "f16": 2, "bf16": 2, "f64": 8}[dtype]
    return model.make_row(activation=act, direction=direction, dtype=dtype, variant=variant, arch="sm_90", mix=mix,
                          copy_mix=copy, full_total=sum(mix.values()) + 5,
                          bytes_per_element=(3 if direction == "bwd" else 2) * size)


def test_device_table_matches_the_datasheet_rates():
    # FP32 TFLOPS = SMs x FMA lanes x 2 x clock: the table's SMs and clocks give the datasheets' figures
    def tflops(d: model.DeviceFacts, pipe: str) -> float:
        return d.sm_count * d.rate(pipe) * 2 * d.clock_mhz * 1e6 / 1e12

    assert tflops(model.DEVICES["A100"], "fma") == pytest.approx(19.5, abs=0.1)
    assert tflops(model.DEVICES["A100"], "fp64") == pytest.approx(9.7, abs=0.1)
    assert tflops(model.DEVICES["H100"], "fma") == pytest.approx(67, abs=0.5)
    assert tflops(model.DEVICES["H200"], "fp64") == pytest.approx(34, abs=0.6)  # 33.5, rounded in the datasheet
    assert tflops(model.DEVICES["B200"], "fma") == pytest.approx(75, abs=0.5)
    assert tflops(model.DEVICES["B200"], "fp64") == pytest.approx(37, abs=0.6)
    for d in model.DEVICES.values():  # FP64 at half the FP32 rate on each of them
        assert d.rate("fp64") * 2 == d.rate("fma")


def test_predict_memory_bound_and_each_pipe():
    f32_fwd = 8
    assert model.predict({"issue": 10, "fma": 5}, f32_fwd, H100) == (100.0, "memory")
    cap = capacity(H100, "issue", f32_fwd)  # ~88.4 instructions per f32 element on an H100 (its copy: 3.03 TB/s)
    assert 88 < cap < 89
    pct, bound = model.predict({"issue": 2 * cap}, f32_fwd, H100)
    assert (round(pct, 6), bound) == (50.0, "issue")
    mufu_cap = capacity(H100, "mufu", f32_fwd)  # the SFU: 16 per SM per clock
    pct, bound = model.predict({"issue": 20, "mufu": 4 * mufu_cap}, f32_fwd, H100)
    assert (round(pct, 6), bound) == (25.0, "mufu")
    fp64_cap = capacity(H100, "fp64", f32_fwd)
    pct, bound = model.predict({"issue": fp64_cap * 1.2, "fp64": fp64_cap * 1.2}, f32_fwd, H100)
    assert bound == "fp64" and pct == pytest.approx(100 / 1.2)
    # the same counts on an A100 (FP64 at 32 per SM per clock) and an H200 (more bandwidth, same SM)
    a100 = model.predict({"issue": fp64_cap * 1.2, "fp64": fp64_cap * 1.2}, f32_fwd, model.DEVICES["A100"])
    h200 = model.predict({"issue": fp64_cap * 1.2, "fp64": fp64_cap * 1.2}, f32_fwd, model.DEVICES["H200"])
    assert h200[0] == pytest.approx(100 / 1.2 * 3028 / 4296)
    assert a100[1] == "fp64" and a100[0] < 100


def test_make_row_subtracts_the_copy_and_keeps_the_pipes():
    r = row(fp32=10, fp64=3, mufu=1, int=4)
    assert r["hot_instructions"] == pytest.approx(10 + 3 + 1 + 4 + 0.75 - 2.75)
    assert r["issued_per_element"] == pytest.approx(18.75)
    assert r["copy_overhead"] == pytest.approx(2.75)
    assert r["full_instructions"] == pytest.approx(r["hot_instructions"] + 5)
    assert (r["mufu"], r["fp64"], r["fp32"], r["int_other"]) == (1, 3, 10, 2)
    assert r["pipes"] == {"issue": 18.75, "fma": 10, "alu": 4, "fp64": 3, "mufu": 1, "conversion": 0}
    [p] = model.with_predictions([r], [H100, model.DEVICES["H200"]])
    assert set(p["predicted_pct_of_copy"]) == {"H100", "H200"} and p["bound_by"]["H100"] == "memory"


def test_facts_from_json_and_device_selection(tmp_path):
    f = tmp_path / "dev.json"
    f.write_text(json.dumps({"name": "X1", "compute_capability": "9.0", "sm_count": 100, "clock_mhz": 1500,
                             "bandwidth_gbps": 3000}))
    devs = model.select_devices(None, [f], "90")
    assert [d.name for d in devs] == ["X1"] and devs[0].rate("mufu") == 16
    assert [d.name for d in model.select_devices(None, [], "90")] == ["H100", "H200"]
    assert [d.name for d in model.select_devices(None, [], "100")] == ["B200"]
    assert [d.name for d in model.select_devices("a100,h200", [], "90")] == ["A100", "H200"]
    with pytest.raises(UsageError, match="unknown device"):
        model.select_devices("V100", [], "90")
    with pytest.raises(UsageError, match="no device of the table"):
        model.select_devices(None, [], "75")
    f.write_text(json.dumps({"name": "X2", "compute_capability": "7.5", "sm_count": 40, "clock_mhz": 1500,
                             "bandwidth_gbps": 300}))
    with pytest.raises(UsageError, match="compute capability 7.5"):
        model.select_devices(None, [f], "75")
    f.write_text(json.dumps({"name": "X2", "compute_capability": "7.5", "sm_count": 40, "clock_mhz": 1500,
                             "bandwidth_gbps": 300, "rates": {p: 16 for p in model.PIPES}}))
    assert model.select_devices(None, [f], "75")[0].rate("issue") == 16
    f.write_text(json.dumps({"name": "X3", "sm_count": 40}))
    with pytest.raises(UsageError, match="missing key"):
        model.select_devices(None, [f], "90")


def test_compare_fails_on_a_fall_and_reports_a_rise():
    devs = [H100]
    base = model.with_predictions([row("gelu", fp64=100), row("tanh", fp32=20), row("relu")], devs)
    worse = model.with_predictions([row("gelu", fp64=200), row("tanh", fp32=20), row("relu")], devs)
    better = model.with_predictions([row("gelu", fp64=50), row("tanh", fp32=20), row("relu")], devs)
    c = model.compare(worse, base)
    assert c.failed and [f[0][0] for f in c.falls] == ["gelu"] and not c.rises
    c = model.compare(better, base)
    assert not c.failed and [r[0][0] for r in c.rises] == ["gelu"]
    text = model.render_comparison(c, "results/model-sm90.json", "REGEN")
    assert "not updated automatically" in text and "REGEN" in text
    c = model.compare(better[:2], base)  # relu vanished
    assert c.failed and c.missing == [("relu", "fwd", "f32", "precise")]
    c = model.compare(model.with_predictions(better, [model.DEVICES["H200"]]), base)
    assert c.failed and c.devices_missing == ["H100"]
    c = model.compare(base, base)
    assert not c.failed and "no predicted bound changed" in model.render_comparison(c, "b", "r")
    tiny = model.with_predictions([row("gelu", fp64=100.5), row("tanh", fp32=20), row("relu")], devs)
    assert not model.compare(tiny, base).failed  # within the tolerance
    other_arch = [dict(r, arch="sm_80") for r in base]
    with pytest.raises(UsageError, match="different architectures"):
        model.compare(other_arch, base)


def test_load_rows_rejects_what_is_not_a_model(tmp_path, fixtures):
    p = tmp_path / "m.json"
    rows = model.with_predictions([row("gelu"), row("relu")], [H100])
    p.write_text(model.dumps(rows))
    assert model.load_rows(p) == rows
    assert p.read_text().count("\n") == len(rows) + 2  # one row per line
    with pytest.raises(UsageError, match="not a model"):
        model.load_rows(fixtures / "gpu.json")
    p.write_text(json.dumps([{"activation": "relu"}]))
    with pytest.raises(UsageError, match="row 0 lacks"):
        model.load_rows(p)
    p.write_text(model.dumps(rows + rows[:1]))
    with pytest.raises(UsageError, match="repeats"):
        model.load_rows(p)


def _gpu_report(report_file, details=None):
    def edit(doc):
        if details is not None:
            doc["context"]["devices"][0]["details"] = details
    return load_report(report_file("gpu.json", "gpu", edit=edit))


def test_join_puts_the_prediction_beside_the_measurement(report_file):
    n = 2**24
    details = {"compute_capability": "9.0", "sm_count": 132, "sm_clock_max_khz": 1980000}
    rep = _gpu_report(report_file, details)
    rows = [row("relu", d, t) for d in ("fwd", "deriv", "bwd") for t in ("f32", "f16", "bf16", "f64")]
    rows.append(row("gelu", "fwd", "f32", fp64=300))  # far below copy
    pairs, notes = model.join(rep, rows, n)
    assert not notes or all("no model row" in x for x in notes)
    keys = {p.key for p in pairs}
    assert ("gelu", "fwd", "f32", "precise") in keys and ("relu", "bwd", "f64", "precise") in keys
    gelu = next(p for p in pairs if p.key == ("gelu", "fwd", "f32", "precise"))
    rec = next(r for r in rep.records.values() if (r.key.activation, r.key.direction, r.key.dtype, r.key.variant,
                                                   r.key.impl, r.key.n) == ("gelu", "fwd", "f32", "precise",
                                                                            "actbench", n))
    assert gelu.measured == rec.pct_of_copy_bw
    # the prediction uses the run's memcpy GB/s at (f32, n) as the bandwidth
    facts = model.facts_from_report(rep, 0, "f32", n)
    assert facts.bandwidth_gbps == rep.roofline_gbps("cuda", 0, "f32", n) and facts.clock_mhz == 1980
    assert gelu.predicted == round(model.predict(rows[-1]["pipes"], 8, facts)[0], 1)
    assert gelu.bound == "fp64" and gelu in model.flagged(pairs, 10.0)
    text = model.render_join(pairs, 10.0)
    assert "FASTER than the model allows" in text
    relu = [p for p in pairs if p.key[0] == "relu" and not p.suspect]
    assert relu and all(p.predicted == 100.0 for p in relu)


def test_join_fills_missing_details_from_the_table(report_file):
    rep = _gpu_report(report_file)  # the fixture's details use other keys
    pairs, notes = model.join(rep, [row("relu")], 2**24)
    assert len(pairs) == 1
    assert any("sm_count from the table (H100)" in x for x in notes)


def test_facts_without_a_memcpy_take_the_tables_measured_copy(report_file):
    rep = _gpu_report(report_file)  # an H100 80GB HBM3, no memcpy at n = 2^20 + 1
    facts = model.facts_from_report(rep, 0, "f32", 2**20 + 1)
    assert facts.bandwidth_gbps == model.DEVICES["H100"].bandwidth_gbps == 3028
    assert "the table's H100" in facts.source


def test_join_notes_an_architecture_mismatch(report_file):
    details = {"compute_capability": "10.0", "sm_count": 148, "sm_clock_max_khz": 1980000}
    rep = _gpu_report(report_file, details)
    _, notes = model.join(rep, [row("relu")], 2**24)
    assert any("regenerate the model with --arch" in x for x in notes)


def test_cli(tmp_path, report_file, capsys):
    base, new = tmp_path / "base.json", tmp_path / "new.json"
    devs = [H100, model.DEVICES["H200"]]
    base.write_text(model.dumps(model.with_predictions([row("gelu", fp64=100), row("relu")], devs)))
    new.write_text(model.dumps(model.with_predictions([row("gelu", fp64=150), row("relu")], devs)))
    assert model.cli(["check", str(new), str(base)]) == 1
    assert "REGRESSION" in capsys.readouterr().out
    assert model.cli(["check", str(base), str(new)]) == 0
    assert "rose" in capsys.readouterr().out
    assert model.cli(["table", str(base)]) == 0
    out = capsys.readouterr().out
    assert "H100 %" in out and "H200 %" in out and "precise ops predicted under 95%" in out
    assert model.cli(["table", str(base), "--devices", "B200", "--format", "md"]) == 0
    assert "| B200 % |" in capsys.readouterr().out
    rep = report_file("gpu.json", "gpu")
    assert model.cli(["join", str(rep), str(base), "--n", "2^24"]) == 0
    out = capsys.readouterr().out
    assert "measured %" in out and "with |measured - predicted| > 10 points" in out
    assert model.cli(["join", str(rep), str(base), "--n", "2^24", "--fail-on-gap"]) == 1
    capsys.readouterr()
    assert model.cli(["join", str(rep), str(base)]) == 2  # no record at 2^28 in the fixture
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no cuda record" in err
    assert model.cli(["table", str(rep)]) == 2
    assert "not a model" in capsys.readouterr().err


def test_devices_and_facts_from_a_reports_device(tmp_path, fixtures, capsys):
    assert model.cli(["devices"]) == 0
    out = capsys.readouterr().out
    h200 = next(ln for ln in out.splitlines() if ln.startswith("H200"))
    assert h200.split()[7] == "7.79"  # issue/B: 128 x 132 x 1.98e9 / 4.296e12 (the measured copy, not the peak 4.8)
    dev = json.loads((fixtures / "gpu.json").read_text())["context"]["devices"][0]
    f = tmp_path / "dev.json"
    f.write_text(json.dumps(dev))  # the fixture's details use other keys than the CUDA backend's
    assert model.cli(["devices", "--facts", str(f)]) == 2
    assert "lacks sm_count" in capsys.readouterr().err
    dev["details"].update(sm_count=132, sm_clock_max_khz=1980000)
    f.write_text(json.dumps(dev))
    assert model.cli(["devices", "--facts", str(f)]) == 0
    line = capsys.readouterr().out.splitlines()[2]
    assert line.startswith("NVIDIA H100 80GB HBM3") and " 3352 " in line


def test_a_row_with_versions_chosen_by_parameters():
    cheap = {"fp32": 2.0, "load_store": 0.5, "control": 0.25}
    costly = {"fp32": 2.0, "fp64": 200.0, "load_store": 0.5, "control": 0.25}
    r = model.make_row(activation="prelu", direction="fwd", dtype="f32", variant="precise", arch="sm_90", mix=cheap,
                       copy_mix={"load_store": 0.5, "control": 0.25}, full_total=300, bytes_per_element=8,
                       uniform_branches=1, costliest_mix=costly, versions=[2, 202])
    assert r["hot_instructions"] == 2 and r["costliest"]["hot_instructions"] == 202
    assert r["versions_hot_instructions"] == [2, 202]
    assert r["costliest"]["pipes"]["fp64"] == 200
    [r] = model.with_predictions([r], [H100])
    assert r["predicted_pct_of_copy"] == {"H100": 100.0}  # the cheapest version bounds them all
    assert " 2.0-202.0 " in model.render_table([r], [H100])
    under = model.render_under([r], [H100])
    assert "every precise op is predicted at >= 95%" in under
    assert "1 precise ops whose costliest version" in under and "prelu f32 fwd: H100" in under


def test_report_sets_the_prediction_beside_each_cuda_figure(tmp_path, report_file, capsys):
    """actbench-report --model: the page and summary.md carry join()'s pairs for the cuda report, at each dtype's
    largest n outside the L2, flagged as join_table flags them; nothing for a report without cuda records; a malformed
    model is one error line before any output, and --model with an export format is refused."""
    from actbench_tools import report
    from actbench_tools.cli_common import run

    import make_fixtures

    details = {"compute_capability": "9.0", "sm_count": 132, "sm_clock_max_khz": 1980000}
    gpu = report_file("gpu.json", "gpu", edit=lambda doc: doc["context"]["devices"][0].update(details=details))
    rows = [row("relu", d, t) for d in ("fwd", "deriv", "bwd") for t in ("f32", "f16", "bf16", "f64")]
    rows.append(row("gelu", "fwd", "f32", fp64=300))
    path = tmp_path / "model-sm90.json"
    path.write_text(model.dumps(model.with_predictions(rows, [H100, model.DEVICES["H200"]])))
    out = tmp_path / "out"
    argv = [str(gpu), str(make_fixtures.FIXTURES / "cpu.json"), "-o", str(out), "--no-figures", "--model", str(path)]
    assert run("actbench-report", report.main, argv) == 0
    page, md = (out / "report.html").read_text(), (out / "summary.md").read_text()
    rep = load_report(gpu)
    assert set(model.largest_n(rep).values()) == {2**24}
    pairs, _ = model.join(rep, rows, None)
    assert pairs == model.join(rep, rows, 2**24)[0]
    gelu = next(p for p in pairs if p.key == ("gelu", "fwd", "f32", "precise"))

    def md_row(act, dtype, direction):
        return next(x for x in md.splitlines() if x.startswith(f"| {act} | precise | {dtype} | {direction} | 2^24 |"))

    assert f"| {gelu.measured:.1f} | {gelu.predicted:.1f} | fp64 |" in md_row("gelu", "f32", "fwd")
    assert "FASTER than the model allows" in md_row("gelu", "f32", "fwd")  # predicted ~16%
    assert "suspect timing" in md_row("relu", "f16", "fwd")  # 133% of copy in the fixture
    relu = next(p for p in pairs if p.key == ("relu", "fwd", "f32", "precise"))
    assert abs(relu.gap) <= 10 and md_row("relu", "f32", "fwd").endswith(f"| {relu.gap:+.1f} |  |")  # no flag
    bad = model.flagged(pairs, 10.0)
    assert f"flagged beyond 10 points ({len(bad)} of {len(pairs)})" in md and 0 < len(bad) < len(pairs)
    assert "Instruction roofline: measured beside predicted" in page and f">{gelu.predicted:.1f}<" in page
    assert "largest n outside the L2" in md and "no cuda record" not in md  # the cpu fixture: nothing
    # without --model: no such section; with only the cpu report: one note
    assert run("actbench-report", report.main, argv[:-2]) == 0
    assert "Instruction roofline" not in (out / "summary.md").read_text()
    assert run("actbench-report", report.main, argv[1:]) == 0
    assert "no report holds a cuda record" in (out / "summary.md").read_text()

    fresh = tmp_path / "fresh"
    typo = json.loads(path.read_text())
    typo[0]["pipes"]["issue"] = "many"
    for text, why in ((path.read_text()[:200], "not JSON"), ('[{"x": 1}]', "lacks"), (json.dumps(typo), "pipes is")):
        bad_model = tmp_path / "bad.json"
        bad_model.write_text(text)
        capsys.readouterr()
        assert run("actbench-report", report.main, [str(gpu), "-o", str(fresh), "--model", str(bad_model)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "bad.json" in err[0] and why in err[0] and not fresh.exists()
    assert run("actbench-report", report.main, [str(gpu), "-o", str(fresh), "--model", str(path), "--format",
                                                "junit"]) == 2
    assert "--model goes into the HTML report" in capsys.readouterr().err


def test_join_at_the_largest_n_per_dtype_outside_the_l2(report_file):
    """--n largest: each dtype at its own largest n, an L2-resident size only where no other was measured; cases
    that stopped short of it are counted in a note, each note said once."""
    def edit(doc):
        keep = []
        for b in doc["benchmarks"]:
            if b["dtype"] == "f64" and b["n"] == 2**24:
                continue  # f64 stopped at 2^20
            if b["dtype"] == "bf16" and b["n"] == 2**24 and b["activation"] == "gelu":
                continue  # bf16's gelu stopped short of 2^24
            keep.append(b)
        doc["benchmarks"] = keep
    rep = load_report(report_file("gpu.json", "gpu", edit=edit))
    at = model.largest_n(rep)
    assert at[(0, "f64")] < 2**24 and at[(0, "f32")] == at[(0, "bf16")] == 2**24
    rows = [row(a, d, t) for a in ("relu", "gelu") for d in ("fwd", "deriv", "bwd")
            for t in ("f32", "f16", "bf16", "f64")]
    pairs, notes = model.join(rep, rows, None)
    assert {p.n for p in pairs if p.key[2] == "f64"} == {at[(0, "f64")]}
    assert not any(p.key[0] == "gelu" and p.key[2] == "bf16" for p in pairs)
    cases = {}
    for r in rep.records.values():
        if r.key.backend == "cuda" and r.key.impl == "actbench":
            cases.setdefault((r.key.device, r.key.dtype), {}).setdefault((r.key.activation, r.key.direction,
                                                                          r.key.variant), set()).add(r.key.n)
    want = sum(at[d] not in ns for d, per in cases.items() for ns in per.values())
    assert want >= 3  # gelu bf16: fwd, deriv, bwd of each variant measured at 2^24 elsewhere
    short = [x for x in notes if "below their dtype's largest n" in x]
    assert short == [f"cases measured below their dtype's largest n only (the run stopped before it?): {want}"]
    assert len(notes) == len(set(notes))
    assert model.cli(["join", str(rep.path), "/dev/null", "--n", "nonsense"]) == 2
