"""What the CLIs share: argument parsing, loading with warnings, and error handling.

Every failure a user can cause (an unusable report, a bad option, an unwritable output) is one
line on stderr, `<prog>: error: <what>`, and exit status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .load import Report, ReportError, load_reports, warnings_for

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class UsageError(Exception):
    """A problem with what the user asked for (not with a report file)."""


def run(prog: str, main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run `main`, turning known failures into one line on stderr and an exit status."""
    try:
        return main(argv)
    except (ReportError, UsageError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:  # writing an output file or folder
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"{prog}: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: still one line, the traceback on request
        if os.environ.get("ACTBENCH_TOOLS_TRACEBACK"):
            raise
        print(f"{prog}: internal error: {type(e).__name__}: {' '.join(str(e).split())} "
              "(a bug in actbench-tools; rerun with ACTBENCH_TOOLS_TRACEBACK=1 for the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL


def check_threshold(pct: float, option: str = "--threshold") -> None:
    """A regression threshold in percent: a finite number, 0 or more."""
    if not (pct >= 0 and math.isfinite(pct)):
        raise UsageError(f"{option} must be a non-negative number, got {pct}")


def warn(prog: str, message: str) -> None:
    print(f"{prog}: warning: {message}", file=sys.stderr)


def note(prog: str, message: str) -> None:
    print(f"{prog}: {message}", file=sys.stderr)


def parser(prog: str, doc: str, *, raw_epilog: bool = False) -> argparse.ArgumentParser:
    """A parser whose description is the first paragraph of `doc` and epilog the rest, with --version."""
    first, _, rest = doc.strip().partition("\n\n")
    ap = argparse.ArgumentParser(
        prog=prog, description=first, epilog=rest or None,
        formatter_class=argparse.RawDescriptionHelpFormatter if raw_epilog else argparse.HelpFormatter)
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return ap


def add_reports_argument(ap: argparse.ArgumentParser, help: str) -> None:
    ap.add_argument("reports", nargs="+", metavar="REPORT.json", type=Path, help=help)


def load_with_warnings(prog: str, paths: Sequence[str | Path]) -> list[Report]:
    """Load and validate every report (ReportError on the first bad one), warning about what a
    reader must know before trusting them."""
    reports = load_reports(paths)
    for r in reports:
        for w in warnings_for(r):
            warn(prog, w)
    return reports


def write_output(path: Path | None, text: str) -> None:
    """Write to `path`, or to stdout when it is None."""
    if path is None:
        sys.stdout.write(text)
    else:
        path.write_text(text, encoding="utf-8")
