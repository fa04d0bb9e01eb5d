"""hypolab's statistics: numpy and scipy only, per-seed values in, records out.

``analyze`` compares every treatment with the control and gives one verdict
each (rule: ``docs/verdict.md``); the modules below are usable on their own.
"""

from __future__ import annotations

from hypolab.stats.analysis import analyze
from hypolab.stats.power import power_at_margin, seeds_needed

__all__ = ["analyze", "power_at_margin", "seeds_needed"]
