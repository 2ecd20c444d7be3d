"""A stand-in for `actbench eval --json` (the C++ binary), for the curves tests.

Accepts: eval --activation A --direction fwd|deriv|bwd --dtype T --variant V --backend cpu --json X...
(X: hex bit patterns of the dtype, or decimals) and prints a JSON array of
{x_bits, x, y_bits, y, ref, ulp} like the real command. FAKE_ACTBENCH_FAIL=1 makes it fail; FAKE_ACTBENCH_FAIL=A,B
makes it fail for those activations only. FAKE_ACTBENCH_LOG=FILE appends each call's activation to FILE.
"""

import argparse
import json
import math
import os
import struct
import sys


def f32_from(text):
    if text.lower().startswith("0x"):
        return struct.unpack("<f", struct.pack("<I", int(text, 16)))[0]
    return float(text)


def bits(v):
    return f"0x{struct.unpack('<I', struct.pack('<f', v))[0]:08x}"


def sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


FWD = {
    "relu": lambda x: max(x, 0.0),
    "tanh": math.tanh,
    "sigmoid": sigmoid,
    "gelu": lambda x: 0.5 * x * math.erfc(-x / math.sqrt(2)),
    "swish": lambda x: x * sigmoid(x),
}
DERIV = {
    "relu": lambda x: 1.0 if x > 0 else 0.0,
    "tanh": lambda x: 1 - math.tanh(x) ** 2,
    "sigmoid": lambda x: sigmoid(x) * (1 - sigmoid(x)),
    "gelu": lambda x: 0.5 * math.erfc(-x / math.sqrt(2)) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi),
    "swish": lambda x: sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x)),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command")
    ap.add_argument("--activation", required=True)
    ap.add_argument("--direction", required=True)
    ap.add_argument("--dtype", default="f32")
    ap.add_argument("--variant", default="precise")
    ap.add_argument("--backend", default="cpu")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("xs", nargs="*")
    args = ap.parse_intermixed_args()
    if os.environ.get("FAKE_ACTBENCH_LOG"):
        with open(os.environ["FAKE_ACTBENCH_LOG"], "a") as log:
            log.write(args.activation + "\n")
    fail = os.environ.get("FAKE_ACTBENCH_FAIL", "")
    if fail == "1" or args.activation in fail.split(","):
        print("actbench: error: injected failure", file=sys.stderr)
        return 3
    if args.command != "eval" or not args.json or args.activation not in FWD:
        print(f"actbench: error: unsupported {args.command} {args.activation}", file=sys.stderr)
        return 2
    fn = (FWD if args.direction == "fwd" else DERIV)[args.activation]
    rows = []
    for i, t in enumerate(args.xs):
        x = f32_from(t)
        ref = fn(x)
        ulp = {"precise": 0.5 * (i % 2), "fast": float(i % 5), "textbook": float(2 ** (i % 12))}[args.variant]
        y = struct.unpack("<f", struct.pack("<f", ref))[0]
        rows.append({"x_bits": bits(x), "x": repr(x), "y_bits": bits(y), "y": repr(y), "ref": repr(ref),
                     "ulp": ulp})
    if args.variant == "textbook" and rows:
        rows[0]["y"] = "nan"
        rows[0]["ulp"] = None
    json.dump(rows, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
