"""Notebooks: records display as tables (``_repr_html_``) and become pandas data frames."""

from __future__ import annotations

import builtins
import sys

import pytest
from report_cases import analysis_of, make_hypothesis, make_results

import hypolab
from hypolab.pipeline import TestOutcome
from hypolab.store import RunStore


@pytest.fixture(scope="module")
def case():
    h = make_hypothesis(treatments=[("batch 16", 16), ("batch 4", 4)])
    results = make_results(h)
    return h, results, analysis_of(h, results)


def test_analysis_shows_its_verdict_and_comparisons_as_html(case):
    _, _, analysis = case
    page = analysis._repr_html_()
    assert f"Verdict: {analysis.verdict.value}" in page
    assert page.count("<tr>") == 1 + len(analysis.comparisons)
    assert "difference in test_accuracy" in page and "batch 16" in page


def test_test_outcome_shows_runs_analysis_and_report_link(case, tmp_path):
    h, results, analysis = case
    outcome = TestOutcome(hypothesis=h, results=results, trained=3, analysis=analysis,
                          report_path=tmp_path / "index.html")  # fmt: skip
    page = outcome._repr_html_()
    assert "30 runs (3 trained now)" in page and "Verdict:" in page
    assert (tmp_path / "index.html").resolve().as_uri() in page
    missing = TestOutcome(hypothesis=h, results=[], trained=0, analysis_error="too few <runs>")
    assert "No analysis: too few &lt;runs&gt;" in missing._repr_html_()


def test_analysis_to_frame_has_one_row_per_comparison(case):
    _, _, analysis = case
    frame = analysis.to_frame()
    assert list(frame.treatment) == ["batch 16", "batch 4"]
    assert frame.loc[0, "difference"] == pytest.approx(analysis.comparisons[0].difference)
    assert set(frame.verdict) <= {"supported", "contradicted", "equivalent", "inconclusive"}


def test_runs_frame_from_a_store_an_outcome_and_records(case, tmp_path):
    h, results, analysis = case
    store_path = tmp_path / "runs.sqlite"
    with RunStore(store_path) as store:
        for result in results:
            store.put(result)
    from_store = hypolab.runs_frame(store_path, hypothesis=h.name)
    from_outcome = hypolab.runs_frame(TestOutcome(hypothesis=h, results=results, trained=0, analysis=analysis))
    assert len(from_store) == len(from_outcome) > len(results)
    accuracy = from_outcome[from_outcome.metric == "test_accuracy"]
    finished = [r for r in results if r.metrics]
    assert len(accuracy) == len(finished)
    assert accuracy.groupby("arm").value.mean()["batch 4"] == pytest.approx(
        sum(r.metrics["test_accuracy"] for r in finished if r.arm == "batch 4") / sum(r.arm == "batch 4" for r in finished))
    diverged = from_outcome[from_outcome.status == "diverged"]
    assert list(diverged.metric.isna()) == [True] * len(diverged)


def test_without_pandas_the_error_says_how_to_install_it(case, monkeypatch):
    _, _, analysis = case
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "pandas", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_pandas)
    monkeypatch.setattr("importlib.import_module", lambda name, *a: no_pandas(name))
    with pytest.raises(ImportError, match=r"pip install 'hypolab\[frames\]'"):
        analysis.to_frame()


def test_analyze_reads_hypolabs_own_long_format_runs_csv(case, tmp_path):
    """``hypolab analyze reports/NAME/runs.csv`` (one row per run and metric) gives the report's numbers."""
    import json

    from click.testing import CliRunner

    from hypolab.cli import main
    from hypolab.report import write_report

    h, results, analysis = case
    page = write_report(h, results, analysis, tmp_path / h.name, index=False)
    runs_csv = page.parent / "runs.csv"
    assert runs_csv.read_text().splitlines()[0].endswith(",metric,value")
    out = tmp_path / "analysis.json"
    done = CliRunner().invoke(main, ["analyze", str(runs_csv), "--metric", "test_accuracy", "--control", "batch 128",
                                     "--direction", "greater", "--margin", "0.01", "--json", str(out)])  # fmt: skip
    assert done.exit_code == 0, done.output
    again = json.loads(out.read_text())
    assert [c["difference"] for c in again["comparisons"]] == pytest.approx([c.difference for c in analysis.comparisons])
