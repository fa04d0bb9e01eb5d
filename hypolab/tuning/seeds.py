"""The seeds of a search: each tuner execution's, and the fresh ones ``--confirm`` uses.

Three ranges that never meet:

- hypothesis files: small seeds, ``0 .. n-1`` by default;
- ``--confirm N``: ``CONFIRM_SEED_START .. CONFIRM_SEED_START + N - 1``, so a
  baseline is chosen on runs that neither the tuner nor a later hypothesis
  test (seeds 0, 1, ...) reuses;
- the tuner's executions: ``[2**30, 2**31)``, a function of the tuner seed,
  the trial id and the execution, so any trial can be re-run on its own.
"""

from __future__ import annotations

#: Tuner execution seeds live in [2**30, 2**31).
TUNER_SEED_OFFSET = 2**30

#: The first seed of ``--confirm`` runs.
CONFIRM_SEED_START = 1_000_000


def trial_seed(tuner_seed: int, trial_id: str, execution: int) -> int:
    """The seed of execution ``execution`` (0-based) of trial ``trial_id``.

    ``2**30 + (tuner_seed * 1_000_003 + int(trial_id) * 1_009 + execution) mod 2**30``.

    Example:

    >>> trial_seed(0, "03", 1)
    1073744852
    """
    text = str(trial_id)
    index = int(text) if text.isdigit() else sum(map(ord, text))
    return TUNER_SEED_OFFSET + (tuner_seed * 1_000_003 + index * 1_009 + execution) % TUNER_SEED_OFFSET


def confirm_seeds(count: int) -> tuple[int, ...]:
    """The ``count`` fresh seeds of ``--confirm``.

    Example:

    >>> confirm_seeds(3)
    (1000000, 1000001, 1000002)
    """
    return tuple(range(CONFIRM_SEED_START, CONFIRM_SEED_START + count))
