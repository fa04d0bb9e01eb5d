"""The error budget of a verdict: how alpha is split, and the levels the intervals use.

A directional claim (``greater``/``less``) can end ``supported`` or
``contradicted``, two one-sided tests of the same data. Both at alpha would
let identical arms give a significant verdict of either kind 2 alpha of the
time (10%). hypolab spends alpha on the claim and a small separate share on
its opposite:

- ``supported``: the one-sided test in the predicted direction, adjusted
  across the family, below ``alpha`` (the power of the claim is that of the
  plain one-sided test);
- ``contradicted``: the one-sided test against the prediction, adjusted the
  same way, below ``alpha_contradicted(alpha) = min(alpha / 10, 0.005)``.

So under identical arms a significant verdict of either kind comes up at
most ``alpha + min(alpha / 10, 0.005)`` of the time (5.5% at alpha = 0.05),
whatever alpha a file sets. Two-sided claims spend alpha on both sides
together; equivalence claims spend alpha on TOST and alpha on the test of a
difference beyond the margin (two hypotheses that cannot both be true).

``decision_levels`` gives, per comparison, the unadjusted one-sided level at
which its test was in effect decided, so that an interval at that level
excludes zero exactly when the adjusted p-value is below alpha.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hypolab.records import Correction

#: The largest share of alpha a ``contradicted`` verdict may spend.
CONTRADICTED_CAP = 0.005


def alpha_contradicted(alpha: float) -> float:
    """The level of the test against the prediction: ``min(alpha / 10, 0.005)``.

    Example:
        >>> alpha_contradicted(0.05), alpha_contradicted(0.01)
        (0.005, 0.001)
    """
    return min(alpha / 10, CONTRADICTED_CAP)


def decision_levels(adjusted: Sequence[float | None], correction: Correction,
                    alpha: float) -> list[float | None]:
    """Per comparison, the unadjusted level its p-value was in effect compared with.

    - ``none``: alpha; ``bonferroni``: alpha / m;
    - ``holm`` (step-down): alpha / (m - r + 1) for the comparison rejected
      at step r, and the level of the step where the procedure stopped for
      every comparison not rejected;
    - ``fdr_bh`` (step-up): R alpha / m, R the number rejected (at least 1),
      the level of Benjamini & Yekutieli's (2005) FCR-adjusted intervals.

    With these levels ``p < level`` exactly when the adjusted p is below
    alpha (for p-values below 1), so an interval at the level agrees with
    the verdict. ``dunnett`` is a single-step test with its own critical
    values (``manytoone``); here it gets alpha / m, its Bonferroni bound.

    Args:
        adjusted: the family's adjusted p-values (None where undefined).
        correction: the correction that adjusted them.
        alpha: the family's level.

    Returns:
        One level per comparison (None where the p-value is None).

    Example:
        >>> # Holm of raw p = 0.01, 0.2, 0.02: steps 1 and 2 reject, step 3 stops.
        >>> decision_levels([0.03, 0.2, 0.04], Correction.HOLM, 0.05)
        [0.016666666666666666, 0.05, 0.025]
    """
    present = [i for i, p in enumerate(adjusted) if p is not None]
    out: list[float | None] = [None] * len(adjusted)
    m = len(present)
    if not m:
        return out
    if correction is Correction.NONE:
        levels = [alpha] * m
    elif correction in (Correction.BONFERRONI, Correction.DUNNETT):
        levels = [alpha / m] * m
    elif correction is Correction.FDR_BH:
        rejected = sum(1 for i in present if adjusted[i] < alpha)
        levels = [max(rejected, 1) * alpha / m] * m
    else:
        order = np.argsort([adjusted[i] for i in present], kind="stable")
        levels = [0.0] * m
        stopped = None
        for step, j in enumerate(order, start=1):
            if stopped is None and adjusted[present[j]] >= alpha:
                stopped = alpha / (m - step + 1)
            levels[j] = stopped if stopped is not None else alpha / (m - step + 1)
    for i, level in zip(present, levels):
        out[i] = float(level)
    return out
