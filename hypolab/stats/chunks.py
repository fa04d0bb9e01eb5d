"""Resampling in chunks of rows, so memory stays bounded whatever the number of seeds.

A bootstrap or permutation test draws an ``(n_resamples, n)`` array of
indices or keys; at 100,000 runs per arm that is gigabytes. Drawing it
``rows`` rows at a time from the same generator gives the same numbers: NumPy's
``Generator.integers`` and ``Generator.random`` fill arrays element by element
in C order from one bit stream, and each row's statistic is reduced on its own
(tests/test_hostile_analyze.py checks it against the whole-array draw).
"""

from __future__ import annotations

from collections.abc import Iterator

#: The most elements drawn at once: 2**22 (32 MB of int64 or float64 per array).
CHUNK_ELEMENTS = 2**22


def row_chunks(rows: int, width: int, *, elements: int = CHUNK_ELEMENTS) -> Iterator[int]:
    """The sizes of consecutive row blocks of a ``(rows, width)`` draw, each at most ``elements``.

    One block (all ``rows``) where the whole draw fits, so small samples are
    drawn exactly as in one call.

    Example:
        >>> list(row_chunks(9_999, 10))
        [9999]
        >>> list(row_chunks(5, 3, elements=6))
        [2, 2, 1]
    """
    step = max(1, elements // max(width, 1))
    for start in range(0, rows, step):
        yield min(step, rows - start)
