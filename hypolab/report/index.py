"""``reports/index.html``: every report in a folder, with its claim and verdict."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hypolab.report.numbers import fmt, is_number


def write_index(reports_root: str | os.PathLike[str]) -> Path:
    """Write ``reports_root/index.html`` listing each ``<name>/results.json`` found there.

    Each row shows the hypothesis (linking to its report), its claim, every
    comparison's verdict with the difference and CI, the seeds and the dates.
    A folder whose ``results.json`` cannot be read is listed with the reason
    rather than left out.

    Args:
        reports_root: the folder holding one sub-folder per report, e.g. ``reports``.

    Returns:
        The path of the written index.

    Raises:
        ReportError: the index cannot be written.
    """
    from hypolab import __version__
    from hypolab.report.page import GENERATOR
    from hypolab.report.render import render, write_text

    root = Path(reports_root)
    entries = [_entry(path) for path in sorted(root.glob("*/results.json"))]
    entries.sort(key=lambda e: (e["rendered_at"] or "", e["name"]), reverse=True)
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    html = render("index.html.j2", {"entries": entries, "generator": GENERATOR,
                                    "hypolab_version": __version__, "rendered_at": now})  # fmt: skip
    page = root / "index.html"
    write_text(page, html, root=root)
    return page


def _entry(path: Path) -> dict[str, Any]:
    name = path.parent.name
    entry: dict[str, Any] = {"name": name, "href": f"{name}/index.html", "claim": "", "problem": "",
                             "comparisons": [], "seeds": "", "rendered_at": None, "finished_at": ""}  # fmt: skip
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        meta = data.get("report") or {}
        entry["claim"] = str(meta.get("claim", ""))
        entry["rendered_at"] = meta.get("rendered_at")
        entry["finished_at"] = meta.get("runs_finished_at") or ""
        seeds = meta.get("seeds") or []
        entry["seeds"] = f"{len(seeds)} per arm" if seeds else ""
        level = f"{100 * (1 - data['alpha']):g}% " if is_number(data.get("alpha")) else ""
        for comp in data.get("comparisons") or []:
            entry["comparisons"].append(
                {
                    "label": f"{comp.get('treatment')} vs {comp.get('control')}",
                    "verdict": _verdict(comp.get("verdict")),
                    "effect": f"{fmt(comp.get('difference'))} ({level}CI {fmt(comp.get('ci_low'))} "
                    f"to {fmt(comp.get('ci_high'))})",
                }
            )
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        entry["problem"] = f"results.json could not be read: {exc}"
    return entry


def _verdict(value: Any) -> str:
    text = str(value or "inconclusive").lower()
    return text if text in ("supported", "contradicted", "equivalent", "inconclusive") else "inconclusive"
