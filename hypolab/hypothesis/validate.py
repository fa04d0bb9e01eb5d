"""Semantic checks: rules that span several keys, beyond what the schema types say.

Each check takes the validated pieces and a ``Document`` to point into, and
returns ``SpecError``s (never raises), so a file's problems are all reported
together. Warnings (legal but unwise settings) are returned as strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypolab.errors import SpecError
from hypolab.hypothesis.messages import show
from hypolab.hypothesis.naming import reserved_problem
from hypolab.hypothesis.schema import HypothesisFile
from hypolab.hypothesis.text import name_key
from hypolab.hypothesis.vocabulary import BUILTIN_DATASETS
from hypolab.hypothesis.metrics import metric_problem, task_problems
from hypolab.hypothesis.yamlsource import Document, KeyPath, format_path
from hypolab.records import Correction, DataConfig, Direction, Pairing, TestName, TrainingConfig
from hypolab.records.runs import SEED_LIMIT

PAIRED_TESTS = (TestName.PAIRED_T, TestName.WILCOXON)
UNPAIRED_TESTS = (TestName.WELCH, TestName.STUDENT, TestName.MANNWHITNEY)
#: The tests Dunnett's correction can stand in for (it is its own t-based test).
DUNNETT_TESTS = (TestName.AUTO, TestName.STUDENT, TestName.WELCH)

#: Fewer seeds than this is allowed, with a warning that power will be low.
FEW_SEEDS = 5


@dataclass(frozen=True)
class ResolvedArm:
    """An arm whose config resolved: where it is in the file, and its config."""

    name: str
    path: KeyPath
    config: TrainingConfig


def seed_list(seeds: int | Sequence[int]) -> tuple[int, ...]:
    """A seeds count n -> ``(0, ..., n-1)``; a list stays as written."""
    return tuple(range(seeds)) if isinstance(seeds, int) else tuple(seeds)


def check_settings(spec: HypothesisFile, doc: Document) -> tuple[list[SpecError], list[str]]:
    """Checks among the top-level settings (direction, margin, test, seeds...).

    Returns:
        ``(errors, warnings)``.
    """
    errors: list[SpecError] = []
    warnings: list[str] = []
    if spec.direction is Direction.EQUIVALENT and spec.margin is None:
        errors.append(
            doc.error(
                ("direction",),
                "direction 'equivalent' needs a 'margin': the largest difference that still "
                "counts as equivalent, in metric units. Add e.g. 'margin: 0.01'.",
                shown="",
            )
        )
    if spec.pairing is Pairing.SEED and spec.test in UNPAIRED_TESTS:
        errors.append(
            doc.error(
                ("test",),
                f"test '{spec.test.value}' compares independent samples, but 'pairing' is 'seed'. "
                f"Use test: {' or '.join(t.value for t in PAIRED_TESTS)} (or auto, or permutation), "
                "or pairing: independent.",
                shown="",
            )
        )
    if spec.pairing is Pairing.INDEPENDENT and spec.test in PAIRED_TESTS:
        errors.append(
            doc.error(
                ("test",),
                f"test '{spec.test.value}' needs paired runs, but 'pairing' is 'independent'. "
                f"Set pairing: seed (every arm uses the same seeds), or use test: auto.",
                shown="",
            )
        )
    errors.extend(_dunnett_rules(spec, doc))
    errors.extend(check_noninferior(spec, doc) + check_sequential(spec, doc))
    if spec.ordered and len(spec.treatments) < 2:
        errors.append(
            doc.error(
                ("ordered",),
                f"'ordered: true' needs at least 2 treatments to form a dose series with the "
                f"control. Got {len(spec.treatments)}. Add treatments or set ordered: false.",
                shown="",
            )
        )
    seeds = seed_list(spec.seeds)
    if not isinstance(spec.seeds, int):
        seen: dict[int, int] = {}
        for index, seed in enumerate(seeds):
            if seed >= SEED_LIMIT:
                errors.append(
                    doc.error(
                        ("seeds", index),
                        f"seed {show(seed)} is too large: seeds must be below 4,294,967,296 = 2**32 (the seed "
                        "range of NumPy and the Keras backends). Use a smaller seed.",
                        shown="seeds",
                    )
                )
            if seed in seen:
                errors.append(
                    doc.error(
                        ("seeds", index),
                        f"seed {seed} appears twice (items {seen[seed]} and {index}). "
                        "Each seed must be distinct; remove or change one.",
                        shown="seeds",
                    )
                )
            seen.setdefault(seed, index)
    if len(set(seeds)) < FEW_SEEDS:
        warnings.append(
            f"only {len(set(seeds))} seeds per arm: power will be low (a real difference "
            f"will often look inconclusive). Use seeds: {FEW_SEEDS} or more where you can."
        )
    return errors, warnings


def _dunnett_rules(spec: HypothesisFile, doc: Document) -> list[SpecError]:
    """Dunnett's correction is its own t-based test of independent samples, with no TOST version."""
    errors: list[SpecError] = []
    if spec.correction is not Correction.DUNNETT:
        return errors
    if spec.pairing is Pairing.SEED:
        errors.append(
            doc.error(
                ("correction",),
                "correction 'dunnett' compares independent samples, but 'pairing' is 'seed'. "
                "Use correction: holm, or pairing: independent.",
                shown="",
            )
        )
    if spec.test not in DUNNETT_TESTS:
        errors.append(
            doc.error(
                ("correction",),
                f"correction 'dunnett' is its own t-based test and cannot follow test '{spec.test.value}'. "
                "Use test: auto, or correction: holm.",
                shown="",
            )
        )
    if spec.direction is Direction.EQUIVALENT:
        errors.append(
            doc.error(
                ("correction",),
                "correction 'dunnett' has no equivalence (TOST) version. With direction: "
                "equivalent use correction: holm, bonferroni, fdr_bh or none.",
                shown="",
            )
        )
    return errors


def check_noninferior(spec: HypothesisFile, doc: Document) -> list[SpecError]:
    """``direction: noninferior`` needs a margin and compares treatments with the control, not a series."""
    if spec.direction is not Direction.NONINFERIOR:
        return []
    errors = []
    if spec.margin is None:
        errors.append(doc.error(
            ("direction",),
            "direction 'noninferior' needs a 'margin': how much worse than the control a treatment may be and "
            "still count as not worse, in metric units. Add e.g. 'margin: 0.01'.",
            shown="",
        ))  # fmt: skip
    if spec.ordered:
        errors.append(doc.error(
            ("ordered",),
            "'ordered: true' is for a dose series, which has no non-inferiority verdict: direction 'noninferior' "
            "compares each treatment with the control. Set ordered: false, or use direction: greater or less.",
            shown="",
        ))  # fmt: skip
    return errors


#: Why a correction has no sequential version.
_NOT_SEQUENTIAL = {
    Correction.DUNNETT: "Dunnett's many-to-one test is a single-step test of one analysis",
    Correction.FDR_BH: "it holds the false discovery rate, not the family-wise error a sequential design holds",
}


def check_sequential(spec: HypothesisFile, doc: Document) -> list[SpecError]:
    """The ``sequential:`` key: looks that increase up to the seed count, and settings it can hold."""
    design = spec.sequential
    if design is None:
        return []
    errors = []
    looks = design.looks
    for index in range(1, len(looks)):
        if looks[index] <= looks[index - 1]:
            errors.append(doc.error(
                ("sequential", "looks", index),
                f"the looks must increase: item {index} ({looks[index]}) is not above item {index - 1} "
                f"({looks[index - 1]}). Got {looks}. List the seeds per arm at each analysis in increasing "
                "order, e.g. [5, 10, 20, 40].",
                shown="sequential.looks",
            ))  # fmt: skip
            break
    count = len(set(seed_list(spec.seeds)))
    if looks[-1] != count:
        errors.append(doc.error(
            ("sequential", "looks", len(looks) - 1),
            f"the last look must be the seed count: 'seeds' gives {count} seeds per arm, but the last look is "
            f"{looks[-1]}. Set the last look to {count}, or seeds: {looks[-1]}.",
            shown="sequential.looks",
        ))  # fmt: skip
    if spec.correction in _NOT_SEQUENTIAL:
        errors.append(doc.error(
            ("correction",),
            f"correction '{spec.correction.value}' has no sequential version: {_NOT_SEQUENTIAL[spec.correction]}. "
            "With 'sequential' use correction: holm, bonferroni or none.",
            shown="",
        ))  # fmt: skip
    if spec.ordered:
        errors.append(doc.error(
            ("sequential",),
            "'sequential' decides each treatment against the control at each look; a dose series "
            "(ordered: true) has no sequential verdict. Remove 'sequential', or set ordered: false.",
            shown="",
        ))  # fmt: skip
    if design.futility and spec.direction in (Direction.TWO_SIDED, Direction.EQUIVALENT):
        errors.append(doc.error(
            ("sequential", "futility"),
            f"futility stops need a one-sided claim (direction greater, less or noninferior); direction "
            f"'{spec.direction.value}' has none. Set futility: false.",
            shown="sequential.futility",
        ))  # fmt: skip
    return errors


def check_arms(control: ResolvedArm | None, treatments: Sequence[ResolvedArm], doc: Document) -> list[SpecError]:
    """Duplicate arm names, and arms that resolve to the same config."""
    errors: list[SpecError] = []
    arms = ([control] if control else []) + list(treatments)
    names: dict[str, ResolvedArm] = {}
    configs: dict[str, ResolvedArm] = {}
    for arm in arms:
        same_name = names.get(name_key(arm.name))
        if same_name is not None and same_name.name == arm.name:
            errors.append(
                doc.error(
                    (*arm.path, "name"),
                    f"arm name {show(arm.name)} is already used by {_arm_label(same_name.path)}. "
                    "Give every arm its own name.",
                    shown=_arm_label(arm.path),
                )
            )
        elif same_name is not None:
            errors.append(
                doc.error(
                    (*arm.path, "name"),
                    f"arm name {ascii(arm.name)} looks the same as {ascii(same_name.name)} of "
                    f"{_arm_label(same_name.path)}: they differ only in how Unicode spells the same "
                    "letters (normalisation). Give every arm a name of its own that reads differently.",
                    shown=_arm_label(arm.path),
                )
            )
        names.setdefault(name_key(arm.name), arm)
        key = repr(sorted(arm.config.flat().items()))
        if key in configs:
            same = configs[key]
            what = "the control" if same is control else f"{_arm_label(same.path)} ({show(same.name)})"
            errors.append(
                doc.error(
                    (*arm.path, "set") if "set" in _arm_node(doc, arm.path) else arm.path,
                    f"arm {show(arm.name)} resolves to the same config as {what}, so there is "
                    "nothing to compare. Change its 'set' overrides.",
                    shown=_arm_label(arm.path),
                )
            )
        configs.setdefault(key, arm)
    return errors


def _arm_node(doc: Document, path: KeyPath) -> dict[str, Any]:
    node: Any = doc.data
    for part in path:
        node = node[part]
    return node if isinstance(node, dict) else {}


def _arm_label(path: KeyPath) -> str:
    return path[0] if len(path) == 1 else f"{path[0]}[{path[1]}]"


def check_name(name: str, doc: Document) -> list[SpecError]:
    """The hypothesis name (``naming.output_name``) must not be a tune report's."""
    problem = reserved_problem(name, doc.file)
    return [doc.error((), problem)] if problem is not None else []


def check_metrics(spec: HypothesisFile, doc: Document, data: DataConfig, folder: Path,
                  arms: Sequence[ResolvedArm]) -> list[SpecError]:  # fmt: skip
    """``metric`` and ``secondary_metrics``: recorded by every arm, and existing for the data's task.

    The task is read cheaply (``hypolab.tasks.probe``: the declared
    ``data.task``, a CSV's first rows, an ``.npz`` file's ``y_train`` header),
    so a metric the data cannot have fails here, before anything trains; where
    the sample cannot settle it, ``hypolab test`` checks again on all the labels.
    """
    from hypolab.tasks import probe

    found = probe(data, folder)
    task = found.task
    if data.name in BUILTIN_DATASETS:
        data_words = f"data set '{data.name}' is {task.value}"
    else:
        data_words = f"the data is {task.value} ({found.why})" if task is not None else ""
    configs = [arm.config for arm in arms]
    errors: list[SpecError] = []
    if task is not None:
        for arm in arms:
            for index, message in task_problems(arm.config, task, found.why):
                where = ("base", "metrics", index) if path_exists(doc.data, ("base", "metrics", index)) else (*arm.path, "set")
                errors.append(doc.error(where, message, shown=format_path(where[:2])))
    declared = dict(spec.higher_is_better)
    named = [("metric", ("metric",), spec.metric)]
    named += [(f"secondary_metrics[{i}]", ("secondary_metrics", i), m) for i, m in enumerate(spec.secondary_metrics)]
    for key, path, metric in named:
        problem = metric_problem(metric, key, configs, task, data_words, declared)
        if problem is not None:
            errors.append(doc.error(path, problem, shown="" if key == "metric" else "secondary_metrics"))
    seen = {spec.metric: "metric"}
    for key, path, metric in named[1:]:
        if metric in seen:
            errors.append(doc.error(path, f"{show(metric)} is already {seen[metric]}. Name each metric once.",
                                    shown="secondary_metrics"))  # fmt: skip
        seen.setdefault(metric, key)
    return errors


def path_exists(data: Any, path: tuple) -> bool:
    """Whether ``path`` (keys and list indices) leads somewhere in ``data``."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    return True
