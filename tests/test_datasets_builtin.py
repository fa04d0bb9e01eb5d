"""mnist, fashion_mnist and cifar10 from the Keras cache, in Keras's own file formats.

Each test writes tiny files in the exact layout ``keras.datasets`` caches into
a temporary ``KERAS_HOME``; where Keras's own readers can read tiny files, the
test also checks that they read the same arrays hypolab does.
"""

from __future__ import annotations

import gzip
import pickle
import struct

import numpy as np
import pytest

from hypolab import datasets
from hypolab.datasets import builtin
from hypolab.errors import DataError
from hypolab.records import DataConfig

N_TRAIN, N_TEST = 40, 10


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras-home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def _images(n, shape, seed):
    return np.random.default_rng(seed).integers(0, 256, size=(n, *shape), dtype=np.uint8)


def _labels(n):
    return (np.arange(n) % 10).astype(np.uint8)


def write_mnist(home):
    arrays = {
        "x_train": _images(N_TRAIN, (28, 28), 0),
        "y_train": _labels(N_TRAIN),
        "x_test": _images(N_TEST, (28, 28), 1),
        "y_test": _labels(N_TEST),
    }
    (home / "datasets").mkdir(parents=True)
    np.savez_compressed(home / "datasets" / "mnist.npz", **arrays)
    return arrays


def _idx(path, array):
    # IDX format: big-endian magic (0x0801 labels, 0x0803 images), then the dimensions.
    header = struct.pack(">I", 0x0800 + array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def write_fashion(home):
    folder = home / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    arrays = {
        "x_train": _images(N_TRAIN, (28, 28), 2),
        "y_train": _labels(N_TRAIN),
        "x_test": _images(N_TEST, (28, 28), 3),
        "y_test": _labels(N_TEST),
    }
    _idx(folder / "train-labels-idx1-ubyte.gz", arrays["y_train"])
    _idx(folder / "train-images-idx3-ubyte.gz", arrays["x_train"])
    _idx(folder / "t10k-labels-idx1-ubyte.gz", arrays["y_test"])
    _idx(folder / "t10k-images-idx3-ubyte.gz", arrays["x_test"])
    return arrays


class Py2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 ``str`` opcodes, as the published CIFAR batches were written.

    Python 3 pickles bytes at protocol 2 through ``_codecs.encode``, which is
    not what the real files hold (nor what Keras's reader allows).
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def _py2_dump(obj, path):
    with open(path, "wb") as f:
        Py2Pickler(f, protocol=2).dump(obj)


def write_cifar(home, folder="cifar-10-batches-py-target"):
    root = home / "datasets" / folder / "cifar-10-batches-py"
    root.mkdir(parents=True)
    batches = {}
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for seed, name in enumerate(names):
        n = N_TEST if name == "test_batch" else N_TRAIN // 5
        # CIFAR's python batches: a protocol-2 pickle of a dict with bytes keys; `data`
        # is (n, 3072) uint8 in channel-first order, `labels` a list of ints.
        data = _images(n, (3072,), 10 + seed)
        labels = [int(v) for v in _labels(n)]
        batch = {b"batch_label": name.encode(), b"labels": labels, b"data": data,
                 b"filenames": [f"{i}.png".encode() for i in range(n)]}  # fmt: skip
        _py2_dump(batch, root / name)
        batches[name] = (data, labels)
    return batches


def test_mnist_loads_from_the_keras_cache(keras_home):
    arrays = write_mnist(keras_home)
    ds = datasets.load(DataConfig(name="mnist", validation_split=0.25))
    assert ds.input_shape == (28, 28, 1) and ds.num_classes == 10
    assert ds.sizes == {"train": 30, "val": 10, "test": 10}
    # The file's own test split, in order, scaled by 1/255.
    np.testing.assert_allclose(ds.x_test[..., 0], arrays["x_test"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(ds.y_test, arrays["y_test"])


def test_fashion_mnist_loads_from_the_keras_cache(keras_home):
    arrays = write_fashion(keras_home)
    ds = datasets.load(DataConfig(name="fashion_mnist", validation_split=0.25))
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"
    np.testing.assert_allclose(ds.x_test[..., 0], arrays["x_test"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(ds.y_test, arrays["y_test"])


@pytest.mark.parametrize(
    "folder", ["cifar-10-batches-py-target", "."], ids=["keras-3.9-layout", "older-layout"]
)
def test_cifar10_loads_from_the_keras_cache(keras_home, folder):
    batches = write_cifar(keras_home, folder)
    ds = datasets.load(DataConfig(name="cifar10", validation_split=0.25))
    assert ds.input_shape == (32, 32, 3) and ds.class_names[1] == "automobile"
    assert ds.sizes == {"train": 30, "val": 10, "test": 10}
    data, labels = batches["test_batch"]
    expected = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1) / 255.0
    np.testing.assert_allclose(ds.x_test, expected, rtol=1e-6)
    np.testing.assert_array_equal(ds.y_test, labels)


def _point_keras_at(home, monkeypatch):
    config = pytest.importorskip("keras.src.backend.config")
    file_utils = pytest.importorskip("keras.src.utils.file_utils")
    # Keras reads KERAS_HOME once at import; point its cache at the test folder.
    monkeypatch.setattr(config, "_KERAS_DIR", str(home))
    # The tiny files cannot match the published sha256 of the real ones.
    monkeypatch.setattr(file_utils, "validate_file", lambda *args, **kwargs: True)


@pytest.mark.parametrize(
    ("name", "writer"), [("mnist", write_mnist), ("fashion_mnist", write_fashion)],
    ids=["mnist", "fashion_mnist"],
)  # fmt: skip
def test_keras_own_loader_reads_the_same_files(keras_home, monkeypatch, name, writer):
    import keras

    writer(keras_home)
    _point_keras_at(keras_home, monkeypatch)
    (x, y), (xt, yt) = getattr(keras.datasets, name).load_data()
    raw = builtin.load_keras_set(name)
    np.testing.assert_array_equal(raw.x[..., 0], x)
    np.testing.assert_array_equal(raw.y, y)
    np.testing.assert_array_equal(raw.x_test[..., 0], xt)
    np.testing.assert_array_equal(raw.y_test, yt)


def test_keras_own_cifar_batch_reader_reads_the_same_files(keras_home):
    cifar = pytest.importorskip("keras.src.datasets.cifar")
    write_cifar(keras_home)
    raw = builtin.load_keras_set("cifar10")
    root = keras_home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    data, labels = cifar.load_batch(str(root / "test_batch"))
    np.testing.assert_array_equal(raw.x_test, data.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(raw.y_test, labels)


def test_offline_download_failure_says_what_to_download_and_where(keras_home, monkeypatch):
    # A closed local port: the real download path, failing as fast as a cut network.
    unreachable = builtin.Download(
        "mnist.npz",
        "http://127.0.0.1:9/mnist.npz",
        file_hash=builtin.DOWNLOADS["mnist"][0].file_hash,
    )
    monkeypatch.setitem(builtin.DOWNLOADS, "mnist", (unreachable,))
    target = keras_home / "datasets" / "mnist.npz"
    with pytest.raises(DataError) as info:
        datasets.load(DataConfig(name="mnist"))
    message = str(info.value)
    assert message.startswith(
        "mnist is not in the Keras cache and downloading http://127.0.0.1:9/mnist.npz failed"
    )
    assert f"To use it offline, download http://127.0.0.1:9/mnist.npz -> {target}." in message
    assert f"Set KERAS_HOME to use another cache folder (now {keras_home})." in message
    assert not target.exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "mnist",
            "download https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz "
            "-> {home}/datasets/mnist.npz.",
        ),
        (
            "fashion_mnist",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/t10k-images-idx3-ubyte.gz"
            " -> {home}/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz.",
        ),
        (
            "cifar10",
            "download https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz and extract it into "
            "{home}/datasets/cifar-10-batches-py-target/ (so that "
            "{home}/datasets/cifar-10-batches-py-target/cifar-10-batches-py/data_batch_1 exists).",
        ),
    ],
    ids=["mnist", "fashion_mnist", "cifar10"],
)
def test_offline_error_names_the_real_origin_and_cache_path(
    keras_home, monkeypatch, name, expected
):
    import keras

    def no_network(*args, **kwargs):
        raise Exception("URL fetch failure on x: None -- [Errno 101] Network is unreachable")

    monkeypatch.setattr(keras.utils, "get_file", no_network)
    with pytest.raises(DataError, match="Network is unreachable") as info:
        datasets.load(DataConfig(name=name))
    assert expected.format(home=keras_home) in str(info.value)


def test_a_corrupt_cached_file_says_how_to_recover(keras_home):
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "mnist.npz").write_bytes(b"not a zip")
    with pytest.raises(
        DataError,
        match=r"mnist: cannot read the cached file .*mnist\.npz: .*Delete it and load again",
    ):
        datasets.load(DataConfig(name="mnist"))


def test_a_cifar_batch_that_smuggles_code_is_refused(keras_home):
    write_cifar(keras_home)
    evil = keras_home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    _py2_dump({b"data": print, b"labels": []}, evil / "test_batch")
    with pytest.raises(
        DataError,
        match=r"cifar10: cannot read the cached files in .*cifar-10-batches-py: UnpicklingError: refusing to load __builtin__\.print",
    ):
        datasets.load(DataConfig(name="cifar10"))
