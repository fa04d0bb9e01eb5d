"""How much faster seed packing trains an arm than the plain Keras loop.

Trains the ``hypotheses/batchsize.yaml`` MLP (units [64], adam 1e-3, 5 epochs,
digits) for 10 seeds at batch sizes 4 and 128, twice in the same process:

- plain: the plain Keras loop, per seed ``keras.utils.set_random_seed`` then
  ``model.fit`` (with validation data) and ``model.evaluate``, as the runner
  trains one seed;
- packed: ``hypolab.packing.train_pack`` on the 10 specs (one model, K=10).

Prints the wall time of each, the ratio (target: packed >= 8x faster at both
batch sizes), and, with ``--memory``, the peak RSS of each path measured in a
fresh subprocess (the kernel's VmHWM, reset after imports and data loading),
beside the RSS before training.
``--equivalence N`` also trains N seeds both ways at batch size 32 and tests
whether the final test accuracies come from one distribution (Mann-Whitney U
and Kolmogorov-Smirnov, scipy).

Runs on any Keras backend (``KERAS_BACKEND=jax`` needs no TensorFlow); it
prints the backend and the device.

Run: ``python benchmarks/bench_packing.py [--memory] [--equivalence 20] [--device auto]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np

from hypolab import datasets, models, packing
from hypolab.device import prepare_device
from hypolab.records import DataConfig, Dataset, RunSpec, Task, TrainingConfig
from hypolab.records.runs import DEVICES

TARGET = 8.0
HYPOTHESIS = ROOT / "hypotheses" / "batchsize.yaml"
FALLBACK = {
    "model": {
        "kind": "mlp",
        "units": [64],
        "activation": "relu",
        "dropout": 0.0,
        "batch_norm": False,
    },
    "optimizer": {"name": "adam", "learning_rate": 0.001},
    "loss": "auto",
    "epochs": 5,
    "batch_size": 32,
    "early_stopping": None,
}


def base_config() -> tuple[TrainingConfig, DataConfig, str]:
    """The batchsize.yaml control arm's config (batch size set per measurement)."""
    if HYPOTHESIS.exists():
        try:
            from hypolab import hypothesis
        except ImportError as exc:  # a bare GPU machine may lack the hypothesis stage's YAML/pydantic packages
            return (
                TrainingConfig.from_dict(FALLBACK),
                DataConfig(name="digits"),
                f"built-in copy of batchsize.yaml ({exc})",
            )
        h = hypothesis.load(str(HYPOTHESIS))
        return (
            h.control.config,
            h.data,
            f"{HYPOTHESIS.relative_to(ROOT)} (control arm)",
        )
    return (
        TrainingConfig.from_dict(FALLBACK),
        DataConfig(name="digits"),
        "built-in fallback (MLP [64], adam 1e-3)",
    )


def with_batch(config: TrainingConfig, batch_size: int) -> TrainingConfig:
    return replace(config, batch_size=batch_size)


def specs_for(config: TrainingConfig, data: DataConfig, seeds) -> list[RunSpec]:
    return [
        RunSpec(key=f"bench-{config.batch_size}-{s}", hypothesis="bench", arm="arm", seed=s,
                config=config, data=data)
        for s in seeds
    ]  # fmt: skip


def plain_loop(config: TrainingConfig, dataset: Dataset, seeds) -> list[float]:
    """The plain Keras loop: one model, one ``fit`` per seed. Returns test accuracies."""
    task = Task(dataset.task)
    accuracies = []
    for seed in seeds:
        keras.backend.clear_session(free_memory=False)
        keras.utils.set_random_seed(seed)
        model = models.build(
            config.model, dataset.input_shape, dataset.num_classes, task
        )
        model.compile(
            optimizer=models.make_optimizer(config.optimizer),
            loss=models.loss_for(config.loss, task),
            metrics=models.metrics_for(task),
        )
        model.fit(
            dataset.x_train, dataset.y_train, batch_size=config.batch_size, epochs=config.epochs,
            validation_data=(dataset.x_val, dataset.y_val), shuffle=True, verbose=0,
        )  # fmt: skip
        accuracies.append(
            model.evaluate(dataset.x_test, dataset.y_test, verbose=0, return_dict=True)[
                "accuracy"
            ]
        )
    return accuracies


def packed(
    config: TrainingConfig, data: DataConfig, dataset: Dataset, seeds, device: str
) -> list[float]:
    results = packing.train_pack(specs_for(config, data, seeds), dataset, device=device)
    bad = [r for r in results if r.status.value != "finished"]
    if bad:
        raise SystemExit(
            f"packed run {bad[0].seed} {bad[0].status.value}: {bad[0].error}"
        )
    return [r.metrics["test_accuracy"] for r in results]


def timed(fn, *args) -> tuple[float, list[float]]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def _status_mib(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM), so the peak is the training's own."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def worker(mode: str, batch_size: int, seeds: int, device: str) -> None:
    """Subprocess body for ``--memory``: train one path, print seconds and RSS figures.

    The peak is the kernel's VmHWM reset after the imports and data loading
    (importing TensorFlow alone peaks near 1 GiB), else ``ru_maxrss``.
    """
    config, data, _ = base_config()
    config = with_batch(config, batch_size)
    dataset = datasets.load(data)
    prepare_device(device)
    before = _status_mib("VmRSS")
    reset = _reset_peak()
    with keras.device("cpu:0") if device == "cpu" else _nullcontext():
        if mode == "plain":
            seconds, _ = timed(plain_loop, config, dataset, range(seeds))
        else:
            seconds, _ = timed(packed, config, data, dataset, range(seeds), device)
    peak = (
        _status_mib("VmHWM")
        if reset
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mib": peak,
                "before_mib": before,
                "peak_reset": reset,
            }
        )
    )


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def memory(batch_size: int, seeds: int, device: str) -> dict[str, dict]:
    out = {}
    for mode in ("plain", "packed"):
        done = subprocess.run(
            [sys.executable, __file__, "--worker", mode, "--batch-size", str(batch_size),
             "--seeds", str(seeds), "--device", device],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        out[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def equivalence(
    config: TrainingConfig, data: DataConfig, dataset: Dataset, n: int, device: str
) -> None:
    from scipy import stats

    config = with_batch(config, 32)
    seeds = range(1000, 1000 + n)
    plain_acc = plain_loop(config, dataset, seeds)
    packed_acc = packed(config, data, dataset, seeds, device)
    mw = stats.mannwhitneyu(packed_acc, plain_acc, alternative="two-sided")
    ks = stats.ks_2samp(packed_acc, plain_acc)
    print(f"\nequivalence over {n} seeds (batch 32): final test accuracy")
    print(f"  plain  mean {np.mean(plain_acc):.4f} sd {np.std(plain_acc, ddof=1):.4f}")
    print(
        f"  packed mean {np.mean(packed_acc):.4f} sd {np.std(packed_acc, ddof=1):.4f}"
    )
    print(f"  Mann-Whitney U p = {mw.pvalue:.3f}; Kolmogorov-Smirnov p = {ks.pvalue:.3f} "
          f"({'not rejected' if min(mw.pvalue, ks.pvalue) >= 0.05 else 'REJECTED'} at alpha 0.05)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[4, 128])
    parser.add_argument("--device", default="auto", choices=DEVICES)
    parser.add_argument(
        "--memory", action="store_true", help="peak RSS of each path, in subprocesses"
    )
    parser.add_argument(
        "--equivalence",
        type=int,
        default=0,
        metavar="N",
        help="also compare N seeds' accuracies",
    )
    parser.add_argument(
        "--backend-note", default="", help="free text printed with the results"
    )
    parser.add_argument("--worker", choices=["plain", "packed"], help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.batch_size, args.seeds, args.device)
        return

    described = prepare_device(args.device)
    config, data, source = base_config()
    dataset = datasets.load(data)
    print(f"backend: {keras.backend.backend()} (keras {keras.__version__}); device: {described}; "
          f"cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f}")  # fmt: skip
    if args.backend_note:
        print(f"note: {args.backend_note}")
    shown = config.to_dict()
    print(f"config: {source}: {shown['model']}, {shown['optimizer']}, epochs {config.epochs}; "
          f"{data.name}: {dataset.sizes}; {args.seeds} seeds")  # fmt: skip
    # Warm the process once through each path (backend start-up, first
    # compilations of shared kernels) so neither path pays it alone.
    warm = replace(with_batch(config, 128), epochs=1)
    plain_loop(warm, dataset, [0])
    packing.train_pack(specs_for(warm, data, [0]), dataset, device=args.device)

    print(
        f"\n{'batch':>5} {'plain s':>9} {'packed s':>9} {'ratio':>7}  target >= {TARGET:.0f}x"
    )
    ok = True
    with keras.device("cpu:0") if described == "cpu" else _nullcontext():
        for batch_size in args.batch_sizes:
            cfg = with_batch(config, batch_size)
            plain_s, _ = timed(plain_loop, cfg, dataset, range(args.seeds))
            packed_s, _ = timed(
                packed, cfg, data, dataset, range(args.seeds), args.device
            )
            ratio = plain_s / packed_s
            ok &= ratio >= TARGET
            print(
                f"{batch_size:>5} {plain_s:>9.2f} {packed_s:>9.2f} {ratio:>6.1f}x  {'met' if ratio >= TARGET else 'MISSED'}"
            )
    if args.memory:
        print(
            f"\nRSS, fresh process per path, {args.seeds} seeds "
            "(MiB: peak while training / before training, after imports and data)"
        )
        for batch_size in args.batch_sizes:
            m = memory(batch_size, args.seeds, args.device)
            print(f"  batch {batch_size:>3}: plain {m['plain']['peak_mib']:.0f} / {m['plain']['before_mib']:.0f}"
                  f"   packed {m['packed']['peak_mib']:.0f} / {m['packed']['before_mib']:.0f}"
                  f"   (times in those processes: plain {m['plain']['seconds']:.1f} s, "
                  f"packed {m['packed']['seconds']:.1f} s)")  # fmt: skip
    if args.equivalence:
        equivalence(config, data, dataset, args.equivalence, args.device)
    print(f"\n{'all targets met' if ok else 'target missed'}")


if __name__ == "__main__":
    main()
