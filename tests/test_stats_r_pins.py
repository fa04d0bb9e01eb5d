"""Every statistic pinned to R 4.2.2 at a relative tolerance of 1e-6.

Samples are accuracy-like: A without ties (n = 10 vs 10), B with many ties
(accuracies on 200 examples, n = 8 vs 6), C without ties and unequal n (5 vs
7, exact Mann-Whitney), P paired without ties (exact signed rank), Q paired
with ties and a zero difference (normal approximation). Q's differences
(multiples of 0.005) differ in the last float bits; hypolab reads them as
ties, which R does with ``digits.rank = 7``. Each number's R call
is in the comment beside it; ``hg``, ``nc5`` and ``lc`` are the base-R
formulas below (R has no base function for Hedges' g's noncentral-t CI,
Newcombe's method-5 interval or a Welch linear contrast)::

    hg <- function(x, y, conf = 0.95) {  # Hedges' g, CI by inverting pt(ncp)
      n1 <- length(x); n2 <- length(y); df <- n1 + n2 - 2
      sp <- sqrt(((n1 - 1) * var(x) + (n2 - 1) * var(y)) / df)
      d <- (mean(x) - mean(y)) / sp
      J <- exp(lgamma(df / 2) - lgamma((df - 1) / 2)) / sqrt(df / 2)
      s <- sqrt(1 / n1 + 1 / n2); tobs <- d / s; a <- 1 - conf
      lo <- uniroot(function(nc) pt(tobs, df, nc) - (1 - a / 2), c(tobs - 20, tobs + 20), tol = 1e-14)$root
      hi <- uniroot(function(nc) pt(tobs, df, nc) - a / 2, c(tobs - 20, tobs + 20), tol = 1e-14)$root
      c(g = J * d, lo = lo * s, hi = hi * s)  # J corrects g, not the limits
    }
    nc5 <- function(x, y, conf = 0.95) {  # Newcombe (2006) method 5
      m <- length(x); n <- length(y)
      A <- mean(outer(x, y, ">")) + mean(outer(x, y, "==")) / 2
      z <- qnorm(1 - (1 - conf) / 2); N <- (m + n) / 2
      V <- function(a) a * (1 - a) / (m * n) * (1 + (N - 1) * (1 - a) / (2 - a) + (N - 1) * a / (1 + a))
      f <- function(a) (a - A)^2 - z^2 * V(a)
      lo <- if (A == 0) 0 else uniroot(f, c(0, min(A, 1 - 1e-10)), tol = 1e-15)$root
      hi <- if (A == 1) 1 else uniroot(f, c(max(A, 1e-10), 1), tol = 1e-15)$root
      c(lo = lo, hi = hi)
    }
    lc <- function(g, alt) {  # Welch linear contrast over ordered groups
      k <- length(g); cf <- (1:k) - (k + 1) / 2; m <- sapply(g, mean); v <- sapply(g, var)
      n <- lengths(g); L <- sum(cf * m); terms <- cf^2 * v / n; se2 <- sum(terms)
      df <- se2^2 / sum(terms[terms > 0]^2 / (n[terms > 0] - 1)); t <- L / sqrt(se2)
      c(t = t, df = df, p = if (alt == "greater") pt(t, df, lower.tail = FALSE) else 2 * pt(-abs(t), df))
    }
"""

from __future__ import annotations

import pytest

from hypolab.stats.describe import describe
from hypolab.stats.effsize import (
    cliffs_delta,
    hedges_g,
    prob_superiority,
    prob_superiority_ci,
)
from hypolab.stats.equivalence import tost
from hypolab.stats.multiplicity import adjust
from hypolab.stats.omnibus import kruskal_wallis, welch_anova
from hypolab.stats.power import power_at_margin, seeds_needed
from hypolab.stats.ranks import mann_whitney, wilcoxon_signed_rank
from hypolab.stats.trend import linear_trend
from hypolab.stats.ttests import paired_t, student, welch

A_T = [0.9712, 0.9688, 0.9745, 0.9701, 0.9733, 0.9694, 0.9720, 0.9751, 0.9679, 0.9726]
A_C = [0.9655, 0.9671, 0.9640, 0.9689, 0.9662, 0.9648, 0.9677, 0.9659, 0.9683, 0.9666]
B_T = [0.945, 0.950, 0.950, 0.955, 0.940, 0.960, 0.950, 0.945]
B_C = [0.940, 0.945, 0.935, 0.940, 0.950, 0.930]
C_T = [0.812, 0.845, 0.799, 0.830, 0.821]
C_C = [0.801, 0.790, 0.818, 0.785, 0.808, 0.795, 0.826]
P_T = [0.9712, 0.9688, 0.9745, 0.9701, 0.9733, 0.9694, 0.9720, 0.9751, 0.9679]
P_C = [0.9655, 0.9701, 0.9640, 0.9689, 0.9662, 0.9748, 0.9677, 0.9659, 0.9683]
Q_T = [0.945, 0.950, 0.950, 0.955, 0.940, 0.960, 0.950, 0.945]
Q_C = [0.940, 0.945, 0.950, 0.940, 0.935, 0.950, 0.945, 0.950]
PV = [0.012, 0.004, 0.03, 0.2, 0.04]
G3 = [A_C, A_T, [0.9701, 0.9699, 0.9712, 0.9688, 0.9705, 0.9694]]
G4 = [B_C, B_T, [0.950, 0.955, 0.960, 0.950, 0.965]]

PINS = [
    ("welch a t", lambda: welch(A_T, A_C, alternative="two-sided").statistic, 5.474708677190721),  # R: t.test(a_t, a_c, alternative = "two.sided")$statistic
    ("welch a df", lambda: welch(A_T, A_C, alternative="two-sided").df, 15.217916526450388),  # R: t.test(a_t, a_c, alternative = "two.sided")$parameter
    ("welch a ci_low", lambda: welch(A_T, A_C, alternative="two-sided").ci_low, 0.0030496806136797831),  # R: t.test(a_t, a_c, alternative = "two.sided")$conf.int[1]
    ("welch a ci_high", lambda: welch(A_T, A_C, alternative="two-sided").ci_high, 0.0069303193863200947),  # R: t.test(a_t, a_c, alternative = "two.sided")$conf.int[2]
    ("welch a two-sided p", lambda: welch(A_T, A_C, alternative="two-sided").pvalue, 6.0820370360075132e-05),  # R: t.test(a_t, a_c, alternative = "two.sided")$p.value
    ("student a t", lambda: student(A_T, A_C, alternative="two-sided").statistic, 5.474708677190721),  # R: t.test(a_t, a_c, alternative = "two.sided", var.equal = TRUE)$statistic
    ("student a df", lambda: student(A_T, A_C, alternative="two-sided").df, 18),  # R: t.test(a_t, a_c, alternative = "two.sided", var.equal = TRUE)$parameter
    ("student a ci_low", lambda: student(A_T, A_C, alternative="two-sided").ci_low, 0.0030750851435290402),  # R: t.test(a_t, a_c, alternative = "two.sided", var.equal = TRUE)$conf.int[1]
    ("student a ci_high", lambda: student(A_T, A_C, alternative="two-sided").ci_high, 0.0069049148564708368),  # R: t.test(a_t, a_c, alternative = "two.sided", var.equal = TRUE)$conf.int[2]
    ("student a two-sided p", lambda: student(A_T, A_C, alternative="two-sided").pvalue, 3.3626126652445597e-05),  # R: t.test(a_t, a_c, alternative = "two.sided", var.equal = TRUE)$p.value
    ("mannwhitney a U", lambda: mann_whitney(A_T, A_C, alternative="two-sided").statistic, 97),  # R: suppressWarnings(wilcox.test(a_t, a_c, alternative = "two.sided")$statistic)
    ("mannwhitney a two-sided p", lambda: mann_whitney(A_T, A_C, alternative="two-sided").pvalue, 7.5775617571283214e-05),  # R: suppressWarnings(wilcox.test(a_t, a_c, alternative = "two.sided")$p.value)
    ("welch a greater p", lambda: welch(A_T, A_C, alternative="greater").pvalue, 3.0410185180037566e-05),  # R: t.test(a_t, a_c, alternative = "greater")$p.value
    ("student a greater p", lambda: student(A_T, A_C, alternative="greater").pvalue, 1.6813063326222799e-05),  # R: t.test(a_t, a_c, alternative = "greater", var.equal = TRUE)$p.value
    ("mannwhitney a greater p", lambda: mann_whitney(A_T, A_C, alternative="greater").pvalue, 3.7887808785641607e-05),  # R: suppressWarnings(wilcox.test(a_t, a_c, alternative = "greater")$p.value)
    ("welch a less p", lambda: welch(A_T, A_C, alternative="less").pvalue, 0.99996958981481998),  # R: t.test(a_t, a_c, alternative = "less")$p.value
    ("student a less p", lambda: student(A_T, A_C, alternative="less").pvalue, 0.99998318693667376),  # R: t.test(a_t, a_c, alternative = "less", var.equal = TRUE)$p.value
    ("mannwhitney a less p", lambda: mann_whitney(A_T, A_C, alternative="less").pvalue, 0.99997834982355105),  # R: suppressWarnings(wilcox.test(a_t, a_c, alternative = "less")$p.value)
    ("welch b t", lambda: welch(B_T, B_C, alternative="two-sided").statistic, 2.5815336406757976),  # R: t.test(b_t, b_c, alternative = "two.sided")$statistic
    ("welch b df", lambda: welch(B_T, B_C, alternative="two-sided").df, 10.079348256377896),  # R: t.test(b_t, b_c, alternative = "two.sided")$parameter
    ("welch b ci_low", lambda: welch(B_T, B_C, alternative="two-sided").ci_low, 0.0012920013157788842),  # R: t.test(b_t, b_c, alternative = "two.sided")$conf.int[1]
    ("welch b ci_high", lambda: welch(B_T, B_C, alternative="two-sided").ci_high, 0.017457998684221161),  # R: t.test(b_t, b_c, alternative = "two.sided")$conf.int[2]
    ("welch b two-sided p", lambda: welch(B_T, B_C, alternative="two-sided").pvalue, 0.027184877814878387),  # R: t.test(b_t, b_c, alternative = "two.sided")$p.value
    ("student b t", lambda: student(B_T, B_C, alternative="two-sided").statistic, 2.6322992125835682),  # R: t.test(b_t, b_c, alternative = "two.sided", var.equal = TRUE)$statistic
    ("student b df", lambda: student(B_T, B_C, alternative="two-sided").df, 12),  # R: t.test(b_t, b_c, alternative = "two.sided", var.equal = TRUE)$parameter
    ("student b ci_low", lambda: student(B_T, B_C, alternative="two-sided").ci_low, 0.0016151031841353501),  # R: t.test(b_t, b_c, alternative = "two.sided", var.equal = TRUE)$conf.int[1]
    ("student b ci_high", lambda: student(B_T, B_C, alternative="two-sided").ci_high, 0.017134896815864692),  # R: t.test(b_t, b_c, alternative = "two.sided", var.equal = TRUE)$conf.int[2]
    ("student b two-sided p", lambda: student(B_T, B_C, alternative="two-sided").pvalue, 0.021882616605888864),  # R: t.test(b_t, b_c, alternative = "two.sided", var.equal = TRUE)$p.value
    ("mannwhitney b U", lambda: mann_whitney(B_T, B_C, alternative="two-sided").statistic, 40.5),  # R: suppressWarnings(wilcox.test(b_t, b_c, alternative = "two.sided")$statistic)
    ("mannwhitney b two-sided p", lambda: mann_whitney(B_T, B_C, alternative="two-sided").pvalue, 0.035056719736095157),  # R: suppressWarnings(wilcox.test(b_t, b_c, alternative = "two.sided")$p.value)
    ("welch b greater p", lambda: welch(B_T, B_C, alternative="greater").pvalue, 0.013592438907439193),  # R: t.test(b_t, b_c, alternative = "greater")$p.value
    ("student b greater p", lambda: student(B_T, B_C, alternative="greater").pvalue, 0.010941308302944432),  # R: t.test(b_t, b_c, alternative = "greater", var.equal = TRUE)$p.value
    ("mannwhitney b greater p", lambda: mann_whitney(B_T, B_C, alternative="greater").pvalue, 0.017528359868047579),  # R: suppressWarnings(wilcox.test(b_t, b_c, alternative = "greater")$p.value)
    ("welch b less p", lambda: welch(B_T, B_C, alternative="less").pvalue, 0.98640756109256078),  # R: t.test(b_t, b_c, alternative = "less")$p.value
    ("student b less p", lambda: student(B_T, B_C, alternative="less").pvalue, 0.98905869169705563),  # R: t.test(b_t, b_c, alternative = "less", var.equal = TRUE)$p.value
    ("mannwhitney b less p", lambda: mann_whitney(B_T, B_C, alternative="less").pvalue, 0.98743615582279176),  # R: suppressWarnings(wilcox.test(b_t, b_c, alternative = "less")$p.value)
    ("welch c t", lambda: welch(C_T, C_C, alternative="two-sided").statistic, 1.8788573791402332),  # R: t.test(c_t, c_c, alternative = "two.sided")$statistic
    ("welch c df", lambda: welch(C_T, C_C, alternative="two-sided").df, 7.8431439209661704),  # R: t.test(c_t, c_c, alternative = "two.sided")$parameter
    ("welch c ci_low", lambda: welch(C_T, C_C, alternative="two-sided").ci_low, -0.0041958043921466051),  # R: t.test(c_t, c_c, alternative = "two.sided")$conf.int[1]
    ("welch c ci_high", lambda: welch(C_T, C_C, alternative="two-sided").ci_high, 0.040424375820718103),  # R: t.test(c_t, c_c, alternative = "two.sided")$conf.int[2]
    ("welch c two-sided p", lambda: welch(C_T, C_C, alternative="two-sided").pvalue, 0.097813339556975035),  # R: t.test(c_t, c_c, alternative = "two.sided")$p.value
    ("student c t", lambda: student(C_T, C_C, alternative="two-sided").statistic, 1.9332646913330873),  # R: t.test(c_t, c_c, alternative = "two.sided", var.equal = TRUE)$statistic
    ("student c df", lambda: student(C_T, C_C, alternative="two-sided").df, 10),  # R: t.test(c_t, c_c, alternative = "two.sided", var.equal = TRUE)$parameter
    ("student c ci_low", lambda: student(C_T, C_C, alternative="two-sided").ci_low, -0.0027629091969547225),  # R: t.test(c_t, c_c, alternative = "two.sided", var.equal = TRUE)$conf.int[1]
    ("student c ci_high", lambda: student(C_T, C_C, alternative="two-sided").ci_high, 0.038991480625526223),  # R: t.test(c_t, c_c, alternative = "two.sided", var.equal = TRUE)$conf.int[2]
    ("student c two-sided p", lambda: student(C_T, C_C, alternative="two-sided").pvalue, 0.081990234277797627),  # R: t.test(c_t, c_c, alternative = "two.sided", var.equal = TRUE)$p.value
    ("mannwhitney c U", lambda: mann_whitney(C_T, C_C, alternative="two-sided").statistic, 28),  # R: suppressWarnings(wilcox.test(c_t, c_c, alternative = "two.sided")$statistic)
    ("mannwhitney c two-sided p", lambda: mann_whitney(C_T, C_C, alternative="two-sided").pvalue, 0.10606060606060606),  # R: suppressWarnings(wilcox.test(c_t, c_c, alternative = "two.sided")$p.value)
    ("welch c greater p", lambda: welch(C_T, C_C, alternative="greater").pvalue, 0.048906669778487517),  # R: t.test(c_t, c_c, alternative = "greater")$p.value
    ("student c greater p", lambda: student(C_T, C_C, alternative="greater").pvalue, 0.040995117138898814),  # R: t.test(c_t, c_c, alternative = "greater", var.equal = TRUE)$p.value
    ("mannwhitney c greater p", lambda: mann_whitney(C_T, C_C, alternative="greater").pvalue, 0.053030303030303032),  # R: suppressWarnings(wilcox.test(c_t, c_c, alternative = "greater")$p.value)
    ("welch c less p", lambda: welch(C_T, C_C, alternative="less").pvalue, 0.95109333022151255),  # R: t.test(c_t, c_c, alternative = "less")$p.value
    ("student c less p", lambda: student(C_T, C_C, alternative="less").pvalue, 0.95900488286110119),  # R: t.test(c_t, c_c, alternative = "less", var.equal = TRUE)$p.value
    ("mannwhitney c less p", lambda: mann_whitney(C_T, C_C, alternative="less").pvalue, 0.96338383838383845),  # R: suppressWarnings(wilcox.test(c_t, c_c, alternative = "less")$p.value)
    ("paired p t", lambda: paired_t(P_T, P_C, alternative="two-sided").statistic, 1.9524531498071538),  # R: t.test(p_t, p_c, paired = TRUE, alternative = "two.sided")$statistic
    ("paired p ci_low", lambda: paired_t(P_T, P_C, alternative="two-sided").ci_low, -0.0006217093523172649),  # R: t.test(p_t, p_c, paired = TRUE, alternative = "two.sided")$conf.int[1]
    ("paired p ci_high", lambda: paired_t(P_T, P_C, alternative="two-sided").ci_high, 0.00748837601898394),  # R: t.test(p_t, p_c, paired = TRUE, alternative = "two.sided")$conf.int[2]
    ("paired p two-sided p", lambda: paired_t(P_T, P_C, alternative="two-sided").pvalue, 0.086663061195862201),  # R: t.test(p_t, p_c, paired = TRUE, alternative = "two.sided")$p.value
    ("wilcoxon p V", lambda: wilcoxon_signed_rank(P_T, P_C, alternative="two-sided").statistic, 36),  # R: suppressWarnings(wilcox.test(p_t, p_c, paired = TRUE, alternative = "two.sided"))$statistic
    ("wilcoxon p two-sided p", lambda: wilcoxon_signed_rank(P_T, P_C, alternative="two-sided").pvalue, 0.12890625),  # R: suppressWarnings(wilcox.test(p_t, p_c, paired = TRUE, alternative = "two.sided"))$p.value
    ("paired p greater p", lambda: paired_t(P_T, P_C, alternative="greater").pvalue, 0.043331530597931101),  # R: t.test(p_t, p_c, paired = TRUE, alternative = "greater")$p.value
    ("wilcoxon p greater p", lambda: wilcoxon_signed_rank(P_T, P_C, alternative="greater").pvalue, 0.064453125),  # R: suppressWarnings(wilcox.test(p_t, p_c, paired = TRUE, alternative = "greater"))$p.value
    ("paired p less p", lambda: paired_t(P_T, P_C, alternative="less").pvalue, 0.95666846940206884),  # R: t.test(p_t, p_c, paired = TRUE, alternative = "less")$p.value
    ("wilcoxon p less p", lambda: wilcoxon_signed_rank(P_T, P_C, alternative="less").pvalue, 0.951171875),  # R: suppressWarnings(wilcox.test(p_t, p_c, paired = TRUE, alternative = "less"))$p.value
    ("paired q t", lambda: paired_t(Q_T, Q_C, alternative="two-sided").statistic, 2.3664319132398397),  # R: t.test(q_t, q_c, paired = TRUE, alternative = "two.sided")$statistic
    ("paired q ci_low", lambda: paired_t(Q_T, Q_C, alternative="two-sided").ci_low, 3.8193823302957783e-06),  # R: t.test(q_t, q_c, paired = TRUE, alternative = "two.sided")$conf.int[1]
    ("paired q ci_high", lambda: paired_t(Q_T, Q_C, alternative="two-sided").ci_high, 0.0099961806176696848),  # R: t.test(q_t, q_c, paired = TRUE, alternative = "two.sided")$conf.int[2]
    ("paired q two-sided p", lambda: paired_t(Q_T, Q_C, alternative="two-sided").pvalue, 0.049867230568885604),  # R: t.test(q_t, q_c, paired = TRUE, alternative = "two.sided")$p.value
    ("wilcoxon q V", lambda: wilcoxon_signed_rank(Q_T, Q_C, alternative="two-sided").statistic, 25),  # R: suppressWarnings(wilcox.test(q_t, q_c, paired = TRUE, alternative = "two.sided", digits.rank = 7))$statistic
    ("wilcoxon q two-sided p", lambda: wilcoxon_signed_rank(Q_T, Q_C, alternative="two-sided").pvalue, 0.065501214256931131),  # R: suppressWarnings(wilcox.test(q_t, q_c, paired = TRUE, alternative = "two.sided", digits.rank = 7))$p.value
    ("paired q greater p", lambda: paired_t(Q_T, Q_C, alternative="greater").pvalue, 0.024933615284442802),  # R: t.test(q_t, q_c, paired = TRUE, alternative = "greater")$p.value
    ("wilcoxon q greater p", lambda: wilcoxon_signed_rank(Q_T, Q_C, alternative="greater").pvalue, 0.032750607128465566),  # R: suppressWarnings(wilcox.test(q_t, q_c, paired = TRUE, alternative = "greater", digits.rank = 7))$p.value
    ("paired q less p", lambda: paired_t(Q_T, Q_C, alternative="less").pvalue, 0.97506638471555718),  # R: t.test(q_t, q_c, paired = TRUE, alternative = "less")$p.value
    ("wilcoxon q less p", lambda: wilcoxon_signed_rank(Q_T, Q_C, alternative="less").pvalue, 0.97816442127553294),  # R: suppressWarnings(wilcox.test(q_t, q_c, paired = TRUE, alternative = "less", digits.rank = 7))$p.value
    ("welch a ci90 low", lambda: welch(A_T, A_C, alpha=0.1).ci_low, 0.0033936588290952446),  # R: t.test(a_t, a_c, conf.level = 0.9)$conf.int[1]
    ("welch a ci90 high", lambda: welch(A_T, A_C, alpha=0.1).ci_high, 0.0065863411709046332),  # R: t.test(a_t, a_c, conf.level = 0.9)$conf.int[2]
    ("describe b_t ci_low", lambda: describe("b", B_T).ci_low, 0.94416481957306064),  # R: t.test(b_t)$conf.int[1]
    ("describe b_t ci_high", lambda: describe("b", B_T).ci_high, 0.95458518042693918),  # R: t.test(b_t)$conf.int[2]
    ("describe b_t sd", lambda: describe("b", B_T).std, 0.0062321172737911301),  # R: sd(b_t)
    ("describe b_t median", lambda: describe("b", B_T).median, 0.94999999999999996),  # R: median(b_t)
    ("tost a lower p", lambda: tost(A_T, A_C, margin=0.005).lower.pvalue, 6.3638521093076835e-09),  # R: t.test(a_t, a_c, mu = -0.005, alternative = "greater")$p.value
    ("tost a upper p", lambda: tost(A_T, A_C, margin=0.005).upper.pvalue, 0.49569441897989819),  # R: t.test(a_t, a_c, mu = 0.005, alternative = "less")$p.value
    ("tost a p", lambda: tost(A_T, A_C, margin=0.005).pvalue, 0.49569441897989819),  # R: max(t.test(a_t, a_c, mu = -0.005, alternative = "greater")$p.value, t.test(a_t, a_c, mu = 0.005, alternative = "less")$p.value)
    ("tost a ci90 low", lambda: tost(A_T, A_C, margin=0.005).ci_low, 0.0033936588290952446),  # R: t.test(a_t, a_c, conf.level = 0.9)$conf.int[1]
    ("tost b lower p", lambda: tost(B_T, B_C, margin=0.005).lower.pvalue, 0.0013262419480256076),  # R: t.test(b_t, b_c, mu = -0.005, alternative = "greater")$p.value
    ("tost b upper p", lambda: tost(B_T, B_C, margin=0.005).upper.pvalue, 0.87208113532402953),  # R: t.test(b_t, b_c, mu = 0.005, alternative = "less")$p.value
    ("tost b p", lambda: tost(B_T, B_C, margin=0.005).pvalue, 0.87208113532402953),  # R: max(t.test(b_t, b_c, mu = -0.005, alternative = "greater")$p.value, t.test(b_t, b_c, mu = 0.005, alternative = "less")$p.value)
    ("tost b ci90 low", lambda: tost(B_T, B_C, margin=0.005).ci_low, 0.0027981886932271936),  # R: t.test(b_t, b_c, conf.level = 0.9)$conf.int[1]
    ("tost paired q p", lambda: tost(Q_T, Q_C, margin=0.01, paired=True).pvalue, 0.024933615284442483),  # R: max(t.test(q_t, q_c, paired = TRUE, mu = -0.01, alternative = "greater")$p.value, t.test(q_t, q_c, paired = TRUE, mu = 0.01, alternative = "less")$p.value)
    ("p.adjust holm 1", lambda: adjust(PV, "holm")[0], 0.048000000000000001),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "holm")[1]
    ("p.adjust holm 2", lambda: adjust(PV, "holm")[1], 0.02),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "holm")[2]
    ("p.adjust holm 3", lambda: adjust(PV, "holm")[2], 0.089999999999999997),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "holm")[3]
    ("p.adjust holm 4", lambda: adjust(PV, "holm")[3], 0.20000000000000001),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "holm")[4]
    ("p.adjust holm 5", lambda: adjust(PV, "holm")[4], 0.089999999999999997),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "holm")[5]
    ("p.adjust bonferroni 1", lambda: adjust(PV, "bonferroni")[0], 0.059999999999999998),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "bonferroni")[1]
    ("p.adjust bonferroni 2", lambda: adjust(PV, "bonferroni")[1], 0.02),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "bonferroni")[2]
    ("p.adjust bonferroni 3", lambda: adjust(PV, "bonferroni")[2], 0.14999999999999999),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "bonferroni")[3]
    ("p.adjust bonferroni 4", lambda: adjust(PV, "bonferroni")[3], 1),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "bonferroni")[4]
    ("p.adjust bonferroni 5", lambda: adjust(PV, "bonferroni")[4], 0.20000000000000001),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "bonferroni")[5]
    ("p.adjust BH 1", lambda: adjust(PV, "fdr_bh")[0], 0.029999999999999999),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "BH")[1]
    ("p.adjust BH 2", lambda: adjust(PV, "fdr_bh")[1], 0.02),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "BH")[2]
    ("p.adjust BH 3", lambda: adjust(PV, "fdr_bh")[2], 0.050000000000000003),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "BH")[3]
    ("p.adjust BH 4", lambda: adjust(PV, "fdr_bh")[3], 0.20000000000000001),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "BH")[4]
    ("p.adjust BH 5", lambda: adjust(PV, "fdr_bh")[4], 0.050000000000000003),  # R: p.adjust(c(0.012, 0.004, 0.03, 0.2, 0.04), "BH")[5]
    ("power two-sided n10", lambda: power_at_margin(0.004, 0.005, 10, alpha=0.05), 0.75287642732683524),  # R: power.t.test(n = 10, delta = 0.005, sd = 0.004)$power
    ("power one-sided n10", lambda: power_at_margin(0.004, 0.005, 10, alpha=0.05, alternative="greater"), 0.85147748359826214),  # R: power.t.test(n = 10, delta = 0.005, sd = 0.004, alternative = "one.sided")$power
    ("power paired n8", lambda: power_at_margin(0.006, 0.005, 8, alpha=0.05, paired=True), 0.52827412963292253),  # R: power.t.test(n = 8, delta = 0.005, sd = 0.006, type = "paired")$power
    ("power alpha .01 n5", lambda: power_at_margin(0.01, 0.02, 5, alpha=0.01), 0.47693465957333259),  # R: power.t.test(n = 5, delta = 0.02, sd = 0.01, sig.level = 0.01)$power
    ("seeds two-sided", lambda: seeds_needed(0.004, 0.005, 0.05), 12),  # R: ceiling(power.t.test(delta = 0.005, sd = 0.004, power = 0.8)$n)
    ("seeds one-sided", lambda: seeds_needed(0.004, 0.005, 0.05, 0.8, "greater"), 9),  # R: ceiling(power.t.test(delta = 0.005, sd = 0.004, power = 0.8, alternative = "one.sided")$n)
    ("seeds 90% power", lambda: seeds_needed(0.01, 0.004, 0.05, 0.9), 133),  # R: ceiling(power.t.test(delta = 0.004, sd = 0.01, power = 0.9)$n)
    ("seeds paired", lambda: seeds_needed(0.006, 0.005, 0.05, paired=True), 14),  # R: ceiling(power.t.test(delta = 0.005, sd = 0.006, power = 0.8, type = "paired")$n)
    ("seeds alpha .01", lambda: seeds_needed(0.02, 0.01, 0.01, 0.8, "less"), 82),  # R: ceiling(power.t.test(delta = 0.01, sd = 0.02, sig.level = 0.01, power = 0.8, alternative = "one.sided")$n)
    ("welch anova F", lambda: welch_anova(G3).statistic, 21.411843801626013),  # R: oneway.test(v ~ g, data.frame(v = unlist(g3), g = factor(rep(1:3, lengths(g3)))))$statistic
    ("welch anova df2", lambda: welch_anova(G3).df2, 15.169845247570873),  # R: oneway.test(v ~ g, data.frame(v = unlist(g3), g = factor(rep(1:3, lengths(g3)))))$parameter[2]
    ("welch anova p", lambda: welch_anova(G3).pvalue, 3.8243099407962554e-05),  # R: oneway.test(v ~ g, data.frame(v = unlist(g3), g = factor(rep(1:3, lengths(g3)))))$p.value
    ("kruskal H ties", lambda: kruskal_wallis(G4).statistic, 9.331164383561644),  # R: kruskal.test(g4)$statistic
    ("kruskal p ties", lambda: kruskal_wallis(G4).pvalue, 0.009413766010617346),  # R: kruskal.test(g4)$p.value
    ("trend t", lambda: linear_trend("abc", G4, alternative="greater").statistic, 3.8997334257714731),  # R: lc(g4, "greater")[["t"]]
    ("trend df", lambda: linear_trend("abc", G4, alternative="greater").df, 8.8685068463377377),  # R: lc(g4, "greater")[["df"]]
    ("trend p", lambda: linear_trend("abc", G4, alternative="greater").pvalue, 0.0018623670110277796),  # R: lc(g4, "greater")[["p"]]
    ("hedges g a", lambda: hedges_g(A_T, A_C)[0], 2.3446671820637621),  # R: hg(a_t, a_c)[["g"]]
    ("hedges g ci low a", lambda: hedges_g(A_T, A_C)[1][0], 1.2470845517537628),  # R: hg(a_t, a_c)[["lo"]]
    ("hedges g ci high a", lambda: hedges_g(A_T, A_C)[1][1], 3.6120703270273866),  # R: hg(a_t, a_c)[["hi"]]
    ("cliffs delta a", lambda: cliffs_delta(A_T, A_C), 0.93999999999999995),  # R: mean(sign(outer(a_t, a_c, "-")))
    ("prob superiority a", lambda: prob_superiority(A_T, A_C), 0.96999999999999997),  # R: mean(outer(a_t, a_c, ">")) + mean(outer(a_t, a_c, "==")) / 2
    ("hedges g b", lambda: hedges_g(B_T, B_C)[0], 1.3305386889234747),  # R: hg(b_t, b_c)[["g"]]
    ("hedges g ci low b", lambda: hedges_g(B_T, B_C)[1][0], 0.20009660294796139),  # R: hg(b_t, b_c)[["lo"]]
    ("hedges g ci high b", lambda: hedges_g(B_T, B_C)[1][1], 2.5974455304448014),  # R: hg(b_t, b_c)[["hi"]]
    ("cliffs delta b", lambda: cliffs_delta(B_T, B_C), 0.6875),  # R: mean(sign(outer(b_t, b_c, "-")))
    ("prob superiority b", lambda: prob_superiority(B_T, B_C), 0.84375),  # R: mean(outer(b_t, b_c, ">")) + mean(outer(b_t, b_c, "==")) / 2
    ("hedges g c", lambda: hedges_g(C_T, C_C)[0], 1.0445516196239799),  # R: hg(c_t, c_c)[["g"]]
    ("hedges g ci low c", lambda: hedges_g(C_T, C_C)[1][0], -0.13925829130196574),  # R: hg(c_t, c_c)[["lo"]]
    ("hedges g ci high c", lambda: hedges_g(C_T, C_C)[1][1], 2.3561268961870763),  # R: hg(c_t, c_c)[["hi"]]
    ("cliffs delta c", lambda: cliffs_delta(C_T, C_C), 0.59999999999999998),  # R: mean(sign(outer(c_t, c_c, "-")))
    ("prob superiority c", lambda: prob_superiority(C_T, C_C), 0.80000000000000004),  # R: mean(outer(c_t, c_c, ">")) + mean(outer(c_t, c_c, "==")) / 2
    ("ps ci low a", lambda: prob_superiority_ci(A_T, A_C)[0], 0.75155363126947583),  # R: nc5(a_t, a_c)[["lo"]]
    ("ps ci high a", lambda: prob_superiority_ci(A_T, A_C)[1], 0.99664275461431706),  # R: nc5(a_t, a_c)[["hi"]]
    ("ps ci low b", lambda: prob_superiority_ci(B_T, B_C)[0], 0.52804860403101139),  # R: nc5(b_t, b_c)[["lo"]]
    ("ps ci high b", lambda: prob_superiority_ci(B_T, B_C)[1], 0.95872753952902812),  # R: nc5(b_t, b_c)[["hi"]]
    ("ps ci low c", lambda: prob_superiority_ci(C_T, C_C)[0], 0.45669417618507047),  # R: nc5(c_t, c_c)[["lo"]]
    ("ps ci high c", lambda: prob_superiority_ci(C_T, C_C)[1], 0.9450369074348568),  # R: nc5(c_t, c_c)[["hi"]]
]


@pytest.mark.parametrize(("compute", "expected"), [p[1:] for p in PINS],
                         ids=[p[0] for p in PINS])
def test_statistic_matches_r(compute, expected):
    assert compute() == pytest.approx(expected, rel=1e-6, abs=1e-300)
