"""``reports/index.html``: every report in a folder, with its claim and verdict."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypolab import __version__
from hypolab.report.numbers import fmt
from hypolab.report.render import GENERATOR, render, write_text
from hypolab.report.results import read_results
from hypolab.report.verdicts import headline, interval_text


def write_index(reports_root: str | os.PathLike[str]) -> Path:
    """Write ``reports_root/index.html`` listing each ``<name>/results.json`` found there.

    Each row shows the hypothesis (linking to its report), its claim, its
    one verdict first where it has several comparisons or a dose series, then
    every comparison's verdict with the difference and the interval that
    decided it, the seeds and the dates.
    A folder whose ``results.json`` cannot be read is listed with the reason
    rather than left out.

    Args:
        reports_root: the folder holding one sub-folder per report, e.g. ``reports``.

    Returns:
        The path of the written index.

    Raises:
        ReportError: the index cannot be written.
    """
    root = Path(reports_root)
    entries = [_entry(path) for path in sorted(root.glob("*/results.json"))]
    entries.sort(key=lambda e: (e["rendered_at"] or "", e["name"]), reverse=True)
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    html = render("index.html.j2", {"entries": entries, "generator": GENERATOR,
                                    "hypolab_version": __version__, "rendered_at": now})  # fmt: skip
    page = root / "index.html"
    write_text(page, html, root=root)
    return page


def _entry(path: Path) -> dict[str, Any]:
    name = path.parent.name
    entry: dict[str, Any] = {"name": name, "href": f"{name}/index.html", "claim": "", "problem": "",
                             "comparisons": [], "seeds": "", "rendered_at": None, "finished_at": "",
                             "headline": None}  # fmt: skip
    try:
        analysis, info = read_results(path)
    except (OSError, ValueError) as exc:
        entry["problem"] = f"results.json could not be read: {exc}"
        return entry
    entry.update(
        headline=headline(analysis),
        claim=info.claim,
        rendered_at=info.rendered_at,
        finished_at=info.runs_finished_at or "",
        seeds=f"{len(info.seeds)} per arm" if info.seeds else "",
        comparisons=[
            {
                "label": f"{c.treatment} vs {c.control}",
                "verdict": c.verdict.value,
                "effect": f"{fmt(c.difference)} {interval_text(c.decision_interval)}",
            }
            for c in analysis.comparisons
        ],
    )  # fmt: skip
    return entry
