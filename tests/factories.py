"""One factory of test records: a ``RunResult`` with any fields set."""

from __future__ import annotations

from typing import Any

from hypolab.records import RunResult, RunSpec, RunStatus


def run_result(spec: RunSpec | None = None, *, status: RunStatus = RunStatus.FINISHED, **fields: Any) -> RunResult:
    """A ``RunResult`` for tests: ``spec``'s identity (or plain defaults) and ``status``, then ``fields``.

    Example: ``run_result(spec, metrics={"test_accuracy": 0.9})``, or
    ``run_result(key="k1", arm="control", seed=2, status=RunStatus.FAILED, error="boom")``.
    """
    identity: dict[str, Any] = {"key": "k1", "hypothesis": "h", "arm": "control", "seed": 0, "config": {}, "data": {}}
    if spec is not None:
        identity = {"key": spec.key, "hypothesis": spec.hypothesis, "arm": spec.arm, "seed": spec.seed,
                    "config": spec.config, "data": spec.data.to_dict()}  # fmt: skip
    return RunResult(**{**identity, "status": status, **fields})
