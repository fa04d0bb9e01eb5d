"""The verdict rule and how a comparison's verdict is put into words.

The one rule (also in ``docs/verdict.md``), applied to each treatment with
every p-value adjusted across the family of treatments, and the error
budget of ``budget``:

1. **inconclusive** when the data cannot carry a verdict: an arm has fewer
   than two values, more than 20% of an arm's runs failed and were dropped,
   or the primary test is undefined (e.g. Welch's t when both arms are constant).
2. Directional claims (``greater``/``less``, and ``noninferior``, whose one-sided
   test is against the null shifted by the margin): **supported** when the one-sided
   test in the predicted direction is significant (adjusted p < alpha);
   **contradicted** when the one-sided test against the prediction is
   significant at the smaller level ``alpha_contradicted`` (adjusted p <
   min(alpha / 10, 0.005)). Two-sided claims: **supported** when the
   two-sided test is significant. The robustness panel never overrides the
   primary test: where another reasonable test reaches another conclusion the
   reason says so (and the report flags it), and the verdict stands.
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
from hypolab.stats.budget import alpha_contradicted
from hypolab.stats.wording import p_clause, seeds_text

FAILED_SHARE_LIMIT = 0.2
POWER_TARGET = 0.8


@dataclass(frozen=True)
class Evidence:
    """What the rule looks at for one comparison (adjusted p-values).

    Args:
        direction: the hypothesis' direction.
        alpha: the significance level of ``supported`` (and of ``equivalent``).
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
        disagreement: which robustness tests reach another conclusion, or "".
        problem: why the data cannot carry a verdict, or "".
        alpha_opposite: the level of ``contradicted``; ``alpha_contradicted(alpha)``
            when None.
        no_variation: where no arm varies across seeds, a clause saying so, or "".
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
    alpha_opposite: float | None = None
    no_variation: str = ""

    @property
    def level_opposite(self) -> float:
        """The level of ``contradicted`` for a directional claim."""
        return alpha_contradicted(self.alpha) if self.alpha_opposite is None else self.alpha_opposite


def conclusion(pvalue: float | None, pvalue_opposite: float | None, alpha: float,
               alpha_opposite: float | None = None) -> Conclusion:
    """What one test says: ``significant`` (p < alpha), ``significant, opposite`` or not.

    The opposite direction is significant at ``alpha_opposite``
    (``alpha_contradicted(alpha)`` when None), the error budget of ``budget``.
    """
    if pvalue is not None and pvalue < alpha:
        return Conclusion.SIGNIFICANT
    level = alpha_contradicted(alpha) if alpha_opposite is None else alpha_opposite
    if pvalue_opposite is not None and pvalue_opposite < level:
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
    said = conclusion(e.pvalue, e.pvalue_opposite, e.alpha, e.level_opposite)
    panel = f"; the robustness panel disagrees: {e.disagreement}" if e.disagreement else ""
    noninferior = e.direction is Direction.NONINFERIOR
    if said is Conclusion.SIGNIFICANT:
        shown = (f"shows the treatment is not worse by more than {e.margin:g}" if noninferior
                 else "is significant in the predicted direction")
        return Verdict.SUPPORTED, (
            f"the primary test {shown} (adjusted {p_clause(e.pvalue)}, alpha = {e.alpha:g}){panel}")
    if said is Conclusion.OPPOSITE:
        shown = (f"shows the treatment is worse by more than {e.margin:g}" if noninferior
                 else "is significant in the opposite direction")
        return Verdict.CONTRADICTED, (
            f"the primary test {shown} (adjusted {p_clause(e.pvalue_opposite)}, below "
            f"{e.level_opposite:g}, the level for a verdict against the claim){panel}")
    if e.pvalue is None:
        return Verdict.INCONCLUSIVE, "the primary test is undefined for these values"
    if noninferior:
        return Verdict.INCONCLUSIVE, _not_shown(
            e, f"not worse by more than {e.margin:g} is not shown (adjusted {p_clause(e.pvalue)})")
    if e.tost_pvalue is not None and e.tost_pvalue < e.alpha:
        return Verdict.EQUIVALENT, (
            f"not significant, and TOST shows the difference lies within "
            f"±{e.margin:g} (adjusted {p_clause(e.tost_pvalue)})")
    return Verdict.INCONCLUSIVE, _not_shown(
        e, f"not significant (adjusted {p_clause(e.pvalue)})")


def decision_of(e: Evidence, verdict: Verdict) -> tuple[float | None, float | None, str]:
    """The adjusted p-value that decided ``verdict``, the level it was compared with, and which.

    Returns:
        ``(pvalue, level, decided_by)``; ``decided_by`` is ``predicted``,
        ``opposite``, ``tost`` or ``nonequivalence`` ("" where the data could
        not carry a verdict). An inconclusive verdict quotes the claim's own
        test (the primary test in the predicted direction; TOST for
        ``equivalent`` claims).
    """
    if e.problem:
        return None, None, ""
    if e.direction is Direction.EQUIVALENT:
        if verdict is Verdict.CONTRADICTED:
            return e.nonequivalence_pvalue, e.alpha, "nonequivalence"
        return e.tost_pvalue, e.alpha, "tost"
    if verdict is Verdict.CONTRADICTED:
        return e.pvalue_opposite, e.level_opposite, "opposite"
    if verdict is Verdict.EQUIVALENT:
        return e.tost_pvalue, e.alpha, "tost"
    return e.pvalue, e.alpha, "predicted"


def _decide_equivalence(e: Evidence) -> tuple[Verdict, str]:
    if e.tost_pvalue is None:
        return Verdict.INCONCLUSIVE, "the equivalence test is undefined for these values"
    if e.tost_pvalue < e.alpha:
        return Verdict.EQUIVALENT, (
            f"TOST shows the difference lies within ±{e.margin:g} "
            f"(adjusted {p_clause(e.tost_pvalue)}, alpha = {e.alpha:g})")
    if e.nonequivalence_pvalue is not None and e.nonequivalence_pvalue < e.alpha:
        return Verdict.CONTRADICTED, (
            f"the difference lies significantly beyond ±{e.margin:g} "
            f"(adjusted {p_clause(e.nonequivalence_pvalue)})")
    return Verdict.INCONCLUSIVE, _not_shown(
        e, f"equivalence within ±{e.margin:g} is not shown "
           f"(TOST adjusted {p_clause(e.tost_pvalue)})")


def _not_shown(e: Evidence, lead: str) -> str:
    if e.no_variation:
        lead = f"{lead}; {e.no_variation}"
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
        f", and equivalence within ±{e.margin:g} is not shown either "
        f"(TOST adjusted {p_clause(e.tost_pvalue)})")
    return f"{lead}{power}{tost}"


def hypothesis_verdict(verdicts: list[tuple[str, Verdict]],
                       series: tuple[Verdict, str] | None = None) -> tuple[Verdict, str]:
    """The one verdict of a hypothesis, from its comparisons (and its series).

    - A dose series (``ordered: true``): the series verdict.
    - One treatment: its comparison's verdict.
    - Several: **supported** when at least one treatment is supported and none
      contradicted (the family's correction holds the chance of any false
      ``supported`` at alpha); **contradicted** when at least one is
      contradicted and none supported; **equivalent** when every one is
      equivalent; otherwise **inconclusive** (nothing shown, or some
      supported and some contradicted).

    Args:
        verdicts: ``(treatment, verdict)`` of each comparison, in order.
        series: the series' ``(verdict, reason)`` where the arms form a dose series.

    Returns:
        ``(verdict, reason)``.

    Example:
        >>> hypothesis_verdict([("a", Verdict.SUPPORTED), ("b", Verdict.INCONCLUSIVE)])[0].value
        'supported'
    """
    if series is not None:
        return series[0], f"the dose series as a whole: {series[1]}"
    if not verdicts:
        return Verdict.INCONCLUSIVE, "no comparison could be computed"
    if len(verdicts) == 1:
        return verdicts[0][1], f"the one comparison ({verdicts[0][0]}) is {verdicts[0][1].value}"
    kinds = {v for _, v in verdicts}

    def named(kind: Verdict) -> str:
        return ", ".join(name for name, v in verdicts if v is kind)

    counts = "; ".join(f"{kind.value}: {named(kind)}" for kind in Verdict if kind in kinds)
    total = len(verdicts)
    if Verdict.SUPPORTED in kinds and Verdict.CONTRADICTED in kinds:
        return Verdict.INCONCLUSIVE, (f"the treatments disagree, some supported and some "
                                      f"contradicted ({counts})")
    for kind in (Verdict.SUPPORTED, Verdict.CONTRADICTED):
        if kind in kinds:
            shown = sum(1 for _, v in verdicts if v is kind)
            return kind, f"{shown} of {total} treatments {kind.value} ({counts})"
    if kinds == {Verdict.EQUIVALENT}:
        return Verdict.EQUIVALENT, f"all {total} treatments equivalent to the control"
    return Verdict.INCONCLUSIVE, f"no treatment is supported or contradicted ({counts})"
