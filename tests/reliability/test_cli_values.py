"""Every option of every subcommand given bad values: exit 2, one line `actbench: error: ...`, nothing written.

The options come from the binary itself (`actbench --help`, `actbench <subcommand> --help`, and the
usage text of the Google Benchmark library it links for the --benchmark_* flags), so an option added
later is tried without a change here: it gets the bad values of its type (INT, UINT, FLOAT, TEXT, a
flag).  VALUES below only refines what is bad for options whose TEXT has a meaning (a size list, a
path, a shard); a subcommand added later needs a BASES entry (a valid command to vary), and the test
says so.
"""
from __future__ import annotations

import pathlib
import re
import subprocess

import pytest

from conftest import ROOT, one_error_line, run

# A valid, cheap command per subcommand; one option at a time is replaced by a bad value.  {work}: a
# scratch folder that must stay as it was; {inputs}: valid input files made by `actbench inputs`.
BASES: dict[str, dict] = {
    "": {"options": {"--backend": "cpu", "--activation": "relu", "--direction": "fwd", "--dtype": "f32",
                     "--variant": "precise", "--impl": "actbench", "--sizes": "1024", "--accuracy": "off",
                     "--max-time": "0.01", "--out": "{work}/out.json"},
         "flags": ["--no-cold"], "positional": {}},
    "list": {"options": {}, "flags": [], "positional": {}},
    "eval": {"options": {"--backend": "cpu", "--activation": "gelu", "--dtype": "f32"}, "flags": [],
             "positional": {"inputs": ["1.5"]}},
    "inputs": {"options": {"--activation": "relu", "--dtype": "f16", "--x": "{work}/x.npy"}, "flags": [],
               "positional": {}},
    "score": {"options": {"--activation": "relu", "--dtype": "f16", "--x": "{inputs}/x.npy",
                          "--y": "{inputs}/x.npy"}, "flags": [], "positional": {}},
}

NOT_A_FILE = "/proc/actbench-no-such-folder/file"
# Bad values by the type CLI11 prints.  "-1" is bad for every INT so far (counts, sizes); an INT that
# may be negative would go into VALUES.
BY_TYPE = {
    "INT": ["", "abc", "1.5", "-1", "99999999999999999999"],
    "UINT": ["", "abc", "1.5", "-1", "18446744073709551616", "99999999999999999999999"],
    "FLOAT": ["", "abc", "-1", "nan", "inf", "-inf", "1e999"],
    "TEXT": ["", "no-such-value"],
}
NAMES = ["", "no-such-value", ","]
INPUT_FILE = ["", "{work}/no-such-file.npy", "{work}"]
OUTPUT_FILE = ["", NOT_A_FILE, "{work}"]
# (subcommand, option) -> the bad values of an option whose TEXT has a meaning.
VALUES: dict[tuple[str, str], list[str]] = {
    ("", "--sizes"): ["", "abc", "0", "-5", "2^99", "2^10:2^5", "99999999999999999999", ","],
    ("", "--shard"): ["", "0/3", "4/3", "a/b", "1/0", "-1/3", "3", "1/99999999999999999999"],
    ("", "--param"): ["", "=", "nosuch=1", "softplus.beta=abc", "softplus.beta=nan", "softplus.beta=inf",
                      "softplus.beta=-1", "prelu.channels=0"],
    ("", "--out"): ["", NOT_A_FILE, "{work}", "{work}/existing.json"],
    ("", "--device"): ["", "abc", "-1"],
    ("eval", "--param"): ["", "=", "nosuch=1", "beta=abc", "gelu.beta=1"],
    ("eval", "--device"): ["", "abc", "-1"],
    ("eval", "--dy"): ["", "abc", "0xZZ"],
    ("eval", "inputs"): ["", "one", "0xZZ", "0x", "1..2"],
    ("inputs", "--x"): OUTPUT_FILE,
    ("inputs", "--dy"): OUTPUT_FILE,
    ("inputs", "--range"): ["", "abc", "5:1", "0:99999999999999999999", "1:2:3"],
    ("score", "--x"): INPUT_FILE,
    ("score", "--y"): INPUT_FILE,
    ("score", "--dy"): INPUT_FILE,
    ("score", "--param"): ["", "=", "nosuch=1", "alpha=1"],
    ("score", "--impl"): [""],  # any other name is a valid label
    ("score", "--fragment"): OUTPUT_FILE,
}
NAME_OPTIONS = {"--activation", "--direction", "--dtype", "--variant", "--impl", "--backend", "--accuracy"}

OPTION = re.compile(r"^  (?P<names>-[^\s,]+(?:,-[^\s,]+)*)(?: (?P<type>[A-Z][A-Z0-9_]*)(?::\S+)?)?"
                    r"(?P<multi> \.\.\.)?(?P<required> REQUIRED)?(?:\s|$)")
POSITIONAL = re.compile(r"^  (?P<name>[a-z][\w-]*) (?P<type>[A-Z][A-Z0-9_]*)(?P<multi> \.\.\.)?(?:\s|$)")
SUBCOMMAND = re.compile(r"^  (?P<name>[a-z][\w-]*)\s{2,}\S")


def parse_help(text: str) -> tuple[list[dict], list[str]]:
    """(options, subcommands) from CLI11's help text.  An option: {name, type (None: a flag), multi,
    required, positional}."""
    options, subs, section = [], [], None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":")
            continue
        if section == "Options" and (m := OPTION.match(line)):
            names = m["names"].split(",")
            name = max(names, key=len)
            if name == "--help":
                continue
            options.append({"name": name, "type": m["type"], "multi": bool(m["multi"]),
                            "required": bool(m["required"]), "positional": False})
        elif section == "Positionals" and (m := POSITIONAL.match(line)):
            options.append({"name": m["name"], "type": m["type"], "multi": bool(m["multi"]),
                            "required": False, "positional": True})
        elif section == "Subcommands" and (m := SUBCOMMAND.match(line)):
            subs.append(m["name"])
    return options, subs


def bad_values(sub: str, opt: dict) -> list[str]:
    if (sub, opt["name"]) in VALUES:
        return VALUES[(sub, opt["name"])]
    if opt["type"] is None:
        return ["maybe"]  # a flag given a value that is no truth value
    if opt["type"] == "TEXT" and opt["name"] in NAME_OPTIONS:
        return NAMES if opt["multi"] else NAMES[:2]
    values = BY_TYPE.get(opt["type"], BY_TYPE["TEXT"])
    return values + ([","] if opt["multi"] and opt["type"] == "TEXT" else [])


# --- Google Benchmark's flags, from its usage text in the library the binary runs with ----------------

GB_USAGE = re.compile(rb"\[--(benchmark_\w+)=([^\]\x00]+)\]")


def google_benchmark_flags(binary: str) -> dict[str, str]:
    """{flag: metavar} from the usage text Google Benchmark carries (static or shared library)."""
    candidates = [pathlib.Path(binary)]
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True)
    candidates += [pathlib.Path(m) for m in re.findall(r"=> (\S*libbenchmark\.so\S*)", ldd.stdout)]
    flags: dict[str, str] = {}
    for c in candidates:
        data = c.read_bytes()
        for name, meta in GB_USAGE.findall(data):
            flags.setdefault(name.decode(), meta.decode())
    return flags


def gb_bad_values(flag: str, meta: str) -> tuple[list[str], str | None]:
    """(bad values, why there are none)."""
    if meta == "{true|false}":  # Google Benchmark reads any other value as a truth value (IsTruthyFlagValue)
        return [""], "only the empty value: Google Benchmark reads any other value as true or false"
    if meta.startswith("{") or "|" in meta:
        return ["", "no-such-choice"] if "true" not in meta else [""], None
    if meta == "<regex>":
        return ["[", "no-such-case"], None
    if meta == "<filename>":
        return [NOT_A_FILE, "{work}"], None
    if "=" in meta:  # <key>=<value>,...
        return ["novalue"], None
    return ["", "abc", "-1"] if "num" in meta else ["", "abc"], None


# --- running them --------------------------------------------------------------------------------------

def command(binary: str, sub: str, opt: dict, bad: list[str], paths: dict) -> list[str]:
    """The base command of `sub` with `opt`'s own base value (if any) left out and `bad` in its place."""
    base = BASES[sub]
    args = [binary] + ([sub] if sub else [])
    for k, v in base["options"].items():
        if k != opt["name"]:
            args += [k, v.format(**paths)]
    args += [f for f in base["flags"] if f != opt["name"]]
    args += [a.format(**paths) for a in bad]
    for k, v in base["positional"].items():
        if k != opt["name"]:
            args += v
    return args


def snapshot(folder: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def help_tree(actbench):
    """{subcommand: options} for the top level ("") and every subcommand its help lists."""
    top = run([actbench, "--help"], timeout=30)
    assert top.returncode == 0, top.stderr
    options, subs = parse_help(top.stdout)
    tree = {"": options}
    for s in subs:
        h = run([actbench, s, "--help"], timeout=30)
        assert h.returncode == 0, (s, h.stderr)
        tree[s] = parse_help(h.stdout)[0]
    return tree


@pytest.fixture(scope="module")
def input_files(actbench, tmp_path_factory, help_tree):
    folder = tmp_path_factory.mktemp("inputs")
    if "inputs" in help_tree:
        proc = run([actbench, "inputs", "-a", "relu", "-t", "f16", "--x", str(folder / "x.npy")], timeout=60)
        assert proc.returncode == 0, proc.stderr
    return folder


def as_args(opt: dict, value: str) -> list[str]:
    if opt["positional"]:
        return [value]
    if opt["type"] is None:
        return [f"{opt['name']}={value}"]  # a flag given a value
    return [opt["name"], value]


def try_values(actbench, sub, opt, values, folder, input_files, tally, type_name=None):
    """Runs the base command of `sub` with each bad value of `opt`; returns the failures (one line each)."""
    failures, codes, shown = [], [], []
    for i, value in enumerate(values):
        work = folder / f"v{i}"
        work.mkdir(parents=True)
        (work / "existing.json").write_text('{"keep": true}\n')
        before = snapshot(work)
        paths = {"work": str(work), "inputs": str(input_files)}
        args = command(actbench, sub, opt, as_args(opt, value.format(**paths)), paths)
        proc = run(args, cwd=work, timeout=120)
        codes.append(proc.returncode)
        shown.append(repr(value).replace("{work}", "DIR"))
        written = snapshot(work) != before
        ok = (proc.returncode == 2 and one_error_line(proc.stderr) is not None and not proc.stdout.strip()
              and not written)
        tally.input("cli_values", "one line, exit 2" if ok else "NOT REJECTED CLEANLY")
        if not ok:
            failures.append(f"actbench {' '.join(args[1:])}: exit {proc.returncode}, stderr "
                            f"{proc.stderr[-240:]!r}{', wrote into the folder' if written else ''}")
    tally.cli_table.append({"command": sub or "run", "option": opt["name"], "type": type_name or opt["type"] or "flag",
                            "values": values, "shown": shown, "exit_codes": codes})
    return failures


def test_help_lists_what_the_battery_knows(help_tree):
    """Every subcommand has a base command to vary (a new one needs a BASES entry)."""
    missing = sorted(set(help_tree) - set(BASES))
    assert not missing, f"subcommands without a base command in {__file__}: {missing}"
    assert len(help_tree[""]) >= 15, help_tree[""]


def test_every_option_rejects_bad_values(actbench, help_tree, input_files, tmp_path, tally):
    failures = []
    unknown = {"name": "--no-such-option", "type": "TEXT", "multi": False, "required": False, "positional": False}
    for sub, options in help_tree.items():
        if sub not in BASES:
            continue
        # the base itself must run, or every "bad" value would be refused for the base's fault
        work = tmp_path / f"{sub or 'run'}-base"
        work.mkdir()
        paths = {"work": str(work), "inputs": str(input_files)}
        proc = run(command(actbench, sub, {"name": None}, [], paths), cwd=work, timeout=120)
        assert proc.returncode == 0, f"the base command of {sub or 'run'!r} fails: {proc.stderr}"
        for opt in options:
            folder = tmp_path / f"{sub or 'run'}{opt['name']}"
            failures += try_values(actbench, sub, opt, bad_values(sub, opt), folder, input_files, tally)
        failures += try_values(actbench, sub, unknown, ["1"], tmp_path / f"{sub or 'run'}-unknown", input_files,
                               tally, "-")
    assert not failures, f"{len(failures)} bad values not rejected cleanly:\n" + "\n".join(failures)


def test_google_benchmark_flags_reject_bad_values(actbench, input_files, tmp_path, tally):
    flags = google_benchmark_flags(actbench)
    assert "benchmark_filter" in flags and "benchmark_repetitions" in flags, flags
    flags["benchmark_no_such_flag"] = "<unknown>"
    failures = []
    for flag, meta in sorted(flags.items()):
        values, why = gb_bad_values(flag, meta)
        if why:
            tally.note(f"--{flag}: {why}")
        opt = {"name": f"--{flag}", "type": None, "multi": False, "required": False, "positional": False}
        failures += try_values(actbench, "", opt, values, tmp_path / flag, input_files, tally, meta)
    assert not failures, f"{len(failures)} Google Benchmark values not rejected cleanly:\n" + "\n".join(failures)


def test_the_help_parser_finds_every_option_in_the_source(help_tree):
    """Every option name harness/*.cpp declares is found in the parsed help, so a change of CLI11's help
    layout cannot make the battery silently try nothing."""
    declared = set()
    for src in (ROOT / "harness").glob("*.cpp"):
        for m in re.finditer(r'add_(?:option|flag)\("(-[^"]+)"', src.read_text()):
            declared.add(max(m[1].split(","), key=len))
    parsed = {o["name"] for options in help_tree.values() for o in options}
    assert {"--out", "--seed", "--json"} <= declared
    assert declared <= parsed, f"declared in harness/ but not parsed from --help: {sorted(declared - parsed)}"
