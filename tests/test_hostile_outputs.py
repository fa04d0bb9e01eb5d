"""Hostile input, outputs: no file hypolab writes follows a planted symlink or leaves its root.

Each test first plants what a cloned repository could carry (a symlink where a
temporary file, a report folder or an index would go), then checks that the
target outside is byte-for-byte untouched (SHA-256) and that what hypolab
wrote is a regular file inside the reports root.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from pathlib import Path

import pytest

from hypolab import outputs
from hypolab.errors import OutputError, ReportError
from hypolab.report import write_index, write_report
from report_cases import analysis_of, make_hypothesis, make_results

SECRET = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKEY user@host\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def victim(tmp_path):
    """A file outside the reports root that an attacker wants overwritten."""
    outside = tmp_path / "home" / ".ssh"
    outside.mkdir(parents=True)
    path = outside / "authorized_keys"
    path.write_text(SECRET)
    return path


@pytest.fixture
def report_inputs():
    h = make_hypothesis(seeds=2, claim="ssh-ed25519 AAAA attacker@evil")
    results = make_results(h)
    return h, results, analysis_of(h, results)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


@pytest.mark.parametrize(
    "planted",
    [".index.html.partial", ".results.json.partial", ".runs.csv.partial", ".summary.md.partial"],
    ids=["index", "results", "runs-csv", "summary"],
)
def test_planted_partial_symlink_is_never_followed(tmp_path, victim, report_inputs, planted):
    h, results, analysis = report_inputs
    folder = tmp_path / "reports" / h.name
    folder.mkdir(parents=True)
    (folder / planted).symlink_to(victim)
    before = sha256(victim)

    page = write_report(h, results, analysis, folder)

    assert sha256(victim) == before
    assert page.is_file() and not page.is_symlink()
    assert "attacker@evil" in page.read_text(encoding="utf-8")
    for name in ("index.html", "results.json", "runs.csv", "summary.md"):
        assert not (folder / name).is_symlink()
    # No temporary file is left behind but the attacker's own link.
    leftovers = {p.name for p in folder.iterdir() if p.name.endswith(".partial")}
    assert leftovers == {planted}


def test_planted_partial_symlink_of_the_index_is_never_followed(tmp_path, victim, report_inputs):
    h, results, analysis = report_inputs
    root = tmp_path / "reports"
    root.mkdir()
    (root / ".index.html.partial").symlink_to(victim)
    before = sha256(victim)

    write_report(h, results, analysis, root / h.name)

    assert sha256(victim) == before
    assert (root / "index.html").is_file() and not (root / "index.html").is_symlink()


def test_report_folder_symlinked_outside_the_root_is_refused(tmp_path, report_inputs):
    h, results, analysis = report_inputs
    root = tmp_path / "reports"
    root.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / h.name).symlink_to(elsewhere, target_is_directory=True)

    with pytest.raises(ReportError, match=r"Refusing to write .*batchsize: it resolves to .*elsewhere, outside"):
        write_report(h, results, analysis, root / h.name)

    assert list(elsewhere.iterdir()) == []
    assert not (root / "index.html").exists()


@pytest.mark.parametrize("link", ["batchsize/index.html", "index.html"], ids=["report-page", "reports-index"])
def test_page_symlinked_outside_the_root_is_refused(tmp_path, victim, report_inputs, link):
    h, results, analysis = report_inputs
    root = tmp_path / "reports"
    (root / h.name).mkdir(parents=True)
    (root / link).symlink_to(victim)
    before = sha256(victim)

    with pytest.raises(ReportError, match=r"Refusing to write .*index.html: it resolves to .*authorized_keys, outside"):
        write_report(h, results, analysis, root / h.name)

    assert sha256(victim) == before
    assert (root / link).is_symlink()  # refused, so left exactly as found


def test_index_symlinked_outside_is_refused_by_write_index(tmp_path, victim):
    root = tmp_path / "reports"
    root.mkdir()
    (root / "index.html").symlink_to(victim)
    before = sha256(victim)
    with pytest.raises(ReportError, match="Refusing to write"):
        write_index(root)
    assert sha256(victim) == before


def test_symlink_inside_the_root_is_replaced_not_followed(tmp_path, report_inputs):
    h, results, analysis = report_inputs
    root = tmp_path / "reports"
    (root / h.name).mkdir(parents=True)
    keep = root / "keep.txt"
    keep.write_text("mine")
    (root / h.name / "index.html").symlink_to(keep)

    write_report(h, results, analysis, root / h.name)

    assert keep.read_text() == "mine"
    assert not (root / h.name / "index.html").is_symlink()


def test_written_files_are_regular_and_readable(tmp_path):
    path = outputs.write_text(tmp_path / "a" / "b.txt", "hello")
    assert path.read_text() == "hello"
    mode = path.stat().st_mode & 0o777
    assert mode & 0o044 == 0o044 & ~_umask()  # group/other read as the umask allows, not mkstemp's 0600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_append_line_refuses_a_symlinked_log(tmp_path, victim):
    log = tmp_path / "executions.jsonl"
    log.symlink_to(victim)
    before = sha256(victim)
    with pytest.raises(OutputError, match="Cannot write"):
        outputs.append_line(log, '{"trial": 1}')
    assert sha256(victim) == before


def test_schema_output_through_a_planted_partial_symlink(tmp_path, victim, monkeypatch):
    from click.testing import CliRunner

    from hypolab.cli import main

    monkeypatch.chdir(tmp_path)
    Path(".hypolab.schema.json.partial").symlink_to(victim)
    before = sha256(victim)
    result = CliRunner().invoke(main, ["schema", "-o", "hypolab.schema.json"])
    assert result.exit_code == 0, result.output
    assert sha256(victim) == before
    assert Path("hypolab.schema.json").read_text().startswith("{")


def _writer(path: str, text: str, count: int, errors) -> None:
    for _ in range(count):
        try:
            outputs.write_text(path, text)
        except Exception as exc:  # noqa: BLE001 - counted, the test asserts none
            errors.put(repr(exc))


def test_concurrent_writers_never_publish_a_truncated_or_mixed_file(tmp_path):
    path = tmp_path / "reports" / "x" / "index.html"
    versions = [f"<html>{'a' * 400_000}</html>\n", f"<html>{'b' * 300_000}</html>\n"]
    outputs.write_text(path, versions[0])
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    writers = [context.Process(target=_writer, args=(str(path), text, 60, errors)) for text in versions]
    for process in writers:
        process.start()
    reads = bad = 0
    while any(p.is_alive() for p in writers):
        text = path.read_text()
        reads += 1
        bad += text not in versions
    for process in writers:
        process.join()
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []
    assert bad == 0 and reads > 0
    assert [p.name for p in path.parent.iterdir()] == ["index.html"]  # no temporary file left
