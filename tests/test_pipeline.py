"""The pipeline: which runs get trained, in what order, and what comes back.

Most tests fake the trainer (orchestration is what they are about); one trains
real, tiny models end to end.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from runner_cases import FakeTrainer, fake_record, write_hypothesis

from hypolab import datasets, pipeline, plan
from hypolab.hypothesis import load as load_hypothesis
from hypolab.pipeline import training
from hypolab.records import RunStatus
from hypolab.store import Claim, RunStore, new_owner


def test_runs_are_interleaved_across_arms(tmp_path, fake):
    results = pipeline.run_hypothesis(write_hypothesis(tmp_path), store=tmp_path / "runs.sqlite", device="cpu")
    expected = [("batch 64", 0), ("batch 8", 0), ("batch 64", 1), ("batch 8", 1), ("batch 64", 2), ("batch 8", 2)]
    assert fake.calls == expected
    assert [(r.arm, r.seed) for r in results] == expected


def test_a_second_run_trains_nothing_new(tmp_path, fake):
    path = write_hypothesis(tmp_path)
    first = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    fake.calls.clear()
    second = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    assert fake.calls == []
    assert second == first


def test_rerun_retrains_every_run_and_keeps_the_old_records(tmp_path, fake):
    path, store_path = write_hypothesis(tmp_path, seeds=2), tmp_path / "runs.sqlite"
    first = pipeline.run_hypothesis(path, store=store_path, device="cpu")
    pipeline.run_hypothesis(path, store=store_path, device="cpu", rerun=True)
    assert len(fake.calls) == 8
    with RunStore(store_path) as store:
        assert store.count() == 8
        assert all(len(store.history(r.key)) == 2 for r in first)


def test_failed_runs_are_retried_on_the_next_run(tmp_path, monkeypatch):
    trainer = FakeTrainer(fail={("batch 8", 1)})
    trainer.install(monkeypatch)
    path = write_hypothesis(tmp_path)
    results = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    assert [r.status for r in results].count(RunStatus.FAILED) == 1
    trainer.calls.clear()
    trainer.fail.clear()
    results = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    assert trainer.calls == [("batch 8", 1)]
    assert all(r.status is RunStatus.FINISHED for r in results)


def test_a_run_two_hypotheses_share_is_trained_once(tmp_path, fake):
    store_path = tmp_path / "runs.sqlite"
    pipeline.run_hypothesis(write_hypothesis(tmp_path, "first"), store=store_path, device="cpu")
    fake.calls.clear()
    second = pipeline.run_hypothesis(write_hypothesis(tmp_path, "second", treatment_batch=16), store=store_path, device="cpu")
    assert fake.calls == [("batch 8", 0), ("batch 8", 1), ("batch 8", 2)]  # the shared control came from the store
    control = [r for r in second if r.config.batch_size == 64]
    assert [r.hypothesis for r in control] == ["first"] * 3  # who trained it
    assert [r.arm for r in control] == ["batch 64"] * 3


def test_editing_an_arm_gives_new_runs_that_never_mix_with_the_old(tmp_path, fake):
    store_path = tmp_path / "runs.sqlite"
    pipeline.run_hypothesis(write_hypothesis(tmp_path, treatment_batch=8), store=store_path, device="cpu")
    fake.calls.clear()
    edited = pipeline.run_hypothesis(write_hypothesis(tmp_path, treatment_batch=4), store=store_path, device="cpu")
    assert fake.calls == [("batch 8", 0), ("batch 8", 1), ("batch 8", 2)]
    assert sorted({r.config.batch_size for r in edited}) == [4, 64]
    with RunStore(store_path) as store:
        assert [arm for _, arm, _ in store.planned("tiny")].count("batch 8") == 3


def test_packed_rounds_keep_the_arms_balanced(tmp_path, fake):
    pipeline.run_hypothesis(write_hypothesis(tmp_path, seeds=4, pack=2), store=tmp_path / "runs.sqlite", device="cpu")
    assert fake.singles == []
    assert fake.packs == [
        [("batch 64", 0), ("batch 64", 1)], [("batch 8", 0), ("batch 8", 1)],
        [("batch 64", 2), ("batch 64", 3)], [("batch 8", 2), ("batch 8", 3)],
    ]  # fmt: skip


def test_a_packed_arm_trains_its_remainder_packed_too(tmp_path, fake):
    # 5 seeds in packs of 2 leave one seed per arm: it must take the packed
    # path as well, or its numbers would depend on the pack size.
    pipeline.run_hypothesis(write_hypothesis(tmp_path, seeds=5, pack=2), store=tmp_path / "runs.sqlite", device="cpu")
    assert fake.singles == []  # no seed of a packed arm trained unpacked
    assert [("batch 64", 4)] in fake.packs and [("batch 8", 4)] in fake.packs
    assert sorted(seed for pack in fake.packs for _, seed in pack) == sorted(list(range(5)) * 2)


def test_an_arm_that_cannot_be_packed_trains_its_seeds_one_by_one_with_a_note(tmp_path, fake):
    path = write_hypothesis(tmp_path, seeds=2, pack=2)
    path.write_text(path.read_text().replace("set: {batch_size: 8}", "set: {batch_size: 8, optimizer.name: adafactor}"))
    results = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    assert fake.packs == [[("batch 64", 0), ("batch 64", 1)]]
    assert fake.singles == [("batch 8", 0), ("batch 8", 1)]
    notes = {r.arm: r.notes for r in results}
    assert notes["batch 64"] == ()
    assert notes["batch 8"] == ("trained one seed at a time: optimizer 'adafactor' updates a weight from the whole tensor, which would couple the seeds",)


def test_runs_another_process_trains_are_waited_for_not_trained(tmp_path, monkeypatch, fake):
    monkeypatch.setattr(training, "POLL_SECONDS", 0.05)
    path, store_path = write_hypothesis(tmp_path, seeds=2), tmp_path / "runs.sqlite"
    h = load_hypothesis(path)
    held = plan.plan(h)[1]  # batch 8, seed 0
    other = new_owner()
    with RunStore(store_path) as store:
        assert store.claim(held.key, owner=other) is Claim.CLAIMED

    def finish_later():
        time.sleep(1.0)
        with RunStore(store_path) as store:
            store.put(fake_record(held), owner=other)

    worker = threading.Thread(target=finish_later)
    worker.start()
    results = pipeline.run_hypothesis(path, store=store_path, device="cpu")
    worker.join()
    assert ("batch 8", 0) not in fake.calls  # only the other "process" trained it
    assert sorted(fake.calls) == [("batch 64", 0), ("batch 64", 1), ("batch 8", 1)]
    assert len(results) == 4 and all(r.status is RunStatus.FINISHED for r in results)


def test_an_interrupt_keeps_finished_runs_and_releases_leases(tmp_path, monkeypatch):
    FakeTrainer(interrupt_at=3).install(monkeypatch)
    path, store_path = write_hypothesis(tmp_path), tmp_path / "runs.sqlite"
    with pytest.raises(KeyboardInterrupt):
        pipeline.run_hypothesis(path, store=store_path, device="cpu")
    with RunStore(store_path) as store:
        assert store.count() == 3
        assert store.running_keys() == set()
    resumed = FakeTrainer()
    resumed.install(monkeypatch)
    pipeline.run_hypothesis(path, store=store_path, device="cpu")
    assert resumed.calls == [("batch 8", 1), ("batch 64", 2), ("batch 8", 2)]


class RecordingProgress:
    def __init__(self):
        self.events = []

    def start(self, hypothesis, *, total, stored):
        self.events.append(("start", hypothesis, total, stored))

    def runs_started(self, specs):
        self.events.append(("started", [s.seed for s in specs]))

    def epoch_done(self, specs, epoch, epochs, logs):
        self.events.append(("epoch", epoch, epochs))

    def run_done(self, result):
        self.events.append(("done", result.arm, result.seed))

    def waiting(self, count):
        self.events.append(("waiting", count))

    def close(self):
        self.events.append(("close",))


def test_progress_hears_of_every_run(tmp_path, fake):
    progress = RecordingProgress()
    pipeline.run_hypothesis(write_hypothesis(tmp_path, seeds=2), store=tmp_path / "runs.sqlite", device="cpu", progress=progress)
    assert progress.events[0] == ("start", "tiny", 4, 0)
    assert progress.events[1:4] == [("started", [0]), ("epoch", 1, 1), ("done", "batch 64", 0)]
    assert progress.events[-1] == ("close",)
    assert sum(1 for e in progress.events if e[0] == "done") == 4


def test_metric_values_split_finished_from_failed_runs(tmp_path, monkeypatch):
    FakeTrainer(fail={("batch 8", 1)}).install(monkeypatch)
    path = write_hypothesis(tmp_path, failed_runs="worst")
    h = load_hypothesis(path)
    results = pipeline.run_hypothesis(h, store=tmp_path / "runs.sqlite", device="cpu")
    values, seeds, failed = pipeline.metric_values(h, results)
    assert values == {"batch 64": [0.5, 0.51, 0.52], "batch 8": [pytest.approx(0.6), pytest.approx(0.62)]}
    assert seeds == {"batch 64": [0, 1, 2], "batch 8": [0, 2]}
    assert failed == {"batch 64": [], "batch 8": [1]}
    analysis = pipeline.analyze_hypothesis(h, results).to_dict()
    assert [(a["name"], a["n"], a["n_failed"]) for a in analysis["arms"]] == [("batch 64", 3, 1 - 1), ("batch 8", 3, 1)]


def test_test_reports_from_the_analysis_record(tmp_path, fake):
    outcome = pipeline.test(write_hypothesis(tmp_path), store=tmp_path / "runs.sqlite", device="cpu", reports_root=tmp_path)
    assert outcome.report_path == tmp_path / "tiny" / "index.html" and outcome.report_note is None
    assert outcome.analysis.comparisons[0].treatment == "batch 8"
    data = json.loads((tmp_path / "tiny" / "results.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in data.items() if k not in ("report", "registration")} == json.loads(json.dumps(outcome.analysis.to_dict()))
    assert outcome.trained == 6 and outcome.unsuccessful == []


def test_real_training_end_to_end_loads_the_data_once(tmp_path, monkeypatch):
    loads = []
    real_load = datasets.load
    monkeypatch.setattr(datasets, "load", lambda data, **kw: loads.append(data) or real_load(data, **kw))
    results = pipeline.run_hypothesis(write_hypothesis(tmp_path, seeds=2), store=tmp_path / "runs.sqlite", device="cpu")
    assert len(loads) == 1
    assert [r.status for r in results] == [RunStatus.FINISHED] * 4
    assert len({r.key for r in results}) == 4
    assert all(r.device == "cpu" and r.epochs_run == 1 and "test_accuracy" in r.metrics for r in results)
    # Plan order is (batch 64, 0), (batch 8, 0), (batch 64, 1), (batch 8, 1): the same arm, another seed.
    assert (results[0].arm, results[0].seed, results[2].arm, results[2].seed) == ("batch 64", 0, "batch 64", 1)
    assert results[0].history["loss"] != results[2].history["loss"]  # seeds differ
    assert results[0].data["sizes"] == {"train": 120, "val": 288, "test": 360}


def test_tensorboard_keeps_packing_and_trains_in_the_packed_engine(tmp_path, fake):
    # The packed engine logs each copy from its own loop, so --tensorboard changes neither the path nor the packs.
    pipeline.run_hypothesis(write_hypothesis(tmp_path, seeds=2, pack="auto"), store=tmp_path / "runs.sqlite",
                            device="cpu", tensorboard_dir=tmp_path / "tb")  # fmt: skip
    assert fake.singles == []
    assert fake.packs == [[("batch 64", 0), ("batch 64", 1)], [("batch 8", 0), ("batch 8", 1)]]


def test_pack_one_trains_every_seed_alone_in_the_packed_engine(tmp_path, fake):
    pipeline.run_hypothesis(write_hypothesis(tmp_path, seeds=2, pack=1), store=tmp_path / "runs.sqlite", device="cpu")
    assert fake.singles == []
    assert fake.packs == [[("batch 64", 0)], [("batch 8", 0)], [("batch 64", 1)], [("batch 8", 1)]]


def test_a_timing_metric_trains_one_seed_per_model_whatever_the_pack(tmp_path, fake):
    path = write_hypothesis(tmp_path, seeds=2, pack="auto")
    path.write_text(path.read_text().replace("metric: test_accuracy", "metric: train_seconds"))
    results = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    assert fake.packs == [[("batch 64", 0)], [("batch 8", 0)], [("batch 64", 1)], [("batch 8", 1)]]
    assert all("the metric train_seconds is a timing, and seeds packed together share one wall clock" in r.notes[-1]
               for r in results)  # fmt: skip


def test_a_test_registers_the_file_before_training(tmp_path, fake):
    path, store_path = write_hypothesis(tmp_path, seeds=2, pack=1), tmp_path / "runs.sqlite"
    pipeline.run_hypothesis(path, store=store_path, device="cpu")
    h = load_hypothesis(path)
    with RunStore(store_path) as store:
        source, registered_at = store.first_registration(h.name)
    assert source == h.source == path.read_text()
    assert registered_at.endswith("+00:00")
