"""Hostile and broken store files (issue 10): foreign databases stay untouched, faults are clean errors.

Each test reproduces the attack or the fault first. Root-only set-ups (an
immutable file, a full or read-only tmpfs) skip with the reason where they
cannot be made.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from factories import run_result
from runner_cases import write_hypothesis

from hypolab import pipeline
from hypolab.cli import main
from hypolab.errors import StoreError
from hypolab.records import DataConfig, RunSpec
from hypolab.store import Claim, RunStore, new_owner
from hypolab.store.leases import process_started

ROOT = os.geteuid() == 0


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign(path: Path, *, user_version: int = 0, wal: bool = False) -> Path:
    db = sqlite3.connect(path)
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE people (name TEXT)")
    db.execute("INSERT INTO people VALUES ('ada')")
    db.execute(f"PRAGMA user_version = {user_version}")
    db.commit()
    db.close()
    return path


def _records(path: Path, n: int = 30) -> list:
    with RunStore(path) as store:
        for i in range(n):
            store.put(run_result(key=f"k{i:02d}", seed=i, metrics={"test_accuracy": 0.3 + i / 1000},
                                 notes=("x" * 300,)))  # fmt: skip
        return store.all_records()


def _cli_commands(tmp_path: Path, store: Path) -> dict[str, list[str]]:
    hypothesis = str(write_hypothesis(tmp_path, seeds=2))
    reports = str(tmp_path / "reports")
    return {
        "status": ["status", "--store", str(store)],
        "status FILE": ["status", hypothesis, "--store", str(store)],
        "report": ["report", hypothesis, "--store", str(store), "--out", reports],
        "plan --store": ["plan", hypothesis, "--store", str(store)],
        "test": ["test", hypothesis, "--store", str(store), "--device", "cpu", "--reports", reports],
    }


COMMANDS = ["status", "status FILE", "report", "plan --store", "test"]


# -- someone else's SQLite file ---------------------------------------------------


@pytest.mark.parametrize(("user_version", "wal"), [(0, False), (1, False), (2, True)],
                         ids=["plain", "user-version-1", "wal-user-version-2"])  # fmt: skip
@pytest.mark.parametrize("command", COMMANDS)
def test_a_foreign_sqlite_file_is_refused_byte_for_byte_untouched(runner, tmp_path, fake, command, user_version, wal):
    path = _foreign(tmp_path / "theirs.db", user_version=user_version, wal=wal)
    before = _sha256(path)
    result = runner.invoke(main, _cli_commands(tmp_path, path)[command])
    assert result.exit_code == 1, result.output
    assert "is an SQLite database but not a hypolab run store (it has the tables people)" in result.output
    assert "Traceback" not in result.output
    assert _sha256(path) == before
    assert fake.calls == []


def test_a_foreign_file_opened_by_the_api_is_left_in_its_journal_mode(tmp_path):
    path = _foreign(tmp_path / "theirs.db", user_version=1)
    before = _sha256(path)
    for read_only in (False, True):
        with pytest.raises(StoreError, match="not a hypolab run store"):
            RunStore(path, read_only=read_only)
    assert _sha256(path) == before
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db.close()


@pytest.mark.parametrize("command", ["status", "report", "plan --store"])
def test_read_only_commands_never_migrate_an_older_store(runner, tmp_path, fake, command):
    path = tmp_path / "runs.sqlite"
    shutil.copyfile(Path(__file__).parent / "stores" / "v2-before-run-identity.sqlite", path)
    before = _sha256(path)
    runner.invoke(main, _cli_commands(tmp_path, path)[command])
    assert _sha256(path) == before


# -- faults -----------------------------------------------------------------------


def _truncate(path: Path) -> None:
    with RunStore(path) as store:
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    path.write_bytes(data[:-1024])


def _corrupt(path: Path, written: bytes, damaged: bytes) -> None:
    with RunStore(path) as store:
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    assert data.count(written) == 1
    # Inside one record's metrics: a page SQLite itself finds nothing wrong with.
    path.write_bytes(data.replace(written, damaged))


def _corrupt_a_planned_record(path: Path) -> None:
    _corrupt(path, b'"test_accuracy": 0.51', b'"test_accuracy": 0.91')  # batch 64, seed 1


@pytest.mark.parametrize(("damage", "said"), [
    (_truncate, r"Cannot read run store .*: the file is cut short .*database disk image is malformed"),
    (_corrupt_a_planned_record, r"Cannot read run store .*: the record of run \w+ is damaged \(its checksum does not match"),
], ids=["cut-short-by-1kb", "corrupted-record"])  # fmt: skip
@pytest.mark.parametrize("command", COMMANDS)
def test_a_damaged_store_is_a_clean_error_in_every_command(runner, tmp_path, fake, command, damage, said):
    path = tmp_path / "runs.sqlite"
    commands = _cli_commands(tmp_path, path)
    pipeline.run_hypothesis(tmp_path / "tiny.yaml", store=path, device="cpu")  # the hypothesis's own runs
    _records(path)
    damage(path)
    result = runner.invoke(main, commands[command])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") or "\nError: " in result.output
    assert re.search(said, result.output), result.output
    assert "restore it from a backup" in result.output
    assert "Traceback" not in result.output


def test_a_corrupted_record_is_never_used_silently(tmp_path):
    path = tmp_path / "runs.sqlite"
    _records(path)
    _corrupt(path, b'"test_accuracy": 0.317', b'"test_accuracy": 0.917')
    with RunStore(path, read_only=True) as store:
        assert store.get("k16").metrics["test_accuracy"] == 0.316
        with pytest.raises(StoreError, match="the record of run k17 is damaged"):
            store.get("k17")


@contextlib.contextmanager
def _immutable(path: Path):
    if ROOT:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
            pytest.skip("chattr +i is not available on this file system")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def test_an_unwritable_store_is_a_clean_error_and_can_still_be_read(runner, tmp_path, fake):
    path = tmp_path / "runs.sqlite"
    commands = _cli_commands(tmp_path, path)
    before = _records(path)
    with _immutable(path):
        result = runner.invoke(main, commands["test"])
        assert result.exit_code == 1, result.output
        assert "cannot be written: the file or its folder is read-only" in result.output
        assert "Traceback" not in result.output
        status = runner.invoke(main, commands["status"])
        assert status.exit_code == 0, status.output
        with RunStore(path, read_only=True) as store:
            assert store.all_records() == before
    assert fake.calls == []


@contextlib.contextmanager
def _tmpfs(folder: Path, size: str):
    if not ROOT:
        pytest.skip("mounting a small tmpfs needs root")
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]).returncode != 0:
        pytest.skip("tmpfs cannot be mounted here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 4096)
    return filler


def test_a_full_disk_is_a_clean_error_and_loses_nothing_stored(tmp_path, fake):
    with _tmpfs(tmp_path / "small", "2m") as disk:
        path = disk / "runs.sqlite"
        before = _records(path, n=5)
        filler = _fill(disk)
        with pytest.raises(StoreError, match=r"(the disk is full|disk I/O error).*Every run recorded before|"
                                              r"(the disk is full|disk I/O error).*Records committed before are kept"):
            with RunStore(path) as store:
                for i in range(200):
                    store.put(run_result(key=f"more{i}", seed=i, notes=("y" * 4000,)))
        filler.unlink()
        with RunStore(path, read_only=True) as store:
            assert store.all_records()[: len(before)] == before


def test_a_store_that_fills_up_during_test_ends_with_a_clean_error(tmp_path):
    # The SQLite error a full disk gives (SQLITE_FULL), injected with a page cap where no tmpfs can be mounted.
    path = tmp_path / "runs.sqlite"
    before = _records(path, n=5)
    with RunStore(path) as store:
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreError, match=r"the disk is full \(database or disk is full\).*Every run recorded "
                                              r"before it is kept\. Free some space"):
            for i in range(50):
                store.put(run_result(key=f"more{i}", seed=i, notes=("y" * 4000,)))
    with RunStore(path, read_only=True) as store:
        assert store.all_records()[: len(before)] == before


def test_a_store_on_read_only_media_can_be_read(runner, tmp_path, fake):
    with _tmpfs(tmp_path / "media", "8m") as media:
        path = media / "runs.sqlite"
        hypothesis = write_hypothesis(tmp_path, seeds=2)
        pipeline.run_hypothesis(hypothesis, store=path, device="cpu")
        subprocess.run(["mount", "-o", "remount,ro", str(media)], check=True)
        for args in (["status", "--store", str(path)],
                     ["report", str(hypothesis), "--store", str(path), "--out", str(tmp_path / "reports")]):  # fmt: skip
            result = runner.invoke(main, args)
            assert result.exit_code == 0, result.output
        assert "batch 64        2         2" in runner.invoke(main, ["status", "--store", str(path)]).output


# -- leases -----------------------------------------------------------------------


def test_a_lease_whose_pid_now_belongs_to_another_process_is_stale_at_once(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with RunStore(tmp_path / "runs.sqlite") as store:
            store.claim("k1", owner="gone:1:abc")
            store._db.execute("UPDATE leases SET pid = ?, started = ?", (sleeper.pid, "another-boot:123"))
            assert store.claim("k1", owner=new_owner()) is Claim.CLAIMED  # alive, but not the claimer
            store._db.execute("UPDATE leases SET owner = 'live:1:abc', pid = ?, started = ?",
                              (sleeper.pid, process_started(sleeper.pid)))  # fmt: skip
            assert store.claim("k1", owner=new_owner()) is Claim.BUSY  # the very process: still live
    finally:
        sleeper.kill()
        sleeper.wait()


# -- values SQLite cannot hold -----------------------------------------------------


def test_a_seed_sqlite_cannot_hold_is_a_clean_store_error(tmp_path):
    spec = RunSpec(key="k", hypothesis="h", arm="a", seed=2**64, config={}, data=DataConfig())
    with RunStore(tmp_path / "runs.sqlite") as store:
        with pytest.raises(StoreError, match=r"seed 18446744073709551616 cannot be stored.*Expected seeds in 0\.\.4294967295"):
            store.register_plan("h", "h.yaml", [spec])
        with pytest.raises(StoreError, match="seed 18446744073709551616 cannot be stored"):
            store.put(replace(run_result(key="k"), seed=2**64))
        assert store.count() == 0
