"""Runner benchmark: hypolab (pack 1) against a plain Keras loop, same process, same models.

Speed (default): one arm of 10 seeds of a small MLP on ``digits`` (the
``hypotheses/batchsize.yaml`` base: Dense(64, relu), adam 1e-3, 5 epochs,
batch 32) trained through ``hypolab.pipeline.run_hypothesis`` with ``pack=1``
(plan, claim, store commit and all; one call per seed, which only adds
overhead: each call's executor sets the device up and loads the data again,
about 30 ms for digits), against a plain loop that seeds, builds, compiles, ``model.fit``s
(with validation) and ``model.evaluate``s the same 10 models. The two sides
alternate seed by seed (who goes first alternates too), so drift in machine
speed (other jobs, throttling) hits both alike; the ratio is of the total
times over all repeats. Target: at most 1.05.

Memory (``--memory``): 100 runs through ``hypolab.runner.train_one``; prints
the peak RSS and the RSS growth from run 11 to run 100 (after warm-up), then
the same for a plain loop with and without ``keras.backend.clear_session()``,
for contrast. (With TensorFlow 2.21 / Keras 3.15 every ``model.fit`` leaves
a few MiB behind even after ``clear_session``, plain Keras included; the
figures show hypolab adds nothing on top. Seed packing, one ``fit`` per
pack, divides that by the pack size.)

    python benchmarks/bench_runner.py [--repeats 2] [--seeds 10] [--epochs 5]
    python benchmarks/bench_runner.py --memory [--runs 100]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from hypolab import datasets, hypothesis, pipeline, runner  # noqa: E402
from hypolab.device import prepare_device  # noqa: E402
from hypolab.records import RunSpec  # noqa: E402

HYPOTHESIS = """\
claim: benchmark arm (only the control is trained)
metric: test_accuracy
direction: greater
seeds: {seeds}
pack: 1
data: {{name: digits}}
base:
  model: {{kind: mlp, units: [64], activation: relu, dropout: 0.0}}
  optimizer: {{name: adam, learning_rate: 0.001}}
  epochs: {epochs}
  batch_size: 32
control: {{name: batch 32, set: {{}}}}
treatments:
  - {{name: batch 33, set: {{batch_size: 33}}}}
"""


def one_arm(seeds: int, epochs: int, folder: Path):
    path = folder / "bench.yaml"
    path.write_text(HYPOTHESIS.format(seeds=seeds, epochs=epochs))
    h = hypothesis.load(path)
    return replace(h, treatments=())  # one arm: the plain loop trains exactly these models


def plain_loop(dataset, seeds: int, epochs: int, *, clear: bool = False, first_seed: int = 0) -> list[float]:
    """What a careful user writes by hand: seed, build, compile, fit, evaluate."""
    accuracies = []
    for seed in range(first_seed, first_seed + seeds):
        if clear:
            keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([
            keras.Input(shape=dataset.input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(dataset.num_classes, activation="softmax"),
        ])  # fmt: skip
        model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(dataset.x_train, dataset.y_train, batch_size=32, epochs=epochs,
                  validation_data=(dataset.x_val, dataset.y_val), verbose=0)  # fmt: skip
        accuracies.append(model.evaluate(dataset.x_test, dataset.y_test, verbose=0)[1])
    return accuracies


def hypolab_seed(h, seed: int, store: Path) -> float:
    """One seed of the arm through the whole pipeline (plan, claim, train, commit)."""
    results = pipeline.run_hypothesis(replace(h, seeds=(seed,)), store=store, device="cpu", pack=1)
    return results[0].metrics["test_accuracy"]


def speed(args) -> None:
    prepare_device("cpu")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        h = one_arm(2, args.epochs, folder)
        dataset = datasets.load(h.data)
        plain_loop(dataset, 1, 1)  # warm-up: TF start-up is neither side's cost
        hypolab_seed(h, 0, folder / "warmup.sqlite")
        plain_total = hypolab_total = 0.0
        plain_acc, hypo_acc = [], []
        for repeat in range(args.repeats):
            store = folder / f"runs{repeat}.sqlite"
            plain_time = hypolab_time = 0.0
            for seed in range(args.seeds):
                # Seed by seed, alternating who goes first, so drift in machine speed hits both alike.
                for side in (("plain", "hypolab") if (seed + repeat) % 2 == 0 else ("hypolab", "plain")):
                    start = time.perf_counter()
                    if side == "plain":
                        plain_acc += plain_loop(dataset, 1, args.epochs, first_seed=seed)
                        plain_time += time.perf_counter() - start
                    else:
                        hypo_acc.append(hypolab_seed(h, seed, store))
                        hypolab_time += time.perf_counter() - start
            print(f"repeat {repeat}: plain {plain_time:.2f} s, hypolab {hypolab_time:.2f} s, ratio {hypolab_time / plain_time:.3f}")
            plain_total += plain_time
            hypolab_total += hypolab_time
        print(f"{args.seeds} seeds x {args.epochs} epochs, MLP [64] on digits (train {dataset.sizes['train']}), CPU, "
              f"backend {keras.backend.backend()}, {args.repeats} repeats")  # fmt: skip
        print(f"mean test accuracy: plain {sum(plain_acc) / len(plain_acc):.4f}, hypolab {sum(hypo_acc) / len(hypo_acc):.4f}")
        print(f"plain Keras loop: {plain_total:.2f} s   hypolab (pack 1): {hypolab_total:.2f} s")
        print(f"ratio hypolab/plain: {hypolab_total / plain_total:.3f} (target <= 1.05)")


def _rss_mib() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB, from /proc."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def memory(args) -> None:
    prepare_device("cpu")
    with tempfile.TemporaryDirectory() as tmp:
        h = one_arm(2, 1, Path(tmp))
        dataset = datasets.load(replace(h.data, subset=300))
        config = h.control.config
        rss = []
        for seed in range(args.runs):
            spec_ = RunSpec(key=f"m{seed}", hypothesis="bench", arm="a", seed=seed, config=config, data=h.data)
            runner.train_one(spec_, dataset, device="cpu")
            rss.append(_rss_mib()[0])
        peak = _rss_mib()[1]
        warm = min(10, args.runs - 1)
        print(f"hypolab train_one x {args.runs}: RSS after run {warm + 1}: {rss[warm]:.0f} MiB, "
              f"after run {args.runs}: {rss[-1]:.0f} MiB, growth {rss[-1] - rss[warm]:+.0f} MiB "
              f"({(rss[-1] - rss[warm]) / max(args.runs - warm - 1, 1) * 1024:+.0f} KiB/run), peak {peak:.0f} MiB")  # fmt: skip
        # The default path packs an arm's seeds into one model: one fit per pack,
        # so whatever a fit leaves behind in TensorFlow is paid once per pack.
        from hypolab import packing

        packed, pack = [], 10
        for first in range(0, args.runs, pack):
            specs = [
                RunSpec(key=f"p{seed}", hypothesis="bench", arm="a", seed=seed, config=config, data=h.data)
                for seed in range(first, min(first + pack, args.runs))
            ]
            packing.train_pack(specs, dataset, device="cpu")
            packed.append(_rss_mib()[0])
        print(f"hypolab packed ({pack} seeds a pack) x {args.runs} runs: RSS after pack 1: {packed[0]:.0f} MiB, "
              f"after run {args.runs}: {packed[-1]:.0f} MiB, growth {packed[-1] - packed[0]:+.0f} MiB "
              f"({(packed[-1] - packed[0]) / max(args.runs - pack, 1) * 1024:+.0f} KiB/run)")  # fmt: skip
        for clear in (True, False):
            plain = []
            for _ in range(args.runs):
                plain_loop(dataset, 1, 1, clear=clear)
                plain.append(_rss_mib()[0])
            label = "with" if clear else "without"
            print(f"plain loop {label} clear_session x {args.runs}: RSS after run {warm + 1}: {plain[warm]:.0f} MiB, "
                  f"after run {args.runs}: {plain[-1]:.0f} MiB, growth {plain[-1] - plain[warm]:+.0f} MiB "
                  f"({(plain[-1] - plain[warm]) / max(args.runs - warm - 1, 1) * 1024:+.0f} KiB/run)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--memory", action="store_true", help="measure RSS over --runs runs instead of speed")
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    memory(args) if args.memory else speed(args)


if __name__ == "__main__":
    main()
