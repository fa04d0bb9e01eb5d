"""The report as a person sees it: a real headless Chromium loads it from file://.

Driven by Playwright with Debian's ``/usr/bin/chromium``. Skipped, with the
reason, only where that browser or Playwright is not installed. A full-page
screenshot of each rendered report is kept under ``test-artifacts/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_cases import analysis_of, make_hypothesis, make_results

from hypolab.records import RunStatus
from hypolab.report import write_report

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CLAIM = "Batch 4 beats batch 128 <script>window.pwned = 1; alert(1)</script> & <b>that</b> is that."


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium`")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    h = make_hypothesis(name="browser", claim=CLAIM,
                        treatments=[("batch 16", 16), ("batch 4", 4)])  # fmt: skip
    results = make_results(h, failures={("batch 16", 4): RunStatus.DIVERGED})
    analysis = analysis_of(h, results)
    page = write_report(h, results, analysis, tmp_path_factory.mktemp("reports") / h.name,
                        command="hypolab test hypotheses/browser.yaml")  # fmt: skip
    return page, analysis


def _open(browser, path: Path, requests: list, console: list, dialogs: list):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: console.append((message.type, message.text)))
    page.on("pageerror", lambda error: console.append(("pageerror", str(error))))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page


def test_report_loads_offline_with_visible_verdict_and_sized_images(browser, report):
    path, analysis = report
    requests, console, dialogs = [], [], []
    page = _open(browser, path, requests, console, dialogs)
    try:
        assert requests == [path.resolve().as_uri()]  # nothing fetched beyond the file itself
        assert [m for m in console if m[0] in ("error", "pageerror")] == []
        for comparison in analysis.comparisons:
            banner = page.get_by_text(comparison.sentence, exact=True)
            assert banner.is_visible()
        images = page.locator("img, svg")
        assert images.count() == 3  # estimation, learning curves, forest
        for i in range(images.count()):
            box = images.nth(i).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 100, box
            assert images.nth(i).evaluate("el => el.tagName !== 'IMG' || el.naturalWidth > 0")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-browser.png"), full_page=True)
    finally:
        page.close()


def test_script_claim_is_shown_as_text_and_runs_nothing(browser, report):
    path, _ = report
    requests, console, dialogs = [], [], []
    page = _open(browser, path, requests, console, dialogs)
    try:
        assert dialogs == []
        assert page.evaluate("() => window.pwned === undefined")
        assert page.locator("script").count() == 0
        claim = page.locator("blockquote.claim-text")
        assert claim.inner_text() == CLAIM
        assert claim.is_visible()
    finally:
        page.close()


def test_collapsed_sections_open_and_the_index_links_to_the_report(browser, report):
    path, _ = report
    requests, console, dialogs = [], [], []
    page = _open(browser, path, requests, console, dialogs)
    try:
        source = page.locator("details", has_text="The hypothesis file as written")
        assert not source.locator("pre").is_visible()
        source.locator("summary").click()
        assert source.locator("pre").is_visible()
        assert "<script>window.pwned" in source.locator("pre").inner_text()
        page.goto((path.parent.parent / "index.html").resolve().as_uri())
        page.get_by_role("link", name="browser").click()
        page.wait_for_load_state()
        assert page.url == path.resolve().as_uri()
        assert [m for m in console if m[0] in ("error", "pageerror")] == []
    finally:
        page.close()


def test_report_prints_to_pdf(browser, report, tmp_path):
    path, _ = report
    page = browser.new_page()
    try:
        page.goto(path.resolve().as_uri())
        pdf = tmp_path / "report.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(pdf, ARTIFACTS / "report-browser.pdf")
    finally:
        page.close()


def _pdf_pages(pdf: Path) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_printed_report_clips_nothing_and_has_a_reasonable_page_count(browser, report, tmp_path):
    """Under the print stylesheet no table is wider than an A4 page's text width and nothing scrolls."""
    path, _ = report
    # A4 (210 mm) less the 12 mm margins each side, at 96 px per inch: about 703 px of text width.
    page = browser.new_page(viewport={"width": 703, "height": 1000})
    try:
        page.goto(path.resolve().as_uri())
        page.emulate_media(media="print")
        overflowing = page.evaluate(
            """() => {
              const width = document.documentElement.clientWidth;
              const bad = [];
              for (const el of document.querySelectorAll('table, pre, figure, img, .scroll')) {
                const box = el.getBoundingClientRect();
                const scrolls = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible';
                if (box.right > width + 1 || scrolls) bad.push(el.tagName + ' ' + (el.className || '') + ' ' +
                    Math.round(box.right) + ' ' + (el.innerText || '').slice(0, 40));
              }
              return bad;
            }"""
        )
        assert overflowing == []
        pdf = tmp_path / "report.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        # Three arms, ten seeds each, every section open: it once took 14 pages with clipped tables.
        assert 3 <= _pdf_pages(pdf) <= 9, _pdf_pages(pdf)
        page.screenshot(path=str(ARTIFACTS / "report-print.png"), full_page=True)
    finally:
        page.close()


def test_index_sorts_filters_under_its_csp_and_words_verdicts(browser, tmp_path):
    """The index's script runs under its Content-Security-Policy hash; sort and filter work; wording is right."""
    from hypolab.report import write_index

    root = tmp_path / "reports"
    h1 = make_hypothesis(name="alpha_claim", claim="Alpha beats the control.")
    write_report(h1, make_results(h1), analysis_of(h1, make_results(h1)), root / h1.name, index=False)
    h2 = make_hypothesis(name="beta_claim", claim="Beta beats the control.", margin=0.05)
    tied = make_results(h2, shifts={"batch 128": 0.0, "batch 4": 0.0})
    write_report(h2, tied, analysis_of(h2, tied), root / h2.name, index=False)
    (root / "tune-digits_mlp").mkdir()
    (root / "tune-digits_mlp" / "index.html").write_text('<meta name="generator" content="hypolab-report">')
    index = write_index(root)
    html = index.read_text(encoding="utf-8")
    assert "2 hypotheses" in html and "test accuracy" in html
    assert "claim not supported; shown equivalent" in html  # a directional claim ended equivalent
    console: list = []
    page = browser.new_page()
    page.on("console", lambda message: console.append((message.type, message.text)))
    page.on("pageerror", lambda error: console.append(("pageerror", str(error))))
    try:
        page.goto(index.resolve().as_uri())
        assert [m for m in console if m[0] in ("error", "pageerror")] == []  # no CSP violation
        names = lambda: page.locator("#reports tbody tr:not([hidden]) td:first-child").all_inner_texts()  # noqa: E731
        page.get_by_role("button", name="hypothesis").click()
        assert names() == ["alpha_claim", "beta_claim"]
        page.get_by_role("button", name="hypothesis").click()
        assert names() == ["beta_claim", "alpha_claim"]
        page.get_by_role("searchbox").fill("alpha")
        assert names() == ["alpha_claim"]
        page.get_by_role("searchbox").fill("")
        assert len(names()) == 2
        assert page.get_by_role("link", name="tune-digits_mlp").is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "index-browser.png"), full_page=True)
    finally:
        page.close()
