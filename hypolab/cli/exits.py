"""How a command ends: its exit code, Ctrl-C, the report's location and ``--open``.

Exit codes (the README lists them):

- 0: the command ran (a report was written where it trains and reports),
- 1: an error, printed as ``Error: ...``,
- 2: a usage error (an unknown option, a bad value), printed by click,
- 3: ``--expect VERDICT`` was given and the hypothesis' verdict is another one
  (or there is no verdict), for CI pipelines,
- 130: interrupted (Ctrl-C); the runs finished so far are saved, and the same
  command resumes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import click

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED_VERDICT = 3
EXIT_INTERRUPTED = 130


@contextlib.contextmanager
def interrupted(line: Callable[[], str]) -> Iterator[None]:
    """Turn Ctrl-C inside the body into one line on stderr (``line()``) and exit 130.

    ``line`` is called after the interrupt, so it can count what was saved by then.
    """
    try:
        yield
    except KeyboardInterrupt:
        try:
            text = line()
        except Exception:  # noqa: BLE001 - a failed count must not hide that the command stopped
            text = "Interrupted. Run the same command again to resume."
        click.echo(text, err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


def report_uri(path: str | Path) -> str:
    """The report as a ``file://`` URI, which terminals make clickable."""
    return Path(path).resolve().as_uri()


def open_in_browser(path: str | Path) -> str | None:
    """Open the report in the user's browser (``$BROWSER`` first); None, or why it could not."""
    import webbrowser

    try:
        opened = webbrowser.open(report_uri(path))
    except webbrowser.Error as exc:
        return f"could not open a browser ({exc}); open {report_uri(path)} yourself"
    return None if opened else f"no browser found; open {report_uri(path)} yourself"
