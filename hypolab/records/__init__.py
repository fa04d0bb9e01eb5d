"""Plain records passed between hypolab's stages. Read this module first.

The pipeline::

    hypotheses/x.yaml -> hypothesis -> Hypothesis -> plan -> [RunSpec]
      -> runner (datasets, models) -> RunResult -> store
      -> stats -> Analysis -> report -> reports/<name>/index.html

Every record is a frozen dataclass built by keyword. Configs are plain,
JSON-serialisable dicts (the resolved arm config as the runner sees it); the
records never hold Keras objects, so this module imports nothing heavy.
"""

from __future__ import annotations

from hypolab.records.analysis import Analysis, ArmSummary, Comparison, Verdict
from hypolab.records.decision import DecisionInterval, DifferenceTest, SeedsEstimate
from hypolab.records.hypothesis import (
    METRICS,
    Arm,
    Correction,
    DataConfig,
    Direction,
    Hypothesis,
    Pairing,
    Task,
    TestName,
    flatten,
    higher_is_better,
)
from hypolab.records.runs import Dataset, RunResult, RunSpec, RunStatus
from hypolab.records.series import DoseStep, SeriesAnalysis, SeriesTest
from hypolab.records.significance import (
    Conclusion,
    EquivalenceTest,
    KruskalWallis,
    MarginTest,
    OmnibusTests,
    RobustnessCheck,
    TestResult,
    TrendTest,
    WelchAnova,
)

__all__ = [
    "METRICS",
    "Analysis",
    "Arm",
    "ArmSummary",
    "Comparison",
    "Conclusion",
    "Correction",
    "DataConfig",
    "Dataset",
    "DecisionInterval",
    "DifferenceTest",
    "Direction",
    "DoseStep",
    "EquivalenceTest",
    "Hypothesis",
    "KruskalWallis",
    "MarginTest",
    "OmnibusTests",
    "Pairing",
    "RobustnessCheck",
    "RunResult",
    "RunSpec",
    "RunStatus",
    "SeedsEstimate",
    "SeriesAnalysis",
    "SeriesTest",
    "Task",
    "TestName",
    "TestResult",
    "TrendTest",
    "Verdict",
    "WelchAnova",
    "flatten",
    "higher_is_better",
]
