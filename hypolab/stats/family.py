"""Finishing a family of comparisons: corrections, power, effect sizes, verdicts.

``analysis.analyze`` runs the tests of each treatment into a ``Work`` item;
this module adjusts every family of p-values (primary test, its opposite
direction, TOST, non-equivalence and each robustness test) and turns each
item into a ``Comparison`` record with its verdict and sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hypolab.records import (
    ArmSummary,
    Comparison,
    Conclusion,
    Correction,
    Direction,
    EquivalenceTest,
    Pairing,
    RobustnessCheck,
    TestName,
    TestResult,
)
from hypolab.stats import bootstrap, effsize, multiplicity, power
from hypolab.stats.labels import label
from hypolab.stats.robustness import TestRunner
from hypolab.stats.values import finite_or_none
from hypolab.stats.verdict import Evidence, conclusion, decide
from hypolab.stats.wording import apa, p_clause, sentence

#: The one-sided alternative against a directional prediction.
OPPOSITE = {"greater": "less", "less": "greater"}


@dataclass
class Work:
    """One comparison's test results while the family is analysed (internal)."""

    treatment: str
    t: np.ndarray
    c: np.ndarray
    problem: str
    test: TestName | None = None
    reason: str = ""
    primary: TestResult | None = None
    opposite: TestResult | None = None
    ci: TestResult | None = None
    tost: EquivalenceTest | None = None
    panel: tuple[tuple[TestName, TestResult, TestResult | None, float], ...] = ()
    runner: TestRunner | None = None


def _p(result: TestResult | None) -> float | None:
    return None if result is None else result.pvalue


def _adjust(pvalues: list[float | None], correction: Correction) -> list[float | None]:
    return multiplicity.adjust(pvalues, correction)


def finish(
    work: list[Work],
    control: str,
    samples: dict[str, np.ndarray],
    arms: tuple[ArmSummary, ...],
    *,
    direction: Direction,
    alternative: str,
    alpha: float,
    margin: float | None,
    correction: Correction,
    pairing: Pairing,
    metric: str,
    failed: dict[str, int],
    failed_as_worst: bool,
    rng: int,
) -> list[Comparison]:
    """Adjust the family's p-values and build one ``Comparison`` per item.

    Under ``dunnett`` the primary (and opposite-direction) p-values are
    Dunnett's; TOST and the robustness panel are Holm-adjusted.
    """
    other = Correction.HOLM if correction is Correction.DUNNETT else correction
    if correction is Correction.DUNNETT:
        primary_adj = _dunnett(work, samples[control], alternative, rng)
        opposite_adj = (_dunnett(work, samples[control], OPPOSITE[alternative], rng)
                        if alternative in OPPOSITE else [None] * len(work))
    else:
        primary_adj = _adjust([_p(w.primary) for w in work], correction)
        opposite_adj = _adjust([_p(w.opposite) for w in work], correction)
    tost_adj = _adjust([w.tost.pvalue if w.tost else None for w in work], other)
    noneq_adj = _adjust([w.tost.nonequivalence_pvalue if w.tost else None for w in work],
                        other)
    panel_adj = _panel_adjusted(work, other)
    family_size = sum(1 for w in work if w.primary is not None and w.primary.pvalue is not None)
    factor = family_size if other in (Correction.HOLM, Correction.BONFERRONI) else 1
    power_alpha = power.family_alpha(alpha, other.value, family_size)
    by_name = {a.name: a for a in arms}
    out = []
    for i, w in enumerate(work):
        out.append(_comparison(
            w, control, by_name, primary_adj[i], opposite_adj[i], tost_adj[i], noneq_adj[i],
            panel_adj[i], direction=direction, alternative=alternative, alpha=alpha,
            margin=margin, correction=correction, pairing=pairing, metric=metric,
            failed=failed, failed_as_worst=failed_as_worst, factor=max(factor, 1),
            power_alpha=power_alpha, rng=(rng, i, 1)))
    return out


def _dunnett(work, control_values, alternative, rng) -> list[float | None]:
    usable = [i for i, w in enumerate(work) if w.primary is not None]
    out: list[float | None] = [None] * len(work)
    if usable:
        pvalues = multiplicity.dunnett_pvalues([work[i].t for i in usable], control_values,
                                               alternative=alternative, rng=rng)
        for i, p in zip(usable, pvalues):
            out[i] = finite_or_none(p)
    return out


def _panel_adjusted(work: list[Work], correction: Correction) -> list[dict]:
    """Per item: ``{test: (adjusted p, adjusted opposite p)}``, each test its own family."""
    out: list[dict] = [{} for _ in work]
    names = {entry[0] for w in work for entry in w.panel}
    for name in names:
        rows = [(i, entry) for i, w in enumerate(work) for entry in w.panel
                if entry[0] is name]
        adjusted = _adjust([entry[1].pvalue for _, entry in rows], correction)
        adjusted_opp = _adjust([_p(entry[2]) for _, entry in rows], correction)
        for (i, _), p, q in zip(rows, adjusted, adjusted_opp):
            out[i][name] = (p, q)
    return out


def _comparison(w, control, arms, p_adj, opp_adj, tost_adj, noneq_adj, panel_adj, *,
                direction, alternative, alpha, margin, correction, pairing, metric,
                failed, failed_as_worst, factor, power_alpha, rng) -> Comparison:
    t, c = w.t, w.c
    seeds = (int(t.size), int(c.size))
    failures = ("" if w.problem.startswith("too many failed runs") else
                _failures_text(w.treatment, control, arms, failed, failed_as_worst))
    if w.primary is None:
        verdict, reason = decide(Evidence(direction=direction, alpha=alpha, margin=margin,
                                          pvalue=None, problem=w.problem))
        text = sentence(verdict=verdict, reason=reason, direction=direction,
                        treatment=w.treatment, control=control, metric=metric,
                        difference=None, ci=(None, None), alpha=alpha, stats_text="",
                        failures=failures)
        return Comparison(control=control, treatment=w.treatment, test="", test_reason="",
                          statistic=None, df=None, pvalue=None, pvalue_adjusted=None,
                          difference=None, ci_low=None, ci_high=None, hedges_g=None,
                          cliffs_delta=None, prob_superiority=None, power_at_margin=None,
                          seeds_needed=None, verdict=verdict, sentence=text,
                          verdict_reason=reason, seeds_per_arm=seeds,
                          alternative=alternative, correction=correction.value)
    paired = pairing is Pairing.SEED
    difference = float(np.mean(t) - np.mean(c))
    g = effsize.hedges_g(t, c, alpha=alpha)
    control_mean = float(np.mean(c))
    power_value = needed = None
    if margin is not None:
        sd = float(np.std(t - c, ddof=1)) if paired else effsize.pooled_sd(t, c)
        power_value = power.power_at_margin(sd, margin, seeds[0], seeds[1],
                                            alpha=power_alpha, alternative=direction.value,
                                            paired=paired)
        try:
            needed = power.seeds_needed(sd, margin, power_alpha, 0.8, direction.value,
                                        paired=paired)
        except ValueError:  # more than 10 million seeds: the margin is tiny next to the SD
            needed = None
    robustness, disagreement = _robustness(w, p_adj, opp_adj, panel_adj, alpha, factor)
    verdict, reason = decide(Evidence(
        direction=direction, alpha=alpha, margin=margin, pvalue=p_adj,
        pvalue_opposite=opp_adj, tost_pvalue=tost_adj, nonequivalence_pvalue=noneq_adj,
        power=power_value, seeds_needed=needed, seeds=seeds, disagreement=disagreement,
        problem=w.problem or (w.primary.note if w.primary.pvalue is None else "")))
    g_value = None if g is None else float(g[0])
    stats_text = apa(w.test.value, w.primary.statistic, w.primary.df, w.primary.pvalue,
                     pvalue_adjusted=p_adj, correction=correction.value, hedges_g=g_value,
                     method=w.primary.method, seeds=seeds)
    tost = None
    if w.tost is not None:
        tost = replace(w.tost, pvalue_adjusted=tost_adj,
                       nonequivalence_pvalue_adjusted=noneq_adj)
    text = sentence(verdict=verdict, reason=reason, direction=direction,
                    treatment=w.treatment, control=control, metric=metric,
                    difference=difference, ci=(w.ci.ci_low, w.ci.ci_high), alpha=alpha,
                    stats_text=stats_text, tost=tost, failures=failures)
    return Comparison(
        control=control, treatment=w.treatment, test=w.test.value, test_reason=w.reason,
        statistic=finite_or_none(w.primary.statistic), df=finite_or_none(w.primary.df),
        pvalue=finite_or_none(w.primary.pvalue), pvalue_adjusted=p_adj,
        difference=difference, ci_low=finite_or_none(w.ci.ci_low),
        ci_high=finite_or_none(w.ci.ci_high), hedges_g=g_value,
        cliffs_delta=effsize.cliffs_delta(t, c),
        prob_superiority=effsize.prob_superiority(t, c),
        power_at_margin=power_value, seeds_needed=needed, verdict=verdict, sentence=text,
        verdict_reason=reason, apa=stats_text, seeds_per_arm=seeds,
        relative_change=difference / abs(control_mean) if control_mean else None,
        bootstrap_ci=bootstrap.bca_interval(t, c, alpha=alpha, paired=paired,
                                            rng=np.random.default_rng(rng),
                                            n_resamples=w.runner.n_resamples),
        hedges_g_ci=None if g is None else g[1],
        prob_superiority_ci=effsize.prob_superiority_ci(t, c, alpha=alpha),
        alternative=alternative, correction=correction.value, tost=tost,
        robustness=tuple(robustness), n_pairs=int(t.size) if paired else None)


def _robustness(w, p_adj, opp_adj, panel_adj, alpha,
                factor) -> tuple[list[RobustnessCheck], str]:
    primary_says = conclusion(p_adj, opp_adj, alpha)
    rows, disagree = [], []
    for name, result, opposite, smallest in w.panel:
        p, q = panel_adj.get(name, (None, None))
        says = conclusion(p, q, alpha)
        can_reach = smallest * factor < alpha
        agrees = says is primary_says
        rows.append(RobustnessCheck(
            test=name, statistic=finite_or_none(result.statistic),
            df=finite_or_none(result.df), pvalue=result.pvalue, pvalue_adjusted=p,
            pvalue_opposite=_p(opposite), pvalue_opposite_adjusted=q, method=result.method,
            conclusion=says, agrees=agrees, can_reach_alpha=can_reach))
        # An undefined test (t with constant arms) or one that cannot reach
        # alpha with these seeds is shown but cannot make the tests disagree.
        if (primary_says is not Conclusion.NOT_SIGNIFICANT and not agrees and can_reach
                and p is not None):
            disagree.append(f"{label(name.value).name} (adjusted {p_clause(p)})")
    text = ""
    if disagree:
        shown = opp_adj if primary_says is not Conclusion.SIGNIFICANT else p_adj
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
