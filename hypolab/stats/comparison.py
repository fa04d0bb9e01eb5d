"""One comparison's record: effect sizes, power, the decision interval, the verdict, the sentence.

``family.adjust_family`` has adjusted the family; ``build`` applies the rule
of ``verdict`` to one treatment and writes its ``Comparison`` record.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import special

from hypolab.records import (
    ArmSummary,
    Comparison,
    Conclusion,
    DecisionInterval,
    DifferenceTest,
    Direction,
    Pairing,
    RobustnessCheck,
    TestName,
    Verdict,
)
from hypolab.stats import bootstrap, effsize, power
from hypolab.stats.describe import clip
from hypolab.stats.family import Adjusted, Settings, Work
from hypolab.stats.labels import label
from hypolab.stats.ttests import bounds
from hypolab.stats.values import finite_or_none, is_constant
from hypolab.stats.verdict import POWER_TARGET, Evidence, conclusion, decide, decision_of
from hypolab.stats.wording import apa, p_clause, sentence

T_TESTS = (TestName.WELCH, TestName.STUDENT, TestName.PAIRED_T)


def build(w: Work, a: Adjusted, control: str, arms: dict[str, ArmSummary], s: Settings, *,
          power_alpha: float, factor: int, rng: tuple) -> Comparison:
    """The ``Comparison`` of one treatment, its verdict by the rule of ``docs/verdict.md``."""
    t, c = w.t, w.c
    seeds = (int(t.size), int(c.size))
    failures = ("" if w.problem.startswith("too many failed runs") else
                _failures_text(w.treatment, control, arms, s.failed, s.failed_as_worst))
    if w.primary is None:
        verdict, reason = decide(Evidence(direction=s.direction, alpha=s.alpha, margin=s.margin,
                                          pvalue=None, problem=w.problem))
        text = sentence(verdict=verdict, reason=reason, direction=s.direction,
                        treatment=w.treatment, control=control, metric=s.metric,
                        difference=None, interval=None, stats_text="", failures=failures)
        return Comparison(control=control, treatment=w.treatment, test="", test_reason="",
                          statistic=None, df=None, pvalue=None, pvalue_adjusted=None,
                          difference=None, ci_low=None, ci_high=None, hedges_g=None,
                          cliffs_delta=None, prob_superiority=None, power_at_margin=None,
                          seeds_needed=None, verdict=verdict, sentence=text,
                          verdict_reason=reason, seeds_per_arm=seeds,
                          alternative=s.alternative, correction=s.correction.value)
    paired = s.pairing is Pairing.SEED
    flat = is_constant(t - c, w.tol) if paired else (is_constant(t, w.tol)
                                                     and is_constant(c, w.tol))
    difference = float(np.mean(t) - np.mean(c))
    if abs(difference) <= w.tol:
        difference = 0.0
    g = effsize.hedges_g(t, c, alpha=s.alpha, paired=paired)
    control_mean = float(np.mean(c))
    power_value, needed = _power(w, s, seeds, power_alpha, paired)
    robustness, disagreement = _robustness(w, a, s, factor)
    no_variation = "" if not flat else (
        "every per-seed difference is the same, so the seeds show no variation to test "
        "against" if paired else
        "every seed of each arm gave the same value, so the seeds show no variation to "
        "test against")
    evidence = Evidence(
        direction=s.direction, alpha=s.alpha, margin=s.margin, pvalue=a.pvalue,
        pvalue_opposite=a.pvalue_opposite, tost_pvalue=a.tost, nonequivalence_pvalue=a.nonequivalence,
        power=power_value, seeds_needed=needed, seeds=seeds, disagreement=disagreement,
        problem=w.problem or (w.primary.note if w.primary.pvalue is None else ""),
        alpha_opposite=s.alpha_opposite, no_variation=no_variation)
    verdict, reason = decide(evidence)
    decision_p, decision_alpha, decided_by = decision_of(evidence, verdict)
    g_value = None if g is None else finite_or_none(g[0])
    tost = None if w.tost is None else replace(
        w.tost, pvalue_adjusted=a.tost, nonequivalence_pvalue_adjusted=a.nonequivalence)
    equivalence_claim = s.direction is Direction.EQUIVALENT
    if equivalence_claim and tost is not None:
        binding = tost.lower if (tost.lower.pvalue or 0) >= (tost.upper.pvalue or 0) else tost.upper
        statistic, df, pvalue = binding.statistic, binding.df, tost.pvalue
        stats_text = apa(tost.test, statistic, df, pvalue, pvalue_adjusted=a.tost,
                         correction=s.other.value, hedges_g=g_value, seeds=seeds)
    else:
        statistic, df, pvalue = w.primary.statistic, w.primary.df, w.primary.pvalue
        against = verdict is Verdict.CONTRADICTED
        shown = w.opposite if against else w.primary
        stats_text = apa(w.test.value, shown.statistic, shown.df, shown.pvalue,
                         pvalue_adjusted=a.pvalue_opposite if against else a.pvalue,
                         correction=s.correction.value, hedges_g=g_value,
                         method=w.primary.method, seeds=seeds, against=against)
    interval = decision_interval(w, a, s, verdict, flat=flat)
    tost_text = ""
    if tost is not None and not equivalence_claim:
        tost_text = p_clause(tost.pvalue) + (
            f", {s.other.value}-adjusted {p_clause(a.tost)}" if s.other.value != "none" else "")
    text = sentence(verdict=verdict, reason=reason, direction=s.direction,
                    treatment=w.treatment, control=control, metric=s.metric,
                    difference=difference, interval=interval, stats_text=stats_text,
                    tost=tost, tost_text=tost_text, failures=failures, resolution=w.tol,
                    margin=s.margin, alternative=s.alternative)
    return Comparison(
        control=control, treatment=w.treatment, test=w.test.value, test_reason=w.reason,
        statistic=finite_or_none(statistic), df=finite_or_none(df),
        pvalue=finite_or_none(pvalue), pvalue_adjusted=a.tost if equivalence_claim else a.pvalue,
        difference=difference, ci_low=_unshifted(w.ci.ci_low, w.shift),
        ci_high=_unshifted(w.ci.ci_high, w.shift), hedges_g=g_value,
        cliffs_delta=effsize.cliffs_delta(t, c, paired=paired),
        prob_superiority=effsize.prob_superiority(t, c, paired=paired),
        power_at_margin=power_value, seeds_needed=needed, verdict=verdict, sentence=text,
        verdict_reason=reason, apa=stats_text, seeds_per_arm=seeds,
        relative_change=difference / abs(control_mean) if control_mean else None,
        bootstrap_ci=None if flat else bootstrap.bca_interval(
            t, c, alpha=s.alpha, paired=paired, rng=np.random.default_rng(rng),
            n_resamples=w.runner.n_resamples),
        hedges_g_ci=None if g is None else (finite_or_none(g[1][0]), finite_or_none(g[1][1])),
        prob_superiority_ci=effsize.prob_superiority_ci(t, c, alpha=s.alpha, paired=paired),
        alternative=s.alternative, correction=s.correction.value, tost=tost,
        robustness=tuple(robustness), n_pairs=int(t.size) if paired else None,
        pvalue_opposite=None if w.opposite is None else finite_or_none(w.opposite.pvalue),
        pvalue_opposite_adjusted=a.pvalue_opposite, decision_pvalue=decision_p,
        decision_alpha=decision_alpha, decided_by=decided_by, decision_interval=interval,
        difference_test=DifferenceTest(
            test=w.test.value, alternative=w.primary.alternative,
            statistic=finite_or_none(w.primary.statistic), df=finite_or_none(w.primary.df),
            pvalue=finite_or_none(w.primary.pvalue), pvalue_adjusted=a.pvalue)
        if equivalence_claim else None,
        disagreement=disagreement)


def _unshifted(value: float | None, shift: float) -> float | None:
    """A bound of the tested (shifted) difference as a bound of the difference itself."""
    return None if value is None else finite_or_none(value - shift)


def _power(w: Work, s: Settings, seeds: tuple[int, int], alpha: float,
           paired: bool) -> tuple[float | None, int | None]:
    if s.margin is None:
        return None, None
    sd = float(np.sqrt(np.var(w.t - w.c, ddof=1))) if paired else effsize.pooled_sd(w.t, w.c)
    if sd <= w.tol or (paired and is_constant(w.t - w.c, w.tol)):
        return None, None  # no spread: the t-based power says nothing
    welch = not paired and w.test is not TestName.STUDENT
    value = finite_or_none(power.power_at_margin(sd, s.margin, seeds[0], seeds[1], alpha=alpha,
                                                 alternative=s.direction.value, paired=paired,
                                                 welch=welch))
    try:
        needed = power.seeds_needed(sd, s.margin, alpha, POWER_TARGET, s.direction.value,
                                    paired=paired, welch=welch)
    except ValueError:  # more than 10 million seeds: the margin is tiny next to the SD
        needed = None
    return value, needed


def decision_interval(w: Work, a: Adjusted, s: Settings, verdict: Verdict, *,
                      flat: bool) -> DecisionInterval | None:
    """The interval of the difference at the levels the verdict was decided at."""
    base = w.ci
    note = ""
    equivalence = verdict is Verdict.EQUIVALENT or (
        s.direction is Direction.EQUIVALENT and verdict is not Verdict.CONTRADICTED)
    if equivalence or s.direction is Direction.EQUIVALENT:
        base = w.difference_t
    if flat:
        note = "no arm varies across seeds, so the difference is exact"
    elif w.test not in T_TESTS and not equivalence:
        note = (f"the verdict's test is {label(w.test.value).title}; these are "
                f"{label(base.test).title} bounds at the levels it was decided at, so near the "
                "boundary they can disagree with it")
    if equivalence:
        level = s.alpha if a.tost_level is None else a.tost_level
        low_conf = high_conf = 1 - level
    elif s.direction is Direction.EQUIVALENT:
        level = s.alpha if a.nonequivalence_level is None else a.nonequivalence_level
        low_conf = high_conf = 1 - level / 2
    elif a.many is not None:
        return _many_to_one_interval(a, s)
    elif s.direction is Direction.TWO_SIDED:
        level = s.alpha if a.level is None else a.level
        low_conf = high_conf = 1 - level / 2
    else:
        predicted = 1 - (s.alpha if a.level is None else a.level)
        against = 1 - (s.alpha_opposite if a.level_opposite is None else a.level_opposite)
        low_conf, high_conf = ((predicted, against) if s.alternative == "greater"
                               else (against, predicted))
    low, high = bounds(base, low_conf, high_conf)
    if low is not None and w.shift:  # the runner tested the shifted values (a non-inferiority claim)
        low, high = low - w.shift, high - w.shift
    if low is not None:
        low, high = clip(low, high, difference_bounds(s.bounds))
    return DecisionInterval(low=finite_or_none(low), high=finite_or_none(high),
                            low_confidence=low_conf, high_confidence=high_conf,
                            confidence=low_conf + high_conf - 1, test=base.test, note=note)


def _many_to_one_interval(a: Adjusted, s: Settings) -> DecisionInterval:
    m = a.many
    predicted, against = a.critical
    safe = m.degrees(conservative=True)
    if s.direction is Direction.TWO_SIDED:
        (low_c, low_df), (high_c, high_df) = (predicted, m.df), (predicted, m.df)
    elif s.alternative == "greater":
        (low_c, low_df), (high_c, high_df) = (predicted, m.df), (against, safe)
    else:
        (low_c, low_df), (high_c, high_df) = (against, safe), (predicted, m.df)
    estimate = m.estimate - s.shift  # the many-to-one test ran on the shifted values of a non-inferiority claim
    low = estimate - low_c * m.standard_error
    high = estimate + high_c * m.standard_error
    low, high = clip(low, high, difference_bounds(s.bounds))
    low_conf = float(special.stdtr(low_df, low_c))
    high_conf = float(special.stdtr(high_df, high_c))
    return DecisionInterval(
        low=finite_or_none(low), high=finite_or_none(high), low_confidence=low_conf,
        high_confidence=high_conf, confidence=low_conf + high_conf - 1, test="many_to_one",
        note=f"simultaneous bounds of the many-to-one test ({m.df:g} df; {safe:g} against the "
             "claim): each bound holds for every treatment at once")


def difference_bounds(bounds: tuple[float | None, float | None]) -> tuple[float | None,
                                                                          float | None]:
    """The range of a difference of two values of a metric with ``bounds`` (None where unbounded)."""
    low, high = bounds
    if low is None or high is None:
        return None, None
    return low - high, high - low


def _robustness(w: Work, a: Adjusted, s: Settings,
                factor: int) -> tuple[list[RobustnessCheck], str]:
    primary_says = conclusion(a.pvalue, a.pvalue_opposite, s.alpha, s.alpha_opposite)
    rows, disagree = [], []
    for name, result, opposite, smallest in w.panel:
        p, q = a.panel.get(name, (None, None))
        says = conclusion(p, q, s.alpha, s.alpha_opposite)
        can_reach = smallest * factor < s.alpha
        agrees = says is primary_says
        rows.append(RobustnessCheck(
            test=name, statistic=finite_or_none(result.statistic),
            df=finite_or_none(result.df), pvalue=result.pvalue, pvalue_adjusted=p,
            pvalue_opposite=None if opposite is None else opposite.pvalue,
            pvalue_opposite_adjusted=q, method=result.method,
            conclusion=says, agrees=agrees, can_reach_alpha=can_reach))
        # An undefined test (t with constant arms) or one that cannot reach
        # alpha with these seeds is shown but is not counted as disagreeing.
        if (primary_says is not Conclusion.NOT_SIGNIFICANT and not agrees and can_reach
                and p is not None):
            disagree.append(f"{label(name.value).name} (adjusted {p_clause(p)})")
    text = ""
    if disagree:
        shown = a.pvalue_opposite if primary_says is not Conclusion.SIGNIFICANT else a.pvalue
        text = (f"{label(w.test.value).name} is {primary_says.value} (adjusted "
                f"{p_clause(shown)}) but {', '.join(disagree)} "
                f"{'is' if len(disagree) == 1 else 'are'} not")
    return rows, text


def _failures_text(treatment, control, arms, failed, failed_as_worst) -> str:
    parts = []
    for name in (treatment, control):
        if failed.get(name):
            total = arms[name].n + (0 if failed_as_worst else failed[name])
            how = "counted as the worst value" if failed_as_worst else "dropped"
            parts.append(f"{failed[name]} of {total} runs of {name} failed or diverged "
                         f"and were {how}.")
    return " ".join(parts)
