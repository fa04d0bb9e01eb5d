"""A store written by hypolab before run identity (schema 2) is read as it is, migrated only for writing."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from factories import run_result

from hypolab.errors import StoreError
from hypolab.records import RunStatus, Timing
from hypolab.store import SCHEMA_VERSION, RunStore
from hypolab.store.schema import APPLICATION_ID

FIXTURE = Path(__file__).parent / "stores" / "v2-before-run-identity.sqlite"


def _copy(tmp_path) -> Path:
    path = tmp_path / "runs.sqlite"
    shutil.copyfile(FIXTURE, path)
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pragmas(path: Path) -> tuple[int, int]:
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return db.execute("PRAGMA application_id").fetchone()[0], db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def test_a_schema_2_store_is_read_without_being_migrated(tmp_path):
    path = _copy(tmp_path)
    before = _sha256(path)
    with RunStore(path, read_only=True) as store:
        records = store.all_records()
        planned = store.planned("tiny")
        registration = store.registration("tiny")
        assert store.plan_identity("tiny") is None  # schema 2 kept no identity of its plans
    assert _sha256(path) == before
    assert _pragmas(path) == (0, 2)
    assert len(records) == 8 and sum(1 for r in records if r.status is RunStatus.FINISHED) == 8
    assert {r.engine for r in records} == {None} and {r.timing for r in records} == {Timing.UNKNOWN}
    assert [(arm, seed) for _, arm, seed in planned] == [("batch 64", 0), ("batch 8", 0), ("batch 64", 1), ("batch 8", 1)]
    assert registration is not None and registration.source.startswith("claim: A batch size of 8")
    assert registration.baseline is None


def test_a_schema_2_store_is_migrated_when_opened_for_writing_and_keeps_every_record(tmp_path):
    path = _copy(tmp_path)
    with RunStore(path, read_only=True) as store:
        before = store.all_records()
        history = {r.key: store.history(r.key) for r in before}
    with RunStore(path) as store:
        assert store.all_records() == before
        assert {key: store.history(key) for key in history} == history
        store.put(run_result(key="new", seed=5, metrics={"test_accuracy": 0.5}))
        assert store.get("new").timing is Timing.OWN
        assert store.registration("tiny").source.startswith("claim: A batch size of 8")
    assert _pragmas(path) == (APPLICATION_ID, SCHEMA_VERSION)
    with RunStore(path, read_only=True) as store:
        assert store.all_records()[:8] == before  # checksummed on migration, still reading back equal


def test_a_migrated_store_protects_its_old_records_with_checksums(tmp_path):
    path = _copy(tmp_path)
    RunStore(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET metrics = replace(metrics, '\"test_accuracy\": 0', '\"test_accuracy\": 1') WHERE id = 1")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match=r"the record of run \w+ is damaged \(its checksum does not match its content\)"):
        RunStore(path, read_only=True).all_records()
