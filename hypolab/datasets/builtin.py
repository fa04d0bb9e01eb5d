"""The built-in data sets: ``digits`` (offline) and Keras's cached image sets.

``mnist``, ``fashion_mnist`` and ``cifar10`` are read from the files Keras
caches under ``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``), in the
exact layout and format that ``keras.datasets.<name>.load_data()`` uses, so the
two share one cache. Missing files are downloaded with ``keras.utils.get_file``
(same file names, origins and hashes as Keras); offline, the error says what to
download, from where, and where to put it.
"""

from __future__ import annotations

import gzip
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hypolab.datasets.splits import RawData
from hypolab.errors import DataError
from hypolab.records import Task

_GCS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_DIGIT_NAMES = tuple(str(i) for i in range(10))
FASHION_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
CIFAR10_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip


@dataclass(frozen=True)
class Download:
    """One file Keras downloads into its cache, as ``keras.utils.get_file`` is called.

    Args:
        fname: ``get_file``'s ``fname`` (for an archive: its extraction folder).
        origin: the URL.
        cache_subdir: folder under the Keras home, e.g. ``datasets``.
        file_hash: sha256 Keras checks after downloading, or None.
        extract: True for an archive Keras extracts.
    """

    fname: str
    origin: str
    cache_subdir: str = "datasets"
    file_hash: str | None = None
    extract: bool = False


#: What each Keras data set downloads (keras/src/datasets/<name>.py).
DOWNLOADS: dict[str, tuple[Download, ...]] = {
    "mnist": (
        Download(
            "mnist.npz",
            _GCS + "mnist.npz",
            file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        ),
    ),
    "fashion_mnist": tuple(
        Download(f, _GCS + f, cache_subdir=os.path.join("datasets", "fashion-mnist"))
        for f in (
            "train-labels-idx1-ubyte.gz",
            "train-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
        )
    ),
    "cifar10": (
        Download(
            "cifar-10-batches-py-target",
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
            file_hash="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            extract=True,
        ),
    ),
}

_CIFAR_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


def keras_home() -> Path:
    """The folder Keras caches downloads in: ``$KERAS_HOME`` or ``~/.keras``.

    Read at call time (Keras reads it once at import), so a changed
    ``KERAS_HOME`` takes effect for hypolab's loads and downloads.
    """
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"]).expanduser()
    home = Path.home()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def load_digits() -> RawData:
    """scikit-learn's 8x8 digits (1,797 images, pixel values 0..16), as (n, 8, 8, 1)."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    return RawData(
        x=bunch.images.reshape(-1, 8, 8, 1),
        y=bunch.target.astype(np.int32),
        x_test=None,
        y_test=None,
        images=True,
        task=Task.CLASSIFICATION,
        class_names=_DIGIT_NAMES,
        pixel_max=None,  # scaled by the training split's maximum (16)
    )


def load_keras_set(name: str) -> RawData:
    """Read (downloading if needed) ``mnist``, ``fashion_mnist`` or ``cifar10``.

    Raises:
        DataError: the files are missing and cannot be downloaded, or a cached
            file is corrupt; the message says what to download and where to put it.
    """
    home = keras_home()
    files = cached_files(name, home)
    if files is None:
        _download(name, home)
        files = cached_files(name, home)
        if files is None:
            raise DataError(
                f"{name}: the download finished but {_expected(name, home)} is missing."
            )
    try:
        (x, y), (x_test, y_test) = _READERS[name](files)
    except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError) as exc:
        where = f"file {files[0]}" if len(files) == 1 else f"files in {files[0].parent}"
        raise DataError(
            f"{name}: cannot read the cached {where}: {type(exc).__name__}: {exc}. "
            "Delete it and load again to download it anew, "
            f"or {_instructions(name, home)}"
        ) from exc
    y, y_test = y.reshape(-1).astype(np.int32), y_test.reshape(-1).astype(np.int32)
    if x.ndim == 3:
        x, x_test = x[..., np.newaxis], x_test[..., np.newaxis]
    names = {"mnist": _DIGIT_NAMES, "fashion_mnist": FASHION_NAMES, "cifar10": CIFAR10_NAMES}[name]
    for labels in (y, y_test):
        if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
            raise DataError(
                f"{name}: labels outside 0..{len(names) - 1} in {files[0]}; the file is not {name}."
            )
    return RawData(
        x=x, y=y, x_test=x_test, y_test=y_test, images=True,
        task=Task.CLASSIFICATION, class_names=names, pixel_max=255.0,
    )  # fmt: skip


def cached_files(name: str, home: Path) -> list[Path] | None:
    """The Keras cache files of ``mnist``, ``fashion_mnist`` or ``cifar10`` under ``home``, or None where any is missing."""
    datasets = home / "datasets"
    if name == "mnist":
        paths = [datasets / "mnist.npz"]
    elif name == "fashion_mnist":
        paths = [home / d.cache_subdir / d.fname for d in DOWNLOADS[name]]
    else:
        # Keras >= 3.9 extracts into cifar-10-batches-py-target/; older Keras 3 into datasets/.
        for root in (datasets / "cifar-10-batches-py-target", datasets):
            paths = [root / "cifar-10-batches-py" / f for f in _CIFAR_FILES]
            if all(p.is_file() for p in paths):
                return paths
        return None
    return paths if all(p.is_file() for p in paths) else None


def _expected(name: str, home: Path) -> str:
    if name == "cifar10":
        return str(
            home
            / "datasets"
            / "cifar-10-batches-py-target"
            / "cifar-10-batches-py"
            / "data_batch_1"
        )
    return ", ".join(str(home / d.cache_subdir / d.fname) for d in DOWNLOADS[name])


def _instructions(name: str, home: Path) -> str:
    if name == "cifar10":
        target = home / "datasets" / "cifar-10-batches-py-target"
        return (
            f"download {DOWNLOADS[name][0].origin} and extract it into {target}/ "
            f"(so that {target / 'cifar-10-batches-py' / 'data_batch_1'} exists)."
        )
    pairs = [f"{d.origin} -> {home / d.cache_subdir / d.fname}" for d in DOWNLOADS[name]]
    return "download " + "; ".join(pairs) + "."


def _download(name: str, home: Path) -> None:
    from keras.utils import get_file

    for d in DOWNLOADS[name]:
        try:
            get_file(
                fname=d.fname,
                origin=d.origin,
                file_hash=d.file_hash,
                cache_subdir=d.cache_subdir,
                extract=d.extract,
                cache_dir=str(home),
            )
        except Exception as exc:  # noqa: BLE001 - get_file raises bare Exception when offline
            raise DataError(
                f"{name} is not in the Keras cache and downloading {d.origin} failed "
                f"({type(exc).__name__}: {exc}). To use it offline, "
                f"{_instructions(name, home)} Set KERAS_HOME to use another cache folder "
                f"(now {home})."
            ) from exc


def _read_mnist(files: list[Path]):
    with np.load(files[0], allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def _read_fashion(files: list[Path]):
    arrays = []
    for labels_path, images_path in ((files[0], files[1]), (files[2], files[3])):
        with gzip.open(labels_path, "rb") as f:
            y = np.frombuffer(f.read(), np.uint8, offset=8)
        with gzip.open(images_path, "rb") as f:
            pixels = np.frombuffer(f.read(), np.uint8, offset=16)
        if pixels.size != y.size * 28 * 28:
            raise ValueError(f"{images_path.name} holds {pixels.size} pixels for {y.size} labels")
        arrays.append((pixels.reshape(len(y), 28, 28), y))
    return arrays[0], arrays[1]


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles only numpy arrays (the CIFAR batches), never arbitrary code."""

    _ALLOWED = frozenset(
        {
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
        }
    )

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")
        if module == "numpy.core.multiarray" and hasattr(np, "_core"):
            module = "numpy._core.multiarray"  # numpy 2 name; avoids its deprecation shim
        return super().find_class(module, name)


def _read_cifar_batch(path: Path):
    with open(path, "rb") as f:
        batch = _ArrayUnpickler(f, encoding="bytes").load()
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data = np.asarray(batch["data"], dtype=np.uint8)
    labels = np.asarray(batch["labels"], dtype=np.uint8)
    # Stored channels first (n, 3, 32, 32); hypolab's images are channels last.
    return data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1), labels


def _read_cifar(files: list[Path]):
    train = [_read_cifar_batch(p) for p in files[:5]]
    x = np.concatenate([b[0] for b in train])
    y = np.concatenate([b[1] for b in train])
    return (x, y), _read_cifar_batch(files[5])


_READERS = {"mnist": _read_mnist, "fashion_mnist": _read_fashion, "cifar10": _read_cifar}
