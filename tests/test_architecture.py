"""The import rules of ../shared/STYLE.md, checked on the source.

Imports run one way: records <- spec, stats, report <- pipeline <- cli;
datasets, models, device <- runner, packing, executors, tuning. Only those last modules touch
Keras, so ``import hypolab`` and the light CLI commands stay fast.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hypolab"

KERAS_USERS = ("datasets", "models", "device", "runner", "user_trainer", "packing", "executors", "tuning", "pipeline")
HEAVY = ("keras", "tensorflow", "keras_tuner", "jax", "torch")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, *, top_level_only: bool) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:
        # `if TYPE_CHECKING:` blocks and try/except at module level still run
        # (or, for TYPE_CHECKING, never run): walk into try, skip TYPE_CHECKING.
        expanded = []
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                continue
            if isinstance(node, (ast.Try, ast.If)):
                expanded.extend(ast.walk(node))
            else:
                expanded.append(node)
        nodes = expanded
    names = []
    package = _module_name(path)
    if not path.name == "__init__.py":
        package = package.rpartition(".")[0]
    for node in nodes:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                names.append(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                names.append(node.module)
    return names


SOURCES = sorted(PACKAGE.rglob("*.py"))


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: _module_name(p))
def test_only_training_modules_import_keras(path):
    module = _module_name(path)
    if _stage(module) in KERAS_USERS:
        return
    heavy = [
        name for name in _imports(path, top_level_only=False) if name.split(".")[0] in HEAVY
    ]
    allowed_lazy = _stage(module) in ("cli", "report")
    if allowed_lazy:
        heavy = [
            name for name in _imports(path, top_level_only=True) if name.split(".")[0] in HEAVY
        ]
    assert heavy == [], f"{module} imports {heavy}; only {KERAS_USERS} may import Keras"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: _module_name(p))
def test_light_modules_do_not_import_training_stages_at_import_time(path):
    module = _module_name(path)
    if _stage(module) in KERAS_USERS:
        return
    eager = [
        name
        for name in _imports(path, top_level_only=True)
        if name.startswith("hypolab.") and _stage(name) in KERAS_USERS
    ]
    assert eager == [], f"{module} imports {eager} at import time; import it inside the function"


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "stats").rglob("*.py")), ids=lambda p: _module_name(p)
)
def test_stats_is_pure_numpy_and_scipy(path):
    allowed_roots = {"numpy", "scipy", "hypolab", "__future__"}
    import sys

    stdlib = set(sys.stdlib_module_names)
    for name in _imports(path, top_level_only=False):
        root = name.split(".")[0]
        assert root in allowed_roots or root in stdlib, f"{path.name} imports {name}"
        if root == "hypolab":
            assert _stage(name) in ("stats", "records", "errors"), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "records").glob("*.py")), ids=lambda p: p.stem)
def test_records_import_only_the_standard_library(path):
    import sys

    for name in _imports(path, top_level_only=False):
        if name.startswith("hypolab.records"):
            continue
        assert name.split(".")[0] in set(sys.stdlib_module_names) | {"__future__"}, name


def test_no_grab_bag_modules():
    banned = {"utils.py", "helpers.py", "common.py", "core.py", "misc.py"}
    assert not [p for p in SOURCES if p.name in banned]
