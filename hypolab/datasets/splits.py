"""Labels, splits and scaling: raw arrays -> a split, scaled ``Dataset``.

Every function here is deterministic given ``DataConfig.split_seed``, so every
arm and every seed of a hypothesis sees exactly the same examples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from hypolab.errors import DataError
from hypolab.records import DataConfig, Dataset, Task


@dataclass(frozen=True)
class RawData:
    """Arrays as read from a source, before splitting and scaling.

    Args:
        x: all examples, or the training examples where ``x_test`` (and ``x_val``) are given.
        y: labels/targets of ``x`` (1-D).
        x_test, y_test: the source's own test split, or None.
        images: True where ``x`` is ``(n, height, width, channels)`` pixels.
        task: classification or regression.
        class_names: names of the label values ``0..k-1`` (classification).
        pixel_max: divide images by this (255 for uint8), or None to use the
            training split's maximum.
        x_val, y_val: the source's own validation split, or None.
    """

    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    images: bool
    task: Task
    class_names: tuple[str, ...] = ()
    pixel_max: float | None = None
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None


def encode_labels(
    source: str, y: np.ndarray, y_test: np.ndarray | None, y_val: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...], np.ndarray | None]:
    """Re-encode class labels as ``0..k-1`` in sorted order of the original values.

    Returns:
        ``(y, y_test, class_names, y_val)`` with int32 labels; ``class_names[i]`` is
        the original value of class ``i`` as text.

    Raises:
        DataError: ``y`` holds fewer than 2 classes, or ``y_test`` or ``y_val``
            holds a class that ``y`` does not.
    """
    classes, codes = np.unique(y, return_inverse=True)
    names = tuple(_label_text(c) for c in classes)
    if classes.size < 2:  # a one-class softmax scores 100% accuracy and tests nothing
        raise DataError(
            f"{source}: the labels hold a single class ({', '.join(names) or 'none'}). Expected "
            "at least 2 classes; check the label column (data.target) and its values."
        )
    encoded = []
    for labels, split in ((y_test, "test"), (y_val, "validation")):
        if labels is None:
            encoded.append(None)
            continue
        unknown = np.setdiff1d(np.unique(labels), classes)
        if unknown.size:
            raise DataError(
                f"{source}: the {split} labels hold classes the training labels do not: "
                f"{', '.join(_label_text(u) for u in unknown[:10])}. "
                f"Expected {split} classes among: {', '.join(names[:20])}."
            )
        encoded.append(np.searchsorted(classes, labels).astype(np.int32))
    return codes.astype(np.int32).reshape(-1), encoded[0], names, encoded[1]


def _label_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def split_and_scale(source: str, raw: RawData, config: DataConfig) -> Dataset:
    """Split ``raw`` into train/validation/test, subset and scale; see ``hypolab.datasets``.

    A split the source brings (``x_test``, ``x_val``) is used as given; the
    others are drawn. Regression targets stay in their units; their mean and
    standard deviation on the (subset) training split are the ``Dataset``'s
    ``target_mean`` and ``target_std``, which the engines standardise with.

    Raises:
        DataError: fractions out of range, too few examples for the splits,
            a class too rare to stratify, or a subset larger than the training split.
    """
    _check_fractions(config)
    stratify = raw.task is Task.CLASSIFICATION
    index = np.arange(len(raw.y))
    if raw.x_test is None:
        rest, test = _split(source, index, raw.y, config.test_split, config, stratify, "test")
        x_test, y_test = raw.x[test], raw.y[test]
    else:
        rest, (x_test, y_test) = index, (raw.x_test, raw.y_test)
    if raw.x_val is None:
        train, val = _split(source, rest, raw.y, config.validation_split, config, stratify, "validation")
        x_val, y_val = raw.x[val], raw.y[val]
    else:
        train, (x_val, y_val) = rest, (raw.x_val, raw.y_val)
    if config.subset is not None:
        train = _subset(source, train, raw.y, config, stratify)
    x_train = raw.x[train]
    x_train, x_val, x_test = _scale(raw, x_train, x_val, x_test)
    y_dtype = np.int32 if stratify else np.float32
    num_classes = len(raw.class_names) if stratify else 1
    y_train = raw.y[train].astype(y_dtype)
    mean, std = (0.0, 1.0) if stratify else _target_scale(y_train)
    return Dataset(
        name=config.name,
        task=raw.task,
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=np.asarray(y_val).astype(y_dtype),
        x_test=x_test,
        y_test=np.asarray(y_test).astype(y_dtype),
        num_classes=num_classes,
        input_shape=tuple(int(d) for d in x_train.shape[1:]),
        class_names=raw.class_names if stratify else (),
        target_mean=mean,
        target_std=std,
        data=config,
    )


def _target_scale(y_train: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of the training targets (1 where they are constant)."""
    mean, std = float(np.mean(y_train, dtype=np.float64)), float(np.std(y_train, dtype=np.float64))
    return mean, (std if std > 0 else 1.0)


def _check_fractions(config: DataConfig) -> None:
    for key in ("validation_split", "test_split"):
        value = getattr(config, key)
        if not isinstance(value, (int, float)) or not 0 < value < 1:
            raise DataError(f"data.{key} must be a number in (0, 1). Got {value!r} instead.")
    if config.subset is not None and (not isinstance(config.subset, int) or config.subset < 1):
        raise DataError(
            f"data.subset must be a positive number of training examples or null. "
            f"Got {config.subset!r} instead."
        )


def _split(source, index, y, fraction, config, stratify, what):
    n = len(index)
    n_out = int(np.ceil(fraction * n))
    if n_out < 1 or n - n_out < 1:
        pool = "examples" if what == "test" else "examples left for training and validation"
        rest = "training and validation" if what == "test" else "training"
        raise DataError(
            f"{source}: too few examples for data.{what}_split={fraction}: {n} {pool} "
            f"would give {n_out} to {what} and {n - n_out} to {rest}. Expected at least one "
            f"on each side; use more data or change data.{what}_split."
        )
    try:
        kept, held = train_test_split(
            index,
            test_size=fraction,
            random_state=config.split_seed,
            stratify=y[index] if stratify else None,
        )
    except ValueError as exc:
        raise DataError(
            f"{source}: cannot make a stratified {what} split of {fraction} from {n} examples "
            f"({_classes_summary(y[index])}): {exc} Use more data, "
            f"a larger data.{what}_split, or drop the rare classes; if the labels are quantities to "
            "predict rather than classes, set data.task: regression."
        ) from exc
    return np.sort(kept), np.sort(held)


def _subset(source, train, y, config, stratify):
    n, subset = len(train), config.subset
    if subset > n:
        raise DataError(
            f"{source}: data.subset is {subset} but the training split has only {n} examples "
            f"(after the test and validation splits). Expected a subset of at most {n}."
        )
    if subset == n:
        return train
    try:
        kept, _ = train_test_split(
            train,
            train_size=subset,
            random_state=config.split_seed,
            stratify=y[train] if stratify else None,
        )
    except ValueError as exc:
        raise DataError(
            f"{source}: cannot draw a stratified subset of {subset} from {n} training examples "
            f"({_classes_summary(y[train])}): {exc} A subset needs at least one example per "
            "class and must leave at least one per class out (or equal the training size)."
        ) from exc
    return np.sort(kept)


def _classes_summary(y) -> str:
    classes, counts = np.unique(y, return_counts=True)
    rarest = int(np.argmin(counts))
    return f"{len(classes)} classes, the rarest has {int(counts[rarest])} examples"


def _scale(raw: RawData, x_train, x_val, x_test):
    x_train = x_train.astype(np.float32)
    x_val = x_val.astype(np.float32)
    x_test = np.asarray(x_test).astype(np.float32)
    if raw.images:
        # Pixel scaling: a fixed range (uint8 -> 255) or the training split's maximum.
        peak = raw.pixel_max if raw.pixel_max is not None else float(np.abs(x_train).max())
        if peak > 0:
            x_train /= peak
            x_val /= peak
            x_test /= peak
        return x_train, x_val, x_test
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std == 0] = 1.0  # a constant feature stays 0 instead of dividing by zero
    return (x_train - mean) / std, (x_val - mean) / std, (x_test - mean) / std
