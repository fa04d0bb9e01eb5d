"""``model.kind: custom``: a user's ``builder: "module:function"``; and importing any such function (``trainer`` too)."""

from __future__ import annotations

import difflib
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras

from hypolab.errors import ModelError
from hypolab.records import CustomConfig, Task


def load_builder(spec: str, *, base_dir: str | Path | None = None) -> Callable[..., Any]:
    """Import the function a ``custom`` model's ``builder: "module:function"`` names (see ``load_function``)."""
    return load_function(spec, base_dir=base_dir, key="model.builder")


def load_function(spec: str, *, base_dir: str | Path | None = None, key: str) -> Callable[..., Any]:
    """Import the function a ``"module:function"`` setting names (``model.builder``, ``trainer``).

    The module is imported from ``sys.path``, then from the current directory,
    then from ``base_dir``, so a ``mymodels.py`` next to the hypothesis file works.

    Args:
        spec: ``"module:function"``.
        base_dir: the hypothesis file's folder.
        key: the setting, for messages.

    Raises:
        ModelError: the string is malformed, the module cannot be imported,
            or it has no callable of that name.
    """
    module_name, sep, attr = str(spec).partition(":")
    if not sep or not module_name or not attr:
        raise ModelError(
            f"{key} must look like 'module:function' (e.g. 'mypkg.models:build'). "
            f"Got {spec!r} instead."
        )
    extra = [str(Path.cwd())] + ([str(Path(base_dir).resolve())] if base_dir else [])
    added = [p for p in extra if p not in sys.path]
    sys.path.extend(added)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any import-time failure of user code is a config error
        raise ModelError(
            f"{key} {spec!r}: cannot import module {module_name!r}: "
            f"{type(exc).__name__}: {exc}. Expected an importable module on sys.path, "
            f"in the current directory or in {base_dir or 'the hypothesis folder'}."
        ) from exc
    finally:
        for p in added:
            sys.path.remove(p)
    fn = getattr(module, attr, None)
    if fn is None or not callable(fn):
        found = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        hint = difflib.get_close_matches(attr, found, n=1)
        raise ModelError(
            f"{key} {spec!r}: module {module_name!r} has no function {attr!r}"
            + (
                f". Did you mean {hint[0]!r}?"
                if hint
                else f". It defines: {', '.join(found) or 'nothing callable'}."
            )
        )
    return fn


def build_custom(
    config: CustomConfig, shape: tuple[int, ...], num_classes: int, task: Task, base_dir: str | Path | None
) -> keras.Model:
    spec = config.builder
    fn = load_builder(spec, base_dir=base_dir)
    args = config.args.to_dict()
    try:
        model = fn(shape, num_classes, **args)
    except Exception as exc:
        raise ModelError(
            f"model.builder {spec!r} raised {type(exc).__name__}: {exc} "
            f"(called as {spec.partition(':')[2]}(input_shape={shape}, "
            f"num_classes={num_classes}, **{args!r}))."
        ) from exc
    if not isinstance(model, keras.Model):
        raise ModelError(
            f"model.builder {spec!r} must return a keras.Model. Got {type(model).__name__} instead."
        )
    expected = num_classes if task is Task.CLASSIFICATION else 1
    out = _output_units(model)
    if out is not None and out != expected:
        raise ModelError(
            f"model.builder {spec!r} returned a model with {out} outputs per example; "
            f"the {task.value} task needs {expected} "
            + (
                "(softmax over the classes)."
                if task is Task.CLASSIFICATION
                else "(a linear Dense(1))."
            )
        )
    return model


def _output_units(model: keras.Model) -> int | None:
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):
        return None  # a subclassed or unbuilt model: shape unknown until called
    if isinstance(shape, tuple) and shape and isinstance(shape[-1], int):
        return shape[-1]
    return None
