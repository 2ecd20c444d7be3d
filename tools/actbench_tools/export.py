"""actbench-export: one report in the formats that CI tools already read.

Formats (each written into -o DIR):
  github-action-benchmark  for benchmark-action/github-action-benchmark's custom tools:
      DIR/actbench-bigger-is-better.json   (tool: customBiggerIsBetter) per timed case,
                                           "% of copy" and "GB/s" (range: the hot spread)
      DIR/actbench-smaller-is-better.json  (tool: customSmallerIsBetter) per accuracy
                                           configuration, the max ULP error over its sizes
      each a JSON array of {name, unit, value, range?, extra?} as that action documents.
      Records whose timing is marked suspect are left out of the throughput list.
  junit  DIR/actbench-junit.xml: the accuracy verdicts as JUnit XML, one testsuite per
      activation and one testcase per case; a failing case is a <failure> that names the worst
      input; failures expected of the textbook variants, unchecked cases and skipped cases are
      <skipped>; cases that could not run are <error>.

The report itself stays readable by the action's `googlecpp` tool (every record carries
Google Benchmark's name, real_time, cpu_time, time_unit, iterations and threads), but that
charts raw nanoseconds; these exports chart what actbench measures.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from . import __version__
from .cli_common import UsageError, note, run, warn
from .compare import fmt_ulp
from .load import CaseKey, Record, Report, format_n, load_report, warnings_for

PROG = "actbench-export"
FORMATS = ("github-action-benchmark", "junit")
BIGGER_FILE = "actbench-bigger-is-better.json"
SMALLER_FILE = "actbench-smaller-is-better.json"
JUNIT_FILE = "actbench-junit.xml"


def _raw_records(rep: Report) -> dict[str, dict]:
    return {b["name"]: b for b in rep.raw.get("benchmarks", [])}


def suspect_reasons(rep: Report, rec: Record, raw: dict[str, dict] | None = None) -> list[str]:
    """Why this record's timing is implausible (schema v2 `suspect`; none in v1 reports)."""
    found = getattr(rec, "suspect", None)
    if found is None:
        found = (raw if raw is not None else _raw_records(rep)).get(rec.name, {}).get("suspect")
    return list(found or [])


def expected_to_fail(rep: Report, rec: Record, raw: dict[str, dict] | None = None) -> bool:
    """v2 reports say so in accuracy.expected_to_fail; v1 reports: the textbook variants."""
    acc = (raw if raw is not None else _raw_records(rep)).get(rec.name, {}).get("accuracy") or {}
    if "expected_to_fail" in acc:
        return bool(acc["expected_to_fail"])
    return rec.key.variant == "textbook"


def config_label(key: CaseKey) -> str:
    return f"{key.activation}/{key.direction}/{key.dtype}/{key.variant}/{key.impl}/{key.backend}:{key.device}"


def _worst_text(rec: Record) -> str:
    a = rec.accuracy
    w = (a.worst or {}) if a else {}
    if not w:
        return "no worst input recorded"
    x = f"x = {w.get('x')} ({w.get('x_bits')})"
    if w.get("dy") is not None:
        x += f", dy = {w.get('dy')} ({w.get('dy_bits')})"
    return f"worst input {x}: got {w.get('y')} ({w.get('y_bits')}), exact {w.get('ref')}, {fmt_ulp(w.get('ulp'))} ULP"


# --------------------------------------------------------------------------------------------
# github-action-benchmark

def github_action_benchmark(rep: Report) -> tuple[list[dict], list[dict], int]:
    """(customBiggerIsBetter list, customSmallerIsBetter list, suspect records left out)."""
    raw = _raw_records(rep)
    bigger, left_out = [], 0
    for key in sorted(rep.records):
        rec = rep.records[key]
        if suspect_reasons(rep, rec, raw):
            left_out += 1
            continue
        spread = rec.hot.rel_spread if rec.hot else None
        extra = (f"n: {format_n(key.n)}\nhot median: {rec.hot.median_ns:.6g} ns\nsamples: {rec.hot.samples}\n"
                 if rec.hot else f"n: {format_n(key.n)}\n") + f"status: {rec.status}"
        for unit, value in (("% of copy", rec.pct_of_copy_bw), ("GB/s", rec.gbps)):
            entry = {"name": f"{rec.name} {unit}", "unit": unit, "value": value}
            if spread is not None:
                entry["range"] = f"± {value * spread:.3g}"
            entry["extra"] = extra
            bigger.append(entry)
    worst: dict[tuple, Record] = {}
    for key in sorted(rep.records):
        rec = rep.records[key]
        if rec.accuracy is None:
            continue
        cur = worst.get(key.config)
        if cur is None or rec.accuracy.max_ulp > cur.accuracy.max_ulp:
            worst[key.config] = rec
    failed = {k.config for k, r in rep.records.items() if r.status == "fail"}
    smaller = []
    for rec in worst.values():
        a = rec.accuracy
        status = "fail" if rec.key.config in failed else "pass"
        smaller.append({"name": f"{config_label(rec.key)} max ULP", "unit": "ULP", "value": a.max_ulp,
                        "extra": f"bound: {a.bound_ulp:g} ULP\nstatus: {status}"
                                 + (" (expected: textbook)" if expected_to_fail(rep, rec, raw) else "")
                                 + f"\nnon-finite mismatches: {a.nonfinite_mismatches}\n{_worst_text(rec)}"})
    return bigger, smaller, left_out


# --------------------------------------------------------------------------------------------
# JUnit XML

def _failure_message(rec: Record, raw: dict) -> str:
    a = rec.accuracy
    reasons = (raw.get(rec.name, {}).get("accuracy") or {}).get("fail_reasons")
    parts = [f"max ULP {fmt_ulp(a.max_ulp)} (bound {a.bound_ulp:g} ULP)", f"{a.out_of_bound} out of bound"]
    if a.nonfinite_mismatches:
        parts.append(f"{a.nonfinite_mismatches} non-finite mismatch(es)")
    if a.signed_zero_mismatches:
        parts.append(f"{a.signed_zero_mismatches} signed-zero mismatch(es)")
    if reasons:
        parts.append("reasons: " + ", ".join(reasons))
    return "; ".join(parts)


def junit_xml(rep: Report) -> ET.ElementTree:
    raw = _raw_records(rep)
    root = ET.Element("testsuites", name="actbench accuracy")
    suites: dict[str, ET.Element] = {}
    counts: dict[str, dict[str, int]] = {}
    ctx = rep.context

    def suite(activation: str) -> ET.Element:
        if activation not in suites:
            s = ET.SubElement(root, "testsuite", name=f"actbench.{activation}", hostname=rep.host_name,
                              timestamp=str(ctx.get("start_time", "")))
            props = ET.SubElement(s, "properties")
            for k in ("actbench_version", "git_sha", "backend", "accuracy_mode", "date"):
                ET.SubElement(props, "property", name=k, value=str(ctx.get(k, "")))
            ET.SubElement(props, "property", name="machine", value=rep.label)
            suites[activation] = s
            counts[activation] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        return suites[activation]

    def case(key: CaseKey, name: str, kind: str | None = None, message: str = "", text: str = ""):
        tc = ET.SubElement(suite(key.activation), "testcase", classname=f"actbench.{key.activation}", name=name)
        c = counts[key.activation]
        c["tests"] += 1
        if kind:
            el = ET.SubElement(tc, kind, message=message)
            if kind != "skipped":
                el.set("type", "accuracy" if kind == "failure" else "not run")
            if text:
                el.text = text
            c[{"failure": "failures", "error": "errors", "skipped": "skipped"}[kind]] += 1

    for key in sorted(rep.records):
        rec = rep.records[key]
        if rec.accuracy is None or rec.status == "unchecked":
            case(key, rec.name, "skipped", "accuracy not checked")
        elif rec.status == "fail":
            msg = _failure_message(rec, raw)
            if expected_to_fail(rep, rec, raw):
                case(key, rec.name, "skipped", f"expected to fail (textbook variant): {msg}", _worst_text(rec))
            else:
                case(key, rec.name, "failure", msg, _worst_text(rec))
        else:
            case(key, rec.name)
    for x in sorted(rep.not_run, key=lambda x: x.key):
        name = f"{config_label(x.key)}/{x.key.n}"
        case(x.key, name, "error" if x.status == "error" else "skipped", x.reason)
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for act, s in suites.items():
        for k, v in counts[act].items():
            s.set(k, str(v))
            total[k] += v
    for k, v in total.items():
        root.set(k, str(v))
    ET.indent(root)
    return ET.ElementTree(root)


# --------------------------------------------------------------------------------------------
# writing

def export(rep: Report, fmt: str, outdir: Path, say=lambda m: None) -> list[Path]:
    """Write `fmt` for this report into outdir; returns the files written."""
    outdir.mkdir(parents=True, exist_ok=True)
    if fmt == "github-action-benchmark":
        bigger, smaller, left_out = github_action_benchmark(rep)
        if left_out:
            say(f"{left_out} record(s) with suspect timing left out of {BIGGER_FILE}")
        paths = [outdir / BIGGER_FILE, outdir / SMALLER_FILE]
        for p, items in zip(paths, (bigger, smaller)):
            p.write_text(json.dumps(items, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        return paths
    if fmt == "junit":
        path = outdir / JUNIT_FILE
        junit_xml(rep).write(path, encoding="utf-8", xml_declaration=True)
        return [path]
    raise UsageError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")


def export_main(paths: list, fmt: str, outdir: Path, prog: str = PROG) -> int:
    """What both `actbench-export` and `actbench-report --format ...` run."""
    if len(paths) != 1:
        raise UsageError(f"--format {fmt} takes one report, got {len(paths)}")
    rep = load_report(paths[0])
    for w in warnings_for(rep):
        warn(prog, w)
    for p in export(rep, fmt, outdir, lambda m: note(prog, m)):
        print(p)
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", metavar="REPORT.json", help="one report")
    ap.add_argument("--format", choices=FORMATS, required=True)
    ap.add_argument("-o", "--output-dir", type=Path, required=True, metavar="DIR", help="where to write")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return export_main([args.report], args.format, args.output_dir)


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
