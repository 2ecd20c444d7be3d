"""actbench-peers without the binary or a framework: the timing loop, the arguments, the runner's file exchange
(a stand-in for `actbench inputs/score`), the report it writes, and the side-by-side table, figure and page."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from actbench_tools import compare, peers_table, report
from actbench_tools.cli_common import UsageError, run
from actbench_tools.load import load_report, parse_report
from actbench_tools.peers import cli, timing
from actbench_tools.peers.exchange import DTYPES, load_bits, save_bits
from actbench_tools.peers.frameworks import Op, Peer, Unsupported
from actbench_tools.peers.rounds import combine
from actbench_tools.peers.runner import PeerRunner, RunConfig, run_peers
from actbench_tools.peers.writer import context, document
from actbench_tools.peers.writer import write_report as write_peers_report

import make_fixtures
from conftest import write_report

# --------------------------------------------------------------------------------------------
# the timing loop (harness/timing.cpp)


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def sampler(clock, times):
    it = iter(times)

    def sample():
        t = next(it)
        clock.t += t
        return t
    return sample


def test_summarize_matches_the_harness():
    s = timing.summarize([3.0, 1.0, 2.0, 4.0])
    assert (s.median, s.min, s.mean, s.samples) == (2.5, 1.0, 2.5, 4)
    assert s.stddev == pytest.approx(1.2909944, rel=1e-6)
    assert s.rel_spread == pytest.approx(s.stddev / 2.5)
    assert timing.summarize([]).samples == 0
    assert timing.summarize([5.0]).stddev == 0.0


def test_stops_when_quiet_after_min_samples_and_min_time():
    clock = FakeClock()
    rule = timing.StopRule(warmup=2, min_samples=5, max_samples=100, min_time_s=0.0, max_time_s=10, max_noise=0.01)
    s = timing.run_until_stable(sampler(clock, [9.0, 9.0] + [1.0] * 100), rule, clock)
    assert s.converged and s.samples == 5 and s.median == 1.0  # warm-ups not counted


def test_noisy_samples_stop_at_the_time_cap_not_converged():
    clock = FakeClock()
    rule = timing.StopRule(warmup=0, min_samples=5, max_samples=1000, min_time_s=0.0, max_time_s=1.0,
                           max_noise=0.01)
    s = timing.run_until_stable(sampler(clock, [0.1, 0.3] * 500), rule, clock)
    assert not s.converged
    assert 5 <= s.samples <= 12  # the cap of 1 s of wall time
    capped = timing.run_until_stable(sampler(FakeClock(), [0.1, 0.3] * 500),
                                     timing.StopRule(0, 5, 7, 0.0, 100.0, 0.01), FakeClock())
    assert capped.samples == 7 and not capped.converged


def test_min_time_keeps_sampling_quiet_fast_samples():
    clock = FakeClock()
    rule = timing.StopRule(warmup=0, min_samples=2, max_samples=1000, min_time_s=0.01, max_time_s=10, max_noise=0.5)
    s = timing.run_until_stable(sampler(clock, [0.001] * 1000), rule, clock)
    assert s.converged and s.samples == 10


def test_default_rules_and_overrides():
    assert timing.default_rule("cpu") == timing.CPU_RULE
    assert timing.default_rule("cuda").warmup == 3
    r = timing.default_rule("cpu", max_time_s=2.0, max_noise=0.05)
    assert (r.max_time_s, r.max_noise, r.min_samples) == (2.0, 0.05, timing.CPU_RULE.min_samples)


# --------------------------------------------------------------------------------------------
# arguments


def test_choose_names_in_catalog_order_with_aliases():
    acts = cli.choose(["gelu,relu", "silu"], ("relu", "swish", "gelu"), "activation", ())
    assert acts == ["relu", "swish", "gelu"]
    with pytest.raises(UsageError, match="unknown dtype 'f8'"):
        cli.choose(["f8"], ("f32",), "dtype", ())
    assert cli.choose(None, ("a", "b"), "impl", ("a", "b")) == ["a", "b"]


def test_sizes_and_params():
    assert cli.parse_size("2^22") == 1 << 22 and cli.parse_size("1000") == 1000
    for bad in ("lots", "0", "2^x"):
        with pytest.raises(UsageError):
            cli.parse_size(bad)
    p = cli.activation_params(["leaky_relu", "elu", "gelu"], ["alpha=0.2", "elu.alpha=2"])
    assert p == {"leaky_relu": {"alpha": 0.2}, "elu": {"alpha": 2.0}, "gelu": {}}
    prelu = cli.activation_params(["prelu"], ["prelu.channels=8"])["prelu"]
    assert prelu == {"alpha": 0.25, "channels": 8} and isinstance(prelu["channels"], int)  # as actbench writes it
    for bad in ("beta=2", "alpha", "alpha=nan", "gelu.alpha=1"):
        with pytest.raises(UsageError):
            cli.activation_params(["leaky_relu", "gelu"], [bad])


def test_bad_arguments_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ACTBENCH_BIN", raising=False)
    cases = [(["--impl", "torch", "-o", str(tmp_path / "a.json")], "unknown impl 'torch'"),
             (["-a", "swoosh", "-o", str(tmp_path / "a.json")], "unknown activation 'swoosh'"),
             (["-n", "2^x", "-o", str(tmp_path / "a.json")], "bad size"),
             (["--actbench", str(tmp_path / "nope"), "-o", str(tmp_path / "a.json")], "no actbench binary"),
             (["--threads", "999", "--actbench", "/bin/true", "-o", str(tmp_path / "a.json")], "--threads 999")]
    (tmp_path / "exists.json").write_text("{}")
    cases.append((["-o", str(tmp_path / "exists.json")], "exists (give --force"))
    for argv, needle in cases:
        assert run("actbench-peers", cli.main, argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and needle in err[0], err


# --------------------------------------------------------------------------------------------
# the runner, with a stand-in framework (NumPy) and a stand-in actbench


class NumpyPeer(Peer):
    """relu and sigmoid in NumPy float32; no bf16 (Unsupported), an error on tanh."""

    impl = "jax-jit"
    framework = "numpy"

    def version(self):
        return np.__version__

    def to_device(self, bits, dtype):
        if dtype == "bf16":
            raise Unsupported("no bf16")
        return np.ascontiguousarray(bits).view(DTYPES[dtype][0])

    def to_bits(self, array, dtype):
        return np.asarray(array).view(DTYPES[dtype][1])

    def like(self, x, value):
        return np.full_like(x, value)

    def op(self, activation, direction, dtype, params):
        if dtype == "bf16":
            raise Unsupported("numpy has no bf16")
        if activation == "tanh":
            return Op(lambda x: (_ for _ in ()).throw(RuntimeError("tanh broke")), "a failing op")
        if activation not in ("relu", "sigmoid"):
            raise Unsupported(f"no {activation}")
        f = {"relu": lambda x: np.maximum(x, 0), "sigmoid": lambda x: 1 / (1 + np.exp(-x))}[activation]
        if direction == "fwd":
            return Op(f, "numpy")
        if direction == "deriv":
            return Op(lambda x, ones: ones * (x > 0), "numpy deriv", ("x", "ones"))
        return Op(lambda x, dy: dy * (x > 0), "numpy bwd", ("x", "dy"))

    def copies(self):
        return Op(np.copy, "np.copy"), Op(lambda x: x + 0, "x + 0")

    def time_once(self, fn):
        import time
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0


class FakeActbench:
    """`actbench inputs` and `actbench score` in Python: files written and read as the binary would."""

    def __init__(self):
        self.scored = []

    def inputs(self, folder, dtype, *, bwd, n=None, accuracy="sampled", seed=None):
        count = n or 300
        rng = np.random.default_rng(seed)
        floats = DTYPES[dtype][0] or np.float32
        x = rng.uniform(-8, 8, count).astype(floats).view(DTYPES[dtype][1])
        dy = rng.uniform(-1, 1, count).astype(floats).view(DTYPES[dtype][1])
        path = folder / f"{dtype}-{count}.npy"
        save_bits(path, x, dtype)  # the round trip actbench's files take
        return load_bits(path, dtype), dy

    def score(self, folder, *, activation, direction, dtype, impl, x, y, dy, params):
        self.scored.append((activation, direction, dtype, impl, len(x), dy is not None))
        acc = make_fixtures._accuracy("cpu", "relu", direction, dtype, "precise", len(x))
        return {"format": "actbench-score", "actbench_version": "0.1.0", "git_sha": "abc", "accuracy": acc}


def small_config(tmp_path, **kw):
    base = dict(backend="cpu", sizes=[1024], activations=["relu", "sigmoid", "tanh", "gelu"],
                directions=["fwd", "deriv", "bwd"], dtypes=["f32", "bf16"],
                params={"relu": {}, "sigmoid": {}, "tanh": {}, "gelu": {}},
                rule=timing.StopRule(0, 2, 5, 0.0, 0.01, 1.0), actbench=FakeActbench(), cache_bytes=1 << 20,
                workdir=tmp_path)
    base.update(kw)
    return RunConfig(**base)


def test_runner_times_scores_and_records_every_case(tmp_path):
    cfg = small_config(tmp_path)
    peer = NumpyPeer("cpu")
    notes = []
    res = run_peers(cfg, [peer], notes.append)
    names = {(b["activation"], b["direction"], b["dtype"]) for b in res.benchmarks}
    assert names == {(a, d, "f32") for a in ("relu", "sigmoid") for d in ("fwd", "deriv", "bwd")}
    # each case scored once, on the accuracy set, dy only for bwd
    assert sorted(cfg.actbench.scored) == sorted((a, d, "f32", "jax-jit", 300, d == "bwd")
                                                 for a in ("relu", "sigmoid") for d in ("fwd", "deriv", "bwd"))
    reasons = {(x["activation"], x["dtype"], x["status"]): x["reason"] for x in res.not_run}
    assert reasons[("gelu", "f32", "skipped")] == "no gelu"
    assert "tanh broke" in reasons[("tanh", "f32", "error")]
    assert reasons[("relu", "bf16", "skipped")] == "no bf16"
    rec = next(b for b in res.benchmarks if (b["activation"], b["direction"]) == ("relu", "bwd"))
    assert rec["bytes"] == 3 * 1024 * 4 and rec["gbps"] > 0 and rec["pct_of_copy_bw"] > 0
    assert rec["status"] == "pass" and rec["impl"] == "jax-jit" and rec["variant"] == "precise"
    assert rec["bytes_convention"].startswith("x and dy read, dx written")
    assert res.roofline[0]["impl"] == "jax-jit" and res.roofline[0]["memcpy"]["gbps"] > 0
    assert res.scorer == {"actbench_version": "0.1.0", "git_sha": "abc"}
    assert any("copy" in n for n in notes)


def test_accuracy_off_leaves_records_unchecked(tmp_path):
    cfg = small_config(tmp_path, accuracy="off", activations=["relu"], dtypes=["f32"], params={"relu": {}})
    res = run_peers(cfg, [NumpyPeer("cpu")], lambda m: None)
    assert {b["status"] for b in res.benchmarks} == {"unchecked"}
    assert cfg.actbench.scored == []


def test_the_report_validates_and_loads(tmp_path):
    cfg = small_config(tmp_path)
    peer = NumpyPeer("cpu")
    res = run_peers(cfg, [peer], lambda m: None)
    ctx = context(backend="cpu", argv=["actbench-peers", "-n", "1024"], start="2026-12-02T00:00:00Z", wall_s=1.0,
                  accuracy="sampled", threads=2, cpus=[0, 1], peers=[peer.context()], scorer=res.scorer)
    out = tmp_path / "peers.json"
    write_peers_report(out, document(ctx, res), force=False)
    rep = load_report(out)
    assert {k.impl for k in rep.records} == {"jax-jit"}
    assert rep.context["peers"][0]["version"] == np.__version__
    assert rep.context["git_sha"] == "abc"
    assert rep.roofline_entry("cpu", 0, "f32", 1024, "jax-jit") is not None
    with pytest.raises(FileExistsError):
        write_peers_report(out, document(ctx, res), force=False)  # never replaced silently
    write_peers_report(out, document(ctx, res), force=True)
    broken = document(ctx, res)
    broken["benchmarks"][0]["impl"] = "numpy"
    with pytest.raises(ValueError, match="does not validate"):
        write_peers_report(tmp_path / "b.json", broken, force=False)


# --------------------------------------------------------------------------------------------
# rounds: each implementation's fastest round


def _set_speed(rec: dict, gbps: float) -> None:
    rec["gbps"] = gbps
    rec["timing"]["hot"]["median_ns"] = rec["bytes"] / gbps
    rec["real_time"] = rec["cpu_time"] = rec["bytes"] / gbps


def test_combine_keeps_each_cases_fastest_round_against_the_fastest_copy(tmp_path):
    cfg = small_config(tmp_path, activations=["relu", "sigmoid", "tanh"], dtypes=["f32"],
                       params={"relu": {}, "sigmoid": {}, "tanh": {}})
    r0 = run_peers(cfg, [NumpyPeer("cpu")], lambda m: None)
    r1 = run_peers(small_config(tmp_path, activations=["relu", "sigmoid", "tanh"], dtypes=["f32"], accuracy="off",
                                params={"relu": {}, "sigmoid": {}, "tanh": {}}), [NumpyPeer("cpu")], lambda m: None)

    def find(res, a, d):
        return next(b for b in res.benchmarks if (b["activation"], b["direction"]) == (a, d))
    _set_speed(find(r0, "relu", "fwd"), 10.0)
    _set_speed(find(r1, "relu", "fwd"), 30.0)      # round 1 faster
    _set_speed(find(r0, "sigmoid", "fwd"), 20.0)   # round 0 faster
    _set_speed(find(r1, "sigmoid", "fwd"), 5.0)
    # round 1's copy is faster but marked unstable (and its records carry the reason, as the runner writes them):
    # round 0's copy is kept, and the records kept from round 1 lose that reason
    r0.roofline[0]["copy"]["gbps"], r1.roofline[0]["copy"]["gbps"] = 40.0, 60.0
    r0.roofline[0]["copy_kernel"]["gbps"] = 20.0
    r1.roofline[0]["suspect"] = ["roofline unstable: round 1's copy"]
    r0.roofline[0]["suspect"] = []  # (the real copies' own timing may have marked it)
    for b in r1.benchmarks:
        b["suspect"] = [*b["suspect"], "roofline unstable: round 1's copy"]
    out = combine([r0, r1], 105.0)

    assert len(out.benchmarks) == len(r0.benchmarks) == 6  # one record per case
    relu, sig = find(out, "relu", "fwd"), find(out, "sigmoid", "fwd")
    assert (relu["round"], relu["gbps"], relu["timing"]["hot"]["median_ns"]) == (1, 30.0, relu["bytes"] / 30.0)
    assert (sig["round"], sig["gbps"]) == (0, 20.0)
    assert relu["pct_of_copy_bw"] == pytest.approx(75.0) and sig["pct_of_copy_bw"] == pytest.approx(50.0)
    assert relu["pct_of_copy_kernel_bw"] == pytest.approx(150.0)
    assert [x["gbps"] for x in relu["rounds"]] == [10.0, 30.0] and [x["round"] for x in relu["rounds"]] == [0, 1]
    # the accuracy and status are the scored first round's, never round 1's "unchecked"
    assert relu["status"] == "pass" and relu["accuracy"] == find(r0, "relu", "fwd")["accuracy"]
    assert find(r1, "relu", "fwd")["status"] == "unchecked"
    # suspect reasons are recomputed against the copy kept: round 1's unstable copy is not inherited
    assert not any("round 1's copy" in why for b in out.benchmarks for why in b["suspect"])
    # a kept round 3x (relu) or 4x (sigmoid) the other: flagged, with both figures
    assert any(why == "rounds disagree: the kept round ran at 30 GB/s, the others at a median of 10 (3.0x): a state of "
               "the machine or of the implementation, not interference alone" for why in relu["suspect"])
    assert any(why.startswith("rounds disagree: the kept round ran at 20 GB/s") for why in sig["suspect"])
    roof = out.roofline[0]
    assert roof["round"] == 0 and roof["copy"]["gbps"] == 40.0 and [x["copy_gbps"] for x in roof["rounds"]] == [40, 60]
    # tanh failed in both rounds: one not_run entry, not two
    assert [(x["activation"], x["direction"]) for x in out.not_run].count(("tanh", "fwd")) == 1
    ctx = context(backend="cpu", argv=["actbench-peers", "--rounds", "2"], start="2026-12-02T00:00:00Z", wall_s=1.0,
                  accuracy="sampled", threads=2, cpus=[0, 1], peers=[NumpyPeer("cpu").context()], scorer=out.scorer)
    write_peers_report(tmp_path / "rounds.json", document(ctx, out), force=False)  # validates
    assert load_report(tmp_path / "rounds.json").records
    assert combine([r0], 105.0) is r0
    alone = combine([r0], 105.0, annotate=True)  # a run of several rounds stopped after its first
    assert all(b["round"] == 0 and len(b["rounds"]) == 1 for b in alone.benchmarks) and alone.roofline[0]["round"] == 0
    with pytest.raises(ValueError):
        combine([], 105.0)


def test_rounds_disagree_only_from_twice_the_others_median():
    from actbench_tools.peers.rounds import rounds_reason
    assert rounds_reason(19.9, [10.0]) is None and rounds_reason(15.0, [10.0, 6.0, 30.0]) is None
    assert rounds_reason(20.0, [10.0]) is not None and rounds_reason(31.5, [6.6, 6.3]) is not None
    assert rounds_reason(5.0, []) is None and rounds_reason(5.0, [0.0]) is None


def test_combine_flags_a_kept_round_faster_than_the_copy(tmp_path):
    r0 = run_peers(small_config(tmp_path, activations=["relu"], dtypes=["f32"], params={"relu": {}}),
                   [NumpyPeer("cpu")], lambda m: None)
    r1 = copy.deepcopy(r0)
    for b in r1.benchmarks:
        b["timing"]["hot"]["converged"] = True
    _set_speed(r1.benchmarks[0], 1000.0)
    r0.roofline[0]["copy"]["gbps"] = r1.roofline[0]["copy"]["gbps"] = 100.0
    rec = combine([r0, r1], 105.0).benchmarks[0]
    assert rec["round"] == 1 and rec["pct_of_copy_bw"] == pytest.approx(1000.0)
    assert any(why.startswith("pct_of_copy_bw 1000.0% > 105%") for why in rec["suspect"])


def test_rounds_alternate_and_every_round_is_written(tmp_path, monkeypatch, capsys):
    """--rounds: round 0 scored, the others not; the sides interleaved group by group; the report rewritten after
    each round, marked partial until the last, so that a run stopped in round 3 keeps rounds 1 and 2 (here a
    KeyboardInterrupt)."""
    calls, order = [], []

    class CountingRunner(PeerRunner):
        def run(self, peers, groups=None):
            calls.append(self.c.accuracy)
            order.append(f"peers {groups[0][1]}")
            if len(calls) == stop["at"]:
                raise KeyboardInterrupt
            return super().run(peers, groups)

    def fake_run_actbench(exe, args, threads, sizes, acts, dirs, dtypes, accuracy):
        order.append(f"actbench {sizes[0]} {accuracy}")
        return {"benchmarks": [], "not_run": [], "roofline": [], "context": {"argv": ["actbench"], "git_sha": "x"}}

    monkeypatch.setattr(cli, "find_actbench", lambda explicit: "/bin/true")
    fake = FakeActbench()
    monkeypatch.setattr(cli, "Actbench", lambda exe: fake)
    monkeypatch.setattr(cli, "open_peers", lambda impls, explicit, backend, threads: [NumpyPeer("cpu")])
    monkeypatch.setattr(cli, "PeerRunner", CountingRunner)
    monkeypatch.setattr(cli, "run_actbench", fake_run_actbench)
    out = tmp_path / "r.json"
    argv = ["-a", "relu,sigmoid", "-t", "f32", "-n", "1024,2048", "--threads", "1", "--max-time", "0.01", "-o",
            str(out)]
    stop = {"at": 0}  # the peers' call that a Ctrl-C interrupts (0: none)
    assert run("actbench-peers", cli.main, [*argv, "--rounds", "3", "--with-actbench"]) == 0
    assert calls == ["sampled", "sampled", "off", "off", "off", "off"]
    # group by group (n = 1024, 2048), the side that goes first alternating between groups and rounds
    assert order == ["actbench 1024 sampled", "peers 1024", "peers 2048", "actbench 2048 sampled",
                     "peers 1024", "actbench 1024 off", "actbench 2048 off", "peers 2048",
                     "actbench 1024 off", "peers 1024", "peers 2048", "actbench 2048 off"]
    assert len(fake.scored) == 6  # relu, sigmoid x fwd, deriv, bwd: once each, for both sizes, in round 1 only
    rep = load_report(out)
    assert not rep.partial and rep.context["rounds"]["done"] == 3 and rep.context["actbench_run"]["git_sha"] == "x"
    assert rep.context["actbench_run"]["calls"] == 6  # 2 groups x 3 rounds
    assert all(len(r["rounds"]) == 3 and r["status"] == "pass" for r in rep.raw["benchmarks"])
    for stop["at"], done in ((5, 2), (3, 1)):  # stopped in round 3, in round 2
        calls.clear()
        assert run("actbench-peers", cli.main, [*argv, "--rounds", "3", "--force"]) != 0
        rep = load_report(out)
        assert rep.partial and rep.context["rounds"]["done"] == done
        assert f"round {done} of 3" in rep.raw["partial_reason"]
        assert all(len(r["rounds"]) == done for r in rep.raw["benchmarks"])
    capsys.readouterr()
    assert run("actbench-peers", cli.main, [*argv, "--rounds", "0", "--force"]) == 2
    assert "--rounds 0" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# side by side


def peer_copy(doc: dict, impl: str, speed: float, fail: set[str] = frozenset()) -> dict:
    """The fixture's actbench records as another impl's report, `speed` times as fast."""
    out = copy.deepcopy(doc)
    out["benchmarks"] = [b for b in out["benchmarks"] if b["impl"] == "actbench" and b["variant"] == "precise"]
    for b in out["benchmarks"]:
        b["impl"] = impl
        b["name"] = b["run_name"] = b["name"].replace("/actbench/", f"/{impl}/")
        b["gbps"] *= speed
        b["pct_of_copy_bw"] *= speed
        b["suspect"] = []
        if b["activation"] in fail and b["accuracy"]:
            b["accuracy"]["pass"] = False
            b["accuracy"]["fail_reasons"] = ["out_of_bound"]
            b["accuracy"]["out_of_bound"] = 1
            b["status"] = "fail"
    out["not_run"] = []
    return out


@pytest.fixture
def machine(tmp_path):
    ours = make_fixtures.make_report("cpu", activations=("relu", "gelu"), dtypes=("f32", "bf16"))
    for b in ours["benchmarks"]:
        b["suspect"] = []
    a = write_report(tmp_path / "actbench.json", ours)
    p = write_report(tmp_path / "peers.json", peer_copy(ours, "torch-eager", 2.0, fail={"gelu"}))
    j = write_report(tmp_path / "jax.json", peer_copy(ours, "jax-jit", 0.5))
    return [load_report(x) for x in (a, p, j)], (a, p, j)


def test_rows_put_every_impl_of_a_case_together(machine):
    reports, _ = machine
    rows = peers_table.collect(reports, directions=["fwd"])
    assert peers_table.impls_of(rows) == ["actbench", "thrust", "torch-eager", "jax-jit"]
    gelu = next(r for r in rows if (r.activation, r.dtype) == ("gelu", "f32"))
    assert gelu.n == max(k.n for k in reports[0].records)
    assert gelu.actbench_vs_best_peer() == pytest.approx(0.5, rel=1e-4)  # fixtures keep 6 digits
    t = peers_table.table(rows)
    assert t.header[-2:] == ["actbench / best peer", "actbench / best passing peer"]
    row = t.rows[[r.activation for r in rows].index("gelu")]
    assert "FAIL" in str(row[t.header.index("torch-eager max ULP")])
    # torch-eager, 2x as fast, fails gelu's bound: the passing peer is jax-jit at half actbench's speed
    assert gelu.best_peer(passing=True).key.impl == "jax-jit"
    assert gelu.actbench_vs_best_peer(passing=True) == pytest.approx(2.0, rel=1e-4)
    assert row[-2].text.startswith("0.5x") and row[-1].text.startswith("2x")
    relu = next(r for r in rows if (r.activation, r.dtype) == ("relu", "f32"))
    assert relu.best_peer(passing=True).key.impl == "torch-eager"  # it passes relu
    assert relu.actbench_vs_best_peer(passing=True) == pytest.approx(0.5, rel=1e-4)
    # without jax-jit, no peer of gelu passes
    alone = peers_table.collect(reports[:2], directions=["fwd"])
    t2 = peers_table.table(alone)
    g2 = [r.activation for r in alone].index("gelu")
    assert alone[g2].best_peer(passing=True) is None and t2.rows[g2][-1].text == "none passes"
    assert "no peer passes the bound" in next(x for x in peers_table.not_ahead(alone) if x.startswith("gelu fwd f32"))
    behind = peers_table.not_ahead(rows)
    gelu_line = next(line for line in behind if line.startswith("gelu fwd f32"))
    assert "0.5x the GB/s of torch-eager" in gelu_line
    assert "2x the GB/s of jax-jit, the fastest that passes" in gelu_line
    relu_line = next(line for line in behind if line.startswith("relu fwd f32"))
    assert "passes the bound" not in relu_line  # its fastest peer passes: one ratio says it all
    assert peers_table.has_peers(reports) and not peers_table.has_peers(reports[:1])


def test_behind_lists_the_rows_slower_than_the_best_peer(machine, capsys):
    """--behind: the rows tools/peers/cpu-profile.sh profiles, one tab-separated line each."""
    reports, paths = machine
    lines = peers_table.behind(peers_table.collect(reports, directions=["fwd"]))
    # torch-eager runs at 2x actbench's speed on every row (and fails gelu): every fwd row is behind it
    assert lines and all(line.split("\t")[5] == "torch-eager" for line in lines)
    backend, act, direction, dtype, n, _, ratio, pct = lines[0].split("\t")
    assert backend == "cpu" and direction == "fwd" and int(n) > 0 and float(pct) >= 0
    assert float(ratio) == pytest.approx(0.5, rel=1e-3)
    assert run("t", peers_table.main, [*map(str, paths), "--direction", "fwd", "--behind"]) == 0
    assert capsys.readouterr().out.splitlines() == lines
    assert run("t", peers_table.main, [*map(str, paths), "--behind", "--format", "md"]) == 2
    assert "--behind" in capsys.readouterr().err


def test_grid_sums_up_one_size_against_the_chosen_peers(machine, capsys):
    """--grid: a row per activation, a column per dtype × direction, actbench / the fastest of --peers, '!' where
    that peer fails the bound; the lines under it count the cells behind a passing peer and behind failing ones only."""
    reports, paths = machine
    rows = peers_table.collect(reports)
    t, lines = peers_table.grid(rows)
    assert [str(r[0]) for r in t.rows] == ["relu", "gelu"]
    assert t.header[1:] == [f"{dt} {d}" for dt in ("f32", "bf16") for d in ("fwd", "deriv", "bwd")]
    # torch-eager (2x actbench's speed) is the fastest peer everywhere; it fails gelu's bound only (the fixture has
    # no bf16 f' case: "—")
    assert t.header.index("bf16 deriv") == 5
    assert [c.text for c in t.rows[0][1:]] == ["0.5x"] * 4 + ["—", "0.5x"]
    assert [c.text for c in t.rows[1][1:]] == ["0.5x!"] * 4 + ["—", "0.5x!"]
    # gelu: jax-jit (half actbench's speed) passes, so gelu's cells are behind failing peers only
    assert lines[0].startswith("behind a peer whose outputs pass the bound: 5 (relu f32 fwd, ")
    assert lines[1].startswith("behind only peers whose outputs fail it: 5 (gelu f32 fwd, ")
    assert lines[2] == "behind an unscored peer, no passing one: 0"
    assert "the fastest of torch-eager, jax-jit" in t.caption  # torch-compile is not in these reports
    # among jax-jit alone: every cell 2x, nothing behind
    t2, lines2 = peers_table.grid(rows, ["jax-jit"])
    assert {c.text for r in t2.rows for c in r[1:]} == {"2x", "—"} and all(x.endswith(": 0") for x in lines2)
    assert "the fastest of jax-jit " in t2.caption
    argv = [*map(str, paths), "--grid", "--peers", "torch-eager,jax-jit,jax-jit", "--format", "md"]
    assert run("t", peers_table.main, argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("| activation | f32 fwd |") and "| gelu | 0.5x! |" in out and "- behind a peer" in out
    assert run("t", peers_table.main, [*map(str, paths), "--grid"]) == 0  # text
    assert "  behind only peers whose outputs fail it: 5" in capsys.readouterr().out
    for bad, why in ((["--grid", "--peers", "torch"], "--peers takes"), (["--grid", "--behind"], "--grid"),
                     (["--grid", "--format", "html"], "--format html"), (["--peers", "jax-jit"], "give --grid"),
                     (["--grid", "--n", "12345"], "check --n"), (["--grid", "--peers", "torch-compile"], "none of")):
        assert run("t", peers_table.main, [*map(str, paths), *bad]) == 2, bad
        assert why in capsys.readouterr().err, bad


def test_grid_marks_suspect_and_large_ratios_and_counts_a_passing_peer_passed_over(tmp_path):
    """A ratio resting on a suspect timing is marked ' ?', one of 10 or more has no exponent; a passing peer faster
    than actbench counts a cell as behind a passing peer even where the fastest peer (the cell's ratio) is another,
    slower one, chosen because the passing one was timed faster than its own in-run copy."""
    ours = make_fixtures.make_report("cpu", activations=("relu", "gelu"), dtypes=("f32",))
    for b in ours["benchmarks"]:
        b["suspect"] = []
    slow = peer_copy(ours, "jax-jit", 1 / 150, fail={"relu", "gelu"})
    for b in slow["benchmarks"]:
        if b["activation"] == "gelu":
            b["suspect"] = ["hot timing did not converge (200 samples, spread 20.8%)"]
    implausible = peer_copy(ours, "torch-eager", 2.0)
    for b in implausible["benchmarks"]:
        b["suspect"] = ["pct_of_copy_bw 180.0% > 105%: faster than the in-run copy"]
    reports = [load_report(write_report(tmp_path / f"{k}.json", d))
               for k, d in (("a", ours), ("j", slow), ("t", implausible))]
    t, lines = peers_table.grid(peers_table.collect(reports, directions=["fwd"]))
    # the passing peer ahead is shown only by '*' (and '?': its timing is the one passed over)
    assert [c.text for r in t.rows for c in r[1:]] == ["150x! * ?", "150x! * ?"]
    assert lines[0] == "behind a peer whose outputs pass the bound: 2 (relu f32 fwd, gelu f32 fwd)"
    # without actbench's records: an error, not a summary of zeros
    with pytest.raises(UsageError, match="no actbench records"):
        peers_table.grid(peers_table.collect(reports[1:], directions=["fwd"]))


def test_grid_takes_one_size_and_one_backend(machine):
    reports, _ = machine
    rows = peers_table.collect(reports)
    other = peers_table.Row(rows[0].backend, rows[0].activation, rows[0].direction, rows[0].dtype, rows[0].n + 1,
                            rows[0].cells)
    with pytest.raises(UsageError, match="one size"):
        peers_table.grid([*rows, other])
    gpu = peers_table.Row("cuda", *(getattr(rows[0], k) for k in ("activation", "direction", "dtype", "n")),
                          rows[0].cells)
    with pytest.raises(UsageError, match="one backend"):
        peers_table.grid([*rows, gpu])
    with pytest.raises(UsageError, match="no precise records"):
        peers_table.grid([])


def test_behind_takes_relu_like_rows_under_90_percent_of_copy(tmp_path):
    """Ahead of every peer, a relu-like row under 90% of the in-run copy is still short of the cpu target; an
    exp-family row is not."""
    ours = make_fixtures.make_report("cpu", activations=("relu", "gelu"), dtypes=("f32",))
    for b in ours["benchmarks"]:
        b["suspect"] = []
        if b.get("pct_of_copy_bw") is not None:
            b["pct_of_copy_bw"] = 50.0 if b["direction"] == "fwd" else 95.0
    reports = [load_report(write_report(tmp_path / "a.json", ours)),
               load_report(write_report(tmp_path / "j.json", peer_copy(ours, "jax-jit", 0.5)))]
    rows = peers_table.collect(reports)
    assert rows and all(r.actbench_vs_best_peer() > 1 for r in rows)
    short = {tuple(line.split("\t")[1:4]) for line in peers_table.behind(rows)}
    assert short == {("relu", "fwd", "f32")}


def test_a_ratio_from_suspect_timings_is_shown_and_marked(tmp_path):
    """On a noisy machine every timing may be suspect: the ratio is still given, marked '?'. A peer marked faster
    than its own in-run copy is passed over for a slower one; a faster peer whose timing did not converge or whose
    copy drifted is not (skipping those would let the ratio pick whichever peer converged)."""
    ours = make_fixtures.make_report("cpu", activations=("gelu",), dtypes=("f32",))
    for b in ours["benchmarks"]:
        b["suspect"] = ["hot timing did not converge (200 samples, spread 20.8%)"]
    torch = peer_copy(ours, "torch-eager", 2.0)
    jax = peer_copy(ours, "jax-jit", 4.0)
    compiled = peer_copy(ours, "torch-compile", 8.0)
    for b in jax["benchmarks"]:
        b["suspect"] = ["roofline unstable: the copy ran at 50 GB/s before the cases and 20 GB/s after"]
    for b in compiled["benchmarks"]:
        b["suspect"] = ["pct_of_copy_bw 180.0% > 105%: faster than the in-run copy"]
    reports = [load_report(write_report(tmp_path / f"{k}.json", d))
               for k, d in (("a", ours), ("t", torch), ("j", jax), ("c", compiled))]
    row = next(r for r in peers_table.collect(reports, directions=["fwd"]) if r.dtype == "f32")
    assert row.best_peer().key.impl == "jax-jit"  # the fastest whose GB/s is not in doubt
    assert row.actbench_vs_best_peer() == pytest.approx(0.25, rel=1e-4) and row.ratio_suspect()
    t = peers_table.table([row])
    assert str(t.rows[0][-2].text) == "0.25x ?"
    assert str(t.rows[0][-1].text) == "0.25x ?"  # every peer passes: the best passing one is the best one
    assert any("(suspect timing)" in line for line in peers_table.not_ahead([row]))
    only_implausible = peers_table.collect(reports[::3], directions=["fwd"])  # actbench and torch-compile
    assert next(r for r in only_implausible if r.dtype == "f32").best_peer().key.impl == "torch-compile"


def test_unscored_peers_are_not_failing_ones(tmp_path):
    """A peer without an accuracy verdict (run with --accuracy off) is not counted as passing, and a row whose peers
    were none of them scored says so ("unscored"; --grid "u"), not that they fail."""
    ours = make_fixtures.make_report("cpu", activations=("relu",), dtypes=("f32",))
    for b in ours["benchmarks"]:
        b["suspect"] = []
    unscored = peer_copy(ours, "torch-eager", 2.0)
    for b in unscored["benchmarks"]:
        b["accuracy"], b["status"] = None, "unchecked"
    reports = [load_report(write_report(tmp_path / "a.json", ours)),
               load_report(write_report(tmp_path / "t.json", unscored))]
    rows = peers_table.collect(reports, directions=["fwd"])
    t = peers_table.table(rows)
    assert [str(r[-1].text) for r in t.rows] == ["unscored"] * len(rows)
    assert all("passes" not in line for line in peers_table.not_ahead(rows))
    # --grid: "u" (not passing, not known to fail), counted on a line of their own
    g, lines = peers_table.grid(rows)
    assert [c.text for c in g.rows[0][1:]] == ["0.5x u"]
    assert lines == ["behind a peer whose outputs pass the bound: 0", "behind only peers whose outputs fail it: 0",
                     "behind an unscored peer, no passing one: 1 (relu f32 fwd)"]
    # a faster peer that fails: the cell shows it ('!'), and is still counted behind the unscored one it also trails
    failing = peer_copy(ours, "jax-jit", 4.0, fail={"relu"})
    rows = peers_table.collect([*reports, load_report(write_report(tmp_path / "j.json", failing))], directions=["fwd"])
    g, lines = peers_table.grid(rows)
    assert [c.text for c in g.rows[0][1:]] == ["0.25x!"]
    assert lines[1].endswith(": 0") and lines[2].endswith(": 1 (relu f32 fwd)")


def test_a_fixed_n_shows_missing_cells(machine):
    reports, _ = machine
    rows = peers_table.collect(reports, n=1024)
    assert rows and all(r.n == 1024 for r in rows)


def test_compare_side_by_side_and_the_readme_block(machine, tmp_path, capsys):
    _, paths = machine
    assert run("actbench-compare", compare.main, ["--side-by-side", *map(str, paths), "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "| torch-eager GB/s (% copy) |" in out and "actbench is not ahead" in out
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- peers-table:start (none yet) -->\nold\n<!-- peers-table:end -->\nrest\n")
    assert run("t", peers_table.main, [*map(str, paths), "--direction", "fwd", "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n<!-- peers-table:start generated by: python -m actbench_tools.peers_table ")
    assert "--direction fwd --readme README.md -->" in text
    assert text.endswith("<!-- peers-table:end -->\nrest\n")
    assert "old" not in text and "| jax-jit GB/s (% copy) |" in text
    (tmp_path / "plain.md").write_text("no markers")
    assert run("t", peers_table.main, [str(paths[0]), "--readme", str(tmp_path / "plain.md")]) == 2


def test_the_readme_block_is_what_its_command_generates(tmp_path, monkeypatch):
    """README.md's peers table: the placeholder, or exactly what the command in its start marker writes."""
    import re
    import shlex

    readme = make_fixtures.HERE.parents[1] / "README.md"
    if not readme.exists():
        pytest.skip("not in the actbench source tree")
    text = readme.read_text()
    assert peers_table.README_START in text and peers_table.README_END in text
    m = re.search(r"<!-- peers-table:start generated by: python -m actbench_tools.peers_table (.*) "
                  r"--readme README.md -->", text)
    if m is None:
        assert "No peers report is committed yet" in text
        return
    copy_ = tmp_path / "README.md"
    copy_.write_text(text)
    monkeypatch.chdir(readme.parent)
    args = shlex.split(m.group(1))
    scratch, figure = str(tmp_path / "figure.png"), None
    if "--figure" in args:  # the figure goes to a scratch file here: the test checks it is drawn, not its pixels
        i = args.index("--figure")
        figure = args[i + 1]
        assert (readme.parent / figure).exists(), f"{figure}: named by README's peers block, not committed"
        args[i + 1] = scratch
    assert run("t", peers_table.main, [*args, "--readme", str(copy_)]) == 0
    assert (copy_.read_text().replace(scratch, figure) if figure else copy_.read_text()) == text
    assert "--figure" not in args or (tmp_path / "figure.png").stat().st_size > 10_000


def test_the_html_report_and_plot_have_the_side_by_side(machine, tmp_path):
    _, paths = machine
    assert run("actbench-report", report.main, [*map(str, paths), "-o", str(tmp_path / "out"), "--no-curves"]) == 0
    page = (tmp_path / "out" / "report.html").read_text()
    assert "Side by side: actbench and its peers" in page and "torch-eager max ULP" in page
    assert (tmp_path / "out" / "figures" / "side_by_side_cpu_fwd.png").exists()
    assert "## Side by side" in (tmp_path / "out" / "summary.md").read_text()


def test_parse_report_accepts_peer_impls(machine):
    reports, paths = machine
    doc = json.loads(paths[1].read_text())
    assert parse_report(paths[1], doc).records


def test_peer_loop_runs_the_op_and_reports_unsupported_cases(monkeypatch, capsys):
    """actbench_tools.peers.loop (what cpu-profile.sh profiles): the peer's op in a loop, one line; an op the
    framework lacks is one error line and exit 2."""
    from actbench_tools.peers import loop

    monkeypatch.setattr(loop, "peer_class", lambda impl: NumpyPeer)
    monkeypatch.setattr(loop, "pin_threads", lambda threads: list(range(threads)))  # keep pytest's affinity
    argv = ["--impl", "jax-jit", "--direction", "fwd", "-t", "f32", "-n", "2^10", "--seconds", "0.05", "--threads", "1"]
    assert run(loop.PROG, loop.main, ["-a", "relu", *argv]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "relu fwd f32 n=1024" in err[0] and "GB/s" in err[0]
    assert run(loop.PROG, loop.main, ["-a", "gelu", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot run gelu" in err[0]
    for bad, needle in ((["-a", "nope"], "unknown activation 'nope'"), (["-a", "relu", "--seconds", "0"], "--seconds"),
                        (["-a", "relu", "--seconds", "nan"], "--seconds")):
        assert run(loop.PROG, loop.main, [*argv, *bad]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and needle in err[0], err
    from actbench_tools.peers import frameworks

    monkeypatch.setattr(loop, "pin_threads", frameworks.pin_threads)  # refuses before it pins anything
    assert run(loop.PROG, loop.main, ["-a", "relu", *argv, "--threads", "100000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--threads 100000" in err[0], err


@pytest.mark.parametrize("args, needle", [
    (["OUT.md", "-a", "relu"], "-a, -t and --direction are required"),
    (["--behind", "REPORT", "OUTDIR", "-n", "abc"], "-n abc: give N or 2^K"),
    (["--behind", "MISSING", "OUTDIR"], "cannot read"),
    (["--behind", "TRUNCATED", "OUTDIR"], "truncated JSON"),
])
def test_cpu_profile_refuses_bad_arguments_with_one_line(tmp_path, args, needle):
    """tools/peers/cpu-profile.sh: argument and report errors before any perf run (perf not needed)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "peers" / "cpu-profile.sh"
    truncated = tmp_path / "t.json"
    truncated.write_text('{"benchmarks": [')
    subst = {"OUT.md": str(tmp_path / "o.md"), "REPORT": str(truncated), "OUTDIR": str(tmp_path / "d"),
             "MISSING": str(tmp_path / "none.json"), "TRUNCATED": str(truncated)}
    env = {**os.environ, "ACTBENCH_VENV": str(Path(sys.executable).parents[1])}
    out = subprocess.run(["bash", str(script), *(subst.get(a, a) for a in args)], capture_output=True, text=True,
                         env=env, check=False)
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and needle in lines[0], out.stderr


def test_a_ratio_that_is_not_1_never_prints_as_1x():
    """The tables' ratios take two significant digits, more where those would round a ratio that is not 1 to 1x."""
    assert [peers_table.ratio_text(v) for v in (0.61, 2.44, 1.0, 0.997, 1.0004, 0.95, 10.7)] == \
        ["0.61x", "2.4x", "1x", "0.997x", "1.0004x", "0.95x", "11x"]
