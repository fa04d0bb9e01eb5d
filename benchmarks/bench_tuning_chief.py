"""How soon a distributed search's chief returns after its last worker finishes.

Keras Tuner's own chief (``oracle_chief.start_server``) checks every 20 s
whether the workers are done once one of them has been told to stop;
``hypolab.tuning.search.serve_chief`` (through ``keras_tuner_adapter.serve_chief``) checks every 0.5 s. Both serve the same
oracle to the same two workers, in this run, one after the other: a fast
worker (0.1 s per trial) and a slow one (1.5 s per trial), so the fast one is
told to stop while the slow one still trains, which is when the wait matters.
The trials are a number, not a model (the chief's loop is what is measured).

    python benchmarks/bench_tuning_chief.py

Prints, per chief, the seconds between the moment the last worker is told the
search is over and the chief's return, and the ratios Keras Tuner / hypolab.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time

WORKER = r"""
import os, sys, time
sys.path.insert(0, {root!r})
import keras_tuner
from keras_tuner.src.engine import base_tuner

class Echo(base_tuner.BaseTuner):
    def run_trial(self, trial):
        time.sleep({pause})
        return {{"score": trial.hyperparameters["x"]}}

oracle = keras_tuner.oracles.RandomSearchOracle(objective=keras_tuner.Objective("score", "max"), max_trials=8, seed=1)
tuner = Echo(oracle, hypermodel=lambda hp: hp.Float("x", 0.0, 1.0), directory={folder!r}, project_name="bench")
tuner.search()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(chief: str) -> tuple[float, float]:
    """Serve 8 trials to two workers; return (search seconds, chief's wait after the last worker)."""
    import keras_tuner
    from keras_tuner.src.distribute import oracle_chief
    from keras_tuner.src.engine import base_tuner

    from hypolab.tuning.search import serve_chief

    folder = tempfile.mkdtemp(prefix=f"bench-chief-{chief}-")
    port = str(_free_port())
    env = {**os.environ, "KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": port, "TF_CPP_MIN_LOG_LEVEL": "3"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER.format(root=root, pause=pause, folder=folder)],
                         env={**env, "KERASTUNER_TUNER_ID": f"tuner{i}"},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i, pause in enumerate((0.1, 1.5))
    ]
    os.environ.update({k: env[k] for k in ("KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT")})
    os.environ["KERASTUNER_TUNER_ID"] = "chief"

    class Echo(base_tuner.BaseTuner):
        def run_trial(self, trial):  # the chief never runs trials
            raise AssertionError

    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("score", "max"), max_trials=8, seed=1
    )
    tuner = Echo(oracle, hypermodel=lambda hp: hp.Float("x", 0.0, 1.0), directory=folder, project_name="bench")
    tuner.oracle.verbose = 0
    # The moment the last worker is told to stop: from then on the chief only waits.
    released = [0.0]
    create_trial = tuner.oracle.create_trial

    def timed_create_trial(tuner_id):
        trial = create_trial(tuner_id)
        if trial.status == keras_tuner.engine.trial.TrialStatus.STOPPED:
            released[0] = time.perf_counter()
        return trial

    tuner.oracle.create_trial = timed_create_trial
    start = time.perf_counter()
    if chief == "keras_tuner":
        tuner.save()
        oracle_chief.start_server(tuner.oracle)
    else:
        serve_chief(tuner)
    done = time.perf_counter()
    for w in workers:
        w.wait()
    return done - start, done - released[0]


def main() -> None:
    results = {name: run(name) for name in ("keras_tuner", "hypolab")}
    for name, (total, wait) in results.items():
        print(f"{name:12s} search {total:6.1f} s; chief returned {wait:5.2f} s after the last worker was released")
    kt_total, kt_wait = results["keras_tuner"]
    hl_total, hl_wait = results["hypolab"]
    print(f"chief's wait, keras_tuner / hypolab: {kt_wait / max(hl_wait, 0.01):.1f}x; "
          f"whole search: {kt_total / hl_total:.2f}x")


if __name__ == "__main__":
    main()
