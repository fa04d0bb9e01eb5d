"""The ``validate``, ``plan``, ``new`` and ``schema`` commands."""

from __future__ import annotations

import click


@click.command(name="validate")
def validate() -> None:
    """Check hypothesis files."""
    raise click.ClickException("'hypolab validate' is not available yet.")

@click.command(name="plan")
def plan() -> None:
    """Print the design of a hypothesis."""
    raise click.ClickException("'hypolab plan' is not available yet.")

@click.command(name="new")
def new() -> None:
    """Write a starter hypothesis file."""
    raise click.ClickException("'hypolab new' is not available yet.")

@click.command(name="schema")
def schema() -> None:
    """Print the JSON Schema of hypothesis files."""
    raise click.ClickException("'hypolab schema' is not available yet.")

