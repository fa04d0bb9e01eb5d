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
from hypolab.records.hypothesis import (
    METRICS,
    Arm,
    BaselineRef,
    Correction,
    DataConfig,
    Direction,
    Hypothesis,
    Pairing,
    Task,
    TestName,
    flatten,
    higher_is_better,
    is_timing_metric,
)
from hypolab.records.runs import (
    Dataset,
    Engine,
    PlanIdentity,
    Registration,
    RunOptions,
    RunResult,
    RunSpec,
    RunStatus,
    Timing,
)
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
    "BaselineRef",
    "Comparison",
    "Conclusion",
    "Correction",
    "DataConfig",
    "Dataset",
    "Direction",
    "Engine",
    "EquivalenceTest",
    "Hypothesis",
    "KruskalWallis",
    "MarginTest",
    "OmnibusTests",
    "Pairing",
    "PlanIdentity",
    "Registration",
    "RobustnessCheck",
    "RunOptions",
    "RunResult",
    "RunSpec",
    "RunStatus",
    "Task",
    "TestName",
    "TestResult",
    "Timing",
    "TrendTest",
    "Verdict",
    "WelchAnova",
    "flatten",
    "higher_is_better",
    "is_timing_metric",
]
