"""JAX under jax.jit: forward through jax.nn, derivative and backward through autograd (JAX has no derivative
ops: jax.vjp, which XLA fuses with the forward into one kernel)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .exchange import DTYPES, bits_type
from .frameworks import INSTALL, FrameworkMissing, Op, Peer, Unsupported


def _functions(jax, jnp) -> dict[str, Callable[[dict], Callable]]:
    """activation -> (its parameters -> the jax function of x); None where JAX has no such function."""
    nn = jax.nn

    def beta_one(name: str, f: Callable) -> Callable[[dict], Callable]:
        def make(p: dict) -> Callable:
            if p.get("beta", 1.0) != 1.0:
                raise Unsupported(f"jax.nn.{name} has no beta (only beta = 1)")
            return f
        return make

    table: dict[str, Callable[[dict], Callable]] = {
        "relu": lambda p: nn.relu,
        "relu6": lambda p: nn.relu6,
        "leaky_relu": lambda p: lambda x: nn.leaky_relu(x, negative_slope=p["alpha"]),
        "elu": lambda p: lambda x: nn.elu(x, alpha=p["alpha"]),
        "selu": lambda p: nn.selu,
        "celu": lambda p: lambda x: nn.celu(x, alpha=p["alpha"]),
        "softplus": beta_one("softplus", nn.softplus),
        "sigmoid": lambda p: nn.sigmoid,
        "hardsigmoid": lambda p: nn.hard_sigmoid,
        "tanh": lambda p: jnp.tanh,
        "softsign": lambda p: nn.soft_sign,
        "swish": beta_one("silu", nn.silu),
        "hardswish": lambda p: nn.hard_swish,
        "gelu": lambda p: lambda x: nn.gelu(x, approximate=False),
        "gelu_tanh": lambda p: lambda x: nn.gelu(x, approximate=True),
    }
    if hasattr(nn, "mish"):
        table["mish"] = lambda p: nn.mish
    return table


class JaxJit(Peer):
    impl = "jax-jit"
    framework = "jax"

    def __init__(self, backend: str):
        super().__init__(backend)
        try:
            import jax
            import jax.numpy as jnp
            import ml_dtypes
        except ImportError:
            raise FrameworkMissing(f"JAX is not installed: {INSTALL['jax']}") from None
        jax.config.update("jax_enable_x64", True)  # f64 data stay f64
        self.jax, self.jnp, self.ml_dtypes = jax, jnp, ml_dtypes
        platform = "cpu" if backend == "cpu" else "gpu"
        try:
            self.device = jax.devices(platform)[0]
        except RuntimeError as e:
            raise FrameworkMissing(f"JAX has no {backend} device here: {' '.join(str(e).split())[:200]}") from None
        self.table = _functions(jax, jnp)

    def version(self) -> str:
        return str(self.jax.__version__)

    def context(self) -> dict:
        import jaxlib

        return {**super().context(), "jaxlib": str(jaxlib.__version__), "device": str(self.device),
                "how": "jax.jit of jax.nn's functions; deriv and bwd by jax.vjp inside the jit (XLA fuses the "
                       "forward and the backward); timed to block_until_ready()"}

    def _float_type(self, dtype: str) -> Any:
        return self.ml_dtypes.bfloat16 if dtype == "bf16" else DTYPES[dtype][0]

    def to_device(self, bits: np.ndarray, dtype: str) -> Any:
        return self.jax.device_put(np.ascontiguousarray(bits).view(self._float_type(dtype)), self.device)

    def to_bits(self, array: Any, dtype: str) -> np.ndarray:
        return np.asarray(array).reshape(-1).view(bits_type(dtype))

    def like(self, x: Any, value: float) -> Any:
        return self.jnp.full_like(x, value)

    def op(self, activation: str, direction: str, dtype: str, params: dict[str, float]) -> Op:
        if activation not in self.table:
            raise Unsupported(f"JAX {self.version()} has no {activation} (jax.nn)")
        f = self.table[activation](params)
        jax = self.jax
        if direction == "fwd":
            return Op(jax.jit(f), "jax.jit(jax.nn function)")
        if direction == "deriv":
            return Op(jax.jit(lambda x: jax.vjp(f, x)[1](self.jnp.ones_like(x))[0]),
                      "autograd: jax.jit(jax.vjp(f, x) applied to dy = 1)")
        return Op(jax.jit(lambda x, dy: jax.vjp(f, x)[1](dy)[0]), "autograd: jax.jit(jax.vjp(f, x) applied to dy)",
                  ("x", "dy"))

    def copies(self) -> tuple[Op, Op]:
        return (Op(self.jax.jit(self.jnp.copy), "jax.jit(jnp.copy)"),
                Op(self.jax.jit(lambda a: a), "jax.jit(identity): the runtime's copy to a new output buffer"))

    def time_once(self, fn: Callable[[], Any]) -> float:
        t0 = time.perf_counter()
        self.jax.block_until_ready(fn())
        return time.perf_counter() - t0
