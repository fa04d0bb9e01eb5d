"""Many-to-one comparisons with the control: Dunnett's test and its Welch-type version.

Every treatment's mean is compared with the control's; ``t_l = (m_l - m_0) /
SE_l``. The statistics share the control, so they are correlated, with the
one-factor structure ``corr(t_l, t_m) = lambda_l lambda_m``:

- Welch-type (Hasler & Hothorn 2008, for unequal variances and seeds): ``SE_l
  = sqrt(v_l + v_0)``, ``v = s^2 / n``, ``lambda_l = sqrt(v_0) / SE_l`` from the
  estimated variances, and per comparison the conservative integer df
  ``floor(nu_l)`` of its Welch-Satterthwaite ``nu_l``. Far in the tail, where
  a verdict against the claim is decided (``budget``: alpha / 10 shared by
  the family), Satterthwaite's df is too generous when a small arm has the
  larger variance (control 20 seeds SD 1 against four treatments of 5 seeds
  SD 3: the opposite direction rejects twice as often as it should), so that
  direction uses the df ``min(n_l, n_0) - 1`` of Hsu (1938) and Banerjee
  (1960), which bounds the tail whatever the variances (``df_conservative``).
- Pooled (Dunnett 1955, equal variances): ``SE_l = s_p sqrt(1/n_l + 1/n_0)``,
  ``lambda_l = sqrt(n_l / (n_l + n_0))``, ``N - k - 1`` df.

The adjusted p-value of comparison l is ``P(max_j T_j >= t_l)`` (``greater``;
``less`` mirrors it; ``two-sided`` uses ``max |T_j|``) under the multivariate t
with comparison l's df. With a one-factor correlation the multivariate t
probability is a two-dimensional integral, ``P(T_j < x_j for all j) =
E_S E_Y prod_j Phi((x_j S - lambda_j Y) / sqrt(1 - lambda_j^2))`` with ``Y``
standard normal and ``S = sqrt(W / df)``, ``W ~ chi2(df)``, computed by
Gauss-Legendre quadrature to about 1e-9 (R's ``mvtnorm::pmvt`` gives the same
numbers; the tests pin them).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from hypolab.stats.values import as_sample, spread, tolerance

_GL8 = np.polynomial.legendre.leggauss(8)
#: lambda is capped below 1 so that the integrand stays a (steep) function, not a step.
_MAX_LOADING = 0.9999


def _panels(low: float, high: float, count: int) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = _GL8
    edges = np.linspace(low, high, count + 1)
    half = (edges[1:] - edges[:-1]) / 2
    middle = (edges[1:] + edges[:-1]) / 2
    return (middle[:, None] + half[:, None] * nodes).ravel(), (half[:, None] * weights).ravel()


@functools.lru_cache(maxsize=64)
def chi_nodes(df: float) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights of ``S = sqrt(W / df)``, ``W ~ chi2(df)``, over its 1e-15 quantiles.

    ``sum(w * f(s))`` is ``E f(S)`` to about 1e-9 for smooth ``f`` (32 nodes,
    Gauss-Legendre panels against the density of S); ``S^2`` is a sample
    variance over the true one with ``df`` degrees of freedom.
    """
    low = math.sqrt(special.chdtri(df, 1 - 1e-15) / df)
    high = math.sqrt(special.chdtri(df, 1e-15) / df)
    s, w = _panels(low, high, 4)
    log_density = ((df / 2) * math.log(df) - (df / 2 - 1) * math.log(2) - special.gammaln(df / 2)
                   + (df - 1) * np.log(s) - df * s**2 / 2)
    return s, w * np.exp(log_density)


@functools.lru_cache(maxsize=16)
def _normal_nodes(count: int) -> tuple[np.ndarray, np.ndarray]:
    y, w = _panels(-8.5, 8.5, count)
    return y, w * np.exp(-(y**2) / 2) / math.sqrt(2 * math.pi)


def mvt_cdf(upper: Sequence[float], loadings: Sequence[float], df: float, *,
            two_sided: bool = False) -> float:
    """``P(T_j < upper_j for all j)`` (two-sided: ``|T_j| < upper_j``) of a one-factor multivariate t.

    Args:
        upper: the upper limits, one per coordinate.
        loadings: ``lambda_j`` in [0, 1): ``corr(T_j, T_m) = lambda_j lambda_m``.
        df: degrees of freedom (> 0; ``math.inf`` for the normal).

    Returns:
        The probability (R: ``mvtnorm::pmvt(upper = upper, df = df, corr = R)``
        with ``R = outer(lambda, lambda)``, ``diag(R) = 1``).

    Example:
        >>> round(mvt_cdf([2.0, 2.0], [0.5**0.5] * 2, 10), 6)  # Dunnett's rho = 0.5
        0.93621
    """
    x = np.asarray(upper, dtype=np.float64)
    lam = np.minimum(np.asarray(loadings, dtype=np.float64), _MAX_LOADING)
    root = np.sqrt(1 - lam**2)
    # Panels narrow enough for the steepest factor (lambda near 1), 12 at least.
    steepest = float(np.min(root / np.maximum(lam, 1e-12)))
    y, wy = _normal_nodes(int(min(600, max(12, math.ceil(17 / min(1.4, 4 * steepest))))))
    if math.isinf(df):
        s, ws = np.ones(1), np.ones(1)
    else:
        s, ws = chi_nodes(float(df))
    shifted = lam[None, None, :] * y[None, :, None]
    scaled = x[None, None, :] * s[:, None, None]
    inside = special.ndtr((scaled - shifted) / root)
    if two_sided:
        inside = inside - special.ndtr((-scaled - shifted) / root)
    return float(np.clip(ws @ np.prod(inside, axis=2) @ wy, 0.0, 1.0))


def mvt_quantile(loadings: Sequence[float], df: float, probability: float, *,
                 two_sided: bool = False) -> float:
    """The equicoordinate quantile ``c``: ``P(max_j T_j < c) = probability`` (two-sided: ``|T_j|``).

    R: ``mvtnorm::qmvt(probability, tail = "lower.tail", df = df, corr = R)``
    (two-sided: ``tail = "both.tails"``).
    """
    k = len(loadings)
    tail = (1 - probability) / (2 if two_sided else 1)
    t_df = 1e9 if math.isinf(df) else df
    low = float(special.stdtrit(t_df, 1 - tail))  # one coordinate alone
    high = float(special.stdtrit(t_df, 1 - tail / k)) + 1e-9  # Bonferroni
    if k == 1:
        return low

    def gap(c: float) -> float:
        return mvt_cdf([c] * k, loadings, df, two_sided=two_sided) - probability

    return float(optimize.brentq(gap, low, high, xtol=1e-10))


@dataclass(frozen=True)
class ManyToOne:
    """One treatment against the control in a many-to-one family.

    Args:
        estimate: mean(treatment) - mean(control).
        standard_error: its standard error.
        df: the degrees of freedom its probabilities use.
        df_conservative: the df of the direction against the claim (Welch-type:
            ``min(n_l, n_0) - 1``; pooled: ``df``).
        statistic: ``estimate / standard_error`` (None where the SE is 0).
        loadings: every comparison's lambda, this family's correlation.
        index: this comparison's position in ``loadings``.
    """

    estimate: float
    standard_error: float
    df: float
    statistic: float | None
    loadings: tuple[float, ...]
    index: int
    df_conservative: float | None = None

    def degrees(self, conservative: bool) -> float:
        """The df of the claimed direction, or (``conservative``) of the one against it."""
        return self.df_conservative if conservative and self.df_conservative else self.df

    def pvalue(self, alternative: str, *, conservative: bool = False) -> float | None:
        """The family-adjusted p-value of this comparison for ``alternative``."""
        if self.statistic is None:
            return None
        k = len(self.loadings)
        df = self.degrees(conservative)
        if alternative == "two-sided":
            inside = mvt_cdf([abs(self.statistic)] * k, self.loadings, df, two_sided=True)
        else:
            t = self.statistic if alternative == "greater" else -self.statistic
            inside = mvt_cdf([t] * k, self.loadings, df)
        return float(min(1.0, max(0.0, 1 - inside)))

    def critical_value(self, alpha: float, *, two_sided: bool = False,
                       conservative: bool = False) -> float:
        """The statistic this comparison must pass for an adjusted p below ``alpha``."""
        return mvt_quantile(self.loadings, self.degrees(conservative), 1 - alpha,
                            two_sided=two_sided)


def many_to_one(treatments: Sequence[Sequence[float]], control: Sequence[float], *,
                pooled: bool = False) -> list[ManyToOne]:
    """The many-to-one family of treatments against the control (see the module docstring).

    Args:
        treatments: per-seed values of each treatment, n >= 2 each.
        control: per-seed values of the control, n >= 2.
        pooled: Dunnett's pooled-variance test instead of the Welch-type one.

    Returns:
        One ``ManyToOne`` per treatment, in order. A comparison whose standard
        error is 0 (both arms constant) has no statistic and is left out of
        the others' correlation.
    """
    arms = [as_sample(t, "treatment") for t in treatments]
    c = as_sample(control, "control")
    tol = tolerance(c, *arms)
    variances = [spread(a, tol) for a in arms]
    v0 = spread(c, tol) / c.size
    if pooled:
        total = c.size + sum(a.size for a in arms)
        df_pooled = total - len(arms) - 1
        pooled_var = ((c.size - 1) * spread(c, tol)
                      + sum((a.size - 1) * v for a, v in zip(arms, variances))) / df_pooled
        ses = [math.sqrt(pooled_var * (1 / a.size + 1 / c.size)) for a in arms]
        loadings = [math.sqrt(a.size / (a.size + c.size)) for a in arms]
        dfs = [float(df_pooled)] * len(arms)
        safe = list(dfs)
    else:
        ses, loadings, dfs, safe = [], [], [], []
        for a, var in zip(arms, variances):
            v = var / a.size
            se = math.sqrt(v + v0)
            ses.append(se)
            loadings.append(math.sqrt(v0) / se if se > 0 else 0.0)
            nu = (v + v0) ** 2 / (v**2 / (a.size - 1) + v0**2 / (c.size - 1)) if se > 0 else 1
            dfs.append(float(max(1, math.floor(nu + 1e-9))))
            safe.append(float(min(a.size, c.size) - 1))
    defined = [i for i, se in enumerate(ses) if se > tol]
    family = tuple(loadings[i] for i in defined)
    out = []
    for i, (a, se) in enumerate(zip(arms, ses)):
        estimate = float(a.mean() - c.mean())
        usable = i in defined
        out.append(ManyToOne(estimate=estimate, standard_error=se, df=dfs[i],
                             statistic=estimate / se if usable else None,
                             loadings=family if usable else (loadings[i],),
                             index=defined.index(i) if usable else 0, df_conservative=safe[i]))
    return out
