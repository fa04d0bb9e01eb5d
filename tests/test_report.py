"""The report set written from recorded runs (no training): files, content, escaping, errors."""

from __future__ import annotations

import csv
import dataclasses
import json
import re

import pytest
from markupsafe import escape
from report_cases import analysis_of, make_hypothesis, make_results

from hypolab.errors import ReportError
from hypolab.pipeline import analyze_hypothesis
from hypolab.records import Direction, Pairing, RunStatus, TestName
from hypolab.report import write_index, write_report
from hypolab.report.numbers import fmt
from hypolab.report.page import seeds_text

SCRIPT_CLAIM = "Batch 4 wins <script>alert(1)</script> & <b>bold</b> \"quoted\" 'single'"


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """One treatment, 10 seeds, every run finished, rendered once for several tests."""
    h = make_hypothesis()
    results = make_results(h)
    analysis = analysis_of(h, results)
    out = tmp_path_factory.mktemp("reports") / h.name
    page = write_report(h, results, analysis, out, command="hypolab test hypotheses/batchsize.yaml")
    return h, results, analysis, page


@pytest.fixture(scope="module")
def several(tmp_path_factory):
    """Three treatments, one diverged and one failed run, HTML in the claim and an arm name."""
    h = make_hypothesis(
        name="several",
        claim=SCRIPT_CLAIM,
        treatments=[("batch 16", 16), ("batch 4", 4), ("<i>batch 1</i>", 1)],
    )
    failures = {("batch 4", 2): RunStatus.DIVERGED, ("batch 16", 5): RunStatus.FAILED}
    results = make_results(h, failures=failures)
    analysis = analysis_of(h, results)
    page = write_report(h, results, analysis, tmp_path_factory.mktemp("reports") / h.name)
    return h, results, analysis, page


@pytest.fixture(scope="module")
def disagreeing(tmp_path_factory):
    """4 seeds where Welch's t is significant and Mann-Whitney is not: the panel disagrees."""
    h = make_hypothesis(name="panel", seeds=4)
    values = {"batch 128": [0.9080, 0.9010, 0.9100, 0.9050], "batch 4": [0.9150, 0.9125, 0.9225, 0.9075]}
    results = make_results(h, values=values)
    analysis = analysis_of(h, results)
    page = write_report(h, results, analysis, tmp_path_factory.mktemp("reports") / h.name)
    return h, results, analysis, page


def test_write_report_writes_the_four_files(single):
    *_, page = single
    assert page.name == "index.html"
    assert sorted(p.name for p in page.parent.iterdir()) == [
        "index.html", "results.json", "runs.csv", "summary.md"
    ]  # fmt: skip


def test_page_shows_claim_verdict_and_the_sections_in_order(single):
    h, _, analysis, page = single
    html = page.read_text(encoding="utf-8")
    assert str(escape(analysis.comparisons[0].sentence)) in html
    assert str(escape(analysis.comparisons[0].apa)) in html
    assert h.claim in html
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == ["The claim, as pre-registered", "Design", "Results", "Learning curves",
                        "Statistics", "Failures", "Reproducibility"]  # fmt: skip
    assert "hypolab test hypotheses/batchsize.yaml" in html
    assert "All 20 runs finished" in html


def test_page_is_self_contained(single):
    *_, page = single
    html = page.read_text(encoding="utf-8")
    sources = re.findall(r'\bsrc="([^"]*)"', html)
    assert len(sources) == 2  # estimation plot and learning curves; no forest for one treatment
    assert all(src.startswith("data:image/svg+xml;base64,") for src in sources)
    links = re.findall(r'\bhref="([^"]*)"', html)
    assert not [link for link in links if re.match(r"[a-z]+:", link)], links
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html and "url(" not in html


def test_design_table_shows_only_the_differing_key(single):
    *_, page = single
    html = page.read_text(encoding="utf-8")
    design = html[html.index("<h2>Design</h2>"): html.index("<h3>Data</h3>")]
    headers = re.findall(r"<th>(.*?)</th>", design)
    assert headers == ["arm", "role", "set (as written)", "batch_size", "optimizer steps per run"]
    assert "Shared config (10 settings the same in every arm)" in html
    assert "1,149 training, 288 validation, 360 test" in html  # split sizes the runner recorded, in words
    assert "sizes." not in html and ">null<" not in html


def test_no_section_shows_null_or_none(single):
    # Issue 16: every section reads as prose or a formatted table; the resolved configs too.
    *_, page = single
    html = page.read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>|<style.*?</style>|data:[^\"']+", "", html, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", text)
    assert not re.search(r"\b(null|None)\b", visible), re.findall(r".{40}\b(?:null|None)\b.{40}", visible)
    configs = html[html.index("Resolved config:"):]
    assert "<th>early_stopping</th><td class=\"mono\">off</td>" in configs
    assert "<th>model.units</th>" in configs


def test_results_json_is_the_analysis_at_full_precision_with_report_metadata(single):
    h, _, analysis, page = single
    data = json.loads((page.parent / "results.json").read_text(encoding="utf-8"))
    expected = analysis.to_dict()
    for key in ("metric", "direction", "alpha", "margin", "arms", "omnibus", "trend"):
        assert data[key] == expected[key]
    assert data["comparisons"][0]["pvalue"] == analysis.comparisons[0].pvalue
    assert {k: v for k, v in data.items() if k not in ("report", "registration")} == expected  # the record's JSON, whole
    assert data["registration"]["registered"] is False  # no store registration was given
    assert data["report"]["claim"] == h.claim
    assert data["report"]["seeds"] == list(range(10))
    assert data["report"]["command"] == "hypolab test hypotheses/batchsize.yaml"


def test_runs_csv_has_one_row_per_run_and_metric(single):
    _, results, _, page = single
    with (page.parent / "runs.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(len(r.metrics) for r in results) == 20 * 8
    first = next(r for r in results if r.arm == "batch 4" and r.seed == 3)
    row = next(x for x in rows if x["arm"] == "batch 4" and x["seed"] == "3"
               and x["metric"] == "test_accuracy")  # fmt: skip
    assert float(row["value"]) == first.metrics["test_accuracy"]  # full precision round-trips
    assert row["key"] == first.key and row["status"] == "finished"


def test_summary_md_is_short_markdown_with_the_verdict(single):
    _, _, analysis, page = single
    text = (page.parent / "summary.md").read_text(encoding="utf-8")
    assert text.startswith("# batchsize: supported\n")
    assert "**supported**" in text and "| batch 4 |" in text
    assert len(text.splitlines()) < 30


def test_script_claim_is_escaped_everywhere(several):
    *_, page = several
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<i>batch 1</i>" not in html and "&lt;i&gt;batch 1&lt;/i&gt;" in html
    assert "<b>bad</b>" not in html  # a run's error message is text too
    summary = (page.parent / "summary.md").read_text(encoding="utf-8")
    assert r"Batch 4 wins \<script>alert(1)\</script> & \<b>bold\</b>" in summary
    assert json.loads((page.parent / "results.json").read_text())["report"]["claim"] == SCRIPT_CLAIM


def test_several_treatments_get_forest_plot_adjusted_p_and_omnibus(several):
    _, _, analysis, page = several
    html = page.read_text(encoding="utf-8")
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', html)) == 3
    assert "<h2>Several treatments</h2>" in html
    assert "<h3>Omnibus test</h3>" in html and "welch_anova" in html
    assert "<code>kruskal_wallis</code> Kruskal-Wallis H test" in html
    assert re.search(r"F = \d+(\.\d+)?</td><td class=\"num\">3, 18\.2</td>", html)  # Welch's df, read from the record
    assert html.count('class="pill v-') >= 3
    assert "adjusted p" in html


def test_failed_and_diverged_runs_are_listed_with_their_messages(several):
    *_, page = several
    html = page.read_text(encoding="utf-8")
    failures = html[html.index("<h2>Failures</h2>"): html.index("<h2>Reproducibility</h2>")]
    assert "2 of 40 runs did not finish; in the analysis they were dropped." in failures
    assert "loss became NaN at epoch 3 (learning rate too high?)" in failures
    assert "ValueError: &lt;b&gt;bad&lt;/b&gt; input shape (None, 64) &amp; co" in failures
    assert "diverged" in failures and "epoch 3" in failures
    arms = html[html.index("<th>arm</th><th class=\"num\">n</th>"): html.index("<h2>Learning curves</h2>")]
    assert re.search(r"batch 4</td><td class=\"num\">9</td><td class=\"num\">1</td>", arms)


def test_tied_values_and_undefined_effect_sizes_render(tmp_path):
    h = make_hypothesis(seeds=3, test=TestName.WELCH)
    results = make_results(h, tied=True, shifts={"batch 128": 0.0, "batch 4": 0.0})
    analysis = analysis_of(h, results)
    comparison = analysis.comparisons[0]
    assert comparison.statistic is None and comparison.pvalue is None and comparison.hedges_g is None
    page = write_report(h, results, analysis, tmp_path / h.name)
    html = page.read_text(encoding="utf-8")
    assert "both arms are constant, so t is undefined" in html
    assert str(escape(comparison.sentence)) in html
    assert "v-inconclusive" in html
    assert "only 3 seeds per arm: power will be low" in html  # the validation warning
    data = json.loads((tmp_path / h.name / "results.json").read_text())
    assert data["comparisons"][0]["hedges_g"] is None  # NaN is not JSON


def test_the_page_shows_the_analysis_apa_string_with_the_stats_labels(single, tmp_path):
    _, _, analysis, page = single
    html = page.read_text(encoding="utf-8")
    apa = analysis.comparisons[0].apa
    assert re.fullmatch(r"Welch t\(\d+\.\d\) = \d+\.\d+, p < \.001, holm-adjusted p < \.001, "
                        r"g = \d\.\d, 10 seeds per arm", apa)  # fmt: skip
    assert str(escape(apa)) in html
    # A paired Wilcoxon: its statistic is V (R's wilcox.test), named once in hypolab.stats.labels.
    h = make_hypothesis(name="paired", pairing=Pairing.SEED, test=TestName.WILCOXON)
    results = make_results(h)
    paired = analysis_of(h, results)
    html = write_report(h, results, paired, tmp_path / h.name).read_text(encoding="utf-8")
    assert paired.comparisons[0].apa.startswith("Wilcoxon V = ")
    assert str(escape(paired.comparisons[0].apa)) in html
    assert "Wilcoxon signed-rank test" in html and "Wilcoxon W" not in html


def test_the_robustness_panel_shows_which_test_disagrees(disagreeing):
    _, _, analysis, page = disagreeing
    # Issue 12: the panel is flagged, not a veto; the verdict rests on the primary test.
    assert analysis.comparisons[0].verdict.value == "supported"
    assert analysis.comparisons[0].disagreement.startswith("Welch is significant")
    html = page.read_text(encoding="utf-8")
    assert "<strong>Robustness flag:</strong> Welch is significant" in html
    panel = html[html.index("<h3>Robustness</h3>"):]
    panel = panel[: panel.index("</table>")]
    assert panel.count("<tr") == 5  # header, the primary test, the three others
    assert "<code>student</code>" in panel and "<code>permutation</code>" in panel
    assert re.search(r'<tr class="disagree"><td></td><td><code>mannwhitney</code>.*'
                     r"<strong>no: disagrees</strong>", panel)  # fmt: skip
    assert panel.count("<strong>no: disagrees</strong>") == 1


def test_effect_sizes_are_shown_with_their_intervals(single):
    _, _, analysis, page = single
    html = page.read_text(encoding="utf-8")
    comparison = analysis.comparisons[0]
    # The noncentral-t interval of the effect, without J on its limits (issue 12).
    assert (round(comparison.hedges_g, 2), round(comparison.hedges_g_ci[0], 2)) == (4.11, 2.63)
    assert "4.1 [2.6, 5.9]" in html  # Hedges' g with its CI, at the two significant figures of the sentence (g = 4.1)
    assert "BCa bootstrap CI" in html and "+2.6%" in html  # relative change 0.0261


def _real(**changes):
    h = make_hypothesis(seeds=3)
    return dataclasses.replace(analysis_of(h, make_results(h)), **changes)


@pytest.mark.parametrize(
    ("analysis", "message"),
    [
        (lambda: [], "the analysis must be an Analysis record. Got list. Expected the Analysis record "
                     "that hypolab.analyze_hypothesis(h, results) returns."),
        (lambda: _real().to_dict(), "the analysis must be an Analysis record. Got a dict. Expected the "
                                    "Analysis record that hypolab.analyze_hypothesis(h, results) returns; "
                                    "pass that record, or turn a dict such as results.json back into one "
                                    "with Analysis.from_dict(data)."),
        (lambda: _real(metric="val_loss"),
         "the analysis is of metric 'val_loss' but the hypothesis compares 'test_accuracy'"),
        (lambda: _real(margin=0.02), "the analysis has margin 0.02 but the hypothesis sets 0.01."),
        (lambda: _real(direction=Direction.LESS),
         "the analysis has direction 'less' but the hypothesis sets 'greater'."),
        (lambda: _real(arms=(*_real().arms, dataclasses.replace(_real().arms[0], name="batch 9"))),
         "the analysis has arms ['batch 9'] that the hypothesis does not."),
    ],
    ids=["not-a-record", "a-dict", "other-metric", "other-margin", "other-direction", "other-arm"],
)  # fmt: skip
def test_malformed_analysis_is_a_clear_report_error(tmp_path, analysis, message):
    h = make_hypothesis(seeds=3)
    with pytest.raises(ReportError, match="Cannot render the report of 'batchsize'") as info:
        write_report(h, make_results(h), analysis(), tmp_path / "r")
    assert message in str(info.value)
    assert not (tmp_path / "r").exists()


def test_write_report_takes_what_analyze_hypothesis_returns(tmp_path):
    h = make_hypothesis(name="endtoend", treatments=[("batch 16", 16), ("batch 4", 4)], ordered=True)
    results = make_results(h, failures={("batch 4", 1): RunStatus.FAILED})
    analysis = analyze_hypothesis(h, results)
    page = write_report(h, results, analysis, tmp_path / h.name, command="hypolab test x.yaml")
    html = page.read_text(encoding="utf-8")
    for comparison in analysis.comparisons:
        assert str(escape(comparison.sentence)) in html
    data = json.loads((tmp_path / h.name / "results.json").read_text(encoding="utf-8"))
    report = data.pop("report")
    data.pop("registration")
    assert data == json.loads(json.dumps(analysis.to_dict()))
    assert report["command"] == "hypolab test x.yaml" and report["runs"] == len(results)
    assert type(analysis).from_dict(data) == analysis  # results.json reads back into the record


def test_nested_results_are_formatted_not_raw_key_trees(tmp_path):
    h = make_hypothesis(name="dose", treatments=[("batch 16", 16), ("batch 4", 4)], ordered=True)
    results = make_results(h)
    analysis = analysis_of(h, results)
    assert analysis.trend is not None and analysis.omnibus is not None
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    trend = html[html.index("<h3>Trend test (ordered dose series)</h3>"):]
    trend = trend[: trend.index("</p>")]
    assert "batch 128 → batch 16 → batch 4 (coefficients −1, 0, 1), one-sided" in trend
    assert "the metric rises along the series" in trend and "Slope 0.0" in trend
    assert re.search(r"t\(\d+(\.\d+)?\) = \d+(\.\d+)?, p &lt; \.001", trend)
    tost = html[html.index("Equivalence test (TOST) at the margin: batch 4 vs batch 128"):]
    tost = tost[: tost.index("</details>")]
    assert "two one-sided Welch t-tests (TOST)" in tost
    assert "difference &gt; −0.0100 (H0: difference ≤ −0.0100)" in tost
    assert "90% CI of the difference" in tost and "against ±0.0100" in tost
    # Run keys are random hex (make_results hashes with Python's per-process seed): "df1" may be in one.
    body = re.sub(r'<td class="mono">[0-9a-f]{16}</td>', "", html[html.index("<body>"):])
    for raw in ("nonequivalence_pvalue", "pvalue_adjusted", "can_reach_alpha", "coefficients</th>",
                "df1", "ci_level", "{&#39;"):  # "{'": a Python dict shown as text
        assert raw not in body, raw


def test_unwritable_folder_is_a_report_error(tmp_path):
    h = make_hypothesis(seeds=2)
    results = make_results(h)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ReportError, match=r"Cannot write .*file/r/index.html: .* choose another with --out"):
        write_report(h, results, analysis_of(h, results), blocker / "r")


def test_no_comparisons_renders_an_inconclusive_banner(tmp_path):
    h = make_hypothesis(seeds=2)
    results = make_results(h, failures={("batch 4", 0): RunStatus.FAILED, ("batch 4", 1): RunStatus.FAILED})
    real = analysis_of(h, results)
    assert real.comparisons[0].verdict.value == "inconclusive"  # nothing to compare batch 4 with
    html = write_report(h, results, real, tmp_path / "real").read_text(encoding="utf-8")
    assert "too few values to compare: batch 4 has 0 (2 failed)" in html
    # An Analysis record with no comparison at all (built by hand) still renders.
    analysis = dataclasses.replace(real, arms=(), comparisons=())
    html = write_report(h, results, analysis, tmp_path / "r").read_text(encoding="utf-8")
    assert "No comparison could be computed from these runs." in html


def test_same_inputs_give_the_same_figures(tmp_path):
    h = make_hypothesis(seeds=3)
    results = make_results(h, epochs=3)
    analysis = analysis_of(h, results)
    first = write_report(h, results, analysis, tmp_path / "a", index=False).read_text()
    second = write_report(h, results, analysis, tmp_path / "b", index=False).read_text()
    assert re.findall(r'src="([^"]+)"', first) == re.findall(r'src="([^"]+)"', second)
    assert not (tmp_path / "index.html").exists()


def test_index_lists_every_report_and_links_to_it(tmp_path):
    one = make_hypothesis(name="one", claim="Claim <one>")
    two = make_hypothesis(name="two", claim="Claim two", treatments=[("b16", 16), ("b4", 4)])
    for h in (one, two):
        results = make_results(h, epochs=2)
        write_report(h, results, analysis_of(h, results), tmp_path / h.name)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text("{not json")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "results.json").write_text('{"report": {}, "comparisons": []}')
    html = (tmp_path / "index.html").read_text(encoding="utf-8")  # refreshed by each render
    assert 'href="one/index.html"' in html and 'href="two/index.html"' in html
    assert "Claim &lt;one&gt;" in html and "b16 vs batch 128" in html
    assert "10 per arm" in html
    # The interval that decided the verdict: lower bound at 95%, upper at 99.5%.
    assert re.search(r"v-supported\">supported</span> batch 4 vs batch 128: <span class=\"effect\">"
                     r"test accuracy \(fraction correct\) 0\.0\d+ \[0\.0\d+, 0\.0\d+\] \(94\.5%: lower bound 95%, upper 99\.5%\)",
                     html)  # fmt: skip
    assert "broken" not in html  # written before the broken folder appeared
    page = write_index(tmp_path)
    html = page.read_text(encoding="utf-8")
    assert 'href="broken/index.html"' in html and "results.json could not be read" in html
    assert "results.json could not be read: not the analysis hypolab writes (KeyError: " in html


def test_a_foreign_index_html_is_never_overwritten(tmp_path):
    (tmp_path / "index.html").write_text("<html>my own page</html>")
    h = make_hypothesis(seeds=2)
    results = make_results(h, epochs=2)
    write_report(h, results, analysis_of(h, results), tmp_path / h.name)
    assert (tmp_path / "index.html").read_text() == "<html>my own page</html>"


@pytest.mark.parametrize(
    ("seeds", "text"),
    [((0, 1, 2, 3, 7), "0–3, 7 (5 seeds)"), ((5,), "5 (1 seed)"), ((9, 3, 4), "3–4, 9 (3 seeds)")],
    ids=["range-and-single", "one", "unsorted"],
)
def test_seeds_text(seeds, text):
    assert seeds_text(seeds) == text


def test_real_analysis_of_several_treatments_with_failures_renders(tmp_path):
    h = make_hypothesis(name="dose", treatments=[("batch 16", 16), ("batch 4", 4), ("batch 1", 1)])
    failures = {("batch 4", 2): RunStatus.DIVERGED, ("batch 16", 5): RunStatus.FAILED}
    results = make_results(h, failures=failures)
    analysis = analyze_hypothesis(h, results)
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    for comparison in analysis.comparisons:
        assert str(escape(comparison.sentence)) in html
        assert str(escape(comparison.test_reason)) in html
    assert "kruskal_wallis" in html  # the omnibus result, as hypolab.stats names it
    assert "Equivalence test (TOST) at the margin: batch 16 vs batch 128" in html
    assert html.count("<strong>no: disagrees</strong>") == sum(
        not other.agrees for c in analysis.comparisons for other in c.robustness
    )


def test_real_analysis_of_tied_values_renders(tmp_path):
    h = make_hypothesis(name="tied", seeds=5)
    results = make_results(h, tied=True, shifts={"batch 128": 0.0, "batch 4": 0.0})
    analysis = analyze_hypothesis(h, results)
    assert analysis.comparisons[0].hedges_g is None  # undefined for identical arms
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    # Every seed of both arms gave 0.93: the permutation TOST shows them equivalent (issue 12).
    assert "v-equivalent" in html
    assert "batch 4 is equivalent to batch 128 within ±0.01" in html


def test_equivalence_hypothesis_shows_its_tost_result_openly(tmp_path):
    h = make_hypothesis(name="same", direction=Direction.EQUIVALENT, margin=0.02)
    results = make_results(h, shifts={"batch 128": 0.0, "batch 4": 0.001})
    analysis = analyze_hypothesis(h, results)
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    assert "<h3>Equivalence test (TOST): batch 4 vs batch 128</h3>" in html
    assert "<code>equivalent</code>" in html
    assert f"v-{analysis.comparisons[0].verdict.value}" in html
    tost = analysis.comparisons[0].tost
    shown = html[html.index("<h3>Equivalence test (TOST)"):]
    assert f"[{fmt(tost.ci_low)}, {fmt(tost.ci_high)}], against ±0.0200" in shown[: shown.index("</table>")]


def test_run_tables_follow_the_file_order_of_the_arms(several):
    h, _, _, page = several
    with (page.parent / "runs.csv").open(encoding="utf-8", newline="") as f:
        arms = list(dict.fromkeys(row["arm"] for row in csv.DictReader(f)))
    assert arms == [arm.name for arm in h.arms]  # "<i>batch 1</i>" would sort first by name
    html = page.read_text(encoding="utf-8")
    every_run = html[html.index("Every run (40)"):]
    positions = [every_run.index(f"<tr><td>{escape(arm.name)}</td>") for arm in h.arms]
    assert positions == sorted(positions)


def test_a_file_edited_after_registration_is_flagged_with_what_changed(tmp_path):
    h = make_hypothesis()
    results = make_results(h)
    analysis = analysis_of(h, results)
    registered = (h.source.replace("direction: greater", "direction: less"), "2026-01-02T03:04:05+00:00")
    html = write_report(h, results, analysis, tmp_path / h.name, registered=registered).read_text(encoding="utf-8")
    assert "Edited after registration." in html
    assert "2026-01-02T03:04:05+00:00" in html
    assert "-direction: less" in html and "+direction: greater" in html


def test_an_unchanged_registered_file_says_when_it_was_registered(tmp_path):
    h = make_hypothesis()
    results = make_results(h)
    analysis = analysis_of(h, results)
    html = write_report(
        h, results, analysis, tmp_path / h.name, registered=(h.source, "2026-01-02T03:04:05+00:00")
    ).read_text(encoding="utf-8")
    assert "Registered in the run store on 2026-01-02T03:04:05+00:00, before its runs were trained; unchanged since." in html
    assert "Edited after registration." not in html
