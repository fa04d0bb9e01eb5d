"""Plain records passed between hypolab's stages. Read this module first.

The pipeline::

    hypotheses/x.yaml -> spec -> Hypothesis -> plan -> [RunSpec]
      -> runner (datasets, models) -> RunResult -> store
      -> stats -> Analysis -> report -> reports/<name>/index.html

Every record is a frozen dataclass built by keyword. Configs are plain,
JSON-serialisable dicts (the resolved arm config as the runner sees it); the
records never hold Keras objects, so this module imports nothing heavy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Direction(str, enum.Enum):
    """The predicted direction of the treatment relative to the control."""

    GREATER = "greater"
    LESS = "less"
    TWO_SIDED = "two-sided"
    EQUIVALENT = "equivalent"


class Pairing(str, enum.Enum):
    """Whether runs of different arms with the same seed are paired."""

    INDEPENDENT = "independent"
    SEED = "seed"


class TestName(str, enum.Enum):
    """The significance test of a comparison (``auto`` picks by a documented rule)."""

    __test__ = False  # not a pytest test class

    AUTO = "auto"
    WELCH = "welch"
    STUDENT = "student"
    MANNWHITNEY = "mannwhitney"
    PERMUTATION = "permutation"
    PAIRED_T = "paired_t"
    WILCOXON = "wilcoxon"


class Correction(str, enum.Enum):
    """Multiple-comparison correction across the treatments of one hypothesis."""

    HOLM = "holm"
    BONFERRONI = "bonferroni"
    FDR_BH = "fdr_bh"
    DUNNETT = "dunnett"
    NONE = "none"


class Task(str, enum.Enum):
    """What the model predicts; the loss and metrics follow from it."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"


#: Metrics a hypothesis can compare, each with whether higher is better.
#: ``val_*``/``test_*`` are final values on the validation and test splits
#: (after restoring the best weights where early stopping does so);
#: ``best_val_*`` is the best value over epochs; plain names are the training
#: split's last epoch. Regression data sets use ``mae`` instead of ``accuracy``.
METRICS: dict[str, bool] = {
    "test_accuracy": True,
    "test_loss": False,
    "test_mae": False,
    "val_accuracy": True,
    "val_loss": False,
    "val_mae": False,
    "best_val_accuracy": True,
    "best_val_loss": False,
    "best_val_mae": False,
    "accuracy": True,
    "loss": False,
    "mae": False,
    "train_seconds": False,
    "epochs_run": False,
}


class RunStatus(str, enum.Enum):
    """How a run ended."""

    FINISHED = "finished"
    DIVERGED = "diverged"
    FAILED = "failed"


@dataclass(frozen=True)
class DataConfig:
    """Which data a hypothesis trains on and how it is split.

    Args:
        name: a built-in data set (``digits``, ``mnist``, ``fashion_mnist``,
            ``cifar10``) or the path of a ``.npz`` or ``.csv`` file.
        target: the label column of a CSV file; None otherwise.
        validation_split: fraction of the non-test data held out for validation.
        test_split: fraction of all data held out as the test split (ignored
            where the file or data set has its own test arrays).
        split_seed: seed of the stratified splits, the same for every arm and seed.
        subset: optional number of training examples to keep (stratified).
    """

    name: str = "digits"
    target: str | None = None
    validation_split: float = 0.2
    test_split: float = 0.2
    split_seed: int = 0
    subset: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "validation_split": self.validation_split,
            "test_split": self.test_split,
            "split_seed": self.split_seed,
            "subset": self.subset,
        }


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded data set, split and scaled, shared by every run of a test.

    Arrays are numpy arrays; ``x_*`` are float32 with the scaling fitted on the
    training split only, ``y_*`` are int labels (classification) or float32
    targets (regression).

    Args:
        name: the DataConfig name.
        task: classification or regression.
        x_train, y_train, x_val, y_val, x_test, y_test: the three splits.
        num_classes: number of classes (1 for regression).
        input_shape: shape of one example, e.g. ``(64,)`` or ``(28, 28, 1)``.
        class_names: label names where known.
    """

    name: str
    task: Task
    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    x_test: Any
    y_test: Any
    num_classes: int
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...] = ()

    @property
    def sizes(self) -> dict[str, int]:
        """Examples per split: ``{"train": ..., "val": ..., "test": ...}``."""
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}


@dataclass(frozen=True)
class Arm:
    """One arm of a hypothesis: the control or a treatment.

    Args:
        name: the arm's name as written in the file.
        overrides: the arm's ``set`` mapping exactly as written (dotted keys kept).
        config: the resolved config: ``base`` deep-merged with ``overrides``.
        is_control: True for the control arm.
    """

    name: str
    overrides: dict[str, Any]
    config: dict[str, Any]
    is_control: bool = False


@dataclass(frozen=True)
class Hypothesis:
    """A validated hypothesis file.

    Args:
        name: the output name, derived from the file name (safe as a folder name).
        path: the file's path as given.
        claim: the hypothesis in words.
        metric: the metric compared, e.g. ``test_accuracy``.
        direction: the predicted direction of treatment relative to control.
        margin: the smallest effect of interest (required for ``equivalent``).
        alpha: the significance level.
        seeds: the seeds every arm is trained with.
        pairing: whether arms are paired by seed.
        test: the test to run, or ``auto``.
        correction: the correction across several treatments.
        ordered: True where the arms form a dose series in file order.
        data: the data set and its splits.
        base: the config every arm shares, resolved (baseline file merged in).
        control: the control arm.
        treatments: the treatment arms, in file order.
        pack: seeds trained together per model: ``"auto"`` or a positive int.
        failed_as_worst: count a failed or diverged run as the worst value.
        source: the file's text as written (pre-registration).
        warnings: non-fatal remarks found while validating (e.g. few seeds).
    """

    name: str
    path: str
    claim: str
    metric: str
    direction: Direction
    alpha: float
    seeds: tuple[int, ...]
    data: DataConfig
    base: dict[str, Any]
    control: Arm
    treatments: tuple[Arm, ...]
    margin: float | None = None
    pairing: Pairing = Pairing.INDEPENDENT
    test: TestName = TestName.AUTO
    correction: Correction = Correction.HOLM
    ordered: bool = False
    pack: str | int = "auto"
    failed_as_worst: bool = False
    source: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def arms(self) -> tuple[Arm, ...]:
        """The control first, then the treatments in file order."""
        return (self.control, *self.treatments)


@dataclass(frozen=True)
class RunSpec:
    """One training run to do: an arm's resolved config with one seed.

    Args:
        key: hash of the resolved config, data config and seed; the store's key.
        hypothesis: the hypothesis name that planned it.
        arm: the arm's name.
        seed: the run's seed (weights, dropout and data order).
        config: the arm's resolved config.
        data: the data config.
    """

    key: str
    hypothesis: str
    arm: str
    seed: int
    config: dict[str, Any]
    data: DataConfig


@dataclass(frozen=True)
class RunResult:
    """What one finished, diverged or failed run produced.

    Args:
        key: the RunSpec key.
        hypothesis: the hypothesis that first trained it.
        arm: the arm name.
        seed: the seed.
        config: the resolved config.
        data: the data config as a dict, plus ``sizes``: examples per split.
        status: finished, diverged or failed.
        history: per-epoch values of every metric, e.g. ``{"loss": [...],
            "val_loss": [...], "accuracy": [...], "val_accuracy": [...]}``.
        metrics: final values, e.g. ``test_accuracy``, ``val_loss``,
            ``train_seconds``.
        best_epoch: 1-based epoch of the best monitored value, or None.
        epochs_run: epochs actually trained.
        trainable_params: trainable parameter count.
        train_seconds: wall time of training and evaluation.
        device: where it ran, e.g. ``cpu`` or ``gpu:0 (NVIDIA H100)``.
        backend: the Keras backend.
        versions: library versions (hypolab, keras, backend, python, numpy).
        started_at: ISO-8601 UTC start time.
        finished_at: ISO-8601 UTC end time.
        error: the error text of a failed run, or the reason of a diverged one.
        diverged_epoch: 1-based epoch where the loss became NaN/inf.
        notes: remarks about how it was trained (e.g. packing fallback).
    """

    key: str
    hypothesis: str
    arm: str
    seed: int
    config: dict[str, Any]
    data: dict[str, Any]
    status: RunStatus
    history: dict[str, list[float]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    best_epoch: int | None = None
    epochs_run: int = 0
    trainable_params: int = 0
    train_seconds: float = 0.0
    device: str = ""
    backend: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    error: str | None = None
    diverged_epoch: int | None = None
    notes: tuple[str, ...] = ()


# --- analysis records (stats) ---


class Verdict(str, enum.Enum):
    """The one verdict of a comparison (rule: ``docs/verdict.md``)."""

    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    EQUIVALENT = "equivalent"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class ArmSummary:
    """Per-arm description of the metric over its seeds.

    Args:
        name: the arm's name.
        n: values analysed (finished runs, plus failed ones counted as worst).
        n_failed: failed or diverged runs of the arm.
        mean, std, median: sample mean, standard deviation (n - 1) and median.
        ci_low, ci_high: t-based confidence interval of the mean at 1 - alpha.
        failed_as_worst: True where failed runs were counted as the worst value.
    """

    name: str
    n: int
    n_failed: int
    mean: float | None
    std: float | None
    median: float | None
    ci_low: float | None
    ci_high: float | None
    failed_as_worst: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": self.n,
            "n_failed": self.n_failed,
            "mean": self.mean,
            "std": self.std,
            "median": self.median,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "failed_as_worst": self.failed_as_worst,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArmSummary:
        return cls(**{k: data[k] for k in data if k in _fields(cls)})


@dataclass(frozen=True)
class TestResult:
    """One significance test of treatment against control.

    ``statistic`` and ``estimate`` are oriented as treatment minus control
    (R's ``t.test(treatment, control)``); for Mann-Whitney the statistic is U of
    the treatment, for Wilcoxon signed-rank V (sum of positive ranks of
    treatment minus control). ``df`` is None where the test has none.

    Args:
        test: the test's name (a ``TestName`` value).
        alternative: ``two-sided``, ``greater`` or ``less``.
        statistic, df, pvalue: the test's result (None where undefined).
        method: how the p-value was computed, e.g. ``exact`` or
            ``normal approximation with continuity correction``.
        ci_low, ci_high: the two-sided 1 - alpha interval of the location
            difference where the test gives one.
        estimate: the difference the test estimates (mean difference).
        note: why a value is missing, e.g. ``both arms are constant``.
    """

    __test__ = False  # not a pytest test class

    test: str
    alternative: str
    statistic: float | None
    df: float | None
    pvalue: float | None
    method: str = ""
    ci_low: float | None = None
    ci_high: float | None = None
    estimate: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "alternative": self.alternative,
            "statistic": self.statistic,
            "df": self.df,
            "pvalue": self.pvalue,
            "method": self.method,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "estimate": self.estimate,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        return cls(**{k: data[k] for k in data if k in _fields(cls)})


@dataclass(frozen=True)
class Comparison:
    """One treatment against the control: tests, estimates and the verdict.

    The fields up to ``sentence`` are the fixed JSON of issue 4; the others add
    detail. Differences are treatment minus control; ``ci_low``/``ci_high`` are
    the two-sided 1 - alpha interval of the difference from the primary test.

    Args:
        control, treatment: the arm names.
        test: the primary test that ran; ``test_reason`` says why.
        statistic, df, pvalue: the primary test (p unadjusted).
        pvalue_adjusted: p after the family's correction.
        difference: mean difference (paired: mean of per-seed differences).
        ci_low, ci_high: CI of the difference at 1 - alpha.
        hedges_g: standardised mean difference, small-sample corrected.
        cliffs_delta: P(T > C) - P(T < C).
        prob_superiority: P(T > C) + P(T = C) / 2.
        power_at_margin: prospective power to detect ``margin`` with these seeds.
        seeds_needed: seeds per arm for 80% power at ``margin``.
        verdict: supported / contradicted / equivalent / inconclusive.
        sentence: the verdict in one plain sentence.
        verdict_reason: why the verdict is what it is.
        apa: the APA-style statistics string.
        seeds_per_arm: values per arm (treatment, control) analysed.
        relative_change: difference / control mean (None if that mean is 0).
        bootstrap_ci: BCa bootstrap interval of the difference (seeded).
        hedges_g_ci: CI of Hedges' g (noncentral t).
        prob_superiority_ci: CI of the probability of superiority (Newcombe).
        alternative: the alternative of the primary test.
        correction: the family's correction.
        tost: the equivalence test where a margin is given.
        robustness: the other reasonable tests and whether they agree.
        n_pairs: pairs analysed where runs are paired by seed.
    """

    control: str
    treatment: str
    test: str
    test_reason: str
    statistic: float | None
    df: float | None
    pvalue: float | None
    pvalue_adjusted: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    hedges_g: float | None
    cliffs_delta: float | None
    prob_superiority: float | None
    power_at_margin: float | None
    seeds_needed: int | None
    verdict: Verdict
    sentence: str
    verdict_reason: str = ""
    apa: str = ""
    seeds_per_arm: tuple[int, int] = (0, 0)
    relative_change: float | None = None
    bootstrap_ci: tuple[float, float] | None = None
    hedges_g_ci: tuple[float, float] | None = None
    prob_superiority_ci: tuple[float, float] | None = None
    alternative: str = "two-sided"
    correction: str = "none"
    tost: dict[str, Any] | None = None
    robustness: tuple[dict[str, Any], ...] = ()
    n_pairs: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "treatment": self.treatment,
            "test": self.test,
            "test_reason": self.test_reason,
            "statistic": self.statistic,
            "df": self.df,
            "pvalue": self.pvalue,
            "pvalue_adjusted": self.pvalue_adjusted,
            "difference": self.difference,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "hedges_g": self.hedges_g,
            "cliffs_delta": self.cliffs_delta,
            "prob_superiority": self.prob_superiority,
            "power_at_margin": self.power_at_margin,
            "seeds_needed": self.seeds_needed,
            "verdict": self.verdict.value,
            "sentence": self.sentence,
            "verdict_reason": self.verdict_reason,
            "apa": self.apa,
            "seeds_per_arm": list(self.seeds_per_arm),
            "relative_change": self.relative_change,
            "bootstrap_ci": _pair(self.bootstrap_ci),
            "hedges_g_ci": _pair(self.hedges_g_ci),
            "prob_superiority_ci": _pair(self.prob_superiority_ci),
            "alternative": self.alternative,
            "correction": self.correction,
            "tost": self.tost,
            "robustness": [dict(r) for r in self.robustness],
            "n_pairs": self.n_pairs,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comparison:
        kwargs = {k: data[k] for k in data if k in _fields(cls)}
        kwargs["verdict"] = Verdict(data["verdict"])
        for key in ("bootstrap_ci", "hedges_g_ci", "prob_superiority_ci"):
            if kwargs.get(key) is not None:
                kwargs[key] = tuple(kwargs[key])
        if "seeds_per_arm" in kwargs:
            kwargs["seeds_per_arm"] = tuple(kwargs["seeds_per_arm"])
        if "robustness" in kwargs:
            kwargs["robustness"] = tuple(kwargs["robustness"])
        return cls(**kwargs)


@dataclass(frozen=True)
class Analysis:
    """Everything the statistics stage found for one hypothesis.

    ``to_dict()`` is the JSON of issue 4 (``hypolab analyze --json`` and the
    report's input); the fixed keys are ``metric``, ``direction``, ``alpha``,
    ``margin``, ``arms``, ``comparisons``, ``omnibus`` and ``trend``.

    Args:
        metric: the metric compared.
        direction: the predicted direction of treatment vs control.
        alpha: the significance level.
        margin: the smallest effect of interest, or None.
        arms: per-arm summaries, control first.
        comparisons: one per treatment, in arm order.
        omnibus: Welch's ANOVA and Kruskal-Wallis for 3+ arms, else None.
        trend: the dose-series trend test where ``ordered``, else None.
        test, pairing, correction: the settings the analysis ran with.
        control: the control arm's name.
        notes: remarks about the analysis (e.g. failed runs dropped).
    """

    metric: str
    direction: Direction
    alpha: float
    margin: float | None
    arms: tuple[ArmSummary, ...]
    comparisons: tuple[Comparison, ...]
    omnibus: dict[str, Any] | None = None
    trend: dict[str, Any] | None = None
    test: TestName = TestName.AUTO
    pairing: Pairing = Pairing.INDEPENDENT
    correction: Correction = Correction.HOLM
    control: str = ""
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "direction": self.direction.value,
            "alpha": self.alpha,
            "margin": self.margin,
            "arms": [a.to_dict() for a in self.arms],
            "comparisons": [c.to_dict() for c in self.comparisons],
            "omnibus": self.omnibus,
            "trend": self.trend,
            "test": self.test.value,
            "pairing": self.pairing.value,
            "correction": self.correction.value,
            "control": self.control,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        return cls(
            metric=data["metric"],
            direction=Direction(data["direction"]),
            alpha=data["alpha"],
            margin=data["margin"],
            arms=tuple(ArmSummary.from_dict(a) for a in data["arms"]),
            comparisons=tuple(Comparison.from_dict(c) for c in data["comparisons"]),
            omnibus=data.get("omnibus"),
            trend=data.get("trend"),
            test=TestName(data.get("test", "auto")),
            pairing=Pairing(data.get("pairing", "independent")),
            correction=Correction(data.get("correction", "holm")),
            control=data.get("control", ""),
            notes=tuple(data.get("notes", ())),
        )


def _fields(cls: type) -> set[str]:
    return set(cls.__dataclass_fields__)


def _pair(value: tuple[float, float] | None) -> list[float] | None:
    return None if value is None else [value[0], value[1]]
