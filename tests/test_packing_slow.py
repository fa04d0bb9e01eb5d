"""Packed and plain training give the same distribution of results (slow: 40 real runs).

A packed copy draws its data order and dropout masks from its own seed with
numpy, where ``model.fit`` draws them from Keras's generators, so a seed's
packed and plain runs differ; over many seeds the two must be samples of one
distribution. Run with ``python -m pytest -m slow tests/test_packing_slow.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hypolab import datasets, runner
from hypolab.packing import train_pack
from hypolab.records import DataConfig, RunSpec, RunStatus, TrainingConfig

DATA = DataConfig(name="digits")
CONFIG = TrainingConfig.from_dict({
    "model": {
        "kind": "mlp",
        "units": [16],
        "activation": "relu",
        "dropout": 0.2,
        "batch_norm": False,
    },
    "optimizer": {"name": "adam", "learning_rate": 0.003},
    "loss": "auto",
    "epochs": 3,
    "batch_size": 32,
    "early_stopping": None,
})


@pytest.mark.slow
def test_packed_and_plain_final_accuracy_over_20_seeds_are_one_distribution():
    dataset = datasets.load(DATA)
    specs = [
        RunSpec(
            key=f"k{seed}",
            hypothesis="equivalence",
            arm="arm",
            seed=seed,
            config=CONFIG,
            data=DATA,
        )
        for seed in range(100, 120)
    ]
    plain = [runner.train_one(spec, dataset, device="cpu") for spec in specs]
    packed = train_pack(specs, dataset, device="cpu")
    assert {r.status for r in plain + packed} == {RunStatus.FINISHED}
    plain_acc = np.array([r.metrics["test_accuracy"] for r in plain])
    packed_acc = np.array([r.metrics["test_accuracy"] for r in packed])
    mann_whitney = stats.mannwhitneyu(packed_acc, plain_acc, alternative="two-sided")
    kolmogorov = stats.ks_2samp(packed_acc, plain_acc)
    summary = (f"plain {plain_acc.mean():.4f} +- {plain_acc.std(ddof=1):.4f}, "
               f"packed {packed_acc.mean():.4f} +- {packed_acc.std(ddof=1):.4f}")  # fmt: skip
    assert mann_whitney.pvalue >= 0.05, (
        f"Mann-Whitney rejects (p={mann_whitney.pvalue:.4f}): {summary}"
    )
    assert kolmogorov.pvalue >= 0.05, (
        f"Kolmogorov-Smirnov rejects (p={kolmogorov.pvalue:.4f}): {summary}"
    )
    # Both learn: far above the 10% of guessing.
    assert packed_acc.min() > 0.5 and plain_acc.min() > 0.5, summary
