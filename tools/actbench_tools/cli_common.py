"""What the three CLIs share: one error line and exit status 2 for unusable input."""

from __future__ import annotations

import sys
from typing import Callable

from .load import ReportError

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A problem with what the user asked for (not with a report file)."""


def run(prog: str, main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run `main`, turning known failures into one line on stderr and an exit status."""
    try:
        return main(argv)
    except ReportError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UsageError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:  # writing an output file or folder
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"{prog}: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def warn(prog: str, message: str) -> None:
    print(f"{prog}: warning: {message}", file=sys.stderr)


def note(prog: str, message: str) -> None:
    print(f"{prog}: {message}", file=sys.stderr)
