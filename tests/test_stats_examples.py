"""The examples in hypolab.stats docstrings run and give the numbers they show."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import hypolab.stats

MODULES = sorted(m.name for m in pkgutil.iter_modules(hypolab.stats.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(f"hypolab.stats.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_stats_imports_numpy_and_scipy_only():
    allowed = {"numpy", "scipy", "hypolab", "__future__", "collections", "dataclasses",
               "enum", "functools", "itertools", "math", "typing"}
    for path in Path(hypolab.stats.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed, f"{path.name} imports {roots - allowed}"
