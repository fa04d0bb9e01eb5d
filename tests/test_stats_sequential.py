"""Issue 14: sequential looks hold the error rate, cost little power, and stop early; by seeded simulation.

Two layers, as for the error budget of issue 12. On replicates, ``analyze_look``
look by look decides exactly as the documented rule (``sequential_cases.rule``),
so the rule's rates are hypolab's; the rates come from many replicates of the
rule at once and are checked with a 99% Clopper-Pearson limit. The default
suite runs 4,000 replicates per cell; ``-m slow`` runs 20,000 on all five kinds
of data (``benchmarks/bench_sequential.py`` prints the table).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sequential_cases import ALPHA, KINDS, LOOKS, fixed, margin_for, rule, simulate
from verdict_cases import KINDS as ALL_KINDS
from verdict_cases import draw_many, lower_limit, one_sided_pvalues

from hypolab.records import Correction, Direction, LookDecision, LookSettings, Pairing, SequentialConfig, Spending
from hypolab.stats.sequential.boundaries import crossings, efficacy
from hypolab.stats.sequential.looks import analyze_look

TARGET = ALPHA + 0.01
REPS = 4_000
CELLS = [(looks, kind, spending) for looks in LOOKS for kind in KINDS for spending in Spending]


def _ids(cells):
    return ["-".join(str(part.value if isinstance(part, Spending) else part) for part in cell) for cell in cells]


def _drive(values: np.ndarray, config: SequentialConfig, *, paired: bool, correction: Correction):
    """``analyze_look`` look by look on one replicate (arms control first), as the driver calls it."""
    names = ["c", *(f"t{i}" for i in range(1, values.shape[0]))]
    recorded = []
    for k, n in enumerate(config.looks, start=1):
        decided = {r.treatment for r in recorded if r.decision.stops}
        arms = [a for a in names if a not in decided]
        if len(arms) == 1:
            break
        settings = LookSettings(direction=Direction.GREATER, margin=0.01, correction=correction, metric="test_accuracy",
                                pairing=Pairing.SEED if paired else Pairing.INDEPENDENT)  # fmt: skip
        recorded += analyze_look({a: values[names.index(a), :n] for a in arms}, control="c", config=config, look=k,
                                 settings=settings, recorded=recorded, family=names[1:])  # fmt: skip
    return names[1:], recorded


DESIGNS = [
    ("one-of", (5, 10, 20), Spending.OBRIEN_FLEMING, True, 1, False, Correction.HOLM),
    ("three-pocock-holm", (3, 5, 10), Spending.POCOCK, False, 3, False, Correction.HOLM),
    ("three-bonferroni-futility", (4, 8, 12), Spending.POCOCK, True, 3, False, Correction.BONFERRONI),
    ("paired-of", (5, 10, 20), Spending.OBRIEN_FLEMING, False, 1, True, Correction.NONE),
]


@pytest.mark.parametrize(("name", "looks", "spending", "futility", "treatments", "paired", "correction"), DESIGNS,
                         ids=[d[0] for d in DESIGNS])  # fmt: skip
def test_every_replicate_gets_the_decisions_of_the_documented_rule(name, looks, spending, futility, treatments,
                                                                   paired, correction):  # fmt: skip
    config = SequentialConfig(looks=looks, spending=spending, futility=futility)
    rng = np.random.default_rng(sum(map(ord, name)))
    for rep in range(8):
        effect = (0.0, 1.5, 2.5, -2.0)[rep % 4]
        values = draw_many("normal", rng, 1, treatments + 1, looks[-1], paired=paired, shift=effect)
        expected = rule(values, config, correction=correction, paired=paired)
        family, recorded = _drive(values[0], config, paired=paired, correction=correction)
        final = {r.treatment: r for r in recorded}
        for i, t in enumerate(family):
            assert (final[t].decision is LookDecision.SUPPORTED) == expected.supported[0, i], (name, rep, t)
            assert (final[t].decision is LookDecision.CONTRADICTED) == expected.contradicted[0, i], (name, rep, t)
        assert max(r.seeds for r in recorded) == expected.seeds[0], (name, rep)


@pytest.mark.parametrize(("looks", "kind", "spending"), CELLS, ids=_ids(CELLS))
def test_identical_arms_give_a_significant_verdict_at_most_alpha_plus_one_point(looks, kind, spending):
    outcome, _ = simulate(kind, looks, spending, reps=REPS, seed=14_000 + looks[-1])
    assert lower_limit(outcome.significant, REPS) <= TARGET, outcome.significant
    assert outcome.significant <= TARGET + 0.005


@pytest.mark.parametrize("design", ["three-treatments", "paired", "futility"])
@pytest.mark.parametrize("looks", LOOKS, ids=[str(list(x)) for x in LOOKS])
def test_the_error_holds_for_several_treatments_pairing_and_futility(design, looks):
    kwargs = {"three-treatments": {"treatments": 3}, "paired": {"paired": True}, "futility": {"futility": True}}[design]
    for spending in Spending:
        outcome, _ = simulate("normal", looks, spending, reps=REPS, seed=14_100 + looks[-1], **kwargs)
        assert lower_limit(outcome.significant, REPS) <= TARGET, (spending, outcome.significant)


def test_z_boundaries_on_t_statistics_would_fail_the_same_check():
    # What the small-sample adjustment is for: Z_k >= c_k on Welch's t at looks of 3, 5 and 10 seeds.
    config = SequentialConfig(looks=(3, 5, 10), spending=Spending.POCOCK)
    b = efficacy(config.information(), ALPHA, Spending.POCOCK)
    values = draw_many("normal", np.random.default_rng(7), REPS, 2, 10)
    crossed = np.zeros(REPS, bool)
    for k, n in enumerate(config.looks):
        t, c = values[:, 1, :n], values[:, 0, :n]
        vt, vc = t.var(axis=1, ddof=1) / n, c.var(axis=1, ddof=1) / n
        crossed |= (t.mean(axis=1) - c.mean(axis=1)) / np.sqrt(vt + vc) >= b.critical[k]
    assert lower_limit(float(crossed.mean()), REPS) > TARGET  # about 9%
    assert simulate("normal", (3, 5, 10), Spending.POCOCK, reps=REPS, seed=7)[0].significant <= TARGET


def _normal_theory_loss(looks, spending) -> float:
    """Power lost by the design itself against the fixed one, at the drift of 80% fixed power (no futility)."""
    info = tuple(n / looks[-1] for n in looks)
    b = efficacy(info, ALPHA, spending)
    up, _ = crossings(info, b.critical, (-math.inf,) * len(info), 1.6448536269514722 + 0.8416212335729143)
    return 0.8 - sum(up)


@pytest.mark.parametrize("futility", [False, True], ids=["efficacy-only", "futility"])
@pytest.mark.parametrize("looks", LOOKS, ids=[str(list(x)) for x in LOOKS])
def test_obrien_fleming_loses_at_most_five_points_of_power_against_the_fixed_design(looks, futility):
    outcome, values = simulate("normal", looks, Spending.OBRIEN_FLEMING, reps=REPS, seed=14_200,
                               effect=margin_for(looks[-1]), futility=futility)  # fmt: skip
    assert fixed(values) - outcome.power <= 0.05, (fixed(values), outcome.power)


@pytest.mark.parametrize("looks", LOOKS, ids=[str(list(x)) for x in LOOKS])
def test_pocock_loses_only_what_its_spending_spends_early(looks):
    # Pocock spends alpha early, so even in normal theory its power at the same maximum is 5.4-5.8
    # points below the fixed design's; the t quantiles of a first look of 3 seeds (about 4 df) add
    # about 2.5 more, of 5 seeds about 1.
    outcome, values = simulate("normal", looks, Spending.POCOCK, reps=REPS, seed=14_300, effect=margin_for(looks[-1]))
    assert fixed(values) - outcome.power <= _normal_theory_loss(looks, Spending.POCOCK) + 0.035


@pytest.mark.parametrize("spending", list(Spending), ids=lambda s: s.value)
def test_at_twice_the_margin_forty_seeds_stop_below_sixty_percent_on_average(spending):
    looks = (5, 10, 20, 40)
    outcome, _ = simulate("normal", looks, spending, reps=REPS, seed=14_400, effect=2 * margin_for(40))
    assert outcome.seeds.mean() / 40 < 0.6, outcome.seeds.mean()
    assert outcome.power > 0.98


def test_futility_stops_early_under_no_effect():
    outcome, _ = simulate("normal", (5, 10, 20, 40), Spending.OBRIEN_FLEMING, reps=REPS, seed=14_500, futility=True)
    plain, _ = simulate("normal", (5, 10, 20, 40), Spending.OBRIEN_FLEMING, reps=REPS, seed=14_500)
    assert outcome.seeds.mean() < 0.7 * plain.seeds.mean()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_error_holds_on_every_kind_of_data_with_20000_replicates(kind):
    for looks in LOOKS:
        for spending in Spending:
            for kwargs in ({}, {"futility": True}, {"treatments": 3}, {"paired": True}):
                outcome, _ = simulate(kind, looks, spending, reps=20_000, seed=15_000 + looks[-1], **kwargs)
                assert lower_limit(outcome.significant, 20_000) <= TARGET, (looks, spending, kwargs)


def test_one_sided_pvalues_of_the_rule_are_welchs():
    values = draw_many("normal", np.random.default_rng(1), 3, 2, 6)
    greater, _ = one_sided_pvalues(values[:, 1], values[:, 0], False)
    from hypolab.stats.ttests import welch

    assert greater == pytest.approx([welch(v[1], v[0], alternative="greater").pvalue for v in values], rel=1e-12)
