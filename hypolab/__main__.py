"""``python -m hypolab``: the same as the ``hypolab`` command."""

from hypolab.cli import main

main(prog_name="hypolab")
