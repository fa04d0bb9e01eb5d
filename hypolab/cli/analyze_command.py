"""The ``hypolab analyze`` command."""

from __future__ import annotations

import click


@click.command(name="analyze")
def analyze() -> None:
    """Analyse per-seed results from a CSV file."""
    raise click.ClickException("'hypolab analyze' is not available yet.")

