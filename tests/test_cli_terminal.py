"""What a user sees in a terminal, checked on real ``hypolab`` processes (issue 16).

Each test starts ``python -m hypolab`` as a subprocess, as a user would, so
file descriptor 2 is the real one TensorFlow's C++ start-up lines go to.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

TINY = textwrap.dedent(
    """\
    claim: A batch size of 16 gives higher test accuracy than a batch size of 64.
    metric: test_accuracy
    direction: greater
    margin: 0.01
    seeds: {seeds}
    data: {{name: digits, subset: 300}}
    base:
      model: {{kind: mlp, units: [16]}}
      optimizer: {{name: adam, learning_rate: 0.01}}
      epochs: {epochs}
      batch_size: 32
    control: {{name: b64, set: {{batch_size: 64}}}}
    treatments:
      - {{name: b16, set: {{batch_size: 16}}}}
    """
)

SEARCH = textwrap.dedent(
    """\
    description: A tiny search for the terminal test.
    data: {name: digits, subset: 300}
    base:
      model: {kind: mlp, units: [16], activation: relu}
      optimizer: {name: adam}
      batch_size: 32
    space:
      optimizer.learning_rate: {type: choice, values: [0.01, 0.001]}
    tuner: {kind: random, objective: val_accuracy, max_epochs: 1, max_trials: 1, seed: 0}
    """
)

# A line of TensorFlow's, absl's or CUDA's: absl's "I0000 00:00:..." prefix, its preamble, or the words.
BACKEND_NOISE = re.compile(r"^[IWEF]\d{4} |absl|cuda|tensorflow|oneDNN|cpu_feature_guard", re.IGNORECASE | re.MULTILINE)


def hypolab(*args: str, cwd: Path, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hypolab", *args], cwd=cwd, env=_env(env), capture_output=True,
                          text=True, timeout=timeout, check=False)  # fmt: skip


def _env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "HYPOLAB_VERBOSE")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["CUDA_VISIBLE_DEVICES"] = env.get("CUDA_VISIBLE_DEVICES", "")
    return {**env, **(extra or {})}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("terminal")
    (folder / "hypotheses").mkdir()
    (folder / "hypotheses" / "tiny.yaml").write_text(TINY.format(seeds=2, epochs=1))
    (folder / "hypotheses" / "long.yaml").write_text(TINY.format(seeds=10, epochs=2))
    (folder / "searches").mkdir()
    (folder / "searches" / "tiny.yaml").write_text(SEARCH)
    return folder


@pytest.fixture(scope="module")
def first_test(project) -> subprocess.CompletedProcess:
    return hypolab("test", "hypotheses/tiny.yaml", "--store", "runs.db", "--device", "cpu", cwd=project)


def test_hypolab_test_prints_no_backend_line_on_stderr(first_test, project):
    assert first_test.returncode == 0, first_test.stderr
    assert not BACKEND_NOISE.search(first_test.stderr), first_test.stderr
    assert first_test.stderr.strip() == ""
    # The plain progress lines name the hypothesis metric.
    assert re.search(r"\[1/4\] b64, seed \d: finished, test_accuracy 0\.\d{4}", first_test.stdout)
    # The report as a path and as a clickable file:// URI.
    index = project / "reports" / "tiny" / "index.html"
    assert f"Report: {Path('reports') / 'tiny' / 'index.html'}" in first_test.stdout
    assert index.resolve().as_uri() in first_test.stdout


def test_verbose_brings_the_backend_lines_back(project):
    done = hypolab("test", "hypotheses/tiny.yaml", "--store", "verbose.db", "--device", "cpu", "--verbose",
                   cwd=project)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert BACKEND_NOISE.search(done.stderr), "--verbose printed no backend line: " + done.stderr


def test_a_real_error_on_stderr_is_never_hidden(project):
    """A line written to file descriptor 2 inside the quiet window that is not known noise is replayed."""
    code = ("from hypolab import backend_log\nimport os, sys\nwith backend_log.quiet():\n"
            "    import keras\n    os.write(2, b'E0000 00:00:1.2 1 real.cc:1] something broke\\n')\n")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], cwd=project, env=_env(), capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "something broke" in done.stderr
    assert "oneDNN" not in done.stderr and "cuInit" not in done.stderr


def test_expect_turns_another_verdict_into_exit_3(first_test, project):
    assert first_test.returncode == 0
    verdict = re.search(r"^Verdict \(b16 vs b64\): (\w+)\.", first_test.stdout, re.MULTILINE).group(1)
    other = "contradicted" if verdict != "contradicted" else "supported"
    same = hypolab("test", "hypotheses/tiny.yaml", "--store", "runs.db", "--expect", verdict, cwd=project)
    assert same.returncode == 0, same.stderr
    assert "0 trained now" in same.stdout  # from the store: nothing retrained
    wrong = hypolab("test", "hypotheses/tiny.yaml", "--store", "runs.db", "--expect", other, cwd=project)
    assert wrong.returncode == 3, wrong.stderr
    assert f"--expect {other}: the verdict of tiny is {verdict}; exit 3." in wrong.stderr
    usage = hypolab("test", "hypotheses/tiny.yaml", "--expect", "maybe", cwd=project)
    assert usage.returncode == 2


def test_open_hands_the_file_uri_to_the_browser(first_test, project, tmp_path):
    seen = tmp_path / "opened.txt"
    browser = tmp_path / "fake-browser"
    browser.write_text(f"#!/bin/sh\necho \"$1\" > {seen}\n")
    browser.chmod(0o755)
    done = hypolab("test", "hypotheses/tiny.yaml", "--store", "runs.db", "--open", cwd=project,
                   env={"BROWSER": str(browser)})  # fmt: skip
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 10
    while not seen.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen.read_text().strip() == (project / "reports" / "tiny" / "index.html").resolve().as_uri()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_a_normal_run_of_many_seeds_prints_nothing_on_stderr(project):
    # Found in CI: 20 runs one seed at a time made TensorFlow warn of tf.function retracing.
    done = hypolab("test", "hypotheses/long.yaml", "--store", "quiet.db", "--device", "cpu", "--pack", "1",
                   "--reports", "quiet-reports", cwd=project)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr


def test_ctrl_c_exits_130_with_one_line_and_the_same_command_resumes(project):
    args = [sys.executable, "-m", "hypolab", "test", "hypotheses/long.yaml", "--store", "long.db", "--device", "cpu",
            "--pack", "1"]  # fmt: skip
    # A shell without job control starts background jobs with SIGINT ignored, and Python then keeps
    # it ignored: give the child the default disposition, as a terminal's Ctrl-C would find it.
    process = subprocess.Popen(args, cwd=project, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=_default_sigint)  # fmt: skip
    lines = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if line.startswith("[2/20]") or not line:
            break
    assert any(line.startswith("[2/20]") for line in lines), lines
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Aborted" not in err and "Traceback" not in err, err
    [message] = [line for line in err.splitlines() if line.strip()]
    saved = int(re.fullmatch(r"Interrupted: (\d+) of 20 runs are saved in long\.db\. Run the same command again "
                             r"to train only the rest\.", message).group(1))  # fmt: skip
    assert 2 <= saved < 20
    status = hypolab("status", "hypotheses/long.yaml", "--store", "long.db", cwd=project)
    finished = sum(int(row.split()[2]) for row in status.stdout.splitlines()[2:4])
    assert finished == saved, status.stdout


def test_hypolab_tune_prints_no_backend_line_on_stderr(project):
    done = hypolab("tune", "searches/tiny.yaml", "--device", "cpu", "--store", "tune.db", cwd=project)
    assert done.returncode == 0, done.stderr
    assert not BACKEND_NOISE.search(done.stderr), done.stderr
    assert "file://" in done.stdout


def test_smoke_trains_two_seeds_one_epoch_into_a_throwaway_store_and_renders_the_report(project):
    done = hypolab("test", "hypotheses/long.yaml", "--smoke", "--device", "cpu", cwd=project)
    assert done.returncode == 0, done.stderr
    folder = re.search(r"store and report in (\S+) \(a check", done.stdout).group(1)
    assert "Smoke run of long: 2 seeds, 1 epoch, 200 training examples" in done.stdout
    assert "long: 4 runs (4 trained now" in done.stdout
    assert (Path(folder) / "reports" / "long" / "index.html").is_file()
    assert not (project / "reports" / "runs.sqlite").exists() and not (project / "reports" / "long").exists()
    import json

    results = json.loads((Path(folder) / "reports" / "long" / "results.json").read_text())
    assert results["comparisons"][0]["seeds_per_arm"] == [2, 2] or "2 seeds per arm" in done.stdout
