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

import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path

from .cli_common import UsageError, load_with_warnings, note, parser, run
from .compare import fmt_ulp, ulp_text
from .headline import reasons_text
from .load import Accuracy, CaseKey, Record, Report, format_n, sort_key

PROG = "actbench-export"
FORMATS = ("github-action-benchmark", "junit")
BIGGER_FILE = "actbench-bigger-is-better.json"
SMALLER_FILE = "actbench-smaller-is-better.json"
JUNIT_FILE = "actbench-junit.xml"


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
    bigger: list[dict] = []
    left_out = 0
    for key in sorted(rep.records, key=sort_key):
        rec = rep.records[key]
        if rec.suspect:
            left_out += 1
            continue
        extra = f"n: {format_n(key.n)}\n"
        if rec.hot:
            extra += f"hot median: {rec.hot.median_ns:.6g} ns\nsamples: {rec.hot.samples}\n"
        extra += f"status: {rec.status}"
        for unit, value in (("% of copy", rec.pct_of_copy_bw), ("GB/s", rec.gbps)):
            entry: dict = {"name": f"{rec.name} {unit}", "unit": unit, "value": value}
            if rec.hot:
                entry["range"] = f"± {value * rec.hot.rel_spread:.3g}"
            entry["extra"] = extra
            bigger.append(entry)
    worst: dict[tuple, tuple[Record, Accuracy]] = {}  # per configuration, its largest max ULP over n
    failed = {k.config for k, r in rep.records.items() if r.status == "fail"}
    for key in sorted(rep.records, key=sort_key):
        a = rep.records[key].accuracy
        if a is not None and (key.config not in worst or a.max_ulp > worst[key.config][1].max_ulp):
            worst[key.config] = (rep.records[key], a)
    smaller = []
    for rec, a in worst.values():
        status = "fail" if rec.key.config in failed else "pass"
        if status == "fail" and rec.expected_to_fail:
            status += " (expected: textbook)"
        smaller.append({"name": f"{rec.key.config_label} max ULP", "unit": "ULP", "value": a.max_ulp,
                        "extra": f"deciding max ULP: {ulp_text(a)}\nbound: {fmt_ulp(a.bound_ulp)} ULP\n"
                                 f"status: {status}\nnon-finite mismatches: {a.nonfinite_mismatches}\n"
                                 f"{_worst_text(rec)}"})
    return bigger, smaller, left_out


# --------------------------------------------------------------------------------------------
# JUnit XML

def _failure_message(a: Accuracy) -> str:
    return f"max ULP {ulp_text(a)} (bound {fmt_ulp(a.bound_ulp)} ULP): {reasons_text(a) or 'failed'}"


def junit_xml(rep: Report) -> ET.ElementTree:
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

    def case(key: CaseKey, name: str, kind: str | None = None, message: str = "", text: str = "") -> None:
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

    for key in sorted(rep.records, key=sort_key):
        rec = rep.records[key]
        if rec.accuracy is None or rec.status == "unchecked":
            case(key, rec.name, "skipped", "accuracy not checked")
        elif rec.status == "fail":
            msg = _failure_message(rec.accuracy)
            if rec.expected_to_fail:
                case(key, rec.name, "skipped", f"expected to fail (textbook variant): {msg}", _worst_text(rec))
            else:
                case(key, rec.name, "failure", msg, _worst_text(rec))
        else:
            case(key, rec.name)
    for x in sorted(rep.not_run, key=lambda x: sort_key(x.key)):
        case(x.key, x.key.plan_name, "error" if x.status == "error" else "skipped", x.reason)
    total = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
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

def export(rep: Report, fmt: str, outdir: Path, say: Callable[[str], None] = lambda m: None) -> list[Path]:
    """Write `fmt` for this report into outdir; returns the files written."""
    outdir.mkdir(parents=True, exist_ok=True)
    if fmt == "github-action-benchmark":
        bigger, smaller, left_out = github_action_benchmark(rep)
        if left_out:
            say(f"{left_out} record(s) with suspect timing left out of {BIGGER_FILE}")
        paths = [outdir / BIGGER_FILE, outdir / SMALLER_FILE]
        for p, items in zip(paths, (bigger, smaller), strict=True):
            p.write_text(json.dumps(items, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        return paths
    if fmt == "junit":
        path = outdir / JUNIT_FILE
        junit_xml(rep).write(path, encoding="utf-8", xml_declaration=True)
        return [path]
    raise UsageError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")


def export_main(paths: Sequence[str | Path], fmt: str, outdir: Path, prog: str = PROG) -> int:
    """What both `actbench-export` and `actbench-report --format ...` run."""
    if len(paths) != 1:
        raise UsageError(f"--format {fmt} takes one report, got {len(paths)}")
    (rep,) = load_with_warnings(prog, paths)
    for p in export(rep, fmt, outdir, lambda m: note(prog, m)):
        print(p)
    return 0


def build_parser():
    ap = parser(PROG, __doc__, raw_epilog=True)
    ap.add_argument("report", metavar="REPORT.json", type=Path, help="one report")
    ap.add_argument("--format", choices=FORMATS, required=True)
    ap.add_argument("-o", "--output-dir", type=Path, required=True, metavar="DIR", help="where to write")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return export_main([args.report], args.format, args.output_dir)


def cli() -> None:
    sys.exit(run(PROG, main))


if __name__ == "__main__":
    cli()
