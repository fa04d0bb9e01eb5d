"""Turning hypolab's errors into CLI errors: ``Error: ...`` and an exit code."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from hypolab.errors import HypolabError


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Re-raise a ``HypolabError`` as a ``ClickException`` (exit 1, ``Error: ...``)."""
    try:
        yield
    except HypolabError as exc:
        raise click.ClickException(str(exc)) from None
