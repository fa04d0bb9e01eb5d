"""Progress: plain lines for logs, a live bar for terminals, never printing from the library."""

from __future__ import annotations

import io
from dataclasses import replace

from factories import run_result, training_config

from hypolab.progress import NullProgress, PlainProgress, RichProgress, make_progress
from hypolab.records import DataConfig, RunResult, RunSpec, RunStatus


def spec(seed: int, arm: str = "batch 4") -> RunSpec:
    return RunSpec(key=f"k{arm}{seed}", hypothesis="h", arm=arm, seed=seed, config=training_config(), data=DataConfig())


def result(seed: int, status: RunStatus = RunStatus.FINISHED, arm: str = "batch 4") -> RunResult:
    finished = status is RunStatus.FINISHED
    return run_result(key=f"k{arm}{seed}", arm=arm, seed=seed, status=status, train_seconds=2.04,
                      metrics={"val_accuracy": 0.93751} if finished else {},
                      error=None if finished else "loss became nan at epoch 1; training stopped there")  # fmt: skip


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_progress_writes_one_line_per_run():
    out = io.StringIO()
    progress = PlainProgress(out)
    progress.start("batchsize", total=4, stored=1)
    progress.runs_started([spec(1)])
    progress.epoch_done([spec(1)], 1, 2, {"loss": 1.0})
    progress.run_done(result(1))
    progress.run_done(result(2, RunStatus.DIVERGED))
    progress.waiting(1)
    progress.close()
    assert out.getvalue().splitlines() == [
        "batchsize: 4 runs planned, 1 already in the store, 3 to train",
        "[2/4] batch 4, seed 1: finished, val_accuracy 0.9375 (2.0 s)",
        "[3/4] batch 4, seed 2: diverged: loss became nan at epoch 1; training stopped there",
        "waiting for 1 run(s) that another hypolab process is training",
    ]


def test_make_progress_picks_plain_lines_off_a_terminal_and_a_bar_on_one():
    assert isinstance(make_progress(io.StringIO()), PlainProgress)
    assert isinstance(make_progress(Terminal()), RichProgress)


def test_the_live_bar_shows_arm_seeds_and_epoch_and_names_unsuccessful_runs():
    out = Terminal()
    progress = RichProgress(out)
    progress.start("batchsize", total=4, stored=0)
    progress.runs_started([spec(0), spec(1)])
    progress.epoch_done([spec(0), spec(1)], 1, 2, {"loss": 1.0})
    progress.run_done(result(0))
    progress.run_done(replace(result(1, RunStatus.DIVERGED), arm="units [8]"))
    progress.close()
    text = out.getvalue()
    assert "batch 4, seeds 0, 1: epoch 1/2" in text
    assert "units [8], seed 1: diverged: loss became nan at epoch 1; training stopped there" in text
    assert "2/4" in text


def test_null_progress_says_nothing(capsys):
    progress = NullProgress()
    progress.start("h", total=1, stored=0)
    progress.run_done(result(0))
    progress.close()
    assert capsys.readouterr() == ("", "")
