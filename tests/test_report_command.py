"""``hypolab report FILE...``: re-rendering from a run store without training."""

from __future__ import annotations

import json

import pytest
from report_cases import HYPOTHESIS_YAML, stored_results

from hypolab import plan
from hypolab.hypothesis import load as load_hypothesis
from hypolab.cli.report_command import report
from hypolab.records import RunStatus
from hypolab.store import RunStore


def _hypothesis_file(tmp_path, name="batchsize", claim="Batch 4 beats batch 128 <script>x</script>", seeds=4):
    path = tmp_path / f"{name}.yaml"
    path.write_text(HYPOTHESIS_YAML.format(claim=claim, seeds=seeds), encoding="utf-8")
    return path


def _fill_store(store_path, hypothesis_path, *, drop=(), **kwargs):
    h = load_hypothesis(hypothesis_path)
    specs = plan.plan(h)
    with RunStore(store_path) as store:
        for result in stored_results(h, specs, **kwargs):
            if (result.arm, result.seed) not in drop:
                store.put(result)
    return h


def test_report_renders_stored_runs_with_the_real_analysis(tmp_path, runner):
    path = _hypothesis_file(tmp_path, seeds=8)
    store = tmp_path / "runs.sqlite"
    _fill_store(store, path, failures={("batch 4", 1): RunStatus.DIVERGED})
    out = tmp_path / "reports"
    result = runner.invoke(report, [str(path), "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "batchsize: 16 stored runs" in result.output
    assert "Verdict (batch 4 vs batch 128): supported. batch 4 is higher than batch 128" in result.output
    assert f"Report: {out / 'batchsize' / 'index.html'}" in result.output
    assert f"Index: {out / 'index.html'}" in result.output
    html = (out / "batchsize" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script" not in html
    assert "auto: independent runs" in html  # test_reason from hypolab.stats
    assert "loss became NaN at epoch 3" in html
    assert f"hypolab test {path} --store {store}" in html
    assert 'href="batchsize/index.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_report_names_the_missing_runs(tmp_path, runner):
    path = _hypothesis_file(tmp_path)
    store = tmp_path / "runs.sqlite"
    _fill_store(store, path, drop={("batch 4", 2), ("batch 128", 3)})
    result = runner.invoke(report, [str(path), "--store", str(store), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert (
        f"Error: {path}: 2 of 8 planned runs are not in the store {store} (batch 4 seed 2, "
        f"batch 128 seed 3). Expected every run of every arm; run 'hypolab test {path}' to train them"
    ) in result.output
    assert "Error: 1 of 1 reports could not be rendered (see above)." in result.output
    assert not (tmp_path / "r" / "batchsize").exists()


def test_report_without_a_store_says_where_it_looked(tmp_path, runner):
    path = _hypothesis_file(tmp_path)
    result = runner.invoke(report, [str(path), "--store", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 1
    assert f"Error: No run store at {tmp_path / 'none.sqlite'}. Expected the SQLite file" in result.output
    assert not (tmp_path / "none.sqlite").exists()  # looking does not create one


def test_one_bad_file_does_not_stop_the_others(tmp_path, runner):
    good = _hypothesis_file(tmp_path)
    store = tmp_path / "runs.sqlite"
    _fill_store(store, good)
    bad = tmp_path / "bad.yaml"
    bad.write_text("claim: x\nmetric: 12\n", encoding="utf-8")
    out = tmp_path / "reports"
    result = runner.invoke(report, [str(bad), str(good), "--store", str(store), "--out", str(out)])
    assert result.exit_code == 1
    assert f"Error: {bad}" in result.output
    assert (out / "batchsize" / "index.html").exists()
    assert "Error: 1 of 2 reports could not be rendered" in result.output


def test_report_requires_a_file(runner):
    result = runner.invoke(report, [])
    assert result.exit_code == 2
    assert "Missing argument 'FILES...'" in result.output


@pytest.mark.slow
def test_report_re_renders_what_hypolab_test_trained(tmp_path, runner):
    """End to end with real training: a tiny digits MLP, 2 seeds x 2 arms, 1 epoch."""
    from hypolab import pipeline

    path = tmp_path / "tiny.yaml"
    path.write_text(
        HYPOTHESIS_YAML.format(claim="Batch 4 beats batch 128", seeds=2)
        .replace("  name: digits\n", "  name: digits\n  subset: 200\n")
        .replace("epochs: 3", "epochs: 1"),
        encoding="utf-8",
    )
    store, out = tmp_path / "runs.sqlite", tmp_path / "reports"
    outcome = pipeline.test(path, store=store, device="cpu", reports_root=out, command="hypolab test tiny.yaml")
    assert outcome.report_path == out / "tiny" / "index.html"
    first = json.loads((out / "tiny" / "results.json").read_text())
    (out / "tiny" / "index.html").unlink()
    result = runner.invoke(report, [str(path), "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "tiny" / "index.html").exists()
    again = json.loads((out / "tiny" / "results.json").read_text())
    assert again["comparisons"] == first["comparisons"]  # same stored runs, same analysis
