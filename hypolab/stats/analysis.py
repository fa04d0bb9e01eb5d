"""``analyze``: every treatment against the control, from values to verdicts.

Orchestrates the other modules of ``hypolab.stats``: per-arm descriptions,
the test chosen by ``choose``, TOST, the robustness panel, the family's
correction (``family``), one record and verdict per comparison
(``comparison``), the omnibus and trend tests, the dose series' verdict
(``series``) and the hypothesis' one verdict (``verdict.hypothesis_verdict``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np

from hypolab.errors import AnalysisError
from hypolab.records import Analysis, Correction, Direction, Pairing, TestName, Verdict
from hypolab.records import higher_is_better as metric_direction
from hypolab.stats import equivalence, power
from hypolab.stats.budget import alpha_contradicted
from hypolab.stats.choose import check_test_fits, choose_test
from hypolab.stats.comparison import build
from hypolab.stats.describe import describe, metric_bounds
from hypolab.stats.family import OPPOSITE, Settings, Work, adjust_family, claim_test
from hypolab.stats.omnibus import omnibus
from hypolab.stats.robustness import PANEL, TestRunner
from hypolab.stats.series import analyze_series
from hypolab.stats.trend import linear_trend
from hypolab.stats.values import as_sample, tolerance
from hypolab.stats.verdict import FAILED_SHARE_LIMIT, hypothesis_verdict
from hypolab.stats.wording import signed

E = TypeVar("E", bound=enum.Enum)


def _enum(kind: type[E], value: E | str, key: str) -> E:
    try:
        return kind(value)
    except ValueError:
        expected = ", ".join(repr(m.value) for m in kind)
        raise AnalysisError(f"{key} must be one of {expected}. Got {value!r}.") from None


def analyze(
    values: Mapping[str, Sequence[float]],
    *,
    control: str,
    direction: Direction | str = Direction.TWO_SIDED,
    alpha: float = 0.05,
    margin: float | None = None,
    test: TestName | str = TestName.AUTO,
    pairing: Pairing | str = Pairing.INDEPENDENT,
    correction: Correction | str = Correction.HOLM,
    ordered: bool = False,
    seeds: Mapping[str, Sequence[int]] | None = None,
    n_failed: Mapping[str, int] | None = None,
    metric: str = "value",
    failed_as_worst: bool = False,
    higher_is_better: bool | None = None,
    failed_seeds: Mapping[str, Sequence[int]] | None = None,
    rng: int = 0,
    n_resamples: int = 9_999,
) -> Analysis:
    """Compare every treatment with the control and give one verdict each.

    Args:
        values: per-seed values of each arm, ``{arm: [v_seed0, v_seed1, ...]}``,
            finished runs only. The control may be anywhere; ``arms`` lists it
            first, comparisons follow the treatments' order.
        control: the control arm's name.
        direction: predicted direction of treatment vs control.
        alpha: significance level (after correction).
        margin: smallest effect of interest (> 0; required for ``equivalent`` and
            ``noninferior``, where it is how much worse the treatment may be).
        test: the test, or ``auto`` (``hypolab.stats.choose``).
        pairing: ``seed`` pairs runs of different arms with the same seed.
        correction: holm, bonferroni, fdr_bh, dunnett or none.
        ordered: the arms, in the order given (control included), form a dose
            series.
        seeds: the seed of each value (needed to pair by seed when arms lost
            different runs); positions pair the values otherwise.
        n_failed: failed or diverged runs per arm.
        metric: the metric's name (for text; its direction for ``failed_as_worst``).
        failed_as_worst: count each failed run as the worst value seen in any arm.
        higher_is_better: the metric's direction where
            ``hypolab.records.higher_is_better`` cannot tell it from the name
            (``failed_as_worst`` and ``noninferior`` need it).
        failed_seeds: seeds of the failed runs per arm (instead of ``n_failed``).
        rng: seed of the bootstrap and permutation resampling.
        n_resamples: bootstrap replicates and random permutations.

    Returns:
        An ``Analysis``; ``to_dict()`` is the JSON of ``hypolab analyze --json``.

    Raises:
        AnalysisError: a setting or a value is invalid.

    Example:
        >>> a = analyze({"batch 128": [.90, .91, .92], "batch 4": [.95, .96, .97]},
        ...             control="batch 128", direction="greater")
        >>> a.comparisons[0].verdict.value
        'supported'
    """
    direction = _enum(Direction, direction, "direction")
    test = _enum(TestName, test, "test")
    pairing = _enum(Pairing, pairing, "pairing")
    correction = _enum(Correction, correction, "correction")
    if not _is_number(alpha) or not 0 < alpha < 1:
        raise AnalysisError(f"alpha must be a number in (0, 1). Got {alpha!r}.")
    if margin is not None and (not _is_number(margin) or not margin > 0):
        raise AnalysisError(f"margin must be a positive number. Got {margin!r}.")
    if direction is Direction.EQUIVALENT and margin is None:
        raise AnalysisError("direction 'equivalent' needs a margin (the largest difference "
                            "that still counts as equivalent). Got margin: None.")
    if direction is Direction.NONINFERIOR and margin is None:
        raise AnalysisError("direction 'noninferior' needs a margin (how much worse the treatment "
                            "may be and still count as not worse). Got margin: None.")
    if direction is Direction.NONINFERIOR and ordered:
        raise AnalysisError("direction 'noninferior' compares each treatment with the control; a dose "
                            "series (ordered) has no non-inferiority verdict. Use ordered: false.")
    names = list(values)
    if control not in values:
        raise AnalysisError(f"control arm {control!r} is not among the arms "
                            f"{names}. Expected one of them.")
    if len(names) < 2:
        raise AnalysisError(f"need a control and at least one treatment. Got arms {names}.")
    check_test_fits(test, pairing)
    if correction is Correction.DUNNETT and (
            pairing is Pairing.SEED or test not in (TestName.AUTO, TestName.WELCH,
                                                    TestName.STUDENT)):
        raise AnalysisError(
            "correction 'dunnett' is a many-to-one t-test for independent arms. Got "
            f"pairing '{pairing.value}' and test '{test.value}'. Use pairing: "
            "independent with test auto, welch or student, or another correction.")
    samples = {name: as_sample(values[name], f"arm {name!r}") for name in names}
    seed_of = _seeds(samples, seeds, pairing)
    failed = {name: 0 for name in names}
    if failed_seeds is not None:
        failed.update({k: len(v) for k, v in failed_seeds.items()})
    elif n_failed is not None:
        failed.update({k: int(v) for k, v in n_failed.items()})
    unknown = sorted(set(failed) - set(names))
    if unknown:
        raise AnalysisError(f"failed runs given for unknown arms {unknown}. "
                            f"Expected arms among {names}.")
    notes: list[str] = []
    if failed_as_worst and any(failed.values()):
        samples, seed_of, worst = _add_worst(samples, seed_of, failed, failed_seeds,
                                             metric, higher_is_better, pairing)
        notes.append(f"failed runs are counted as the worst value seen, {signed(worst)}")
    bounds = metric_bounds(metric)
    order = [control, *(m for m in names if m != control)]
    arms = tuple(describe(n, samples[n], alpha=alpha, n_failed=failed[n],
                          failed_as_worst=failed_as_worst, bounds=bounds) for n in order)
    notes += _clipped(arms, samples, alpha, bounds, metric)
    treatments = [n for n in names if n != control]
    better = (_better(metric, higher_is_better, "direction 'noninferior'")
              if direction is Direction.NONINFERIOR else None)
    alternative, shift = claim_test(direction, margin, better)
    settings = Settings(direction=direction, alternative=alternative, alpha=alpha, shift=shift,
                        alpha_opposite=alpha_contradicted(alpha), margin=margin,
                        correction=correction, pairing=pairing, requested=test, metric=metric,
                        bounds=bounds, failed=failed, failed_as_worst=failed_as_worst, rng=rng)
    tol = tolerance(*samples.values())
    work = [_compare(name, control, samples, seed_of, settings, tol=tol, rng=(rng, i),
                     n_resamples=n_resamples)
            for i, name in enumerate(treatments)]
    adjusted = adjust_family(work, samples[control], settings)
    family_size = sum(1 for w in work if w.primary is not None and w.primary.pvalue is not None)
    factor = family_size if settings.other in (Correction.HOLM, Correction.BONFERRONI) else 1
    power_alpha = power.family_alpha(alpha, settings.other.value, family_size)
    by_name = {a.name: a for a in arms}
    comparisons = tuple(build(w, a, control, by_name, settings, power_alpha=power_alpha,
                              factor=max(factor, 1), rng=(rng, i, 1))
                        for i, (w, a) in enumerate(zip(work, adjusted)))
    usable = [n for n in names if samples[n].size >= 2]
    omni = trend = series = None
    if len(usable) >= 3:
        omni = omnibus(usable, [samples[n] for n in usable])
        if ordered:
            trend = linear_trend(usable, [samples[n] for n in usable],
                                 alternative=alternative)
            pairs = None if pairing is not Pairing.SEED else [
                _align(samples, seed_of, upper, lower) for lower, upper in zip(usable, usable[1:])]
            series = analyze_series(usable, [samples[n] for n in usable], pairs,
                                    [c for c in comparisons if c.treatment in usable], settings,
                                    blocks=None if pairing is not Pairing.SEED else
                                    _blocks(samples, seed_of, usable))
            if len(usable) < len(names):
                notes.append("the dose series leaves out "
                             f"{', '.join(n for n in names if n not in usable)} "
                             "(fewer than 2 values)")
    verdict, reason = hypothesis_verdict(
        [(c.treatment, c.verdict) for c in comparisons],
        None if series is None else (series.verdict, series.reason))
    if ordered and series is None:
        verdict, reason = Verdict.INCONCLUSIVE, (
            "the dose series needs at least 3 arms with 2 or more values each; "
            f"{len(usable)} have them")
    return Analysis(metric=metric, direction=direction, alpha=alpha, margin=margin,
                    arms=arms, comparisons=comparisons, omnibus=omni, trend=trend,
                    test=test, pairing=pairing, correction=correction, control=control,
                    notes=tuple(notes), verdict=verdict, verdict_reason=reason,
                    alpha_contradicted=settings.alpha_opposite, series=series)


def _blocks(samples, seed_of, names) -> list[np.ndarray] | None:
    """Each arm's values on the seeds every arm of ``names`` has, aligned (Page's test)."""
    if seed_of is None:
        return [samples[n] for n in names]
    common = sorted(set.intersection(*(set(seed_of[n]) for n in names)))
    index = {n: {s: i for i, s in enumerate(seed_of[n])} for n in names}
    return [samples[n][[index[n][s] for s in common]] for n in names]


def _clipped(arms, samples, alpha, bounds, metric) -> list[str]:
    """Notes for each arm whose t interval of the mean was cut at the metric's bounds."""
    notes = []
    for arm in arms:
        if arm.std is None or arm.ci_low is None:
            continue
        raw = describe(arm.name, samples[arm.name], alpha=alpha)
        for got, was, side in ((arm.ci_low, raw.ci_low, "smallest"),
                               (arm.ci_high, raw.ci_high, "largest")):
            if got != was:
                notes.append(f"the {(1 - alpha) * 100:g}% CI of the mean of {arm.name} is cut "
                             f"at {signed(got)}, the {side} possible {metric} (the t interval "
                             f"reaches {signed(was, '.4g')})")
    return notes


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool) and bool(np.isfinite(value))


def _seeds(samples: dict[str, np.ndarray], seeds: Mapping[str, Sequence[int]] | None,
           pairing: Pairing) -> dict[str, list[int]] | None:
    if seeds is None:
        if pairing is Pairing.SEED and len({s.size for s in samples.values()}) > 1:
            sizes = {n: int(s.size) for n, s in samples.items()}
            raise AnalysisError(
                f"pairing 'seed' needs the seed of each value when arms have different "
                f"numbers of values. Got sizes {sizes} and no seeds.")
        return None
    out = {}
    for name, sample in samples.items():
        listed = [int(s) for s in seeds.get(name, ())]
        if len(listed) != sample.size or len(set(listed)) != len(listed):
            raise AnalysisError(
                f"arm {name!r}: expected {sample.size} distinct seeds, one per value. "
                f"Got {listed}.")
        out[name] = listed
    return out


def _better(metric: str, higher_is_better: bool | None, what: str) -> bool:
    """Whether higher ``metric`` is better: as given, else ``records.higher_is_better``."""
    if higher_is_better is None:
        higher_is_better = metric_direction(metric)
        if higher_is_better is None:
            raise AnalysisError(
                f"{what} needs to know whether higher {metric!r} is better, and "
                f"{metric!r} is not a known metric. Pass higher_is_better=True or False "
                "(hypolab analyze: --higher-is-better or --lower-is-better).")
    return higher_is_better


def _add_worst(samples, seed_of, failed, failed_seeds, metric, higher_is_better, pairing):
    higher_is_better = _better(metric, higher_is_better, "failed_as_worst")
    pooled = np.concatenate([s for s in samples.values() if s.size])
    if not pooled.size:
        raise AnalysisError("failed_as_worst needs at least one finished run to know the "
                            "worst value. Got none.")
    worst = float(pooled.min() if higher_is_better else pooled.max())
    if pairing is Pairing.SEED and (failed_seeds is None or seed_of is None):
        raise AnalysisError("failed_as_worst with pairing 'seed' needs seeds and "
                            "failed_seeds (which seed each value and failure belongs to). "
                            "Got only counts.")
    new_samples, new_seeds = {}, None if seed_of is None else {}
    for name, sample in samples.items():
        new_samples[name] = np.concatenate([sample, np.full(failed[name], worst)])
        if seed_of is not None:
            new_seeds[name] = seed_of[name] + [int(s) for s in (failed_seeds or {}).get(
                name, range(-1, -1 - failed[name], -1))]
    return new_samples, new_seeds, worst


def _align(samples, seed_of, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
    if seed_of is None:
        return samples[a], samples[b]
    common = sorted(set(seed_of[a]) & set(seed_of[b]))
    index_a = {s: i for i, s in enumerate(seed_of[a])}
    index_b = {s: i for i, s in enumerate(seed_of[b])}
    return (samples[a][[index_a[s] for s in common]],
            samples[b][[index_b[s] for s in common]])


def _problem(name, control, t, c, failed, failed_as_worst) -> str:
    for arm, sample in ((name, t), (control, c)):
        if sample.size < 2:
            return (f"too few values to compare: {arm} has {sample.size} "
                    f"({failed[arm]} failed)" if failed[arm] else
                    f"too few values to compare: {arm} has {sample.size}")
    if not failed_as_worst:
        for arm in (name, control):
            total = failed[arm] + (t.size if arm == name else c.size)
            if failed[arm] / total > FAILED_SHARE_LIMIT:
                return (f"too many failed runs: {failed[arm]} of {total} runs of {arm} "
                        f"failed and were dropped (more than {FAILED_SHARE_LIMIT:.0%}); "
                        "set failed_runs: worst to count them")
    return ""


def _compare(name, control, samples, seed_of, s: Settings, *, tol, rng, n_resamples) -> Work:
    if s.pairing is Pairing.SEED:
        t, c = _align(samples, seed_of, name, control)
    else:
        t, c = samples[name], samples[control]
    w = Work(treatment=name, t=t, c=c, tol=tol, shift=s.shift,
             problem=_problem(name, control, t, c, s.failed, s.failed_as_worst))
    if t.size < 2 or c.size < 2:
        return w
    paired = s.pairing is Pairing.SEED
    w.test, w.reason = choose_test(s.requested, s.pairing, t, c)
    if s.correction is Correction.DUNNETT:
        w.reason += ("; correction dunnett: Dunnett's pooled many-to-one test, since the "
                     "file assumes equal variances (test: student)"
                     if s.requested is TestName.STUDENT else
                     "; correction dunnett: the Welch-type many-to-one test (Hasler & Hothorn "
                     "2008: multivariate t with correlations from each arm's variance and the "
                     "whole Welch df), as Dunnett's pooled test assumes equal variances and seeds")
    w.runner = TestRunner(w.tested, c, pairing=s.pairing, alpha=s.alpha,
                          rng=np.random.default_rng(rng), n_resamples=n_resamples)
    w.primary = w.runner.run(w.test, s.alternative)
    if s.alternative in OPPOSITE:
        w.opposite = w.runner.run(w.test, OPPOSITE[s.alternative])
    interval_test = w.test if w.test in (TestName.WELCH, TestName.STUDENT,
                                         TestName.PAIRED_T) else (
        TestName.PAIRED_T if paired else TestName.WELCH)
    w.ci = w.runner.run(interval_test, "two-sided")
    w.difference_t = w.runner.run(TestName.PAIRED_T if paired else TestName.WELCH, "two-sided")
    if s.margin is not None and s.direction is not Direction.NONINFERIOR:
        w.tost = equivalence.tost(t, c, margin=s.margin, alpha=s.alpha, paired=paired)
    w.panel = tuple(
        (other, w.runner.run(other, s.alternative),
         w.runner.run(other, OPPOSITE[s.alternative]) if s.alternative in OPPOSITE else None,
         w.runner.smallest_pvalue(other, s.alternative))
        for other in PANEL[s.pairing] if other is not w.test)
    return w
