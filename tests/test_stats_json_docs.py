"""docs/analysis-json.md describes every field the analysis JSON (and results.json) writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from hypolab.report.results import ReportInfo
from hypolab.stats import analyze

DOC = Path(__file__).resolve().parent.parent / "docs" / "analysis-json.md"


def _paths(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _paths(item, path)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for item in value:
            yield from _paths(item, f"{prefix}[]")


def _analyses():
    rng = np.random.default_rng(0)
    arms = {"c": rng.normal(0.9, 0.01, 6), "t": rng.normal(0.91, 0.01, 6),
            "u": rng.normal(0.92, 0.01, 6)}
    yield analyze(arms, control="c", direction="greater", margin=0.01, ordered=True)
    yield analyze(arms, control="c", direction="equivalent", margin=0.02, pairing="seed")
    yield analyze(arms, control="c", direction="two-sided", correction="dunnett")
    yield _sequential(arms)


def _sequential(arms):
    from hypolab.records import SequentialConfig
    from hypolab.stats.sequential.conclude import sequential_analysis
    from hypolab.stats.sequential.looks import analyze_look

    config = SequentialConfig(looks=(3, 6), futility=True)
    looks = analyze_look({k: v[:3] for k, v in arms.items()}, control="c", config=config, look=1)
    seeds = {k: list(range(6)) for k in arms}
    return sequential_analysis(arms, control="c", config=config, looks=looks, plan_seeds=range(6), seeds=seeds)


def test_every_field_of_the_json_is_documented():
    documented = set(re.findall(r"`([a-z_0-9]+(?:\[\])?(?:\.[a-z_0-9]+(?:\[\])?)*)`",
                                DOC.read_text(encoding="utf-8")))
    info = ReportInfo(hypothesis="h", path="h.yaml", claim="c", metric="m", seeds=(0,), arms=("a",),
                      runs=1, runs_finished_at=None, rendered_at="now", command="hypolab test h.yaml")
    written = set()
    for analysis in _analyses():
        data = json.loads(json.dumps({**analysis.to_dict(), "report": info.to_dict()}))
        written |= set(_paths(data))
    missing = sorted(written - documented)
    assert missing == []
