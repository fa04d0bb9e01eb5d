"""Issue 12 in the report: the hypothesis' (dose series') verdict first everywhere, the dose
series section with its plot and steps, and the interval that decided each verdict."""

from __future__ import annotations

import json
import re

from report_cases import analysis_of, make_hypothesis, make_results

from hypolab.cli.run_commands import summary_lines
from hypolab.pipeline import TestOutcome
from hypolab.report import write_report
from hypolab.report.verdicts import headline_line


def _dose(tmp_path):
    h = make_hypothesis(name="dose", treatments=[("batch 16", 16), ("batch 4", 4)], ordered=True)
    results = make_results(h)
    analysis = analysis_of(h, results)
    page = write_report(h, results, analysis, tmp_path / h.name)
    return h, results, analysis, page


def test_the_series_verdict_comes_first_in_the_banner_and_has_its_section(tmp_path):
    _, _, analysis, page = _dose(tmp_path)
    html = page.read_text(encoding="utf-8")
    assert analysis.series.verdict.value == "supported"
    verdict = html[html.index('<section id="verdict"'):html.index('<section id="claim"')]
    first = re.search(r'<div class="banner[^"]*" data-verdict="(\w+)"( data-headline="([^"]+)")?', verdict)
    assert first.group(3) == "Dose series" and first.group(1) == "supported"
    assert "Dose series: supported" in verdict
    section = html[html.index('<section id="series">'):html.index('<section id="curves">')]
    assert "<h3>Each dose against the previous one</h3>" in section
    assert "batch 128 → batch 16" in section and "batch 16 → batch 4" in section
    assert 'src="data:image/svg+xml;base64,' in section  # the dose-response plot
    assert "Jonckheere-Terpstra J = " in section
    assert '<a href="#series">Dose series</a>' in html


def test_results_json_has_the_verdict_and_the_series_at_the_top_level(tmp_path):
    _, _, analysis, page = _dose(tmp_path)
    data = json.loads((page.parent / "results.json").read_text(encoding="utf-8"))
    assert data["verdict"] == analysis.verdict.value == analysis.series.verdict.value
    assert data["series"]["steps"][0]["lower"] == "batch 128"


def test_summary_and_index_lead_with_the_series_verdict(tmp_path):
    _, _, analysis, page = _dose(tmp_path)
    summary = (page.parent / "summary.md").read_text(encoding="utf-8")
    lines = summary.splitlines()
    assert lines[0] == "# dose: supported"
    head = next(i for i, line in enumerate(lines) if line.startswith("**Verdict (dose series)"))
    first_comparison = next(i for i, line in enumerate(lines) if line.startswith("- **"))
    assert head < first_comparison
    assert "| batch 128 → batch 16 |" in summary
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert re.search(r'v-supported">supported</span> <strong>Dose series</strong>: Along batch 128', index)


def test_the_terminal_prints_the_series_verdict_first(tmp_path):
    h, results, analysis, page = _dose(tmp_path)
    outcome = TestOutcome(hypothesis=h, results=results, trained=0, analysis=analysis, report_path=page)
    lines = summary_lines(outcome, "runs.sqlite")
    assert lines[1] == headline_line(analysis)
    assert lines[1].startswith("Verdict (dose series): supported. Along batch 128 → batch 16")
    assert lines[2].startswith("Verdict (batch 16 vs batch 128): ")


def test_one_treatment_has_no_second_headline(tmp_path):
    h = make_hypothesis()
    results = make_results(h)
    analysis = analysis_of(h, results)
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    assert headline_line(analysis) is None and "data-headline" not in html
    assert analysis.verdict is analysis.comparisons[0].verdict


def test_several_treatments_get_a_hypothesis_banner_first(tmp_path):
    h = make_hypothesis(name="two", treatments=[("batch 16", 16), ("batch 4", 4)])
    results = make_results(h)
    analysis = analysis_of(h, results)
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    assert 'data-headline="Hypothesis"' in html
    assert html.index('data-headline="Hypothesis"') < html.index("batch 16 vs batch 128: ")


def test_the_statistics_table_shows_the_interval_and_p_value_that_decided(tmp_path):
    h = make_hypothesis()
    results = make_results(h)
    analysis = analysis_of(h, results)
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    assert "interval that decided the verdict" in html
    assert "(94.5%: lower bound 95%, upper 99.5%)" in html
    assert re.search(r"p &lt; \.001 &lt; 0\.05 \(predicted\)", html)
