"""The Ray executor against local: the same hypothesis on 1 and 2 Ray workers.

Trains one hypothesis (the ``batchsize.yaml`` MLP on digits, 2 arms, ``--seeds``
seeds, ``--epochs`` epochs) three times, each into a fresh store: with
``--executor local``, then ``--executor ray`` with 1 and with 2 workers on
one local Ray instance of this machine's cores. With ``--pack 1`` (the
default here) every run is its own unit, the case where workers add
throughput: on a 2-core machine two workers should approach 2x. The Ray
workers are warmed first (TensorFlow's import, the data load), since a
long-lived cluster pays that once. Prints wall times and ratios, and checks
that every executor gave the same numbers.

Run: ``python benchmarks/bench_ray.py [--seeds 6] [--epochs 5] [--pack 1]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import ray  # noqa: E402

from hypolab import pipeline  # noqa: E402
from hypolab.records import RunOptions  # noqa: E402

HYPOTHESIS = """\
claim: benchmark of the executors
metric: test_accuracy
direction: greater
seeds: {seeds}
pack: {pack}
data: {{name: digits}}
base:
  model: {{kind: mlp, units: [64], activation: relu, dropout: 0.0}}
  optimizer: {{name: adam, learning_rate: 0.001}}
  epochs: {epochs}
  batch_size: 32
control: {{name: batch 128, set: {{batch_size: 128}}}}
treatments:
  - {{name: batch 16, set: {{batch_size: 16}}}}
"""


def run(folder: Path, name: str, text: str, **options) -> tuple[float, list]:
    path = folder / f"{name}.yaml"
    path.write_text(text)
    start = time.perf_counter()
    results = pipeline.run_hypothesis(path, options=RunOptions(store=folder / f"{name}.sqlite", device="cpu", **options))
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--pack", default="1")
    args = parser.parse_args()
    cpus = os.cpu_count() or 1
    text = HYPOTHESIS.format(seeds=args.seeds, epochs=args.epochs, pack=args.pack)
    print(f"ray {ray.__version__}; cpus {cpus}; load average {os.getloadavg()[0]:.1f}; "
          f"2 arms x {args.seeds} seeds, {args.epochs} epochs, pack {args.pack}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        try:
            warm = HYPOTHESIS.format(seeds=2, epochs=1, pack=1)
            run(folder, "warm-ray", warm, executor="ray", workers=2)
            local_s, local = run(folder, "local", text)
            rows = [("local", local_s, local)]
            for workers in (1, 2):
                seconds, results = run(folder, f"ray{workers}", text, executor="ray", workers=workers)
                rows.append((f"ray, {workers} worker{'s' if workers > 1 else ''}", seconds, results))
        finally:
            ray.shutdown()
    print(f"\n{'executor':>16} {'seconds':>8} {'local/this':>10}")
    for name, seconds, _ in rows:
        print(f"{name:>16} {seconds:>8.2f} {local_s / seconds:>9.2f}x")
    reference = {r.key: r.metrics["test_accuracy"] for r in local}
    same = all({r.key: r.metrics["test_accuracy"] for r in results} == reference for _, _, results in rows)
    print(f"\nsame test accuracies on every executor: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
