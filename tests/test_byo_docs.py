"""The worked example of the README and docs/bring-your-own.md (a Keras script turned into a hypothesis), run.

The default suite runs it with 2 seeds and 1 epoch (the only edits); ``-m slow`` runs it exactly as written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hypolab.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOC = ROOT / "docs" / "bring-your-own.md"


def example_files(page: Path = DOC) -> dict[str, str]:
    """The page's code blocks that start with a ``# hypotheses/...`` line: the files of the example, by path."""
    blocks = re.findall(r"```(?:python|yaml)\n(# (hypotheses/\S+)\n.*?)```", page.read_text(encoding="utf-8"), re.S)
    return {path: text for text, path in blocks}


def test_the_readme_shows_the_example_the_docs_page_runs():
    assert example_files(README) == example_files(DOC)


def _run(runner, tmp_path, *, quick: bool) -> None:
    files = example_files()
    assert sorted(files) == ["hypotheses/mine.yaml", "hypotheses/mytrain.py"]
    if quick:
        assert "seeds: 5\n" in files["hypotheses/mine.yaml"] and "epochs: 5\n" in files["hypotheses/mine.yaml"]
        files["hypotheses/mine.yaml"] = files["hypotheses/mine.yaml"].replace("seeds: 5\n", "seeds: 2\n").replace(
            "epochs: 5\n", "epochs: 1\n")  # fmt: skip
    runs = 4 if quick else 10
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    hypothesis = str(tmp_path / "hypotheses" / "mine.yaml")
    validated = runner.invoke(main, ["validate", hypothesis])
    assert validated.exit_code == 0 and "mine.yaml: ok" in validated.output, validated.output
    planned = runner.invoke(main, ["plan", hypothesis])
    assert "16 units: trains one seed at a time: trainer 'mytrain:fit'" in planned.output, planned.output
    tested = runner.invoke(main, ["test", hypothesis, "--store", str(tmp_path / "runs.sqlite"), "--device", "cpu",
                                  "--reports", str(tmp_path / "reports")])  # fmt: skip
    assert tested.exit_code == 0, tested.output
    assert f"mine: {runs} runs ({runs} trained now, 0 from the store" in tested.output
    assert re.search(r"Verdict \(64 units vs 16 units\): (supported|inconclusive|contradicted)\.", tested.output)
    assert (tmp_path / "reports" / "mine" / "index.html").is_file()


def test_the_worked_example_runs_with_fewer_seeds(runner, tmp_path):
    _run(runner, tmp_path, quick=True)


@pytest.mark.slow
def test_the_worked_example_runs_as_written(runner, tmp_path):
    _run(runner, tmp_path, quick=False)
