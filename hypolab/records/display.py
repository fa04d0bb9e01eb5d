"""How records show in a notebook: ``_repr_html_`` tables and pandas data frames.

Standard library only (as every record module): the HTML is built with
``html.escape``, and pandas, an optional extra (``pip install
'hypolab[frames]'``), is imported only when a frame is asked for.

Example:

    analysis            # in Jupyter: the verdict and a table of the comparisons
    analysis.to_frame() # one row per comparison
"""

from __future__ import annotations

import html
import importlib
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

PANDAS_ADVICE = "pandas is not installed. Install it with pip install 'hypolab[frames]' (or pip install pandas)."


def pandas():
    """The pandas module, or an ImportError that says how to install it."""
    try:
        return importlib.import_module("pandas")
    except ImportError as exc:
        raise ImportError(f"hypolab data frames need pandas: {PANDAS_ADVICE}") from exc


def frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]):
    """A pandas DataFrame of ``rows`` with ``columns`` in that order (empty rows keep the columns)."""
    return pandas().DataFrame(list(rows), columns=list(columns))


def number(value: Any, digits: int = 3) -> str:
    """A number for a notebook table: ``digits`` significant figures, ``—`` where absent."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "—"
    return f"{value:.{digits}g}".replace("-", "−")


def table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """An HTML table, every cell escaped."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def analysis_html(analysis) -> str:
    """The verdict of ``analysis`` and a table of its comparisons, for Jupyter."""
    rows = [[c.treatment, c.control, number(c.difference), f"[{number(c.ci_low)}, {number(c.ci_high)}]",
             number(c.pvalue_adjusted), number(c.hedges_g), c.verdict.value] for c in analysis.comparisons]  # fmt: skip
    header = ["treatment", "control", f"difference in {analysis.metric}", "95% CI", "adjusted p", "Hedges' g",
              "verdict"]  # fmt: skip
    reason = f"<p>{html.escape(analysis.verdict_reason)}</p>" if analysis.verdict_reason else ""
    return (f"<div><p><strong>Verdict: {html.escape(analysis.verdict.value)}</strong> "
            f"({html.escape(analysis.metric)}, {html.escape(analysis.direction.value)})</p>{reason}"
            f"{table(header, rows)}</div>")  # fmt: skip
