"""The seeds of a search: each tuner execution's, and the fresh ones ``--confirm`` uses.

Three ranges that never meet:

- hypothesis files: small seeds, ``0 .. n-1`` by default;
- ``--confirm N``: ``CONFIRM_SEED_START .. CONFIRM_SEED_START + N - 1``, so a
  baseline is chosen on runs that neither the tuner nor a later hypothesis
  test (seeds 0, 1, ...) reuses;
- the tuner's executions: ``[2**30, 2**31)``, a function of the tuner seed,
  the trial id and the execution, so any trial can be re-run on its own.

Keras Tuner's own sampling is seeded with ``keras_tuner_seed(tuner.seed)``,
never 0 (which Keras Tuner reads as "no seed").
"""

from __future__ import annotations

#: Tuner execution seeds live in [2**30, 2**31).
TUNER_SEED_OFFSET = 2**30

#: The first seed of ``--confirm`` runs.
CONFIRM_SEED_START = 1_000_000

#: Keras Tuner reads seed 0 as "no seed" (``seed or random.randint(1, 10000)``), so
#: hypolab's seed 0 is given to it as this one: the largest seed Bayesian search
#: can hand on to scikit-learn (2**32 - 1).
KERAS_TUNER_SEED_OF_ZERO = 2**32 - 1


def keras_tuner_seed(tuner_seed: int) -> int:
    """The seed hypolab gives Keras Tuner for the file's ``tuner.seed``: never 0.

    Every seed is given as it is, but 0 (the default), which becomes
    ``2**32 - 1``: so the documented seed always reproduces the search, and a
    search made with any other seed samples what it sampled before. Only
    ``tuner.seed: 4294967295`` samples what seed 0 does.

    Example:

    >>> keras_tuner_seed(0), keras_tuner_seed(5)
    (4294967295, 5)
    """
    return tuner_seed or KERAS_TUNER_SEED_OF_ZERO


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
