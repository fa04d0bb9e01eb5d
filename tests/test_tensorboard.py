"""``--tensorboard``: read back with TensorBoard's own event reader, as its HParams tab would."""

from __future__ import annotations

import textwrap

import pytest

from hypolab import pipeline

TINY = textwrap.dedent(
    """\
    claim: A batch size of 16 gives higher test accuracy than a batch size of 64.
    metric: test_accuracy
    direction: greater
    seeds: 2
    data: {name: digits, subset: 200}
    base:
      model: {kind: mlp, units: [8]}
      optimizer: {name: adam, learning_rate: 0.01}
      epochs: 2
      batch_size: 32
    control: {name: b64, set: {batch_size: 64}}
    treatments:
      - {name: b16, set: {batch_size: 16}}
    """
)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tb")
    (folder / "hypotheses").mkdir()
    path = folder / "hypotheses" / "tiny.yaml"
    path.write_text(TINY)
    results = pipeline.run_hypothesis(path, store=folder / "runs.db", device="cpu", tensorboard_dir=folder / "tb")
    return folder / "tb" / "tiny", results


def _accumulator(path):
    from tensorboard.backend.event_processing import event_accumulator

    accumulator = event_accumulator.EventAccumulator(str(path), size_guidance={event_accumulator.TENSORS: 0})
    accumulator.Reload()
    return accumulator


def _plugin_data(accumulator):
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = accumulator.PluginTagToContent("hparams")
    return {tag: plugin_data_pb2.HParamsPluginData.FromString(data) for tag, data in content.items()}


def test_every_seed_of_an_arm_is_one_hparams_group_with_the_same_hparams(logs):
    root, _ = logs
    groups: dict[str, list] = {}
    for run in sorted(p for p in root.iterdir() if p.is_dir()):
        [start] = [d.session_start_info for d in _plugin_data(_accumulator(run)).values()
                   if d.HasField("session_start_info")]  # fmt: skip
        groups.setdefault(start.group_name, []).append(dict(start.hparams))
    assert sorted(groups) == ["tiny/b16", "tiny/b64"]
    for sessions in groups.values():
        assert len(sessions) == 2  # two seeds, one group
        assert sessions[0] == sessions[1]  # the same hparams: the tab averages them
        assert "seed" not in sessions[0]
    assert groups["tiny/b64"][0]["batch_size"].number_value == 64


def test_the_hypothesis_metric_is_logged_for_every_run(logs):
    root, results = logs
    expected = {(r.arm, r.seed): r.metrics["test_accuracy"] for r in results}
    seen = {}
    for run in (p for p in root.iterdir() if p.is_dir()):
        accumulator = _accumulator(run)
        assert "test_accuracy" in accumulator.Tags()["scalars"], accumulator.Tags()
        [event] = accumulator.Scalars("test_accuracy")
        arm, seed = run.name.split("-seed")[0], int(run.name.split("-seed")[1].split("-")[0])
        seen[(arm, seed)] = event.value
    assert sorted(seen.values()) == pytest.approx(sorted(expected.values()), abs=1e-6)


def test_the_experiment_config_names_the_arms_and_the_metric(logs):
    root, _ = logs
    [config] = [d.experiment for d in _plugin_data(_accumulator(root)).values() if d.HasField("experiment")]
    names = {h.name: h for h in config.hparam_infos}
    assert {v.string_value for v in names["arm"].domain_discrete.values} == {"b16", "b64"}
    assert "batch_size" in names
    assert config.metric_infos[0].name.tag == "test_accuracy"
