"""The ``hypolab report`` command."""

from __future__ import annotations

import click


@click.command(name="report")
def report() -> None:
    """Re-render reports from stored runs."""
    raise click.ClickException("'hypolab report' is not available yet.")

