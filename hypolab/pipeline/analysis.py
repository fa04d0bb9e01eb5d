"""The analysis stage of a test: the stored runs' metric values, the primary and secondary analyses.

``analyze_hypothesis`` turns an arm's runs into ``hypolab.stats`` input (refusing an
arm that mixes training paths, or a timing metric whose time is shared) and returns
the ``Analysis`` record; for a sequential hypothesis, what its recorded looks decided.
``hypolab.pipeline`` re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypolab.errors import AnalysisError
from hypolab.records import (
    Analysis,
    Direction,
    Hypothesis,
    Look,
    LookSettings,
    RunResult,
    RunStatus,
    Timing,
    is_timing_metric,
)


def metric_values(h: Hypothesis, results: Sequence[RunResult], metric: str | None = None
                  ) -> tuple[dict[str, list[float]], dict[str, list[int]], dict[str, list[int]]]:  # fmt: skip
    """Per-arm values of ``metric`` (``h.metric`` where None) from finished runs, their seeds, and the seeds of failed/diverged runs.

    A finished run without the metric (e.g. ``test_mae`` asked of a
    classification run) counts as failed. Arms are in file order, seeds ascending.

    Raises:
        AnalysisError: finished runs exist but none recorded ``metric`` (a
            trainer of your own that does not return it), naming what they recorded.
    """
    metric = h.metric if metric is None else metric
    finished = [r for r in results if r.status is RunStatus.FINISHED]
    if finished and not any(metric in r.metrics for r in finished):
        recorded = sorted({name for r in finished for name in r.metrics})
        raise AnalysisError(
            f"no finished run of {h.name} recorded the metric {metric!r}. They recorded: {', '.join(recorded)}. "
            "Expected the metric the file names; a trainer of your own must return it (test metrics named test_*)."
        )
    values: dict[str, list[float]] = {arm.name: [] for arm in h.arms}
    seeds: dict[str, list[int]] = {arm.name: [] for arm in h.arms}
    failed: dict[str, list[int]] = {arm.name: [] for arm in h.arms}
    for result in sorted(results, key=lambda r: r.seed):
        if result.status is RunStatus.FINISHED and metric in result.metrics:
            values[result.arm].append(float(result.metrics[metric]))
            seeds[result.arm].append(result.seed)
        else:
            failed[result.arm].append(result.seed)
    return values, seeds, failed


def analyze_hypothesis(h: Hypothesis, results: Sequence[RunResult], looks: Sequence[Look] | None = None) -> Analysis:
    """The statistics of ``h`` on ``results`` (``hypolab.stats.analyze``), for ``write_report``.

    Failed and diverged runs are passed as failures; with ``failed_runs:
    worst`` the statistics count each as the worst value seen (whether
    higher is better comes from ``hypolab.records.higher_is_better``). A
    sequential hypothesis is analysed as its recorded ``looks`` decided
    (``hypolab.stats.sequential.conclude``; ``Trained.looks``, ``RunStore.looks``).
    Arms still improving at their last epoch are named in the verdicts'
    reasons (``hypolab.stats.convergence``).

    Raises:
        AnalysisError: too few finished runs, values the tests cannot use, or
            a sequential hypothesis without its looks.
    """
    from hypolab import stats
    from hypolab.stats.convergence import flag_still_improving

    check_one_path(h, results)
    values, seeds, failed = metric_values(h, results)
    if h.sequential is not None:
        if looks is None:
            raise AnalysisError(f"{h.name} is a sequential test: its verdicts are what its recorded looks decided. "
                                "Expected looks=; read them with hypolab.pipeline.recorded_looks(h, store).")
        from hypolab.stats.sequential.conclude import sequential_analysis

        concluded = sequential_analysis(values, control=h.control.name, config=h.sequential, looks=looks,
                                        plan_seeds=h.seeds, seeds=seeds, settings=LookSettings.of(h),
                                        failed_seeds=failed)  # fmt: skip
        return flag_still_improving(concluded, results)
    analysis = stats.analyze(
        values,
        control=h.control.name,
        direction=h.direction,
        alpha=h.alpha,
        margin=h.margin,
        test=h.test,
        pairing=h.pairing,
        correction=h.correction,
        ordered=h.ordered,
        seeds=seeds,
        failed_seeds=failed,
        metric=h.metric,
        failed_as_worst=h.failed_as_worst,
        higher_is_better=h.higher_is_better(h.metric),
    )
    return flag_still_improving(analysis, results)  # arms still improving at their last epoch: context, same verdicts


def analyze_secondary(h: Hypothesis, results: Sequence[RunResult]) -> tuple[Analysis, ...]:
    """The analysis of each of ``h.secondary_metrics``, beside the primary one: never part of its verdict.

    Each secondary metric is tested two-sided (the file's direction is a
    prediction about ``h.metric`` only), with no margin, at the file's
    ``alpha`` and with its ``correction`` applied across the treatments of
    that metric alone: its own family, never pooled with the primary's.

    Raises:
        AnalysisError: as ``analyze_hypothesis``, for a secondary metric.
    """
    from hypolab import stats

    out = []
    for metric in h.secondary_metrics:
        values, seeds, failed = metric_values(h, results, metric)
        out.append(stats.analyze(
            values, control=h.control.name, direction=Direction.TWO_SIDED, alpha=h.alpha, margin=None,
            test=h.test, pairing=h.pairing, correction=h.correction, ordered=h.ordered, seeds=seeds,
            failed_seeds=failed, metric=metric, failed_as_worst=h.failed_as_worst,
            higher_is_better=h.higher_is_better(metric),
        ))  # fmt: skip
    return tuple(out)


def check_one_path(h: Hypothesis, results: Sequence[RunResult]) -> None:
    """Refuse an arm whose runs went through different training paths, or a timing from a shared clock.

    Run keys hold the engine, so a plan never mixes engines; records from
    elsewhere (the Python API, a store migrated from before engines were
    recorded) might.

    Raises:
        AnalysisError: an arm mixes engines, or ``h.metric`` is a timing and
            a run's time is a share of its pack's.
    """
    for arm in h.arms:
        runs = [r for r in results if r.arm == arm.name]
        engines = sorted({"unknown (a record from before hypolab recorded it)" if r.engine is None else r.engine.value
                          for r in runs})  # fmt: skip
        if len(engines) > 1:
            by_engine = "; ".join(
                f"{engine}: seeds {', '.join(str(r.seed) for r in runs if (r.engine.value if r.engine else engines[0]) == engine)}"
                for engine in engines
            )
            raise AnalysisError(
                f"arm {arm.name!r} of {h.name} mixes training paths ({by_engine}). Expected every run of an arm "
                f"from one engine, so its seeds are comparable; retrain it with 'hypolab test {h.path} --rerun'."
            )
        if is_timing_metric(h.metric):
            shared = [r.seed for r in runs if r.timing is not Timing.OWN]
            if shared:
                raise AnalysisError(
                    f"arm {arm.name!r} of {h.name}: the metric {h.metric} of seeds {', '.join(map(str, shared))} is "
                    "not the run's own measurement (a share of a pack's wall time, or not recorded). Expected "
                    f"runs timed alone; retrain them with 'hypolab test {h.path} --rerun'."
                )
