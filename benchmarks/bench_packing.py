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

``--cases`` adds the image and wide cases of issue 17 (``cnn28``: a CNN,
filters [16, 32], units [64], on 28x28x1 images; ``cnn32``: the same on
32x32x3; ``wide``: an MLP [1024, 512, 256] on 28x28x1), on images made from
the digits (upsampled, noised; ``--images N`` of them, 2 epochs, batch 64,
4 seeds): each trains with ``pack: auto`` (``packing.choose_pack``; its one-off
measurement, cached per model shape and device, is timed apart), with ``--pack 1`` (one pack of one seed
after another) and in the plain Keras loop; target: auto at most 5% slower
than ``--pack 1``.

Runs on any Keras backend (``KERAS_BACKEND=jax`` needs no TensorFlow); it
prints the backend and the device.

Run: ``python benchmarks/bench_packing.py [--memory] [--equivalence 20] [--device auto] [--cases cnn28 cnn32 wide]``
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


#: The image and wide cases: model, image side, channels.
CASES = {
    "cnn28": ({"kind": "cnn", "filters": [16, 32], "kernel_size": 3, "units": [64]}, 28, 1),
    "cnn32": ({"kind": "cnn", "filters": [16, 32], "kernel_size": 3, "units": [64]}, 32, 3),
    "wide": ({"kind": "mlp", "units": [1024, 512, 256]}, 28, 1),
}
AUTO_TARGET = 1.05


def image_data(folder: Path, side: int, channels: int, n: int) -> DataConfig:
    """An ``.npz`` of ``n`` digits upsampled to ``side`` x ``side`` x ``channels`` with noise (learnable, not trivial)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(0)
    index = rng.integers(0, len(digits.target), n)
    scale = -(-side // 8)
    images = np.kron(digits.images[index] / 16.0, np.ones((scale, scale)))[:, :side, :side]
    images = np.repeat(images[..., None], channels, axis=-1) + rng.normal(0, 0.3, size=(n, side, side, channels))
    path = folder / f"images{side}x{channels}.npz"
    np.savez(path, x_train=(np.clip(images, 0, 1) * 255).astype(np.uint8), y_train=digits.target[index])
    return DataConfig(name=str(path))


def case_rows(names, device: str, n_images: int, seeds: int) -> bool:
    """Time each case with pack auto, --pack 1 and the plain loop; print them; True where auto met its target."""
    import tempfile

    from hypolab.device import device_memory, prepare

    environment = prepare(device)
    ok = True
    print(f"\n{'case':>6} {'auto s':>8} {'(size)':>6} {'pack1 s':>8} {'plain s':>8} {'auto/pack1':>10} {'plain/auto':>10}"
          f"  target auto/pack1 <= {AUTO_TARGET:.2f}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            model, side, channels = CASES[name]
            data = image_data(Path(folder), side, channels, n_images)
            dataset = datasets.load(data)
            config = TrainingConfig.from_dict({
                "model": {"activation": "relu", "dropout": 0.0, "batch_norm": False, **model},
                "optimizer": {"name": "adam", "learning_rate": 0.001}, "loss": "auto", "epochs": 2,
                "batch_size": 64, "early_stopping": None,
            })  # fmt: skip
            specs = [RunSpec(key=f"{name}-{s}", hypothesis="bench", arm="arm", seed=s, config=config, data=data)
                     for s in range(seeds)]  # fmt: skip
            warm = replace(config, epochs=1)
            packing.train_pack_in(environment, [replace(specs[0], config=warm)], dataset)

            def choose():
                return packing.choose_pack(config, dataset, data, seeds, "auto", device=environment.device,
                                           memory_bytes=device_memory(environment.device) // 2)  # fmt: skip

            def auto():
                size, why = choose()  # the measurement is cached per model shape and device: its one-off cost is probe s
                for pack in packing.split_packs(specs, size):
                    packing.train_pack_in(environment, pack, dataset)
                return size, why

            def one_by_one():
                for spec in specs:
                    packing.train_pack_in(environment, [spec], dataset)

            with keras.device("cpu:0") if environment.device == "cpu" else _nullcontext():
                probe_s, _ = timed(choose)
                auto_s, (size, why) = timed(auto)
                pack1_s, _ = timed(one_by_one)
                plain_s, _ = timed(plain_loop, config, dataset, range(seeds))
            ratio = auto_s / pack1_s
            ok &= ratio <= AUTO_TARGET
            print(f"{name:>6} {auto_s:>8.2f} {size:>6} {pack1_s:>8.2f} {plain_s:>8.2f} {ratio:>10.2f} "
                  f"{plain_s / auto_s:>9.2f}x  {'met' if ratio <= AUTO_TARGET else 'MISSED'}")  # fmt: skip
            print(f"       {dataset.sizes}; first choice (its measurement, once per machine) {probe_s:.2f} s; {why}")
    return ok


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
    parser.add_argument("--cases", nargs="*", default=[], choices=sorted(CASES),
                        help="also time these image/wide cases: auto vs --pack 1 vs the plain loop")  # fmt: skip
    parser.add_argument("--images", type=int, default=3000, help="images of each case's data set")
    parser.add_argument("--case-seeds", type=int, default=4, help="seeds of each case")
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
    if args.cases:
        ok &= case_rows(args.cases, args.device, args.images, args.case_seeds)
    if args.equivalence:
        equivalence(config, data, dataset, args.equivalence, args.device)
    print(f"\n{'all targets met' if ok else 'target missed'}")


if __name__ == "__main__":
    main()
