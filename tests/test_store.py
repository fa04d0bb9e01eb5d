"""The run store: records round-trip, reruns supersede, claims never double up."""

from __future__ import annotations

import json
import math
import multiprocessing
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace

import pytest
from factories import run_result, training_config

from hypolab.errors import StoreError
from hypolab.records import DataConfig, RunResult, RunSpec, RunStatus
from hypolab.store import Claim, RunStore, new_owner
from hypolab.store.schema import APPLICATION_ID

#: A record with every field set, so round trips check them all.
EVERY_FIELD = run_result(
    key="k1",
    hypothesis="batchsize",
    arm="control",
    seed=0,
    config=training_config(
        early_stopping={"monitor": "val_loss", "patience": 2, "min_delta": 0.0, "restore_best_weights": True}
    ),
    data=DataConfig(subset=200).to_dict(),
    history={"loss": [1.5, 0.9], "val_loss": [1.4, float("nan")], "accuracy": [0.5, 0.75]},
    metrics={"test_accuracy": 0.8125, "val_loss": 1.25, "epochs_run": 2.0},
    best_epoch=1,
    epochs_run=2,
    trainable_params=610,
    train_seconds=1.5,
    device="cpu",
    backend="tensorflow",
    versions={"keras": "3.15.1", "python": "3.11.7"},
    started_at="2026-01-01T00:00:00+00:00",
    finished_at="2026-01-01T00:00:02+00:00",
    error=None,
    diverged_epoch=None,
    notes=("packed with 4 seeds",),
)


def make_result(key: str = "k1", **changes) -> RunResult:
    return replace(EVERY_FIELD, key=key, **changes)


def make_spec(key: str, arm: str = "control", seed: int = 0) -> RunSpec:
    return RunSpec(key=key, hypothesis="batchsize", arm=arm, seed=seed, config=training_config(), data=DataConfig())


def test_put_then_get_round_trips_every_field(tmp_path):
    original = make_result(status=RunStatus.DIVERGED, error="loss became nan at epoch 2", diverged_epoch=2)
    with RunStore(tmp_path / "runs.sqlite") as store:
        store.put(original)
    with RunStore(tmp_path / "runs.sqlite") as reopened:
        loaded = reopened.get("k1")
    assert loaded is not None
    assert math.isnan(loaded.history["val_loss"][1])
    nan_free = {**original.history, "val_loss": [1.4]}
    assert replace(loaded, history={**loaded.history, "val_loss": [1.4]}) == replace(original, history=nan_free)
    assert loaded.status is RunStatus.DIVERGED


def test_the_config_is_stored_as_the_resolved_dict_and_read_back_as_the_record(tmp_path):
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        store.put(make_result("k1"))
        assert store.get("k1").config == EVERY_FIELD.config
    db = sqlite3.connect(path)
    (stored,) = db.execute("SELECT config FROM runs WHERE key = 'k1'").fetchone()
    assert json.loads(stored) == EVERY_FIELD.config.to_dict()
    # A row whose config is not a resolved one (a key dropped) is refused, naming the run.
    damaged = json.loads(stored)
    del damaged["model"]["activation"]
    # (checksum '': a row from before checksums, so the config check itself is what refuses it)
    db.execute("UPDATE runs SET config = ?, checksum = '' WHERE key = 'k1'", (json.dumps(damaged),))
    db.commit()
    db.close()
    with RunStore(path) as store, pytest.raises(
        StoreError,
        match=r"run k1: its stored config is not a resolved training config \(resolved config: model \(kind "
        r"'mlp'\): missing 'activation'\..*\)\. Expected a store written by this version of hypolab",
    ):
        store.get("k1")


def test_get_returns_none_for_an_unknown_key(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store:
        assert store.get("missing") is None
        assert store.results_for(["missing"]) == {}


def test_store_uses_wal_journal(tmp_path):
    RunStore(tmp_path / "runs.sqlite").close()
    mode = sqlite3.connect(tmp_path / "runs.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_rerun_supersedes_and_keeps_history(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store:
        store.put(make_result(metrics={"test_accuracy": 0.5}))
        store.put(make_result(metrics={"test_accuracy": 0.75}))
        assert store.get("k1").metrics == {"test_accuracy": 0.75}
        assert [r.metrics["test_accuracy"] for r in store.history("k1")] == [0.5, 0.75]
        assert store.results_for(["k1", "k1"])["k1"].metrics == {"test_accuracy": 0.75}
        assert store.count("k1") == 2


def test_results_for_many_keys_crosses_the_parameter_limit(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store:
        for i in range(1200):
            store.put(make_result(f"k{i}", seed=i))
        found = store.results_for(f"k{i}" for i in range(1200))
    assert len(found) == 1200
    assert found["k1199"].seed == 1199


def test_claim_is_done_busy_or_claimed(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store:
        first, second = new_owner(), new_owner()
        assert store.claim("k1", owner=first) is Claim.CLAIMED
        assert store.claim("k1", owner=second) is Claim.BUSY
        assert store.claim("k1", owner=first) is Claim.CLAIMED  # re-claiming one's own lease is fine
        store.put(make_result("k1"), owner=first)
        assert store.running_keys() == set()
        assert store.claim("k1", owner=second) is Claim.DONE


def test_released_lease_can_be_claimed_by_another_owner(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store:
        first, second = new_owner(), new_owner()
        assert store.claim("k1", owner=first) is Claim.CLAIMED
        store.release(first)
        assert store.claim("k1", owner=second) is Claim.CLAIMED


def test_lease_of_a_dead_process_is_reclaimed(tmp_path):
    path = tmp_path / "runs.sqlite"
    code = (
        "import sys; from hypolab.store import RunStore, new_owner;"
        f"s = RunStore({str(path)!r}); print(s.claim('k1', owner=new_owner()).value)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "claimed"
    with RunStore(path) as store:
        assert store.running_keys() == set()
        assert store.claim("k1", owner=new_owner()) is Claim.CLAIMED


def test_lease_with_an_expired_heartbeat_is_reclaimed(tmp_path):
    with RunStore(tmp_path / "runs.sqlite", lease_seconds=0.2) as store:
        first = new_owner()
        assert store.claim("k1", owner=first) is Claim.CLAIMED  # this process is alive...
        assert store.claim("k1", owner=new_owner()) is Claim.BUSY
        time.sleep(0.3)  # ...but its heartbeat stopped
        assert store.claim("k1", owner=new_owner()) is Claim.CLAIMED


def test_heartbeat_keeps_a_lease_live(tmp_path):
    with RunStore(tmp_path / "runs.sqlite", lease_seconds=0.3) as store:
        first = new_owner()
        store.claim("k1", owner=first)
        for _ in range(3):
            time.sleep(0.15)
            store.heartbeat(first)
        assert store.claim("k1", owner=new_owner()) is Claim.BUSY


@pytest.mark.parametrize(
    ("status", "fresh_in", "retry_failed_in", "expected"),
    [
        (RunStatus.FINISHED, None, None, Claim.DONE),
        (RunStatus.DIVERGED, None, 60, Claim.DONE),
        (RunStatus.FAILED, None, None, Claim.DONE),
        (RunStatus.FAILED, None, 60, Claim.CLAIMED),
        (RunStatus.FINISHED, 60, None, Claim.CLAIMED),
    ],
    ids=["finished-kept", "diverged-kept", "failed-kept", "failed-retried", "rerun-retrains"],
)
def test_claim_policy_for_existing_records(tmp_path, status, fresh_in, retry_failed_in, expected):
    # Cut-offs are "seconds from now" taken when the test runs, not when pytest
    # collects it: a long suite would otherwise put them in the past.
    now = time.time()
    fresh_since = None if fresh_in is None else now + fresh_in
    retry_failed_before = None if retry_failed_in is None else now + retry_failed_in
    with RunStore(tmp_path / "runs.sqlite") as store:
        store.put(make_result(status=status))
        claim = store.claim("k1", owner=new_owner(), fresh_since=fresh_since, retry_failed_before=retry_failed_before)
    assert claim is expected


def test_a_record_written_during_a_rerun_counts_as_done(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store:
        store.put(make_result())
        started = time.time()
        store.put(make_result())  # another --rerun process finished it already
        assert store.claim("k1", owner=new_owner(), fresh_since=started) is Claim.DONE


def _claim_all(path: str, keys: list[str], queue) -> None:
    store = RunStore(path)
    owner = new_owner()
    won = []
    for key in keys:
        if store.claim(key, owner=owner) is Claim.CLAIMED:
            won.append(key)
            store.put(make_result(key), owner=owner)
    queue.put(won)


def test_concurrent_claims_from_processes_never_double_up(tmp_path):
    path = str(tmp_path / "runs.sqlite")
    RunStore(path).close()
    keys = [f"k{i}" for i in range(40)]
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_claim_all, args=(path, keys, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    won = [key for _ in workers for key in queue.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(won) == sorted(keys)
    with RunStore(path) as store:
        assert store.count() == 40


def test_arm_status_counts_each_state(tmp_path):
    specs = [make_spec(f"c{i}", "control", i) for i in range(4)] + [make_spec(f"t{i}", "batch 4", i) for i in range(4)]
    with RunStore(tmp_path / "runs.sqlite") as store:
        store.register_plan("batchsize", "hypotheses/batchsize.yaml", specs)
        store.put(make_result("c0"))
        store.put(make_result("c1", status=RunStatus.FAILED, error="boom"))
        store.put(make_result("t0", status=RunStatus.DIVERGED))
        store.claim("t1", owner=new_owner())
        rows = {row.arm: row for row in store.arm_status("batchsize")}
        assert store.hypotheses() == [("batchsize", "hypotheses/batchsize.yaml")]
    assert (rows["control"].finished, rows["control"].failed, rows["control"].pending) == (1, 1, 2)
    assert (rows["batch 4"].diverged, rows["batch 4"].running, rows["batch 4"].pending) == (1, 1, 2)


def test_register_plan_replaces_an_edited_plan(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store:
        store.register_plan("h", "h.yaml", [make_spec("old")])
        store.register_plan("h", "h.yaml", [make_spec("new1"), make_spec("new2", seed=1)])
        assert [key for key, _, _ in store.planned("h")] == ["new1", "new2"]


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError, match=r"Cannot open run store .*notes\.txt: file is not a database\. Expected a hypolab SQLite run store"):
        RunStore(path)


def test_a_store_under_a_file_gives_a_clear_error(tmp_path):
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(StoreError, match=r"Cannot create run store .*blocker/runs\.sqlite: .*Expected a writable path; pass --store"):
        RunStore(tmp_path / "blocker" / "runs.sqlite")


def test_a_store_from_a_newer_hypolab_is_refused(tmp_path):
    path = tmp_path / "runs.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # hypolab's marker: a store, of a later schema
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="schema version 99; this hypolab reads version 4 or older"):
        RunStore(path)


def test_opening_an_existing_store_takes_no_write_lock(tmp_path):
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        store.put(make_result())
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process is committing a run
    try:
        start = time.perf_counter()
        with RunStore(path) as reader:
            assert reader.get("k1") is not None
        assert time.perf_counter() - start < 5  # did not wait for the writer
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_store_under_a_file_names_the_cause(tmp_path):
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(StoreError, match=r"runs\.sqlite: one of its parent paths is a file, not a folder\."):
        RunStore(tmp_path / "blocker" / "runs.sqlite")


def test_someone_elses_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "theirs.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE people (name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match=r"theirs\.db is an SQLite database but not a hypolab run store "
                       r"\(it has the tables people\)\. Expected a hypolab run store or a new file"):
        RunStore(path)
    db = sqlite3.connect(path)
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    db.close()
    assert tables == ["people"]


def test_an_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"")
    with RunStore(path) as store:
        assert store.hypotheses() == []
    with RunStore(path) as store:  # opened again: the schema is there, nothing is refused
        assert store.hypotheses() == []


def test_the_first_registered_text_of_a_hypothesis_is_kept(tmp_path):
    with RunStore(tmp_path / "runs.sqlite") as store:
        assert store.first_registration("h") is None
        store.register_source("h", "claim: first\n")
        first = store.first_registration("h")
        store.register_source("h", "claim: edited\n")
        store.register_source("h", "claim: first\n")
        assert store.first_registration("h") == first
        assert first[0] == "claim: first\n"
        store.register_source("other", "claim: x\n")
        assert store.first_registration("h") == first


def test_a_damaged_page_read_inside_with_is_a_store_error(tmp_path):
    # Found by the bad-input sweep: opening went fine, the first query died with sqlite3.DatabaseError.
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        for i in range(40):
            store.put(make_result(f"k{i}", seed=i, notes="x" * 500))
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[-8192:] = b"\xab" * 8192  # the last two pages: run rows, not the schema
    path.write_bytes(bytes(data))
    expected = (r"Cannot read run store .*runs\.sqlite: database disk image is malformed\. "
                r"Expected an intact hypolab SQLite run store; restore it from a backup")
    with pytest.raises(StoreError, match=expected), RunStore(path) as store:
        store.results_for([f"k{i}" for i in range(40)])


def test_a_version_1_store_gains_the_registrations_table_on_open(tmp_path):
    path = tmp_path / "runs.sqlite"
    with RunStore(path) as store:
        store.put(make_result())
    db = sqlite3.connect(path)
    db.execute("DROP TABLE registrations")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with RunStore(path) as store:
        store.register_source("h", "claim: c\n")
        assert store.first_registration("h")[0] == "claim: c\n"
        assert store.get("k1") is not None


def _open_at(path, barrier, errors):
    barrier.wait()
    try:
        with RunStore(path) as store:
            store.register_plan("h", "h.yaml", [])
    except Exception as exc:  # reported to the parent, which fails the test
        errors.put(f"{type(exc).__name__}: {exc}")


def test_many_processes_opening_a_new_store_at_once_all_succeed(tmp_path):
    # Found in CI: two `hypolab test` processes starting together saw "database is locked".
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for attempt in range(4):
        path = tmp_path / f"runs{attempt}.sqlite"
        barrier = context.Barrier(6)
        processes = [context.Process(target=_open_at, args=(path, barrier, errors)) for _ in range(6)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        assert [p.exitcode for p in processes] == [0] * 6
    assert errors.empty(), errors.get()
