"""How fast the light commands start, against importing Keras, and how fast files load.

Figures, each the median of 5 fresh interpreters (or 20 in-process loads),
with ratios to baselines measured in the same run on the same machine:

- ``hypolab validate`` of every example file, in a fresh interpreter, against
  a fresh interpreter that only runs ``import keras`` (what the command would
  cost at least if it loaded Keras); the ratio should stay well under 1;
- ``hypolab --help`` in a fresh interpreter, against ``python -c pass``;
- ``hypolab.hypothesis.load`` of ``hypotheses/batchsize.yaml`` in process, against
  a bare ``ruamel.yaml`` safe load of the same text (the cost of validation,
  positions and resolution on top of parsing).

Run: ``python benchmarks/bench_hypothesis.py``
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXAMPLES = sorted(str(p) for p in (ROOT / "hypotheses").rglob("*.yaml"))
CLI = "import sys; from hypolab.cli import main; main(sys.argv[1:])"


def _fresh(code: str, *args: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _in_process(function, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from ruamel.yaml import YAML

    from hypolab.hypothesis import load

    validate = _fresh(CLI, "validate", *EXAMPLES)
    keras = _fresh("import keras")
    print(f"validate {len(EXAMPLES)} files, fresh process: {validate:.3f} s; "
          f"import keras alone: {keras:.3f} s; ratio {validate / keras:.2f}")
    help_time = _fresh(CLI, "--help")
    bare = _fresh("pass")
    print(f"hypolab --help, fresh process: {help_time:.3f} s; python -c pass: {bare:.3f} s; "
          f"ratio {help_time / bare:.1f}")
    path = ROOT / "hypotheses" / "batchsize.yaml"
    text = path.read_text()
    loaded = _in_process(lambda: load(path))
    parsed = _in_process(lambda: YAML(typ="safe", pure=True).load(text))
    print(f"spec.load batchsize.yaml: {loaded * 1000:.2f} ms; bare safe YAML load: {parsed * 1000:.2f} ms; "
          f"ratio {loaded / parsed:.1f}")


if __name__ == "__main__":
    main()
