"""The verdict on a dose series (``ordered: true``): the trend over every arm, and each step.

The rule (also in ``docs/verdict.md``), with the error budget of ``budget``:

- ``greater``/``less`` ("the metric rises/falls with the dose"): the
  Jonckheere-Terpstra test over every arm in file order (``trend.jonckheere``;
  Page's test, ``trend.page``, on the seeds every arm has when runs are
  paired by seed) decides. **supported** when it is significant in the claimed direction
  (p < alpha) and no step from one dose to the next goes significantly the
  other way; **contradicted** when it is significant against the claim (p <
  ``alpha_contradicted``); otherwise **inconclusive**, with the reason (a
  step that reverses the trend significantly is named).
- ``two-sided`` ("the metric changes with the dose"): **supported** when the
  two-sided test is significant; the sentence says which way.
- ``equivalent`` ("the dose makes no difference"): **equivalent** when every
  dose is shown equivalent to the control (each comparison's TOST, adjusted),
  **contradicted** when any dose lies significantly beyond the margin,
  otherwise **inconclusive**.

Each step (a dose against the previous one) is a t-test one-sided in the
claimed direction (Welch's; the paired t when paired by seed; Student's
where the file names it), its p-values adjusted across the steps by the
file's correction (Holm where the file uses Dunnett's many-to-one test).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hypolab.records import (
    Comparison,
    Conclusion,
    DecisionInterval,
    Direction,
    DoseStep,
    Pairing,
    SeriesAnalysis,
    TestName,
    TestResult,
    Verdict,
)
from hypolab.stats import multiplicity
from hypolab.stats.budget import decision_levels
from hypolab.stats.family import OPPOSITE, Settings
from hypolab.stats.trend import jonckheere, page
from hypolab.stats.ttests import bounds, paired_t, student, welch
from hypolab.stats.verdict import conclusion
from hypolab.stats.wording import p_clause

_RISES = {"greater": "rises", "less": "falls"}


def analyze_series(names: Sequence[str], samples: Sequence[np.ndarray],
                   pairs: Sequence[tuple[np.ndarray, np.ndarray]] | None,
                   comparisons: Sequence[Comparison], s: Settings,
                   blocks: Sequence[np.ndarray] | None = None) -> SeriesAnalysis:
    """The series verdict over ``names`` (dose order, control first, each n >= 2).

    Args:
        names: the arms of the series, in dose order.
        samples: each arm's per-seed values.
        pairs: per step, the two arms' values aligned by seed (paired designs), else None.
        comparisons: each dose against the control (for ``equivalent`` claims).
        s: the analysis settings.
        blocks: paired designs: each arm's values on the seeds every arm has, aligned
            (Page's test); None for independent runs (Jonckheere-Terpstra).
    """
    if blocks is not None:
        test = page(names, blocks, alternative=s.alternative)
        label_name, symbol = "Page", "L"
    else:
        test = jonckheere(names, samples, alternative=s.alternative)
        label_name, symbol = "Jonckheere-Terpstra", "J"
    steps = _steps(names, samples, pairs, s)
    words = s.metric.replace("_", " ")
    series = " → ".join(names)
    sizes = {int(x.size) for x in samples}
    seeds = (f"{sizes.pop()} seeds per arm" if len(sizes) == 1
             else f"{min(x.size for x in samples)}-{max(x.size for x in samples)} seeds per arm")

    def stats_text(against: bool = False) -> str:
        sides = "two-sided" if s.alternative == "two-sided" else "one-sided"
        p = (f"{p_clause(test.pvalue_opposite)} against the prediction" if against
             else p_clause(test.pvalue))
        z = "" if test.z is None else f", z = {test.z:.2f}"
        return f"{label_name} {symbol} = {test.statistic:g}{z}, {sides} {p}, {test.method}; {seeds}"

    verdict, reason, text = _decide(test, steps, comparisons, s, words, series, stats_text)
    reason = reason.replace("Jonckheere-Terpstra", label_name)
    text = text.replace("Jonckheere-Terpstra", label_name)
    correction = s.other.value
    return SeriesAnalysis(verdict=verdict, reason=reason, sentence=text, test=test,
                          steps=tuple(steps), step_correction=correction, alpha=s.alpha,
                          alpha_contradicted=s.alpha_opposite)


def _decide(test, steps, comparisons, s: Settings, words, series, stats_text):
    if s.direction is Direction.EQUIVALENT:
        return _decide_equivalence(comparisons, words, series, stats_text)
    if test.pvalue is None:
        reason = f"no trend can be tested: {test.method}"
        return (Verdict.INCONCLUSIVE, reason,
                f"The data do not show a trend of {words} along {series}: {reason}.")
    if s.alternative == "two-sided":
        if test.pvalue < s.alpha:
            way = "rises" if (test.z or 0) > 0 else "falls"
            reason = (f"the Jonckheere-Terpstra test over every arm is significant "
                      f"({p_clause(test.pvalue)}, alpha = {s.alpha:g})")
            return (Verdict.SUPPORTED, reason,
                    f"Along {series}, {words} {way} with the dose ({stats_text()}).")
        reason = f"no trend is shown ({p_clause(test.pvalue)}, alpha = {s.alpha:g})"
        return (Verdict.INCONCLUSIVE, reason, f"The data do not show that {words} changes "
                f"along {series} ({stats_text()}); inconclusive: {reason}.")
    rises = _RISES[s.alternative]
    against = _RISES[OPPOSITE[s.alternative]]
    if test.pvalue < s.alpha:
        reversed_steps = [st for st in steps if st.conclusion is Conclusion.OPPOSITE]
        if reversed_steps:
            named = ", ".join(f"from {st.lower} to {st.upper} (adjusted "
                              f"{p_clause(st.pvalue_opposite_adjusted)})" for st in reversed_steps)
            reason = (f"{words} {rises} along the series overall ({p_clause(test.pvalue)}) but "
                      f"{against} significantly {named}, so it does not {rises[:-1]} "
                      "with every dose")
            return (Verdict.INCONCLUSIVE, reason, f"The data do not show that {words} "
                    f"{rises} with the dose along {series} ({stats_text()}); inconclusive: "
                    f"{reason}.")
        reason = (f"the Jonckheere-Terpstra test over every arm is significant in the "
                  f"predicted direction ({p_clause(test.pvalue)}, alpha = {s.alpha:g}), and "
                  f"no step {against} significantly")
        return (Verdict.SUPPORTED, reason,
                f"Along {series}, {words} {rises} with the dose ({stats_text()}).")
    if test.pvalue_opposite is not None and test.pvalue_opposite < s.alpha_opposite:
        reason = (f"the Jonckheere-Terpstra test is significant against the claim "
                  f"({p_clause(test.pvalue_opposite)}, below {s.alpha_opposite:g}, the level "
                  "for a verdict against the claim)")
        return (Verdict.CONTRADICTED, reason,
                f"Along {series}, {words} {against} with the dose, the opposite of the "
                f"prediction ({stats_text(against=True)}).")
    reason = (f"no trend in the predicted direction is shown ({p_clause(test.pvalue)}, "
              f"alpha = {s.alpha:g})")
    return (Verdict.INCONCLUSIVE, reason, f"The data do not show that {words} {rises} with "
            f"the dose along {series} ({stats_text()}); inconclusive: {reason}.")


def _decide_equivalence(comparisons, words, series, stats_text):
    verdicts = [c.verdict for c in comparisons]
    if verdicts and all(v is Verdict.EQUIVALENT for v in verdicts):
        reason = "every dose is shown equivalent to the control (TOST, adjusted)"
        return (Verdict.EQUIVALENT, reason, f"Along {series}, {words} stays within the "
                f"margin of the control at every dose ({stats_text()}).")
    beyond = [c.treatment for c in comparisons if c.verdict is Verdict.CONTRADICTED]
    if beyond:
        reason = f"{', '.join(beyond)} lies significantly beyond the margin"
        return (Verdict.CONTRADICTED, reason, f"Along {series}, {words} does not stay within "
                f"the margin: {reason} ({stats_text()}).")
    missing = [c.treatment for c in comparisons if c.verdict is not Verdict.EQUIVALENT]
    reason = f"equivalence is not shown for {', '.join(missing)}"
    return (Verdict.INCONCLUSIVE, reason, f"The data do not show that {words} stays within "
            f"the margin along {series} ({stats_text()}); inconclusive: {reason}.")


def _steps(names, samples, pairs, s: Settings) -> list[DoseStep]:
    opposite = OPPOSITE.get(s.alternative)
    run = paired_t if s.pairing is Pairing.SEED else (
        student if s.requested is TestName.STUDENT else welch)
    results: list[tuple[TestResult, TestResult | None, TestResult]] = []
    for i in range(1, len(names)):
        upper, lower = pairs[i - 1] if pairs is not None else (samples[i], samples[i - 1])
        if upper.size < 2:
            results.append((None, None, None))
            continue
        results.append((run(upper, lower, alternative=s.alternative),
                        run(upper, lower, alternative=opposite) if opposite else None,
                        run(upper, lower, alpha=s.alpha)))
    correction = s.other
    adjusted = multiplicity.adjust([None if r[0] is None else r[0].pvalue for r in results],
                                   correction)
    adjusted_opp = multiplicity.adjust(
        [None if r[1] is None else r[1].pvalue for r in results], correction)
    levels = decision_levels(adjusted, correction, s.alpha)
    levels_opp = decision_levels(adjusted_opp, correction, s.alpha_opposite)
    steps = []
    for i, (main, other, two_sided) in enumerate(results):
        interval = None
        if two_sided is not None:
            level = s.alpha if levels[i] is None else levels[i]
            level_opp = s.alpha_opposite if levels_opp[i] is None else levels_opp[i]
            if s.alternative == "two-sided":
                low_conf = high_conf = 1 - level / 2
            elif s.alternative == "greater":
                low_conf, high_conf = 1 - level, 1 - level_opp
            else:
                low_conf, high_conf = 1 - level_opp, 1 - level
            low, high = bounds(two_sided, low_conf, high_conf)
            interval = DecisionInterval(low=low, high=high, low_confidence=low_conf,
                                        high_confidence=high_conf,
                                        confidence=low_conf + high_conf - 1,
                                        test=two_sided.test)
        steps.append(DoseStep(
            lower=names[i], upper=names[i + 1], test=run.__name__,
            difference=None if main is None else main.estimate,
            statistic=None if main is None else main.statistic,
            df=None if main is None else main.df,
            pvalue=None if main is None else main.pvalue, pvalue_adjusted=adjusted[i],
            pvalue_opposite=None if other is None else other.pvalue,
            pvalue_opposite_adjusted=adjusted_opp[i],
            conclusion=conclusion(adjusted[i], adjusted_opp[i], s.alpha, s.alpha_opposite),
            interval=interval))
    return steps

