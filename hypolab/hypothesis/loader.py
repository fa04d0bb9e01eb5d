"""Loading a hypothesis file: parse, validate, resolve every arm, build a ``Hypothesis``.

Problems are collected across the whole file (and its baseline file) and
raised together as one ``SpecErrors``, each located at the file, line and
column where the offending key or value was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hypolab.errors import SpecError, SpecErrors
from hypolab.records import Arm, DataConfig, Hypothesis, SequentialConfig
from hypolab.fingerprint import with_fingerprint
from hypolab.hypothesis.baseline import Layer, check_tuned_data, load_baseline
from hypolab.hypothesis.merge import ConfigPath, MergeConflict, deep_merge, expand
from hypolab.hypothesis.messages import Problem, kind_of
from hypolab.hypothesis.naming import output_name
from hypolab.hypothesis.datachecks import check_data
from hypolab.hypothesis.resolve import check, complete, merge_arm, override_problems
from hypolab.hypothesis.schema import HypothesisFile
from hypolab.hypothesis.translate import locate, translate
from hypolab.hypothesis.validate import (
    ResolvedArm,
    check_arms,
    check_metrics,
    check_name,
    check_settings,
    path_exists,
    seed_list,
)
from hypolab.hypothesis.yamlsource import Document, KeyPath, format_path, parse, read_file


def load(path: str | Path) -> Hypothesis:
    """Load and validate a hypothesis file.

    Args:
        path: the YAML file, e.g. ``hypotheses/batchsize.yaml``.

    Returns:
        The validated ``Hypothesis``, every arm's config resolved.

    Raises:
        SpecErrors: every problem found, each naming file, line, column and key.

    Example:
        >>> h = load("hypotheses/batchsize.yaml")
        >>> [arm.config.batch_size for arm in h.arms]
        [128, 4]
    """
    file = str(path)
    text = read_file(Path(path), file, what="hypothesis file")
    return load_text(text, file=file)


def load_text(text: str, *, file: str = "<string>", folder: str | Path | None = None) -> Hypothesis:
    """Validate hypothesis YAML given as text.

    Args:
        text: the YAML text.
        file: the path to name in messages; its stem gives ``Hypothesis.name``.
        folder: where relative ``baseline`` and data paths start; defaults to
            the folder of ``file``.

    Returns:
        The validated ``Hypothesis``.

    Raises:
        SpecErrors: every problem found.
    """
    folder = Path(folder) if folder is not None else Path(file).parent
    try:
        doc = parse(text, file)
    except SpecError as exc:
        raise SpecErrors([exc]) from None
    return _Loader(doc, folder).run()


class _Loader:
    """One load: the document, the errors found so far, and the resolved pieces."""

    def __init__(self, doc: Document, folder: Path) -> None:
        self.doc = doc
        self.folder = folder
        self.errors: list[SpecError] = []
        self.reported: set[str] = set()

    def add(self, error: SpecError) -> None:
        if str(error) not in self.reported:
            self.reported.add(str(error))
            self.errors.append(error)

    def run(self) -> Hypothesis:
        doc = self.doc
        data = doc.data
        if not isinstance(data, dict):
            got = "an empty file" if data is None else kind_of(data)
            raise SpecErrors(
                [
                    doc.error(
                        (),
                        f"a hypothesis file must be a mapping with keys such as 'claim', 'metric', "
                        f"'control' and 'treatments'. Got {got}. Start from 'hypolab new NAME'.",
                    )
                ]
            )
        if "space" in data and "tuner" in data and "claim" not in data:
            raise SpecErrors(
                [
                    doc.error(
                        (),
                        "this is a search file (it has 'space' and 'tuner'), not a hypothesis file. "
                        "Expected keys such as 'claim', 'metric', 'control' and 'treatments'. "
                        f"Run a search with 'hypolab tune {doc.file}'; write a hypothesis with "
                        "'hypolab new NAME'.",
                    )
                ]
            )
        top = {key: value for key, value in data.items() if key != "base"}
        spec: HypothesisFile | None = None
        try:
            spec = HypothesisFile.model_validate(top)
        except ValidationError as exc:
            for problem in translate(exc, HypothesisFile, top):
                self.add(locate(doc, problem))

        layers = self._base_layers(data)
        raw_base = {}
        for layer in layers:
            raw_base = deep_merge(raw_base, layer.config)
        base, base_problems = check(complete(raw_base))
        for problem in base_problems:
            self.add(self._base_error(problem, layers))

        control, treatments = self._arms(data, raw_base, layers, base is not None)

        warnings: list[str] = []
        data_name: str | None = None
        if spec is not None:
            errors, warnings = check_settings(spec, doc)
            for error in errors:
                self.add(error)
            data_name, data_errors = check_data(spec.data, doc, self.folder)
            for error in data_errors:
                self.add(error)
        if control is not None or treatments:
            for error in check_arms(control, treatments, doc):
                self.add(error)
        data_config = None
        if spec is not None:
            data_config = with_fingerprint(DataConfig(
                name=data_name or spec.data.name,
                target=spec.data.target,
                validation_split=spec.data.validation_split,
                test_split=spec.data.test_split,
                split_seed=spec.data.split_seed,
                subset=spec.data.subset,
                task=spec.data.task,
                split_column=spec.data.split_column,
            ))  # fmt: skip
            if control is not None and len(treatments) == len(data.get("treatments") or ()) and not self.errors:
                for error in check_metrics(spec, doc, data_config, self.folder, [control, *treatments]):
                    self.add(error)
        baseline = next((layer for layer in layers if layer.ref is not None), None)
        if baseline is not None and data_config is not None and data_name is not None:
            errors, notes = check_tuned_data(doc, baseline, data_config)
            for error in errors:
                self.add(error)
            warnings = [*warnings, *notes]
        for error in check_name(output_name(doc.file), doc):
            self.add(error)

        if self.errors or spec is None or base is None or control is None:
            # Each piece that failed to resolve has reported why; the fallback
            # only guards against a piece failing silently.
            raise SpecErrors(self.errors or [doc.error((), "the file could not be validated.")])
        return Hypothesis(
            name=output_name(doc.file),
            path=doc.file,
            claim=spec.claim,
            metric=spec.metric,
            direction=spec.direction,
            margin=spec.margin,
            alpha=spec.alpha,
            seeds=seed_list(spec.seeds),
            pairing=spec.pairing,
            test=spec.test,
            correction=spec.correction,
            ordered=spec.ordered,
            pack=spec.pack,
            failed_as_worst=spec.failed_runs == "worst",
            data=data_config,
            base=base,
            control=_record(control, data, is_control=True),
            treatments=tuple(_record(arm, data, is_control=False) for arm in treatments),
            source=doc.text,
            warnings=tuple(warnings),
            baseline=None if baseline is None else baseline.ref,
            secondary_metrics=tuple(spec.secondary_metrics),
            declared_better=dict(spec.higher_is_better),
            save_models=spec.save_models,
            sequential=None if spec.sequential is None else SequentialConfig(
                looks=tuple(spec.sequential.looks), spending=spec.sequential.spending,
                futility=spec.sequential.futility),
        )

    # -- base ---------------------------------------------------------------

    def _base_layers(self, data: Mapping[str, Any]) -> list[Layer]:
        layers: list[Layer] = []
        baseline = data.get("baseline")
        if isinstance(baseline, str) and baseline:
            layer = self._baseline_layer(baseline)
            if layer is not None:
                layers.append(layer)
        base = data.get("base", {})
        if base is None:
            base = {}
        if isinstance(base, dict):
            layers.append(Layer(self.doc, ("base",), base))
        elif "base" in data:
            self.add(
                self.doc.error(
                    ("base",),
                    f"'base' must be a mapping of config keys (model, optimizer, epochs, ...). "
                    f"Got {kind_of(base)}.",
                    shown="",
                )
            )
        return layers

    def _baseline_layer(self, baseline: str) -> Layer | None:
        # Looked up like data files: beside the hypothesis file, then in the
        # working directory (where `hypolab tune` writes baselines/).
        path = self.folder / baseline
        if not path.is_file() and not Path(baseline).is_absolute() and Path(baseline).is_file():
            path = Path(baseline)
        layer, errors = load_baseline(self.doc, path)
        for error in errors:
            self.add(error)
        return layer

    def _base_error(self, problem: Problem, layers: list[Layer]) -> SpecError:
        layer, path = self._provenance(problem.path, layers)
        return self._at(layer.doc if layer else self.doc, path, problem, prefix=("base",))

    def _provenance(self, path: tuple, layers: list[Layer]) -> tuple[Layer | None, KeyPath]:
        """The layer that wrote ``path`` (the last one wins), and its document path."""
        for cut in range(len(path), -1, -1):
            for layer in reversed(layers):
                if path_exists(layer.config, path[:cut]) and (cut > 0 or layer.doc is self.doc):
                    return layer, (*layer.prefix, *path)
        return None, ("base",) if "base" in self.doc.data else ()

    def _at(self, doc: Document, doc_path: KeyPath, problem: Problem, *, prefix: KeyPath) -> SpecError:
        return doc.error(doc_path, problem.message, key=problem.at_key, shown=format_path((*prefix, *problem.parent)))

    # -- arms ---------------------------------------------------------------

    def _arms(
        self, data: Mapping[str, Any], raw_base: dict[str, Any], layers: list[Layer], base_ok: bool
    ) -> tuple[ResolvedArm | None, list[ResolvedArm]]:
        control = self._arm(data.get("control"), ("control",), raw_base, layers, base_ok)
        treatments = []
        raw_treatments = data.get("treatments")
        if isinstance(raw_treatments, list):
            for index, raw in enumerate(raw_treatments):
                arm = self._arm(raw, ("treatments", index), raw_base, layers, base_ok)
                if arm is not None:
                    treatments.append(arm)
        return control, treatments

    def _arm(
        self, raw: Any, path: KeyPath, raw_base: dict[str, Any], layers: list[Layer], base_ok: bool
    ) -> ResolvedArm | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
            return None  # the schema check reports it
        overrides = raw.get("set", {})
        if overrides is None:
            overrides = {}
        if not isinstance(overrides, dict):
            return None
        set_path = (*path, "set")
        shown = format_path(set_path)
        try:
            nested, origins = expand(overrides)
        except MergeConflict as exc:
            self.add(self.doc.error((*set_path, *exc.written), exc.message, key=True, shown=shown))
            return None
        problems = override_problems(complete(raw_base), nested, origins)
        for problem in problems:
            self.add(self.doc.error((*set_path, *problem.path), problem.message, key=True, shown=shown))
        if problems:
            return None
        resolved, problems = check(complete(merge_arm(raw_base, nested)))
        for problem in problems:
            written = _written(problem.path, origins)
            if written is not None:
                parent = ".".join(str(p) for p in problem.parent)
                self.add(
                    self.doc.error(
                        (*set_path, *written),
                        problem.message,
                        key=problem.at_key,
                        shown=f"{shown}.{parent}" if parent else shown,
                    )
                )
            elif base_ok:
                self.add(self._base_error(problem, layers))
        if resolved is None:
            return None
        return ResolvedArm(name=raw["name"], path=path, config=resolved)


def _written(path: tuple, origins: Mapping[ConfigPath, ConfigPath]) -> tuple | None:
    """The written key path in ``set`` of a config path, where the arm wrote it."""
    for cut in range(len(path), 0, -1):
        prefix = tuple(path[:cut])
        if prefix in origins:
            return (*origins[prefix], *path[cut:])
    return None


def _record(arm: ResolvedArm, data: Mapping[str, Any], *, is_control: bool) -> Arm:
    node: Any = data
    for part in arm.path:
        node = node[part]
    return Arm(name=arm.name, overrides=dict(node.get("set") or {}), config=arm.config, is_control=is_control)
