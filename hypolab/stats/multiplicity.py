"""Adjusting the p-values of a family of treatment-vs-control comparisons.

``holm``, ``bonferroni`` and ``fdr_bh`` follow R's ``p.adjust`` exactly;
missing p-values (None) stay None and do not count towards the family size,
as R's ``p.adjust(p, n = length(p[!is.na(p)]))``. Dunnett's many-to-one test
is a test in its own right and lives in ``dunnett_pvalues`` (pooled) and
``manytoone`` (its Welch-type version).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypolab.records import Correction
from hypolab.stats.values import as_sample


def adjust(pvalues: Sequence[float | None], method: Correction | str) -> list[float | None]:
    """Adjust a family of p-values as R's ``p.adjust(p, method)``.

    - bonferroni: ``min(1, m p)``.
    - holm: sorted ascending, ``min(1, cummax((m - i + 1) p_(i)))``.
    - fdr_bh (R's ``"BH"``): sorted descending, ``min(1, cummin(m / i p_(i)))``.
    - none: unchanged.

    Args:
        pvalues: one p-value per comparison; None where a test was undefined.
        method: ``holm``, ``bonferroni``, ``fdr_bh`` or ``none``.

    Returns:
        The adjusted p-values in the input order.

    Example:
        >>> adjust([0.01, 0.04, 0.03], "holm")
        [0.03, 0.06, 0.06]
    """
    method = Correction(method)
    present = [i for i, p in enumerate(pvalues) if p is not None]
    out: list[float | None] = [None] * len(pvalues)
    if not present:
        return out
    p = np.array([pvalues[i] for i in present], dtype=np.float64)
    m = p.size
    if method is Correction.NONE:
        adjusted = p
    elif method is Correction.BONFERRONI:
        adjusted = np.minimum(1.0, m * p)
    elif method is Correction.HOLM:
        order = np.argsort(p, kind="stable")
        scaled = np.maximum.accumulate((m - np.arange(m)) * p[order])
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(1.0, scaled)
    elif method is Correction.FDR_BH:
        order = np.argsort(-p, kind="stable")
        rank = m - np.arange(m)
        scaled = np.minimum.accumulate(m / rank * p[order])
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(1.0, scaled)
    else:
        raise ValueError(f"adjust() does not do {method.value!r}; use dunnett_pvalues().")
    for i, value in zip(present, adjusted):
        out[i] = float(value)
    return out


def dunnett_pvalues(
    treatments: Sequence[Sequence[float]],
    control: Sequence[float],
    *,
    alternative: str = "two-sided",
    rng: int = 0,
) -> list[float]:
    """Dunnett's many-to-one p-values (pooled variance), adjusted for the family.

    Each treatment's mean is compared with the control's using the pooled
    variance of all arms; the p-values come from the multivariate t
    distribution (Dunnett 1955), integrated as ``manytoone`` does (to about
    1e-9, as R's ``multcomp::glht(..., mcp(g = "Dunnett"))``). The analysis
    uses the Welch-type version (``manytoone.many_to_one``) unless the file
    names Student's t.

    Args:
        treatments: per-seed values of each treatment.
        control: per-seed values of the control.
        alternative: ``two-sided``, ``greater`` (treatment higher) or ``less``.
        rng: unused (the integration is deterministic); kept for callers.

    Returns:
        One adjusted p-value per treatment.
    """
    from hypolab.stats.manytoone import many_to_one

    family = many_to_one([as_sample(t, "treatment") for t in treatments],
                         as_sample(control, "control"), pooled=True)
    return [float(m.pvalue(alternative)) for m in family]
