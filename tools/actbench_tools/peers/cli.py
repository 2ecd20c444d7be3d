"""actbench-peers: measure and score PyTorch (eager, torch.compile) and JAX (jit) the way actbench measures its
own kernels, on actbench's inputs, and write an actbench report (schema v2).

Every case runs on the benchmark data actbench's timed cases read (`actbench inputs --n N --seed S`) and is
scored by `actbench score` on actbench's accuracy set, held to the precise bound. Timing follows actbench's
stopping rule for the backend; the roofline is each framework's own copy of the same bytes, in the same run.
The process is pinned to --threads cpus (default: all this process may use, as actbench's cpu backend).

examples:
  actbench-peers --backend cpu -n 2^22 -o results/peers-cpu.json
  actbench-peers --impl jax-jit -a gelu,relu -t f32,bf16 --direction fwd -n 2^20 -o /tmp/p.json
  OMP_NUM_THREADS=2 build/actbench --backend cpu --impl actbench --variant precise --sizes 2^22 \\
      --out results/actbench-cpu.json            # actbench's own kernels on the same n, threads and data
  actbench-compare --side-by-side results/actbench-cpu.json results/peers-cpu.json
  actbench-peers --with-actbench -n 2^22,2^24 -o results/cpu-comparison.json   # both in one report
  actbench-peers --with-actbench --rounds 3 -o results/cpu-comparison.json       # each side's fastest of 3 rounds

With --with-actbench the two sides take turns group by group (one dtype and n: actbench's kernels, then the
frameworks', or the other way round, alternating), so both sides of a case run within a minute of each other.
--rounds R measures everything R times over, the side that goes first alternating between rounds too, and
keeps for every implementation its fastest round of each case and of each in-run copy: on a shared machine
speed drifts between minutes, and interference only slows a run down. Each record lists
every round's figures (`rounds`) and names the one kept (`round`); accuracy is scored in the first round. The
report is rewritten after every round, marked partial until the last, so an interrupted run keeps its rounds.

Exit status: 0 done, 2 bad input (an unknown name, no actbench binary, an existing -o without --force),
3 a framework asked for is not installed (or has no such device); a case the framework cannot run is
recorded under not_run with its reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from .. import catalog
from ..cli_common import UsageError, note, parser, run
from . import IMPLS
from .exchange import Actbench, ExchangeError
from .frameworks import INSTALL, FrameworkMissing, Peer, peer_class, pin_threads
from .host import last_level_cache_bytes
from .rounds import combine
from .runner import MAX_PCT_OF_COPY, PeerResults, PeerRunner, RunConfig
from .timing import default_rule
from .writer import context, document, utc_now, write_report

PROG = "actbench-peers"
EXIT_UNAVAILABLE = 3
ROOT = Path(__file__).resolve().parents[3]


def split(values: list[str] | None) -> list[str]:
    return [v for item in values or [] for v in item.split(",") if v]


def choose(values: list[str] | None, valid: tuple[str, ...], what: str, default: tuple[str, ...]) -> list[str]:
    """The named values in the catalog's order (unknown ones: UsageError listing the valid)."""
    names = split(values)
    aliases = {a: act.name for act in catalog.activations() for a in act.aliases} if what == "activation" else {}
    names = [aliases.get(v, v) for v in names]
    bad = [v for v in names if v not in valid]
    if bad:
        raise UsageError(f"unknown {what} '{bad[0]}' (valid: {', '.join(valid)})")
    return [v for v in valid if v in names] if names else list(default)


def parse_size(text: str) -> int:
    try:
        n = 2 ** int(text[2:]) if text.startswith("2^") else int(text)
    except ValueError:
        raise UsageError(f"bad size '{text}' (N or 2^K)") from None
    if n < 1:
        raise UsageError(f"bad size '{text}': must be at least 1")
    return n


def activation_params(activations: list[str], assignments: list[str]) -> dict[str, dict[str, float]]:
    """Each activation's parameters: the catalog's defaults, then --param key=value (every selected activation
    that has key) or activation.key=value, as actbench's --param."""
    integer = {(a.name, k) for a in catalog.activations() for k, v in a.parameters.items()
               if str(v["domain"]).startswith("integer")}  # prelu's channels: written as actbench writes them

    def typed(act: str, key: str, v: float) -> float:
        return int(v) if (act, key) in integer and float(v).is_integer() else float(v)

    params = {a.name: {k: typed(a.name, k, v["default"]) for k, v in a.parameters.items()}
              for a in catalog.activations()}
    for item in assignments:
        key, eq, value = item.partition("=")
        try:
            v = float(value)
        except ValueError:
            v = float("nan")
        if not eq or v != v or v in (float("inf"), float("-inf")):
            raise UsageError(f"--param '{item}': expected key=value with a finite number")
        act, dot, k = key.rpartition(".")
        targets = [act] if dot else [a for a in activations if key in params[a]]
        if not targets or any(t not in params or k not in params[t] for t in targets):
            raise UsageError(f"--param '{item}': no selected activation has a parameter '{key}'")
        for t in targets:
            params[t][k] = typed(t, k, v)
    return {a: params[a] for a in activations}


def find_actbench(explicit: str | None) -> str:
    for cand in ([explicit] if explicit else [os.environ.get("ACTBENCH_BIN"), str(ROOT / "build" / "actbench"),
                                               str(ROOT / "build-host" / "actbench"), shutil.which("actbench")]):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    raise UsageError(f"no actbench binary{' at ' + explicit if explicit else ''} (build it: bash tools/dev.sh build; "
                     "or give --actbench PATH)")


def build_parser():
    ap = parser(PROG, __doc__, raw_epilog=True)
    ap.add_argument("--impl", action="append", metavar="LIST",
                    help=f"{', '.join(IMPLS)} (default: every one whose framework is installed)")
    ap.add_argument("--backend", choices=("cpu", "cuda"), default="cpu", help="default: %(default)s")
    ap.add_argument("-n", "--sizes", action="append", metavar="LIST",
                    help="element counts, N or 2^K, comma-separated (default: 2^22)")
    ap.add_argument("-a", "--activation", action="append", metavar="LIST", help="default: all")
    ap.add_argument("--direction", action="append", metavar="LIST", help="fwd, deriv, bwd (default: all)")
    ap.add_argument("-t", "--dtype", action="append", metavar="LIST", help="f32, f16, bf16, f64 (default: all)")
    ap.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                    help="activation parameter, as actbench's --param (frameworks without it skip the case)")
    ap.add_argument("--accuracy", choices=("sampled", "off"), default="sampled",
                    help="score the outputs on actbench's sampled accuracy set (default) or not at all")
    ap.add_argument("--threads", type=int, metavar="N",
                    help="cpus to run on (default: all this process may use, as actbench's cpu backend)")
    ap.add_argument("--seed", type=int, default=20261127, help="actbench's --seed (default: %(default)s)")
    ap.add_argument("--max-time", type=float, metavar="S", help="time cap per measurement (actbench's --max-time)")
    ap.add_argument("--noise", type=float, metavar="PCT", help="stop when stddev/mean is under PCT %%")
    ap.add_argument("--actbench", metavar="PATH", help="the actbench binary (default: build/actbench, then PATH)")
    ap.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="the report to write")
    ap.add_argument("--force", action="store_true", help="replace --output if it exists")
    ap.add_argument("--with-actbench", action="store_true",
                    help="also run actbench's own kernels (impl actbench, precise) on the same cases, n, threads "
                         "and seed, the two sides taking turns per dtype and n (which goes first alternating), and "
                         "put their records in the same report")
    ap.add_argument("--rounds", type=int, default=1, metavar="R",
                    help="measure everything R times, alternating which side runs first, and keep each "
                         "implementation's fastest round per case and per copy (default: %(default)s)")
    return ap


def open_peers(impls: list[str], explicit: bool, backend: str, threads: int) -> list[Peer]:
    peers = []
    for impl in impls:
        try:
            peer = peer_class(impl)(backend)
        except FrameworkMissing as e:
            if explicit:
                raise
            note(PROG, f"{impl} skipped: {e}")
            continue
        peer.set_threads(threads)
        peers.append(peer)
    if not peers:
        raise FrameworkMissing("no framework is installed: " + "; ".join(f"{k}: {v}" for k, v in INSTALL.items()))
    return peers


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    argv = argv if argv is not None else sys.argv[1:]
    start, t0 = utc_now(), time.monotonic()
    impls = choose(args.impl, IMPLS, "impl", IMPLS)
    acts = choose(args.activation, catalog.activation_names(), "activation", catalog.activation_names())
    dirs = choose(args.direction, catalog.direction_order(), "direction", catalog.direction_order())
    dtypes = choose(args.dtype, catalog.dtype_order(), "dtype", catalog.dtype_order())
    sizes = sorted({parse_size(s) for s in split(args.sizes)}) or [1 << 22]
    params = activation_params(acts, args.param)
    if args.output.exists() and not args.force:
        raise UsageError(f"{args.output} exists (give --force to replace it)")
    if args.output.is_dir():
        raise UsageError(f"{args.output} is a folder, not a report file name")
    for v, name in ((args.max_time, "--max-time"), (args.noise, "--noise")):
        if v is not None and not v > 0:
            raise UsageError(f"{name} must be > 0")
    if args.rounds < 1:
        raise UsageError(f"--rounds {args.rounds}: give at least 1")
    exe = find_actbench(args.actbench)
    allowed = len(os.sched_getaffinity(0))
    threads = args.threads if args.threads is not None else allowed
    try:
        cpus = pin_threads(threads)  # before any framework starts its thread pools
    except ValueError as e:
        raise UsageError(str(e)) from None
    try:
        peers = open_peers(impls, args.impl is not None, args.backend, threads)
    except FrameworkMissing as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    note(PROG, f"{', '.join(p.impl for p in peers)} on {args.backend} with {threads} thread(s): "
               f"{len(acts)} activation(s) x {len(dirs)} direction(s) x {len(dtypes)} dtype(s) x {len(sizes)} size(s)")
    config = RunConfig(backend=args.backend, sizes=sizes, activations=acts, directions=dirs, dtypes=dtypes,
                       params=params, rule=default_rule(args.backend, args.max_time,
                                                        None if args.noise is None else args.noise / 100),
                       actbench=Actbench(exe), accuracy=args.accuracy, seed=args.seed,
                       cache_bytes=_device_fact(peers, args.backend, "cache_bytes") or last_level_cache_bytes())
    rounds: list[PeerResults] = []
    own_context: dict | None = None
    for r in range(args.rounds):
        cfg = config if r == 0 else replace(config, accuracy="off")  # accuracy does not change between rounds
        if args.rounds > 1:
            note(PROG, f"round {r + 1} of {args.rounds}")
        runner = PeerRunner(cfg, lambda m: note(PROG, m))
        own: list[dict] = []
        # group by group (dtype, n), the side that goes first alternating: both sides of a case run within
        # a minute of each other, and neither is always first
        for g, (dtype, n) in enumerate(runner.groups()):
            for side in (("actbench", "peers") if (r + g) % 2 == 0 else ("peers", "actbench")):
                if side == "actbench" and args.with_actbench:
                    own.append(run_actbench(exe, args, threads, [n], acts, dirs, [dtype], cfg.accuracy))
                elif side == "peers":
                    try:
                        runner.run(peers, [(dtype, n)])
                    except ExchangeError as e:
                        raise UsageError(f"actbench: {e}") from None
        results = runner.results
        if own:  # actbench's records first
            results.benchmarks[:0] = [b for o in own for b in o["benchmarks"]]
            results.not_run[:0] = [x for o in own for x in o.get("not_run", [])]
            results.roofline[:0] = [dict(e, impl="actbench") for o in own for e in o["roofline"]]
            own_context = own_context or dict(own[0]["context"], calls=0, wall_time_s=0.0)
            for o in own:  # every call's wall time; the build of the first (one binary: the same for all)
                own_context["calls"] += 1
                own_context["wall_time_s"] += o["context"].get("wall_time_s", 0.0)
        rounds.append(results)
        last = r + 1 == args.rounds
        if not last:  # what the rounds so far measured, kept if the run stops here
            _write(args, start, t0, argv, threads, cpus, peers, config, own_context, rounds,
                   f"round {r + 1} of {args.rounds}: the rounds after it did not run", force=args.force or r > 0)
    results = _write(args, start, t0, argv, threads, cpus, peers, config, own_context, rounds, None,
                     force=args.force or args.rounds > 1)
    fails = sum(1 for b in results.benchmarks if b["status"] == "fail")
    note(PROG, f"{len(results.benchmarks)} cases timed ({fails} outside actbench's precise bound), "
               f"{len(results.not_run)} not run; wrote {args.output}")
    return 0


def _write(args, start: str, t0: float, argv, threads: int, cpus: list[int], peers: list[Peer], config: RunConfig,
           own_context: dict | None, rounds: list[PeerResults], partial_reason: str | None,
           force: bool) -> PeerResults:
    """The report of the rounds so far (each implementation's fastest round), written atomically."""
    results = combine(rounds, MAX_PCT_OF_COPY, annotate=args.rounds > 1)
    ctx = context(backend=args.backend, argv=[PROG, *argv], start=start, wall_s=time.monotonic() - t0,
                  accuracy=args.accuracy, threads=threads, cpus=cpus,
                  peers=[p.context() for p in peers], scorer=results.scorer,
                  device_name=_device_fact(peers, args.backend, "device_name"),
                  cache_bytes=config.cache_bytes)
    if args.rounds > 1:
        ctx["rounds"] = {"asked": args.rounds, "done": len(rounds),
                         "method": "every case and in-run copy measured once per round, the sides taking "
                                   "turns per dtype and n, the side that went first alternating; each record "
                                   "keeps its implementation's fastest round (round, rounds), its % of copy "
                                   "against the kept copy (the fastest not marked unstable); accuracy scored in "
                                   "round 0"}
    if own_context is not None:  # what ran actbench's own cases: its build and ISA, the first call's command line
        ctx["actbench_run"] = {k: own_context[k] for k in ("argv", "git_sha", "cxx_flags", "host_isa",
                                                           "wall_time_s", "compiler", "calls") if k in own_context}
        ctx["actbench_run"]["how"] = ("one call per dtype and n and round, each beside the frameworks' group: argv is "
                                      "the first call's, wall_time_s the sum of all")
    write_report(args.output, document(ctx, results, partial_reason), force)
    return results


def run_actbench(exe: str, args, threads: int, sizes: list[int], acts, dirs, dtypes, accuracy: str) -> dict:
    """actbench's own kernels on the same cases (precise, impl actbench), n, threads and seed: its report."""
    with tempfile.TemporaryDirectory(prefix="actbench-peers-") as tmp:
        out = Path(tmp) / "actbench.json"
        cmd = [exe, "--backend", args.backend, "--impl", "actbench", "--variant", "precise",
               "--sizes", ",".join(map(str, sizes)), "-a", ",".join(acts), "--direction", ",".join(dirs),
               "-t", ",".join(dtypes), "--seed", str(args.seed), "--out", str(out), "--force"]
        cmd += [a for p in args.param for a in ("--param", p)]
        if args.max_time is not None:
            cmd += ["--max-time", str(args.max_time)]
        if accuracy == "off":
            cmd += ["--accuracy", "off"]
        note(PROG, "actbench's own kernels: " + " ".join(cmd[1:]))
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # 1: a precise case failed its bound (the report says which); anything else wrote no usable report
        if done.returncode not in (0, 1) or not out.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise UsageError(f"actbench (--with-actbench) exited with {done.returncode}: {last}")
        return json.loads(out.read_text(encoding="utf-8"))


def _device_fact(peers: list[Peer], backend: str, key: str):
    """A GPU's name or cache size as a framework reports it (None on the cpu: the host's facts apply)."""
    if backend != "cuda":
        return None
    return next((p.context()[key] for p in peers if p.context().get(key)), None)


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
