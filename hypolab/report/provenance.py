"""Where a hypothesis' baseline came from: the tuner, its score, whether it was confirmed, its tune report.

A hypothesis built on ``baseline: baselines/<name>.yaml`` (written by
``hypolab tune``) is only as strong as that baseline, so the report's claim
section says how it was chosen. Read from the baseline file as it is now
(its hash at registration is checked elsewhere, ``hypolab.hypothesis.registration``).

Example:

    provenance = baseline_provenance(h)   # None without a baseline
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from hypolab.records import Hypothesis
from hypolab.report.numbers import fmt

#: Baseline files hypolab writes are a few KiB; anything far larger is not one.
_LIMIT = 1 << 20


def baseline_provenance(h: Hypothesis, out_dir: Path | None = None) -> dict[str, Any] | None:
    """What the report says of ``h``'s baseline, or None where it has none.

    Returns:
        ``{"path", "sha256", "text", "tune_href"}``: ``text`` in words (tuner,
        objective and score, chosen by the tuner or confirmed on fresh seeds),
        ``tune_href`` the relative link to ``tune-<name>/index.html`` beside
        the report where that page exists (else None).
    """
    if h.baseline is None:
        return None
    path = Path(h.baseline.path)
    document = _read(path)
    if document is None:
        text = "the baseline file cannot be read now"
    else:
        objective = document.get("objective") or {}
        parts = [f"tuned by Keras Tuner ({document.get('tuner', 'unknown tuner')})"]
        if document.get("score") is not None:
            parts.append(f"{objective.get('name', 'objective')} {fmt(document['score'], 4)} in the search")
        confirmed = document.get("confirmed")
        if isinstance(confirmed, dict) and confirmed.get("mean") is not None:
            parts.append(f"confirmed on {len(confirmed.get('seeds') or [])} fresh seeds: {confirmed.get('metric')} "
                         f"{fmt(confirmed['mean'], 4)} (sd {fmt(confirmed.get('std'), 2)})")  # fmt: skip
        else:
            parts.append("not confirmed on fresh seeds (hypolab tune --confirm N would)")
        text = "; ".join(parts)
    tune = f"tune-{path.stem}"
    href = None
    if out_dir is not None and (Path(out_dir).parent / tune / "index.html").is_file():
        href = f"../{urllib.parse.quote(tune, safe='')}/index.html"
    return {"path": h.baseline.path, "sha256": h.baseline.sha256[:12], "text": text, "tune_href": href}


def _read(path: Path) -> dict[str, Any] | None:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from hypolab.errors import HypolabError
    from hypolab.inputs import as_text, read_bytes

    try:
        document = YAML(typ="safe", pure=True).load(as_text(read_bytes(path, limit=_LIMIT, what="baseline file")))
    except (HypolabError, OSError, YAMLError, UnicodeError):
        return None
    return document if isinstance(document, dict) else None
