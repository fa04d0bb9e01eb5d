"""The malformed corpus: every file in tests/malformed/ fails with its exact message.

Each ``NAME.yaml`` is paired with ``NAME.expected``; every non-empty line of
the ``.expected`` file must appear in the error text (lines are substrings, so
absolute folders can be left out). Baseline files live in ``baselines/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hypolab.errors import SpecErrors
from hypolab.hypothesis import load_text

CORPUS = Path(__file__).resolve().parent / "malformed"
CASES = sorted(CORPUS.glob("*.yaml"))


def test_corpus_has_at_least_30_cases_each_with_an_expected_message():
    assert len(CASES) >= 30
    missing = [case.name for case in CASES if not case.with_suffix(".expected").is_file()]
    assert missing == []
    orphans = [p.name for p in CORPUS.glob("*.expected") if not p.with_suffix(".yaml").is_file()]
    assert orphans == []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_malformed_file_gives_its_message(case):
    expected = [line.strip() for line in case.with_suffix(".expected").read_text().splitlines() if line.strip()]
    assert expected, f"{case.stem}.expected is empty"
    with pytest.raises(SpecErrors) as caught:
        load_text(case.read_text(encoding="utf-8"), file=f"malformed/{case.name}", folder=CORPUS)
    text = str(caught.value)
    for line in expected:
        assert line in text, f"expected {line!r} in:\n{text}"
    # Every error points at a file, and at a line where one is known.
    for error in caught.value.errors:
        assert error.file
        assert error.line is not None, str(error)
