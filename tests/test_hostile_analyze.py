"""Hostile input, ``hypolab analyze``: odd options, odd CSVs, and CSVs far larger than a study.

The resampling now draws in bounded chunks; these tests check that it gives
exactly the numbers of the whole-array draw for the same seed, that its
memory no longer grows with the draw (``tracemalloc``), and that the CLI turns
every bad input into an ``Error:`` line. ``benchmarks/bench_analyze.py``
measures the peak RSS of a 200,000-row CSV.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from hypolab import stats
from hypolab.cli import analyze_command, main
from hypolab.stats import bootstrap, chunks, effsize, permutation


def write_csv(folder: Path, text: str, name: str = "runs.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


ROWS = "arm,seed,acc\n" + "".join(f"{arm},{s},{0.5 + 0.01 * s + 0.1 * (arm == 'b')}\n" for arm in "ab" for s in range(4))


def analyze(runner, path, *extra):
    result = runner.invoke(main, ["analyze", str(path), "--metric", "acc", "--control", "a", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("seed", ["-1", "4294967296"], ids=["negative", "2-32"])
def test_a_seed_outside_the_range_is_a_usage_error(runner, tmp_path, seed):
    result = analyze(runner, write_csv(tmp_path, ROWS), "--seed", seed)
    assert result.exit_code == 2
    assert f"Invalid value for '--seed': {seed} is not in the range 0<=x<=4294967295." in result.output


def test_a_duplicated_column_is_an_error_naming_it(runner, tmp_path):
    text = "arm,seed,acc,acc\n" + "".join(f"{arm},{s},0.5,0.9\n" for arm in "ab" for s in range(3))
    result = analyze(runner, write_csv(tmp_path, text))
    assert result.exit_code == 1
    assert ("the header names 'acc' (columns 3, 4) more than once, so a row's cells would be read from one of "
            "them silently. Expected each column once; rename or remove the repeats.") in result.output


def test_a_fifo_as_the_csv_does_not_hang(tmp_path):
    fifo = tmp_path / "runs.csv"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-m", "hypolab", "analyze", str(fifo), "--metric", "acc", "--control", "a"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})  # fmt: skip
    assert done.returncode == 1
    assert f"Error: {fifo}: is a named pipe (FIFO), not a regular file. Expected a runs CSV" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_csv_over_the_size_cap_is_refused_before_reading(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(analyze_command, "MAX_CSV_BYTES", 64)
    result = analyze(runner, write_csv(tmp_path, ROWS))
    assert result.exit_code == 1
    assert "more than the 64 bytes (64 bytes) a runs CSV may hold; it was not read." in result.output


def test_more_rows_than_the_cap_is_a_clear_error(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(analyze_command, "MAX_ROWS", 5)
    result = analyze(runner, write_csv(tmp_path, ROWS))
    assert result.exit_code == 1
    assert "more than 5 rows. Expected at most 5 runs; analyse a sample of them" in result.output


def test_terminal_escapes_in_arm_names_are_printed_escaped(runner, tmp_path):
    text = ROWS.replace("b,", "\x1b[2Jb\x1b]0;owned\x07,")
    result = analyze(runner, write_csv(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[2Jb\\x1b]0;owned\\x07" in result.output


# -- the resampling: chunked, the same numbers ------------------------------


def _values(n_t: int, n_c: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    return rng.normal(0.8, 0.05, n_t), rng.normal(0.78, 0.05, n_c)


def test_chunked_resampling_gives_the_numbers_of_one_draw(monkeypatch):
    t, c = _values(37, 41)
    whole = (bootstrap.bootstrap_distribution(t, c, rng=7), bootstrap.bootstrap_distribution(t, c[:37], paired=True, rng=7),
             permutation.permutation_pvalues(t, c, rng=7), permutation.permutation_pvalues(t, c[:37], paired=True, rng=7))  # fmt: skip
    original = chunks.row_chunks
    for module in (bootstrap, permutation):
        monkeypatch.setattr(module, "row_chunks", lambda rows, width: original(rows, width, elements=1_000))
    chunked = (bootstrap.bootstrap_distribution(t, c, rng=7), bootstrap.bootstrap_distribution(t, c[:37], paired=True, rng=7),
               permutation.permutation_pvalues(t, c, rng=7), permutation.permutation_pvalues(t, c[:37], paired=True, rng=7))  # fmt: skip
    assert np.array_equal(whole[0], chunked[0]) and np.array_equal(whole[1], chunked[1])
    assert whole[2] == chunked[2] and whole[3] == chunked[3]


def test_a_whole_analysis_in_chunks_equals_the_analysis_in_one_draw(monkeypatch):
    values = dict(zip(("control", "treatment"), _values(30, 30)))
    whole = stats.analyze(values, control="control", direction="greater", margin=0.01, metric="acc").to_dict()
    original = chunks.row_chunks
    for module in (bootstrap, permutation):
        monkeypatch.setattr(module, "row_chunks", lambda rows, width: original(rows, width, elements=500))
    assert stats.analyze(values, control="control", direction="greater", margin=0.01, metric="acc").to_dict() == whole


def test_dominance_counts_equal_the_pairwise_ones():
    rng = np.random.default_rng(2)
    t, c = np.round(rng.normal(size=300), 1), np.round(rng.normal(size=200), 1)  # many ties
    diff = t[:, None] - c[None, :]
    pairwise = (np.count_nonzero(diff > 0) / diff.size, np.count_nonzero(diff < 0) / diff.size,
                np.count_nonzero(diff == 0) / diff.size)  # fmt: skip
    assert effsize.dominance(t, c) == pairwise


def test_resampling_memory_does_not_grow_with_the_draw():
    t, c = _values(10_000, 10_000)  # one (9999, 10000) draw of int64 indices is 800 MB
    tracemalloc.start()
    try:
        bootstrap.bootstrap_distribution(t, c, rng=0)
        effsize.dominance(t, c)  # the pairwise matrix was another 800 MB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * chunks.CHUNK_ELEMENTS * 8, f"peak {peak / 1e6:.0f} MB"
