"""The report's look-by-look panel of a sequential test: the statistic against its boundaries.

Read from ``Analysis.sequential`` (``records.SequentialAnalysis``): a plot of
each treatment's statistic (its claim's p-value on the z scale) at every look
against the efficacy boundary and, where planned, the futility boundary; the
seeds spent against the most the design allows; each look's decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypolab.records import Look, SequentialAnalysis
from hypolab.report.numbers import fmt, fmt_p

SPENDING_WORDS = {"obrien_fleming": "O'Brien-Fleming-type", "pocock": "Pocock-type"}


def sequential_context(sequential: SequentialAnalysis, colours: Mapping[str, str], *,
                       two_sided: bool) -> dict[str, Any]:  # fmt: skip
    """What the panel shows: the summary line, the plot and one row per look and treatment."""
    total = len(sequential.looks_planned)
    if sequential.stopped_early:
        summary = (f"Stopped early at look {sequential.stopped_at} of {total}: {sequential.seeds_spent} of "
                   f"{sequential.max_seeds} seeds per arm were trained.")  # fmt: skip
    elif sequential.stopped_at < total:
        summary = (f"Not finished: {sequential.stopped_at} of {total} looks analysed, "
                   f"{sequential.seeds_spent} of {sequential.max_seeds} seeds per arm so far.")  # fmt: skip
    else:
        summary = f"Went to the last look: {sequential.max_seeds} seeds per arm."
    design = (f"{SPENDING_WORDS[sequential.spending.value]} alpha spending at looks of "
              f"{', '.join(map(str, sequential.looks_planned))} seeds per arm"
              + ("; non-binding futility stops (beta spending, 80% power)" if sequential.futility else ""))
    return {
        "summary": summary,
        "design": design,
        "plot": looks_plot(sequential, colours, two_sided=two_sided) if sequential.looks else None,
        "rows": [_row(look, sequential) for look in sequential.looks],
    }


def _row(look: Look, sequential: SequentialAnalysis) -> dict[str, str]:
    return {
        "treatment": look.treatment,
        "look": f"look {look.look} of {len(sequential.looks_planned)}",
        "seeds": f"{look.seeds} of {sequential.max_seeds}",
        "statistic": fmt(look.statistic),
        "z_boundary": fmt(look.z_boundary),
        "futility": "—" if look.futility_z_boundary is None else fmt(look.futility_z_boundary),
        "pvalue": fmt_p(look.pvalue).removeprefix("= "),
        "p_boundary": f"{look.p_boundary:.3g}",
        "level": f"{look.level:.3g}",
        "decision": look.decision.value,
        "stops": look.decision.stops,
        "reason": look.reason,
    }


def looks_plot(sequential: SequentialAnalysis, colours: Mapping[str, str], *, two_sided: bool) -> str:
    """Each treatment's statistic at each look (solid) against its efficacy (dashed) and futility (dotted) boundaries."""
    from hypolab.report.plots import figure, to_data_uri

    treatments = list(dict.fromkeys(look.treatment for look in sequential.looks))
    with figure(6.4, 3.8) as (fig, ax):
        for name in treatments:
            mine = [look for look in sequential.looks if look.treatment == name]
            colour = colours.get(name, "#333333")
            shown = [look for look in mine if look.statistic is not None]
            ax.plot([x.seeds for x in shown], [x.statistic for x in shown], marker="o", color=colour,
                    linewidth=1.6, label=f"{name}: statistic", zorder=3)  # fmt: skip
            ax.plot([x.seeds for x in mine], [x.z_boundary for x in mine], linestyle="--", color=colour,
                    linewidth=1.0, label=f"{name}: efficacy boundary", zorder=2)  # fmt: skip
            if two_sided:
                ax.plot([x.seeds for x in mine], [-x.z_boundary for x in mine], linestyle="--", color=colour,
                        linewidth=1.0, zorder=2)  # fmt: skip
            futile = [x for x in mine if x.futility_z_boundary is not None]
            if futile:
                ax.plot([x.seeds for x in futile], [x.futility_z_boundary for x in futile], linestyle=":",
                        color=colour, linewidth=1.2, label=f"{name}: futility boundary", zorder=2)  # fmt: skip
            last = mine[-1]
            if last.decision.stops and last.statistic is not None:
                ax.annotate(last.decision.value, (last.seeds, last.statistic), textcoords="offset points",
                            xytext=(6, 6), fontsize=8.5, color=colour)  # fmt: skip
        ax.axvline(sequential.max_seeds, color="#9e9e9e", linewidth=0.8, zorder=1)
        ax.set_xticks(list(sequential.looks_planned))
        ax.set_xlim(0, sequential.max_seeds * 1.05)
        ax.set_xlabel("seeds per arm at the look (the grey line is the most the design trains)")
        ax.set_ylabel("statistic (the claim's p on the z scale)")
        ax.set_title("Each look: the statistic against the boundaries", loc="left")
        ax.legend(loc="best", fontsize=7.5)
        return to_data_uri(fig)
