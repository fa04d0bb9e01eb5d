"""hypolab.datasets: sources, deterministic stratified splits, train-only scaling, errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

from hypolab import datasets
from hypolab.errors import DataError
from hypolab.records import DataConfig, Task


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return str(path)


def _id_npz(tmp_path, n=100):
    """A regression npz whose target is the example's id, to track where each example went."""
    rng = np.random.default_rng(0)
    x = rng.normal(5.0, 3.0, size=(n, 3))
    y = np.arange(n, dtype=np.float64)
    return _npz(tmp_path / "ids.npz", x_train=x, y_train=y), x, y


# -- digits ---------------------------------------------------------------------------------


def test_digits_splits_shapes_and_scaling():
    ds = datasets.load(DataConfig(name="digits"))
    # 1,797 examples: test = ceil(0.2 * 1797) = 360, validation = ceil(0.2 * 1437) = 288.
    assert ds.sizes == {"train": 1149, "val": 288, "test": 360}
    assert ds.input_shape == (8, 8, 1)
    assert ds.x_train.shape == (1149, 8, 8, 1) and ds.x_train.dtype == np.float32
    assert ds.y_train.dtype == np.int32 and ds.task is Task.CLASSIFICATION
    assert ds.num_classes == 10 and ds.class_names == tuple("0123456789")
    # Pixels 0..16 divided by the training maximum (16).
    assert ds.x_train.max() == 1.0 and ds.x_train.min() == 0.0
    assert set(np.unique(ds.x_test * 16).round(4)) <= set(range(17))


def test_digits_split_is_deterministic_and_follows_split_seed():
    a = datasets.load(DataConfig(name="digits", split_seed=3))
    b = datasets.load(DataConfig(name="digits", split_seed=3))
    c = datasets.load(DataConfig(name="digits", split_seed=4))
    assert a is not b
    for split in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, split), getattr(b, split))
    assert not np.array_equal(a.y_test, c.y_test)


def test_digits_splits_are_stratified():
    ds = datasets.load(DataConfig(name="digits"))
    full = np.concatenate([ds.y_train, ds.y_val, ds.y_test])
    for labels in (ds.y_train, ds.y_val, ds.y_test):
        expected = np.bincount(full, minlength=10) / len(full) * len(labels)
        assert np.abs(np.bincount(labels, minlength=10) - expected).max() <= 1.0


def test_digits_subset_is_stratified_and_leaves_val_and_test_alone():
    full = datasets.load(DataConfig(name="digits"))
    ds = datasets.load(DataConfig(name="digits", subset=100))
    assert ds.sizes == {"train": 100, "val": 288, "test": 360}
    assert np.bincount(ds.y_train, minlength=10).min() >= 9
    np.testing.assert_array_equal(ds.y_test, full.y_test)
    np.testing.assert_array_equal(ds.y_val, full.y_val)


def test_a_cache_loads_each_config_once_and_keeps_the_latest_two():
    cache = datasets.DatasetCache(size=2)
    a = cache.get(DataConfig(name="digits", subset=50))
    assert cache.get(DataConfig(name="digits", subset=50)) is a
    b = cache.get(DataConfig(name="digits", subset=60))
    assert b is not a
    cache.get(DataConfig(name="digits", subset=70))  # a is the oldest: dropped
    assert cache.get(DataConfig(name="digits", subset=60)) is b
    assert cache.get(DataConfig(name="digits", subset=50)) is not a
    cache.clear()
    assert cache.get(DataConfig(name="digits", subset=60)) is not b


# -- splits and scaling on a tracked npz ----------------------------------------------------


def test_splits_are_disjoint_and_cover_every_example(tmp_path):
    path, _, _ = _id_npz(tmp_path)
    ds = datasets.load(DataConfig(name=path, test_split=0.2, validation_split=0.25))
    assert ds.sizes == {"train": 60, "val": 20, "test": 20}
    ids = np.concatenate([ds.y_train, ds.y_val, ds.y_test]).astype(int)
    assert sorted(ids) == list(range(100))


def test_tabular_scaling_is_fitted_on_the_training_split_only(tmp_path):
    path, x, _ = _id_npz(tmp_path)
    ds = datasets.load(DataConfig(name=path, subset=40))
    train_raw = x[ds.y_train.astype(int)]
    mean, std = train_raw.mean(axis=0), train_raw.std(axis=0)
    np.testing.assert_allclose(ds.x_train, (train_raw - mean) / std, atol=1e-5)
    for xs, ys in ((ds.x_val, ds.y_val), (ds.x_test, ds.y_test)):
        np.testing.assert_allclose(xs, (x[ys.astype(int)] - mean) / std, atol=1e-5)
    # The validation and test splits were not standardised with their own statistics.
    assert np.abs(ds.x_test.mean(axis=0)).max() > 1e-3


def test_images_scale_by_255_for_uint8_and_keep_image_shape(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 100, size=(40, 5, 6), dtype=np.uint8)  # dark: max 99, not 255
    y = np.arange(40) % 2
    ds = datasets.load(DataConfig(name=_npz(tmp_path / "img.npz", x_train=x, y_train=y)))
    assert ds.input_shape == (5, 6, 1)
    all_x = np.concatenate([ds.x_train, ds.x_val, ds.x_test])
    np.testing.assert_allclose(np.sort(all_x.ravel()), np.sort(x.ravel() / 255.0), rtol=1e-6)


def test_float_images_scale_by_the_training_maximum(tmp_path):
    x = np.zeros((40, 4, 4, 2))
    x[:, 0, 0, 0] = np.arange(40)  # the largest values land in some split or other
    y = np.arange(40.0)  # regression ids, to know which examples trained
    ds = datasets.load(DataConfig(name=_npz(tmp_path / "f.npz", x_train=x, y_train=y)))
    peak = ds.y_train.max()
    np.testing.assert_allclose(ds.x_train[:, 0, 0, 0], ds.y_train / peak, rtol=1e-6)
    np.testing.assert_allclose(ds.x_test[:, 0, 0, 0], ds.y_test / peak, rtol=1e-6)


def test_npz_with_its_own_test_arrays_keeps_them_as_the_test_split(tmp_path):
    rng = np.random.default_rng(2)
    x, xt = rng.normal(size=(50, 3)), rng.normal(size=(7, 3))
    y, yt = np.arange(50) % 3, np.array([0, 1, 2, 0, 1, 2, 2])
    path = _npz(tmp_path / "own.npz", x_train=x, y_train=y, x_test=xt, y_test=yt)
    ds = datasets.load(DataConfig(name=path, validation_split=0.2, test_split=0.5))
    assert ds.sizes == {"train": 40, "val": 10, "test": 7}
    np.testing.assert_array_equal(ds.y_test, yt)


def test_integer_labels_are_reencoded_and_named(tmp_path):
    x = np.random.default_rng(3).normal(size=(30, 2))
    y = np.array([3, 7, 9] * 10)
    ds = datasets.load(DataConfig(name=_npz(tmp_path / "l.npz", x_train=x, y_train=y)))
    assert ds.num_classes == 3 and ds.class_names == ("3", "7", "9")
    assert set(np.concatenate([ds.y_train, ds.y_val, ds.y_test])) == {0, 1, 2}
    text = np.array(["setosa", "virginica", "versicolor"] * 10)
    named = datasets.load(DataConfig(name=_npz(tmp_path / "s.npz", x_train=x, y_train=text)))
    assert named.class_names == ("setosa", "versicolor", "virginica")


def test_float_labels_make_a_regression_set(tmp_path):
    x = np.random.default_rng(4).normal(size=(30, 2))
    y = x[:, 0] * 2.5 + 1.0
    ds = datasets.load(DataConfig(name=_npz(tmp_path / "r.npz", x_train=x, y_train=y)))
    assert ds.task is Task.REGRESSION and ds.num_classes == 1 and ds.class_names == ()
    assert ds.y_train.dtype == np.float32
    # Targets are kept as given (only features are standardised).
    assert set(np.round(ds.y_test, 4)) <= set(np.round(y.astype(np.float32), 4))


# -- CSV ------------------------------------------------------------------------------------


def _csv(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _table(n=30, label=lambda i: ["cat", "dog", "emu"][i % 3]):
    rows = ["a,species,b"] + [f"{i * 0.5},{label(i)},{(i * 7) % 11}" for i in range(n)]
    return "\n".join(rows) + "\n"


def test_csv_text_labels_make_classes_and_features_are_standardised(tmp_path):
    ds = datasets.load(DataConfig(name=_csv(tmp_path, _table()), target="species"))
    assert ds.task is Task.CLASSIFICATION and ds.class_names == ("cat", "dog", "emu")
    assert ds.input_shape == (2,)
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0.0, atol=1e-5)


def test_csv_float_target_is_regression_and_integer_target_is_classes(tmp_path):
    reg = datasets.load(
        DataConfig(name=_csv(tmp_path, _table(label=lambda i: f"{i}.0"), "r.csv"), target="species")
    )
    cls = datasets.load(
        DataConfig(
            name=_csv(tmp_path, _table(label=lambda i: str(i % 2)), "c.csv"), target="species"
        )
    )
    assert reg.task is Task.REGRESSION
    assert cls.task is Task.CLASSIFICATION and cls.class_names == ("0", "1")


def test_relative_path_is_looked_up_in_base_dir_then_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "hyp" / "data").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    _csv(tmp_path / "hyp" / "data", _table(n=30), "t.csv")
    _csv(tmp_path / "data", _table(n=40), "w.csv")
    monkeypatch.chdir(tmp_path)
    near = datasets.load(DataConfig(name="data/t.csv", target="species"), base_dir=tmp_path / "hyp")
    assert near.sizes["test"] == 6
    cwd = datasets.load(DataConfig(name="data/w.csv", target="species"), base_dir=tmp_path / "hyp")
    assert cwd.sizes["test"] == 8


@pytest.mark.parametrize(
    ("text", "target", "pattern"),
    [
        (
            "a,b,label\n1,2,x\n3,oops,y\n",
            "label",
            r"t\.csv: line 3, column 'b': 'oops' is not a number\. Expected numeric features",
        ),
        (
            "a,b,kind\n1,2,x\n",
            "label",
            r"t\.csv: data\.target: no column 'label'\. Columns found: 'a', 'b', 'kind'\.",
        ),
        ("a,b,label\n1,2,x\n1,nan,y\n", "label", r"t\.csv: line 3, column 'b': 'nan' is not a number"),
        ("a;b;label\n1;2;x\n", "label", r"seems not to be comma-separated"),
        ("a,b,label\n1,2,x\n3,4\n", "label", r"line 3 has 2 fields but the header has 3"),
        ("", "label", r"the file is empty"),
        ("a,label\n", "label", r"no data rows after the header"),
        ("a,label\n1,\n", "label", r"line 2, column 'label': the label is empty"),
        ("a,b\n1,2\n", None, r"data\.target is not set"),
    ],
    ids=["non-numeric", "no-target-column", "nan", "semicolons", "ragged", "empty", "no-rows",
         "empty-label", "target-unset"],
)  # fmt: skip
def test_csv_errors_name_file_line_column(tmp_path, text, target, pattern):
    path = _csv(tmp_path, text)
    with pytest.raises(DataError, match=pattern):
        datasets.load(DataConfig(name=path, target=target))


# -- npz errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrays", "pattern"),
    [
        ({"x": np.zeros((4, 2)), "y": np.zeros(4)}, r"missing array\(s\) x_train, y_train\. Found: x, y"),
        (
            {"x_train": np.zeros((4, 2)), "y_train": np.zeros(4), "x_test": np.zeros((2, 2))},
            r"has only one of x_test and y_test",
        ),
        ({"x_train": np.zeros((4, 2)), "y_train": np.zeros(3)}, r"x_train has 4 examples but y_train has 3"),
        ({"x_train": np.zeros((4, 2)), "y_train": np.zeros((4, 10))}, r"y_train has shape \(4, 10\)"),
        (
            {"x_train": np.full((4, 2), np.nan), "y_train": np.zeros(4)},
            r"x_train holds NaN or inf \(first at example 0\)",
        ),
        (
            {
                "x_train": np.zeros((6, 2)), "y_train": np.array([0, 1] * 3),
                "x_test": np.zeros((2, 2)), "y_test": np.array([0, 5]),
            },
            r"the test labels hold classes the training labels do not: 5",
        ),
        (
            {"x_train": np.zeros((4, 2)), "y_train": np.zeros(4), "x_test": np.zeros((2, 3)),
             "y_test": np.zeros(2)},
            r"x_test examples have shape \(3,\) but x_train's have \(2,\)",
        ),
    ],
    ids=["missing-keys", "half-test", "length-mismatch", "one-hot", "nan", "unseen-test-class",
         "test-shape"],
)  # fmt: skip
def test_npz_errors(tmp_path, arrays, pattern):
    path = _npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=pattern):
        datasets.load(DataConfig(name=path))


def test_npz_that_is_not_an_npz(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_text("hello")
    with pytest.raises(DataError, match=r"junk\.npz: cannot read it as a \.npz file"):
        datasets.load(DataConfig(name=str(path)))


# -- names, sizes and fractions -------------------------------------------------------------


def test_unknown_name_and_missing_file(tmp_path):
    with pytest.raises(
        DataError, match=r"unknown data set 'mnistt'\. Expected one of digits, mnist"
    ):
        datasets.load(DataConfig(name="mnistt"))
    with pytest.raises(
        DataError,
        match=rf"data\.name: no file 'nope\.csv': looked for {tmp_path}/nope\.csv and .*/nope\.csv\.",
    ):
        datasets.load(DataConfig(name="nope.csv", target="y"), base_dir=tmp_path)


def test_subset_larger_than_the_training_split():
    with pytest.raises(
        DataError,
        match=r"digits: data\.subset is 5000 but the training split has only 1149 examples",
    ):
        datasets.load(DataConfig(name="digits", subset=5000))


def test_subset_equal_to_the_training_split_keeps_it():
    assert datasets.load(DataConfig(name="digits", subset=1149)).sizes["train"] == 1149


def test_subset_smaller_than_the_number_of_classes():
    with pytest.raises(DataError, match=r"cannot draw a stratified subset of 5 from 1149"):
        datasets.load(DataConfig(name="digits", subset=5))


def test_too_few_examples_for_the_splits(tmp_path):
    path = _npz(tmp_path / "tiny.npz", x_train=np.zeros((2, 1)), y_train=np.array([0.0, 1.0]))
    with pytest.raises(
        DataError,
        match=r"tiny\.npz: too few examples for data\.validation_split=0\.2: 1 examples left for "
        r"training and validation would give 1 to validation and 0 to training\. Expected at least",
    ):
        datasets.load(DataConfig(name=path, test_split=0.4))
    one = _npz(tmp_path / "one.npz", x_train=np.zeros((1, 1)), y_train=np.array([0.5]))
    with pytest.raises(DataError, match=r"data\.test_split=0\.2: 1 examples would give 1 to test"):
        datasets.load(DataConfig(name=one))


def test_a_class_too_rare_to_stratify(tmp_path):
    y = np.array([0] * 10 + [1] * 10 + [2])
    path = _npz(tmp_path / "rare.npz", x_train=np.zeros((21, 1)), y_train=y)
    with pytest.raises(
        DataError, match=r"cannot make a stratified test split .*3 classes, the rarest has 1"
    ):
        datasets.load(DataConfig(name=path))


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"test_split": 1.5}, r"data\.test_split must be a number in \(0, 1\)\. Got 1\.5 instead"),
        ({"validation_split": 0}, r"data\.validation_split must be a number in \(0, 1\)\. Got 0"),
        ({"subset": 0}, r"data\.subset must be a positive number .* Got 0 instead"),
    ],
    ids=["test", "validation", "subset"],
)
def test_fractions_out_of_range(kwargs, pattern):
    with pytest.raises(DataError, match=pattern):
        datasets.load(DataConfig(name="digits", **kwargs))


def test_changed_file_is_reloaded(tmp_path):
    path, x, y = _id_npz(tmp_path)
    cache = datasets.DatasetCache()
    a = cache.get(DataConfig(name=path))
    assert cache.get(DataConfig(name=path)) is a
    stat = os.stat(path)
    assert datasets.identity(DataConfig(name=path)) == (DataConfig(name=path), path, stat.st_size, stat.st_mtime_ns)
    np.savez(path, x_train=x * 2, y_train=y)
    os.utime(path, ns=(1, 1))  # a distinct mtime even on coarse clocks
    assert cache.get(DataConfig(name=path)) is not a


def test_a_single_class_target_is_refused(tmp_path):
    # Found by the bad-input sweep: one class trained to 100% accuracy and tested nothing.
    path = _csv(tmp_path, "a,label\n" + "".join(f"{i},1\n" for i in range(20)))
    with pytest.raises(DataError, match=r"t\.csv: the labels hold a single class \(1\)\. Expected at "
                       r"least 2 classes; check the label column \(data\.target\)"):
        datasets.load(DataConfig(name=path, target="label"))
