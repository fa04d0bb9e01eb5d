"""The report says where a hypothesis' baseline came from: tuner, score, confirmed or not, the tune report."""

from __future__ import annotations

from dataclasses import replace

from report_cases import analysis_of, make_hypothesis, make_results

from hypolab.records import BaselineRef
from hypolab.report import write_report

BASELINE = """\
source: searches/digits_mlp.yaml
tuner: hyperband
objective: {name: val_accuracy, direction: max}
score: 0.97916
chosen_by: %s
confirmed: %s
base: {epochs: 5}
"""
CONFIRMED = "{trial_id: '0007', metric: val_accuracy, mean: 0.97431, std: 0.00412, runs: 5, failed: 0, seeds: [100, 101, 102, 103, 104]}"


def _page(tmp_path, confirmed: str, tune_report: bool) -> str:
    (tmp_path / "baselines").mkdir(exist_ok=True)
    path = tmp_path / "baselines" / "digits_mlp.yaml"
    path.write_text(BASELINE % ("confirm" if confirmed != "null" else "tuner", confirmed))
    h = replace(make_hypothesis(), baseline=BaselineRef(path=str(path), sha256="ab" * 32))
    reports = tmp_path / "reports"
    if tune_report:
        (reports / "tune-digits_mlp").mkdir(parents=True)
        (reports / "tune-digits_mlp" / "index.html").write_text("<p>tune</p>")
    results = make_results(h)
    return write_report(h, results, analysis_of(h, results), reports / h.name, index=False).read_text(encoding="utf-8")


def test_a_confirmed_baseline_names_tuner_score_seeds_and_links_its_tune_report(tmp_path):
    html = _page(tmp_path, CONFIRMED, tune_report=True)
    assert "tuned by Keras Tuner (hyperband); val_accuracy 0.9792 in the search; confirmed on 5 fresh seeds: " \
           "val_accuracy 0.9743 (sd 0.0041)" in html
    assert 'href="../tune-digits_mlp/index.html"' in html


def test_an_unconfirmed_baseline_says_so_and_links_nothing_missing(tmp_path):
    html = _page(tmp_path, "null", tune_report=False)
    assert "not confirmed on fresh seeds (hypolab tune --confirm N would)" in html
    assert "tune-digits_mlp/index.html" not in html
