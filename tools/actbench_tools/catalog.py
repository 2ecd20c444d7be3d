"""The activation catalog: the axis lists every tool uses, from one committed file.

`catalog.json` beside this module is the output of `actbench list --json` (format in
results/schema/FORMAT.md, "The catalog"): one object per activation with its name, aliases,
formulas, parameters, distinct variants, directions, dtypes, impls, kinks and the interior zeros
of f'. The tools take their axis lists (activations, variants per activation, directions, dtypes,
impls) from it instead of restating them.

Regenerate it from a binary with

    python -m actbench_tools.catalog --actbench build/actbench

Keys the binary does not print yet are kept from the committed file (and named on stderr), so
that hand-added facts survive until the binary emits the full format.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .binary import BinaryError, output_of

CATALOG_FILE = "catalog.json"

#: Every key an activation object carries (schema-v2 `actbench list --json`).
KEYS = ("name", "aliases", "formula", "derivative", "precise", "textbook", "parameters", "variants",
        "directions", "dtypes", "impls", "kinks", "deriv_zeros")


class CatalogError(Exception):
    """A catalog document that does not have the expected shape (one line)."""


@dataclass(frozen=True)
class Activation:
    name: str
    aliases: tuple[str, ...]
    formula: str
    derivative: str
    precise: str
    textbook: str | None
    parameters: dict[str, dict[str, Any]]
    variants: tuple[str, ...]
    directions: tuple[str, ...]
    dtypes: tuple[str, ...]
    impls: tuple[str, ...]
    kinks: tuple[float, ...]
    deriv_zeros: tuple[float, ...]


def _strings(obj: dict, key: str, where: str) -> tuple[str, ...]:
    v = obj[key]
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        raise CatalogError(f"{where}: {key!r} must be an array of strings")
    return tuple(v)


def _numbers(obj: dict, key: str, where: str) -> tuple[float, ...]:
    v = obj[key]
    if not isinstance(v, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        raise CatalogError(f"{where}: {key!r} must be an array of numbers")
    return tuple(float(x) for x in v)


def parse(doc: Any, source: str = CATALOG_FILE) -> tuple[Activation, ...]:
    """Check the shape of a catalog document and type it."""
    if not isinstance(doc, list) or not doc:
        raise CatalogError(f"{source}: expected a non-empty JSON array of activations")
    out = []
    for i, a in enumerate(doc):
        where = f"{source}[{i}]"
        if not isinstance(a, dict):
            raise CatalogError(f"{where}: not an object")
        missing = [k for k in KEYS if k not in a]
        if missing:
            raise CatalogError(f"{where} ({a.get('name', '?')}): missing {', '.join(missing)}")
        for k in ("name", "formula", "derivative", "precise"):
            if not isinstance(a[k], str):
                raise CatalogError(f"{where}: {k!r} must be a string")
        if a["textbook"] is not None and not isinstance(a["textbook"], str):
            raise CatalogError(f"{where}: 'textbook' must be a string or null")
        if not isinstance(a["parameters"], dict):
            raise CatalogError(f"{where}: 'parameters' must be an object")
        out.append(Activation(a["name"], _strings(a, "aliases", where), a["formula"], a["derivative"],
                              a["precise"], a["textbook"], dict(a["parameters"]),
                              _strings(a, "variants", where), _strings(a, "directions", where),
                              _strings(a, "dtypes", where), _strings(a, "impls", where),
                              _numbers(a, "kinks", where), _numbers(a, "deriv_zeros", where)))
    names = [a.name for a in out]
    if len(set(names)) != len(names):
        raise CatalogError(f"{source}: an activation is listed twice")
    return tuple(out)


def committed_text() -> str:
    return resources.files("actbench_tools").joinpath(CATALOG_FILE).read_text("utf-8")


@lru_cache(maxsize=1)
def activations() -> tuple[Activation, ...]:
    """The committed catalog, in its order."""
    return parse(json.loads(committed_text()))


def _union(lists) -> tuple[str, ...]:
    out: list[str] = []
    for values in lists:
        out += [v for v in values if v not in out]
    return tuple(out)


def activation_names() -> tuple[str, ...]:
    return tuple(a.name for a in activations())


def variants_of(name: str) -> tuple[str, ...]:
    """The distinct variants of one activation (empty for an unknown name)."""
    for a in activations():
        if a.name == name or name in a.aliases:
            return a.variants
    return ()


def variant_order() -> tuple[str, ...]:
    return _union(a.variants for a in activations())


def direction_order() -> tuple[str, ...]:
    return _union(a.directions for a in activations())


def dtype_order() -> tuple[str, ...]:
    return _union(a.dtypes for a in activations())


def impl_order() -> tuple[str, ...]:
    return _union(a.impls for a in activations())


# --------------------------------------------------------------------------------------------
# regenerating the committed file

def from_binary(exe: str, timeout_s: float = 60.0) -> list[dict]:
    """`exe list --json`, parsed (not yet checked)."""
    try:
        text = output_of([exe, "list", "--json"], f"{exe} list --json", timeout_s)
    except BinaryError as e:
        raise CatalogError(str(e)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise CatalogError(f"{exe} list --json printed invalid JSON: {e.msg} at line {e.lineno}") from None
    if not isinstance(doc, list) or not all(isinstance(a, dict) and isinstance(a.get("name"), str) for a in doc):
        raise CatalogError(f"{exe} list --json: expected an array of objects with a name")
    return doc


def fill_missing(emitted: list[dict], committed: list[dict]) -> tuple[list[dict], list[str]]:
    """The binary's catalog with the keys it lacks taken from the committed one."""
    by_name = {a["name"]: a for a in committed}
    filled: list[str] = []
    out = []
    for a in emitted:
        a = dict(a)
        for k in KEYS:
            if k not in a and k in by_name.get(a["name"], {}):
                a[k] = by_name[a["name"]][k]
                if k not in filled:
                    filled.append(k)
        out.append({k: a[k] for k in sorted(a)})
    return out, filled


def dumps(doc: list[dict]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, allow_nan=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    from .cli_common import OneLineParser  # here: cli_common's imports reach this module

    ap = OneLineParser(prog="python -m actbench_tools.catalog",
                       description="Regenerate catalog.json from `actbench list --json`.")
    ap.add_argument("--actbench", required=True, metavar="BIN", help="the actbench binary")
    ap.add_argument("-o", "--output", type=Path, metavar="FILE",
                    help="where to write (default: the package's catalog.json)")
    args = ap.parse_args(argv)
    target = args.output or Path(__file__).with_name(CATALOG_FILE)
    try:
        committed = json.loads(target.read_text("utf-8")) if target.exists() else []
        out, filled = fill_missing(from_binary(args.actbench), committed if isinstance(committed, list) else [])
        parse(out, str(target))
    except (CatalogError, json.JSONDecodeError, OSError) as e:
        print(f"catalog: error: {e}", file=sys.stderr)
        return 2
    target.write_text(dumps(out), encoding="utf-8")
    if filled:
        print(f"catalog: kept from the committed file (the binary does not print them): {', '.join(filled)}",
              file=sys.stderr)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
