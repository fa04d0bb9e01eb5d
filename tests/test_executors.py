"""The execution seam: what an executor gets (units of plain data) and gives (events, one record per spec).

The local executor trains real, tiny models where the test is about what it
reports; the driver is checked against a fake executor where the test is about
who writes the store and when.
"""

from __future__ import annotations

import pytest
from factories import TINY_CONFIG, training_config
from runner_cases import FakeExecutor, write_hypothesis

from hypolab import device, executors, pipeline
from hypolab.errors import ModelError
from hypolab.executors import EpochEnded, PackChoice, RunFinished, RunsStarted, WorkUnit
from hypolab.executors.local import LocalExecutor
from hypolab.executors.worker import WorkerSettings
from hypolab.hypothesis import load as load_hypothesis
from hypolab.pipeline import training
from hypolab.records import DataConfig, RunOptions, RunSpec, RunStatus
from hypolab.store import RunStore

DATA = DataConfig(name="digits", subset=120)
CONFIG = training_config()


def specs(seeds, config=CONFIG) -> tuple[RunSpec, ...]:
    return tuple(RunSpec(key=f"k{seed}", hypothesis="h", arm="arm", seed=seed, config=config, data=DATA) for seed in seeds)


def run_units(executor, units) -> list:
    events = []
    executor.run(units, events.append)
    return events


@pytest.fixture(scope="module")
def local():
    executor = LocalExecutor(WorkerSettings(device="cpu"))
    yield executor
    executor.close()


def test_a_packed_unit_reports_its_start_each_epoch_and_one_record_per_spec(local):
    events = run_units(local, [WorkUnit(specs=specs([0, 1]), packed=True)])
    assert events[0] == RunsStarted(("k0", "k1"))
    epochs = [e for e in events if isinstance(e, EpochEnded)]
    assert [(e.keys, e.epoch, e.epochs) for e in epochs] == [(("k0", "k1"), 1, 2), (("k0", "k1"), 2, 2)]
    assert sorted(epochs[0].logs) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    finished = [e.result for e in events if isinstance(e, RunFinished)]
    assert [r.key for r in finished] == ["k0", "k1"] and isinstance(events[-1], RunFinished)
    assert all(r.status is RunStatus.FINISHED and r.data["sizes"]["train"] == 120 for r in finished)
    assert finished[0].notes[0].startswith("packed: trained as one of 2 copies")


def test_an_unpacked_unit_trains_one_run_after_another_with_the_unit_note(local):
    events = run_units(local, [WorkUnit(specs=specs([3, 4]), packed=False, note="trained one seed at a time: why")])
    kinds = [(type(e).__name__, e.keys if not isinstance(e, RunFinished) else e.result.key) for e in events]
    assert kinds == [
        ("RunsStarted", ("k3",)), ("EpochEnded", ("k3",)), ("EpochEnded", ("k3",)), ("RunFinished", "k3"),
        ("RunsStarted", ("k4",)), ("EpochEnded", ("k4",)), ("EpochEnded", ("k4",)), ("RunFinished", "k4"),
    ]  # fmt: skip
    assert [e.result.notes for e in events if isinstance(e, RunFinished)] == [("trained one seed at a time: why",)] * 2


def test_a_pack_whose_trainer_raises_fails_each_of_its_runs_and_the_next_unit_goes_on(local, monkeypatch):
    from hypolab import packing

    def broken(environment, specs, dataset, *, on_epoch=None, tensorboard_dir=None):
        raise ModelError("seed packing cannot reproduce layer 'x'")

    monkeypatch.setattr(packing, "train_pack_in", broken)
    events = run_units(local, [WorkUnit(specs=specs([0, 1]), packed=True), WorkUnit(specs=specs([2]))])
    results = [e.result for e in events if isinstance(e, RunFinished)]
    assert [(r.key, r.status) for r in results] == [("k0", RunStatus.FAILED), ("k1", RunStatus.FAILED),
                                                     ("k2", RunStatus.FINISHED)]  # fmt: skip
    assert results[0].error == "packed training failed: ModelError: seed packing cannot reproduce layer 'x'"
    assert results[0].device == "cpu" and results[0].data["sizes"]["train"] == 120
    assert set(results[0].metrics) == {"train_seconds", "epochs_run"}  # as every failed record


def test_the_worker_sets_the_device_up_and_loads_the_data_once(monkeypatch):
    from hypolab import datasets

    prepared, loads = [], []
    real_prepare, real_load = device.prepare, datasets.load
    monkeypatch.setattr(device, "prepare", lambda *a, **kw: prepared.append(a) or real_prepare(*a, **kw))
    monkeypatch.setattr(datasets, "load", lambda data, **kw: loads.append(data) or real_load(data, **kw))
    executor = LocalExecutor(WorkerSettings(device="cpu"))
    executor.prepare(DATA, None)
    run_units(executor, [WorkUnit(specs=specs([0], training_config(epochs=1))), WorkUnit(specs=specs([1], training_config(epochs=1)))])
    executor.close()
    assert prepared == [("cpu",)] and loads == [DATA]


@pytest.mark.parametrize(
    ("settings", "config", "requested", "expected"),
    [
        (WorkerSettings(device="cpu"), CONFIG, 1, PackChoice(size=1)),
        (WorkerSettings(device="cpu"), CONFIG, "auto", PackChoice(size=10)),
        (WorkerSettings(device="cpu"), CONFIG, 4, PackChoice(size=4)),
        # The packed engine logs each copy itself: --tensorboard no longer forces one seed per model.
        (WorkerSettings(device="cpu", tensorboard_dir="tb"), CONFIG, "auto", PackChoice(size=10)),
        (WorkerSettings(device="cpu"), training_config(optimizer={"name": "lamb", "learning_rate": 0.01}), "auto",
         PackChoice(size=1, note="trained one seed at a time: optimizer 'lamb' updates a weight from the whole "
                                 "tensor, which would couple the seeds")),
        (WorkerSettings(device="cpu"), training_config(model={**TINY_CONFIG["model"], "units": [10**11]}), "auto",
         PackChoice(size=1, note="trained one seed at a time: sizing a pack failed (")),
    ],
    ids=["one-asked", "auto", "four", "tensorboard", "coupling-optimizer", "unsizable-units"],
)  # fmt: skip
def test_pack_choice_says_how_an_arm_trains_and_why(settings, config, requested, expected):
    executor = LocalExecutor(settings)
    choice = executor.pack_choice(config, DATA, base_dir=None, runs=10, requested=requested)
    assert choice.size == expected.size
    assert (choice.note or "").startswith(expected.note or "") and bool(choice.note) == bool(expected.note)


def test_auto_packs_by_the_memory_of_the_machine_that_trains(monkeypatch):
    monkeypatch.setattr(device, "available_memory", lambda: 0)  # the worker's machine is full
    choice = LocalExecutor(WorkerSettings(device="cpu")).pack_choice(CONFIG, DATA, base_dir=None, runs=10, requested="auto")
    assert choice.size == 1 and choice.why.startswith("auto: one seed per model: the memory free on cpu (0 MiB")


def test_on_a_gpu_packs_are_sized_by_the_gpu_s_own_memory(monkeypatch):
    monkeypatch.setattr(device, "available_memory", lambda: 64 << 30)
    monkeypatch.setattr(device, "_gpu_free_bytes", lambda: 3 << 30)
    assert device.device_memory("gpu:0 (NVIDIA H200)") == 3 << 30 and device.device_memory("cpu") == 64 << 30
    monkeypatch.setattr(device, "_gpu_free_bytes", lambda: None)  # unreadable: the machine's memory
    assert device.device_memory("gpu:0 (NVIDIA H200)") == 64 << 30


def test_auto_says_why_a_light_model_packs_whole(tmp_path):
    choice = LocalExecutor(WorkerSettings(device="cpu")).pack_choice(CONFIG, DATA, base_dir=None, runs=10, requested="auto")
    assert choice.size == 10
    assert choice.why.startswith("auto: 10 seeds per model, as many as the arm has and memory holds; a light model (")


def test_worker_settings_are_the_worker_side_of_the_run_options(tmp_path):
    options = RunOptions(store=tmp_path / "s.sqlite", rerun=True, device="cpu", pack=2, tensorboard_dir=tmp_path,
                         deterministic=True)  # fmt: skip
    assert WorkerSettings.from_options(options) == WorkerSettings(device="cpu", deterministic=True,
                                                                  tensorboard_dir=str(tmp_path))  # fmt: skip
    assert isinstance(executors.create(options), LocalExecutor)


class CheckingExecutor(FakeExecutor):
    """Before each run it trains, checks that the driver committed every run it finished before."""

    def __init__(self, store_path):
        super().__init__()
        self.store_path = store_path
        self.finished: list[str] = []
        self.closed = False

    def run(self, units, on_event):
        def check_then_pass(event):
            if isinstance(event, RunsStarted):
                with RunStore(self.store_path) as store:
                    assert sorted(store.results_for(self.finished)) == sorted(self.finished)
            if isinstance(event, RunFinished):
                self.finished.append(event.result.key)
            on_event(event)

        super().run(units, check_then_pass)

    def close(self):
        self.closed = True


def test_the_driver_commits_each_record_as_it_arrives_and_keeps_a_given_executor_open(tmp_path):
    path, store_path = write_hypothesis(tmp_path, seeds=3, pack=2), tmp_path / "runs.sqlite"
    executor = CheckingExecutor(store_path)
    h = load_hypothesis(path)
    trained = training.execute(h, RunOptions(store=store_path, device="cpu"), executor=executor)
    assert trained.trained == 6 and len(executor.finished) == 6
    # Rounds of the executor's pack size (2), arms balanced, the remainder seed in a packed unit too.
    assert [(u.specs[0].arm, [s.seed for s in u.specs], u.packed) for u in executor.units] == [
        ("batch 64", [0, 1], True), ("batch 8", [0, 1], True), ("batch 64", [2], True), ("batch 8", [2], True),
    ]  # fmt: skip
    assert {u.base_dir for u in executor.units} == {str(tmp_path)}
    assert not executor.closed


def test_run_options_or_keyword_arguments_not_both(tmp_path):
    path = write_hypothesis(tmp_path)
    with pytest.raises(TypeError, match=r"pass the run options either as options=RunOptions\(\.\.\.\) or as "
                       r"keyword arguments, not both\. Got options and store, device\."):  # fmt: skip
        pipeline.run_hypothesis(path, store=tmp_path / "x.sqlite", device="cpu", options=RunOptions())
    with RunStore(tmp_path / "runs.sqlite") as store, pytest.raises(TypeError, match=r"Got options and store\.$"):
        pipeline.test(path, store=store, options=RunOptions(store=tmp_path / "runs.sqlite"))


def test_the_options_record_trains_as_the_keyword_arguments_do(tmp_path, fake):
    path = write_hypothesis(tmp_path, seeds=2)
    by_keywords = pipeline.run_hypothesis(path, store=tmp_path / "a.sqlite", device="cpu", pack=1)
    calls, fake.calls[:] = list(fake.calls), []
    by_record = pipeline.run_hypothesis(path, options=RunOptions(store=tmp_path / "b.sqlite", device="cpu", pack=1))
    assert fake.calls == calls and [r.key for r in by_record] == [r.key for r in by_keywords]
    assert (tmp_path / "b.sqlite").is_file()


def test_pack_choice_estimates_a_unit_s_memory_where_it_trains(monkeypatch):
    from hypolab import packing

    executor = LocalExecutor(WorkerSettings(device="cpu"))
    per_seed, shared = packing.estimate_memory(CONFIG, executor._worker.dataset(DATA, None))
    assert per_seed > 0 and shared > 0
    for requested in (1, 4, "auto"):
        choice = executor.pack_choice(CONFIG, DATA, base_dir=None, runs=10, requested=requested)
        assert choice.memory == (per_seed, shared)
        assert choice.unit_bytes(3) == shared + 3 * per_seed
    monkeypatch.setattr(executor._worker, "environment", lambda: type("E", (), {"device": "gpu:0 (NVIDIA H200)"})())
    gpu = executor.pack_choice(CONFIG, DATA, base_dir=None, runs=10, requested=1)
    assert gpu.memory == (0, shared)  # on a GPU the copies take the GPU's memory, the host holds the data
    huge = training_config(model={**TINY_CONFIG["model"], "units": [10**11]})
    assert executor.pack_choice(huge, DATA, base_dir=None, runs=10, requested=1) == PackChoice(size=1)
    assert PackChoice(size=1).unit_bytes(2) is None


def test_each_unit_carries_its_estimated_memory_to_the_executor(tmp_path):
    from runner_cases import FakeExecutor

    class Estimating(FakeExecutor):
        def pack_choice(self, config, data, *, base_dir, runs, requested):
            return PackChoice(size=2, memory=(1000, 50))

    path, store_path = write_hypothesis(tmp_path, seeds=3, pack=2), tmp_path / "runs.sqlite"
    executor = Estimating()
    training.execute(load_hypothesis(path), RunOptions(store=store_path, device="cpu"), executor=executor)
    assert [len(u.specs) for u in executor.units] == [2, 2, 1, 1]
    assert [u.memory_bytes for u in executor.units] == [2050, 2050, 1050, 1050]
