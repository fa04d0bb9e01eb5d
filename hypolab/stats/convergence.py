"""Arms still improving at their last epoch, flagged in the verdict's reason.

A comparison at a fixed number of epochs says little about the arms where one
of them had not finished learning: "batch 4 beats batch 128 at 5 epochs" may
only say that more updates help a network that has not converged. So the
verdict's reason names every arm that was still improving when it stopped.

The rule (``docs/verdict.md``, "Still improving"), on each finished run's
validation curve:

- the curve is the validation counterpart of the hypothesis' metric
  (``val_accuracy`` for ``test_accuracy`` or ``best_val_accuracy``), else
  ``val_loss``; higher or lower is better as ``higher_is_better`` says;
- a run is still improving where its last epoch is its best epoch and
  improved on the epoch before by more than ``TOLERANCE`` (0.5%) of that
  epoch's value;
- an arm is still improving where more than half of its runs with a curve
  of 2 or more epochs are.

The flag never changes a verdict: it is context for reading it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from hypolab.records import Analysis, RunResult, RunStatus, higher_is_better

#: Relative improvement of the last epoch over the one before above which a run is still improving.
TOLERANCE = 0.005


@dataclass(frozen=True)
class StillImproving:
    """One arm still improving at its last epoch.

    Args:
        arm: the arm's name.
        curve: the validation metric the rule read, e.g. ``val_accuracy``.
        runs: runs still improving.
        of: runs with a curve of 2 or more epochs.
        gain: the mean change of the curve over the last epoch, in its own units.
    """

    arm: str
    curve: str
    runs: int
    of: int
    gain: float

    def text(self) -> str:
        """``batch 128 was still improving at its last epoch in 9 of 10 runs (val_accuracy +0.031 ...)``."""
        return (f"{self.arm} was still improving at its last epoch in {self.runs} of {self.of} runs "
                f"({self.curve} {self.gain:+.2g} over the last epoch on average)")  # fmt: skip


def curve_for(metric: str) -> str:
    """The validation curve the rule reads for ``metric``."""
    base = metric
    for prefix in ("best_val_", "test_", "val_"):
        if metric.startswith(prefix):
            base = metric.removeprefix(prefix)
            break
    return f"val_{base}" if base and base not in ("train_seconds",) else "val_loss"


def still_improving(results: Sequence[RunResult], metric: str) -> list[StillImproving]:
    """The arms of ``results`` still improving at their last epoch (rule above), in the results' arm order."""
    arms: dict[str, list[RunResult]] = {}
    for result in results:
        arms.setdefault(result.arm, []).append(result)
    flagged = []
    for arm, runs in arms.items():
        curve = curve_for(metric)
        if not any(curve in r.history for r in runs):
            curve = "val_loss"
        higher = higher_is_better(curve)
        sign = 1.0 if higher is not False else -1.0
        gains, improving = [], 0
        for run in runs:
            values = [float(v) for v in run.history.get(curve, ())] if run.status is RunStatus.FINISHED else []
            if len(values) < 2:
                continue
            last, previous = values[-1], values[-2]
            gains.append(last - previous)
            best = max(sign * v for v in values)
            if sign * last >= best and sign * (last - previous) > TOLERANCE * max(abs(previous), 1e-12):
                improving += 1
        if gains and improving * 2 > len(gains):
            flagged.append(StillImproving(arm, curve, improving, len(gains), sum(gains) / len(gains)))
    return flagged


def flag_still_improving(analysis: Analysis, results: Sequence[RunResult]) -> Analysis:
    """``analysis`` with its verdicts' reasons naming the arms still improving (the verdicts unchanged)."""
    flagged = {f.arm: f for f in still_improving(results, analysis.metric)}
    if not flagged:
        return analysis
    advice = ("train longer, or compare at an equal number of optimizer steps, before reading the difference as "
              "the effect of what the arms change")  # fmt: skip

    def reason(text: str, arms: Sequence[str]) -> str:
        named = [flagged[a].text() for a in arms if a in flagged]
        if not named:
            return text
        note = f"Caution: {'; '.join(named)}: {advice}."
        return f"{text.rstrip()} {note}".strip() if text else note

    comparisons = tuple(replace(c, verdict_reason=reason(c.verdict_reason, [c.control, c.treatment]))
                        for c in analysis.comparisons)  # fmt: skip
    arm_names = [a.name for a in analysis.arms]
    return replace(analysis, comparisons=comparisons, verdict_reason=reason(analysis.verdict_reason, arm_names))
