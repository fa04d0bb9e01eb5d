"""``reports/index.html``: every report in a folder, with its claim and verdict."""

from __future__ import annotations

import base64
import hashlib
import os
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypolab import __version__
from hypolab.errors import ReportError
from hypolab.records import Direction, Verdict
from hypolab.report.numbers import metric_label
from hypolab.report.render import GENERATOR, render, write_text, written_by_hypolab
from hypolab.report.results import read_results
from hypolab.report.verdicts import effect_text, headline


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
    tunes = [_tune_entry(page) for page in sorted(root.glob("tune-*/index.html")) if written_by_hypolab(page)]
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    count = len(entries)
    html = render("index.html.j2", {"entries": entries, "tunes": tunes, "generator": GENERATOR,
                                    "count_text": f"{count} hypothes{'is' if count == 1 else 'es'}",
                                    "script": INDEX_SCRIPT, "script_hash": script_hash(INDEX_SCRIPT),
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
        metric=analysis.metric,
        note=claim_note(analysis.direction, analysis.verdict),
        comparisons=[
            {
                "label": f"{c.treatment} vs {c.control}",
                "verdict": c.verdict.value,
                "note": claim_note(analysis.direction, c.verdict),
                "effect": f"{metric_label(analysis.metric)} {effect_text(c.difference, c.decision_interval)}",
            }
            for c in analysis.comparisons
        ],
    )  # fmt: skip
    return entry


def claim_note(direction: Direction, verdict: Verdict) -> str:
    """What an ``equivalent`` verdict says about a directional claim: it was not supported."""
    if verdict is Verdict.EQUIVALENT and direction is not Direction.EQUIVALENT:
        return "claim not supported; shown equivalent"
    return ""


def _tune_entry(page: Path) -> dict[str, Any]:
    name = page.parent.name
    finished = datetime.fromtimestamp(page.stat().st_mtime, timezone.utc).replace(microsecond=0).isoformat()
    return {"name": name, "href": report_href(name), "rendered_at": finished}


#: The index's sort and filter: allowed by the page's Content-Security-Policy through its hash only.
INDEX_SCRIPT = """
document.addEventListener("DOMContentLoaded", function () {
  var table = document.getElementById("reports");
  if (!table) { return; }
  var body = table.tBodies[0];
  var filter = document.getElementById("filter");
  filter.hidden = false;
  filter.addEventListener("input", function () {
    var words = filter.value.toLowerCase();
    Array.prototype.forEach.call(body.rows, function (row) {
      row.hidden = words !== "" && row.textContent.toLowerCase().indexOf(words) < 0;
    });
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell, column) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = cell.textContent;
    button.title = "Sort by " + cell.textContent;
    cell.textContent = "";
    cell.appendChild(button);
    button.addEventListener("click", function () {
      var up = cell.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
      cell.setAttribute("aria-sort", up ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-sort") || a.cells[column].textContent.trim();
        var y = b.cells[column].getAttribute("data-sort") || b.cells[column].textContent.trim();
        var order = x.localeCompare(y, undefined, {numeric: true});
        return up ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def script_hash(script: str) -> str:
    """The CSP source that allows exactly ``script`` inline: ``'sha256-<base64>'``."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
