"""What every peer framework provides to the runner, and how a missing one is reported.

A peer turns (activation, direction, dtype, parameters) into an :class:`Op`: a callable on the framework's own
arrays, timed as the framework runs it, plus a sentence saying how it computes (a forward function, the
framework's backward op, or autograd). Arrays cross the boundary as NumPy bit patterns (exchange.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


class FrameworkMissing(Exception):
    """The framework is not installed here (one line, with the command that installs it)."""


class Unsupported(Exception):
    """The framework has no such function, dtype or parameter value (the reason lands in not_run)."""


#: How to install each framework (tools/requirements-peers-*.txt pin the versions).
INSTALL = {"torch": "pip install -r tools/requirements-peers-torch.txt (PyPI's wheel brings several GB of CUDA "
                    "libraries)",
           "jax": "pip install -r tools/requirements-peers.txt (CPU JAX, a few hundred MB)"}


@dataclass
class Op:
    """One timed function: `run(*args)` on framework arrays; `args` the benchmark data's arguments in order."""

    run: Callable[..., Any]
    how: str  # e.g. "torch.ops.aten.gelu_backward(dy, x)", "autograd: jax.vjp"
    inputs: tuple[str, ...] = ("x",)  # which arrays run() takes: x, dy, ones, y (the forward's output), saved


class Peer:
    """A framework configuration (impl). Subclasses fill in the framework's side."""

    impl = ""
    framework = ""

    def __init__(self, backend: str):
        self.backend = backend

    # -- the framework --------------------------------------------------------------------------
    def version(self) -> str:
        raise NotImplementedError

    def context(self) -> dict:
        """What the report's context says about this peer (version, how it was set up)."""
        return {"impl": self.impl, "framework": self.framework, "version": self.version()}

    def set_threads(self, threads: int) -> None:
        """Pins the framework's intra-op threads (the process's affinity is set before import)."""

    # -- arrays ---------------------------------------------------------------------------------
    def to_device(self, bits: np.ndarray, dtype: str) -> Any:
        raise NotImplementedError

    def to_bits(self, array: Any, dtype: str) -> np.ndarray:
        raise NotImplementedError

    def like(self, x: Any, value: float) -> Any:
        """An array shaped and typed like x filled with value (dy of ones for deriv)."""
        raise NotImplementedError

    # -- what is measured -----------------------------------------------------------------------
    def op(self, activation: str, direction: str, dtype: str, params: dict[str, float]) -> Op:
        """The op of one case; Unsupported with the reason when the framework cannot run it."""
        raise NotImplementedError

    def copies(self) -> tuple[Op, Op]:
        """The in-run roofline: (the framework's copy as a user writes it, a second form), each x -> a copy."""
        raise NotImplementedError

    def time_once(self, fn: Callable[[], Any]) -> float:
        """Seconds of one call, the result complete (CUDA events on a GPU)."""
        raise NotImplementedError


def pin_threads(threads: int) -> list[int]:
    """Restricts this process to `threads` of the cpus it may run on (before a framework starts its pools:
    XLA sizes its pool from the affinity mask, OpenMP from OMP_NUM_THREADS), and returns them."""
    allowed = sorted(os.sched_getaffinity(0))
    if threads < 1 or threads > len(allowed):
        raise ValueError(f"--threads {threads}: this process may use {len(allowed)} cpu(s)")
    cpus = allowed[:threads]
    os.sched_setaffinity(0, cpus)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    return cpus


def peer_class(impl: str) -> type[Peer]:
    """The class of one impl (importing the framework happens later, in its constructor)."""
    if impl in ("torch-eager", "torch-compile"):
        from .torch_peer import TorchCompile, TorchEager
        return TorchEager if impl == "torch-eager" else TorchCompile
    if impl == "jax-jit":
        from .jax_peer import JaxJit
        return JaxJit
    raise ValueError(f"unknown impl {impl!r}")
