"""Group-sequential boundaries pinned to R's rpact 3.3.4 (Debian's r-cran-rpact).

Every number below was printed by R with ``sprintf("%.15g", ...)``; the R
call that gave it is in the comment above it.
"""

from __future__ import annotations

import math

import pytest
from scipy import special

from hypolab.records import Spending
from hypolab.stats.sequential.boundaries import crossings, efficacy, spent, with_futility

OF, P = Spending.OBRIEN_FLEMING, Spending.POCOCK
FORTY = (5 / 40, 10 / 40, 20 / 40, 1.0)
TEN = (0.3, 0.5, 1.0)
FIVE = (0.2, 0.4, 0.6, 0.8, 1.0)

# d <- getDesignGroupSequential(kMax = K, alpha = a, sided = 1, typeOfDesign = "asOF" | "asP",
#                               informationRates = info); d$criticalValues; d$stageLevels
EFFICACY = [
    # informationRates = c(5, 10, 20, 40) / 40, alpha = 0.05, "asOF"
    (FORTY, 0.05, OF, (5.42102616855875, 3.74958432465792, 2.53994270414114, 1.66216414421797),
     (2.96289419665641e-08, 8.85639648185998e-05, 0.0055435315098078, 0.0482399335723127)),
    # informationRates = c(5, 10, 20, 40) / 40, alpha = 0.05, "asP"
    (FORTY, 0.05, P, (2.33666270025217, 2.29082659631968, 2.09908927232027, 1.91998969763517),
     (0.00972836472740057, 0.0109867223747393, 0.0179045159651607, 0.0274296003722091)),
    # informationRates = c(3, 5, 10) / 10, alpha = 0.05, "asOF"
    (TEN, 0.05, OF, (3.39295135467348, 2.54534601420164, 1.66229967027903),
     (0.000345719580169046, 0.00545847507583685, 0.0482263519447386)),
    # informationRates = c(3, 5, 10) / 10, alpha = 0.05, "asP"
    (TEN, 0.05, P, (2.03776418047132, 2.10505954176188, 1.91260407119989),
     (0.0207867610921815, 0.0176430627192066, 0.0278993790484945)),
    # kMax = 2, informationRates = c(1, 2) / 2, alpha = 0.025, "asOF"
    ((0.5, 1.0), 0.025, OF, (2.96258804272755, 1.96859564632177), (0.001525322757989, 0.0244997714630264)),
    # kMax = 2, informationRates = c(1, 2) / 2, alpha = 0.025, "asP"
    ((0.5, 1.0), 0.025, P, (2.15699921834468, 2.20097697526217), (0.015502862673957, 0.0138688269384808)),
    # informationRates = c(5, 10, 20, 40) / 40, alpha = 0.005, "asP" (the level of `contradicted`)
    (FORTY, 0.005, P, (3.09840202035596, 3.09799367934465, 2.95651590079069, 2.83296782523394),
     (0.000972836472740046, 0.000974177920173847, 0.0015556809422681, 0.00230590138377251)),
    # informationRates = c(4, 8, 12, 16, 20) / 20, alpha = 0.025, "asOF"
    (FIVE, 0.025, OF, (4.87688494879076, 3.35701192170382, 2.68028006702662, 2.28981677442789, 2.03103206306696),
     (5.38871262945051e-07, 0.000393948576370873, 0.00367802928542982, 0.011015970169717, 0.0211258710892862)),
    # informationRates = c(4, 8, 12, 16, 20) / 20, alpha = 0.025, "asP"
    (FIVE, 0.025, P, (2.43797668805001, 2.42681386321783, 2.41019413620234, 2.39664929360151, 2.38599970191717),
     (0.00738486322800869, 0.00761603428199553, 0.0079720169766303, 0.00827287580402114, 0.0085163824335095)),
]

# f <- getDesignGroupSequential(kMax = K, alpha = a, beta = 0.2, sided = 1, typeOfDesign = "asOF" | "asP",
#        typeBetaSpending = "bsOF" | "bsP", informationRates = info, bindingFutility = FALSE)
# f$futilityBounds; getDesignCharacteristics(f)$shift
FUTILITY = [
    (FORTY, 0.05, OF, (-2.53276904865419, -1.03095774399117, 0.316835184115916), 6.60682979997492),
    (FORTY, 0.05, P, (-0.728188284503875, -0.186427832115442, 0.69404401211068), 8.57390900018583),
    (TEN, 0.05, OF, (-0.659848334194295, 0.297841730061918), 6.61463840261292),
    (TEN, 0.05, P, (0.205383202412473, 0.676429904531687), 8.42269102104438),
    ((0.5, 1.0), 0.025, OF, (0.55939149569307,), 8.28840508559623),
    ((0.5, 1.0), 0.025, P, (1.08326764241466,), 10.0206597581866),
    (FIVE, 0.025, OF, (-1.29214736709378, 0.169704026076943, 0.962504910770804, 1.5264932862483), 9.06548294714101),
    (FIVE, 0.025, P, (-0.0394242771277091, 0.705019426997751, 1.28468015836552, 1.79931900789961), 11.5996028486398),
]


def _ids(cases):
    return [f"{c[2].value}-{len(c[0])}looks-{c[1]}" for c in cases]


@pytest.mark.parametrize(("info", "alpha", "spending", "critical", "levels"), EFFICACY, ids=_ids(EFFICACY))
def test_efficacy_boundaries_match_rpact(info, alpha, spending, critical, levels):
    b = efficacy(info, alpha, spending)
    assert b.critical == pytest.approx(critical, abs=1e-6)
    assert b.stage_levels == pytest.approx(levels, abs=1e-6)
    assert b.stage_levels == pytest.approx(levels, rel=1e-5)


def test_a_first_look_that_spends_almost_nothing_matches_rpact_from_the_second_look_on():
    # getDesignGroupSequential(kMax = 4, alpha = 0.005, sided = 1, typeOfDesign = "asOF",
    #   informationRates = c(5, 10, 20, 40) / 40): criticalValues Inf, 5.49296060949564,
    #   3.80139502137899, 2.57758525758982; stageLevels 1.99840144432528e-15, 1.97625488196351e-08, ...
    # rpact writes Inf where a look spends less than 1e-15; hypolab keeps the finite boundary of that level.
    b = efficacy(FORTY, 0.005, OF)
    assert b.critical[1:] == pytest.approx((5.49296060949564, 3.80139502137899, 2.57758525758982), abs=1e-6)
    assert b.stage_levels[0] == pytest.approx(1.99840144432528e-15, abs=1e-16)
    assert b.critical[0] == pytest.approx(-float(special.ndtri(b.alpha_spent[0])), rel=1e-12)


@pytest.mark.parametrize(("info", "alpha", "spending", "futility", "shift"), FUTILITY, ids=_ids(FUTILITY))
def test_non_binding_futility_boundaries_match_rpact(info, alpha, spending, futility, shift):
    b = with_futility(info, alpha, spending)
    assert b.futility == pytest.approx(futility, abs=1e-6)
    assert b.drift**2 == pytest.approx(shift, abs=1e-5)
    assert b.critical == efficacy(info, alpha, spending).critical  # non-binding: efficacy unchanged


# p <- getPowerAndAverageSampleNumber(f, theta = c(0, 1, 2), nMax = (qnorm(0.95) + qnorm(0.8))^2)
# (f: FORTY, alpha 0.05, beta 0.2, "asOF"/"bsOF" above): overallReject 0.0468155 0.7765125 0.9987666,
# averageSampleNumber 3.981390 5.241123 3.436311
@pytest.mark.parametrize(("theta", "reject", "asn"), [(0, 0.0468155, 3.981390), (1, 0.7765125, 5.241123),
                                                      (2, 0.9987666, 3.436311)])
def test_power_and_expected_sample_size_match_rpact(theta, reject, asn):
    n_max = (1.6448536269514722 + 0.8416212335729143) ** 2
    b = with_futility(FORTY, 0.05, OF)
    up, down = crossings(FORTY, b.critical, (*b.futility, -math.inf), theta * math.sqrt(n_max))
    assert sum(up) == pytest.approx(reject, abs=1e-6)
    assert n_max * sum(t * (u + d) for t, u, d in zip(FORTY, up, down)) == pytest.approx(asn, abs=1e-5)
    assert sum(up) + sum(down) == pytest.approx(1.0, abs=1e-7)


@pytest.mark.parametrize("spending", list(Spending), ids=lambda s: s.value)
def test_the_boundaries_spend_exactly_alpha_under_no_effect(spending):
    b = efficacy(TEN, 0.05, spending)
    up, _ = crossings(TEN, b.critical, (-math.inf,) * 3, 0.0)
    assert [sum(up[: k + 1]) for k in range(3)] == pytest.approx(b.alpha_spent, abs=1e-9)


def test_spending_functions_are_lan_demets():
    # O'Brien-Fleming type, R: 2 * pnorm(-qnorm(1 - 0.05 / 2) / sqrt(0.25)) = 8.85754383214044e-05
    assert spent(OF, 0.05, 0.25) == pytest.approx(8.85754383214044e-05, rel=1e-12)
    # Pocock type: 0.05 log(1 + (e - 1) 0.3)
    assert spent(P, 0.05, 0.3) == pytest.approx(0.05 * math.log(1 + (math.e - 1) * 0.3), rel=1e-12)
    assert spent(OF, 0.05, 1.0) == spent(P, 0.05, 1.0) == 0.05


def test_information_must_increase():
    with pytest.raises(ValueError, match="information fractions must increase"):
        efficacy((0.5, 0.5, 1.0), 0.05, OF)
