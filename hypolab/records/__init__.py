"""Plain records passed between hypolab's stages. Read this module first.

The pipeline::

    hypotheses/x.yaml -> hypothesis -> Hypothesis -> plan -> [RunSpec]
      -> runner (datasets, models) -> RunResult -> store
      -> stats -> Analysis -> report -> reports/<name>/index.html

Every record is a frozen dataclass built by keyword. An arm's resolved config
is a ``TrainingConfig`` (``training.py``), whose ``to_dict()`` is the plain,
JSON-serialisable dict that run keys hash and the store keeps; the records
never hold Keras objects, so this module imports nothing heavy.
"""

from __future__ import annotations

from hypolab.records.analysis import Analysis, ArmSummary, Comparison, Verdict
from hypolab.records.decision import DecisionInterval, DifferenceTest, SeedsEstimate
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
from hypolab.records.metrics import MetricSpec
from hypolab.records.runs import (
    Dataset,
    Engine,
    PlanIdentity,
    Registration,
    RegistrationCheck,
    RunOptions,
    RunResult,
    RunSpec,
    RunStatus,
    Timing,
)
from hypolab.records.schedules import LearningRateSchedule, ReduceLROnPlateauSettings
from hypolab.records.sequential import (
    Look,
    LookDecision,
    LookSettings,
    SequentialAnalysis,
    SequentialConfig,
    Spending,
)
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
from hypolab.records.training import (
    Arguments,
    CnnConfig,
    CustomConfig,
    EarlyStoppingSettings,
    MlpConfig,
    ModelConfig,
    ModelKind,
    OptimizerSettings,
    TrainingConfig,
    model_from_dict,
)

__all__ = [
    "METRICS",
    "Analysis",
    "Arguments",
    "Arm",
    "ArmSummary",
    "BaselineRef",
    "CnnConfig",
    "Comparison",
    "Conclusion",
    "Correction",
    "CustomConfig",
    "DataConfig",
    "Dataset",
    "DecisionInterval",
    "DifferenceTest",
    "Direction",
    "DoseStep",
    "EarlyStoppingSettings",
    "Engine",
    "EquivalenceTest",
    "Hypothesis",
    "KruskalWallis",
    "LearningRateSchedule",
    "Look",
    "LookDecision",
    "LookSettings",
    "MarginTest",
    "MetricSpec",
    "MlpConfig",
    "ModelConfig",
    "ModelKind",
    "OmnibusTests",
    "OptimizerSettings",
    "Pairing",
    "PlanIdentity",
    "ReduceLROnPlateauSettings",
    "Registration",
    "RegistrationCheck",
    "RobustnessCheck",
    "RunOptions",
    "RunResult",
    "RunSpec",
    "RunStatus",
    "SeedsEstimate",
    "SequentialAnalysis",
    "SequentialConfig",
    "SeriesAnalysis",
    "SeriesTest",
    "Spending",
    "Task",
    "TestName",
    "TestResult",
    "Timing",
    "TrainingConfig",
    "TrendTest",
    "Verdict",
    "WelchAnova",
    "flatten",
    "higher_is_better",
    "is_timing_metric",
    "model_from_dict",
]
