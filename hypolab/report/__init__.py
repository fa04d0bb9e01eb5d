"""The report stage: a hypothesis's results as a page someone else can read and check.

``write_report`` writes ``index.html``, ``results.json``, ``runs.csv`` and
``summary.md`` for one hypothesis from its ``Analysis`` record;
``write_index`` lists every report in a folder. Plotting libraries are
imported only when a report is rendered.
"""

from __future__ import annotations

from hypolab.report.index import write_index
from hypolab.report.write import write_report

__all__ = ["write_index", "write_report"]
