"""The ``hypolab`` command line.

Each command lives in the module named for what it does; this module only
builds the group. Heavy modules (Keras, the runner, plotting) are imported
inside the commands that need them, so ``hypolab --help`` and
``hypolab validate`` never load TensorFlow.
"""

from __future__ import annotations

import click

from hypolab import __version__
from hypolab.cli.analyze_command import analyze
from hypolab.cli.report_command import report
from hypolab.cli.run_commands import status, test
from hypolab.cli.hypothesis_commands import new, plan, schema, validate
from hypolab.cli.tune_command import tune


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hypolab")
def main() -> None:
    """Test a claim about a Keras model with seeds, statistics and a report.

    \b
    Quick start:
      hypolab new myclaim                 write hypotheses/myclaim.yaml
      hypolab validate hypotheses/*.yaml  check files without training
      hypolab plan hypotheses/batchsize.yaml
      hypolab test hypotheses/batchsize.yaml
    """


for _command in (validate, plan, new, schema, test, status, analyze, report, tune):
    main.add_command(_command)
