"""Recorded runs for the report tests: no training, fake histories with numpy.

``make_hypothesis`` builds a Hypothesis record as the hypothesis stage would;
``make_results`` fakes the RunResults of every arm and seed (learning curves
that fall and rise like real ones, final values fixed by seed). The analyses
the reports are rendered from are the real ones: ``analysis_of`` runs
``hypolab.analyze_hypothesis`` (``hypolab.stats.analyze``) on those values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hypolab.pipeline import analyze_hypothesis
from hypolab.records import (
    Analysis,
    Arm,
    DataConfig,
    Direction,
    Hypothesis,
    Pairing,
    RunResult,
    RunStatus,
    TestName,
    TrainingConfig,
)

BASE = {
    "model": {"kind": "mlp", "units": [64, 32], "activation": "relu", "dropout": 0.0,
              "batch_norm": False},
    "optimizer": {"name": "adam", "learning_rate": 0.001},
    "loss": "auto",
    "epochs": 20,
    "batch_size": 32,
    "early_stopping": None,
}  # fmt: skip

SOURCE = """claim: {claim}
metric: test_accuracy
direction: greater
margin: 0.01
seeds: {seeds}
control:
  name: batch 128
  set: {{batch_size: 128}}
treatments:
  - name: batch 4
    set: {{batch_size: 4}}
"""


def make_hypothesis(
    *,
    claim: str = "A batch size of 4 gives higher test accuracy than 128 for a small MLP on digits.",
    treatments: Sequence[tuple[str, int]] = (("batch 4", 4),),
    seeds: int = 10,
    margin: float | None = 0.01,
    direction: Direction = Direction.GREATER,
    failed_as_worst: bool = False,
    name: str = "batchsize",
    test: TestName = TestName.AUTO,
    pairing: Pairing = Pairing.INDEPENDENT,
    ordered: bool = False,
) -> Hypothesis:
    def arm(arm_name: str, batch_size: int, is_control: bool = False) -> Arm:
        config = TrainingConfig.from_dict({**BASE, "batch_size": batch_size})
        return Arm(name=arm_name, overrides={"batch_size": batch_size}, config=config,
                   is_control=is_control)  # fmt: skip

    return Hypothesis(
        name=name,
        path=f"hypotheses/{name}.yaml",
        claim=claim,
        metric="test_accuracy",
        direction=direction,
        alpha=0.05,
        seeds=tuple(range(seeds)),
        data=DataConfig(name="digits", subset=None),
        base=TrainingConfig.from_dict(BASE),
        control=arm("batch 128", 128, is_control=True),
        treatments=tuple(arm(n, bs) for n, bs in treatments),
        margin=margin,
        test=test,
        pairing=pairing,
        ordered=ordered,
        failed_as_worst=failed_as_worst,
        source=SOURCE.format(claim=claim, seeds=seeds),
        warnings=("only 3 seeds per arm: power will be low",) if seeds < 5 else (),
    )


def make_results(
    h: Hypothesis,
    *,
    epochs: int = 20,
    shifts: Mapping[str, float] | None = None,
    failures: Mapping[tuple[str, int], RunStatus] | None = None,
    tied: bool = False,
    values: Mapping[str, Sequence[float]] | None = None,
) -> list[RunResult]:
    """One RunResult per arm and seed with fake histories and final metrics.

    Args:
        shifts: added to each arm's accuracy (default: treatments +0.02 each).
        failures: (arm, seed) -> DIVERGED or FAILED for runs that did not finish.
        tied: every finished run of an arm gets the same final value (ties).
        values: the final ``test_accuracy`` of each arm, one per seed in order
            (instead of ``0.93 + shift + noise``).
    """
    shifts = dict(shifts or {arm.name: 0.02 * i for i, arm in enumerate(h.arms)})
    failures = dict(failures or {})
    results = []
    for arm in h.arms:
        for seed in h.seeds:
            rng = np.random.default_rng(1000 * len(results) + seed)
            t = np.arange(1, epochs + 1)
            loss = 2.3 * np.exp(-t / 4) + 0.1 + rng.normal(0, 0.02, epochs)
            acc = 0.95 + shifts.get(arm.name, 0) - 0.85 * np.exp(-t / 3) + rng.normal(0, 0.005, epochs)
            history = {
                "loss": loss.tolist(),
                "accuracy": np.clip(acc, 0, 1).tolist(),
                "val_loss": (loss + 0.05).tolist(),
                "val_accuracy": np.clip(acc - 0.01, 0, 1).tolist(),
            }
            final = 0.93 + shifts.get(arm.name, 0) + (0.0 if tied else float(rng.normal(0, 0.006)))
            if values is not None:
                final = float(values[arm.name][h.seeds.index(seed)])
            status = failures.get((arm.name, seed), RunStatus.FINISHED)
            metrics = {"test_accuracy": final, "test_loss": float(loss[-1]),
                       "val_accuracy": history["val_accuracy"][-1], "val_loss": history["val_loss"][-1],
                       "accuracy": history["accuracy"][-1], "loss": history["loss"][-1],
                       "train_seconds": 4.0 + seed / 10, "epochs_run": float(epochs)}  # fmt: skip
            error = None
            diverged_epoch = None
            if status == RunStatus.DIVERGED:
                diverged_epoch = 3
                history = {k: v[:2] + [float("nan")] for k, v in history.items()}
                metrics = {}
                error = "loss became NaN at epoch 3 (learning rate too high?)"
            elif status == RunStatus.FAILED:
                history, metrics = {}, {}
                error = "ValueError: <b>bad</b> input shape (None, 64) & co"
            results.append(
                RunResult(
                    key=f"{abs(hash((arm.name, seed))) % 16**16:016x}",
                    hypothesis=h.name,
                    arm=arm.name,
                    seed=seed,
                    config=arm.config,
                    data={**h.data.to_dict(), "sizes": {"train": 1149, "val": 288, "test": 360}},
                    status=status,
                    history=history,
                    metrics=metrics,
                    best_epoch=epochs if status == RunStatus.FINISHED else None,
                    epochs_run=epochs if status == RunStatus.FINISHED else len(history.get("loss", [])),
                    trainable_params=6570,
                    train_seconds=4.0 + seed / 10,
                    device="cpu",
                    backend="tensorflow",
                    versions={"hypolab": "0.1.0", "keras": "3.15.0", "tensorflow": "2.21.0",
                              "python": "3.11.2", "numpy": "2.4.0"},  # fmt: skip
                    started_at=f"2026-11-27T09:{seed:02d}:00+00:00",
                    finished_at=f"2026-11-27T09:{seed:02d}:05+00:00",
                    error=error,
                    diverged_epoch=diverged_epoch,
                )
            )
    return results


def values_by_arm(h: Hypothesis, results: Sequence[RunResult]) -> dict[str, list[float]]:
    return {
        arm.name: [r.metrics[h.metric] for r in results
                   if r.arm == arm.name and r.status == RunStatus.FINISHED]
        for arm in h.arms
    }  # fmt: skip


def analysis_of(h: Hypothesis, results: Sequence[RunResult]) -> Analysis:
    """The real analysis of ``h`` on ``results``: what ``hypolab test`` renders the report from."""
    return analyze_hypothesis(h, results)


HYPOTHESIS_YAML = """claim: {claim}
metric: test_accuracy
direction: greater
margin: 0.01
seeds: {seeds}
data:
  name: digits
base:
  model: {{kind: mlp, units: [8]}}
  epochs: 3
control:
  name: batch 128
  set: {{batch_size: 128}}
treatments:
  - name: batch 4
    set: {{batch_size: 4}}
"""


def stored_results(h: Hypothesis, specs, **kwargs) -> list[RunResult]:
    """``make_results`` with each run keyed as the planner keys it (for a RunStore)."""
    import dataclasses

    key_of = {(spec.arm, spec.seed): spec.key for spec in specs}
    return [dataclasses.replace(r, key=key_of[(r.arm, r.seed)])
            for r in make_results(h, epochs=3, **kwargs)]  # fmt: skip
