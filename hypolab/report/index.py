"""``reports/index.html``: every report in a folder, with its claim and verdict."""

from __future__ import annotations

import os
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypolab import __version__
from hypolab.report.numbers import fmt
from hypolab.errors import ReportError
from hypolab.report.render import GENERATOR, render, write_text, written_by_hypolab
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
        ReportError: the index cannot be written, or ``reports_root/index.html``
            exists and is not a page hypolab wrote (a user's own page is never replaced).
    """
    root = Path(reports_root)
    page = root / "index.html"
    if page.is_file() and not page.is_symlink() and not written_by_hypolab(page):
        raise ReportError(
            f"Refusing to replace {page}: it is not a page hypolab wrote. Expected the index of "
            "hypolab's reports, or no file: choose another --out, or move the file away."
        )
    entries = [_entry(path) for path in sorted(root.glob("*/results.json"))]
    entries.sort(key=lambda e: (e["rendered_at"] or "", e["name"]), reverse=True)
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    html = render("index.html.j2", {"entries": entries, "generator": GENERATOR,
                                    "hypolab_version": __version__, "rendered_at": now})  # fmt: skip
    write_text(page, html, root=root)
    return page


def report_href(name: str) -> str | None:
    """The link from the index to the report folder ``name``: relative, URL-quoted, never a scheme.

    A folder can be named anything (``javascript:alert(1)``); quoted whole,
    its ``:`` is ``%3A`` and its ``/`` is ``%2F``, so the link is a path that
    always leads to ``<name>/index.html`` beside the index. Anything that
    still parses with a scheme or a host gets no link (None).

    Example:
        >>> report_href("javascript:alert(1)")
        'javascript%3Aalert%281%29/index.html'
    """
    href = f"{urllib.parse.quote(name, safe='')}/index.html"
    parts = urllib.parse.urlsplit(href)
    return href if not parts.scheme and not parts.netloc else None


def _entry(path: Path) -> dict[str, Any]:
    name = path.parent.name
    entry: dict[str, Any] = {"name": name, "href": report_href(name), "claim": "", "problem": "", "flag": "",
                             "comparisons": [], "seeds": "", "rendered_at": None, "finished_at": "",
                             "headline": None}  # fmt: skip
    try:
        analysis, info = read_results(path)
    except (OSError, ValueError) as exc:
        entry["problem"] = f"results.json could not be read: {exc}"
        return entry
    flagged = info.registration is not None and info.registration.flagged
    entry.update(
        flag=info.registration.summary() if flagged else "",
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
