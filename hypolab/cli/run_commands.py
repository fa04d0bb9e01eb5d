"""The ``hypolab test`` and ``hypolab status`` commands."""

from __future__ import annotations

import click


@click.command(name="test")
def test() -> None:
    """Train every arm for every seed, analyse and report."""
    raise click.ClickException("'hypolab test' is not available yet.")

@click.command(name="status")
def status() -> None:
    """Show runs done, failed and pending per arm."""
    raise click.ClickException("'hypolab status' is not available yet.")

