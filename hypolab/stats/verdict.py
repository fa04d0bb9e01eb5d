"""The verdict rule and how a comparison is put into words.

The one rule (also in ``docs/verdict.md``), applied to each treatment with
every p-value adjusted across the family of treatments:

1. **inconclusive** when the data cannot carry a verdict: an arm has fewer
   than two values, more than 20% of an arm's runs failed and were dropped,
   or the primary test is undefined (e.g. both arms constant).
2. Directional claims (``greater``/``less``): **supported** when the one-sided
   test in the predicted direction is significant (adjusted p < alpha);
   **contradicted** when the one-sided test in the opposite direction is.
   Two-sided claims: **supported** when the two-sided test is significant.
   Either way, if another reasonable test (the robustness panel) does not
   reach the same conclusion, the verdict is **inconclusive** ("tests
   disagree") instead.
3. Not significant, with a margin: **equivalent** when TOST shows the
   difference lies within ``+-margin``.
4. ``equivalent`` claims: **equivalent** when TOST is significant;
   **contradicted** when the difference lies significantly beyond the margin.
5. Anything else is **inconclusive**, with the reason: underpowered at the
   margin (power < 80%, with the seeds needed), no margin set, or neither
   a difference nor equivalence shown.

Wording never calls a non-significant result "no effect".
"""

from __future__ import annotations

from dataclasses import dataclass

from hypolab.records import Conclusion, Direction, Verdict
from hypolab.stats.wording import p_clause, seeds_text

FAILED_SHARE_LIMIT = 0.2
POWER_TARGET = 0.8


@dataclass(frozen=True)
class Evidence:
    """What the rule looks at for one comparison (adjusted p-values).

    Args:
        direction: the hypothesis' direction.
        alpha: the significance level.
        margin: the smallest effect of interest, or None.
        pvalue: primary test in the predicted direction (two-sided for
            ``two-sided``/``equivalent``), adjusted.
        pvalue_opposite: primary test, one-sided against the prediction, adjusted
            (None unless ``greater``/``less``).
        tost_pvalue: TOST, adjusted (None without a margin).
        nonequivalence_pvalue: ``|diff| > margin`` test, adjusted.
        power: power at the margin, or None.
        seeds_needed: seeds per arm for 80% power at the margin, or None.
        seeds: values per arm as ``(treatment, control)``.
        disagreement: which robustness tests disagree, or "".
        problem: why the data cannot carry a verdict, or "".
    """

    direction: Direction
    alpha: float
    margin: float | None
    pvalue: float | None
    pvalue_opposite: float | None = None
    tost_pvalue: float | None = None
    nonequivalence_pvalue: float | None = None
    power: float | None = None
    seeds_needed: int | None = None
    seeds: tuple[int, int] = (0, 0)
    disagreement: str = ""
    problem: str = ""


def conclusion(pvalue: float | None, pvalue_opposite: float | None, alpha: float) -> Conclusion:
    """What one test says: ``significant``, ``significant, opposite`` or not."""
    if pvalue is not None and pvalue < alpha:
        return Conclusion.SIGNIFICANT
    if pvalue_opposite is not None and pvalue_opposite < alpha:
        return Conclusion.OPPOSITE
    return Conclusion.NOT_SIGNIFICANT


def decide(e: Evidence) -> tuple[Verdict, str]:
    """Apply the verdict rule.

    Args:
        e: the adjusted evidence of one comparison.

    Returns:
        ``(verdict, reason)``; the reason is a clause in plain words.
    """
    if e.problem:
        return Verdict.INCONCLUSIVE, e.problem
    if e.direction is Direction.EQUIVALENT:
        return _decide_equivalence(e)
    said = conclusion(e.pvalue, e.pvalue_opposite, e.alpha)
    if said is not Conclusion.NOT_SIGNIFICANT:
        if e.disagreement:
            return Verdict.INCONCLUSIVE, f"tests disagree: {e.disagreement}"
        if said is Conclusion.SIGNIFICANT:
            return Verdict.SUPPORTED, (
                f"the primary test is significant in the predicted direction "
                f"(adjusted {p_clause(e.pvalue)}, alpha = {e.alpha:g})")
        return Verdict.CONTRADICTED, (
            f"the primary test is significant in the opposite direction "
            f"(adjusted {p_clause(e.pvalue_opposite)}, alpha = {e.alpha:g})")
    if e.pvalue is None:
        return Verdict.INCONCLUSIVE, "the primary test is undefined for these values"
    if e.tost_pvalue is not None and e.tost_pvalue < e.alpha:
        return Verdict.EQUIVALENT, (
            f"not significant, and TOST shows the difference lies within "
            f"+-{e.margin:g} (adjusted {p_clause(e.tost_pvalue)})")
    return Verdict.INCONCLUSIVE, _not_shown(
        e, f"not significant (adjusted {p_clause(e.pvalue)})")


def _decide_equivalence(e: Evidence) -> tuple[Verdict, str]:
    if e.tost_pvalue is None:
        return Verdict.INCONCLUSIVE, "the equivalence test is undefined for these values"
    if e.tost_pvalue < e.alpha:
        return Verdict.EQUIVALENT, (
            f"TOST shows the difference lies within +-{e.margin:g} "
            f"(adjusted {p_clause(e.tost_pvalue)}, alpha = {e.alpha:g})")
    if e.nonequivalence_pvalue is not None and e.nonequivalence_pvalue < e.alpha:
        return Verdict.CONTRADICTED, (
            f"the difference lies significantly beyond +-{e.margin:g} "
            f"(adjusted {p_clause(e.nonequivalence_pvalue)})")
    return Verdict.INCONCLUSIVE, _not_shown(
        e, f"equivalence within +-{e.margin:g} is not shown "
           f"(TOST adjusted {p_clause(e.tost_pvalue)})")


def _not_shown(e: Evidence, lead: str) -> str:
    if e.margin is None:
        return (f"{lead}, and no margin is set, so neither the power nor "
                "equivalence can be judged")
    if e.power is not None and e.power < POWER_TARGET:
        needed = ("" if e.seeds_needed is None else
                  f"; about {e.seeds_needed} seeds per arm would give "
                  f"{POWER_TARGET:.0%}")
        return (f"{lead}; underpowered at the margin: {e.power:.0%} power to detect "
                f"{e.margin:g} with {seeds_text(e.seeds)}{needed}")
    power = "" if e.power is None else f" despite {e.power:.0%} power at the margin"
    tost = "" if e.tost_pvalue is None or e.direction is Direction.EQUIVALENT else (
        f", and equivalence within +-{e.margin:g} is not shown either "
        f"(TOST adjusted {p_clause(e.tost_pvalue)})")
    return f"{lead}{power}{tost}"
