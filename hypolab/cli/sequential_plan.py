"""What ``hypolab plan`` prints for a sequential design: the boundaries, the power, the seeds to expect.

The numbers come from ``hypolab.stats.sequential.design`` (normal theory); the
SD that turns the margin into an effect comes from ``plan --store`` where the
store holds finished runs, and otherwise the margin is read as the effect the
fixed design with the same most seeds detects with 80% power.
"""

from __future__ import annotations

from hypolab.records import Direction, Hypothesis, Pairing

SPENDING_WORDS = {"obrien_fleming": "O'Brien-Fleming-type", "pocock": "Pocock-type"}


def sequential_lines(h: Hypothesis, sd: float | None) -> list[str]:
    """The plan's lines for ``h.sequential``; ``sd`` the stored runs' SD (of differences when paired), or None."""
    from hypolab.stats.sequential.design import plan_design

    design = h.sequential
    plan = plan_design(design, alpha=h.alpha, direction=h.direction, correction=h.correction,
                       treatments=len(h.treatments), paired=h.pairing is Pairing.SEED)  # fmt: skip
    futility = ", non-binding futility stops (beta spending at 80% power)" if design.futility else ""
    lines = ["", f"sequential design: {SPENDING_WORDS[design.spending.value]} alpha spending, "
                 f"{len(design.looks)} looks{futility}"]  # fmt: skip
    two_sided = h.direction is Direction.TWO_SIDED
    header = ("look", "seeds per arm", "information", "alpha spent", "z boundary",
              "p boundary" + (" (two-sided)" if two_sided else ""), "futility z")  # fmt: skip
    rows = [header]
    b = plan.claim
    for k, seeds in enumerate(design.looks):
        futile = "-" if b.futility is None or k >= len(b.futility) else f"{b.futility[k]:.3f}"
        sides = 2 if two_sided else 1
        rows.append((str(k + 1), str(seeds), f"{b.information[k]:.3g}", f"{sides * b.alpha_spent[k]:.3g}",
                     f"{b.critical[k]:.3f}", f"{sides * b.stage_levels[k]:.3g}", futile))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += ["  " + "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
              for row in rows]  # fmt: skip
    if len(h.treatments) > 1 and h.correction.value != "none":
        passes = "; a supported treatment passes its alpha on to the others" if h.correction.value == "holm" else ""
        lines.append(f"  each treatment starts at alpha {plan.level:.3g} ({h.correction.value} over "
                     f"{len(h.treatments)} treatments{passes})")  # fmt: skip
    lines.append("  a look compares the claim's p-value with its p boundary (a t statistic meets the t quantile of "
                 "its own degrees of freedom)")
    lines += _seeds_lines(h, plan, sd)
    return lines


def _seeds_lines(h: Hypothesis, plan, sd: float | None) -> list[str]:
    most = h.sequential.looks[-1]
    if sd is not None and sd > 0 and h.margin is not None:
        margin_sd = h.margin / sd
        what = f"the margin {h.margin:g} ({margin_sd:.3g} SD of the stored runs)"
    else:
        margin_sd = plan.fixed_effect()
        reads = ("the margin the fixed design's TOST shows with 80% power where the arms do not differ"
                 if h.direction is Direction.EQUIVALENT else "the effect the fixed design detects with 80% power")
        what = (f"the margin, read as {margin_sd:.3g} SD ({reads} with {most} seeds per arm; 'hypolab plan "
                "--store' uses the stored runs' SD)")  # fmt: skip
    if h.direction is Direction.NONINFERIOR:  # the test sees the difference plus the margin
        none, at_margin, shown = margin_sd, 0.0, f"worse by {what}"
    else:
        none, at_margin, shown = 0.0, margin_sd, f"at {what}"
    margin = margin_sd if h.direction is Direction.EQUIVALENT else None
    shows_sameness = h.direction in (Direction.NONINFERIOR, Direction.EQUIVALENT)
    power_at, scenario = (none, "with no difference") if shows_sameness else (at_margin, "at the margin")
    return [
        f"seeds per arm: at most {most}; expected (normal theory) {plan.expected_seeds(none, margin):.1f} under no "
        f"effect, {plan.expected_seeds(at_margin, margin):.1f} {shown}",
        f"  power {scenario}: {plan.power(power_at, margin):.1%} (normal theory; the fixed design with {most} seeds "
        f"per arm: {plan.fixed_power(power_at, margin):.1%})",
    ]
