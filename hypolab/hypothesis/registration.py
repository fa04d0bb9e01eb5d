"""A hypothesis as it reads now against what the store registered: edits, baseline changes, stale runs.

``check_registration`` compares the file (and its baseline) with its first
registration, before its runs trained: every place a verdict appears shows
the result. ``stale_reasons`` says why the runs of a hypothesis's last
registered plan no longer match the file (other data, another baseline, an
edited file, keys from an older hypolab), for ``status``, ``plan``,
``report`` and ``test``.

Example:

    check = check_registration(h, store.registration(h.name))
    check.summary()  # 'edited after registration on 2026-01-01T00:00:00+00:00 (changed: direction, margin)'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypolab.errors import SpecErrors
from hypolab.fingerprint import text_sha256
from hypolab.records import DataConfig, Hypothesis, PlanIdentity, Registration, RegistrationCheck

#: The settings of a file whose edit after registration changes what a verdict means.
VERDICT_SETTINGS = ("claim", "metric", "direction", "margin", "alpha")


def check_registration(h: Hypothesis, registration: Registration | None) -> RegistrationCheck:
    """How ``h`` (as it reads now, with its baseline) compares with its first registration."""
    sha256 = text_sha256(h.source)
    if registration is None:
        return RegistrationCheck(registered=False, registered_sha256=None, registered_at=None, sha256=sha256,
                                 edited=False, baseline=h.baseline)  # fmt: skip
    edited = registration.sha256 != sha256
    return RegistrationCheck(
        registered=True, registered_sha256=registration.sha256, registered_at=registration.registered_at,
        sha256=sha256, edited=edited, changed=_changed(h, registration.source) if edited else (),
        registered_baseline=registration.baseline if registration.baseline or not h.baseline else h.baseline,
        baseline=h.baseline,
    )  # fmt: skip


def _changed(h: Hypothesis, registered_source: str) -> tuple[str, ...]:
    """Which ``VERDICT_SETTINGS`` differ between the registered text and ``h``.

    The registered text is validated as a file of its own (defaults filled,
    so writing out ``alpha: 0.05`` changes nothing); where it no longer
    validates, its raw values are compared.
    """
    from hypolab.hypothesis.loader import load_text

    try:
        then = load_text(registered_source, file=h.path, folder=Path(h.path).parent)
        old = {name: _value(getattr(then, name)) for name in VERDICT_SETTINGS}
    except SpecErrors:
        from hypolab.hypothesis.yamlsource import parse

        try:
            raw = parse(registered_source, h.path).data
        except Exception:  # noqa: BLE001 - a text that is not even YAML: everything changed
            raw = None
        raw = raw if isinstance(raw, dict) else {}
        old = {name: _value(raw.get(name)) for name in VERDICT_SETTINGS}
    return tuple(name for name in VERDICT_SETTINGS if old[name] != _value(getattr(h, name)))


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def stale_reasons(h: Hypothesis, data: DataConfig, identity: PlanIdentity | None, planned_keys: list[str],
                  current_keys: list[str]) -> list[str]:  # fmt: skip
    """Why the runs of ``h``'s last registered plan are not the runs it plans now; empty where they are.

    Args:
        h: the hypothesis as it reads now.
        data: its data config with its fingerprint now.
        identity: what the registered plan rested on (None: planned by a
            hypolab before run identity).
        planned_keys: the registered plan's keys; current_keys: today's.
    """
    if not planned_keys or set(planned_keys) == set(current_keys):
        return []
    if identity is None:
        return ["its stored runs were planned by an older hypolab, whose run keys held the data's path instead "
                "of its content and not the training engine: they stay in the store but are not reused"]  # fmt: skip
    reasons = []
    then = identity.data
    if then.fingerprint != data.fingerprint:
        reasons.append(f"the data changed: stored runs were made on other data ({_content(then)}, now "
                       f"{_content(data)})")  # fmt: skip
    settings = [f"{key} {getattr(then, key)!r} -> {getattr(data, key)!r}"
                for key in ("target", "validation_split", "test_split", "split_seed", "subset")
                if getattr(then, key) != getattr(data, key)]  # fmt: skip
    if settings:
        reasons.append(f"the data settings changed ({', '.join(settings)})")
    if (then_sha := identity.baseline and identity.baseline.sha256) != (h.baseline and h.baseline.sha256):
        path = (h.baseline or identity.baseline).path
        reasons.append(f"the baseline {path} changed (sha256 {(then_sha or 'none')[:12]}... when planned, "
                       f"{(h.baseline.sha256 if h.baseline else 'none')[:12]}... now)")  # fmt: skip
    if identity.source_sha256 != text_sha256(h.source):
        reasons.append("the hypothesis file was edited since its runs were planned")
    return reasons or ["the arms or seeds were planned differently"]


def _content(data: DataConfig) -> str:
    return f"{data.name}, {data.fingerprint[:23]}..." if data.fingerprint else f"{data.name}, content unknown"
