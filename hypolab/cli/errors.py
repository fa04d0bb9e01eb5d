"""Turning hypolab's errors into CLI errors: ``Error: ...`` and an exit code."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import click

from hypolab.errors import HypolabError


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Re-raise a ``HypolabError`` as a ``ClickException`` (exit 1, ``Error: ...``).

    The message is ``terminal_text``: a control character from a file name or
    a CSV cell is printed as an escape, never sent to the terminal raw.
    """
    try:
        yield
    except HypolabError as exc:
        raise click.ClickException(terminal_text(str(exc))) from None


def terminal_text(text: str) -> str:
    """``text`` safe to print: controls and invisible format characters as escapes (``\\x1b``)."""
    from hypolab.hypothesis.text import printable  # lazily: the hypothesis package loads pydantic

    return printable(text)


def check_folder(option: str, folder: str) -> None:
    """Raise a ``BadParameter`` (exit 2) where ``folder`` for ``option`` cannot be created.

    Commands call this before training, so a folder that cannot be written is
    reported at once rather than after the runs (or as the failure of every
    run). Nothing is created: a command that fails later leaves no empty folder.
    """
    existing = Path(folder)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        reason = f"{existing} is a file, not a folder"
    elif not os.access(existing, os.W_OK):
        reason = f"{existing} is not writable"
    else:
        return
    raise click.BadParameter(
        f"cannot create the folder {folder}: {reason}. Expected a folder you can write to.",
        param_hint=f"'{option}'",
    )
