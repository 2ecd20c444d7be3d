"""actbench's timing method in Python: warm-up, samples until the noise rule or the cap, summary statistics.

A line-for-line mirror of harness/timing.cpp (`summarize`, `run_until_stable`) with the stopping rules of
harness/plan.cpp's `default_options` (tests/python/test_peers.py checks that the numbers still agree).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class StopRule:
    """Stop after at least `min_samples` samples and `min_time_s` of measured time, as soon as the relative
    spread (stddev/mean) is at most `max_noise`; in any case at `max_samples` samples or `max_time_s` of wall
    time (then the measurement has not converged)."""

    warmup: int = 2
    min_samples: int = 10
    max_samples: int = 2000
    min_time_s: float = 0.02
    max_time_s: float = 0.5
    max_noise: float = 0.01


#: harness/plan.cpp default_options(): the cpu backend's rule and the GPU's.
CPU_RULE = StopRule(1, 5, 200, 0.005, 0.08, 0.02)
CUDA_RULE = StopRule(3, 10, 2000, 0.02, 0.3, 0.005)


def default_rule(backend: str, max_time_s: float | None = None, max_noise: float | None = None) -> StopRule:
    rule = CPU_RULE if backend == "cpu" else CUDA_RULE
    if max_time_s is not None:
        rule = replace(rule, max_time_s=max_time_s)
    if max_noise is not None:
        rule = replace(rule, max_noise=max_noise)
    return rule


@dataclass(frozen=True)
class Stats:
    """One measurement, in seconds (the report writes nanoseconds)."""

    median: float
    min: float
    mean: float
    stddev: float
    samples: int
    rel_spread: float
    converged: bool

    def to_json(self) -> dict:
        return {"median_ns": self.median * 1e9, "min_ns": self.min * 1e9, "mean_ns": self.mean * 1e9,
                "stddev_ns": self.stddev * 1e9, "samples": self.samples, "rel_spread": self.rel_spread,
                "converged": self.converged}


def summarize(samples: list[float], converged: bool = False) -> Stats:
    """Median, min, mean, sample stddev and relative spread (harness/timing.cpp summarize)."""
    n = len(samples)
    if n == 0:
        return Stats(0.0, 0.0, 0.0, 0.0, 0, 0.0, converged)
    s = sorted(samples)
    median = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
    mean = sum(s) / n
    stddev = math.sqrt(sum((v - mean) ** 2 for v in s) / (n - 1)) if n > 1 else 0.0
    return Stats(median, s[0], mean, stddev, n, stddev / mean if mean > 0 else 0.0, converged)


def run_until_stable(sample: Callable[[], float], rule: StopRule,
                     clock: Callable[[], float] = time.perf_counter) -> Stats:
    """Times `sample()` (which returns one sample in seconds) under `rule` (harness/timing.cpp)."""
    for _ in range(rule.warmup):
        sample()
    samples: list[float] = []
    measured = 0.0
    start = clock()
    converged = False
    while len(samples) < rule.max_samples:
        t = sample()
        samples.append(t)
        measured += t
        wall = clock() - start
        if len(samples) >= rule.min_samples and measured >= rule.min_time_s:
            if summarize(samples).rel_spread <= rule.max_noise:
                converged = True
                break
        if wall >= rule.max_time_s and len(samples) >= min(rule.min_samples, 3):
            break
    return summarize(samples, converged)


def gbps_of(nbytes: float, seconds: float) -> float:
    """GB/s (1e9 bytes per second); 0 when seconds is 0 (harness/record.cpp gbps_of)."""
    return nbytes / seconds / 1e9 if seconds > 0 else 0.0
