"""``hypolab test FILE --smoke``: the file end to end in seconds, on a throwaway store.

The smoke version of a hypothesis trains its first 2 seeds for 1 epoch on
at most ``SMOKE_EXAMPLES`` training examples (a stratified subset of a
built-in data set), without early stopping, as a fixed-seeds test (a
sequential design's looks are left out). It checks that every arm
builds, trains, is analysed and reported; its numbers say nothing about the
claim, so it goes to a temporary store and report folder, never the real ones.

Example:

    quick = smoke_version(load_hypothesis("hypotheses/batchsize.yaml"))
"""

from __future__ import annotations

from dataclasses import replace

from hypolab.compute import train_examples
from hypolab.records import Hypothesis

SMOKE_SEEDS = 2
SMOKE_EPOCHS = 1
SMOKE_EXAMPLES = 200


def smoke_version(h: Hypothesis) -> Hypothesis:
    """``h`` with 2 seeds, 1 epoch per run, no early stopping and a small training subset."""
    examples = train_examples(h.data)
    subset = h.data.subset
    if examples is not None and examples > SMOKE_EXAMPLES:
        subset = min(subset or SMOKE_EXAMPLES, SMOKE_EXAMPLES)
    data = replace(h.data, subset=subset)

    def quick(arm):
        return replace(arm, config=replace(arm.config, epochs=SMOKE_EPOCHS, early_stopping=None))

    # A sequential design's looks need its planned seeds; the smoke run checks the file, not the design.
    extra = {"sequential": None} if getattr(h, "sequential", None) is not None else {}
    return replace(h, seeds=h.seeds[:SMOKE_SEEDS], data=data, base=replace(h.base, epochs=SMOKE_EPOCHS),
                   control=quick(h.control), treatments=tuple(quick(t) for t in h.treatments), **extra)  # fmt: skip


def smoke_line(h: Hypothesis, folder: str) -> str:
    """What ``--smoke`` says before training: what it trains and where it writes."""
    examples = f"{h.data.subset} training examples" if h.data.subset else "all training examples"
    return (f"Smoke run of {h.name}: {len(h.seeds)} seeds, {SMOKE_EPOCHS} epoch, {examples}; store and report "
            f"in {folder} (a check that the file runs end to end, not a test of the claim).")  # fmt: skip
