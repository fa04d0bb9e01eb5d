"""The numbers behind the verdict's error budget, pinned to R 4.2.2 (mvtnorm 1.1-3, multcomp 1.4-22).

The decision bounds (``t.test`` at one-sided levels), Welch's exact power,
the SD's upper confidence bound, the one-factor multivariate t of the
many-to-one tests (``mvtnorm::pmvt``; the Welch-type family of Hasler &
Hothorn 2008 and Dunnett's pooled test as ``multcomp::glht`` gives it), the
Jonckheere-Terpstra test, and the paired effect-size intervals. Each number's
R call is beside it; the functions it names are::

    cr <- function(l) { R <- outer(l, l); diag(R) <- 1; R }  # one-factor correlation
    g <- GenzBretz(maxpts = 2e7, abseps = 1e-11, releps = 0)
    wp <- function(n, delta, sd, a, sides = 1) {  # Welch power, equal n: E over B
      ncp <- delta / (sd * sqrt(2 / n))
      f <- function(b) sapply(b, function(bb) { df <- (n - 1) / (bb^2 + (1 - bb)^2)
        (1 - pt(qt(1 - a / sides, df), 2 * n - 2, ncp)) * dbeta(bb, (n - 1) / 2, (n - 1) / 2) })
      integrate(f, 0, 1, rel.tol = 1e-12)$value
    }
    wpu <- function(nt, nc, delta, a) {  # Welch power, unequal n: E over both variances
      sdd <- sqrt(1 / nt + 1 / nc)
      inner <- function(xt) sapply(xt, function(x1) integrate(function(xc) {
        vt <- x1 / (nt - 1) / nt; vc <- xc / (nc - 1) / nc; se <- sqrt(vt + vc)
        df <- (vt + vc)^2 / (vt^2 / (nt - 1) + vc^2 / (nc - 1))
        pnorm((delta - qt(1 - a, df) * se) / sdd) * dchisq(xc, nc - 1) }, 0, Inf, rel.tol = 1e-11)$value
        * dchisq(x1, nt - 1))
      integrate(inner, 0, Inf, rel.tol = 1e-10)$value
    }
    m2o <- function(ctl, tr, l, alt) {  # Welch-type many-to-one, comparison l
      v0 <- var(ctl) / length(ctl); v <- sapply(tr, function(x) var(x) / length(x))
      se <- sqrt(v + v0); tt <- (sapply(tr, mean) - mean(ctl)) / se; k <- length(tr)
      nu <- (v + v0)^2 / (v^2 / (lengths(tr) - 1) + v0^2 / (length(ctl) - 1))
      R <- cr(sqrt(v0) / se); x <- tt[l]
      if (alt == "greater") 1 - pmvt(upper = rep(x, k), df = floor(nu[l]), corr = R, algorithm = g)
      else if (alt == "less") 1 - pmvt(upper = rep(-x, k), df = floor(nu[l]), corr = R, algorithm = g)
      else 1 - pmvt(lower = rep(-abs(x), k), upper = rep(abs(x), k), df = floor(nu[l]), corr = R, algorithm = g)
    }
    jstat <- function(gs) { J <- 0; for (i in 1:(length(gs) - 1)) for (j in (i + 1):length(gs))
      J <- J + sum(outer(gs[[j]], gs[[i]], ">")) + sum(outer(gs[[j]], gs[[i]], "==")) / 2; J }
    jte <- function(gs) {  # exact JT without ties: convolution of Mann-Whitney nulls
      n <- lengths(gs); pmf <- 1; before <- n[1]
      for (k in 2:length(n)) { w <- dwilcox(0:(n[k] * before), n[k], before)
        pmf <- convolve(pmf, rev(w), type = "open"); before <- before + n[k] }
      J <- jstat(gs); sum(pmf[(round(J) + 1):length(pmf)])
    }
    jtn <- function(gs) {  # JT with ties: Hollander & Wolfe's tie-corrected variance
      n <- lengths(gs); N <- sum(n); t <- table(unlist(gs)); J <- jstat(gs); m <- (N^2 - sum(n^2)) / 4
      v <- (N * (N - 1) * (2 * N + 5) - sum(n * (n - 1) * (2 * n + 5)) - sum(t * (t - 1) * (2 * t + 5))) / 72 +
        sum(n * (n - 1) * (n - 2)) * sum(t * (t - 1) * (t - 2)) / (36 * N * (N - 1) * (N - 2)) +
        sum(n * (n - 1)) * sum(t * (t - 1)) / (8 * N * (N - 1))
      c(J = J, z = (J - m) / sqrt(v), p = pnorm((J - m) / sqrt(v), lower.tail = FALSE))
    }
    hgp <- function(x, y, conf = 0.95) {  # Hedges' g interval when paired (Algina & Keselman 2003)
      n <- length(x); d <- x - y; sp <- sqrt((var(x) + var(y)) / 2); a <- 1 - conf
      tobs <- mean(d) / (sd(d) / sqrt(n))
      lo <- uniroot(function(nc) pt(tobs, n - 1, nc) - (1 - a / 2), c(tobs - 30, tobs + 30), tol = 1e-14)$root
      hi <- uniroot(function(nc) pt(tobs, n - 1, nc) - a / 2, c(tobs - 30, tobs + 30), tol = 1e-14)$root
      f <- sd(d) / (sqrt(n) * sp); c(lo = lo * f, hi = hi * f)
    }

    pageL <- function(m) { r <- t(apply(m, 1, rank)); sum(r %*% (1:ncol(m))) }  # m: seeds x arms
    pexact <- function(m) {  # Page's L, exact: every within-seed permutation, convolved over seeds
      k <- ncol(m); n <- nrow(m); L0 <- pageL(m)
      perms <- as.matrix(expand.grid(rep(list(1:k), k)))
      perms <- perms[apply(perms, 1, function(p) length(unique(p)) == k), ]
      d <- table(apply(perms, 1, function(p) sum(p * (1:k)))); vals <- as.numeric(names(d))
      dist <- c(`0` = 1)
      for (s in 1:n) dist <- tapply(as.vector(outer(dist, as.numeric(d) / sum(d))),
                                    as.vector(outer(as.numeric(names(dist)), vals, "+")), sum)
      v <- as.numeric(names(dist)); c(L = L0, greater = sum(dist[v >= L0]), less = sum(dist[v <= L0]))
    }
    pnorm_ties <- function(m) {  # Page's L with ties: within-seed mid-ranks, tie-corrected variance
      r <- t(apply(m, 1, rank)); k <- ncol(m); n <- nrow(m); L <- sum(r %*% (1:k))
      v <- sum(k * (k^2 - 1) / 12 * rowSums((r - (k + 1) / 2)^2) / (k - 1))
      z <- (L - n * k * (k + 1)^2 / 4) / sqrt(v); c(L = L, z = z, p = pnorm(z, lower.tail = FALSE))
    }

The brute-force exact JT of ``SMALL`` enumerates all 1,680 splits in R.
"""

from __future__ import annotations

import pytest

from hypolab.stats.effsize import hedges_g, prob_superiority_ci
from hypolab.stats.manytoone import many_to_one, mvt_cdf, mvt_quantile
from hypolab.stats.multiplicity import dunnett_pvalues
from hypolab.stats.power import power_at_margin, sd_upper_bound
from hypolab.stats.trend import jonckheere, linear_trend, page
from hypolab.stats.ttests import bounds, paired_t, welch
from test_stats_r_pins import A_C, A_T, B_C, B_T, C_C, C_T, P_C, P_T, Q_C, Q_T  # the same samples

TREATMENTS = [A_T, [0.9701, 0.9699, 0.9712, 0.9688, 0.9705, 0.9694],
              [0.9650, 0.9672, 0.9668, 0.9641, 0.9702]]  # tr in R, control A_C
G4 = [B_C, B_T, [0.950, 0.955, 0.960, 0.950, 0.965]]
G5 = [C_C, C_T, [0.833, 0.851, 0.819, 0.840, 0.828]]  # no ties
SMALL = [[1.1, 2.3, 0.4], [2.0, 3.1, 1.7], [3.3, 2.9, 4.2]]
CONTROL_D = [7.40, 8.50, 7.20, 8.24, 9.84, 8.32]  # scipy.stats.dunnett's example (Dunnett 1955)
DRUGS = [[9.76, 8.80, 7.68, 9.36], [12.80, 9.68, 12.16, 9.20, 10.55]]
ROOT_HALF = 0.5**0.5
PAGE_A = [[0.900, 0.905, 0.898, 0.903, 0.911], [0.910, 0.902, 0.915, 0.906, 0.909],
          [0.918, 0.921, 0.901, 0.924, 0.913]]  # arms x seeds; R's a is seeds x arms
PAGE_B = [[0.90, 0.91, 0.92, 0.90, 0.93, 0.91], [0.91, 0.91, 0.93, 0.92, 0.93, 0.90],
          [0.92, 0.93, 0.92, 0.94, 0.95, 0.92], [0.93, 0.92, 0.94, 0.94, 0.96, 0.93]]


def m2o(l, alternative):
    return many_to_one(TREATMENTS, A_C)[l].pvalue(alternative)


PINS = [
    ("bound welch 97.5%", lambda: bounds(welch(A_T, A_C), 0.975, 0.995)[0], 0.0030496806136797831),  # R: t.test(a_t, a_c, alternative = "greater", conf.level = 0.975)$conf.int[1]
    ("bound welch 99.5%", lambda: bounds(welch(A_T, A_C), 0.975, 0.995)[1], 0.0076703753071625368),  # R: t.test(a_t, a_c, alternative = "less", conf.level = 0.995)$conf.int[2]
    ("bound paired 95%", lambda: bounds(paired_t(P_T, P_C), 0.95, 0.995)[0], 0.00016337099758150693),  # R: t.test(p_t, p_c, paired = TRUE, alternative = "greater", conf.level = 0.95)$conf.int[1]
    ("welch power n5", lambda: power_at_margin(1, 1.5, 5, alternative="greater", welch=True), 0.68190126108688576),  # R: wp(5, 1.5, 1, 0.05)
    ("welch power n10 two-sided", lambda: power_at_margin(0.004, 0.005, 10, welch=True), 0.748160072347686),  # R: wp(10, 0.005, 0.004, 0.05, 2)
    ("welch power n8 alpha/4", lambda: power_at_margin(1, 1, 8, alpha=0.0125, alternative="less", welch=True), 0.32588408887740988),  # R: wp(8, 1, 1, 0.0125)
    ("welch power 5 vs 8", lambda: power_at_margin(1, 1.5, 5, 8, alternative="greater", welch=True), 0.77142502954426029),  # R: wpu(5, 8, 1.5, 0.05)
    ("welch power 3 vs 20", lambda: power_at_margin(1, 2, 3, 20, alternative="greater", welch=True), 0.74706292808056951),  # R: wpu(3, 20, 2, 0.05)
    ("sd upper 80% df 8", lambda: sd_upper_bound(1.0, 8), 1.3196830945746116),  # R: sqrt(8 / qchisq(0.2, 8))
    ("sd upper 80% df 4", lambda: sd_upper_bound(0.004, 4), 0.0062303016902265206),  # R: 0.004 * sqrt(4 / qchisq(0.2, 4))
    ("hedges g paired ci low", lambda: hedges_g(P_T, P_C, paired=True)[1][0], -0.16435429058049486),  # R: hgp(p_t, p_c)[["lo"]]
    ("hedges g paired ci high", lambda: hedges_g(P_T, P_C, paired=True)[1][1], 2.4825970183728163),  # R: hgp(p_t, p_c)[["hi"]]
    ("ps paired ci low", lambda: prob_superiority_ci(P_T, P_C, paired=True)[0], 0.29929505620854041),  # R: binom.test(sum(p_t > p_c), 9)$conf.int[1]
    ("ps paired ci high", lambda: prob_superiority_ci(P_T, P_C, paired=True)[1], 0.92514536858030816),  # R: binom.test(sum(p_t > p_c), 9)$conf.int[2]
    ("ps paired ties ci low", lambda: prob_superiority_ci(Q_T, Q_C, paired=True)[0], 0.40837648942666249),  # R: d <- round(q_t - q_c, 7); x <- sum(d > 0) + sum(d == 0) / 2; qbeta(0.025, x, 8 - x + 1)
    ("ps paired ties ci high", lambda: prob_superiority_ci(Q_T, Q_C, paired=True)[1], 0.98616176620967921),  # R: qbeta(0.975, x + 1, 8 - x)
    ("jt small J", lambda: jonckheere("abc", SMALL).statistic, 24),  # R: jstat(small)
    ("jt small exact", lambda: jonckheere("abc", SMALL).pvalue, 0.010714285714285714),  # R: brute force over all 1,680 splits of small
    ("jt g5 J", lambda: jonckheere("abc", G5).statistic, 80),  # R: jstat(g5)
    ("jt g5 exact greater", lambda: jonckheere("abc", G5).pvalue, 0.0015670603905898115),  # R: jte(g5)
    ("jt g5 exact less", lambda: jonckheere("abc", G5, alternative="less").pvalue, 0.99890122132769188),  # R: sum(pmf[1:(jstat(g5) + 1)]) inside jte
    ("jt g4 J ties", lambda: jonckheere("abc", G4).statistic, 100.5),  # R: jtn(g4)[["J"]]
    ("jt g4 z ties", lambda: jonckheere("abc", G4).z, 3.188935758936172),  # R: jtn(g4)[["z"]]
    ("jt g4 p ties", lambda: jonckheere("abc", G4).pvalue, 0.00071398803833841982),  # R: jtn(g4)[["p"]]
    ("page L", lambda: page("abc", PAGE_A).statistic, 67),  # R: pexact(a)[["L"]]
    ("page exact greater", lambda: page("abc", PAGE_A).pvalue, 0.018132716049382713),  # R: pexact(a)[["greater"]]
    ("page exact less", lambda: page("abc", PAGE_A, alternative="less").pvalue, 0.99344135802469125),  # R: pexact(a)[["less"]]
    ("page ties L", lambda: page("abcd", PAGE_B).statistic, 174.5),  # R: pnorm_ties(b)[["L"]]
    ("page ties z", lambda: page("abcd", PAGE_B).z, 3.5864327680858592),  # R: pnorm_ties(b)[["z"]]
    ("page ties p", lambda: page("abcd", PAGE_B).pvalue, 0.00016761622156344504),  # R: pnorm_ties(b)[["p"]]
    ("trend intercept", lambda: linear_trend("abc", G4).intercept, 0.94045833333333373),  # R: coef(lm(sapply(g4, mean) ~ I(0:2)))[1]
    ("trend slope", lambda: linear_trend("abc", G4).slope, 0.0079999999999997989),  # R: coef(lm(sapply(g4, mean) ~ I(0:2)))[2]
]

# Multivariate t probabilities: R's pmvt is itself a randomised integration
# (error estimates of 1e-8 to 3e-8 here), so these hold to an absolute 1e-7.
MVT_PINS = [
    ("pmvt rho .5 k3 df10", lambda: mvt_cdf([2] * 3, [ROOT_HALF] * 3, 10), 0.91448175909976703),  # R: pmvt(upper = rep(2, 3), df = 10, corr = cr(rep(sqrt(.5), 3)), algorithm = g)
    ("pmvt mixed k4 df5", lambda: mvt_cdf([2.1] * 4, [0.16, 0.3, 0.9, 0.99], 5), 0.87397041141057785),  # R: pmvt(upper = rep(2.1, 4), df = 5, corr = cr(c(.16, .3, .9, .99)), algorithm = g)
    ("pmvt two-sided k4 df3", lambda: mvt_cdf([1.5] * 4, [0.2, 0.5, 0.7, 0.4], 3, two_sided=True), 0.46953439049942114),  # R: pmvt(lower = rep(-1.5, 4), upper = rep(1.5, 4), df = 3, corr = cr(c(.2, .5, .7, .4)), algorithm = g)
    ("pmvt k2 df1", lambda: mvt_cdf([1.2] * 2, [0.6, 0.6], 1), 0.66090314684377982),  # R: pmvt(upper = c(1.2, 1.2), df = 1, corr = cr(c(.6, .6)), algorithm = g)
    ("pmvt at qmvt k3 df8", lambda: mvt_cdf([mvt_quantile([0.5, 0.6, 0.7], 8, 0.95)] * 3, [0.5, 0.6, 0.7], 8), 0.95),  # R: qmvt(0.95, df = 8, corr = cr(c(.5, .6, .7)))$quantile is 2.46101 (ours 2.46097: qmvt's own root tolerance)
    ("pmvt at two-sided quantile k3 df12", lambda: mvt_cdf([2.714768] * 3, [0.5, 0.6, 0.7], 12, two_sided=True), 0.95000002031008),  # R: pmvt(lower = rep(-2.714768, 3), upper = rep(2.714768, 3), df = 12, corr = cr(c(.5, .6, .7)), algorithm = g)
    ("m2o 1 greater", lambda: m2o(0, "greater"), 9.2890017194369179e-05),  # R: m2o(a_c, tr, 1, "greater")
    ("m2o 1 two-sided", lambda: m2o(0, "two-sided"), 0.00018576268381120808),  # R: m2o(a_c, tr, 1, "two.sided")
    ("m2o 1 less", lambda: m2o(0, "less"), 0.99999987399121637),  # R: m2o(a_c, tr, 1, "less")
    ("m2o 2 greater", lambda: m2o(1, "greater"), 8.2164819735774941e-05),  # R: m2o(a_c, tr, 2, "greater")
    ("m2o 2 two-sided", lambda: m2o(1, "two-sided"), 0.00016423644169050178),  # R: m2o(a_c, tr, 2, "two.sided")
    ("m2o 3 greater", lambda: m2o(2, "greater"), 0.74407282751446568),  # R: m2o(a_c, tr, 3, "greater")
    ("m2o 3 two-sided", lambda: m2o(2, "two-sided"), 0.99822308412127503),  # R: m2o(a_c, tr, 3, "two.sided")
    ("m2o 3 less", lambda: m2o(2, "less"), 0.83537187606488539),  # R: m2o(a_c, tr, 3, "less")
    ("dunnett pooled a", lambda: dunnett_pvalues(DRUGS, CONTROL_D)[0], 0.62010198001845418),  # R: summary(glht(aov(y ~ g, dat), linfct = mcp(g = "Dunnett")), test = adjusted("single-step", maxpts = 2e7, abseps = 1e-11))$test$pvalues[1]
    ("dunnett pooled b", lambda: dunnett_pvalues(DRUGS, CONTROL_D)[1], 0.0058253608479469365),  # R: the same, [2]
]


@pytest.mark.parametrize(("compute", "expected"), [p[1:] for p in PINS], ids=[p[0] for p in PINS])
def test_statistic_matches_r(compute, expected):
    assert compute() == pytest.approx(expected, rel=1e-6, abs=1e-300)


@pytest.mark.parametrize(("compute", "expected"), [p[1:] for p in MVT_PINS],
                         ids=[p[0] for p in MVT_PINS])
def test_multivariate_t_matches_r(compute, expected):
    assert compute() == pytest.approx(expected, abs=1e-7)


def test_welch_many_to_one_uses_the_whole_welch_df_of_each_comparison():
    # R: nu <- (v + v0)^2 / (v^2 / (lengths(tr) - 1) + v0^2 / 9); floor(nu) is 15, 13, 5
    assert [m.df for m in many_to_one(TREATMENTS, A_C)] == [15.0, 13.0, 5.0]
