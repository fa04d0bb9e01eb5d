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


def test_the_last_frame_counts_every_run_when_fractions_of_epochs_add_up():
    """6 seeds x 5 epochs in 18 runs once read 17/18 at the end (float drift); counts are exact now."""
    out = Terminal()
    progress = RichProgress(out)
    progress.start("batchsize", total=18, stored=0)
    for seed in range(18):
        progress.runs_started([spec(seed)])
        for epoch in range(1, 6):
            progress.epoch_done([spec(seed)], epoch, 5, {"loss": 1.0})
        progress.run_done(result(seed))
    task = progress._bar.tasks[0]
    assert task.completed == 18 and task.finished
    progress.close()
    assert "18/18" in out.getvalue()


def _frame(width: int, seeds: int) -> str:
    from rich.console import Console

    progress = RichProgress(Terminal(), width=width)
    progress.start("batchsize_with_a_long_name_indeed", total=2 * seeds, stored=0)
    packed = [spec(seed, arm="batch 128 with a long arm name") for seed in range(seeds)]
    progress.runs_started(packed)
    progress.epoch_done(packed, 3, 5, {"loss": 1.0})
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    console.print(progress._bar.get_renderable())
    progress.close()
    return console.file.getvalue()


def test_the_bar_keeps_counts_elapsed_and_eta_readable_at_80_and_120_columns_with_30_seeds():
    import re

    for width in (80, 120):
        lines = [line for line in _frame(width, 30).splitlines() if line.strip()]
        assert len(lines) == 1, lines  # one line: nothing wrapped
        line = lines[0]
        assert len(line) <= width
        assert "18/60" in line  # 30 runs at 3/5 epochs of 60
        # Elapsed and ETA in full (h:mm:ss), never squeezed to "0:00..."
        assert re.search(r"\d+:\d\d:\d\d ETA (\d+:\d\d:\d\d|-:--:--)", line), line
        assert "…" in line or width == 120
    assert "seeds 0-29" in _frame(120, 30)


def test_plain_lines_name_the_hypothesis_metric():
    out = io.StringIO()
    progress = PlainProgress(out, metric="test_accuracy")
    progress.start("batchsize", total=1, stored=0)
    progress.run_done(replace(result(0), metrics={"val_accuracy": 0.5, "test_accuracy": 0.91234}))
    assert out.getvalue().splitlines()[-1] == "[1/1] batch 4, seed 0: finished, test_accuracy 0.9123 (2.0 s)"
