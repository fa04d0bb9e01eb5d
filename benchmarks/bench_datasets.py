"""How long loading a data set takes, against the straightforward scikit-learn route.

Three figures, each the median of 5 runs in this process, each with its ratio
to a baseline measured in the same run on the same data:

- digits, cold: ``hypolab.datasets.load`` (it never caches) against
  ``load_digits`` + two stratified ``train_test_split`` calls + scaling by the
  training maximum, the same work written by hand;
- digits, cached: the second ``DatasetCache.get`` of the same config (what
  every run after the first pays in an executor's worker; the issue asks for
  one load per test);
- CSV, cold: a 20,000 x 20 numeric CSV with a class column, against
  ``numpy.genfromtxt`` + the same splits and standardisation.

Run: ``python benchmarks/bench_datasets.py``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypolab import datasets  # noqa: E402
from hypolab.records import DataConfig  # noqa: E402

REPEATS = 5


def _median_seconds(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _plain_splits(x, y):
    rest_x, test_x, rest_y, _ = train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)
    train_x, val_x, _, _ = train_test_split(
        rest_x, rest_y, test_size=0.2, random_state=0, stratify=rest_y
    )
    return train_x, val_x, test_x


def plain_digits():
    bunch = load_digits()
    train_x, val_x, test_x = _plain_splits(bunch.images.reshape(-1, 8, 8, 1), bunch.target)
    peak = train_x.max()
    return [(a / peak).astype(np.float32) for a in (train_x, val_x, test_x)]


def hypolab_digits_cold():
    return datasets.load(DataConfig(name="digits"))


_CACHE = datasets.DatasetCache()


def hypolab_digits_cached():
    return _CACHE.get(DataConfig(name="digits"))


def write_csv(path: Path, rows: int = 20_000, features: int = 20) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, features))
    y = rng.integers(0, 5, size=rows)
    header = ",".join([f"f{i}" for i in range(features)] + ["label"])
    body = np.column_stack([x, y])
    fmt = ["%.6f"] * features + ["%d"]
    np.savetxt(path, body, delimiter=",", header=header, comments="", fmt=fmt)


def plain_csv(path: Path):
    table = np.genfromtxt(path, delimiter=",", skip_header=1)
    x, y = table[:, :-1], table[:, -1].astype(int)
    train_x, val_x, test_x = _plain_splits(x, y)
    mean, std = train_x.mean(axis=0), train_x.std(axis=0)
    return [((a - mean) / std).astype(np.float32) for a in (train_x, val_x, test_x)]


def main() -> None:
    plain = _median_seconds(plain_digits)
    cold = _median_seconds(hypolab_digits_cold)
    hypolab_digits_cached()  # the first get loads
    cached = _median_seconds(hypolab_digits_cached)
    print(f"digits plain sklearn route:   {plain * 1000:8.2f} ms")
    print(f"digits hypolab load (cold):   {cold * 1000:8.2f} ms   ratio {cold / plain:5.2f}")
    print(f"digits hypolab load (cached): {cached * 1000:8.4f} ms   ratio {cached / plain:7.5f}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        write_csv(path)
        config = DataConfig(name=str(path), target="label")

        def hypolab_csv():
            return datasets.load(config)

        plain_c = _median_seconds(lambda: plain_csv(path))
        cold_c = _median_seconds(hypolab_csv)
    print(f"csv 20000x20 plain genfromtxt: {plain_c * 1000:8.2f} ms")
    print(f"csv 20000x20 hypolab (cold):   {cold_c * 1000:8.2f} ms   ratio {cold_c / plain_c:5.2f}")


if __name__ == "__main__":
    main()
