"""``baselines/<name>.yaml``: the best config of a search, as a base hypothesis files reuse.

The file's ``base`` is a complete hypolab config (model, optimizer, loss,
epochs, batch_size, early_stopping); a hypothesis file uses it with
``baseline: ../baselines/<name>.yaml`` (relative to the hypothesis file) and
may still override parts of it in its own ``base``. Beside it: where it came from (``source``), the ``objective``,
the tuner's ``score`` of the chosen config, the ``confirmed`` result where
``--confirm`` ran, and the top ``trials`` with their scores. Keras Tuner's own
bookkeeping (``tuner/epochs``, ``tuner/trial_id``, ...) never appears: trials
are described by the hypolab keys they set.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from hypolab import __version__, outputs
from hypolab.errors import OutputError, TuningError
from hypolab.tuning.confirm import Confirmation
from hypolab.tuning.searchspec import SearchSpec
from hypolab.tuning.trials import TrialSummary


def baseline_path(search: SearchSpec, root: str | Path = "baselines") -> Path:
    """``baselines/<name>.yaml``."""
    return Path(root) / f"{search.name}.yaml"


def check_replaceable(path: Path, store: Any) -> None:
    """Refuse to replace a baseline file that a hypothesis registered in ``store`` built on.

    A registration keeps the SHA-256 of the baseline the hypothesis was
    registered on; replacing that file would change the hypothesis's base
    (and every run key) under it. ``hypolab tune --force`` replaces it anyway.

    Raises:
        TuningError: the file exists and registered hypotheses use its content.
    """
    if not path.is_file():
        return
    from hypolab.fingerprint import file_sha256
    from hypolab.store import RunStore

    digest = file_sha256(path)
    if isinstance(store, RunStore):
        users = store.hypotheses_on_baseline(digest)
    elif Path(store).is_file():
        with RunStore(store, read_only=True) as run_store:
            users = run_store.hypotheses_on_baseline(digest)
    else:
        users = []
    if users:
        raise TuningError(
            f"{path} is the baseline that registered hypotheses built on ({', '.join(users)}): replacing it "
            "would change their base config, and every run key, under them. Expected a new baseline: "
            "rename the search file (the baseline is named after it) or pass --baselines with another "
            "folder; or pass --force to replace it (their status, plan, test and report will then say "
            "that the baseline changed since registration)."
        )


def baseline_document(
    search: SearchSpec,
    ranked: Sequence[TrialSummary],
    *,
    confirmation: Confirmation | None = None,
) -> dict[str, Any]:
    """The baseline file's content as plain data.

    Args:
        search: the search file.
        ranked: the finished trials, best tuner score first.
        confirmation: the ``--confirm`` outcome, which then picks the config.

    Returns:
        ``{"source", "tuner", "objective", "score", "chosen_by", "confirmed",
        "data", "base", "trials"}``.

    Raises:
        TuningError: no trial finished.
    """
    if not ranked:
        raise TuningError(
            f"no trial of {search.path} finished, so there is no baseline to write. "
            "Check the trials' errors in the tune report."
        )
    by_id = {t.trial_id: t for t in ranked}
    confirmed_by_id = {c.trial_id: c for c in confirmation.trials} if confirmation else {}
    chosen = by_id[confirmation.chosen.trial_id] if confirmation else ranked[0]
    trials = []
    for trial in ranked[: search.keep_trials]:
        entry: dict[str, Any] = {
            "trial_id": trial.trial_id,
            "score": trial.score,
            "epochs": trial.epochs,
            "seeds": list(trial.seeds),
            "set": dict(trial.overrides),
        }
        if trial.trial_id in confirmed_by_id:
            entry["confirmed_score"] = confirmed_by_id[trial.trial_id].mean
        trials.append(entry)
    return {
        "source": search.path,
        "tuner": search.tuner.kind.value,
        "objective": {"name": search.tuner.objective, "direction": search.tuner.direction.value},
        "score": chosen.score,
        "chosen_by": "confirm" if confirmation else "tuner",
        "confirmed": _confirmed(confirmation),
        "data": search.data.to_dict(),
        "base": chosen.config.to_dict(),
        "trials": trials,
    }


def _confirmed(confirmation: Confirmation | None) -> dict[str, Any] | None:
    if confirmation is None:
        return None
    chosen = confirmation.chosen
    return {
        "trial_id": chosen.trial_id,
        "metric": confirmation.metric,
        "mean": chosen.mean,
        "std": chosen.std,
        "runs": len(chosen.values),
        "failed": chosen.failed,
        "seeds": list(confirmation.seeds),
        "tuner_score": chosen.tuner_score,
    }


def write_baseline(
    search: SearchSpec,
    ranked: Sequence[TrialSummary],
    *,
    confirmation: Confirmation | None = None,
    root: str | Path = "baselines",
    command: str = "",
) -> Path:
    """Write ``baselines/<name>.yaml`` and return its path.

    Raises:
        TuningError: no trial finished, or the file cannot be written.
    """
    document = baseline_document(search, ranked, confirmation=confirmation)
    path = baseline_path(search, root)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"Written by `{command or f'hypolab tune {search.path}'}` (hypolab {__version__}), {stamp}.\n"
        # `baseline:` is relative to the hypothesis file; hypotheses live in hypotheses/.
        f"Reuse it in hypotheses/<name>.yaml:  baseline: {Path(os.path.relpath(path, 'hypotheses')).as_posix()}\n"
        "score: the tuner's best-epoch score of this config (optimistic: the best of many trials)."
    )
    if confirmation is not None:
        header += "\nconfirmed: the mean over fresh seeds the tuner never used; the config was chosen on it."
    text = dump_yaml(document, header)
    try:
        outputs.write_text(path, text, root=root)
    except OutputError as exc:
        raise TuningError(f"cannot write the baseline file {path}: {exc}") from None
    return path


def dump_yaml(document: dict[str, Any], header: str = "") -> str:
    """Block-style YAML with a comment header."""
    yaml = YAML(typ="rt", pure=True)
    yaml.default_flow_style = False
    yaml.width = 100
    # `null` rather than an empty value: a reader sees the setting is off, not forgotten.
    yaml.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    data = CommentedMap(document)
    if header:
        data.yaml_set_start_comment(header)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
