"""One look of a sequential test: each undecided treatment's p-value against its boundaries.

At look ``k`` the claim's own test runs on the seeds trained so far, exactly
as the fixed design runs it (``hypolab.stats.analyze``: Welch's t, the
paired t, a named test, the shifted test of a non-inferiority claim, TOST),
and its one-sided p-value is compared with the look's nominal level, the
stage level ``1 - Phi(c_k)`` of the Lan-DeMets boundary (``boundaries``). On
a t statistic this is the t quantile of the level at the look's own degrees
of freedom, not the z boundary itself: z boundaries on t statistics with few
seeds reject far too often (9% instead of 5% at looks of 3, 5 and 10 seeds).

- **supported** (``equivalent`` for TOST) where the claim's p is below the
  efficacy level; **contradicted** where the test against the claim is below
  the level of a design at ``alpha_contradicted`` (the error budget of
  ``budget``; for ``equivalent`` the non-equivalence test at alpha);
- **futility** (``futility: true``, not at the last look) where the claim's
  statistic is below the non-binding futility boundary;
- at the last look, anything not decided is **inconclusive**.

Several treatments: each is tested at its share of alpha. ``bonferroni``:
``alpha / m``; ``holm``: ``alpha / (m - r)``, ``r`` the treatments supported
so far (at earlier looks and earlier in this look: alpha passes on to the
others, which are tested again at this look with the boundaries of their new
level; Maurer & Bretz 2013 show this holds the family-wise error of
group-sequential designs); ``none``: alpha. The test against the claim is
corrected the same way at its own level. Two-sided claims spend half the
level on each side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scipy import special

from hypolab.errors import AnalysisError
from hypolab.records import Comparison, Correction, Direction, Look, LookDecision, LookSettings, SequentialConfig
from hypolab.stats.analysis import analyze
from hypolab.stats.budget import alpha_contradicted
from hypolab.stats.sequential.boundaries import Boundaries, efficacy, with_futility
from hypolab.stats.wording import p_clause

#: Corrections a sequential design can hold the family-wise error with.
SEQUENTIAL_CORRECTIONS = (Correction.HOLM, Correction.BONFERRONI, Correction.NONE)
#: The power at which the futility boundaries are computed (beta = 1 - POWER).
FUTILITY_POWER = 0.8
#: p-values are kept inside (_P_FLOOR, 1 - 2**-53) on the z scale so every statistic is finite.
_P_FLOOR = 1e-300


def claim_boundaries(config: SequentialConfig, level: float, direction: Direction, *,
                     opposite: bool = False) -> Boundaries:  # fmt: skip
    """The one-sided boundaries a treatment tested at ``level`` is compared with.

    The claim's test: ``level`` (half of it for ``two-sided``), with futility
    where the file asks for it; the test against the claim: a design at
    ``level`` (half of it for the non-equivalence test of ``equivalent``).
    """
    info = config.information()
    halved = direction is Direction.TWO_SIDED if not opposite else direction is Direction.EQUIVALENT
    one_sided = level / 2 if halved else level
    if config.futility and not opposite and direction not in (Direction.TWO_SIDED, Direction.EQUIVALENT):
        return with_futility(info, one_sided, config.spending, 1 - FUTILITY_POWER)
    return efficacy(info, one_sided, config.spending)


def family_level(correction: Correction, alpha: float, family: int, rejected: int) -> float:
    """The level of each treatment still in the family: alpha / m, alpha / (m - r) or alpha."""
    if correction is Correction.NONE:
        return alpha
    if correction is Correction.BONFERRONI:
        return alpha / family
    if correction is Correction.HOLM:
        return alpha / max(family - rejected, 1)
    raise AnalysisError(f"correction '{correction.value}' has no sequential version. Expected one of "
                        f"{', '.join(c.value for c in SEQUENTIAL_CORRECTIONS)}.")  # fmt: skip


def _z(p: float | None) -> float | None:
    return None if p is None else float(-special.ndtri(min(max(p, _P_FLOOR), 1 - 2**-53)))


def _claim(c: Comparison, direction: Direction) -> tuple[float | None, float | None, float | None]:
    """The claim's p, the p against it, and the claim's statistic on the z scale."""
    if direction is Direction.EQUIVALENT:
        if c.tost is None or c.tost.pvalue is None:
            return None, None, None
        return c.tost.pvalue, c.tost.nonequivalence_pvalue, _z(c.tost.pvalue)
    if c.pvalue is None:
        return None, None, None
    if direction is Direction.TWO_SIDED:
        sign = -1.0 if (c.difference or 0.0) < 0 else 1.0
        return c.pvalue, None, sign * _z(c.pvalue / 2)
    return c.pvalue, c.pvalue_opposite, _z(c.pvalue)


def analyze_look(
    values: Mapping[str, Sequence[float]],
    *,
    control: str,
    config: SequentialConfig,
    look: int,
    settings: LookSettings = LookSettings(),
    recorded: Sequence[Look] = (),
    family: Sequence[str] | None = None,
    seeds: Mapping[str, Sequence[int]] | None = None,
    failed_seeds: Mapping[str, Sequence[int]] | None = None,
    rng: int = 0,
) -> tuple[Look, ...]:
    """Decide look ``look`` for every treatment not decided at an earlier look.

    Args:
        values: each arm's values on the seeds of this look (finished runs),
            the control's and those of the treatments still undecided.
        control: the control arm's name.
        config: the file's ``sequential:`` design.
        look: this look's number, 1 to ``len(config.looks)``.
        settings: how the comparisons are tested (``LookSettings.of(h)``).
        recorded: the looks recorded before (the truth: decided treatments
            stay decided, and Holm's alpha passes on from them).
        family: every treatment of the file, in order (the family the
            correction counts); the treatments of ``values`` when None.
        seeds, failed_seeds, rng: as ``hypolab.stats.analyze``.

    Returns:
        One ``Look`` per undecided treatment in ``values``, in family order.

    Raises:
        AnalysisError: a setting or a value is invalid, or the correction has
            no sequential version (``fdr_bh``, ``dunnett``).
    """
    direction, correction, alpha = Direction(settings.direction), Correction(settings.correction), settings.alpha
    if not 1 <= look <= len(config.looks):
        raise AnalysisError(f"look must be 1 to {len(config.looks)}. Got {look}.")
    family = [n for n in values if n != control] if family is None else list(family)
    decided = {r.treatment: r for r in recorded if r.decision.stops and r.look < look}
    active = [n for n in family if n in values and n not in decided]
    if not active:
        return ()
    fixed = analyze({n: values[n] for n in (control, *active)}, control=control,
                    **{**settings.keywords(), "correction": Correction.NONE},
                    seeds=None if seeds is None else {n: seeds[n] for n in (control, *active)},
                    failed_seeds=None if failed_seeds is None else {
                        n: failed_seeds.get(n, ()) for n in (control, *active)}, rng=rng)  # fmt: skip
    by_name = {c.treatment: c for c in fixed.comparisons}
    return _decide(by_name, active, decided, family, config, look, direction, alpha, correction)


def _decide(by_name, active, decided, family, config, look, direction, alpha, correction) -> tuple[Look, ...]:
    k, last, m = look - 1, look == len(config.looks), len(family)
    win = LookDecision.EQUIVALENT if direction is Direction.EQUIVALENT else LookDecision.SUPPORTED
    claims = {n: _claim(by_name[n], direction) for n in active}
    outcome: dict[str, LookDecision] = {}
    rejected = sum(1 for r in decided.values() if r.decision is win)
    level, at = _step_down(claims, 0, active, outcome, win, rejected, lambda lv: claim_boundaries(
        config, lv, direction), lambda b: _claim_level(b, k, direction), correction, alpha, m)
    opposite_alpha = alpha if direction is Direction.EQUIVALENT else alpha_contradicted(alpha)
    against = sum(1 for r in decided.values() if r.decision is LookDecision.CONTRADICTED)
    opposite_level, at_opposite = _step_down(
        claims, 1, active if direction is not Direction.TWO_SIDED else [], outcome, LookDecision.CONTRADICTED,
        against, lambda lv: claim_boundaries(config, lv, direction, opposite=True),
        lambda b: _opposite_level(b, k, direction), correction, opposite_alpha, m)  # fmt: skip
    looks = []
    for n in active:
        p, q, z = claims[n]
        b = claim_boundaries(config, at.get(n, level), direction)
        ob = None if direction is Direction.TWO_SIDED else claim_boundaries(
            config, at_opposite.get(n, opposite_level), direction, opposite=True)
        futile = b.futility is not None and not last and z is not None and z < b.futility[k]
        decision = outcome.get(n) or (LookDecision.FUTILITY if futile else
                                      LookDecision.INCONCLUSIVE if last else LookDecision.CONTINUE)
        levels = (at.get(n, level), None if ob is None else at_opposite.get(n, opposite_level))
        looks.append(_record(by_name[n], n, look, config, b, ob, levels, p, q, z, decision, direction))
    return tuple(looks)


def _step_down(claims, which, active, outcome, decision, rejected, boundaries, nominal, correction, alpha, m):
    """Holm's step-down within one look: test everyone left at the current level until nobody crosses.

    Returns the level the treatments left are tested at, and the level each one decided here crossed at.
    """
    at: dict[str, float] = {}
    while True:
        level = family_level(correction, alpha, m, rejected)
        threshold = nominal(boundaries(level))
        hits = [n for n in active if n not in outcome and claims[n][which] is not None
                and claims[n][which] < threshold]
        if not hits:
            return level, at
        for n in hits:
            outcome[n], at[n] = decision, level
        rejected += len(hits)


def _claim_level(b: Boundaries, k: int, direction: Direction) -> float:
    return 2 * b.stage_levels[k] if direction is Direction.TWO_SIDED else b.stage_levels[k]


def _opposite_level(ob: Boundaries, k: int, direction: Direction) -> float:
    return 2 * ob.stage_levels[k] if direction is Direction.EQUIVALENT else ob.stage_levels[k]


def _record(c: Comparison, name, look, config, b, ob, levels, p, q, z, decision, direction) -> Look:
    k = look - 1
    spent_alpha = b.alpha_spent[k] * (2 if direction is Direction.TWO_SIDED else 1)
    futility = b.futility[k] if b.futility is not None and k < len(b.futility) else None
    p_level = _claim_level(b, k, direction)
    q_level = None if ob is None else _opposite_level(ob, k, direction)
    return Look(look=look, treatment=name, seeds=config.looks[k], information=config.information()[k],
                alpha_spent=spent_alpha, z_boundary=b.critical[k], p_boundary=p_level, statistic=z,
                pvalue=p, decision=decision, level=levels[0], opposite_level=levels[1], futility_z_boundary=futility,
                futility_p_boundary=None if futility is None else float(special.ndtr(-futility)),
                opposite_pvalue=q, opposite_p_boundary=q_level, test=c.test, test_statistic=c.statistic,
                df=c.df, n_treatment=c.seeds_per_arm[0], n_control=c.seeds_per_arm[1],
                reason=_reason(c, decision, look, len(config.looks), p, q, z, p_level, q_level, futility,
                               direction))  # fmt: skip


def _reason(c: Comparison, decision, look, looks, p, q, z, p_level, q_level, futility, direction) -> str:
    at = f"at look {look} of {looks}"
    if p is None:
        why = c.verdict_reason or "the test is undefined for these values"
        return f"cannot be tested {at}: {why}" + ("" if look < looks else "; the last look decides nothing")
    claim = f"{p_clause(p)}, below {p_level:.3g}" if p < p_level else p_clause(p)
    if decision in (LookDecision.SUPPORTED, LookDecision.EQUIVALENT):
        test = "TOST" if direction is Direction.EQUIVALENT else "the claim's test"
        return f"{test} crossed the efficacy boundary {at} ({claim}, the nominal level of this look)"
    if decision is LookDecision.CONTRADICTED:
        what = ("the difference lies beyond the margin" if direction is Direction.EQUIVALENT
                else "the test against the claim crossed its boundary")
        return f"{what} {at} ({p_clause(q)}, below {q_level:.3g}, the nominal level of this look)"
    if decision is LookDecision.FUTILITY:
        return (f"stopped for futility {at}: the claim's statistic z = {z:.2f} is below the futility "
                f"boundary {futility:.2f} ({claim}; the efficacy level is {p_level:.3g})")
    if decision is LookDecision.INCONCLUSIVE:
        return f"no boundary was crossed by the last look ({claim}; the efficacy level was {p_level:.3g})"
    return f"between the boundaries {at} ({claim}; stopping for efficacy needs p below {p_level:.3g})"
