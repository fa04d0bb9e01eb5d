"""The Ray executor on a cluster of two nodes (Ray's own simulator, ``ray.cluster_utils.Cluster``).

The cluster is sized for a 2-core machine: a head node of 1 CPU (started
once for the module, always shut down) and, per test, one extra node of 1
CPU. The driver joins it by its address (``RunOptions.ray_address``, as
``--ray-address HOST:PORT``), and every test checks what ``local`` gives: each
planned run in the store exactly once, with the same numbers, also after the
extra node dies with a unit in the middle of training there.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from test_executors_ray import BN_DROPOUT, _assert_same_numbers

from hypolab import pipeline
from hypolab.progress import NullProgress
from hypolab.records import RunOptions, RunStatus
from hypolab.store import RunStore

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")
psutil = pytest.importorskip("psutil")  # a dependency of Ray itself
pytestmark = pytest.mark.slow

#: Each node's object store (the units' events are small; Ray's floor is 75 MiB).
OBJECT_STORE = 80 * 1024 * 1024
NODE = {"num_cpus": 1, "object_store_memory": OBJECT_STORE, "include_dashboard": False}
#: Seconds a unit may take to start training on the extra node once another unit trains.
IN_FLIGHT_WITHIN = 120


@pytest.fixture(scope="module")
def cluster():
    """A head node of 1 CPU that this process starts (not the driver: no ``ray.init`` here), shut down after the
    module whatever happened, and no Ray process of it left."""
    assert not ray.is_initialized()
    cluster = cluster_utils.Cluster(initialize_head=False)
    try:
        cluster.add_node(**NODE)
        # The head wrote its address to /tmp/ray/ray_current_cluster, where any ray.init() on this machine without an
        # address would join it (another test's own local instance too): the driver here is given the address instead.
        ray._common.utils.reset_ray_address()
        yield cluster
    finally:
        if ray.is_initialized():
            ray.shutdown()
        ours = _descendants()  # this cluster's processes only (other Ray instances may run on a shared machine)
        cluster.shutdown()
    assert ours, "no process of the cluster was found"
    deadline = time.monotonic() + 30
    while _alive(ours) and time.monotonic() < deadline:  # workers exit once their raylet is gone
        time.sleep(0.5)
    assert _alive(ours) == [], "processes of the cluster outlived its shutdown"


def _descendants() -> list[psutil.Process]:
    return psutil.Process().children(recursive=True)


def _alive(processes: list[psutil.Process]) -> list[str]:
    """The command lines of ``processes`` still running (a zombie has exited; a reused pid is not the process)."""
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{process.pid} {' '.join(process.cmdline())}")
        except psutil.Error:
            continue
    return alive


@pytest.fixture
def extra_node(cluster):
    """One more node of 1 CPU in the cluster, removed after the test where the test did not remove it."""
    node = cluster.add_node(**NODE)
    cluster.wait_for_nodes()
    try:
        yield node
    finally:
        if node in cluster.worker_nodes:
            cluster.remove_node(node)


@pytest.fixture(scope="module")
def local_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("local")
    path = folder / "paths.yaml"
    path.write_text(BN_DROPOUT)
    results = pipeline.run_hypothesis(path, options=RunOptions(store=folder / "runs.sqlite", device="cpu"))
    assert {r.status for r in results} == {RunStatus.FINISHED}
    return {r.key: r for r in results}


def _stored_keys(store_path) -> list[str]:
    with RunStore(store_path, read_only=True) as store:
        return sorted(r.key for r in store.all_records())


def _alive_nodes() -> set[str]:
    return {node["NodeID"] for node in ray.nodes() if node["Alive"]}


def _training_on(node) -> list[psutil.Process]:
    """The worker processes of ``node`` (children of its raylet) that are running a unit right now."""
    raylet = node.all_processes[ray._private.ray_constants.PROCESS_TYPE_RAYLET][0].process.pid
    found = []
    for child in psutil.Process(raylet).children(recursive=True):
        try:
            if "ray::_train_unit" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # gone meanwhile
            continue
    return found


class WhereItTrains(NullProgress):
    """At each epoch: the cluster the driver is connected to, and which of the cluster's nodes train a unit now."""

    def __init__(self, nodes):
        self.nodes = nodes
        self.addresses: set[str] = set()
        self.training: set[str] = set()

    def epoch_done(self, specs, epoch, epochs, logs):
        self.addresses.add(ray.get_runtime_context().gcs_address)
        self.training |= {node.node_id for node in self.nodes if _training_on(node)}


def test_the_driver_joins_a_running_cluster_by_its_address_and_leaves_it_running(cluster, extra_node, local_results,
                                                                                  tmp_path):  # fmt: skip
    path = tmp_path / "paths.yaml"
    path.write_text(BN_DROPOUT)
    options = RunOptions(store=tmp_path / "runs.sqlite", device="cpu", executor="ray", ray_address=cluster.address)
    where = WhereItTrains([cluster.head_node, extra_node])
    outcome = pipeline.test(path, options=options, reports_root=tmp_path / "reports", progress=where)
    assert where.addresses == {cluster.address} and where.training  # the units trained on the cluster's nodes
    assert outcome.trained == len(local_results)
    _assert_same_numbers(outcome.results, local_results)
    assert _stored_keys(tmp_path / "runs.sqlite") == sorted(local_results)  # each planned run exactly once
    # The executor joined the cluster (it did not start it): it left it running, both nodes, and usable.
    assert not ray.is_initialized()
    assert cluster.remaining_processes_alive()
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        assert _alive_nodes() == {cluster.head_node.node_id, extra_node.node_id}
        node_of = ray.remote(num_cpus=1)(lambda: ray.get_runtime_context().get_node_id())
        assert ray.get(node_of.remote(), timeout=120) in _alive_nodes()
    finally:
        ray.shutdown()
    again = pipeline.test(path, options=options, reports_root=tmp_path / "reports")  # and joined again: all stored
    assert again.trained == 0 and _stored_keys(tmp_path / "runs.sqlite") == sorted(local_results)


class LoseTheExtraNode(NullProgress):
    """The extra node dies while a unit trains there: at the first epoch any unit reports, waits for a unit to be
    training on the extra node, freezes that node's worker processes (so that unit cannot get any further there),
    kills the node's Ray processes at once (``remove_node(allow_graceful=False)``), then its frozen workers: a node
    lost as a machine is lost, in the middle of a unit."""

    def __init__(self, cluster, node):
        self.cluster, self.node = cluster, node
        self.lost: list[psutil.Process] = []  # the processes of the units that were training on the node when it died
        self.finished_before: set[str] = set()
        self._finished: set[str] = set()

    def run_done(self, result):
        self._finished.add(result.key)

    def epoch_done(self, specs, epoch, epochs, logs):
        if self.lost or self.node not in self.cluster.worker_nodes:
            return
        assert ray.get_runtime_context().get_node_id() == self.cluster.head_node.node_id  # the driver is on the head
        deadline = time.monotonic() + IN_FLIGHT_WITHIN
        while not (training := _training_on(self.node)):
            assert time.monotonic() < deadline, f"no unit started training on the extra node in {IN_FLIGHT_WITHIN} s"
            time.sleep(0.05)
        workers = [child for child in psutil.Process(self._raylet()).children(recursive=True)
                   if child.name() != "raylet"]  # fmt: skip
        for process in workers:
            _signal(process, signal.SIGSTOP)
        still = [process for process in training if "ray::_train_unit" in " ".join(_cmdline(process))]
        assert still, "the unit on the extra node ended before the node could be lost"
        self.lost = still
        self.finished_before = set(self._finished)
        self.cluster.remove_node(self.node, allow_graceful=False)
        for process in workers:
            _signal(process, signal.SIGKILL)

    def _raylet(self) -> int:
        return self.node.all_processes[ray._private.ray_constants.PROCESS_TYPE_RAYLET][0].process.pid


def _signal(process: psutil.Process, signum: int) -> None:
    try:
        os.kill(process.pid, signum)
    except ProcessLookupError:
        pass


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def test_a_dead_node_s_units_are_retried_on_the_other_node_and_every_run_is_stored_once(
    cluster, extra_node, local_results, tmp_path
):
    path = tmp_path / "paths.yaml"
    path.write_text(BN_DROPOUT)
    progress = LoseTheExtraNode(cluster, extra_node)
    options = RunOptions(store=tmp_path / "runs.sqlite", device="cpu", executor="ray", ray_address=cluster.address)
    results = pipeline.run_hypothesis(path, options=options, progress=progress)
    assert progress.lost, "the test lost no node"
    assert len(progress.finished_before) < len(local_results)  # runs were still to come when the node died
    assert {r.status for r in results} == {RunStatus.FINISHED}, [r.error for r in results]
    _assert_same_numbers(results, local_results)
    assert _stored_keys(tmp_path / "runs.sqlite") == sorted(local_results)  # each planned run exactly once
    assert not ray.is_initialized() and cluster.head_node is not None and cluster.remaining_processes_alive()
    assert _alive(progress.lost) == []  # they died with their node
