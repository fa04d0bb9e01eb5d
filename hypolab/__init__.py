"""hypolab: rigorous, repeatable hypothesis tests for Keras models.

The public API. Records and errors are plain imports; the stages (loading a
file, training, statistics, reports) are imported on first use, so
``import hypolab`` stays fast and never loads TensorFlow.

Example:

    import hypolab
    h = hypolab.load_hypothesis("hypotheses/batchsize.yaml")
    results = hypolab.run_hypothesis(h)        # trains (or reuses) every run
    analysis = hypolab.analyze_hypothesis(h, results)
    print(analysis.comparisons[0].sentence)
"""

from __future__ import annotations

import importlib
from typing import Any

from hypolab.errors import (
    AnalysisError,
    DataError,
    DeviceError,
    ExecutorError,
    HypolabError,
    ModelError,
    OutputError,
    ReportError,
    SpecError,
    SpecErrors,
    StoreError,
    TuningError,
)
from hypolab.records import (
    METRICS,
    Analysis,
    Arguments,
    Arm,
    ArmSummary,
    BaselineRef,
    CnnConfig,
    Comparison,
    Conclusion,
    Correction,
    CustomConfig,
    DataConfig,
    Dataset,
    DecisionInterval,
    DifferenceTest,
    Direction,
    DoseStep,
    EarlyStoppingSettings,
    Engine,
    EquivalenceTest,
    Hypothesis,
    KruskalWallis,
    LearningRateSchedule,
    Look,
    LookDecision,
    LookSettings,
    MarginTest,
    MetricSpec,
    MlpConfig,
    ModelConfig,
    ModelKind,
    OmnibusTests,
    OptimizerSettings,
    Pairing,
    PlanIdentity,
    ReduceLROnPlateauSettings,
    Registration,
    RegistrationCheck,
    RobustnessCheck,
    RunOptions,
    RunResult,
    RunSpec,
    RunStatus,
    SeedsEstimate,
    SequentialAnalysis,
    SequentialConfig,
    SeriesAnalysis,
    SeriesTest,
    Spending,
    Task,
    TestName,
    TestResult,
    Timing,
    TrainingConfig,
    TrendTest,
    Verdict,
    WelchAnova,
)

__version__ = "0.1.0"

#: Names served on first use: (module, attribute).
_LAZY = {
    "analyze": ("hypolab.stats", "analyze"),
    "analyze_hypothesis": ("hypolab.pipeline", "analyze_hypothesis"),
    "load_hypothesis": ("hypolab.hypothesis", "load"),
    "run_hypothesis": ("hypolab.pipeline", "run_hypothesis"),
    "runs_frame": ("hypolab.frames", "runs_frame"),
    "RunStore": ("hypolab.store", "RunStore"),
    "seeds_needed": ("hypolab.stats", "seeds_needed"),
    "write_report": ("hypolab.report", "write_report"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'hypolab' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Analysis",
    "AnalysisError",
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
    "DataError",
    "Dataset",
    "DecisionInterval",
    "DeviceError",
    "DifferenceTest",
    "Direction",
    "DoseStep",
    "EarlyStoppingSettings",
    "Engine",
    "EquivalenceTest",
    "ExecutorError",
    "HypolabError",
    "Hypothesis",
    "KruskalWallis",
    "LearningRateSchedule",
    "Look",
    "LookDecision",
    "LookSettings",
    "METRICS",
    "MarginTest",
    "MetricSpec",
    "MlpConfig",
    "ModelConfig",
    "ModelError",
    "ModelKind",
    "OmnibusTests",
    "OptimizerSettings",
    "OutputError",
    "Pairing",
    "PlanIdentity",
    "ReduceLROnPlateauSettings",
    "Registration",
    "RegistrationCheck",
    "ReportError",
    "RobustnessCheck",
    "RunOptions",
    "RunResult",
    "RunSpec",
    "RunStatus",
    "RunStore",
    "SeedsEstimate",
    "SequentialAnalysis",
    "SequentialConfig",
    "SeriesAnalysis",
    "SeriesTest",
    "SpecError",
    "SpecErrors",
    "Spending",
    "StoreError",
    "Task",
    "TestName",
    "TestResult",
    "Timing",
    "TrainingConfig",
    "TrendTest",
    "TuningError",
    "Verdict",
    "WelchAnova",
    "__version__",
    "analyze",
    "analyze_hypothesis",
    "load_hypothesis",
    "run_hypothesis",
    "runs_frame",
    "seeds_needed",
    "write_report",
]
