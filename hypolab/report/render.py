"""Rendering the report's templates and writing its files.

Every template is rendered by Jinja2 with autoescaping on, so any text from a
hypothesis file or a run (claim, arm names, error messages) is shown as text.
A page is one self-contained file: inline CSS, figures as ``data:`` URIs, no
script, no font or stylesheet fetched from anywhere. The tune report
(``hypolab.tuning.report``) renders through these too.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypolab import outputs
from hypolab.errors import OutputError, ReportError

TEMPLATES = Path(__file__).with_name("templates")

#: Marks the pages hypolab wrote, so that an index is only ever refreshed over its own file.
GENERATOR = "hypolab-report"


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render one of the package's templates (autoescape on)."""
    import jinja2

    try:
        return _environment().get_template(template).render(**context)
    except jinja2.TemplateError as exc:  # a bug of ours, said plainly rather than as a traceback
        raise ReportError(f"Cannot render {template}: {exc}. This is a hypolab bug; please report it.") from exc


def write_text(path: Path, text: str, *, root: str | os.PathLike[str] | None = None) -> None:
    """Write a file whole and atomically, never through a symlink, or raise ``ReportError``.

    Args:
        path: the file.
        text: its whole content.
        root: the reports root ``path`` must stay inside (symlinks resolved).
    """
    try:
        outputs.write_text(path, text, root=root)
    except OutputError as exc:
        raise ReportError(str(exc)) from None


def written_by_hypolab(page: Path) -> bool:
    """Whether ``page`` is a page hypolab wrote (it carries ``GENERATOR``)."""
    try:
        with page.open(encoding="utf-8", errors="replace") as handle:
            return GENERATOR in handle.read(2000)
    except OSError:
        return False


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
