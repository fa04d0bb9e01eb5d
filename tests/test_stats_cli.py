"""``hypolab analyze RUNS.csv``: the table, the sentences, the JSON and clear errors."""

from __future__ import annotations

import json

import pytest

from hypolab.cli.analyze_command import analyze

CONTROL = [0.9655, 0.9671, 0.9640, 0.9689, 0.9662, 0.9648, 0.9677, 0.9659, 0.9683, 0.9666]
BETTER = [0.9712, 0.9688, 0.9745, 0.9701, 0.9733, 0.9694, 0.9720, 0.9751, 0.9679, 0.9726]


def write_runs(path, rows, header="arm,seed,test_accuracy"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def runs(tmp_path):
    rows = [f"batch 128,{i},{v}" for i, v in enumerate(CONTROL)]
    rows += [f"batch 4,{i},{v}" for i, v in enumerate(BETTER)]
    return write_runs(tmp_path / "runs.csv", rows)


def test_prints_the_table_and_the_verdict_sentence(runner, runs):
    result = runner.invoke(analyze, [str(runs), "--metric", "test_accuracy", "--control",
                                     "batch 128", "--direction", "greater"])
    assert result.exit_code == 0, result.output
    assert "batch 4    welch  0.00499" in result.output
    assert "supported" in result.output
    # The bound the one-sided verdict rests on: R t.test(a_t, a_c, alternative = "greater")$conf.int[1] = 0.003394
    assert ("batch 4 is higher than batch 128 by 0.0050 test accuracy (by at least 0.0034 "
            "with 95% confidence; Welch t(15.2) = 5.47") in result.output


def test_json_has_the_fields_of_issue_4(runner, runs, tmp_path):
    out = tmp_path / "out" / "analysis.json"
    result = runner.invoke(analyze, [str(runs), "--metric", "test_accuracy", "--control",
                                     "batch 128", "--margin", "0.002", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["direction"] == "two-sided" and data["margin"] == 0.002
    comparison = data["comparisons"][0]
    assert comparison["treatment"] == "batch 4" and comparison["df"] == pytest.approx(
        15.217916526450388, rel=1e-9)  # R: t.test(a_t, a_c)$parameter
    assert comparison["power_at_margin"] > 0 and comparison["seeds_needed"] >= 2


def test_three_ordered_arms_print_the_omnibus_and_trend_lines(runner, tmp_path):
    same = [0.9661, 0.9668, 0.9652, 0.9680, 0.9671, 0.9650, 0.9690, 0.9645, 0.9675, 0.9663]
    rows = [f"c,{i},{v}" for i, v in enumerate(CONTROL)] + [f"mid,{i},{v}" for i, v in enumerate(same)]
    rows += [f"high,{i},{v}" for i, v in enumerate(BETTER)]
    path = write_runs(tmp_path / "runs.csv", rows)
    result = runner.invoke(analyze, [str(path), "--metric", "test_accuracy", "--control", "c",
                                     "--direction", "greater", "--ordered", "--margin", "0.002"])
    assert result.exit_code == 0, result.output
    # The words as hypolab has always printed them; the labels come from hypolab.stats.labels.
    assert ("omnibus: Welch ANOVA F = 16.9, p = <0.001; Kruskal-Wallis H = 17.11, p = <0.001"
            in result.output)
    assert "trend (greater): slope 0.002495 per step, t(15.2) = 5.475, p = <0.001" in result.output


def test_status_column_marks_failed_runs(runner, tmp_path):
    rows = [f"c,{i},{v},finished" for i, v in enumerate(CONTROL)]
    rows += [f"t,{i},{v},finished" for i, v in enumerate(BETTER[:8])]
    rows += ["t,8,,diverged", "t,9,nan,failed"]
    path = write_runs(tmp_path / "runs.csv", rows, header="arm,seed,test_accuracy,status")
    result = runner.invoke(analyze, [str(path), "--metric", "test_accuracy", "--control", "c",
                                     "--direction", "greater"])
    assert result.exit_code == 0, result.output
    assert "2 of 10 runs of t failed or diverged and were dropped." in result.output


ERRORS = [
    (["arm,seed,acc", "c,0,0.9", "c,1,0.91", "t,0,0.9", "t,1,0.92"], "acc",
     ["--metric", "test_accuracy"],
     ("no metric column 'test_accuracy'. Got columns: arm, seed, acc. Expected 'arm', "
     "'seed' and the --metric column.")),
    (["run,seed,acc"], "acc", [], "no column 'arm'. Got columns: run, seed, acc."),
    (["arm,seed,acc", "c,0,0.9", "c,1,0.91", "t,0,0.9", "t,1,high"], "acc", [],
     "runs.csv:5: 'acc' of arm 't' seed 1 must be a finite number. Got 'high'."),
    (["arm,seed,acc", "c,0,0.9", "c,x,0.91"], "acc", [],
     "runs.csv:3: 'seed' must be an integer. Got 'x'."),
    (["arm,seed,acc", "c,0,0.9", "c,0,0.91"], "acc", [],
     "runs.csv:3: arm 'c' seed 0 appears twice (first on line 2)."),
    (["arm,seed,acc", "c,0,0.9", "c,1,0.91", "t,0,0.9"], "acc", [],
     "arm 't' has 1 run(s). Expected at least 2 seeds per arm"),
    (["arm,seed,acc", "a,0,0.9", "a,1,0.91", "t,0,0.9", "t,1,0.93"], "acc", [],
     "--control 'c' is not an arm of the file. Got arms: a, t."),
]


def test_an_arm_whose_runs_all_failed_is_inconclusive(runner, tmp_path):
    rows = [f"c,{i},{v},finished" for i, v in enumerate(CONTROL[:4])]
    rows += [f"t,{i},,failed" for i in range(4)]
    path = write_runs(tmp_path / "runs.csv", rows, header="arm,seed,test_accuracy,status")
    result = runner.invoke(analyze, [str(path), "--metric", "test_accuracy", "--control", "c"])
    assert result.exit_code == 0, result.output
    assert ("t cannot be compared with c on test accuracy: too few values to compare: "
            "t has 0 (4 failed).") in result.output


@pytest.mark.parametrize(("lines", "metric", "extra", "message"), ERRORS,
                         ids=["missing-metric", "missing-arm", "non-numeric", "bad-seed",
                              "duplicate", "too-few", "unknown-control"])
def test_bad_files_give_a_clear_error(runner, tmp_path, lines, metric, extra, message):
    path = tmp_path / "runs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = [str(path), "--metric", metric, "--control", "c", *extra]
    result = runner.invoke(analyze, args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_settings_give_a_clear_error(runner, runs):
    result = runner.invoke(analyze, [str(runs), "--metric", "test_accuracy", "--control",
                                     "batch 128", "--direction", "equivalent"])
    assert result.exit_code == 1
    assert "Error: direction 'equivalent' needs a margin" in result.output
    result = runner.invoke(analyze, [str(runs), "--metric", "test_accuracy", "--control",
                                     "batch 128", "--alpha", "5"])
    assert "Error: alpha must be a number in (0, 1). Got 5.0." in result.output


def test_failed_as_worst_on_an_unknown_column_needs_its_direction(runner, tmp_path):
    rows = [f"c,{i},{v},finished" for i, v in enumerate(CONTROL[:4])]
    rows += [f"t,{i},{v},finished" for i, v in enumerate(BETTER[:3])] + ["t,3,,failed"]
    path = write_runs(tmp_path / "runs.csv", rows, header="arm,seed,score,status")
    args = [str(path), "--metric", "score", "--control", "c", "--failed-as-worst"]
    result = runner.invoke(analyze, args)
    assert result.exit_code == 1
    assert "'score' is not a known metric. Pass higher_is_better" in result.output
    assert "--higher-is-better or --lower-is-better" in result.output
    result = runner.invoke(analyze, [*args, "--lower-is-better"])
    assert result.exit_code == 0, result.output
    assert "counted as the worst value" in result.output


# Found by the bad-input sweep: each of these printed a traceback or was silently accepted.
SWEEP_ERRORS = [
    (b"arm,seed,acc\nc,0,0.9\xff\nc,1,0.91\nt,0,0.9\nt,1,0.92\n",
     "runs.csv: byte 20 is not UTF-8 (b'\\xff'). Expected a UTF-8 CSV; re-save the file as UTF-8."),
    (b"arm,seed,acc\nc,0,0.9\nc,1,0.91\nt,0,1e308\nt,1,0.92\n",
     ("runs.csv:4: 'acc' of arm 't' seed 0 is 1e308. Expected a number of magnitude at most "
      "1e+50 (larger values overflow the statistics); rescale the column.")),
    (b"arm;seed;acc\nc;0;0.9\nc;1;0.91\nt;0;0.9\nt;1;0.92\n",
     ("runs.csv: no column 'arm'. Got columns: arm;seed;acc (separated by ';'?). Expected "
      "'arm', 'seed' and the --metric column.")),
    (b"arm,seed,acc\nc,0,0,9\nc,1,0.91\nt,0,0.9\nt,1,0.92\n",
     ("runs.csv:2: 4 cells, but the header has 3 columns. Expected one cell per column "
      "(quote cells that contain commas).")),
]


@pytest.mark.parametrize(("content", "message"), SWEEP_ERRORS,
                         ids=["not-utf8", "overflowing-value", "semicolons", "extra-cell"])
def test_unreadable_files_give_a_clear_error(runner, tmp_path, content, message):
    path = tmp_path / "runs.csv"
    path.write_bytes(content)
    result = runner.invoke(analyze, [str(path), "--metric", "acc", "--control", "c"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_json_under_a_file_is_a_clear_error(runner, runs, tmp_path):
    (tmp_path / "blocker").write_text("x")
    out = tmp_path / "blocker" / "analysis.json"
    result = runner.invoke(analyze, [str(runs), "--metric", "test_accuracy", "--control",
                                     "batch 128", "--json", str(out)])
    assert result.exit_code == 1
    assert f"Error: Cannot write {out}: {out.parent} is a file, not a folder." in result.output


def test_a_margin_far_below_the_sd_leaves_seeds_needed_empty(runner, runs, tmp_path):
    # seeds_needed raises past 10 million seeds; the analysis must still finish.
    out = tmp_path / "analysis.json"
    result = runner.invoke(analyze, [str(runs), "--metric", "test_accuracy", "--control",
                                     "batch 128", "--direction", "equivalent", "--margin",
                                     "1e-9", "--json", str(out)])
    assert result.exit_code == 0, result.output
    comparison = json.loads(out.read_text(encoding="utf-8"))["comparisons"][0]
    assert comparison["seeds_needed"] is None and comparison["power_at_margin"] < 0.8
