"""The public API: every name in ``hypolab.__all__`` exists, and nothing public is left out."""

from __future__ import annotations

import subprocess
import sys

import hypolab


def test_all_is_sorted_and_unique():
    assert list(hypolab.__all__) == sorted(set(hypolab.__all__))


def test_every_exported_name_resolves():
    for name in hypolab.__all__:
        assert getattr(hypolab, name) is not None, name


def test_exported_records_and_errors_are_defined_where_they_belong():
    from hypolab import errors, records

    for name in hypolab.__all__:
        value = getattr(hypolab, name)
        module = getattr(value, "__module__", "")
        if name[0].isupper() and isinstance(value, type):
            assert module.startswith("hypolab."), (name, module)
    public_records = [n for n in vars(records) if n[:1].isupper() and not n.startswith("_")]
    public_errors = [n for n in vars(errors) if n.endswith("Error") or n.endswith("Errors")]
    missing = [n for n in public_records + public_errors if n not in hypolab.__all__ and n != "Any"]
    assert missing == []


def test_unknown_attribute_raises_attribute_error():
    try:
        hypolab.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_lazy_names_do_not_load_keras_until_used():
    code = (
        "import sys, hypolab; hypolab.load_hypothesis; hypolab.analyze; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_export_shadows_a_submodule():
    import pkgutil

    submodules = {m.name for m in pkgutil.iter_modules(hypolab.__path__)}
    assert submodules.isdisjoint(hypolab.__all__)
