"""What a run's numbers rest on, as content hashes: data files, baseline files, hypothesis texts.

A run key holds the data's *content* (``DataConfig.fingerprint``), never
the path that names it, so the same file from any working directory gives
the same keys and an edited file gives new ones. A large file is hashed once
per process: hashes are cached by resolved path, size and modification time.

Fingerprints (``data_fingerprint``):

- ``digits``: scikit-learn's digits, shipped with it and never changed;
- ``mnist:sha256:<hex>`` (and ``fashion_mnist``, ``cifar10``): the Keras
  cache files it is read from, in their fixed order; None where they are not
  downloaded yet (``hypolab test`` downloads them, then plans);
- ``sha256:<hex>``: a ``.npz`` or ``.csv`` file's bytes.

Light: the standard library only (the Keras cache layout is read from
``hypolab.datasets.builtin`` only for those three sets).

Example:

    data = with_fingerprint(DataConfig(name="hypotheses/data/iris.csv", target="species"))
    data.fingerprint  # 'sha256:6f1e...'
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path

from hypolab.records import DataConfig

#: The built-in sets read from the Keras cache (``hypolab.datasets.builtin``).
KERAS_SETS = ("mnist", "fashion_mnist", "cifar10")
#: The fingerprint of scikit-learn's digits.
DIGITS = "digits"

_CHUNK = 1 << 20
_hashed: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 hex of a file's bytes, computed once per (resolved path, size, mtime) in this process.

    Raises:
        OSError: the file cannot be read.
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    cache_key = (str(resolved), stat.st_size, stat.st_mtime_ns)
    if cache_key not in _hashed:
        digest = hashlib.sha256()
        with open(resolved, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
        _hashed[cache_key] = digest.hexdigest()
    return _hashed[cache_key]


def text_sha256(text: str) -> str:
    """SHA-256 hex of a text as UTF-8 (how a hypothesis file's text is registered)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_fingerprint(data: DataConfig, base_dir: str | os.PathLike[str] | None = None) -> str | None:
    """The content identity of the data ``data.name`` names (see the module docstring).

    Args:
        data: the data config; a file's ``name`` is the path as found (or
            relative to ``base_dir`` first, as data files are looked up).
        base_dir: the hypothesis file's folder.

    Returns:
        The fingerprint, or None where the data cannot be read now (a Keras
        set not downloaded, a missing or unreadable file).
    """
    name = data.name
    if name == DIGITS:
        return DIGITS
    if name in KERAS_SETS:
        from hypolab.datasets.builtin import cached_files, keras_home

        files = cached_files(name, keras_home())
        if files is None:
            return None
        try:
            combined = "".join(file_sha256(path) for path in files)
        except OSError:
            return None
        return f"{name}:sha256:{hashlib.sha256(combined.encode('ascii')).hexdigest()}"
    path = Path(name).expanduser()
    candidates = [path] if path.is_absolute() or base_dir is None else [Path(base_dir) / path, path]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return f"sha256:{file_sha256(candidate)}"
            except OSError:
                return None
    return None


def with_fingerprint(data: DataConfig, base_dir: str | os.PathLike[str] | None = None) -> DataConfig:
    """``data`` with its ``fingerprint`` computed now (None where the data cannot be read now)."""
    return replace(data, fingerprint=data_fingerprint(data, base_dir))
