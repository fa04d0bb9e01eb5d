"""Data sets: a ``DataConfig`` -> a split, scaled ``Dataset`` shared by every run.

Sources (``data.name``):

- ``digits``: scikit-learn's 8x8 digits (1,797 examples, 10 classes), offline.
- ``mnist``, ``fashion_mnist`` (28x28x1) and ``cifar10`` (32x32x3): the files
  ``keras.datasets`` caches in ``$KERAS_HOME/datasets`` (``~/.keras/datasets``),
  downloaded on first use; they bring their own test split.
- ``path/to/file.npz``: ``x_train``, ``y_train``, optional ``x_val``, ``y_val``,
  ``x_test``, ``y_test``.
- ``path/to/file.csv``: a header row; ``data.target`` names the label column,
  ``data.split_column`` (optional) each row's split, every other column is a
  numeric feature.

``data.task`` (``auto``, ``classification``, ``regression``) says whether the
labels are classes or targets (``hypolab.tasks``).

Shapes: image sets keep their image shape, ``(n, height, width, channels)``
(digits is ``(n, 8, 8, 1)``), so a ``cnn`` takes them as they are; the ``mlp``
builder starts with a ``Flatten`` layer. Tabular sets are ``(n, features)``.

Splits (deterministic, the same for every arm and seed): first the test split
(``data.test_split`` of all examples, unless the source has its own test
split), then the validation split (``data.validation_split`` of the rest,
unless the source has its own),
both with scikit-learn's ``train_test_split(random_state=data.split_seed)``,
stratified by class for classification. Then ``data.subset`` keeps that many
training examples (stratified, same seed). The test split is never trained on.

Scaling, fitted on the (subset) training split only: uint8 images are divided
by 255, other images (digits: 0..16) by the training split's maximum; tabular
features are standardised with the training mean and standard deviation.
Regression targets are kept in their units (float32); the ``Dataset`` holds
their training mean and standard deviation, and the engines train on the
standardised targets and report metrics in the data's units.

``load`` reads the source every time. Whoever trains many runs keeps a
``DatasetCache`` (an executor's worker does), keyed by ``identity``: the
``DataConfig`` and the file's path, size and modification time, so a
``hypolab test`` loads each data set once per worker. Treat a loaded
``Dataset``'s arrays as read-only.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

from hypolab.datasets.builtin import DOWNLOADS, keras_home, load_digits, load_keras_set
from hypolab.datasets.files import load_csv, load_npz
from hypolab.datasets.splits import split_and_scale
from hypolab.errors import DataError
from hypolab.records import DataConfig, Dataset

#: The data set names that need no file.
BUILTIN: tuple[str, ...] = ("digits", "mnist", "fashion_mnist", "cifar10")

__all__ = ["BUILTIN", "DOWNLOADS", "DatasetCache", "identity", "keras_home", "load", "resolve_path"]


def load(data: DataConfig, *, base_dir: str | os.PathLike | None = None) -> Dataset:
    """Load, split and scale the data set a hypothesis names.

    Args:
        data: the hypothesis's ``data`` section.
        base_dir: folder that a relative ``.npz``/``.csv`` path is relative to
            (the hypothesis file's folder); the current directory when None.

    Returns:
        A new ``Dataset``.

    Raises:
        DataError: an unknown name, a missing or malformed file, a built-in set
            that is neither cached nor downloadable, or data too small for the splits.

    Example:

    >>> ds = load(DataConfig(name="digits", subset=200))
    >>> ds.input_shape, ds.num_classes, ds.sizes["train"]
    ((8, 8, 1), 10, 200)
    """
    if data.name in BUILTIN:
        raw = load_digits() if data.name == "digits" else load_keras_set(data.name)
        return split_and_scale(data.name, raw, data)
    path = resolve_path(data.name, base_dir)
    task = data.declared_task
    if path.suffix.lower() == ".npz":
        raw = load_npz(path, task)
    else:
        raw = load_csv(path, data.target, task, data.split_column)
    return split_and_scale(str(path), raw, data)


def identity(data: DataConfig, base_dir: str | os.PathLike | None = None) -> tuple:
    """What a loaded ``Dataset`` depends on: the config and where its source is.

    A built-in set is its config (and the Keras cache folder it is read from);
    a file is its config and the file's resolved path, size and modification
    time, so an edited file is a new identity.

    Raises:
        DataError: as ``resolve_path``.
    """
    if data.name in BUILTIN:
        return (data, str(keras_home()) if data.name != "digits" else "")
    path = resolve_path(data.name, base_dir)
    stat = path.stat()
    return (data, str(path), stat.st_size, stat.st_mtime_ns)


def resolve_path(name: str, base_dir: str | os.PathLike | None = None) -> Path:
    """The file a non-built-in ``data.name`` points at.

    A relative path is looked up in ``base_dir`` (the hypothesis file's
    folder) first, then in the working directory, as the spec stage does.

    Raises:
        DataError: not a built-in name, not ``.npz``/``.csv``, or no such file.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in (".npz", ".csv"):
        raise DataError(
            f"data.name: unknown data set {name!r}. Expected one of {', '.join(BUILTIN)}, "
            "or the path of a .npz or .csv file."
        )
    path = Path(name).expanduser()
    candidates = [path]
    if not path.is_absolute() and base_dir is not None:
        candidates.insert(0, Path(base_dir) / path)
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    looked = " and ".join(str(c.resolve()) for c in candidates)
    raise DataError(f"data.name: no file {name!r}: looked for {looked}.")


class DatasetCache:
    """The loaded data sets of one worker, by ``identity``; the oldest are dropped beyond ``size``.

    Args:
        size: data sets kept in memory (cifar10 is ~0.6 GB as float32).

    Example:

    >>> cache = DatasetCache()
    >>> cache.get(DataConfig(name="digits", subset=50)) is cache.get(DataConfig(name="digits", subset=50))
    True
    """

    def __init__(self, size: int = 2) -> None:
        self._size = size
        self._loaded: OrderedDict[tuple, Dataset] = OrderedDict()

    def get(self, data: DataConfig, base_dir: str | os.PathLike | None = None) -> Dataset:
        """The data set ``data`` names: from memory where loaded, else ``load``ed now.

        Raises:
            DataError: as ``load``.
        """
        key = identity(data, base_dir)
        if key in self._loaded:
            self._loaded.move_to_end(key)
            return self._loaded[key]
        dataset = load(data, base_dir=base_dir)
        self._loaded[key] = dataset
        while len(self._loaded) > self._size:
            self._loaded.popitem(last=False)
        return dataset

    def clear(self) -> None:
        """Forget every loaded data set (frees its memory once no run holds it)."""
        self._loaded.clear()
