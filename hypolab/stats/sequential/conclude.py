"""The analysis of a sequential test: each treatment as its deciding look left it.

The recorded looks are the truth: a treatment's verdict is what its last
look decided (``looks.analyze_look``), never a new test of more data. Its
comparison is computed on the seeds of that look (the control's too), like
a fixed design's, and then carries the sequential decision:

- the verdict, its reason, the p-value that decided and the nominal level
  it was compared with (``decision_pvalue``, ``decision_alpha``);
- a **repeated confidence interval** (Jennison & Turnbull 2000, ch. 9) as
  ``decision_interval``: the t interval of the difference at that look with
  each bound at the look's nominal level (the efficacy level on the claim's
  side, the level of the test against the claim on the other). Computed at
  every look, these bounds hold together with the design's confidence
  (95% and 99.5% at alpha = 0.05), so the interval at the look where the
  test stopped accounts for the stopping: it is wider than the plain
  interval of the same seeds, and excludes 0 exactly when the look crossed
  a boundary (for the t-tests). The difference itself is the plain mean
  difference at that look; a test that stops early for efficacy tends to
  stop on a high estimate, which the interval, not the estimate, allows for;
- the sentence says at which look the test stopped, and why.

``pvalue_adjusted`` is None: the family's correction acts through each
treatment's level at each look (``Look.level``), not through adjusted p-values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from scipy import special

from hypolab.records import (
    Analysis,
    Comparison,
    Correction,
    DecisionInterval,
    Direction,
    Look,
    LookDecision,
    LookSettings,
    SequentialAnalysis,
    SequentialConfig,
    TestName,
    Verdict,
)
from hypolab.stats.analysis import analyze
from hypolab.stats.budget import alpha_contradicted
from hypolab.stats.comparison import difference_bounds
from hypolab.stats.describe import clip, metric_bounds
from hypolab.stats.values import finite_or_none, tolerance
from hypolab.stats.verdict import hypothesis_verdict
from hypolab.stats.wording import apa, sentence

_VERDICTS = {LookDecision.SUPPORTED: Verdict.SUPPORTED, LookDecision.EQUIVALENT: Verdict.EQUIVALENT,
             LookDecision.CONTRADICTED: Verdict.CONTRADICTED}  # fmt: skip
T_TESTS = (TestName.WELCH.value, TestName.STUDENT.value, TestName.PAIRED_T.value)


def sequential_analysis(
    values: Mapping[str, Sequence[float]],
    *,
    control: str,
    config: SequentialConfig,
    looks: Sequence[Look],
    plan_seeds: Sequence[int],
    seeds: Mapping[str, Sequence[int]],
    settings: LookSettings = LookSettings(),
    failed_seeds: Mapping[str, Sequence[int]] | None = None,
    rng: int = 0,
) -> Analysis:
    """The ``Analysis`` of a sequential test from its trained runs and its recorded looks.

    Args:
        values: every arm's values (all trained seeds); ``seeds`` the seed of each.
        control: the control arm's name.
        config: the file's ``sequential:`` design.
        looks: every recorded look (``RunStore.looks``).
        plan_seeds: the hypothesis's seeds in order: look ``k`` covers the first ``config.looks[k - 1]``.
        settings: how the comparisons are tested (the looks' own).
        failed_seeds, rng: as ``hypolab.stats.analyze``.

    Returns:
        The analysis of every arm's trained runs (``arms``, ``omnibus``), one
        comparison per treatment as its last look left it, the hypothesis'
        verdict from those, and ``sequential`` with every look.
    """
    direction, correction = Direction(settings.direction), Correction(settings.correction)
    alpha, margin, metric = settings.alpha, settings.margin, settings.metric
    uncorrected = {**settings.keywords(), "correction": Correction.NONE, "rng": rng}
    base = analyze(values, control=control, seeds=seeds, failed_seeds=failed_seeds, rng=rng, **settings.keywords())
    ordered = sorted(looks, key=lambda look: look.look)
    comparisons = []
    for plain in base.comparisons:
        mine = [look for look in ordered if look.treatment == plain.treatment]
        if not mine:
            comparisons.append(replace(plain, verdict=Verdict.INCONCLUSIVE, pvalue_adjusted=None, robustness=(),
                                       disagreement="", verdict_reason="no look has analysed it yet",
                                       sentence=f"{plain.treatment} has not been analysed at a look yet."))  # fmt: skip
            continue
        last = mine[-1]
        arms = (control, plain.treatment)
        subset = set(plan_seeds[: config.looks[last.look - 1]])
        kept = {a: [(s, v) for s, v in zip(seeds[a], values[a]) if s in subset] for a in arms}
        look_values = {a: [v for _, v in kept[a]] for a in arms}
        look_seeds = {a: [s for s, _ in kept[a]] for a in arms}
        failed = None if failed_seeds is None else {a: [s for s in failed_seeds.get(a, ()) if s in subset]
                                                     for a in arms}  # fmt: skip
        at_look = analyze(look_values, control=control, seeds=look_seeds, failed_seeds=failed, **uncorrected).comparisons[0]
        interval_from = at_look
        if at_look.test not in T_TESTS:  # the interval is the design's t-test's (docs/verdict.md)
            interval_from = analyze(look_values, control=control, seeds=look_seeds, failed_seeds=failed,
                                    **{**uncorrected, "test": _t_test(settings.pairing)}).comparisons[0]  # fmt: skip
        resolution = tolerance(*(_arrays(look_values)))
        comparisons.append(_decided(at_look, interval_from, last, config, direction, margin, alpha, correction,
                                    metric, resolution))  # fmt: skip
    verdict, reason = hypothesis_verdict([(c.treatment, c.verdict) for c in comparisons])
    stopped_at = max((look.look for look in ordered), default=0)
    last_of = {look.treatment: look for look in ordered}
    every_decided = all(c.treatment in last_of and last_of[c.treatment].decision.stops for c in comparisons)
    sequential = SequentialAnalysis(
        spending=config.spending, futility=config.futility, looks_planned=config.looks, alpha=alpha,
        alpha_contradicted=alpha_contradicted(alpha), looks=tuple(ordered),
        stopped_early=every_decided and 0 < stopped_at < len(config.looks), stopped_at=stopped_at,
        seeds_spent=config.looks[stopped_at - 1] if stopped_at else 0)  # fmt: skip
    return replace(base, comparisons=tuple(comparisons), verdict=verdict, verdict_reason=reason,
                   sequential=sequential)  # fmt: skip


def _t_test(pairing: str) -> str:
    return TestName.PAIRED_T.value if str(getattr(pairing, "value", pairing)) == "seed" else TestName.WELCH.value


def _arrays(values: Mapping[str, Sequence[float]]):
    import numpy as np

    return [np.asarray(v, dtype=float) for v in values.values()]


def _decided(c: Comparison, interval_from: Comparison, look: Look, config: SequentialConfig, direction: Direction,
             margin: float | None, alpha: float, correction: Correction, metric: str,
             resolution: float) -> Comparison:  # fmt: skip
    """``c`` (the plain comparison at ``look``'s seeds) carrying ``look``'s decision."""
    verdict = _VERDICTS.get(look.decision, Verdict.INCONCLUSIVE)
    against = verdict is Verdict.CONTRADICTED
    interval = repeated_interval(interval_from, look, direction, metric, alpha)
    decided_by = ("" if look.pvalue is None else
                  ("nonequivalence" if against else "tost") if direction is Direction.EQUIVALENT else
                  "opposite" if against else "predicted")  # fmt: skip
    p = look.opposite_pvalue if against else look.pvalue
    if direction is Direction.EQUIVALENT and c.tost is not None:
        stats = apa(c.tost.test, c.statistic, c.df, p, hedges_g=c.hedges_g, seeds=c.seeds_per_arm)
    else:
        stats = apa(c.test, c.statistic, c.df, p, hedges_g=c.hedges_g, seeds=c.seeds_per_arm,
                    against=against and direction is not Direction.EQUIVALENT)
    stats = f"{stats}, look {look.look} of {len(config.looks)}"
    text = sentence(verdict=verdict, reason=look.reason, direction=direction, treatment=c.treatment,
                    control=c.control, metric=metric, difference=c.difference, interval=interval,
                    stats_text=stats, tost=c.tost, resolution=resolution, margin=margin,
                    alternative=c.alternative)  # fmt: skip
    return replace(c, verdict=verdict, verdict_reason=look.reason, sentence=f"{text} {stopping(look, config)}",
                   apa=stats, pvalue_adjusted=None, correction=correction.value, decision_pvalue=p,
                   decision_alpha=look.opposite_p_boundary if against else look.p_boundary, decided_by=decided_by,
                   decision_interval=interval, robustness=(), disagreement="")  # fmt: skip


def stopping(look: Look, config: SequentialConfig) -> str:
    """Where the test of one treatment stopped, in words."""
    k, total, seeds, most = look.look, len(config.looks), look.seeds, config.looks[-1]
    if not look.decision.stops:
        return f"Not decided after look {k} of {total} ({seeds} of {most} seeds per arm); the test goes on."
    if look.decision is LookDecision.INCONCLUSIVE:
        return f"The last look ({k} of {total}, {seeds} seeds per arm) crossed no boundary."
    if k == total:
        return f"Decided at the last look ({k} of {total}, {seeds} seeds per arm)."
    why = {LookDecision.FUTILITY: "for futility", LookDecision.CONTRADICTED: "against the claim",
           LookDecision.EQUIVALENT: "for equivalence"}.get(look.decision, "for efficacy")  # fmt: skip
    return f"Stopped early {why} at look {k} of {total} ({seeds} of {most} seeds per arm)."


def repeated_interval(c: Comparison, look: Look, direction: Direction, metric: str,
                      alpha: float) -> DecisionInterval | None:  # fmt: skip
    """The repeated confidence interval of the difference at ``look`` from ``c``'s t-test.

    ``c`` is a comparison by Welch's, Student's or the paired t-test; its
    plain ``1 - alpha`` interval (``alpha`` the analysis's) gives the estimate, the standard error and
    (``c.df``) the degrees of freedom. Each bound is at the look's nominal
    level of its side; the confidence given is the one the bounds hold with
    over every look together (``1 - level``).
    """
    if c.ci_low is None or c.ci_high is None:
        return None
    estimate = (c.ci_low + c.ci_high) / 2
    half = (c.ci_high - c.ci_low) / 2
    df = c.df
    if df is None or half <= 0:
        se, df = 0.0, 1.0
    else:
        se = half / float(special.stdtrit(df, 1 - alpha / 2))
    claim, opposite = look.p_boundary, look.opposite_p_boundary
    level, level_opposite = look.level, look.opposite_level
    if direction is Direction.TWO_SIDED:
        low_p = high_p = claim / 2
        low_conf = high_conf = 1 - look.level / 2
    elif direction is Direction.EQUIVALENT:
        low_p = high_p = claim
        low_conf = high_conf = 1 - level
    else:
        upward = c.alternative == "greater"
        low_p, high_p = (claim, opposite) if upward else (opposite, claim)
        low_conf, high_conf = (1 - level, 1 - level_opposite) if upward else (1 - level_opposite, 1 - level)
    low = estimate - float(special.stdtrit(df, 1 - low_p)) * se
    high = estimate + float(special.stdtrit(df, 1 - high_p)) * se
    low, high = clip(low, high, difference_bounds(metric_bounds(metric)))
    note = (f"a repeated confidence interval at look {look.look}: each bound at that look's nominal level "
            f"(p {low_p:.3g} below, {high_p:.3g} above), so that over every look together the bounds hold "
            f"with {100 * low_conf:.4g}% and {100 * high_conf:.4g}% confidence; it accounts for stopping")
    return DecisionInterval(low=finite_or_none(low), high=finite_or_none(high), low_confidence=low_conf,
                            high_confidence=high_conf, confidence=low_conf + high_conf - 1, test=c.test,
                            note=note)  # fmt: skip
