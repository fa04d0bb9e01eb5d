"""The metrics a file names: ``base.metrics`` entries, monitors, and ``metric``/``secondary_metrics`` for the data's task.

A config's ``metrics`` lists Keras metrics by name (``auc``) or as a mapping
with arguments (``{name: top_k_categorical_accuracy, k: 3, as: top3}``),
checked against ``records.metrics.KERAS_METRICS`` without importing Keras.
Early stopping and ``reduce_lr_on_plateau`` may watch any logged value:
``loss``, the task's score (``accuracy``/``mae``), a listed metric, each with
or without ``val_``. The hypothesis's ``metric`` (and each secondary metric)
must be a final value every arm records, and exist for the data's task.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hypolab.hypothesis import arguments
from hypolab.hypothesis.messages import Loc, Problem, kind_of, one_of, show, suggest
from hypolab.hypothesis.vocabulary import EARLY_STOPPING_MONITORS
from hypolab.records import METRICS, Task, TrainingConfig
from hypolab.records.metrics import (
    ALWAYS_RECORDED,
    KERAS_METRICS,
    SCORE_METRIC,
    SPLIT_PREFIXES,
    TASK_FREE_METRICS,
    base_name,
    higher_is_better,
)

#: What ``as`` (a metric's logged name) may be.
LOG_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Logged names a listed metric cannot take: the loss, the score metrics, hypolab's own values.
RESERVED_NAMES = ("loss", "accuracy", "mae", "learning_rate", "train_seconds", "epochs_run")


def metric_entries(entries: Sequence[Any], path: Loc = ("metrics",)) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The canonical ``metrics`` entries (``{"name", "as"?, **args}``) and their problems.

    Args:
        entries: the list as written: names, or mappings with ``name``, optional ``as`` and arguments.
        path: where the list sits in the config.
    """
    canonical: list[dict[str, Any]] = []
    problems: list[Problem] = []
    logged: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = (*path, index)
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            problems.append(Problem(where, where, f"each metric must be a Keras metric name (e.g. auc) or a mapping "
                                                 f"with its 'name' and arguments. Got {show(entry)} ({kind_of(entry)})."))
            continue
        name = entry["name"]
        named = (*where, "name") if isinstance(entries[index], Mapping) else where
        if name in ALWAYS_RECORDED:
            problems.append(Problem(named, where, f"'{name}' is recorded for every run of its task already "
                                                 f"(as {ALWAYS_RECORDED[name]}). Remove it from metrics."))
            continue
        keras_metric = KERAS_METRICS.get(name)
        if keras_metric is None:
            hint = suggest(name, KERAS_METRICS) or f" Expected one of: {', '.join(sorted(KERAS_METRICS))}."
            problems.append(Problem(named, where, f"unknown Keras metric {show(name)}.{hint}"))
            continue
        log_name = entry.get("as", name)
        log_problem = _log_name_problem(log_name)
        if log_problem is not None:
            problems.append(Problem((*where, "as"), where, log_problem))
            continue
        args = {key: value for key, value in entry.items() if key not in ("name", "as")}
        owner = f"metric '{name}'"
        args, found = arguments.check(args, keras_metric.arguments, where, owner)
        problems.extend(found)
        if keras_metric.scalar_when is not None and keras_metric.scalar_when not in args and not found:
            argument = keras_metric.arguments[keras_metric.scalar_when]
            problems.append(Problem(where, where, f"{owner} gives one value per class unless '{keras_metric.scalar_when}' "
                                                 f"is set ({argument.words()}); a hypothesis compares one number. "
                                                 f"Add e.g. {keras_metric.scalar_when}: {argument.choices[1]}."))
        if log_name in logged:
            problems.append(Problem(where, path, f"metrics[{logged[log_name]}] and metrics[{index}] are both logged "
                                                 f"as '{log_name}'. Give one its own name with 'as: <name>'."))
        logged.setdefault(log_name, index)
        canonical.append({"name": name, **({"as": log_name} if log_name != name else {}), **args})
    return canonical, problems


def _log_name_problem(log_name: Any) -> str | None:
    if not isinstance(log_name, str) or not LOG_NAME.match(log_name):
        return (f"'as' must be a name of lower-case letters, digits and '_', starting with a letter "
                f"(it becomes test_<name>, val_<name>). Got {show(log_name)}.")  # fmt: skip
    if log_name.startswith(SPLIT_PREFIXES):
        return f"'as' must not start with {', '.join(SPLIT_PREFIXES)}: hypolab adds those. Got {show(log_name)}."
    if log_name in RESERVED_NAMES:
        return f"'as' must not be {show(log_name)}: hypolab records a value of that name already. Choose another."
    return None


def logged_names(config: TrainingConfig) -> tuple[str, ...]:
    """Every per-epoch value a run of ``config`` logs (either task's score: the task is not known here)."""
    names = ["loss", "accuracy", "mae", *config.metric_names()]
    return tuple(names) + tuple(f"val_{name}" for name in names)


def monitor_problems(config: TrainingConfig) -> list[Problem]:
    """Early stopping or ``reduce_lr_on_plateau`` watching a value the runs do not log.

    A trainer of your own logs what it logs, so its monitors are not checked.
    """
    if config.trainer is not None:
        return []
    problems = []
    logged = logged_names(config)
    for section, settings in (("early_stopping", config.early_stopping),
                              ("reduce_lr_on_plateau", config.reduce_lr_on_plateau)):  # fmt: skip
        if settings is None or settings.monitor in logged:
            continue
        extra = [name for name in logged if name not in EARLY_STOPPING_MONITORS]
        known = one_of([*EARLY_STOPPING_MONITORS, *extra])
        problems.append(Problem((section, "monitor"), (section,), f"'monitor' must be one of {known}. "
                                f"Got {show(settings.monitor)}.{suggest(settings.monitor, logged)}"))  # fmt: skip
    return problems


def names_for(config: TrainingConfig, task: Task | None) -> list[str]:
    """The final values a run of ``config`` records for ``task`` (either task where None), in ``METRICS`` order."""
    scores = [SCORE_METRIC[task]] if task is not None else list(SCORE_METRIC.values())
    names = [name for name in METRICS if name in TASK_FREE_METRICS or base_name(name) == "loss"
             or base_name(name) in scores]  # fmt: skip
    for spec in config.metrics:
        keras_metric = spec.keras
        if task is None or keras_metric is None or task in keras_metric.tasks:
            names += [f"{prefix}{spec.log_name}" for prefix in ("test_", "val_", "best_val_", "")]
    return names


def task_problems(config: TrainingConfig, task: Task, why: str) -> list[tuple[int, str]]:
    """Listed metrics that do not exist for ``task``: ``(index in metrics, message)``."""
    out = []
    for index, spec in enumerate(config.metrics):
        keras_metric = spec.keras
        if keras_metric is not None and task not in keras_metric.tasks:
            out.append((index, f"metric '{spec.name}' is for {keras_metric.tasks[0].value}, but the data is "
                               f"{task.value} ({why}). Remove it, or use a {task.value} metric."))
    return out


def metric_problem(metric: str, key: str, configs: Iterable[TrainingConfig], task: Task | None, data_words: str,
                   declared: Mapping[str, bool]) -> str | None:  # fmt: skip
    """Why ``metric`` (the file's ``key``: ``metric`` or ``secondary_metrics[i]``) cannot be compared, or None.

    It must be a final value every arm records for the data's ``task`` (None:
    not known yet), or, where every arm trains with its own ``trainer``, a
    name whose better direction hypolab knows or the file declares.

    Args:
        data_words: what the data is, for messages: ``data set 'digits' is
            classification``, ``the data is classification (data.task: auto, ...)``.
    """
    configs = list(configs)
    specs = [spec for config in configs for spec in config.metrics]
    if all(config.trainer is not None for config in configs):
        if higher_is_better(metric, metrics=specs, declared=declared) is None:
            return (f"hypolab cannot tell whether a higher {show(metric)} is better. Declare it at the top level: "
                    f"higher_is_better: {{{metric}: true}} (or false).")
        return None
    known = _everywhere(configs, None)
    if metric not in known:
        recorded_somewhere = any(metric in names_for(c, None) for c in configs)
        if recorded_somewhere:
            return (f"{key} {show(metric)} is not recorded by every arm: an arm's metrics do not list "
                    f"'{base_name(metric)}'. Expected a metric every arm records.")
        return f"'{key}' must be a known name (one of {', '.join(known)}). Got {show(metric)}.{suggest(metric, known)}"
    if task is None or metric in _everywhere(configs, task):
        return None
    other = Task.REGRESSION if task is Task.CLASSIFICATION else Task.CLASSIFICATION
    prefix = metric[: len(metric) - len(base_name(metric))]
    fixes = f"{prefix}{SCORE_METRIC[task]} or {prefix}loss"
    also = f", or set data.task: {other.value}" if "data.task: auto" in data_words else ""
    return f"{key} {show(metric)} is for {other.value}, but {data_words}. Use {fixes}{also}."


def _everywhere(configs: Sequence[TrainingConfig], task: Task | None) -> list[str]:
    """The final values every config records for ``task``, in order."""
    first, *rest = [names_for(config, task) for config in configs]
    return [name for name in dict.fromkeys(first) if all(name in names for names in rest)]
