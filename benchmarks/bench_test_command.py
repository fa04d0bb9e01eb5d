"""How long the whole ``hypolab test hypotheses/batchsize.yaml`` takes, start to report.

Runs the real command in a fresh process with an empty store and reports
folder (TensorFlow import, data loading, 2 arms x 10 seeds of training,
analysis and report included), once with the default packing and once with
``--pack 1`` (one ``model.fit`` per seed) as the baseline in the same run.
Target: well under a minute with packing. Prints both times and the ratio.

Run: ``python benchmarks/bench_test_command.py [--device cpu]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 60.0


def run(folder: Path, extra: list[str], device: str) -> float:
    """Wall seconds of one ``hypolab test`` in ``folder`` with a fresh store."""
    shutil.rmtree(folder / "reports", ignore_errors=True)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "hypolab", "test", "hypotheses/batchsize.yaml", "--device", device, *extra]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"hypolab test failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    verdict = next((line for line in done.stdout.splitlines() if line.startswith("Verdict")), "")
    print(f"  {' '.join(extra) or '(default: packed)'}: {seconds:.1f} s  {verdict[:110]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "gpu"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(ROOT / "hypotheses", folder / "hypotheses")
        print(f"hypolab test hypotheses/batchsize.yaml (2 arms x 10 seeds, fresh store), device {args.device}, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")  # fmt: skip
        packed = run(folder, [], args.device)
        plain = run(folder, ["--pack", "1"], args.device)
    print(f"packed {packed:.1f} s = {packed / TARGET_S:.2f} x the {TARGET_S:.0f} s target; "
          f"one seed at a time {plain:.1f} s; ratio plain/packed {plain / packed:.1f}x")


if __name__ == "__main__":
    main()
