"""The tests across all arms, for the page: the omnibus tests and the dose-series trend.

Each is read from its record (``OmnibusTests``, ``TrendTest``) and shown as a
small table or one sentence, with the test named as ``hypolab.stats.labels``
names it.
"""

from __future__ import annotations

from typing import Any

from hypolab.records import OmnibusTests, TrendTest
from hypolab.report.numbers import fmt, fmt_df, fmt_p
from hypolab.stats.labels import label

#: What each alternative of the trend test claims about the series.
_TREND_CLAIMS = {"greater": "the metric rises along the series",
                 "less": "the metric falls along the series",
                 "two-sided": "the metric changes along the series"}  # fmt: skip


def omnibus_table(omnibus: OmnibusTests) -> dict[str, Any]:
    """The omnibus tests as ``{"arms": text, "rows": [{test, title, statistic, df, pvalue}]}``."""
    welch, kruskal = omnibus.welch_anova, omnibus.kruskal_wallis
    rows = [
        {"test": welch.test, "title": label(welch.test).title,
         "statistic": _statistic(welch.test, welch.statistic),
         "df": f"{fmt_df(welch.df1)}, {fmt_df(welch.df2)}", "pvalue": _p(welch.pvalue)},
        {"test": kruskal.test, "title": label(kruskal.test).title,
         "statistic": _statistic(kruskal.test, kruskal.statistic),
         "df": fmt_df(kruskal.df), "pvalue": _p(kruskal.pvalue)},
    ]  # fmt: skip
    return {"arms": ", ".join(omnibus.arms), "rows": rows}


def trend_text(trend: TrendTest) -> dict[str, str]:
    """The trend test as ``{"test": its name, "text": one sentence}``.

    Example: ``linear-contrast trend test (Welch df) over batch 128 → batch 4 →
    batch 1 (coefficients −1, 0, 1), one-sided: the metric rises along the
    series. Slope 0.0201 per step; t(17.9) = 9.02, p < .001.``
    """
    series = " → ".join(trend.arms)
    weights = ", ".join(fmt_df(float(c)) for c in trend.coefficients)
    sides = "two-sided" if trend.alternative == "two-sided" else "one-sided"
    claim = _TREND_CLAIMS.get(trend.alternative, trend.alternative)
    if trend.statistic is None:
        result = "t is undefined: every arm is constant"
    else:
        result = f"t({fmt_df(trend.df)}) = {fmt(trend.statistic)}, p {fmt_p(trend.pvalue)}"
    text = (f"{label(trend.test).title} over {series} (coefficients {weights}), {sides}: "
            f"{claim}. Slope {fmt(trend.slope)} per step; {result}. Shown for its slope, the "
            "fitted line of the dose-response plot; the series verdict rests on the rank test "
            "over every arm (Jonckheere-Terpstra; Page's when paired by seed).")
    return {"test": trend.test, "text": text}


def _statistic(test: str, value: float | None) -> str:
    symbol = label(test).symbol
    return f"{symbol} = {fmt(value)}" if value is not None else f"{symbol} undefined"


def _p(value: float | None) -> str:
    return fmt_p(value).removeprefix("= ")
