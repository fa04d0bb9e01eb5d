"""The Keras Tuner internals hypolab.tuning.keras_tuner_adapter relies on, checked against the installed Keras Tuner.

Each test names the internal it checks, so a Keras Tuner upgrade that changes
one fails here with its name instead of breaking a search somewhere else.
"""

from __future__ import annotations

import inspect

import pytest

keras_tuner = pytest.importorskip("keras_tuner")

from hypolab.tuning import keras_tuner_adapter as adapter  # noqa: E402
from hypolab.tuning.trials import TrialStatus  # noqa: E402

UPGRADE = f"Keras Tuner {keras_tuner.__version__} changed it; update hypolab/tuning/keras_tuner_adapter.py"


def _parameters(function) -> list[str]:
    return [
        f"{p.name}" if p.kind is p.POSITIONAL_OR_KEYWORD else f"{'*' if p.kind is p.VAR_POSITIONAL else '**'}{p.name}"
        for p in inspect.signature(function).parameters.values()
    ]


def test_the_private_build_and_fit_model_is_there_with_its_signature():
    method = getattr(keras_tuner.Tuner, "_build_and_fit_model", None)
    assert method is not None, f"keras_tuner.Tuner._build_and_fit_model is gone. {UPGRADE}."
    assert _parameters(method) == ["self", "trial", "*args", "**kwargs"], (
        f"keras_tuner.Tuner._build_and_fit_model{inspect.signature(method)} is not (self, trial, *args, **kwargs). "
        f"{UPGRADE}."
    )
    for name in ("run_trial", "on_trial_end"):
        assert _parameters(getattr(keras_tuner.Tuner, name))[:2] == ["self", "trial"], f"keras_tuner.Tuner.{name}: {UPGRADE}."
    for tuner in adapter.TUNERS.values():
        # The mixin must come first, or Keras Tuner's methods would shadow its overrides.
        assert tuner._build_and_fit_model is adapter._SeededTrials._build_and_fit_model, tuner


def test_trial_statuses_are_the_ones_hypolab_knows():
    from keras_tuner.engine.trial import TrialStatus as KerasTrialStatus

    theirs = {name: value for name, value in vars(KerasTrialStatus).items() if name.isupper()}
    ours = {member.name: member.value for member in TrialStatus}
    assert theirs == ours, (
        f"keras_tuner.engine.trial.TrialStatus is {theirs}, hypolab.tuning.trials.TrialStatus {ours}. {UPGRADE}."
    )


def test_the_chiefs_grpc_internals_are_there():
    try:
        from keras_tuner.src import protos
        from keras_tuner.src.distribute import oracle_chief
    except ImportError as exc:
        pytest.fail(f"keras_tuner.src.protos or keras_tuner.src.distribute.oracle_chief cannot be imported ({exc}). {UPGRADE}.")
    assert hasattr(protos.get_service_grpc(), "add_OracleServicer_to_server"), (
        f"keras_tuner.src.protos.get_service_grpc().add_OracleServicer_to_server is gone. {UPGRADE}."
    )
    assert _parameters(oracle_chief.OracleServicer.__init__) == ["self", "oracle"], (
        f"keras_tuner.src.distribute.oracle_chief.OracleServicer(oracle) changed. {UPGRADE}."
    )
    oracle = keras_tuner.oracles.RandomSearchOracle(objective=keras_tuner.Objective("score", "max"), max_trials=1)
    servicer = oracle_chief.OracleServicer(oracle)
    assert servicer.stop_triggered is False, (
        f"keras_tuner.src.distribute.oracle_chief.OracleServicer.stop_triggered is gone. {UPGRADE}."
    )
    # exit_chief(oracle) is wrapped by Keras Tuner's @synchronized, so it is called rather than inspected:
    # with no trial running and no worker waiting, the chief may exit.
    assert oracle_chief.exit_chief(oracle) is True, (
        f"keras_tuner.src.distribute.oracle_chief.exit_chief(oracle) no longer says an idle chief may exit. {UPGRADE}."
    )


class _AlwaysFails(keras_tuner.HyperModel):
    def build(self, hp):
        import keras

        return keras.Sequential([keras.Input((1,)), keras.layers.Dense(hp.Int("units", 1, 4))])

    def fit(self, hp, model, *args, **kwargs):
        raise ValueError("this config never trains")


def test_too_many_failed_trials_stop_the_search_with_the_words_the_adapter_matches(tmp_path):
    tuner = keras_tuner.RandomSearch(
        hypermodel=_AlwaysFails(), objective="val_loss", max_trials=5, directory=str(tmp_path),
        project_name="fails", max_retries_per_trial=0, max_consecutive_failed_trials=2,
    )  # fmt: skip
    with pytest.raises(RuntimeError) as caught:
        tuner.search(x=None, epochs=1, verbose=0)
    assert adapter.is_consecutive_failures(caught.value), (
        f"Keras Tuner's error after max_consecutive_failed_trials no longer says "
        f"{adapter.CONSECUTIVE_FAILURES!r}: {str(caught.value)[:200]!r}. {UPGRADE}."
    )
    records = adapter.trials_of(tuner)
    assert [t.status for t in records] == [TrialStatus.FAILED, TrialStatus.FAILED]
    assert "this config never trains" in records[-1].message
    assert records[0].values["units"] in range(1, 5) and records[0].score is None
