"""The ``hypolab tune`` command."""

from __future__ import annotations

import click


@click.command(name="tune")
def tune() -> None:
    """Search a strong baseline with Keras Tuner."""
    raise click.ClickException("'hypolab tune' is not available yet.")

