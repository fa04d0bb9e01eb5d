"""How numbers and metric names read in a report: rounding only in text.

The data files (``results.json``, ``runs.csv``) keep full precision; the page
and ``summary.md`` round with these functions so every figure is written the
same way everywhere.
"""

from __future__ import annotations

import math
from typing import Any

#: What each metric measures, for axis labels: (words, unit).
_METRIC_WORDS: dict[str, tuple[str, str]] = {
    "accuracy": ("accuracy", "fraction correct"),
    "loss": ("loss", ""),  # the loss function's own scale: no unit to name
    "mae": ("mean absolute error", "target units"),
    "train_seconds": ("training time", "s"),
    "epochs_run": ("epochs trained", "epochs"),
}

_SPLITS = {"test_": "test", "best_val_": "best validation", "val_": "validation"}


def is_number(value: Any) -> bool:
    """True for a finite int or float (bools excluded)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def fmt(value: Any, digits: int = 3) -> str:
    """A number rounded to ``digits`` significant figures for text; ``—`` if absent.

    Args:
        value: a number, None, NaN or inf.
        digits: significant figures kept (trailing zeros kept too, so 0.250
            shows that three figures were kept).

    Returns:
        e.g. ``fmt(0.0052131) == "0.00521"``, ``fmt(None) == "—"``,
        ``fmt(float("inf")) == "∞"``.
    """
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if not isinstance(value, float):
        return str(value)
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= 5 or magnitude < -4:
        return f"{value:.{digits - 1}e}"
    decimals = max(digits - 1 - magnitude, 0)
    return f"{value:.{decimals}f}".replace("-", "−")


def fmt_estimate(value: Any, low: Any = None, high: Any = None) -> tuple[str, str, str]:
    """An estimate and its interval at the decimals the verdict's sentence uses (``decimals_for``).

    The same number reads the same in the headline, the tables, the index
    and ``summary.md``: two significant digits of the interval's half-width.

    Returns:
        ``(value, low, high)`` as text, ``—`` where absent.
    """
    from hypolab.stats.wording import decimals_for, number

    spread = (high - low) / 2 if is_number(low) and is_number(high) else None
    decimals = decimals_for(spread, value if is_number(value) else None)
    return tuple(number(float(x), decimals) if is_number(x) else fmt(x) for x in (value, low, high))  # type: ignore[return-value]


def fmt_statistic(value: Any) -> str:
    """A test statistic as the sentences write it: two decimals (``25.02``)."""
    from hypolab.stats.wording import statistic_text

    return statistic_text(float(value)) if is_number(value) else "—"


def fmt_effect(value: Any) -> str:
    """An effect size (Hedges' g) as the sentences write it: two significant figures (``11``, ``4.1``)."""
    from hypolab.stats.wording import significant

    return significant(float(value)) if is_number(value) else "—"


def fmt_df(value: Any) -> str:
    """Degrees of freedom (or contrast weights): whole numbers bare, others as ``fmt``.

    Returns:
        e.g. ``fmt_df(3.0) == "3"``, ``fmt_df(18.225) == "18.2"``, ``fmt_df(-1.0) == "−1"``.
    """
    if isinstance(value, float) and value.is_integer():
        return fmt(int(value)) if value >= 0 else "−" + fmt(int(-value))
    return fmt(value)


def fmt_p(value: Any) -> str:
    """A p-value the APA way: ``< .001``, else three decimals without the zero.

    Returns:
        e.g. ``"= .012"``, ``"< .001"``, ``"= 1.000"`` (for p = 1) or ``"—"``.
    """
    if not is_number(value):
        return "—"
    if value < 0.001:
        return "< .001"
    text = f"{value:.3f}"
    return "= " + (text[1:] if text.startswith("0") else text)


def fmt_percent(value: Any) -> str:
    """A fraction as a percentage with no decimals, e.g. ``0.8123 -> "81%"``."""
    return f"{100 * value:.0f}%" if is_number(value) else "—"


def fmt_seconds(seconds: Any) -> str:
    """A duration for people: ``"4.2 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``."""
    if not is_number(seconds):
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def metric_base(metric: str) -> str:
    """The history key a metric is measured with: ``test_accuracy -> accuracy``."""
    for prefix in ("best_val_", "test_", "val_"):
        if metric.startswith(prefix):
            return metric[len(prefix):]
    return metric


def metric_label(metric: str, *, unit: bool = True) -> str:
    """An axis label with its unit, e.g. ``"test accuracy (fraction correct)"``.

    Unknown metrics are shown as written, without a unit.
    """
    base = metric_base(metric)
    words, unit_text = _METRIC_WORDS.get(base, (base.replace("_", " "), ""))
    split = next((name for prefix, name in _SPLITS.items() if metric.startswith(prefix)), "")
    if not split and base in ("accuracy", "loss", "mae"):
        split = "training"
    label = f"{split} {words}".strip()
    return f"{label} ({unit_text})" if unit and unit_text else label
