"""The shipped sequential example stops early on real digits training (issue 14's "done when")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hypolab import pipeline

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_sequential_example_stops_early_on_digits(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    outcome = pipeline.test("hypotheses/sequential_width.yaml", store=tmp_path / "runs.sqlite", device="cpu",
                            reports_root=tmp_path / "reports")  # fmt: skip
    sequential = outcome.analysis.sequential
    assert sequential.stopped_early and sequential.stopped_at < len(sequential.looks_planned)
    assert outcome.trained == 2 * sequential.seeds_spent < 2 * 20
    comparison = outcome.analysis.comparisons[0]
    assert comparison.verdict.value == "supported" and "Stopped early for efficacy at look" in comparison.sentence
    assert comparison.decision_interval.low > 0
    data = json.loads((tmp_path / "reports" / "sequential_width" / "results.json").read_text(encoding="utf-8"))
    assert data["sequential"]["looks"][-1]["decision"] == "supported"
    again = pipeline.test("hypotheses/sequential_width.yaml", store=tmp_path / "runs.sqlite", device="cpu",
                          reports_root=tmp_path / "reports")  # fmt: skip
    assert again.trained == 0 and again.analysis.sequential == sequential  # the recorded looks stand
