"""Files exchanged with the actbench binary: `actbench inputs` writes the inputs, `actbench score` scores outputs.

Arrays travel as NumPy arrays of bit patterns (uint16 / uint32 / uint64): lossless for every dtype, bf16
included (NumPy has no bfloat16). On disk they are .npy files in actbench's layout: '<f4', '<f2', '<f8', and
the bit patterns '<u2' for bf16 (harness/npy.hpp).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..binary import BinaryError, output_of

#: dtype -> (NumPy float type, NumPy bit-pattern type); bf16 has no NumPy float type.
DTYPES = {"f32": (np.float32, np.uint32), "f16": (np.float16, np.uint16),
          "bf16": (None, np.uint16), "f64": (np.float64, np.uint64)}


class ExchangeError(Exception):
    """actbench refused a request or a file (one line: what it said)."""


def bits_type(dtype: str) -> type:
    return DTYPES[dtype][1]


def as_bits(array: np.ndarray, dtype: str) -> np.ndarray:
    """A loaded array (float or bit patterns) as bit patterns of `dtype`."""
    bits = bits_type(dtype)
    if array.dtype.itemsize != np.dtype(bits).itemsize:
        raise ExchangeError(f"a {array.dtype} array is not {dtype} data")
    return np.ascontiguousarray(array).reshape(-1).view(bits)


def save_bits(path: Path, bits: np.ndarray, dtype: str) -> None:
    """Writes bit patterns of `dtype` as the .npy actbench reads ('<f4', '<f2', '<f8'; bf16 as '<u2')."""
    floats = DTYPES[dtype][0]
    data: np.ndarray = np.ascontiguousarray(bits, dtype=bits_type(dtype))
    np.save(path, data if floats is None else data.view(floats), allow_pickle=False)


def load_bits(path: Path, dtype: str) -> np.ndarray:
    return as_bits(np.load(path, allow_pickle=False), dtype)


def _param_args(params: dict[str, float]) -> list[str]:
    out = []
    for k, v in params.items():
        out += ["--param", f"{k}={v!r}"]
    return out


@dataclass
class Actbench:
    """The actbench binary, used for its inputs and its scoring."""

    exe: str
    timeout_s: float = 3600.0

    def _run(self, args: list[str]) -> str:
        try:
            return output_of([self.exe, *args], f"actbench {args[0]}", self.timeout_s)
        except BinaryError as e:
            raise ExchangeError(str(e)) from None

    def inputs(self, folder: Path, dtype: str, *, bwd: bool, n: int | None = None, accuracy: str = "sampled",
               seed: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The accuracy set (n None) or the benchmark data of size n, as bit patterns: (x, dy or None)."""
        stem = f"{dtype}-{'acc-' + accuracy if n is None else f'n{n}'}"
        x, dy = folder / f"{stem}-x.npy", folder / f"{stem}-dy.npy"
        args = ["inputs", "-t", dtype, "--x", str(x), "--direction", "bwd" if bwd else "fwd"]
        args += ["--n", str(n)] if n is not None else ["--accuracy", accuracy]
        if bwd:
            args += ["--dy", str(dy)]
        if seed is not None:
            args += ["--seed", str(seed)]
        self._run(args)
        return load_bits(x, dtype), (load_bits(dy, dtype) if bwd else None)

    def score(self, folder: Path, *, activation: str, direction: str, dtype: str, impl: str, x: np.ndarray,
              y: np.ndarray, dy: np.ndarray | None, params: dict[str, float]) -> dict:
        """`actbench score` of outputs y on inputs x (dy): the report fragment it writes."""
        stem = f"{impl}-{activation}-{direction}-{dtype}"
        paths = {name: folder / f"{stem}-{name}.npy" for name in ("x", "y", "dy")}
        save_bits(paths["x"], x, dtype)
        save_bits(paths["y"], y, dtype)
        args = ["score", "-a", activation, "--direction", direction, "-t", dtype, "--impl", impl,
                "--x", str(paths["x"]), "--y", str(paths["y"]), "--fragment", str(folder / f"{stem}.json")]
        if dy is not None:
            save_bits(paths["dy"], dy, dtype)
            args += ["--dy", str(paths["dy"])]
        self._run(args + _param_args(params))
        fragment = json.loads((folder / f"{stem}.json").read_text("utf-8"))
        if fragment.get("format") != "actbench-score":
            raise ExchangeError(f"actbench score wrote an unexpected fragment (format {fragment.get('format')!r})")
        for p in paths.values():
            p.unlink(missing_ok=True)
        return fragment
