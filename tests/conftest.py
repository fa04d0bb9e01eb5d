"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest
from click.testing import CliRunner


@pytest.fixture(autouse=True, scope="session")
def _pack_choices_cache(tmp_path_factory):
    """``pack: auto``'s measurements (``hypolab.probes``) go to a folder of the test session, never ~/.cache."""
    import os

    folder = tmp_path_factory.mktemp("hypolab-cache")
    previous = os.environ.get("HYPOLAB_CACHE_DIR")
    os.environ["HYPOLAB_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("HYPOLAB_CACHE_DIR", None)
    else:
        os.environ["HYPOLAB_CACHE_DIR"] = previous


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    """A click ``CliRunner`` whose commands run in a fresh working folder (``tmp_path``),
    so whatever a command writes by default stays in the test's folder."""
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.fixture
def fake(monkeypatch):
    """The fake trainers (``runner_cases.FakeTrainer``) in place of the real ones, for orchestration tests."""
    from runner_cases import FakeTrainer

    trainer = FakeTrainer()
    trainer.install(monkeypatch)
    return trainer
