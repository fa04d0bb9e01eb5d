"""The report set written from recorded runs (no training): files, content, escaping, errors."""

from __future__ import annotations

import csv
import json
import re

import pytest
from markupsafe import escape
from report_cases import hand_analysis, make_hypothesis, make_results

from hypolab.errors import ReportError
from hypolab.pipeline import analyze_hypothesis
from hypolab.records import Direction, RunStatus
from hypolab.report import write_index, write_report
from hypolab.report.page import seeds_text

SCRIPT_CLAIM = "Batch 4 wins <script>alert(1)</script> & <b>bold</b> \"quoted\" 'single'"


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """One treatment, 10 seeds, every run finished, rendered once for several tests."""
    h = make_hypothesis()
    results = make_results(h)
    analysis = hand_analysis(h, results)
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
    analysis = hand_analysis(h, results)
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
    assert analysis["comparisons"][0]["sentence"] in html
    assert analysis["comparisons"][0]["apa"] in html
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
    assert headers == ["arm", "role", "set (as written)", "batch_size"]
    assert "Shared config (10 settings the same in every arm)" in html
    assert "sizes.train" in html  # split sizes the runner recorded


def test_results_json_is_the_analysis_at_full_precision_with_report_metadata(single):
    h, _, analysis, page = single
    data = json.loads((page.parent / "results.json").read_text(encoding="utf-8"))
    for key in ("metric", "direction", "alpha", "margin", "arms", "omnibus", "trend"):
        assert data[key] == analysis[key]
    assert data["comparisons"][0]["pvalue"] == analysis["comparisons"][0]["pvalue"]
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
    h = make_hypothesis(seeds=3)
    results = make_results(h, tied=True, shifts={"batch 128": 0.0, "batch 4": 0.0})
    analysis = hand_analysis(h, results, extras=False)
    analysis["comparisons"][0].update(
        hedges_g=float("nan"), statistic=None, df=None, pvalue=None, pvalue_adjusted=None,
        cliffs_delta=0.0, prob_superiority=0.5, power_at_margin=None, seeds_needed=None,
        ci_low=0.0, ci_high=0.0, verdict="inconclusive",
        sentence="batch 4 and batch 128 gave identical values; the test is undefined.",
    )  # fmt: skip
    page = write_report(h, results, analysis, tmp_path / h.name)
    html = page.read_text(encoding="utf-8")
    assert "gave identical values" in html
    assert "v-inconclusive" in html
    assert "only 3 seeds per arm: power will be low" in html  # the validation warning
    data = json.loads((tmp_path / h.name / "results.json").read_text())
    assert data["comparisons"][0]["hedges_g"] is None  # NaN is not JSON


def test_minimal_analysis_without_optional_fields_gets_a_built_apa_string(tmp_path):
    h = make_hypothesis()
    results = make_results(h)
    analysis = hand_analysis(h, results, extras=False)
    for key in ("omnibus", "trend", "margin"):
        del analysis[key]
    for key in ("test_reason", "power_at_margin", "seeds_needed", "df"):
        del analysis["comparisons"][0][key]
    html = write_report(h, results, analysis, tmp_path / "r").read_text(encoding="utf-8")
    assert re.search(r"difference 0\.02\d+ \(95% CI 0\.0\d+ to 0\.0\d+\); Welch t = \d+\.\d+, "
                     r"p &lt; \.001, g = 1\.50, 10 seeds per arm", html)  # fmt: skip


def test_extra_analysis_fields_are_shown(single):
    *_, page = single
    html = page.read_text(encoding="utf-8")
    panel = html[html.index("<h3>Robustness</h3>"):]
    panel = panel[: panel.index("</table>")]
    assert panel.count("<tr") == 4  # header, the primary test, two others
    assert "<code>mannwhitney</code>" in panel
    assert re.search(r'<tr class="disagree"><td></td><td><code>permutation</code>.*'
                     r"<strong>no: disagrees</strong>", panel)  # fmt: skip
    assert "future_field" in html  # a field this renderer does not know yet
    assert "1.50 [0.500, 2.50]" in html  # Hedges' g with its CI
    assert "BCa bootstrap CI" in html and "+2.6%" in html


@pytest.mark.parametrize(
    ("analysis", "message"),
    [
        ([], "the analysis must be a dict. Got list. Expected the dict of hypolab.stats.analyze"),
        ({"arms": []}, "the analysis field 'comparisons' must be a list. Got nothing."),
        ({"arms": [], "comparisons": {}}, "the analysis field 'comparisons' must be a list. Got dict."),
        ({"arms": [], "comparisons": [], "metric": "val_loss"},
         "the analysis is of metric 'val_loss' but the hypothesis compares 'test_accuracy'"),
    ],
    ids=["not-a-dict", "no-comparisons", "comparisons-not-list", "other-metric"],
)  # fmt: skip
def test_malformed_analysis_is_a_clear_report_error(tmp_path, analysis, message):
    h = make_hypothesis(seeds=2)
    with pytest.raises(ReportError, match="Cannot render the report of 'batchsize'") as info:
        write_report(h, make_results(h), analysis, tmp_path / "r")
    assert message in str(info.value)


def test_unwritable_folder_is_a_report_error(tmp_path):
    h = make_hypothesis(seeds=2)
    results = make_results(h)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ReportError, match=r"Cannot write .*file/r/index.html: .* choose another with --out"):
        write_report(h, results, hand_analysis(h, results), blocker / "r")


def test_no_comparisons_renders_an_inconclusive_banner(tmp_path):
    h = make_hypothesis(seeds=2)
    results = make_results(h, failures={("batch 4", 0): RunStatus.FAILED, ("batch 4", 1): RunStatus.FAILED})
    analysis = {"metric": h.metric, "direction": "greater", "alpha": 0.05, "margin": 0.01,
                "arms": [], "comparisons": [], "omnibus": None, "trend": None}  # fmt: skip
    html = write_report(h, results, analysis, tmp_path / "r").read_text(encoding="utf-8")
    assert "No comparison could be computed from these runs." in html


def test_same_inputs_give_the_same_figures(tmp_path):
    h = make_hypothesis(seeds=3)
    results = make_results(h, epochs=3)
    analysis = hand_analysis(h, results)
    first = write_report(h, results, analysis, tmp_path / "a", index=False).read_text()
    second = write_report(h, results, analysis, tmp_path / "b", index=False).read_text()
    assert re.findall(r'src="([^"]+)"', first) == re.findall(r'src="([^"]+)"', second)
    assert not (tmp_path / "index.html").exists()


def test_index_lists_every_report_and_links_to_it(tmp_path):
    one = make_hypothesis(name="one", claim="Claim <one>")
    two = make_hypothesis(name="two", claim="Claim two", treatments=[("b16", 16), ("b4", 4)])
    for h in (one, two):
        results = make_results(h, epochs=2)
        write_report(h, results, hand_analysis(h, results), tmp_path / h.name)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text("{not json")
    html = (tmp_path / "index.html").read_text(encoding="utf-8")  # refreshed by each render
    assert 'href="one/index.html"' in html and 'href="two/index.html"' in html
    assert "Claim &lt;one&gt;" in html and "b16 vs batch 128" in html
    assert "10 per arm" in html
    assert re.search(r"v-supported\">supported</span> batch 4 vs batch 128: <span class=\"effect\">"
                     r"0\.0\d+ \(95% CI 0\.0\d+ to 0\.0\d+\)", html)  # fmt: skip
    assert "broken" not in html  # written before the broken folder appeared
    page = write_index(tmp_path)
    html = page.read_text(encoding="utf-8")
    assert 'href="broken/index.html"' in html and "results.json could not be read" in html


def test_a_foreign_index_html_is_never_overwritten(tmp_path):
    (tmp_path / "index.html").write_text("<html>my own page</html>")
    h = make_hypothesis(seeds=2)
    results = make_results(h, epochs=2)
    write_report(h, results, hand_analysis(h, results), tmp_path / h.name)
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
    analysis = analyze_hypothesis(h, results).to_dict()
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    for comparison in analysis["comparisons"]:
        assert str(escape(comparison["sentence"])) in html
        assert str(escape(comparison["test_reason"])) in html
    assert "kruskal_wallis" in html  # the omnibus result, as hypolab.stats names it
    assert "Equivalence test (TOST) at the margin: batch 16 vs batch 128" in html
    assert html.count("<strong>no: disagrees</strong>") == sum(
        not other["agrees"] for c in analysis["comparisons"] for other in c["robustness"]
    )


def test_real_analysis_of_tied_values_renders(tmp_path):
    h = make_hypothesis(name="tied", seeds=5)
    results = make_results(h, tied=True, shifts={"batch 128": 0.0, "batch 4": 0.0})
    analysis = analyze_hypothesis(h, results).to_dict()
    assert analysis["comparisons"][0]["hedges_g"] is None  # undefined for identical arms
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    assert "v-inconclusive" in html
    assert "The data do not show that batch 4 is higher than batch 128" in html


def test_equivalence_hypothesis_shows_its_tost_result_openly(tmp_path):
    h = make_hypothesis(name="same", direction=Direction.EQUIVALENT, margin=0.02)
    results = make_results(h, shifts={"batch 128": 0.0, "batch 4": 0.001})
    analysis = analyze_hypothesis(h, results).to_dict()
    html = write_report(h, results, analysis, tmp_path / h.name).read_text(encoding="utf-8")
    assert "<h3>Equivalence test (TOST): batch 4 vs batch 128</h3>" in html
    assert "<code>equivalent</code>" in html
    assert f"v-{analysis['comparisons'][0]['verdict']}" in html


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
    analysis = hand_analysis(h, results)
    registered = (h.source.replace("direction: greater", "direction: less"), "2026-01-02T03:04:05+00:00")
    html = write_report(h, results, analysis, tmp_path / h.name, registered=registered).read_text(encoding="utf-8")
    assert "Edited after registration." in html
    assert "2026-01-02T03:04:05+00:00" in html
    assert "-direction: less" in html and "+direction: greater" in html


def test_an_unchanged_registered_file_says_when_it_was_registered(tmp_path):
    h = make_hypothesis()
    results = make_results(h)
    analysis = hand_analysis(h, results)
    html = write_report(
        h, results, analysis, tmp_path / h.name, registered=(h.source, "2026-01-02T03:04:05+00:00")
    ).read_text(encoding="utf-8")
    assert "Registered in the run store on 2026-01-02T03:04:05+00:00, before its runs were trained; unchanged since." in html
    assert "Edited after registration." not in html
