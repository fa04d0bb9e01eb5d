"""The looks table of the run store (schema 4): recorded once, read back as the truth, migrated cleanly."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from hypolab.errors import StoreError
from hypolab.records import Look, LookDecision
from hypolab.store import SCHEMA_VERSION, RunStore

V3 = Path(__file__).parent / "stores" / "v3-before-looks.sqlite"


def _look(look=1, treatment="t", decision=LookDecision.CONTINUE, pvalue=0.2) -> Look:
    return Look(look=look, treatment=treatment, seeds=5 * look, information=look / 4, alpha_spent=0.001 * look,
                z_boundary=3.0, p_boundary=0.00135, statistic=0.84, pvalue=pvalue, decision=decision, level=0.05,
                test="welch", test_statistic=0.9, df=7.5, n_treatment=5 * look, n_control=5 * look,
                reason="between the boundaries")  # fmt: skip


def test_looks_read_back_in_look_order_and_the_first_record_of_a_look_stays(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store:
        store.record_looks("h", "d1", [_look(1, "t"), _look(1, "u")])
        store.record_looks("h", "d1", [_look(2, "u", LookDecision.SUPPORTED, 0.001)])
        store.record_looks("h", "d1", [_look(1, "t", LookDecision.SUPPORTED, 0.0001)])  # a rerun: ignored
        store.record_looks("h", "d2", [_look(1, "t", LookDecision.FUTILITY)])
        assert store.looks("h", "d1") == [_look(1, "t"), _look(1, "u"), _look(2, "u", LookDecision.SUPPORTED, 0.001)]
        assert store.looks("h", "d2") == [_look(1, "t", LookDecision.FUTILITY)]
        assert store.looks("other", "d1") == []
    with RunStore(tmp_path / "runs.sqlite", read_only=True) as store:
        assert len(store.looks("h", "d1")) == 3


def test_a_schema_3_store_reads_no_looks_and_is_not_written_when_read(tmp_path):
    path = tmp_path / "runs.sqlite"
    shutil.copyfile(V3, path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with RunStore(path, read_only=True) as store:
        assert store.looks("tiny", "any") == []
        assert len(store.all_records()) == 4
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_schema_3_store_is_migrated_for_writing_and_keeps_its_records(tmp_path):
    path = tmp_path / "runs.sqlite"
    shutil.copyfile(V3, path)
    with RunStore(path, read_only=True) as store:
        records = store.all_records()
    with RunStore(path) as store:
        assert store.all_records() == records
        assert store.registration("tiny").source == "claim: tiny\n"
        store.record_looks("tiny", "d", [_look()])
        assert store.looks("tiny", "d") == [_look()]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    db.close()


def test_a_damaged_look_is_a_store_error(tmp_path):
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        store.record_looks("h", "d", [_look()])
    db = sqlite3.connect(path)
    db.execute("UPDATE looks SET record = '{\"look\": 1}'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match=r"the record of look 1 of t \(h\) is damaged \(KeyError: 'decision'\)"):
        RunStore(path, read_only=True).looks("h", "d")
