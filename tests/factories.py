"""Factories of test records: a resolved ``TrainingConfig`` and a ``RunResult`` with any fields set."""

from __future__ import annotations

from typing import Any

from hypolab.records import RunResult, RunSpec, RunStatus, TrainingConfig

#: A tiny resolved config as a dict: an MLP of 8 units, adam at 0.01, two epochs.
TINY_CONFIG: dict[str, Any] = {
    "model": {"kind": "mlp", "units": [8], "activation": "relu", "dropout": 0.0, "batch_norm": False},
    "optimizer": {"name": "adam", "learning_rate": 0.01},
    "loss": "auto",
    "epochs": 2,
    "batch_size": 32,
    "early_stopping": None,
}


def training_config(**changes: Any) -> TrainingConfig:
    """``TINY_CONFIG`` with top-level keys replaced, as a record: ``training_config(epochs=1)``."""
    return TrainingConfig.from_dict({**TINY_CONFIG, **changes})


def run_result(spec: RunSpec | None = None, *, status: RunStatus = RunStatus.FINISHED, **fields: Any) -> RunResult:
    """A ``RunResult`` for tests: ``spec``'s identity (or plain defaults) and ``status``, then ``fields``.

    Example: ``run_result(spec, metrics={"test_accuracy": 0.9})``, or
    ``run_result(key="k1", arm="control", seed=2, status=RunStatus.FAILED, error="boom")``.
    """
    identity: dict[str, Any] = {"key": "k1", "hypothesis": "h", "arm": "control", "seed": 0, "config": training_config(),
                                "data": {}}  # fmt: skip
    if spec is not None:
        identity = {"key": spec.key, "hypothesis": spec.hypothesis, "arm": spec.arm, "seed": spec.seed,
                    "config": spec.config, "data": spec.data.to_dict()}  # fmt: skip
    return RunResult(**{**identity, "status": status, **fields})
