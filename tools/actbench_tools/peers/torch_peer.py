"""PyTorch, eager and under torch.compile (Inductor).

fwd: the torch.nn.functional function. bwd: the ATen backward op that autograd calls for that function, on
what autograd saves for it (x, or the forward's output y for relu, sigmoid and tanh); deriv: the same op with
dy = 1 (what autograd gives for a gradient of ones). softsign and prelu have no backward op of their own
(softsign is a composite of abs, add and div; prelu's returns dx and dweight): they go through autograd
(torch.func.vjp), forward included. Outputs are new tensors, as a user's call makes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .exchange import bits_type
from .frameworks import INSTALL, FrameworkMissing, Op, Peer, Unsupported

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
SOFTPLUS_THRESHOLD = 20.0  # torch's default: softplus(x) = x where beta*x > 20


def _table(torch) -> dict[str, tuple[Callable | None, Callable | None, str]]:
    """activation -> (fwd(p) -> f(x), bwd(p) -> g(dy, saved) or None for autograd, what autograd saves)."""
    F, A = torch.nn.functional, torch.ops.aten

    def beta_one(name: str, f: Callable) -> Callable:
        def make(p: dict) -> Callable:
            if p.get("beta", 1.0) != 1.0:
                raise Unsupported(f"torch's {name} has no beta (only beta = 1)")
            return f
        return make

    return {
        "relu": (lambda p: F.relu, lambda p: lambda dy, y: A.threshold_backward(dy, y, 0), "y"),
        "relu6": (lambda p: F.relu6, lambda p: lambda dy, x: A.hardtanh_backward(dy, x, 0.0, 6.0), "x"),
        "leaky_relu": (lambda p: lambda x: F.leaky_relu(x, p["alpha"]),
                       lambda p: lambda dy, x: A.leaky_relu_backward(dy, x, p["alpha"], False), "x"),
        "prelu": (None, None, "x"),  # built in TorchEager.op: the weight tensor
        "elu": (lambda p: lambda x: F.elu(x, p["alpha"]),
                lambda p: lambda dy, x: A.elu_backward(dy, p["alpha"], 1.0, 1.0, False, x), "x"),
        "selu": (lambda p: F.selu, lambda p: lambda dy, x: A.elu_backward(dy, SELU_ALPHA, SELU_SCALE, 1.0, False, x),
                 "x"),
        "celu": (lambda p: lambda x: F.celu(x, p["alpha"]),
                 lambda p: lambda dy, x: A.elu_backward(dy, p["alpha"], 1.0, 1.0 / p["alpha"], False, x), "x"),
        "softplus": (lambda p: lambda x: F.softplus(x, p["beta"], SOFTPLUS_THRESHOLD),
                     lambda p: lambda dy, x: A.softplus_backward(dy, x, p["beta"], SOFTPLUS_THRESHOLD), "x"),
        "sigmoid": (lambda p: torch.sigmoid, lambda p: lambda dy, y: A.sigmoid_backward(dy, y), "y"),
        "hardsigmoid": (lambda p: F.hardsigmoid, lambda p: lambda dy, x: A.hardsigmoid_backward(dy, x), "x"),
        "tanh": (lambda p: torch.tanh, lambda p: lambda dy, y: A.tanh_backward(dy, y), "y"),
        "softsign": (lambda p: F.softsign, None, "x"),
        "swish": (beta_one("silu", F.silu), lambda p: lambda dy, x: A.silu_backward(dy, x), "x"),
        "hardswish": (lambda p: F.hardswish, lambda p: lambda dy, x: A.hardswish_backward(dy, x), "x"),
        "gelu": (lambda p: F.gelu, lambda p: lambda dy, x: A.gelu_backward(dy, x, approximate="none"), "x"),
        "gelu_tanh": (lambda p: lambda x: F.gelu(x, approximate="tanh"),
                      lambda p: lambda dy, x: A.gelu_backward(dy, x, approximate="tanh"), "x"),
        "mish": (lambda p: F.mish, lambda p: lambda dy, x: A.mish_backward(dy, x), "x"),
    }


class TorchEager(Peer):
    impl = "torch-eager"
    framework = "torch"

    def __init__(self, backend: str):
        super().__init__(backend)
        try:
            import torch
        except ImportError:
            raise FrameworkMissing(f"PyTorch is not installed: {INSTALL['torch']}") from None
        self.torch = torch
        if backend == "cuda" and not torch.cuda.is_available():
            raise FrameworkMissing("PyTorch sees no CUDA device here")
        self.device = torch.device("cuda:0" if backend == "cuda" else "cpu")
        self.table = _table(torch)
        self.dtypes = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16, "f64": torch.float64}
        self.bits = {"f32": torch.int32, "f16": torch.int16, "bf16": torch.int16, "f64": torch.int64}

    def version(self) -> str:
        return str(self.torch.__version__)

    def set_threads(self, threads: int) -> None:
        self.torch.set_num_threads(threads)

    def context(self) -> dict:
        t = self.torch
        out = {**super().context(), "threads": t.get_num_threads(), "cuda": t.version.cuda,
               "how": "fwd: torch.nn.functional; bwd: the ATen backward op autograd calls (softsign, prelu: "
                      "autograd via torch.func.vjp); deriv: that op with dy = 1; new output tensors as a user's "
                      "call makes them; timed " + ("by CUDA events" if self.backend == "cuda" else "by the wall "
                                                   "clock (cpu ops are synchronous)")}
        if self.backend == "cuda":
            out["device_name"] = t.cuda.get_device_name(self.device)
            out["cache_bytes"] = int(t.cuda.get_device_properties(self.device).L2_cache_size)
        return out

    def to_device(self, bits: np.ndarray, dtype: str) -> Any:
        signed = np.ascontiguousarray(bits).view(np.dtype(bits_type(dtype)).str.replace("u", "i"))
        return self.torch.from_numpy(signed).view(self.dtypes[dtype]).to(self.device)

    def to_bits(self, array: Any, dtype: str) -> np.ndarray:
        return array.detach().reshape(-1).view(self.bits[dtype]).cpu().numpy().view(bits_type(dtype))

    def like(self, x: Any, value: float) -> Any:
        return self.torch.full_like(x, value)

    def _prelu(self, params: dict, dtype: str) -> Callable:
        """prelu on the [N, C] layout of actbench (channel = index % C), slopes alpha*(1 + c/C) in the data's
        dtype (torch requires the weight's dtype to be the input's)."""
        torch, F = self.torch, self.torch.nn.functional
        c = int(params["channels"])
        slopes = [params["alpha"] * (1 + k / c) for k in range(c)]
        w = torch.tensor(np.array(slopes, dtype=np.float32)).to(self.dtypes[dtype]).to(self.device)

        def fwd(x):
            pad = (-x.numel()) % c  # the accuracy set's length need not be a multiple of C
            xx = F.pad(x, (0, pad)) if pad else x
            return F.prelu(xx.view(-1, c), w).reshape(-1)[: x.numel()]
        return fwd

    def functions(self, activation: str, dtype: str, params: dict) -> tuple[Callable, Callable | None, str]:
        if activation not in self.table:
            raise Unsupported(f"torch has no {activation}")
        make_fwd, make_bwd, saved = self.table[activation]
        if make_fwd is None:  # prelu: its weight tensor
            return self._prelu(params, dtype), None, saved
        return make_fwd(params), (make_bwd(params) if make_bwd else None), saved

    def op(self, activation: str, direction: str, dtype: str, params: dict[str, float]) -> Op:
        f, g, saved = self.functions(activation, dtype, params)
        if direction == "fwd":
            return Op(f, "torch.nn.functional")
        if g is None:  # autograd, the forward included
            vjp = self.torch.func.vjp
            if direction == "deriv":
                return Op(lambda x, ones: vjp(f, x)[1](ones)[0], "autograd: torch.func.vjp with dy = 1, forward "
                          "included", ("x", "ones"))
            return Op(lambda x, dy: vjp(f, x)[1](dy)[0], "autograd: torch.func.vjp, forward included", ("x", "dy"))
        what = "the forward's output y" if saved == "y" else "x"
        if direction == "deriv":
            return Op(lambda ones, s: g(ones, s), f"ATen backward op on dy = 1 and {what}", ("ones", saved))
        return Op(lambda dy, s: g(dy, s), f"ATen backward op on dy and {what}", ("dy", saved))

    def forward_output(self, activation: str, dtype: str, params: dict, x: Any) -> Any:
        """y = f(x) in the data's dtype: what autograd saves where the backward op reads the output."""
        return self.functions(activation, dtype, params)[0](x)

    def copies(self) -> tuple[Op, Op]:
        return (Op(lambda x: x.clone(), "torch.clone (a new tensor, as the ops' outputs)"),
                Op(self._copy_into(), "Tensor.copy_ into a preallocated tensor"))

    def _copy_into(self) -> Callable:
        out: dict[tuple, Any] = {}

        def copy(x):
            key = (x.shape, x.dtype)
            if key not in out:
                out.clear()
                out[key] = self.torch.empty_like(x)
            return out[key].copy_(x)
        return copy

    def time_once(self, fn: Callable[[], Any]) -> float:
        if self.backend != "cuda":
            t0 = time.perf_counter()
            fn()
            return time.perf_counter() - t0
        start, end = (self.torch.cuda.Event(enable_timing=True) for _ in range(2))
        start.record()
        fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3


class TorchCompile(TorchEager):
    """The same functions, each compiled by torch.compile (Inductor: C++/OpenMP on the cpu, Triton on a GPU)."""

    impl = "torch-compile"

    def __init__(self, backend: str):
        super().__init__(backend)
        # Every op compiles the same small lambdas with other closures: each is a recompile of one code object.
        # Past Dynamo's recompile limit (8) it would silently run eager; raise the limits, and fail rather than
        # fall back, so that a torch-compile record is always compiled code.
        cfg = self.torch._dynamo.config
        for name, value in (("recompile_limit", 100000), ("cache_size_limit", 100000),
                            ("accumulated_recompile_limit", 1000000), ("accumulated_cache_size_limit", 1000000),
                            ("fail_on_recompile_limit_hit", True)):
            if hasattr(cfg, name):
                setattr(cfg, name, value)

    def context(self) -> dict:
        out = super().context()
        out["how"] = "torch.compile (Inductor, default mode) of the torch-eager functions; " + out["how"]
        return out

    def op(self, activation: str, direction: str, dtype: str, params: dict[str, float]) -> Op:
        eager = super().op(activation, direction, dtype, params)
        if direction == "deriv" and eager.inputs[0] == "ones":  # the ones are made inside: Inductor folds them
            inner = eager.run
            other = eager.inputs[1]
            compiled = self.torch.compile(lambda s: inner(self.torch.ones_like(s), s))
            return Op(compiled, "torch.compile: " + eager.how, (other,))
        if direction == "deriv":  # autograd with dy = 1
            inner = eager.run
            compiled = self.torch.compile(lambda x: inner(x, self.torch.ones_like(x)))
            return Op(compiled, "torch.compile: " + eager.how, ("x",))
        return Op(self.torch.compile(eager.run), "torch.compile: " + eager.how, eager.inputs)

    def copies(self) -> tuple[Op, Op]:
        clone, into = super().copies()
        return Op(self.torch.compile(lambda x: x.clone()), "torch.compile(clone)"), clone
